"""The report reads each target's objective from the typed ``goal`` the engine writes,
not by parsing the objective text back (issue 11: the HTML report regex-parsed
"95% within 15m" to recover the threshold)."""

from __future__ import annotations

import datetime as dt
from fractions import Fraction
from pathlib import Path

import pytest

from rules_engine.api import check_source
from rules_engine.data import load_data
from rules_engine.evaluation.periods import parse_period
from rules_engine.pipeline import evaluate
from rules_engine.render.report.document import Objective, parse_objective, target_objective

POLICY = """policy "goals"
timezone "UTC"
effective 2026-01-01
currency USD
fee 1000 per month
tier P1 coverage 24x7
target response { of tickets where priority = P1  measure response_time  require 95% within 15m }
target rto { of restore_tests  measure recovery_time  require all within 4h }
target p90 { of tickets  measure resolution_time  require p90 <= 27h }
target email { of outages where service = "email"  measure availability on 24x7  require >= 99.9% }
target csat { of surveys  measure mean score  require mean >= 4.2 }
target detection { of security_incidents  measure time from occurred_at to detected_at  require mean <= 30m }
target review { of meetings where kind = "service_review"  require count >= 1 }
"""

# worked from the policy text: (kind, threshold, higher is better, unit, banded)
EXPECTED = {
    "response": Objective("percent", Fraction(95), True, "percent", True),
    "rto": Objective("percent", Fraction(100), True, "percent", False),
    "p90": Objective("percentile", Fraction(27 * 3600), False, "seconds", False),
    "email": Objective("availability", Fraction(999, 10), True, "percent", True),
    "csat": Objective("mean", Fraction(21, 5), True, "number", False),
    "detection": Objective("mean", Fraction(1800), False, "seconds", False),
    "review": Objective("count", Fraction(1), True, "count", False),
}


@pytest.fixture(scope="module")
def targets(tmp_path_factory: pytest.TempPathFactory) -> dict[str, dict[str, object]]:
    folder: Path = tmp_path_factory.mktemp("data")
    (folder / "surveys.jsonl").write_text(
        '{"id":"S1","submitted_at":"2026-01-05T10:00:00Z","score":4}\n', encoding="utf-8"
    )
    policy = check_source(POLICY).policy
    assert policy is not None
    bundle = load_data(folder, policy=policy)
    period = parse_period("2026-01", policy.period, policy.timezone)
    doc = evaluate(policy, bundle, [period], dt.datetime(2026, 2, 2, tzinfo=dt.UTC)).document
    found: dict[str, dict[str, object]] = doc["periods"][0]["targets"]
    return found


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_the_goal_says_what_the_objective_text_says(
    targets: dict[str, dict[str, object]], name: str
) -> None:
    assert target_objective(targets[name]) == EXPECTED[name]
    # and it agrees with the text reader kept for documents written before `goal`
    assert parse_objective(str(targets[name]["objective"])) == EXPECTED[name]


def test_the_goal_is_read_not_the_text(targets: dict[str, dict[str, object]]) -> None:
    reworded = {**targets["csat"], "objective": "average satisfaction of at least 4.2"}
    assert parse_objective(str(reworded["objective"])).kind == "other"
    assert target_objective(reworded) == EXPECTED["csat"]
