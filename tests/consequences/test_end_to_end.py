"""A .sla policy with an annual cap, earn-back, a fee change and a bonus, through the
front end and the engine (hand-computed)."""

from __future__ import annotations

import datetime as dt
import importlib.util
from pathlib import Path
from typing import Any

import pytest

from rules_engine.data import load_data
from rules_engine.engine import evaluate
from rules_engine.periods import parse_period

CASE = Path(__file__).parent / "cases" / "earn_back_annual_cap"

pytestmark = pytest.mark.skipif(
    importlib.util.find_spec("rules_engine.checker") is None,
    reason="the language front end is not installed yet",
)


def run(labels: list[str]) -> dict[str, Any]:
    from rules_engine.api import load_policy

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
