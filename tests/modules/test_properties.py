"""Property: splitting a policy into standard terms and a policy that imports them does
not change its meaning. The merged policy equals the one-file policy written with the
imported declarations first (an overridden one keeps its imported place)."""

from __future__ import annotations

import dataclasses
import tempfile
from pathlib import Path

from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from rules_engine.api import check_source, load_policy
from rules_engine.language import ast
from rules_engine.language import model as m
from rules_engine.language.formatter import print_policy
from rules_engine.language.modules import declaration_key
from rules_engine.language.parser import parse

ROOT = Path(__file__).resolve().parents[2]
QUICKSTART = parse(
    (ROOT / "examples/quickstart/policy.sla").read_text(encoding="utf-8"), "policy.sla"
)
ITEMS = QUICKSTART.items


def neutral(policy: m.CheckedPolicy | None) -> m.CheckedPolicy:
    assert policy is not None
    return dataclasses.replace(policy, source_path="", source_sha256="")


def text(items: list[ast.Item], overrides: tuple[int, ...] = (), imports: str = "") -> str:
    return imports + print_policy(ast.Policy(tuple(items), overrides=overrides))


@settings(max_examples=40, deadline=None, suppress_health_check=list(HealthCheck))
@given(
    st.lists(st.booleans(), min_size=len(ITEMS), max_size=len(ITEMS)),
    st.lists(st.booleans(), min_size=len(ITEMS), max_size=len(ITEMS)),
)
def test_split_and_merge_is_the_concatenation(imported: list[bool], restated: list[bool]) -> None:
    standard = [item for item, moved in zip(ITEMS, imported, strict=True) if moved]
    assume(standard)  # an empty file is not a module (SLA105)
    own = [item for item, moved in zip(ITEMS, imported, strict=True) if not moved]
    # some imported declarations are also restated (unchanged) in the importing file:
    # named ones with `override`, header ones without
    again = [
        item
        for item, moved, twice in zip(ITEMS, imported, restated, strict=True)
        if moved and twice and declaration_key(item) is not None
    ]
    local = again + own
    overrides = tuple(i for i, item in enumerate(again) if len(declaration_key(item) or ()) == 2)
    with tempfile.TemporaryDirectory() as folder:
        here = Path(folder)
        (here / "std.sla").write_text(text(standard), encoding="utf-8")
        (here / "main.sla").write_text(
            text(local, overrides, 'import "std.sla"\n'), encoding="utf-8"
        )
        merged = load_policy(here / "main.sla")
    single = check_source(text(standard + own), "single.sla").policy
    assert neutral(merged) == neutral(single)
