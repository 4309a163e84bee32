"""Currencies come from the maintained ISO 4217 list, not a hand copy (issue 11)."""

from __future__ import annotations

import pytest

from rules_engine.api import check_source

POLICY = 'policy "x"\ntimezone "UTC"\neffective 2026-01-01\ncurrency {code}\nfee 100 per month\n'


@pytest.mark.parametrize(
    ("code", "units"),
    [("ZWG", 2), ("XCG", 2), ("USD", 2), ("JPY", 0), ("BHD", 3), ("CLF", 4)],
)
def test_current_codes_are_accepted_with_their_minor_unit(code: str, units: int) -> None:
    result = check_source(POLICY.format(code=code))
    assert result.policy is not None, [d.message for d in result.diagnostics]
    assert result.policy.currency.minor_units == units


@pytest.mark.parametrize("code", ["ZWL", "XAU", "ABC"])
def test_withdrawn_or_unitless_codes_are_refused(code: str) -> None:
    # ZWL was withdrawn in 2024 (replaced by ZWG); gold has no minor unit to round a fee to
    result = check_source(POLICY.format(code=code))
    assert [d.code for d in result.diagnostics if d.severity == "error"] == ["SLA311"]


def test_a_typo_suggests_the_nearest_code() -> None:
    result = check_source(POLICY.format(code="ZWX"))
    (error,) = [d for d in result.diagnostics if d.code == "SLA311"]
    assert error.help is not None and "ZWG" in error.help
