"""The presentation module: what people read, and what a target's durations are counted on."""

from __future__ import annotations

import re
from decimal import Decimal
from fractions import Fraction
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from rules_engine import present
from rules_engine.evaluation.records import target_clock
from rules_engine.language.load import check_source

QUICKSTART = Path(__file__).parent.parent / "examples" / "quickstart" / "policy.sla"
_UNITS = {"d": 86400, "h": 3600, "m": 60, "s": 1}


def parse_duration(text: str) -> int:
    """An independent reading of ``9d5h10m``: every part once, largest unit first."""
    parts = re.fullmatch(r"(?:(\d+)d)?(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?", text)
    assert parts is not None and text, text
    return sum(int(n) * size for n, size in zip(parts.groups(), _UNITS.values(), strict=True) if n)


@given(st.integers(min_value=0, max_value=10**9), st.sampled_from(["wall", "business", "mixed"]))
def test_a_whole_duration_reads_back_to_its_seconds(seconds: int, clock: present.ClockKind) -> None:
    text = present.duration(seconds, clock)
    assert parse_duration(text) == seconds
    if clock != "wall":
        assert "d" not in text  # business time never in 24-hour days


@given(st.integers(min_value=0, max_value=2 * 86400 - 1))
def test_under_two_days_no_clock_shows_days(seconds: int) -> None:
    assert "d" not in present.duration(seconds)


@given(
    st.fractions(min_value=0, max_value=100, max_denominator=10**7),
    st.fractions(min_value=0, max_value=100, max_denominator=1000),
)
def test_a_percentage_never_looks_equal_to_an_objective_it_differs_from(
    value: Fraction, objective: Fraction
) -> None:
    shown = Fraction(Decimal(present.percent(value, against=objective).rstrip("%")))
    if value != objective and abs(value - objective) >= Fraction(1, 10**6):
        assert shown != objective
    # never further from the exact value than half the last place shown
    places = present.places_needed(value, objective)
    assert abs(shown - value) <= Fraction(1, 2 * 10**places)


@pytest.mark.parametrize(
    ("value", "objective", "text"),
    [
        ("100", "95", "100.00%"),
        ("99.955197", "99.9", "99.96%"),
        # 94.996 to two places is 95.00, which would read as met: three places
        ("94.996", "95", "94.996%"),
        # 99.8999999 is 99.900000 at six places: the most DESIGN ever shows
        ("99.8999999", "99.9", "99.900000%"),
        ("95", "95", "95.00%"),
    ],
)
def test_percent_precision(value: str, objective: str, text: str) -> None:
    assert present.percent(value, against=objective) == text


def test_money_and_instants() -> None:
    assert present.money(Decimal("3515"), "EUR") == "3,515.00 EUR"
    assert present.money("-1850.5", "EUR") == "-1,850.50 EUR"
    assert present.money(1200, "JPY", 0) == "1,200 JPY"
    # 12:05 UTC in April is 14:05 in Berlin (CEST, +02:00); in January +01:00
    assert present.instant("2026-04-03T12:05:00Z", "Europe/Berlin") == "2026-04-03 14:05 +02:00"
    assert present.instant("2026-01-03T12:05:00Z", "Europe/Berlin") == "2026-01-03 13:05 +01:00"
    assert present.instant(None) == "-"


def test_each_target_names_the_clock_its_durations_are_counted_on() -> None:
    text = QUICKSTART.read_text()
    text += """
target any_resolution "Every ticket, each on its tier's clock" {
  of tickets
  measure resolution_time
  require 90% within 8h
}

target p3_by_tier "P3 on its tier's coverage" {
  of tickets where priority in [P3]
  measure resolution_time
  require 90% within 27h
}
"""
    result = check_source(text, str(QUICKSTART))
    assert result.policy is not None, result.diagnostics
    policy = result.policy
    clocks = {name: target_clock(t, policy) for name, t in policy.targets.items()}
    assert clocks == {
        "p1_response": "wall",  # P1 is covered 24x7
        "p2_resolution": "wall",
        "p3_resolution": "business",  # `on business`
        "email_availability": "wall",
        "satisfaction": None,  # a mean score measures no time
        "any_resolution": "mixed",  # P1, P2 on 24x7 and P3 on business
        "p3_by_tier": "business",  # P3's coverage is the business calendar
    }
