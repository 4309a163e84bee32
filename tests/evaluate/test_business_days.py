"""Limits in business days (``3bd``) judged end to end; every number worked by hand on a
Mon-Fri 08:00-17:00 New York calendar (a business day is 9 open hours)."""

from __future__ import annotations

from rules_engine.evaluation.periods import parse_period
from rules_engine.language.load import check_source
from rules_engine.pipeline import evaluate

from .helpers import Bundle, t, tickets

POLICY = """
policy "Business days" effective 2026-03-01 timezone "America/New_York" currency USD
fee 1000 per month
calendar business { timezone "America/New_York" open mon-fri 08:00-17:00 }
tier P3 coverage business
target p3_days {
  of tickets where priority = P3
  measure resolution_time
  require 60% within 3bd
}
target p3_median {
  of tickets where priority = P3
  measure resolution_time
  require p50 <= 1bd
}
"""

DATA = tickets(
    [
        # Sat 10:00 (closed) -> Thu 08:00: Mon + Tue + Wed = exactly 3bd, met (inclusive)
        {
            "id": "A",
            "priority": "P3",
            "created_at": "2026-03-07T10:00:00-05:00",
            "resolved_at": "2026-03-12T08:00:00-04:00",
        },
        # Tue 14:00 -> Fri 14:30: 3 days + 0.5h of 9h = 3 1/18 = 3.055556bd, breached
        {
            "id": "B",
            "priority": "P3",
            "created_at": "2026-03-03T14:00:00-05:00",
            "resolved_at": "2026-03-06T14:30:00-05:00",
        },
        # Tue 09:00 -> 13:30 the same day: 4.5h of 9h = 0.5bd, met
        {
            "id": "C",
            "priority": "P3",
            "created_at": "2026-03-10T09:00:00-04:00",
            "resolved_at": "2026-03-10T13:30:00-04:00",
        },
    ]
)


def _march() -> dict:
    result = check_source(POLICY)
    assert result.policy is not None, result.diagnostics
    period = parse_period("2026-03", "month", "America/New_York")
    doc = evaluate(result.policy, Bundle({"tickets": DATA}), [period], t("2026-04-02T00:00:00Z"))
    return doc.document["periods"][0]["targets"]


def test_percent_within_business_days() -> None:
    days = _march()["p3_days"]
    # met A and C, breached B: 2/3 = 66.666667% >= 60% -> met; budget floor(0.4 x 3) = 1
    assert (days["met"], days["breached"], days["verdict"]) == (2, 1, "met")
    assert days["objective"] == "60% within 3bd"
    [b] = days["breached_records"]
    assert b == {
        "id": "B",
        "measured_s": None,
        "limit_s": None,
        "open": False,
        "measured_bd": "3.055556",
        "limit_bd": "3.000000",
    }
    assert days["records"]["A"]["measured_bd"] == "3.000000"
    assert "within 3bd" in days["explanation"]


def test_percentile_in_business_days() -> None:
    median = _march()["p3_median"]
    # sorted 0.5, 3, 3 1/18; p50 of 3 is rank ceil(1.5) = 2 -> 3bd > 1bd: breached
    assert (median["rank"], median["value_bd"], median["value_bd_exact"]) == (2, "3.000000", "3")
    assert median["value_s"] is None and median["unit"] == "business_days"
    assert median["verdict"] == "breached"
    assert median["goal"]["unit"] == "business_days" and median["goal"]["threshold"] == "1"
    assert "rank 2 value 3bd against p50 <= 1bd (margin -2bd)" in median["explanation"]
