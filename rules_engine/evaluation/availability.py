"""Availability: downtime against the whole period's scheduled time on the target's clock.

Planned outages are dropped first; the unplanned ones are merged per service; an outage
with no end (or ending after as-of) runs to as-of; outage time is split across the
periods it overlaps. Scheduled time is the whole period, also while it runs (C17).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import polars as pl

from rules_engine.evaluation.records import UTC_US, RecordContext


@dataclass
class PeriodDowntime:
    """The availability facts of one period, in microseconds."""

    scheduled_us: int
    downtime_us: int = 0
    outage_ids: list[str] = field(default_factory=list)
    planned_excluded_ids: list[str] = field(default_factory=list)
    intervals: list[tuple[dt.datetime, dt.datetime]] = field(default_factory=list)


def _periods_frame(ctx: RecordContext) -> pl.DataFrame:
    bounds = [b.astimezone(dt.UTC) for b in ctx.bounds]
    return pl.DataFrame(
        {
            "_pidx": list(range(len(bounds) - 1)),
            "_pstart": bounds[:-1],
            "_pend": bounds[1:],
        },
        schema={"_pidx": pl.Int32, "_pstart": UTC_US, "_pend": UTC_US},
    )


def _overlapping_ids(outages: pl.DataFrame, periods: pl.DataFrame) -> dict[int, list[str]]:
    hits = (
        outages.join(periods, how="cross")
        .filter((pl.col("_s") < pl.col("_pend")) & (pl.col("_e") > pl.col("_pstart")))
        .group_by("_pidx")
        .agg(pl.col("id").cast(pl.String).sort())
    )
    return {int(p): list(ids) for p, ids in hits.iter_rows()}


def downtime_by_period(
    outages: pl.DataFrame, clock: str, ctx: RecordContext
) -> list[PeriodDowntime]:
    """One :class:`PeriodDowntime` per period of ``ctx.bounds``; ``outages`` is in scope."""
    as_of = ctx.as_of_lit
    periods = _periods_frame(ctx)
    scheduled_f = ctx.clocks.cumulative_us(
        clock, pl.Series([b.astimezone(dt.UTC) for b in ctx.bounds], dtype=UTC_US)
    ).to_list()
    result = [
        PeriodDowntime(scheduled_us=int(scheduled_f[i + 1]) - int(scheduled_f[i]))
        for i in range(len(ctx.bounds) - 1)
    ]
    if outages.height == 0:
        return result
    planned = pl.col("planned").fill_null(False) if "planned" in outages.columns else pl.lit(False)
    service = pl.col("service").cast(pl.String) if "service" in outages.columns else pl.lit("")
    frame = outages.select(
        pl.col("id").cast(pl.String),
        service.alias("_service"),
        planned.alias("_planned"),
        pl.col("started_at").alias("_s"),
        pl.min_horizontal(pl.col("ended_at").fill_null(as_of), as_of).alias("_e"),
    ).filter(pl.col("_s").is_not_null() & (pl.col("_s") <= as_of) & (pl.col("_e") > pl.col("_s")))

    unplanned = frame.filter(~pl.col("_planned"))
    for pidx, ids in _overlapping_ids(unplanned, periods).items():
        result[pidx].outage_ids = ids
    for pidx, ids in _overlapping_ids(frame.filter(pl.col("_planned")), periods).items():
        result[pidx].planned_excluded_ids = ids

    merged = (
        unplanned.sort("_service", "_s")
        .with_columns(pl.col("_e").cum_max().shift(1).over("_service").alias("_prev"))
        .with_columns(
            (pl.col("_prev").is_null() | (pl.col("_s") > pl.col("_prev"))).cum_sum().alias("_g")
        )
        .group_by("_service", "_g")
        .agg(pl.col("_s").min(), pl.col("_e").max())
    )
    split = (
        merged.join(periods, how="cross")
        .with_columns(
            pl.max_horizontal("_s", "_pstart").alias("_cs"),
            pl.min_horizontal("_e", "_pend").alias("_ce"),
        )
        .filter(pl.col("_ce") > pl.col("_cs"))
        .sort("_pidx", "_cs", "_ce", "_service")
    )
    if split.height == 0:
        return result
    f_start = ctx.clocks.cumulative_us(clock, split["_cs"])
    f_end = ctx.clocks.cumulative_us(clock, split["_ce"])
    split = split.with_columns((f_end - f_start).alias("_down"))
    for pidx, cs, ce, down in split.select("_pidx", "_cs", "_ce", "_down").iter_rows():
        item = result[int(pidx)]
        item.downtime_us += int(down)
        item.intervals.append((cs, ce))
    return result
