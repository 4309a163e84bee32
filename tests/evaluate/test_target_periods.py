"""Targets judged over a longer period (``every quarter``), and what an empty period
counts as (``no data counts as met|breached``); money worked out by hand."""

from __future__ import annotations

import datetime as dt
from typing import Any

import polars as pl

from rules_engine.evaluation.periods import parse_period
from rules_engine.evaluation.rows import materialize
from rules_engine.language.load import check_source
from rules_engine.language.model import Verdict
from rules_engine.pipeline import Evaluation, evaluate

from .helpers import TS, Bundle, t

HEAD = 'policy "RTO" effective 2026-01-01 timezone "UTC" currency USD fee 18500 per month\n'
RESTORE = """
target review { of meetings where kind = "service_review" require count >= 1 }
target restore_time {
  of restore_tests measure recovery_time require all within 4h
  every quarter
  no data counts as breached
}
bonus excellence { when all targets met in 3 consecutive periods pay 2% of fee }
credit restore_streak { when restore_time breached in 2 consecutive periods credit 10% of fee }
"""


def _meetings(*months: int) -> pl.DataFrame:
    return pl.DataFrame(
        {
            "id": [f"M{m}" for m in months],
            "kind": ["service_review"] * len(months),
            "held_at": [t(f"2026-{m:02d}-20T10:00:00Z") for m in months],
        }
    )


def _restores(*rows: tuple[str, str, int]) -> pl.DataFrame:
    return pl.DataFrame(
        {
            "id": [r[0] for r in rows],
            "system": ["erp"] * len(rows),
            "tested_at": [t(r[1]) for r in rows],
            "recovery_time": [dt.timedelta(hours=r[2]) for r in rows],
        },
        schema={
            "id": pl.String,
            "system": pl.String,
            "tested_at": pl.Datetime("us", "UTC"),
            "recovery_time": pl.Duration("us"),
        },
    )


def _run(
    text: str, tables: dict[str, pl.DataFrame], labels: list[str], as_of: str, kind: Any = "month"
) -> tuple[Evaluation, dict[str, Any]]:
    result = check_source(HEAD + text)
    assert result.policy is not None, result.diagnostics
    periods = [parse_period(label, kind, "UTC") for label in labels]
    evaluation = evaluate(result.policy, Bundle(tables), periods, t(as_of))
    doc = materialize(evaluation.document)
    return evaluation, {p["period"]: p for p in doc["periods"]}


def test_a_quarterly_restore_test_does_not_block_the_all_met_bonus() -> None:
    # the contract: fee 18,500.00 a month, one restore test in February (3h <= 4h)
    _, months = _run(
        RESTORE,
        {
            "meetings": _meetings(1, 2, 3),
            "restore_tests": _restores(("R1", "2026-02-18T10:00:00Z", 3)),
        },
        ["2026-01", "2026-02", "2026-03"],
        "2026-04-01T00:00:00Z",
    )
    restore = {label: p["targets"]["restore_time"] for label, p in months.items()}
    assert [r["verdict"] for r in restore.values()] == ["not_due", "not_due", "met"]
    # February shows the quarter so far (its one test); January had none yet
    assert (restore["2026-01"]["in_scope"], restore["2026-02"]["met"]) == (0, 1)
    assert restore["2026-02"]["target_period"] == {
        "every": "quarter",
        "period": "2026-Q1",
        "start": "2026-01-01T00:00:00+00:00",
        "end": "2026-04-01T00:00:00+00:00",
        "due": False,
    }
    assert "2026-Q1 has not ended, figures so far" in restore["2026-02"]["explanation"]
    # all targets due met in January, February and March: 2% x 18,500.00 = 370.00
    assert [b["amount"] for b in months["2026-03"]["bonuses"]] == ["370.00"]
    assert months["2026-01"]["bonuses"] == [] and months["2026-02"]["bonuses"] == []


def test_a_quarter_without_a_restore_test_counts_as_breached() -> None:
    evaluation, months = _run(
        RESTORE,
        {"meetings": _meetings(1, 2, 3), "restore_tests": _restores()},
        ["2026-01", "2026-02", "2026-03"],
        "2026-04-01T00:00:00Z",
    )
    march = months["2026-03"]["targets"]["restore_time"]
    # the verdict stays no_data; the document says what it counted as
    assert (march["verdict"], march["counts_as"]) == ("no_data", "breached")
    assert "no_data (counts as breached)" in march["explanation"]
    assert months["2026-03"]["bonuses"] == []  # restore_time counted breached: no bonus
    assert evaluation.any_verdict({Verdict.BREACHED})  # the exit code uses it too


def test_look_backs_on_a_quarterly_target_count_quarters() -> None:
    # Q1 test 5h > 4h (breached), no test in Q2 (counts as breached): two quarters in a
    # row, so June pays 10% x 18,500.00 = 1,850.00; April and May are not_due, no credit
    _, months = _run(
        RESTORE,
        {
            "meetings": _meetings(1, 2, 3, 4, 5, 6),
            "restore_tests": _restores(("R1", "2026-02-18T10:00:00Z", 5)),
        },
        ["2026-03", "2026-04", "2026-05", "2026-06"],
        "2026-07-01T00:00:00Z",
    )
    assert months["2026-03"]["targets"]["restore_time"]["verdict"] == "breached"
    assert months["2026-03"]["credits_total"] == "0.00"  # one quarter only
    assert months["2026-04"]["credits_total"] == "0.00"
    assert months["2026-05"]["credits_total"] == "0.00"
    assert months["2026-06"]["credits_total"] == "1850.00"


def test_every_year_in_a_quarterly_policy() -> None:
    text = """
period quarter
target restore_time { of restore_tests measure recovery_time require all within 4h every year }
"""
    _, quarters = _run(
        text,
        {"restore_tests": _restores(("R1", "2026-05-18T10:00:00Z", 2))},
        ["2026-Q1", "2026-Q2", "2026-Q3", "2026-Q4"],
        "2027-01-01T00:00:00Z",
        "quarter",
    )
    verdicts = [q["targets"]["restore_time"]["verdict"] for q in quarters.values()]
    assert verdicts == ["not_due", "not_due", "not_due", "met"]
    assert quarters["2026-Q3"]["targets"]["restore_time"]["met"] == 1  # the year so far


def test_a_month_without_a_p1_ticket_counts_as_met() -> None:
    text = """
target review { of meetings where kind = "service_review" require count >= 1 }
target p1 { of tickets where priority = "P1" measure resolution_time require 90% within 4h
  no data counts as met }
bonus excellence { when all targets met in 2 consecutive periods pay 1% of fee }
"""
    empty = pl.DataFrame(
        schema={
            "id": pl.String,
            "priority": pl.String,
            "created_at": pl.Datetime("us", "UTC"),
            "resolved_at": pl.Datetime("us", "UTC"),
        }
    )
    evaluation, months = _run(
        text,
        {"meetings": _meetings(1, 2), "tickets": empty},
        ["2026-01", "2026-02"],
        "2026-03-01T00:00:00Z",
    )
    p1 = months["2026-02"]["targets"]["p1"]
    assert (p1["verdict"], p1["counts_as"]) == ("no_data", "met")
    # review met and p1 counted met in January and February: 1% x 18,500.00 = 185.00
    assert [b["amount"] for b in months["2026-02"]["bonuses"]] == ["185.00"]
    # `--fail-on no_data` uses what the empty period counted as: met, so exit 0
    assert not evaluation.any_verdict({Verdict.BREACHED, Verdict.NO_DATA})


def test_business_days_not_due_and_counts_as_validate_against_the_schema() -> None:
    import json
    from importlib.resources import files

    import jsonschema

    from rules_engine.render import FORMATS

    text = (
        RESTORE
        + """
calendar office { open mon-fri 08:00-17:00 }
tier P3 coverage office
target p3_days { of tickets where priority = P3 measure resolution_time require p50 <= 1bd
  no data counts as met }
"""
    )
    tickets = pl.DataFrame(
        {
            "id": ["T1"],
            "priority": ["P3"],
            "created_at": [t("2026-03-03T14:00:00Z")],
            "resolved_at": [t("2026-03-06T14:30:00Z")],
        },
        schema={"id": pl.String, "priority": pl.String, "created_at": TS, "resolved_at": TS},
    )
    evaluation, _ = _run(
        text,
        {"meetings": _meetings(1, 2), "restore_tests": _restores(), "tickets": tickets},
        ["2026-01", "2026-02", "2026-03"],
        "2026-04-01T00:00:00Z",
    )
    document = json.loads(FORMATS["json"](evaluation.document))
    schema = json.loads(
        files("rules_engine").joinpath("schemas/evaluation.schema.json").read_text("utf-8")
    )
    jsonschema.Draft202012Validator(schema).validate(document)
    verdicts = {p["period"]: p["targets"]["restore_time"]["verdict"] for p in document["periods"]}
    assert verdicts == {"2026-01": "not_due", "2026-02": "not_due", "2026-03": "no_data"}
    assert document["periods"][0]["targets"]["p3_days"]["counts_as"] == "met"
