"""A look-back's reason names the threshold in its target's unit (issue 11 regression:
`when satisfaction < 4.6` on a mean target was reported as `satisfaction < 460%`)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from rules_engine.api import check_source
from rules_engine.data import load_data
from rules_engine.evaluation.periods import parse_period
from rules_engine.pipeline import evaluate

POLICY = """policy "csat"
timezone "UTC"
effective 2026-01-01
currency USD
fee 1000 per month
target satisfaction { of surveys measure mean score require mean >= 4.2 }
target p1 { of tickets measure resolution_time require p90 <= 4h }
bonus steady { when satisfaction > 4.0 pay 1% of fee }
exit walk { when satisfaction < 4.6 or p1 > 3h notice 30d }
"""

# mean (4 + 4.2) / 2 = 4.1: below 4.6 and above 4.0; the one ticket took 5h > 3h
SURVEYS = (
    '{"id":"S1","submitted_at":"2026-01-05T10:00:00Z","score":4}\n'
    '{"id":"S2","submitted_at":"2026-01-06T10:00:00Z","score":4.2}\n'
)
TICKETS = (
    '{"id":"T1","priority":"P1","created_at":"2026-01-07T10:00:00Z",'
    '"resolved_at":"2026-01-07T15:00:00Z"}\n'
)


def test_reasons_show_means_as_numbers_and_percentiles_as_durations(tmp_path: Path) -> None:
    (tmp_path / "surveys.jsonl").write_text(SURVEYS, encoding="utf-8")
    (tmp_path / "tickets.jsonl").write_text(TICKETS, encoding="utf-8")
    policy = check_source(POLICY).policy
    assert policy is not None
    bundle = load_data(tmp_path, policy=policy)
    period = parse_period("2026-01", policy.period, policy.timezone)
    doc = evaluate(policy, bundle, [period], dt.datetime(2026, 2, 2, tzinfo=dt.UTC)).document
    (january,) = doc["periods"]
    assert january["targets"]["satisfaction"]["value_exact"] == "41/10"
    (exit_right,) = january["exit"]
    assert exit_right["reasons"] == ["satisfaction < 4.6", "p1 > 3h"]
    (bonus,) = january["bonuses"]
    assert (bonus["rule"], bonus["amount"]) == ("steady", "10.00")
