"""Lint warnings at their boundaries: where each one starts and stops firing."""

from __future__ import annotations

import pytest

from rules_engine.api import check_source

HEAD = """policy "Lint"
effective 2026-01-01
timezone "UTC"
currency USD
fee 1000 per month
calendar business { open mon-fri 09:00-17:00 }
"""
AVAIL = 'target av { of outages where service = "email" measure availability require >= 99.9% }\n'


def warnings(body: str) -> list[str]:
    result = check_source(HEAD + body, "lint.sla")
    assert result.errors == [], result.errors
    return [d.code for d in result.warnings]


@pytest.mark.parametrize(
    ("threshold", "expected"),
    [
        # met means value >= 99.9%; "< 99.9%" pays only below it: no overlap
        ("< 99.9%", []),
        # "<= 99.9%" pays at exactly 99.9%, where the target is met
        ("<= 99.9%", ["SLA510"]),
        ("< 99.95%", ["SLA510"]),
        ("< 99.0%", []),
    ],
)
def test_tier_paying_while_met(threshold: str, expected: list[str]) -> None:
    body = AVAIL + f"credit c {{ when av {threshold} credit 5% of fee }}\n"
    assert warnings(body) == expected


def test_mean_objective_against_credit_threshold() -> None:
    surveys = "target sat { of surveys measure mean score require mean >= 4.2 }\n"
    # met at >= 4.2; a credit below 4.5 pays for 4.2 .. 4.5
    assert warnings(surveys + "credit c { when sat < 4.5 credit 1% of fee }\n") == ["SLA510"]
    assert warnings(surveys + "credit c { when sat < 4.2 credit 1% of fee }\n") == []


def test_credit_tiers_in_design_order_are_fine() -> None:
    body = AVAIL + (
        "credit c {\n"
        "  when av < 99.0% credit 25% of fee\n"
        "  when av < 99.5% credit 10% of fee\n"
        "  when av < 99.9% credit 5% of fee\n"
        "}\n"
    )
    assert warnings(body) == []


def test_credit_tier_with_equal_pay_never_pays() -> None:
    body = AVAIL + (
        "credit c {\n  when av < 99.0% credit 5% of fee\n  when av < 99.5% credit 5% of fee\n}\n"
    )
    assert warnings(body) == ["SLA504"]


def test_cap_per_year_is_not_compared_with_a_tier() -> None:
    body = AVAIL + "credit c { when av < 99.0% credit 25% of fee }\n"
    assert warnings(body + "cap credits at 10% of fee per year\n") == []
    assert warnings(body + "cap credits at 25% of fee per period\n") == []  # equal is fine
    assert warnings(body + "cap credits at 24% of fee per period\n") == ["SLA506"]


def test_overlapping_targets() -> None:
    a = 'target a { of tickets where service = "email" measure resolution_time require 90% within 8h }\n'
    b = 'target b { of tickets where service = "vpn" measure resolution_time require 90% within 4h }\n'
    c = 'target c { of tickets where service in ["email", "vpn"] measure resolution_time require 90% within 4h }\n'
    d = 'target d { of tickets where service = "email" measure resolution_time require 100% within 24h }\n'
    assert warnings(a + b) == []  # disjoint services
    assert warnings(a + c) == ["SLA502"]  # both take email tickets
    assert warnings(a + d) == []  # a layered objective (90% in 8h, all in 24h)


def test_tier_coverage_by_an_unscoped_target() -> None:
    tiers = "tier P1\ntier P2\n"
    any_tier = "target all_response { of tickets measure response_time require 90% within 1h }\n"
    assert warnings(tiers + any_tier) == []
    p1 = "target p1 { of tickets where priority = P1 measure resolution_time require 90% within 4h }\n"
    assert warnings(tiers + p1) == ["SLA501"]
    not_p1 = "target rest { of tickets where priority != P1 measure response_time require 90% within 4h }\n"
    assert warnings(tiers + p1 + not_p1) == []


def test_business_days_only_on_business_clocks() -> None:
    vuln = "target v { of vulnerabilities measure time from published_at to remediated_at require 95% within 14d }\n"
    assert warnings(vuln) == []
    on_business = vuln.replace("remediated_at", "remediated_at on business")
    assert warnings(on_business) == ["SLA509"]
    # tickets take their tier's coverage when the target names no clock
    tiered = "tier P3 coverage business\ntarget p3 { of tickets where priority = P3 measure resolution_time require 90% within 2d }\n"
    assert warnings(tiered) == ["SLA509"]
    assert warnings(tiered.replace("2d", "48h")) == []


def test_pause_on_open_status() -> None:
    assert warnings('pause tickets while status in ["open"]\n') == ["SLA503"]
    assert warnings('pause tickets while status in ["Awaiting Customer"]\n') == []


def test_lookback_within_a_year_is_fine() -> None:
    body = AVAIL + "credit c { when av breached in 2 of last 12 periods credit 1% of fee }\n"
    assert warnings(body) == []
    assert warnings(body.replace("last 12", "last 13")) == ["SLA507"]


def test_earn_back_with_a_credit_rule_is_fine() -> None:
    body = (
        AVAIL
        + "credit c { when av breached credit 1% of fee }\nearn back av credits after 2 met periods\n"
    )
    assert warnings(body) == []
