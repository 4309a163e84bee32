"""Maintenance windows as planned time, the policy's limit and notice (DESIGN
"Maintenance"), and an exclusion window in the middle of an outage (DESIGN "Edge rules").

Every case is April 2026 in UTC: 30 days = 2,592,000 s scheduled on 24x7.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

from rules_engine.api import check_source
from rules_engine.data import load_data
from rules_engine.evaluation.periods import parse_period
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
