"""Maintenance windows as planned time, the policy's limit and notice (DESIGN
"Maintenance"), and an exclusion window in the middle of an outage (DESIGN "Edge rules").

Every case is April 2026 in UTC: 30 days = 2,592,000 s scheduled on 24x7.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
from pathlib import Path
from typing import Any

import polars as pl
from hypothesis import given, settings
from hypothesis import strategies as st

from rules_engine.api import check_source
from rules_engine.data import load_data
from rules_engine.evaluation.availability import downtime_by_period
from rules_engine.evaluation.clocks import Clocks
from rules_engine.evaluation.periods import parse_period
from rules_engine.evaluation.records import UTC_US, RecordContext
from rules_engine.pipeline import evaluate

HEADER = """policy "Maintenance"
effective 2026-04-01
timezone "UTC"
currency USD
fee 12000 per month
period month
"""
AVAILABILITY = """
target email_availability {
  of outages where service = "email"
  measure availability on 24x7
  require >= 99.9%
}
"""


def run(tmp_path: Path, extra: str, data: dict[str, list[dict[str, Any]]]) -> dict[str, Any]:
    result = check_source(HEADER + extra + AVAILABILITY, "policy.sla")
    assert result.policy is not None, result.diagnostics
    folder = tmp_path / "data"
    folder.mkdir()
    for name, rows in data.items():
        (folder / f"{name}.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows))
    bundle = load_data(folder, policy=result.policy)
    period = parse_period("2026-04", "month", "UTC")
    as_of = dt.datetime(2026, 5, 1, tzinfo=dt.UTC)
    doc = evaluate(result.policy, bundle, [period], as_of).document
    target: dict[str, Any] = doc["periods"][0]["targets"]["email_availability"]
    return target


def outage(oid: str, start: str, end: str, **more: Any) -> dict[str, Any]:
    return {"id": oid, "service": "email", "started_at": start, "ended_at": end, **more}


def test_an_exclusion_window_inside_an_outage_leaves_one_record(tmp_path: Path) -> None:
    # EO-1 10:00-14:00 with an approved window 11:00-12:00 in the middle: 3 h = 10,800 s;
    # EO-2 08:00-08:30 = 1,800 s. Two outages in scope, 12,600 s down:
    # 1 - 12600/2592000 = 99.513889% (breached).
    target = run(
        tmp_path,
        "",
        {
            "outages": [
                outage("EO-1", "2026-04-07T10:00:00Z", "2026-04-07T14:00:00Z"),
                outage("EO-2", "2026-04-20T08:00:00Z", "2026-04-20T08:30:00Z"),
            ],
            "exclusions": [
                {
                    "id": "X1",
                    "service": "email",
                    "start": "2026-04-07T11:00:00Z",
                    "end": "2026-04-07T12:00:00Z",
                    "reason": "customer",
                    "approved": True,
                }
            ],
        },
    )
    assert target["in_scope"] == 2
    assert target["outage_ids"] == ["EO-1", "EO-2"]
    assert target["downtime_s"] == 12600
    assert (target["verdict"], target["value"]) == ("breached", "99.513889")


def test_several_exclusion_windows_leave_one_record_with_several_gaps(tmp_path: Path) -> None:
    # EO-1 10:00-14:00 with approved windows 11:00-11:30 and 12:00-12:30 inside it and
    # 13:30-15:00 over its end: 10:00-11:00, 11:30-12:00 and 12:30-13:30 are left,
    # 1 h + 30 min + 1 h = 9,000 s, still one outage.
    def excluded(eid: str, start: str, end: str) -> dict[str, Any]:
        return {"id": eid, "service": "email", "start": start, "end": end}

    target = run(
        tmp_path,
        "",
        {
            "outages": [outage("EO-1", "2026-04-07T10:00:00Z", "2026-04-07T14:00:00Z")],
            "exclusions": [
                {
                    **excluded("X1", "2026-04-07T11:00:00Z", "2026-04-07T11:30:00Z"),
                    "reason": "customer",
                    "approved": True,
                },
                {
                    **excluded("X2", "2026-04-07T12:00:00Z", "2026-04-07T12:30:00Z"),
                    "reason": "customer",
                    "approved": True,
                },
                {
                    **excluded("X3", "2026-04-07T13:30:00Z", "2026-04-07T15:00:00Z"),
                    "reason": "customer",
                    "approved": True,
                },
            ],
        },
    )
    assert (target["in_scope"], target["outage_ids"], target["downtime_s"]) == (1, ["EO-1"], 9000)


def window(wid: str, start: str, end: str, **more: Any) -> dict[str, Any]:
    return {"id": wid, "service": "email", "start": start, "end": end, **more}


def test_an_outage_inside_a_maintenance_window_is_planned_time(tmp_path: Path) -> None:
    # The case: a 3 h outage inside an agreed window was counted as downtime
    # (1 - 10800/2592000 = 99.583333%). Inside the window it is planned: nothing is down.
    data = {
        "outages": [outage("O1", "2026-04-11T01:00:00Z", "2026-04-11T04:00:00Z")],
        "maintenance": [window("MW-1", "2026-04-11T00:00:00Z", "2026-04-11T06:00:00Z")],
    }
    target = run(tmp_path, "", data)
    assert (target["downtime_s"], target["value"], target["verdict"]) == (0, "100.000000", "met")
    assert target["outage_ids"] == ["O1"]
    assert target["planned_time"] == [
        {
            "source": "window",
            "id": "MW-1",
            "outage_id": "O1",
            "start": "2026-04-11T01:00:00+00:00",
            "end": "2026-04-11T04:00:00+00:00",
            "planned_s": 10800,
            "downtime_s": 0,
            "counted_as_downtime": None,
        }
    ]
    assert "planned time 3h in window MW-1 3h" in target["explanation"]


def test_only_the_part_inside_the_window_and_of_its_service_is_planned(tmp_path: Path) -> None:
    # O1 02:00-08:00 against MW-1 00:00-06:00: 02:00-06:00 planned, 06:00-08:00 = 7,200 s
    # down. MW-2 is for `erp` and plans nothing of email's outage O2 (1 h = 3,600 s);
    # MW-3 has no service, so it covers email's O3 entirely.
    # Down: 7,200 + 3,600 = 10,800 s -> 1 - 10800/2592000 = 99.583333%.
    data = {
        "outages": [
            outage("O1", "2026-04-11T02:00:00Z", "2026-04-11T08:00:00Z"),
            outage("O2", "2026-04-12T02:00:00Z", "2026-04-12T03:00:00Z"),
            outage("O3", "2026-04-13T02:00:00Z", "2026-04-13T03:00:00Z"),
        ],
        "maintenance": [
            window("MW-1", "2026-04-11T00:00:00Z", "2026-04-11T06:00:00Z"),
            {**window("MW-2", "2026-04-12T00:00:00Z", "2026-04-12T06:00:00Z"), "service": "erp"},
            {"id": "MW-3", "start": "2026-04-13T00:00:00Z", "end": "2026-04-13T06:00:00Z"},
        ],
    }
    target = run(tmp_path, "", data)
    assert (target["downtime_s"], target["value"]) == (10800, "99.583333")
    assert [(p["id"], p["planned_s"]) for p in target["planned_time"]] == [
        ("MW-1", 14400),
        ("MW-3", 3600),
    ]


def test_planned_time_beyond_the_limit_counts_as_downtime_in_time_order(tmp_path: Path) -> None:
    # Limit 8h per period. MW-1 holds O1 01:00-06:00 (5 h), MW-2 holds O2 01:00-06:00
    # (5 h) a week later. In time order O1 uses 5 h of the 8 h, O2 the remaining 3 h;
    # O2's last 2 h (04:00-06:00 = 7,200 s) count as downtime:
    # 1 - 7200/2592000 = 99.722222% (breached against 99.9%).
    data = {
        "outages": [
            outage("O1", "2026-04-03T01:00:00Z", "2026-04-03T06:00:00Z"),
            outage("O2", "2026-04-10T01:00:00Z", "2026-04-10T06:00:00Z"),
        ],
        "maintenance": [
            window("MW-1", "2026-04-03T00:00:00Z", "2026-04-03T08:00:00Z"),
            window("MW-2", "2026-04-10T00:00:00Z", "2026-04-10T08:00:00Z"),
        ],
    }
    target = run(tmp_path, "maintenance at most 8h per period\n", data)
    assert (target["downtime_s"], target["value"], target["verdict"]) == (
        7200,
        "99.722222",
        "breached",
    )
    assert target["downtime_intervals"] == [
        ["2026-04-10T04:00:00+00:00", "2026-04-10T06:00:00+00:00"]
    ]
    assert [
        (p["id"], p["downtime_s"], p["counted_as_downtime"]) for p in target["planned_time"]
    ] == [
        ("MW-1", 0, None),
        ("MW-2", 7200, "over limit"),
    ]
    assert target["maintenance"] == {
        "limit_s": 28800,
        "notice_s": None,
        "limit_used_s": 28800,
        "planned_s": 36000,
        "counted_as_downtime_s": 7200,
    }


def test_raising_the_limit_frees_the_planned_time(tmp_path: Path) -> None:
    # The same 10 h of planned time under a 10h limit: all of it stays planned.
    data = {
        "outages": [
            outage("O1", "2026-04-03T01:00:00Z", "2026-04-03T06:00:00Z"),
            outage("O2", "2026-04-10T01:00:00Z", "2026-04-10T06:00:00Z"),
        ],
        "maintenance": [
            window("MW-1", "2026-04-03T00:00:00Z", "2026-04-03T08:00:00Z"),
            window("MW-2", "2026-04-10T00:00:00Z", "2026-04-10T08:00:00Z"),
        ],
    }
    target = run(tmp_path, "maintenance at most 10h per period\n", data)
    assert (target["downtime_s"], target["verdict"]) == (0, "met")


def test_late_or_unannounced_planned_time_counts_as_downtime_and_uses_no_limit(
    tmp_path: Path,
) -> None:
    # Notice 5d, limit 2h. MW-1 (starts 10 Apr 00:00) announced 5 Apr 00:00: exactly
    # 5 days, on time. MW-2 (starts 20 Apr) announced 16 Apr: 4 days, late. The planned
    # outage P1 has no announced_at: no notice. Both late items count as downtime and
    # use none of the limit, so MW-1's 2 h (O1 01:00-03:00) fits the 2 h limit exactly.
    # Down: O2 1 h (3,600 s) + P1 30 min (1,800 s) = 5,400 s ->
    # 1 - 5400/2592000 = 99.791667%.
    data = {
        "outages": [
            outage("O1", "2026-04-10T01:00:00Z", "2026-04-10T03:00:00Z"),
            outage("O2", "2026-04-20T01:00:00Z", "2026-04-20T02:00:00Z"),
            outage("P1", "2026-04-25T01:00:00Z", "2026-04-25T01:30:00Z", planned=True),
        ],
        "maintenance": [
            window(
                "MW-1",
                "2026-04-10T00:00:00Z",
                "2026-04-10T06:00:00Z",
                announced_at="2026-04-05T00:00:00Z",
            ),
            window(
                "MW-2",
                "2026-04-20T00:00:00Z",
                "2026-04-20T06:00:00Z",
                announced_at="2026-04-16T00:00:00Z",
            ),
        ],
    }
    target = run(tmp_path, "maintenance at most 2h per period notice 5d\n", data)
    assert (target["downtime_s"], target["value"]) == (5400, "99.791667")
    assert [
        (p["id"], p["downtime_s"], p["counted_as_downtime"]) for p in target["planned_time"]
    ] == [
        ("MW-1", 0, None),
        ("MW-2", 3600, "late notice"),
        ("P1", 1800, "no notice"),
    ]
    assert target["planned_excluded_ids"] == ["P1"]
    assert target["maintenance"]["limit_used_s"] == 7200


def test_without_a_maintenance_rule_planned_outages_are_dropped_as_before(
    tmp_path: Path,
) -> None:
    # P1 is planned and unannounced: with no `maintenance notice` it is simply planned.
    data = {
        "outages": [
            outage("P1", "2026-04-25T01:00:00Z", "2026-04-25T01:30:00Z", planned=True),
        ],
    }
    target = run(tmp_path, "", data)
    assert (target["downtime_s"], target["planned_excluded_ids"]) == (0, ["P1"])
    assert "maintenance" not in target


# ----------------------------------------------------------------------------- property

_DAY = dt.datetime(2026, 4, 10, tzinfo=dt.UTC)
_intervals = st.lists(st.tuples(st.integers(0, 1439), st.integers(1, 240)), min_size=0, max_size=6)


def _minutes(spans: list[tuple[int, int]]) -> set[int]:
    return {m for start, length in spans for m in range(start, min(start + length, 1440))}


@settings(max_examples=60, deadline=None)
@given(outages=_intervals, windows=_intervals, limit_m=st.integers(0, 600))
def test_downtime_agrees_with_a_minute_by_minute_model(
    outages: list[tuple[int, int]], windows: list[tuple[int, int]], limit_m: int
) -> None:
    # Brute force on one day of minutes: an outage minute inside some window is planned,
    # else down; the planned minutes beyond the limit, in time order, are down too.
    # Raising the limit never adds downtime.
    policy = check_source(
        HEADER + f"maintenance at most {limit_m}m per period\n" + AVAILABILITY, "p.sla"
    ).policy
    assert policy is not None

    def at(minute: int) -> dt.datetime:
        return _DAY + dt.timedelta(minutes=minute)

    frame = pl.DataFrame(
        {
            "id": [f"O{i}" for i in range(len(outages))],
            "service": ["email"] * len(outages),
            "started_at": [at(s) for s, _ in outages],
            "ended_at": [at(min(s + n, 1440)) for s, n in outages],
            "planned": [False] * len(outages),
        },
        schema={
            "id": pl.String,
            "service": pl.String,
            "started_at": UTC_US,
            "ended_at": UTC_US,
            "planned": pl.Boolean,
        },
    )
    maintenance = pl.DataFrame(
        {
            "id": [f"W{i}" for i in range(len(windows))],
            "service": ["email"] * len(windows),
            "start": [at(s) for s, _ in windows],
            "end": [at(min(s + n, 1440)) for s, n in windows],
        },
        schema={"id": pl.String, "service": pl.String, "start": UTC_US, "end": UTC_US},
    )
    period = parse_period("2026-04", "month", "UTC")
    ctx = RecordContext(
        policy=policy,
        as_of=dt.datetime(2026, 5, 1, tzinfo=dt.UTC),
        clocks=Clocks(policy),
        bounds=[period.start, period.end],
    )
    (down,) = downtime_by_period(frame, "24x7", ctx, maintenance, policy.maintenance)
    out, inside = _minutes(outages), _minutes(windows)
    planned = sorted(out & inside)
    expected = (out - inside) | set(planned[limit_m:])
    assert down.downtime_us == len(expected) * 60_000_000
    assert sum(p.planned_us for p in down.planned) == len(planned) * 60_000_000
    looser = dataclasses.replace(policy.maintenance, limit_s=(limit_m + 60) * 60)
    (more,) = downtime_by_period(frame, "24x7", ctx, maintenance, looser)
    assert more.downtime_us <= down.downtime_us
