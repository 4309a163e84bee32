"""Aggregates and verdicts per target per period, with error budgets and flips.

Counting happens in Polars over whole columns; only the per-period integers (counts,
microsecond sums) become :class:`fractions.Fraction` for the exact comparisons.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction
from typing import Literal

import polars as pl

from rules_engine.evaluation import numbers as num
from rules_engine.evaluation.availability import PeriodDowntime
from rules_engine.evaluation.periods import Period
from rules_engine.evaluation.result import (
    AggregateFigures,
    AvailabilityFigures,
    Budget,
    CountFigures,
    Judgement,
    PercentFigures,
    PercentileFigures,
    PlannedStretch,
    RecordLists,
)
from rules_engine.evaluation.rows import RowTable
from rules_engine.language import model
from rules_engine.language.model import Verdict
from rules_engine.language.policy_text import number_text

US = num.US_PER_S


@dataclass(frozen=True)
class PeriodFrame:
    """The period being judged and what the at-risk rule needs to know about it."""

    period: Period
    over: bool
    elapsed: Fraction  # fraction of the period's real time before as-of, in [0, 1]
    at_risk_fraction: Fraction


def decide(holds: bool, frame: PeriodFrame, total: Fraction | int, left: Fraction | int) -> Verdict:
    """``breached`` / ``at_risk`` / ``met`` for a decided objective (C14)."""
    if not holds:
        return Verdict.BREACHED
    if not frame.over and total > 0 and left < frame.at_risk_fraction * total:
        return Verdict.AT_RISK
    return Verdict.MET


def burn_rate(used: Fraction | int, total: Fraction | int, frame: PeriodFrame) -> Fraction | None:
    """Budget used relative to the share of budget the elapsed part of the period allows:
    ``used / (total x elapsed fraction)``; 1 means on pace to use exactly the budget."""
    allowance = Fraction(total) * frame.elapsed
    if allowance <= 0:
        return None
    return Fraction(used) / allowance


def _budget(
    unit: Literal["records", "seconds"],
    total: Fraction | int,
    used: Fraction | int,
    frame: PeriodFrame,
) -> Budget:
    return Budget(unit, Fraction(total), Fraction(used), burn_rate(used, total, frame))


# --------------------------------------------------------------------------- record objectives


def classify(measured: pl.DataFrame, limit_s: int) -> pl.DataFrame:
    """Add ``status``: met (stopped within the limit), breached (over it, stopped or not),
    pending (open and not yet over)."""
    limit = limit_s * US
    over = pl.col("measured_us") > limit
    return measured.with_columns(
        pl.when(over)
        .then(pl.lit("breached"))
        .when(pl.col("open"))
        .then(pl.lit("pending"))
        .otherwise(pl.lit("met"))
        .alias("status")
    )


@dataclass(frozen=True)
class RecordStats:
    """Per period: counts, the excluded pause time, and the listed records."""

    in_scope: int
    met: int
    breached: int
    pending: int
    paused_us: int
    breached_rows: RowTable
    pending_rows: RowTable
    detail: RowTable | None


_BREACHED = ["id", "measured_us", "open"]
_PENDING = ["id", "measured_us"]
_DETAIL = ["id", "status", "measured_us", "gross_us", "paused_us", "wall_us", "clock", "open"]


def _split(frame: pl.DataFrame, columns: list[str]) -> dict[int, pl.DataFrame]:
    """Rows per period, sorted by id."""
    if frame.height == 0:
        return {}
    parts = (
        frame.sort("_pidx", "id")
        .select("_pidx", *columns)
        .partition_by("_pidx", as_dict=True, include_key=False)
    )
    return {int(key[0]): part for key, part in parts.items()}


def _empty(frame: pl.DataFrame, columns: list[str]) -> pl.DataFrame:
    return frame.select(columns).clear()


def record_stats(
    classified: pl.DataFrame,
    periods: int,
    limit_s: int | None,
    detail: Callable[[int], bool],
    business_days: bool = False,
) -> list[RecordStats]:
    """Group a classified record frame by period. ``detail(n)`` says whether a period
    with ``n`` records in scope keeps its per-record detail: decided per period, so a
    month evaluated alone reads the same as inside a longer run. With ``business_days``
    the measured values and ``limit_s`` are on the business-day scale."""
    counts = {
        int(row[0]): row[1:]
        for row in classified.group_by("_pidx")
        .agg(
            pl.len().alias("n"),
            (pl.col("status") == "met").sum().alias("met"),
            (pl.col("status") == "breached").sum().alias("breached"),
            (pl.col("status") == "pending").sum().alias("pending"),
            pl.col("paused_us").fill_null(0).sum().alias("paused"),
        )
        .iter_rows()
    }
    limit = None if limit_s is None or business_days else num.seconds(limit_s)
    limit_bd = num.business_days(limit_s * US) if business_days and limit_s is not None else None
    breached_parts = _split(classified.filter(pl.col("status") == "breached"), _BREACHED)
    pending_parts = _split(classified.filter(pl.col("status") == "pending"), _PENDING)
    keep = [detail(int(counts.get(pidx, (0,))[0])) for pidx in range(periods)]
    details = _split(classified, _DETAIL) if any(keep) else {}
    out = []
    for pidx in range(periods):
        n, met, breached, pending, paused = counts.get(pidx, (0, 0, 0, 0, 0))
        out.append(
            RecordStats(
                in_scope=int(n),
                met=int(met),
                breached=int(breached),
                pending=int(pending),
                paused_us=int(paused or 0),
                breached_rows=RowTable(
                    breached_parts.get(pidx, _empty(classified, _BREACHED)),
                    "breached",
                    limit,
                    limit_bd,
                ),
                pending_rows=RowTable(
                    pending_parts.get(pidx, _empty(classified, _PENDING)),
                    "pending",
                    limit,
                    limit_bd,
                ),
                detail=(
                    RowTable(
                        details.get(pidx, _empty(classified, _DETAIL)), "detail", limit, limit_bd
                    )
                    if keep[pidx]
                    else None
                ),
            )
        )
    return out


def _lists(stats: RecordStats) -> RecordLists:
    return RecordLists(
        stats.breached_rows,
        stats.pending_rows,
        stats.detail,
        Fraction(stats.paused_us, US),
    )


def judge_percent(stats: RecordStats, percent: Fraction, frame: PeriodFrame) -> Judgement:
    """``X% within L`` (and ``X% where ...``): met / (met + breached)."""
    decided = stats.met + stats.breached
    counts = (stats.in_scope, stats.met, stats.breached, stats.pending)
    if decided == 0:
        figures = PercentFigures(*counts, None, percent, None, None, _lists(stats))
        return Judgement(Verdict.NO_DATA, None, figures)
    value = Fraction(stats.met, decided)
    total = math.floor((1 - percent) * decided)
    used = stats.breached
    holds = value >= percent
    verdict = decide(holds, frame, total, total - used)
    to_flip = (total - used + 1) if holds else (math.ceil(percent * decided) - stats.met)
    budget = _budget("records", total, used, frame)
    figures = PercentFigures(*counts, value, percent, budget, to_flip, _lists(stats))
    return Judgement(verdict, value, figures)


def percentile_values(
    classified: pl.DataFrame, percentile: int
) -> dict[int, tuple[int, int, int, bool]]:
    """Per period: (n, rank, value in µs, lower bound) over the decided values: stopped
    records plus open ones already past the limit (with their elapsed time, C31).

    The value is a lower bound exactly when it can still grow (DESIGN "Aggregates"):
    when fewer than ``rank`` of the closed records taking part are at or below it. Open
    records only grow, so one ranked above the value cannot move it down or up."""
    decided = classified.filter(~pl.col("open") | (pl.col("status") == "breached"))
    rank = (pl.len() * percentile + 99) // 100
    rows = decided.group_by("_pidx").agg(
        pl.len().alias("n"),
        rank.alias("rank"),
        pl.col("measured_us").sort().get(rank - 1).alias("value"),
    )
    settled = (
        decided.join(rows.select("_pidx", "value"), on="_pidx")
        .group_by("_pidx")
        .agg((~pl.col("open") & (pl.col("measured_us") <= pl.col("value"))).sum().alias("closed"))
    )
    rows = rows.join(settled, on="_pidx").with_columns(
        (pl.col("closed") < pl.col("rank")).alias("lower_bound")
    )
    return {
        int(p): (int(n), int(r), int(v), bool(lb))
        for p, n, r, v, lb in rows.select("_pidx", "n", "rank", "value", "lower_bound").iter_rows()
    }


def judge_percentile(
    stats: RecordStats,
    picked: tuple[int, int, int, bool] | None,
    objective: model.PercentileAtMost,
    frame: PeriodFrame,
) -> Judgement:
    """``pP <= L`` by nearest rank; budget is ``n - ceil(P/100 n)`` records above L."""
    counts = (stats.in_scope, stats.met, stats.breached, stats.pending)
    if picked is None:
        figures = PercentileFigures(
            *counts,
            None,
            None,
            False,
            objective.limit_s,
            None,
            None,
            _lists(stats),
            objective.business_days,
        )
        return Judgement(Verdict.NO_DATA, None, figures)
    n, rank, value_us, lower_bound = picked
    limit_us = objective.limit_s * US
    total = n - rank
    used = stats.breached
    holds = value_us <= limit_us
    verdict = decide(holds, frame, total, total - used)
    to_flip = (total - used + 1) if holds else (used - total)
    value = Fraction(value_us, US)
    figures = PercentileFigures(
        *counts,
        value,
        rank,
        lower_bound,
        objective.limit_s,
        _budget("records", total, used, frame),
        to_flip,
        _lists(stats),
        objective.business_days,
    )
    return Judgement(verdict, value, figures)


# --------------------------------------------------------------------------- availability


def judge_availability(
    down: PeriodDowntime,
    objective: model.AvailabilityAtLeast,
    clock: str,
    frame: PeriodFrame,
    maintenance: model.MaintenanceRule | None = None,
) -> Judgement:
    scheduled = Fraction(down.scheduled_us, US)
    downtime = Fraction(down.downtime_us, US)
    value = 1 - downtime / scheduled if scheduled > 0 else Fraction(1)
    total = (1 - objective.percent) * scheduled
    holds = value >= objective.percent
    verdict = decide(holds, frame, total, total - downtime)
    figures = AvailabilityFigures(
        outage_ids=list(down.outage_ids),
        planned_excluded_ids=list(down.planned_excluded_ids),
        downtime_s=downtime,
        scheduled_s=scheduled,
        clock=clock,
        value=value,
        threshold=objective.percent,
        budget=_budget("seconds", total, downtime, frame),
        downtime_intervals=[
            (s.astimezone(dt.UTC).isoformat(), e.astimezone(dt.UTC).isoformat())
            for s, e in down.intervals
        ],
        planned=[
            PlannedStretch(
                p.source,
                p.id,
                p.outage_id,
                p.start,
                p.end,
                Fraction(p.planned_us, US),
                Fraction(p.downtime_us, US),
                p.reason,
            )
            for p in down.planned
        ],
        maintenance=maintenance,
        limit_used_s=Fraction(down.limit_used_us, US),
    )
    return Judgement(verdict, value, figures)


# --------------------------------------------------------------------------- aggregates


_OPS = {
    "<": lambda a, b: a < b,
    "<=": lambda a, b: a <= b,
    ">": lambda a, b: a > b,
    ">=": lambda a, b: a >= b,
    "=": lambda a, b: a == b,
}


def _fails_expr(op: str, threshold: pl.Expr | int | float) -> pl.Expr:
    """Per record: the value alone would not satisfy ``op threshold``."""
    value: pl.Expr = pl.col("_value")
    out: pl.Expr
    match op:
        case "<":
            out = value >= threshold
        case "<=":
            out = value > threshold
        case ">":
            out = value <= threshold
        case _:
            out = value < threshold
    return out


def aggregate_values(
    values: pl.DataFrame, objective: model.AggregateCompare
) -> dict[int, tuple[int, Fraction, list[str]]]:
    """Per period: (count, exact sum, ids of records below the objective). ``values`` has
    ``id``, ``_pidx`` and ``_value`` (Decimal for numbers, Int64 µs for durations)."""
    is_duration = values.schema["_value"] == pl.Int64
    threshold: pl.Expr | int
    if is_duration:
        # integer µs against an exact threshold: v < s iff v < ceil(s), v <= s iff
        # v <= floor(s), so the failing test stays exact on integers
        scaled = objective.value * US
        threshold = math.ceil(scaled) if objective.op in (">=", "<") else math.floor(scaled)
    else:
        threshold = pl.lit(Decimal(number_text(objective.value))).cast(pl.Decimal(38, 9))
    grouped = values.sort("_pidx", "id").group_by("_pidx", maintain_order=True)
    below = pl.col("id").filter(_fails_expr(objective.op, threshold)).alias("below")
    largest = values["_value"].abs().max()
    ceiling = 2**63 if is_duration else 10**20  # Int64 µs; Decimal(38, 18)
    if largest is None or largest * len(values) < ceiling:  # type: ignore[operator]
        rows = grouped.agg(pl.len().alias("n"), pl.col("_value").sum().alias("sum"), below)
    else:  # the sum might wrap around silently in Polars: add exactly in Python
        rows = grouped.agg(pl.len().alias("n"), pl.col("_value").alias("sum"), below)
    out: dict[int, tuple[int, Fraction, list[str]]] = {}
    for pidx, n, total, ids in rows.iter_rows():
        if isinstance(total, list):
            exact_sum = sum((Fraction(v) for v in total), Fraction(0))
            exact_sum = exact_sum / US if is_duration else exact_sum
        else:
            exact_sum = Fraction(int(total), US) if is_duration else Fraction(Decimal(total))
        out[int(pidx)] = (int(n), exact_sum, list(ids))
    return out


def judge_aggregate(
    facts: tuple[int, Fraction, list[str]] | None,
    objective: model.AggregateCompare,
    lower_bound: bool = False,
) -> Judgement:
    """``mean >= 4.2`` / ``sum <= 5000``: no budget, never at risk (C15). ``lower_bound``:
    an open record past the limit takes part with its time so far, so the mean can grow."""
    n, total, below = facts if facts is not None else (0, Fraction(0), [])
    if n == 0:
        empty = AggregateFigures(objective.aggregate, objective.unit, 0, None, None, None, [])
        return Judgement(Verdict.NO_DATA, None, empty)
    value = total / n if objective.aggregate == "mean" else total
    holds = bool(_OPS[objective.op](value, objective.value))
    verdict = Verdict.MET if holds else Verdict.BREACHED
    margin = value - objective.value if objective.op in (">", ">=") else objective.value - value
    figures = AggregateFigures(
        objective.aggregate, objective.unit, n, total, value, margin, below, lower_bound
    )
    return Judgement(verdict, value, figures)


def judge_count(
    count: int, objective: model.CountCompare, frame: PeriodFrame | None = None
) -> Judgement:
    """``count >= N``: always decided; zero records is a count of 0. In a running period
    a minimum not yet reached is ``at_risk`` (it can still be met), while a maximum
    exceeded is ``breached`` (final) (DESIGN "Edge rules")."""
    holds = bool(_OPS[objective.op](count, objective.value))
    verdict = Verdict.MET if holds else Verdict.BREACHED
    still_open = frame is not None and not frame.over
    if not holds and still_open and objective.op in (">", ">="):
        verdict = Verdict.AT_RISK
    margin = count - objective.value if objective.op in (">", ">=") else objective.value - count
    return Judgement(verdict, Fraction(count), CountFigures(count, margin))


def empty_stats(periods: int) -> Sequence[RecordStats]:
    breached = pl.DataFrame(schema={"id": pl.String, "measured_us": pl.Int64, "open": pl.Boolean})
    pending = pl.DataFrame(schema={"id": pl.String, "measured_us": pl.Int64})
    return [
        RecordStats(
            0,
            0,
            0,
            0,
            0,
            RowTable(breached, "breached", None),
            RowTable(pending, "pending", None),
            None,
        )
        for _ in range(periods)
    ]
