"""The JSON document states its per-record detail limit and what it left out, and
`sla eval --all-records` keeps everything (issue 15: detail above 1,000 records was
dropped silently)."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

from click.testing import CliRunner

from rules_engine.api import load_policy
from rules_engine.cli import cli
from rules_engine.data import load_data
from rules_engine.evaluation.periods import parse_period
from rules_engine.pipeline import EvaluationOptions, evaluate

ROOT = Path(__file__).resolve().parents[2]
QUICK = ROOT / "examples" / "quickstart"
AS_OF = dt.datetime(2026, 4, 1, 13, 0, tzinfo=dt.UTC)


def _document(limit: int | None) -> dict[str, object]:
    policy = load_policy(QUICK / "policy.sla")
    periods = [
        parse_period(p, policy.period, policy.timezone) for p in ("2026-01", "2026-02", "2026-03")
    ]
    bundle = load_data(QUICK / "data", policy=policy)
    options = EvaluationOptions(detail_limit=limit)
    return evaluate(policy, bundle, periods, AS_OF, options).document  # type: ignore[arg-type]


def test_the_document_lists_what_it_left_out() -> None:
    doc = _document(1)
    # record targets (percent, percentile) with more than 1 record in scope: p1_response
    # and p3_resolution have 2 in every month, p2_resolution 2 in January and 1 after
    assert doc["record_detail"] == {
        "limit": 1,
        "left_out": [
            {"period": "2026-01", "target": "p1_response", "records": 2},
            {"period": "2026-01", "target": "p2_resolution", "records": 2},
            {"period": "2026-01", "target": "p3_resolution", "records": 2},
            {"period": "2026-02", "target": "p1_response", "records": 2},
            {"period": "2026-02", "target": "p3_resolution", "records": 2},
            {"period": "2026-03", "target": "p1_response", "records": 2},
            {"period": "2026-03", "target": "p3_resolution", "records": 2},
        ],
    }
    february = doc["periods"][1]["targets"]  # type: ignore[index]
    assert "records" not in february["p1_response"] and "records" in february["p2_resolution"]


def test_no_limit_keeps_every_record() -> None:
    doc = _document(None)
    assert doc["record_detail"] == {"limit": None, "left_out": []}
    assert all(
        "records" in t
        for p in doc["periods"]  # type: ignore[attr-defined]
        for t in p["targets"].values()
        if t["kind"] in ("percent", "percentile") and t["in_scope"]
    )


def test_eval_states_the_limit_and_all_records_lifts_it() -> None:
    args = [
        "eval",
        str(QUICK / "policy.sla"),
        "--data",
        str(QUICK / "data"),
        "--period",
        "2026-01",
        "--as-of",
        "2026-04-01T09:00:00-04:00",
        "--format",
        "json",
    ]
    runner = CliRunner()
    default = json.loads(runner.invoke(cli, args).output)
    assert default["record_detail"] == {"limit": 1000, "left_out": []}
    everything = json.loads(runner.invoke(cli, [*args, "--all-records"]).output)
    assert everything["record_detail"] == {"limit": None, "left_out": []}
