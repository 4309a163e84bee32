"""A .sla policy with an annual cap, earn-back, a fee change and a bonus, through the
front end and the engine (hand-computed)."""

from __future__ import annotations

import dataclasses
import datetime as dt
from pathlib import Path
from typing import Any

from rules_engine.api import load_policy
from rules_engine.data import load_data
from rules_engine.evaluation.periods import parse_period
from rules_engine.pipeline import evaluate

CASE = Path(__file__).parent / "cases" / "earn_back_annual_cap"


def run(labels: list[str]) -> dict[str, Any]:
    policy = load_policy(CASE / "policy.sla")
    bundle = load_data(CASE / "data", policy=policy)
    periods = [parse_period(label, policy.period, policy.timezone) for label in labels]
    return evaluate(policy, bundle, periods, dt.datetime(2026, 5, 2, tzinfo=dt.UTC)).document


def test_annual_cap_earn_back_and_bonus() -> None:
    doc = run(["2026-01", "2026-02", "2026-03", "2026-04"])
    jan, feb, mar, apr = doc["periods"]
    # Jan: 10 h down of 744 h -> 98.655914% < 99.0% -> 25% x 10,000.00 = 2,500.00;
    # cap 20% x 10,000 = 2,000.00 (exceeded); annual 3% x 10,000 = 300.00 -> 300.00
    assert jan["credits"][0]["amount"] == "2500.00"
    assert (jan["cap"], jan["cap_applied"], jan["credits_total"]) == ("2000.00", True, "300.00")
    assert jan["annual_cap"]["remaining"] == "300.00" and jan["annual_cap"]["applied"] is True
    # Feb: met; annual 3% x 20,000 = 600.00 - 300.00 granted = 300.00 left
    assert feb["credits_total"] == "0.00" and feb["annual_cap"]["remaining"] == "300.00"
    # Mar: fee 11,000 from March; met again -> bonus 1% x 11,000 = 110.00 (Feb+Mar met);
    # Jan's credit earned back after 2 met periods: its granted share
    # 2,500 x 300 / 2,500 = 300.00
    assert mar["fee"] == "11000.00" and mar["bonus_total"] == "110.00"
    assert [(e["earned_in"], e["amount"]) for e in mar["earned_back"]] == [("2026-01", "-300.00")]
    assert mar["credits_net"] == "-300.00"
    # Apr: 1 h of 720 h -> 99.861111% -> 5% x 11,000 = 550.00; annual
    # 3% x 42,000 = 1,260.00 - 300.00 = 960.00, not reached
    assert apr["credits_total"] == "550.00" and apr["annual_cap"]["applied"] is False
    # totals: 300 + 0 - 300 + 550 = 550.00 credits net; bonuses 110.00
    assert doc["totals"] == {"credits": "550.00", "bonuses": "110.00", "earned_back": "-300.00"}


def test_march_alone_equals_march_in_the_run() -> None:
    whole = run(["2026-01", "2026-02", "2026-03", "2026-04"])["periods"][2]
    [alone] = run(["2026-03"])["periods"]
    keys = ("credits_total", "bonus_total", "earned_back", "annual_cap", "credits_net")
    assert {k: alone.get(k) for k in keys} == {k: whole.get(k) for k in keys}


def test_disputed_exclusion_flips_verdict_and_money_through_the_engine() -> None:
    from rules_engine.api import load_policy
    from rules_engine.evaluation.exclusions import dispute_effect, split_bundle

    case = Path(__file__).parent / "cases" / "disputed"
    policy = load_policy(case / "policy.sla")
    bundle = load_data(case / "data", policy=policy)
    split = split_bundle(bundle)
    periods = [parse_period("2026-04", "month", "UTC")]
    as_of = dt.datetime(2026, 5, 1, tzinfo=dt.UTC)

    def doc(tables: dict[str, Any]) -> dict[str, Any]:
        view = dataclasses.replace(bundle, tables=tables)
        return evaluate(policy, view, periods, as_of).document

    agreed, claimed = doc(split.approved_tables), doc(split.all_tables)
    # April = 2,592,000 s; 99.9% allows 2,592 s. O1 10:00-11:00 minus the approved
    # 10 minutes = 3,000 s -> 1 - 3000/2592000 = 99.884259% breached -> 5% = 600.00.
    # The disputed 30 minutes too: 1,200 s -> 99.953704% met -> nothing.
    a, c = agreed["periods"][0], claimed["periods"][0]
    assert a["targets"]["email_availability"]["verdict"] == "breached"
    assert a["targets"]["email_availability"]["value"] == "99.884259"
    assert c["targets"]["email_availability"]["verdict"] == "met"
    assert c["targets"]["email_availability"]["value"] == "99.953704"
    assert (a["credits_total"], c["credits_total"]) == ("600.00", "0.00")
    effect = dispute_effect(agreed, claimed)
    assert effect["periods"] == [
        {
            "period": "2026-04",
            "targets": [
                {
                    "target": "email_availability",
                    "verdict": "breached",
                    "value": "99.884259",
                    "verdict_if_excluded": "met",
                    "value_if_excluded": "99.953704",
                }
            ],
            "credits_total": {"agreed": "600.00", "if_excluded": "0.00"},
        }
    ]
    assert [d["id"] for d in split.disputed] == ["X2"]


def test_each_period_lists_the_lines_its_amount_owed_is_the_sum_of() -> None:
    doc = run(["2026-01", "2026-02", "2026-03", "2026-04"])
    lines = {p["period"]: [(x["kind"], x["amount"]) for x in p["lines"]] for p in doc["periods"]}
    # Jan: 2,500.00 credit; the 20% cap (2,000.00) takes 500.00 off; the annual cap
    # (3% of the one period's 10,000.00 = 300.00, nothing granted before) takes 1,700.00
    assert lines["2026-01"] == [
        ("credit", "2500.00"),
        ("cap", "-500.00"),
        ("annual_cap", "-1700.00"),
    ]
    assert lines["2026-02"] == []
    # Mar: Jan's 300.00 earned back after two met months; the bonus is owed the other way
    assert lines["2026-03"] == [("earn_back", "-300.00"), ("bonus", "110.00")]
    # Apr: 5% of 11,000.00; the annual cap (3% of 42,000.00 - 300.00 granted = 960.00) holds
    assert lines["2026-04"] == [("credit", "550.00")]
    owed = [p["credits_owed"] for p in doc["periods"]]
    assert owed == ["300.00", "0.00", "-300.00", "550.00"]
    assert doc["totals"]["credits"] == "550.00"  # 300 + 0 - 300 + 550
