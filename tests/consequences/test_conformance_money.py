"""Every money, bonus, exit and cap figure of the four conformance scenarios.

Each scenario runs through :func:`rules_engine.pipeline.evaluate` twice: from its ``.sla``
translation (E's ``tests/conformance``), and from E's neutral model with the money
clauses of the neutral YAML added here, so a front-end slip cannot hide a consequences
bug. Free text (``tier``, ``arithmetic``, ``cap_arithmetic``, exit ``reasons``) is
compared by its numbers; everything else exactly. The scenario's money ``hand_checks``
are asserted too, and one month evaluated alone must price like the same month inside the
whole run.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
from decimal import Decimal
from fractions import Fraction
from typing import Any

import pytest
from conformance._neutral import duration_s, policy_from_scenario
from conformance.test_conformance import HERE, MONEY_KEYS, _scenario
from paths import CONFORMANCE, SCENARIOS

from rules_engine.api import load_policy
from rules_engine.data import load_data
from rules_engine.evaluation.periods import parse_period
from rules_engine.language import model
from rules_engine.pipeline import evaluate

FREE_TEXT = {"tier", "arithmetic", "cap_arithmetic", "reasons", "note"}
_NUMBER = re.compile(r"\d[\d,]*(?:\.\d+)?")


def numbers(text: str) -> list[Decimal]:
    """The numbers of a free-text field: ``5% x 12,000.00 USD`` -> [5, 12000, ...]."""
    return [Decimal(n.replace(",", "")).normalize() for n in _NUMBER.findall(text)]


def differences(path: str, expected: Any, actual: Any, free: bool = False) -> list[str]:
    if isinstance(expected, dict):
        if not isinstance(actual, dict):
            return [f"{path}: expected an object, got {actual!r}"]
        out: list[str] = []
        for key, value in expected.items():
            if key not in actual:
                out.append(f"{path}/{key}: missing")
            else:
                out.extend(differences(f"{path}/{key}", value, actual[key], key in FREE_TEXT))
        return out
    if isinstance(expected, list):
        if not isinstance(actual, list) or len(expected) != len(actual):
            return [f"{path}: expected {expected!r}, got {actual!r}"]
        out = []
        for i, (e, a) in enumerate(zip(expected, actual, strict=True)):
            out.extend(differences(f"{path}[{i}]", e, a, free))
        return out
    if free and isinstance(expected, str) and isinstance(actual, str):
        if numbers(expected) != numbers(actual):
            return [f"{path}: expected numbers of {expected!r}, got {actual!r}"]
        return []
    if expected != actual or type(expected) is not type(actual):
        return [f"{path}: expected {expected!r}, got {actual!r}"]
    return []


# --------------------------------------------------------------------------- neutral money


def _pct(text: str) -> Fraction:
    return Fraction(text) / 100


def with_money(policy: model.CheckedPolicy, scenario: dict[str, Any]) -> model.CheckedPolicy:
    """E's neutral model plus the credits, cap, bonuses and exits of the neutral YAML."""
    raw = scenario["policy"]
    credits = []
    for rule in raw.get("credits") or []:
        if "tiers" in rule:
            tiers = tuple(
                model.CreditTier(
                    model.ValueBelow(t["target"], "<", _pct(t["below"])),
                    model.PercentOfFee(_pct(t["credit_percent"])),
                    f"{t['target']} < {t['below']}%",
                )
                for t in rule["tiers"]
            )
        else:
            when = rule["when"]
            tiers = (
                model.CreditTier(
                    model.InLastPeriods(
                        when["target"], "breached", when["breached_in"], when["of_last"]
                    ),
                    model.PercentOfFee(_pct(rule["credit_percent"])),
                    rule["name"],
                ),
            )
        credits.append(model.CreditRule(rule["name"], tiers))
    caps = ()
    if raw.get("cap_percent") is not None:
        caps = (model.Cap(model.PercentOfFee(_pct(raw["cap_percent"])), "period"),)
    bonuses = tuple(
        model.Bonus(
            b["name"],
            model.Consecutive(None, "met", b["when"]["all_targets_met_consecutive"]),
            model.PercentOfFee(_pct(b["pay_percent"])),
        )
        for b in raw.get("bonuses") or []
    )
    exits = []
    for e in raw.get("exits") or []:
        parts: list[model.Condition] = []
        for c in e["when_any"]:
            if "breached_consecutive" in c:
                parts.append(model.Consecutive(c["target"], "breached", c["breached_consecutive"]))
            else:
                parts.append(model.BreachCount(c["breached_count_at_least"], c["of_last"]))
        exits.append(
            model.ExitRule(
                e["name"], model.AnyOf(tuple(parts)), duration_s(e["notice"]), e["notice"]
            )
        )
    return dataclasses.replace(
        policy, credits=tuple(credits), caps=caps, bonuses=bonuses, exits=tuple(exits)
    )


def _policy(name: str, source: str, scenario: dict[str, Any]) -> model.CheckedPolicy:
    if source == "neutral":
        return with_money(policy_from_scenario(scenario), scenario)
    return load_policy(HERE / f"{name}.sla")


_RUNS: dict[tuple[str, str, tuple[str, ...] | None], dict[str, Any]] = {}


def document(name: str, source: str, only: tuple[str, ...] | None = None) -> dict[str, Any]:
    key = (name, source, only)
    if key not in _RUNS:
        scenario, _ = _scenario(name)
        policy = _policy(name, source, scenario)
        bundle = load_data(CONFORMANCE / name / "data", policy=policy)
        labels = only or tuple(scenario["evaluation"]["periods"])
        periods = [parse_period(label, policy.period, policy.timezone) for label in labels]
        as_of = dt.datetime.fromisoformat(scenario["evaluation"]["as_of"])
        _RUNS[key] = evaluate(policy, bundle, periods, as_of).document
    return _RUNS[key]


SOURCES = ["sla", "neutral"]


@pytest.mark.parametrize("source", SOURCES)
@pytest.mark.parametrize("name", SCENARIOS)
def test_money_of_every_period(name: str, source: str) -> None:
    _, expected = _scenario(name)
    got = {p["period"]: p for p in document(name, source)["periods"]}
    problems: list[str] = []
    for period in expected["periods"]:
        mine = got[period["period"]]
        for key in MONEY_KEYS:
            if key in period:
                problems.extend(
                    differences(
                        f"{period['period']}/{key}", period[key], mine.get(key), key in FREE_TEXT
                    )
                )
    assert problems == []


@pytest.mark.parametrize("source", SOURCES)
@pytest.mark.parametrize("name", SCENARIOS)
def test_exit_right_and_totals(name: str, source: str) -> None:
    _, expected = _scenario(name)
    doc = document(name, source)
    problems = differences("exit_right", expected["exit_right"], doc.get("exit_right"))
    problems += differences("totals", expected["totals"], doc.get("totals"))
    assert problems == []


@pytest.mark.parametrize("name", SCENARIOS)
def test_money_hand_checks(name: str) -> None:
    """The scenario's hand-worked money arithmetic, on the engine's output."""
    scenario, _ = _scenario(name)
    doc = document(name, "neutral")
    checked = 0
    for check in scenario.get("hand_checks") or []:
        path = check["path"]
        if path[0] == "periods" and len(path) >= 4 and path[2] == "targets":
            continue  # verdict facts: E's conformance test
        node: Any = doc
        for step in path:
            if node is doc["periods"]:
                node = next(p for p in node if p["period"] == step)
            else:
                node = node[step]
        assert differences("/".join(map(str, path)), check["expect"], node) == [], check["note"]
        checked += 1
    assert checked > 0


@pytest.mark.parametrize(
    ("name", "month"),
    [
        ("s01_acme_core_ny", "2026-06"),  # 3-of-3 look-back, cap and an exit by count
        ("s07_lookback_bonus_exit", "2026-09"),  # rolling bonus after a no_data June
        ("s07_lookback_bonus_exit", "2026-12"),  # 3 consecutive and 5 of last 6
        ("s05_availability_credits_cap", "2026-04"),  # 2 consecutive email breaches
    ],
)
def test_one_month_alone_prices_like_inside_the_whole_run(name: str, month: str) -> None:
    whole = next(p for p in document(name, "neutral")["periods"] if p["period"] == month)
    [alone] = document(name, "neutral", (month,))["periods"]
    assert {k: alone.get(k) for k in MONEY_KEYS} == {k: whole.get(k) for k in MONEY_KEYS}
