"""The diff is semantic: formatting never shows, every real edit does."""

from __future__ import annotations

import dataclasses
import re
from fractions import Fraction
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from rules_engine.api import check_source
from rules_engine.language import model as m
from rules_engine.language.formatter import format_policy
from rules_engine.workflow.policy_diff import diff_policies

from .models import policy, target

ROOT = Path(__file__).resolve().parents[2]
POLICIES = sorted(
    [
        *ROOT.glob("tests/conformance/*.sla"),
        *ROOT.glob("examples/**/*.sla"),
        *ROOT.glob("policies/**/*.sla"),
    ]
)


def checked(text: str, path: str) -> m.CheckedPolicy:
    result = check_source(text, path)
    assert result.policy is not None, [str(d.message) for d in result.diagnostics]
    return result.policy


@pytest.mark.parametrize("path", POLICIES, ids=lambda p: p.name)
def test_canonical_layout_is_no_semantic_change(path: Path) -> None:
    text = path.read_text()
    canonical = format_policy(text, str(path))
    # stretch it: every single blank outside string literals becomes three
    parts = canonical.split('"')
    squeezed = '"'.join(
        re.sub(r"(?<=\S) (?=\S)", "   ", part) if i % 2 == 0 else part
        for i, part in enumerate(parts)
    )
    old = checked(text, str(path))
    for variant in (canonical, squeezed, "# a comment\n\n" + canonical):
        # a sibling path: a policy's imports resolve relative to its folder
        assert not diff_policies(old, checked(variant, str(path.with_name("other.sla")))).changed


@pytest.mark.parametrize("path", POLICIES, ids=lambda p: p.name)
def test_a_real_edit_shows(path: Path) -> None:
    text = path.read_text()
    # raise the first fee line by one unit of the currency
    edited, n = re.subn(r"\bfee (\d+)", lambda mt: f"fee {int(mt.group(1)) + 1}", text, count=1)
    assert n == 1
    other = str(path.with_name("other.sla"))  # imports resolve relative to the folder
    changes = diff_policies(checked(text, str(path)), checked(edited, other)).changes
    assert [(c.clause, c.direction) for c in changes] == [("fee", "higher")]
    assert changes[0].detail.startswith("+1 ")


percents = st.fractions(min_value=Fraction(1, 2), max_value=Fraction(1)).map(
    lambda f: Fraction(round(f * 1000), 1000)
)
limits = st.integers(min_value=60, max_value=86400)


@settings(max_examples=60, deadline=None)
@given(p1=percents, l1=limits, p2=percents, l2=limits)
def test_direction_agrees_with_the_numbers(p1: Fraction, l1: int, p2: Fraction, l2: int) -> None:
    base = policy()

    def with_objective(pct: Fraction, limit: int) -> m.CheckedPolicy:
        t = target(objective=m.PercentWithin(pct, limit))
        return dataclasses.replace(base, targets={**base.targets, "p1_response": t})

    changes = diff_policies(with_objective(p1, l1), with_objective(p2, l2)).changes
    if (p1, l1) == (p2, l2):
        assert changes == ()
        return
    [change] = changes
    harder = p2 >= p1 and l2 <= l1
    easier = p2 <= p1 and l2 >= l1
    expected = "stricter" if harder else "looser" if easier else "changed"
    assert change.direction == expected
