"""Small hand-built policies and tables for evaluator unit tests."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal
from fractions import Fraction
from typing import Any

import polars as pl

from rules_engine.language import model

UTC = dt.UTC
TS = pl.Datetime("us", "UTC")
PAUSES = pl.List(pl.Struct({"start": TS, "end": TS, "reason": pl.String}))
HISTORY = pl.List(pl.Struct({"at": TS, "status": pl.String}))


def t(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text).astimezone(UTC)


@dataclass
class Bundle:
    tables: dict[str, pl.DataFrame]
    sources: dict[str, str] = field(default_factory=dict)
    sha256: dict[str, str] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)


def tickets(rows: list[dict[str, Any]]) -> pl.DataFrame:
    full = [
        {
            "id": r["id"],
            "priority": r.get("priority", "P1"),
            "created_at": t(r["created_at"]),
            "first_response_at": t(r["first_response_at"]) if r.get("first_response_at") else None,
            "resolved_at": t(r["resolved_at"]) if r.get("resolved_at") else None,
            "status": r.get("status"),
            "pauses": [
                {"start": t(p[0]), "end": t(p[1]) if p[1] else None, "reason": p[2]}
                for p in r.get("pauses", [])
            ],
            "status_history": [{"at": t(a), "status": s} for a, s in r.get("history", [])],
        }
        for r in rows
    ]
    return pl.DataFrame(
        full,
        schema={
            "id": pl.String,
            "priority": pl.String,
            "created_at": TS,
            "first_response_at": TS,
            "resolved_at": TS,
            "status": pl.String,
            "pauses": PAUSES,
            "status_history": HISTORY,
        },
    )


def outages(rows: list[tuple[str, str, str, str | None, bool]]) -> pl.DataFrame:
    return pl.DataFrame(
        [
            {
                "id": i,
                "service": s,
                "started_at": t(a),
                "ended_at": t(b) if b else None,
                "planned": p,
            }
            for i, s, a, b, p in rows
        ],
        schema={
            "id": pl.String,
            "service": pl.String,
            "started_at": TS,
            "ended_at": TS,
            "planned": pl.Boolean,
        },
    )


def target(
    name: str, dataset: str, measure: model.Measure, objective: model.Objective, **kw: Any
) -> model.Target:
    return model.Target(
        name=name,
        title=kw.get("title"),
        owner=kw.get("owner", model.Owner.PROVIDER),
        dataset=dataset,
        scope=kw.get("scope"),
        anchor=kw.get("anchor", "created_at" if dataset == "tickets" else "started_at"),
        measure=measure,
        objective=objective,
    )


def policy(*targets: model.Target, **kw: Any) -> model.CheckedPolicy:
    return model.CheckedPolicy(
        name="unit",
        provider="P",
        customer="C",
        effective=kw.get("effective", dt.date(2026, 1, 1)),
        timezone=kw.get("timezone", "UTC"),
        currency=model.Currency("USD", 2),
        fees=(model.FeeLine(Decimal("1000"), "month", dt.date(2026, 1, 1)),),
        period="month",
        at_risk_fraction=Fraction(1, 4),
        calendars=kw.get("calendars", {}),
        tiers=kw.get("tiers", {}),
        datasets={},
        pauses=kw.get("pauses", ()),
        targets={x.name: x for x in targets},
        escalations={},
        credits=(),
        caps=(),
        earn_backs=(),
        bonuses=(),
        exits=(),
    )
