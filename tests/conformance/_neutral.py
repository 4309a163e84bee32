"""The scenario's neutral YAML policy as a checked model, built directly in Python.

Independent of the language front end: the conformance test runs the engine over both
this model and the ``.sla`` translation, so a front-end slip cannot hide an engine bug
(and the other way round). Credits and bonuses are left out; they belong to the
consequences stage, which has its own conformance test.
"""

from __future__ import annotations

import datetime as dt
import re
from fractions import Fraction
from typing import Any

from rules_engine.data.schema import DEFAULT_ANCHORS
from rules_engine.language import model

_DAYS = {"mon": 0, "tue": 1, "wed": 2, "thu": 3, "fri": 4, "sat": 5, "sun": 6}
_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}


def duration_s(text: str) -> int:
    return sum(int(n) * _UNITS[u] for n, u in re.findall(r"(\d+)([smhdw])", text))


def _clock_s(text: str) -> int:
    hours, minutes = text.split(":")
    return int(hours) * 3600 + int(minutes) * 60


def _days(spec: str) -> list[int]:
    if "-" in spec:
        first, last = spec.split("-")
        return list(range(_DAYS[first], _DAYS[last] + 1))
    return [_DAYS[spec]]


def _calendar(name: str, raw: dict[str, Any]) -> model.Calendar:
    week: list[list[model.Window]] = [[] for _ in range(7)]
    for days, windows in raw.get("open", {}).items():
        for day in _days(days):
            week[day].extend(model.Window(_clock_s(a), _clock_s(b)) for a, b in windows)
    holidays = ()
    if raw.get("holidays"):
        spec = raw["holidays"]
        holidays = (model.HolidaySpec(spec["country"], spec.get("subdiv")),)
    return model.Calendar(
        name=name,
        timezone=raw["timezone"],
        windows=tuple(tuple(sorted(w, key=lambda x: x.start)) for w in week),
        holidays=holidays,
        closed=tuple(dt.date.fromisoformat(str(d)) for d in raw.get("closed", [])),
    )


def _scope(where: dict[str, Any] | None) -> model.Expr | None:
    if not where:
        return None
    parts: list[model.Expr] = []
    for field, cond in where.items():
        ref = model.FieldRef(field)
        if isinstance(cond, dict) and "not_in" in cond:
            values = tuple(model.Literal_(v, "string") for v in cond["not_in"])
            parts.append(model.InList(ref, values, negated=True))
        else:
            parts.append(model.Compare(ref, "=", model.Literal_(cond, "string")))
    return parts[0] if len(parts) == 1 else model.And(tuple(parts))


def _measure(raw: dict[str, Any]) -> model.Measure:
    kind = raw["kind"]
    if kind == "elapsed":
        excl = raw.get("exclude_pauses", "none")
        exclude: Any = None if excl == "none" else ("all" if excl == "all" else tuple(excl))
        return model.Elapsed(raw["start"], raw["stop"], raw.get("clock"), exclude)
    if kind == "duration_field":
        return model.DurationField(raw["field"])
    if kind == "availability":
        return model.Availability(raw.get("clock", "24x7"))
    return model.Aggregate("mean", raw["field"])


def _objective(raw: dict[str, Any]) -> model.Objective:
    kind = raw["kind"]
    if kind == "percent_within":
        return model.PercentWithin(Fraction(raw["percent"]) / 100, duration_s(raw["within"]))
    if kind == "percentile":
        return model.PercentileAtMost(int(raw["percentile"]), duration_s(raw["at_most"]))
    if kind == "availability":
        return model.AvailabilityAtLeast(Fraction(raw["percent"]) / 100)
    return model.AggregateCompare("mean", ">=", Fraction(raw["value"]))


def _datasets(raw: dict[str, Any]) -> dict[str, model.DatasetDecl]:
    """Datasets the schema lacks, declared with timestamp fields and their anchor."""
    out: dict[str, model.DatasetDecl] = {}
    for t in raw["targets"].values():
        if t["dataset"] in DEFAULT_ANCHORS:
            continue
        measure = t["measure"]
        names = [measure[k] for k in ("start", "stop") if k in measure]
        fields = tuple(model.FieldDecl(n, "timestamp") for n in names)
        out[t["dataset"]] = model.DatasetDecl(t["dataset"], fields, t.get("anchor"))
    return out


def policy_from_scenario(scenario: dict[str, Any]) -> model.CheckedPolicy:
    raw = scenario["policy"]
    fees = tuple(
        model.FeeLine(
            amount=__import__("decimal").Decimal(line["amount"]),
            per=raw["fee"]["per"],
            start=dt.date.fromisoformat(str(line["from"])),
        )
        for line in raw["fee"]["schedule"]
    )
    calendars = {n: _calendar(n, c) for n, c in (raw.get("calendars") or {}).items()}
    tiers = {n: model.Tier(n, None, c) for n, c in (raw.get("tiers") or {}).items()}
    targets = {}
    for name, t in raw["targets"].items():
        targets[name] = model.Target(
            name=name,
            title=t.get("title"),
            owner=model.Owner(t.get("owner", "provider")),
            dataset=t["dataset"],
            scope=_scope(t.get("where")),
            anchor=t.get("anchor") or DEFAULT_ANCHORS[t["dataset"]],
            measure=_measure(t["measure"]),
            objective=_objective(t["objective"]),
        )
    return model.CheckedPolicy(
        name=raw["name"],
        provider=raw.get("provider"),
        customer=raw.get("customer"),
        effective=dt.date.fromisoformat(str(raw["effective"])),
        timezone=raw["timezone"],
        currency=model.Currency(raw["currency"], 2),
        fees=fees,
        period=raw["period"],
        at_risk_fraction=Fraction(1, 4),
        calendars=calendars,
        tiers=tiers,
        datasets=_datasets(raw),
        pauses=(),
        targets=targets,
        escalations={},
        credits=(),
        caps=(),
        earn_backs=(),
        bonuses=(),
        exits=(),
    )
