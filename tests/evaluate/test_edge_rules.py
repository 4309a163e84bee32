"""DESIGN's "Edge rules", one test each; every expected number worked by hand."""

from __future__ import annotations

import datetime as dt
from typing import Any

import polars as pl

from rules_engine.evaluation.periods import parse_period
from rules_engine.evaluation.rows import materialize
from rules_engine.language.load import check_source
from rules_engine.pipeline import evaluate

from .helpers import Bundle, t, tickets

TS = pl.Datetime("us", "UTC")


def _targets(text: str, tables: dict[str, pl.DataFrame], label: str, as_of: str) -> dict[str, Any]:
    head = 'policy "Edge" effective 2026-01-01 timezone "America/New_York" currency USD fee 100\n'
    result = check_source(head + text)
    assert result.policy is not None, result.diagnostics
    period = parse_period(label, "month", "America/New_York")
    doc = evaluate(result.policy, Bundle(tables), [period], t(as_of)).document
    return materialize(doc)["periods"][0]["targets"]  # type: ignore[no-any-return]


def test_a_record_anchored_by_a_date_belongs_to_the_period_of_that_local_date() -> None:
    # due 31 March is March's (its local date), although 31 March is 1 April in UTC from
    # 20:00 New York time on; due 1 April is April's
    projects = pl.DataFrame(
        {
            "id": ["P-MAR", "P-APR"],
            "due": [dt.date(2026, 3, 31), dt.date(2026, 4, 1)],
            "delivered_at": [t("2026-03-30T12:00:00Z"), t("2026-03-30T12:00:00Z")],
        },
        schema={"id": pl.String, "due": pl.Date, "delivered_at": TS},
    )
    text = "target on_time { of projects require 90% where delivered_at <= due }"
    march = _targets(text, {"projects": projects}, "2026-03", "2026-05-01T00:00:00Z")
    assert march["on_time"]["records"].keys() == {"P-MAR"}
    april = _targets(text, {"projects": projects}, "2026-04", "2026-05-01T00:00:00Z")
    assert april["on_time"]["records"].keys() == {"P-APR"}


def test_a_mean_of_elapsed_time_takes_an_open_record_past_the_limit() -> None:
    incidents = pl.DataFrame(
        {
            "id": ["I1", "I2", "I3"],
            "occurred_at": [
                t("2026-03-10T10:00:00Z"),
                t("2026-03-31T18:00:00Z"),  # open 2h at as-of: past 30m, takes part
                t("2026-03-31T19:40:00Z"),  # open 20m at as-of: pending, left out
            ],
            "detected_at": [t("2026-03-10T10:10:00Z"), None, None],
        },
        schema={"id": pl.String, "occurred_at": TS, "detected_at": TS},
    )
    text = """target detection { of security_incidents
      measure time from occurred_at to detected_at require mean <= 30m }"""
    got = _targets(text, {"security_incidents": incidents}, "2026-03", "2026-03-31T20:00:00Z")
    detection = got["detection"]
    # (10m + 120m) / 2 = 65m = 3900 s > 30m, and the mean can still grow
    assert (detection["count"], detection["value_exact"]) == (2, "3900")
    assert detection["verdict"] == "breached"
    assert detection["value_is_lower_bound"] is True
    assert "(a lower bound: an open record takes part)" in detection["explanation"]


def test_a_minimum_count_not_yet_reached_in_a_running_month_is_at_risk() -> None:
    meetings = pl.DataFrame(
        {"id": ["M1"], "kind": ["incident"], "held_at": [t("2026-03-05T10:00:00Z")]},
        schema={"id": pl.String, "kind": pl.String, "held_at": TS},
    )
    text = """
target review { of meetings where kind = "service_review" require count >= 1 }
target few_incident_calls { of meetings where kind = "incident" require count <= 0 }
"""
    running = _targets(text, {"meetings": meetings}, "2026-03", "2026-03-15T00:00:00Z")
    # no review yet, half the month to go: can still be met
    assert running["review"]["verdict"] == "at_risk"
    # one incident call against at most 0: exceeded, final
    assert running["few_incident_calls"]["verdict"] == "breached"
    over = _targets(text, {"meetings": meetings}, "2026-03", "2026-04-15T00:00:00Z")
    assert over["review"]["verdict"] == "breached"


def test_a_percentile_is_a_lower_bound_only_while_it_can_still_grow() -> None:
    # the case: T1-T3 resolved in 1h, T4 open for 24h (past 8h, so it takes
    # part); p50 of 4 is rank ceil(0.5 x 4) = 2: sorted 1h, 1h, 1h, 24h -> 1h, and 3
    # closed records are at or below it (>= rank 2), so T4 cannot move it: not flagged
    rows = [
        {
            "id": f"T{i}",
            "created_at": f"2026-03-0{i}T10:00:00Z",
            "resolved_at": f"2026-03-0{i}T11:00:00Z",
        }
        for i in (1, 2, 3)
    ]
    rows.append({"id": "T4", "created_at": "2026-03-30T12:00:00Z"})
    text = "target res { of tickets measure resolution_time require p50 <= 8h }"
    got = _targets(text, {"tickets": tickets(rows)}, "2026-03", "2026-03-31T12:00:00Z")["res"]
    assert (got["rank"], got["value_s"], got["value_is_lower_bound"]) == (2, 3600, False)
    # with T1 and T2 only closed, rank 2 of 3 (1h, 1h, 24h) is still 1h with 2 closed at
    # or below it: not flagged; with only T1 closed, rank 1 of 2 is 1h: 1 closed, not
    # flagged; an open record at the rank itself is: T4 alone, rank 1 = 24h, 0 closed
    alone = _targets(text, {"tickets": tickets(rows[3:])}, "2026-03", "2026-03-31T12:00:00Z")
    assert (alone["res"]["value_s"], alone["res"]["value_is_lower_bound"]) == (86400, True)
