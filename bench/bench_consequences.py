"""Throughput of the consequences stage: escalation ladders and the exclusions ledger over
generated tickets, and ``assess`` over a long verdict history.

Run: ``.venv/bin/python bench/bench_consequences.py [N]`` (default 1,000,000 tickets).
Prints the best of three runs of each operation, in seconds.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import sys
import time
from collections.abc import Callable
from decimal import Decimal
from fractions import Fraction
from pathlib import Path

import polars as pl

sys.path.insert(0, str(Path(__file__).resolve().parent))

from gen_tickets import generate

from rules_engine.consequences.assess import assess
from rules_engine.consequences.escalation import escalations_due
from rules_engine.evaluation.exclusions import split_exclusions
from rules_engine.evaluation.outcomes import PeriodOutcome, TargetOutcome
from rules_engine.evaluation.periods import parse_period
from rules_engine.language import model

H = 3600
TS = pl.Datetime("us", "UTC")
BUSINESS = model.Calendar(
    "business",
    "America/New_York",
    ((model.Window(8 * H, 18 * H),),) * 5 + ((), ()),
    (model.HolidaySpec("US"),),
)


def best(label: str, fn: Callable[[], object], runs: int = 3) -> object:
    times = []
    out: object = None
    for _ in range(runs):
        start = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - start)
    print(f"{label:<58} {min(times):8.3f} s")
    return out


def _resolution(name: str, tier: str, limit_s: int) -> model.Target:
    return model.Target(
        name, None, model.Owner.PROVIDER, "tickets",
        model.Compare(model.FieldRef("priority"), "=", model.Literal_(tier, "tier")),
        "created_at", model.Elapsed("created_at", "resolved_at", exclude_pauses=("customer",)),
        model.PercentWithin(Fraction(9, 10), limit_s),
    )  # fmt: skip


def policy() -> model.CheckedPolicy:
    def ladder(name: str, tier: str, target: str) -> model.Escalation:
        scope = model.And(
            (model.Compare(model.FieldRef("priority"), "=", model.Literal_(tier, "tier")),
             model.IsOpen())
        )  # fmt: skip
        steps = (
            model.EscalationStep("lead", after_s=30 * 60),
            model.EscalationStep("director", fraction=Fraction(1, 2), of_target=target),
            model.EscalationStep("cio", after_s=24 * H),
        )
        return model.Escalation(
            name, "tickets", scope, steps, model.AfterHours("business", "on-call", True)
        )

    return model.CheckedPolicy(
        name="bench", provider=None, customer=None, effective=dt.date(2026, 1, 1),
        timezone="America/New_York", currency=model.Currency("USD", 2),
        fees=(model.FeeLine(Decimal(12000), "month", dt.date(2026, 1, 1)),),
        period="month", at_risk_fraction=Fraction(1, 4),
        calendars={"business": BUSINESS},
        tiers={t: model.Tier(t, None, "24x7" if t in ("P1", "P2") else "business")
               for t in ("P1", "P2", "P3", "P4")},
        datasets={}, pauses=(),
        targets={"p1_resolution": _resolution("p1_resolution", "P1", 4 * H),
                 "p3_resolution": _resolution("p3_resolution", "P3", 24 * H)},
        escalations={"p1": ladder("p1", "P1", "p1_resolution"),
                     "p3": ladder("p3", "P3", "p3_resolution")},
        credits=(), caps=(), earn_backs=(), bonuses=(), exits=(),
    )  # fmt: skip


def ledger(tickets: pl.DataFrame, n: int) -> pl.DataFrame:
    ids = tickets["id"].head(n)
    return pl.DataFrame(
        {
            "id": [f"X{i}" for i in range(n)],
            "record_id": ids,
            "service": [None] * n,
            "start": [None] * n,
            "end": [None] * n,
            "reason": ["customer"] * n,
            "approved": [i % 2 == 0 for i in range(n)],
        },
        schema={"id": pl.String, "record_id": pl.String, "service": pl.String,
                "start": TS, "end": TS, "reason": pl.String, "approved": pl.Boolean},
    )  # fmt: skip


def outages(n: int) -> pl.DataFrame:
    start = pl.datetime_range(
        dt.datetime(2026, 1, 1, tzinfo=dt.UTC), dt.datetime(2026, 12, 31, tzinfo=dt.UTC),
        interval="1h", time_zone="UTC", eager=True,
    ).head(n)  # fmt: skip
    return pl.DataFrame(
        {
            "id": [f"O{i}" for i in range(len(start))],
            "service": ["email", "erp"] * (len(start) // 2) + ["email"] * (len(start) % 2),
            "started_at": start.cast(TS),
            "ended_at": (start + dt.timedelta(minutes=20)).cast(TS),
            "planned": [False] * len(start),
        }
    )


def history(periods: int, targets: int) -> list[PeriodOutcome]:
    period = parse_period("2026-01", "month", "UTC")
    verdicts = [model.Verdict.MET, model.Verdict.BREACHED, model.Verdict.NO_DATA]
    out = []
    for i in range(periods):
        out.append(
            PeriodOutcome(
                period,
                True,
                {
                    f"t{j}": TargetOutcome(
                        verdicts[(i * 7 + j) % 3],
                        Fraction(990 + (i + j) % 10, 1000),
                        model.Owner.PROVIDER,
                    )
                    for j in range(targets)
                },
            )
        )
        period = period.next()
    return out


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 1_000_000
    tickets = generate(n, seed=7)
    # a third of the tickets record the first escalation, 25 minutes in (compliance input)
    event = pl.struct(
        (pl.col("created_at") + pl.duration(minutes=25)).alias("at"),
        pl.lit("lead").alias("contact"),
    )
    tickets = tickets.with_columns(
        pl.when(pl.int_range(pl.len()) % 3 == 0)
        .then(pl.concat_list(event))
        .otherwise(pl.lit([], dtype=pl.List(pl.Struct({"at": TS, "contact": pl.String}))))
        .alias("escalations")
    )
    pol = policy()
    as_of = dt.datetime(2026, 12, 31, 15, tzinfo=dt.UTC)
    report = best(
        f"escalations_due: {n:,} tickets, 2 ladders x 3 steps",
        lambda: escalations_due(pol, {"tickets": tickets}, as_of),
    )
    for r in report.results:  # type: ignore[attr-defined]
        c = r.compliance
        print(f"  {r.name}: {r.open_in_scope:,} open, {len(r.records):,} escalated, "
              f"{c.required if c else 0:,} steps checked")  # fmt: skip
    entries = min(n, 100_000)
    tables = {"tickets": tickets, "exclusions": ledger(tickets, entries)}
    best(f"split_exclusions: {entries:,} record ids over {n:,} tickets",
         lambda: split_exclusions(tables))  # fmt: skip
    windows = pl.DataFrame(
        {"id": [f"W{i}" for i in range(50)], "record_id": [None] * 50,
         "service": ["email"] * 50,
         "start": [dt.datetime(2026, 1, 1, tzinfo=dt.UTC) + dt.timedelta(days=7 * i) for i in range(50)],
         "end": [dt.datetime(2026, 1, 1, 12, tzinfo=dt.UTC) + dt.timedelta(days=7 * i) for i in range(50)],
         "reason": ["maintenance"] * 50, "approved": [True] * 50},
        schema={"id": pl.String, "record_id": pl.String, "service": pl.String,
                "start": TS, "end": TS, "reason": pl.String, "approved": pl.Boolean},
    )  # fmt: skip
    outs = outages(8_000)
    best("split_exclusions: 50 windows over 8,000 outages",
         lambda: split_exclusions({"outages": outs, "exclusions": windows}))  # fmt: skip
    credits = tuple(
        model.CreditRule(f"c{j}", (
            model.CreditTier(model.ValueBelow(f"t{j}", "<", Fraction(995, 1000)),
                             model.PercentOfFee(Fraction(5, 100)), "x"),
            model.CreditTier(model.InLastPeriods(f"t{j}", "breached", 2, 3),
                             model.PercentOfFee(Fraction(10, 100)), "y"),
        )) for j in range(50)
    )  # fmt: skip
    rich = dataclasses.replace(
        pol,
        credits=credits,
        caps=(model.Cap(model.PercentOfFee(Fraction(3, 10)), "period"),
              model.Cap(model.PercentOfFee(Fraction(1, 10)), "year")),
        bonuses=(model.Bonus("b", model.Consecutive(None, "met", 3), model.PercentOfFee(Fraction(1, 50))),),
        exits=(model.ExitRule("x", model.BreachCount(6, 6), 0, "0d"),),
        earn_backs=(model.EarnBack("t0", 3),),
    )  # fmt: skip
    hist = history(120, 50)
    best("assess: 120 periods x 50 targets, 50 credit rules", lambda: assess(rich, hist))


if __name__ == "__main__":
    main()
