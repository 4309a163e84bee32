"""Money: rounding, display and the fee in force (hand-computed)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from fractions import Fraction

import pytest

from rules_engine.consequences import assess
from rules_engine.consequences.money import (
    MoneyError,
    currency,
    format_money,
    format_percent,
    minor_units,
    percent_of,
    round_money,
    to_minor_str,
)
from rules_engine.evaluation import engine
from rules_engine.evaluation import fees as fee_module
from rules_engine.evaluation.fees import fee_for_period, policy_fee
from rules_engine.evaluation.periods import parse_period

from .builders import JPY, USD, fees, make_policy


def test_half_cents_round_half_even() -> None:
    # 5% x 12,345.30 = 617.265 -> the 6 is even, stays: 617.26
    assert percent_of(Fraction(1, 20), Decimal("12345.30"), USD) == Decimal("617.26")
    # 617.275 -> 7 is odd, rounds up to 617.28
    assert round_money(Decimal("617.275"), USD) == Decimal("617.28")
    # 0.005 -> 0.00 (0 even), 0.015 -> 0.02 (1 odd)
    assert round_money(Decimal("0.005"), USD) == Decimal("0.00")
    assert round_money(Decimal("0.015"), USD) == Decimal("0.02")
    # 25% x 12,345.30 = 3,086.325 -> 3,086.32
    assert percent_of(Fraction(1, 4), Decimal("12345.30"), USD) == Decimal("3086.32")


def test_exact_thirds_are_not_floats() -> None:
    # 1/3 x 100.00 = 33.333... -> 33.33; 2/3 x 100.00 = 66.666... -> 66.67
    assert percent_of(Fraction(1, 3), Decimal("100.00"), USD) == Decimal("33.33")
    assert percent_of(Fraction(2, 3), Decimal("100.00"), USD) == Decimal("66.67")


def test_jpy_has_no_minor_unit() -> None:
    # 10% x 12,345 JPY = 1,234.5 -> half-even to 1,234 (4 even)
    assert percent_of(Fraction(1, 10), Decimal(12345), JPY) == Decimal(1234)
    # 10% x 12,355 JPY = 1,235.5 -> 1,236 (5 odd rounds up)
    assert percent_of(Fraction(1, 10), Decimal(12355), JPY) == Decimal(1236)
    assert to_minor_str(Decimal(1234), JPY) == "1234"
    assert format_money(Decimal(1234567), JPY) == "1,234,567 JPY"


def test_display_forms() -> None:
    assert format_money(Decimal("12000"), USD) == "12,000.00 USD"
    assert format_money(Decimal("-600.5"), USD) == "-600.50 USD"
    assert to_minor_str(Decimal("600"), USD) == "600.00"
    assert format_percent(Fraction(1, 20)) == "5"
    assert format_percent(Fraction(1, 40)) == "2.5"
    assert format_percent(Fraction(999, 1000)) == "99.9"
    assert format_percent(Fraction(1, 3)) == "33.333333"  # 6 decimals, half-even
    assert format_percent(Fraction(2, 3)) == "66.666667"


def test_minor_units_table() -> None:
    assert (minor_units("USD"), minor_units("jpy"), minor_units("BHD")) == (2, 0, 3)
    assert minor_units("XYZ") is None
    assert currency("eur").minor_units == 2
    with pytest.raises(MoneyError, match="unknown currency `XYZ`"):
        currency("XYZ")


def test_fee_per_month_summed_over_a_quarter_with_a_mid_quarter_change() -> None:
    schedule = fees(("1000", "month", "2026-01-01"), ("1200", "month", "2026-02-15"))
    q1 = parse_period("2026-Q1", "quarter", "UTC")
    # in force on Jan 1: 1000; on Feb 1: still 1000 (the change is on Feb 15); Mar 1: 1200
    # 1000 + 1000 + 1200 = 3200
    assert fee_for_period(schedule, q1, USD) == Decimal("3200.00")
    q2 = parse_period("2026-Q2", "quarter", "UTC")
    assert fee_for_period(schedule, q2, USD) == Decimal("3600.00")  # 3 x 1200


def test_fee_per_period_is_the_one_in_force_on_the_first_day() -> None:
    schedule = fees(("3000", "period", "2026-01-01"), ("3300", "period", "2026-02-01"))
    q1 = parse_period("2026-Q1", "quarter", "UTC")
    assert fee_for_period(schedule, q1, USD) == Decimal("3000.00")  # the change is mid-Q1
    assert fee_for_period(schedule, q1.next(), USD) == Decimal("3300.00")


def test_fee_of_a_contract_starting_mid_period() -> None:
    # effective 2026-02-15 on a quarterly policy billed per month: January is not under
    # contract; February takes the fee in force on the 15th; March its own: 500 + 500
    schedule = fees(("500", "month", "2026-02-15"))
    q1 = parse_period("2026-Q1", "quarter", "UTC")
    fee = fee_for_period(schedule, q1, USD, effective=dt.date(2026, 2, 15))
    assert fee == Decimal("1000.00")


def test_missing_fee_is_an_error_with_a_location_not_a_zero() -> None:
    schedule = fees(("1000", "month", "2026-03-01"))
    feb = parse_period("2026-02", "month", "UTC")
    with pytest.raises(MoneyError) as info:
        fee_for_period(schedule, feb, USD, source="acme.sla")
    text = str(info.value)
    assert text.startswith("acme.sla: no fee in force on 2026-02-01 (period 2026-02)")
    assert "help:" in text
    assert "\n" not in text


def test_the_engine_and_the_consequences_take_the_period_fee_from_one_place() -> None:
    # the engine shows each period's fee and the consequences stage takes percentages of
    # it: one function, in the earlier (evaluation) stage, serves both
    assert engine.policy_fee is fee_module.policy_fee
    assert assess.policy_fee is fee_module.policy_fee
    assert not hasattr(engine, "fee_for")
    # effective 2026-02-15 on a quarterly policy, 500 per month from that day: January is
    # not under contract; February takes the fee in force on the 15th; March 500: 1,000.00
    policy = make_policy(
        fee_lines=fees(("500", "month", "2026-02-15")), effective="2026-02-15", period="quarter"
    )
    assert policy_fee(policy, parse_period("2026-Q1", "quarter", "UTC")) == Decimal("1000.00")
    # no fee in force: an error at the policy, never a zero
    late = make_policy(fee_lines=fees(("500", "month", "2026-03-01")), effective="2026-02-01")
    with pytest.raises(MoneyError, match=r"^test\.sla: no fee in force on 2026-02-01"):
        policy_fee(late, parse_period("2026-02", "month", "UTC"))
