"""The four conformance scenarios of ``tests/conformance/scenarios``: every verdict, count, value,
budget, margin, flip, percentile rank, downtime and record list of ``expected.json``.

Each scenario runs twice through :func:`rules_engine.pipeline.evaluate`: once from its
``.sla`` translation here (the language front end end to end), once from a model built
directly from the neutral YAML (``_neutral.py``), so a front-end slip and an engine slip
cannot mask each other. Money, bonus and exit keys belong to the consequences stage and
are asserted there.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from pathlib import Path
from typing import Any

import pytest
import yaml
from paths import CONFORMANCE, SCENARIOS

from rules_engine.api import load_policy
from rules_engine.data import load_data
from rules_engine.evaluation.periods import parse_period
from rules_engine.language import model
from rules_engine.pipeline import Evaluation, evaluate

from ._neutral import policy_from_scenario

HERE = Path(__file__).resolve().parent
MONEY_KEYS = (
    "fee",
    "credits",
    "credits_before_cap",
    "cap",
    "cap_arithmetic",
    "cap_applied",
    "credits_total",
    "bonuses",
    "bonus_total",
    "exit",
    "note",
)
"""The consequences keys of a period (tests/consequences asserts their values)."""


def _scenario(name: str) -> tuple[dict[str, Any], dict[str, Any]]:
    folder = CONFORMANCE / name
    scenario = yaml.safe_load((folder / "scenario.yaml").read_text(encoding="utf-8"))
    expected = json.loads((folder / "expected.json").read_text(encoding="utf-8"))
    return scenario, expected


def _policy(name: str, source: str, scenario: dict[str, Any]) -> model.CheckedPolicy:
    if source == "neutral":
        return policy_from_scenario(scenario)
    return load_policy(HERE / f"{name}.sla")


_RUNS: dict[tuple[str, str], tuple[Evaluation, dict[str, Any]]] = {}


def run(name: str, source: str) -> tuple[Evaluation, dict[str, Any]]:
    key = (name, source)
    if key not in _RUNS:
        scenario, expected = _scenario(name)
        policy = _policy(name, source, scenario)
        bundle = load_data(CONFORMANCE / name / "data", policy=policy)
        periods = [
            parse_period(label, policy.period, policy.timezone)
            for label in scenario["evaluation"]["periods"]
        ]
        as_of = dt.datetime.fromisoformat(scenario["evaluation"]["as_of"])
        _RUNS[key] = (evaluate(policy, bundle, periods, as_of), expected)
    return _RUNS[key]


def _objective(text: str) -> str:
    """``>= 99.0%`` and ``>= 99%`` say the same; compare objectives without trailing zeros."""
    return re.sub(r"(\d+)\.0+\b", r"\1", text)


def differences(path: str, expected: Any, actual: Any) -> list[str]:
    """Every key of ``expected`` must be in ``actual`` with the same value (extra keys in
    ``actual`` are explanation extras); lists compare element-wise, in order."""
    if isinstance(expected, dict):
        if not isinstance(actual, dict):
            return [f"{path}: expected an object, got {actual!r}"]
        out: list[str] = []
        for key, value in expected.items():
            if key not in actual:
                out.append(f"{path}/{key}: missing")
            elif key == "objective":
                if _objective(value) != _objective(actual[key]):
                    out.append(f"{path}/{key}: expected {value!r}, got {actual[key]!r}")
            else:
                out.extend(differences(f"{path}/{key}", value, actual[key]))
        return out
    if isinstance(expected, list):
        if not isinstance(actual, list) or len(expected) != len(actual):
            return [f"{path}: expected {expected!r}, got {actual!r}"]
        out = []
        for i, (e, a) in enumerate(zip(expected, actual, strict=True)):
            out.extend(differences(f"{path}[{i}]", e, a))
        return out
    if expected != actual or type(expected) is not type(actual):
        return [f"{path}: expected {expected!r}, got {actual!r}"]
    return []


SOURCES = ["sla", "neutral"]


@pytest.mark.parametrize("source", SOURCES)
@pytest.mark.parametrize("name", SCENARIOS)
def test_every_target_in_every_period(name: str, source: str) -> None:
    evaluation, expected = run(name, source)
    got = {p["period"]: p for p in evaluation.document["periods"]}
    assert list(got) == [p["period"] for p in expected["periods"]]
    problems: list[str] = []
    for period in expected["periods"]:
        mine = got[period["period"]]
        for key in ("start", "end", "over"):
            problems.extend(differences(f"{period['period']}/{key}", period[key], mine[key]))
        assert list(mine["targets"]) == list(period["targets"])
        for target, facts in period["targets"].items():
            problems.extend(
                differences(f"{period['period']}/{target}", facts, mine["targets"][target])
            )
    assert problems == []


@pytest.mark.parametrize("name", SCENARIOS)
def test_holidays_used(name: str) -> None:
    evaluation, expected = run(name, "neutral")
    assert differences("calendars", expected["calendars"], evaluation.document["calendars"]) == []


@pytest.mark.parametrize("name", SCENARIOS)
def test_expected_verdicts_designed_by_hand(name: str) -> None:
    """The scenario's hand-designed verdict table, independent of expected.json."""
    scenario, _ = _scenario(name)
    evaluation, _ = run(name, "neutral")
    for target, verdicts in (scenario.get("expected_verdicts") or {}).items():
        got = [p["targets"][target]["verdict"] for p in evaluation.document["periods"]]
        assert got == verdicts, target


@pytest.mark.parametrize("name", SCENARIOS)
def test_hand_checks(name: str) -> None:
    """The scenario's hand-worked arithmetic (``hand_checks``) on the engine's own output."""
    scenario, _ = _scenario(name)
    evaluation, _ = run(name, "neutral")
    document = evaluation.document
    for check in scenario.get("hand_checks") or []:
        path = check["path"]
        if path[0] != "periods" or len(path) < 4 or path[2] != "targets":
            continue  # money and totals: the consequences stage's checks
        node: Any = next(p for p in document["periods"] if p["period"] == path[1])
        for step in path[2:]:
            node = node[step]
        if "expect" in check:
            assert differences("/".join(path), check["expect"], node) == [], check["note"]


def test_sla_and_neutral_models_agree() -> None:
    """The .sla translation judges exactly like the neutral model (targets only)."""
    for name in SCENARIOS:
        sla, _ = run(name, "sla")
        neutral, _ = run(name, "neutral")
        for mine, theirs in zip(sla.document["periods"], neutral.document["periods"], strict=True):
            for target, facts in theirs["targets"].items():
                ours = dict(mine["targets"][target])
                theirs_facts = dict(facts)
                for volatile in ("span", "explanation", "title", "objective", "flip", "scope"):
                    ours.pop(volatile, None)
                    theirs_facts.pop(volatile, None)
                assert ours == theirs_facts, (name, mine["period"], target)


def test_money_keys_are_merged_from_the_consequences_stage() -> None:
    evaluation, expected = run("s01_acme_core_ny", "neutral")
    for period in evaluation.document["periods"]:
        assert set(MONEY_KEYS) - {"note"} <= set(period)
    assert evaluation.document["periods"][0]["fee"] == expected["periods"][0]["fee"]


@pytest.mark.parametrize("name", SCENARIOS)
def test_documents_validate_against_the_schema(name: str) -> None:
    from importlib.resources import files

    import jsonschema

    from rules_engine.render.json_out import render_json

    schema = json.loads(
        files("rules_engine").joinpath("schemas/evaluation.schema.json").read_text("utf-8")
    )
    evaluation, _ = run(name, "neutral")
    jsonschema.Draft202012Validator(schema).validate(json.loads(render_json(evaluation.skeleton)))
