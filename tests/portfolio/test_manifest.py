"""The portfolio manifest is read strictly: every problem at its file:line:col, at once."""

from __future__ import annotations

import pytest

from rules_engine.portfolio.manifest import ManifestError, Periods, parse_manifest

GOOD = """\
portfolio: Northwind
as_of: "2026-04-01T09:00:00-04:00"
from: 2026-01
to: 2026-03
shared_data:
  warehouse: {path: wh, partition: customer}
contracts:
  - id: contoso
    policy: contoso.sla
    data: contoso-data
  - id: tailspin
    policy: tailspin.sla
    data: {shared: warehouse, customer: tailspin}
    period: 2026-02
    as_of: 2026-03-05
"""


def problems(text: str) -> list[str]:
    with pytest.raises(ManifestError) as caught:
        parse_manifest(text, "m/p.yaml")
    return [str(p) for p in caught.value.problems]


def test_a_good_manifest_resolves_paths_against_its_folder_and_inherits_periods() -> None:
    manifest = parse_manifest(GOOD, "m/p.yaml")
    contoso, tailspin = manifest.contracts
    assert manifest.title == "Northwind"
    assert (contoso.policy, contoso.data, contoso.customer) == (
        "m/contoso.sla",
        "m/contoso-data",
        None,
    )
    assert contoso.periods == Periods(None, "2026-01", "2026-03")
    assert contoso.as_of == "2026-04-01T09:00:00-04:00"
    # the contract's own period replaces the range; its as-of is kept as written
    assert (tailspin.data, tailspin.customer, tailspin.partition) == (
        "m/wh",
        "tailspin",
        "customer",
    )
    assert tailspin.periods == Periods("2026-02", None, None)
    assert tailspin.as_of == "2026-03-05"


def test_an_unknown_key_is_located_with_a_did_you_mean() -> None:
    text = GOOD.replace("    policy: contoso.sla", "    polcy: contoso.sla")
    assert problems(text) == [
        "m/p.yaml:9:5: error: unknown key `polcy` in a contract; help: did you mean `policy`?",
        "m/p.yaml:8:5: error: contract `contoso` has no `policy`; help: name its policy file or versions folder",
    ]


def test_every_problem_is_reported_at_once() -> None:
    text = (
        GOOD.replace("portfolio: Northwind", "portfolo: Northwind")
        .replace("shared: warehouse", "shared: warehose")
        .replace("  - id: tailspin", "  - id: contoso")
    )
    assert problems(text) == [
        "m/p.yaml:1:1: error: unknown key `portfolo` in the manifest; help: did you mean `portfolio`?",
        "m/p.yaml:13:20: error: no shared dataset `warehose`; help: did you mean `warehouse`?",
    ]
    text = GOOD.replace("  - id: tailspin", "  - id: contoso")
    assert problems(text) == [
        "m/p.yaml:11:5: error: contract id `contoso` is used twice (first at line 8); "
        "help: give each contract its own id: it names its output files",
    ]


def test_period_and_range_together_are_refused() -> None:
    text = GOOD.replace("    period: 2026-02", "    period: 2026-02\n    from: 2026-01")
    assert problems(text) == [
        "m/p.yaml:14:5: error: `period` cannot be combined with `from`/`to` in contract `tailspin`; help: use one"
    ]


@pytest.mark.parametrize(
    ("edit", "expected"),
    [
        (
            ("customer: tailspin", "customer: ../etc"),
            "m/p.yaml:13:41: error: customer `../etc` cannot name a partition folder; "
            "help: use letters, digits, `.`, `_` and `-`, starting with a letter or digit",
        ),
        (
            ("id: contoso", "id: a/b"),
            "m/p.yaml:8:9: error: contract id `a/b` cannot name a file; "
            "help: use letters, digits, `.`, `_` and `-`, starting with a letter or digit",
        ),
        (
            ("contracts:\n", "contracts:\n  - [x]\n"),
            "m/p.yaml:8:5: error: a contract must be a mapping of keys to values",
        ),
        (
            ('as_of: "2026-04-01T09:00:00-04:00"', "as_of: [1]"),
            "m/p.yaml:2:8: error: `as_of` in the manifest must be a single value",
        ),
        (
            ("  warehouse: {path: wh, partition: customer}", "  warehouse: {path: wh}"),
            "m/p.yaml:6:14: error: shared dataset `warehouse` has no `partition`; "
            "help: name the partition key, e.g. `customer`",
        ),
    ],
)
def test_bad_values_are_located(edit: tuple[str, str], expected: str) -> None:
    assert expected in problems(GOOD.replace(*edit))


def test_not_yaml_and_no_contracts() -> None:
    assert problems("contracts: [")[0].startswith("m/p.yaml:1:13: error: not valid YAML")
    assert problems("portfolio: x\n") == [
        "m/p.yaml:1:1: error: the manifest has no `contracts`; help: list the contracts to evaluate"
    ]
    assert problems("") == ["m/p.yaml:1:1: error: the manifest is empty; help: list `contracts:`"]
