"""Availability: downtime against the whole period's scheduled time on the target's clock.

Planned time is dropped first (DESIGN "Maintenance"): planned outages, and the outage
time inside a window of the ``maintenance`` dataset for the same service (a window with
no service covers every service). Under a policy's ``maintenance`` rule, planned time
announced less than the notice before it starts (or not announced) counts as downtime,
and so does the planned time beyond the limit in a period, taken in time order on the
target's clock. What remains unplanned is merged per service; an outage with no end (or
ending after as-of) runs to as-of; outage time is split across the periods it overlaps.
Scheduled time is the whole period, also while it runs (C17).

An approved exclusion window in the middle of an outage leaves one record with a gap
(the ``EXCLUDED`` column, written by :mod:`rules_engine.evaluation.exclusions`), never two
records of the same outage; the gap is cut out here.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Literal

import polars as pl

from rules_engine.evaluation.records import UTC_US, RecordContext
from rules_engine.language import model

EXCLUDED = "__excluded__"
"""An outage's approved exclusion windows inside it: a list of ``{start, end}``."""

PlannedReason = Literal["no notice", "late notice", "over limit"]


@dataclass(frozen=True)
class PlannedTime:
    """One stretch of planned time in a period: outage time inside a maintenance window
    (``source`` "window", ``id`` the window's) or a planned outage (``source`` "outage").
    ``planned_us`` is its length on the target's clock; ``downtime_us`` the part of it
    counted as downtime, for ``reason`` (None: all of it stayed planned)."""

    source: Literal["window", "outage"]
    id: str
    outage_id: str
    start: dt.datetime
    end: dt.datetime
    planned_us: int
    downtime_us: int
    reason: PlannedReason | None


@dataclass
class PeriodDowntime:
    """The availability facts of one period, in microseconds."""

    scheduled_us: int
    downtime_us: int = 0
    outage_ids: list[str] = field(default_factory=list)
    planned_excluded_ids: list[str] = field(default_factory=list)
    intervals: list[tuple[dt.datetime, dt.datetime]] = field(default_factory=list)
    planned: list[PlannedTime] = field(default_factory=list)
    limit_us: int | None = None  # the policy's maintenance limit, when it has one
    limit_used_us: int = 0  # planned time on time that the limit allowed


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
        .agg(pl.col("id").cast(pl.String).unique().sort())
    )
    return {int(p): list(ids) for p, ids in hits.iter_rows()}


def _subtract(frame: pl.DataFrame, cuts: pl.DataFrame) -> pl.DataFrame:
    """``frame`` (one interval ``[_s, _e)`` per ``_row``) minus the intervals ``[_cs, _ce)``
    of ``cuts`` with the same ``_row``: a row per piece left, other columns kept, renumbered."""
    if cuts.height > 0:
        clipped = (
            cuts.join(frame.select("_row", "_s", "_e"), on="_row")
            .with_columns(
                pl.max_horizontal("_cs", "_s").alias("_cs"),
                pl.min_horizontal("_ce", "_e").alias("_ce"),
            )
            .filter(pl.col("_ce") > pl.col("_cs"))
        )
        merged = (
            clipped.sort("_row", "_cs")
            .with_columns(pl.col("_ce").cum_max().shift(1).over("_row").alias("_prev"))
            .with_columns(
                (pl.col("_prev").is_null() | (pl.col("_cs") > pl.col("_prev")))
                .cum_sum()
                .alias("_g")
            )
            .group_by("_row", "_g")
            .agg(pl.col("_cs").min(), pl.col("_ce").max(), pl.col("_s").first())
            .sort("_row", "_cs")
        )
        before = merged.select(
            "_row",
            pl.col("_ce").shift(1).over("_row").fill_null(pl.col("_s")).alias("_s"),
            pl.col("_cs").alias("_e"),
        )
        after = (
            merged.group_by("_row")
            .agg(pl.col("_ce").max().alias("_s"))
            .join(frame.select("_row", "_e"), on="_row")
        )
        pieces = pl.concat([before, after.select("_row", "_s", "_e")]).filter(
            pl.col("_e") > pl.col("_s")
        )
        touched = merged["_row"].unique().implode()
        frame = pl.concat(
            [
                frame.filter(~pl.col("_row").is_in(touched)),
                pieces.join(frame.drop("_s", "_e"), on="_row").select(frame.columns),
            ]
        )
    return frame.sort("_row", "_s").drop("_row").with_row_index("_row")


def _excluded_cuts(frame: pl.DataFrame) -> pl.DataFrame:
    empty = pl.DataFrame(schema={"_row": pl.UInt32, "_cs": UTC_US, "_ce": UTC_US})
    if EXCLUDED not in frame.columns:
        return empty
    cuts = frame.select("_row", EXCLUDED).explode(EXCLUDED).drop_nulls(EXCLUDED)
    if cuts.height == 0:
        return empty
    return cuts.unnest(EXCLUDED).select(
        "_row", pl.col("start").alias("_cs"), pl.col("end").alias("_ce")
    )


def _window_frame(windows: pl.DataFrame | None, as_of: pl.Expr) -> pl.DataFrame:
    """The maintenance windows, typed; an announcement after as-of has not happened yet."""
    schema: dict[str, pl.DataType] = {
        "_wid": pl.String(),
        "_wservice": pl.String(),
        "_ws": UTC_US,
        "_we": UTC_US,
        "_wann": UTC_US,
    }
    if windows is None or windows.height == 0 or "start" not in windows.columns:
        return pl.DataFrame(schema=schema)

    def column(name: str, dtype: pl.DataType) -> pl.Expr:
        return pl.col(name).cast(dtype) if name in windows.columns else pl.lit(None, dtype)

    return windows.select(
        column("id", pl.String()).alias("_wid"),
        column("service", pl.String()).alias("_wservice"),
        pl.col("start").alias("_ws"),
        pl.col("end").alias("_we"),
        column("announced_at", UTC_US).alias("_wann"),
    ).with_columns(
        pl.when(pl.col("_wann") <= as_of).then(pl.col("_wann")).otherwise(None).alias("_wann")
    )


def _in_windows(unplanned: pl.DataFrame, windows: pl.DataFrame) -> pl.DataFrame:
    """The parts of unplanned outage pieces inside maintenance windows of their service,
    each instant given to the earliest window holding it."""
    pieces = unplanned.select("_row", "id", "_service", "_s", "_e")
    if pieces.height == 0 or windows.height == 0:
        both = pieces.join(windows, how="cross")
    else:
        # an interval join (sort-based), then the service: never outages x windows
        both = pieces.join_where(
            windows, pl.col("_s") < pl.col("_we"), pl.col("_e") > pl.col("_ws")
        ).filter(pl.col("_wservice").is_null() | (pl.col("_wservice") == pl.col("_service")))
    return (
        both.with_columns(
            pl.max_horizontal("_s", "_ws").alias("_is"),
            pl.min_horizontal("_e", "_we").alias("_ie"),
        )
        .filter(pl.col("_ie") > pl.col("_is"))
        .sort("_row", "_is", "_ws", "_wid")
        .with_columns(pl.col("_ie").cum_max().shift(1).over("_row").alias("_prev"))
        .with_columns(
            pl.max_horizontal("_is", pl.col("_prev").fill_null(pl.col("_is"))).alias("_is")
        )
        .filter(pl.col("_ie") > pl.col("_is"))
        .drop("_prev")
    )


def _planned_items(
    planned_outages: pl.DataFrame, in_windows: pl.DataFrame, rule: model.MaintenanceRule | None
) -> pl.DataFrame:
    """Every stretch of planned time (``_is``..``_ie``), with its item, its start (for
    the notice) and whether the notice rule makes it downtime. Without a maintenance
    rule a planned outage can never count, and is listed by id alone (as it always was,
    in ``planned_excluded_ids``); windows are always listed."""
    if rule is None:
        planned_outages = planned_outages.head(0)
    outages = planned_outages.select(
        pl.lit("outage").alias("_source"),
        pl.col("id").alias("_item"),
        pl.col("id").alias("_outage"),
        "_service",
        pl.col("_s0").alias("_start"),
        "_ann",
        pl.col("_s").alias("_is"),
        pl.col("_e").alias("_ie"),
    )
    windows = in_windows.select(
        pl.lit("window").alias("_source"),
        pl.col("_wid").alias("_item"),
        pl.col("id").alias("_outage"),
        "_service",
        pl.col("_ws").alias("_start"),
        pl.col("_wann").alias("_ann"),
        "_is",
        "_ie",
    )
    items = pl.concat([outages, windows])
    notice = rule.notice_s if rule is not None else None
    if notice is None:
        reason = pl.lit(None, pl.String)
    else:
        reason = (
            pl.when(pl.col("_ann").is_null())
            .then(pl.lit("no notice"))
            .when((pl.col("_start") - pl.col("_ann")) < pl.duration(seconds=notice))
            .then(pl.lit("late notice"))
            .otherwise(None)
        )
    # planned time of one service is counted once, in time order (two overlapping items
    # do not use the limit twice)
    return (
        items.with_columns(reason.alias("_reason"))
        .sort("_service", "_is", "_source", "_item", "_outage")
        .with_columns(pl.col("_ie").cum_max().shift(1).over("_service").alias("_prev"))
        .with_columns(
            pl.max_horizontal("_is", pl.col("_prev").fill_null(pl.col("_is"))).alias("_is")
        )
        .filter(pl.col("_ie") > pl.col("_is"))
        .drop("_prev")
    )


def _apply_limit(
    split: pl.DataFrame, clock: str, ctx: RecordContext, limit_us: int | None
) -> pl.DataFrame:
    """Per period, the on-time planned time beyond ``limit_us`` in time order becomes
    downtime: ``_over`` (µs on the clock) and ``_ds`` (where the downtime part starts)."""
    ordered = split.sort("_pidx", "_cs", "_service", "_item", "_outage")
    on_time = pl.col("_reason").is_null()
    ordered = ordered.with_columns(
        pl.when(on_time).then(pl.col("_d")).otherwise(0).cum_sum().over("_pidx").alias("_cum")
    )
    if limit_us is None:
        over = pl.when(on_time).then(0).otherwise(pl.col("_d"))
    else:
        beyond = pl.min_horizontal(pl.col("_d"), pl.max_horizontal(pl.col("_cum") - limit_us, 0))
        over = pl.when(on_time).then(beyond).otherwise(pl.col("_d"))
    ordered = ordered.with_columns(over.cast(pl.Int64).alias("_over"))
    used = (ordered["_d"] - ordered["_over"]).cast(pl.Int64)
    starts = ctx.clocks.add_open_time(clock, ordered["_cs"], used)
    return ordered.with_columns(
        starts.alias("_ds"),
        pl.when(on_time & (pl.col("_over") > 0))
        .then(pl.lit("over limit"))
        .otherwise(pl.col("_reason"))
        .alias("_reason"),
    )


def downtime_by_period(
    outages: pl.DataFrame,
    clock: str,
    ctx: RecordContext,
    windows: pl.DataFrame | None = None,
    rule: model.MaintenanceRule | None = None,
) -> list[PeriodDowntime]:
    """One :class:`PeriodDowntime` per period of ``ctx.bounds``; ``outages`` is in scope,
    ``windows`` the ``maintenance`` dataset, ``rule`` the policy's ``maintenance`` line."""
    as_of = ctx.as_of_lit
    periods = _periods_frame(ctx)
    scheduled_f = ctx.clocks.cumulative_us(
        clock, pl.Series([b.astimezone(dt.UTC) for b in ctx.bounds], dtype=UTC_US)
    ).to_list()
    limit_us = rule.limit_s * 1_000_000 if rule is not None and rule.limit_s is not None else None
    result = [
        PeriodDowntime(
            scheduled_us=int(scheduled_f[i + 1]) - int(scheduled_f[i]), limit_us=limit_us
        )
        for i in range(len(ctx.bounds) - 1)
    ]
    if outages.height == 0:
        return result
    planned = pl.col("planned").fill_null(False) if "planned" in outages.columns else pl.lit(False)
    service = pl.col("service").cast(pl.String) if "service" in outages.columns else pl.lit("")
    announced = (
        pl.when(pl.col("announced_at") <= as_of).then(pl.col("announced_at")).otherwise(None)
        if "announced_at" in outages.columns
        else pl.lit(None, UTC_US)
    )
    kept = [EXCLUDED] if EXCLUDED in outages.columns else []
    frame = (
        outages.select(
            pl.col("id").cast(pl.String),
            service.alias("_service"),
            planned.alias("_planned"),
            announced.cast(UTC_US).alias("_ann"),
            pl.col("started_at").alias("_s0"),
            pl.col("started_at").alias("_s"),
            pl.min_horizontal(pl.col("ended_at").fill_null(as_of), as_of).alias("_e"),
            *kept,
        )
        .filter(
            pl.col("_s").is_not_null() & (pl.col("_s") <= as_of) & (pl.col("_e") > pl.col("_s"))
        )
        .with_row_index("_row")
    )
    pieces = _subtract(frame, _excluded_cuts(frame))
    if EXCLUDED in pieces.columns:
        pieces = pieces.drop(EXCLUDED)

    unplanned = pieces.filter(~pl.col("_planned"))
    planned_outages = pieces.filter(pl.col("_planned"))
    for pidx, ids in _overlapping_ids(unplanned, periods).items():
        result[pidx].outage_ids = ids
    for pidx, ids in _overlapping_ids(planned_outages, periods).items():
        result[pidx].planned_excluded_ids = ids

    inside = _in_windows(unplanned, _window_frame(windows, as_of))
    unplanned = _subtract(
        unplanned, inside.select("_row", pl.col("_is").alias("_cs"), pl.col("_ie").alias("_ce"))
    )
    items = _planned_items(planned_outages, inside, rule)
    split = (
        items.join(periods, how="cross")
        .with_columns(
            pl.max_horizontal("_is", "_pstart").alias("_cs"),
            pl.min_horizontal("_ie", "_pend").alias("_ce"),
        )
        .filter(pl.col("_ce") > pl.col("_cs"))
    )
    down_parts = [unplanned.select("_service", "_s", "_e")]
    if split.height > 0:
        split = split.with_columns(
            (
                ctx.clocks.cumulative_us(clock, split["_ce"])
                - ctx.clocks.cumulative_us(clock, split["_cs"])
            ).alias("_d")
        )
        split = _apply_limit(split, clock, ctx, limit_us)
        columns = ("_pidx", "_source", "_item", "_outage", "_cs", "_ce", "_d", "_over", "_reason")
        for pidx, source, item_id, outage_id, cs, ce, d, over, reason in split.select(
            columns
        ).iter_rows():
            item = result[int(pidx)]
            item.planned.append(
                PlannedTime(source, item_id, outage_id, cs, ce, int(d), int(over), reason)
            )
            if reason in (None, "over limit"):  # on time: the limit took a part
                item.limit_used_us += int(d) - int(over)
        down_parts.append(
            split.filter(pl.col("_over") > 0).select(
                "_service", pl.col("_ds").alias("_s"), pl.col("_ce").alias("_e")
            )
        )
    down = pl.concat(down_parts).filter(pl.col("_e") > pl.col("_s"))

    merged = (
        down.sort("_service", "_s")
        .with_columns(pl.col("_e").cum_max().shift(1).over("_service").alias("_prev"))
        .with_columns(
            (pl.col("_prev").is_null() | (pl.col("_s") > pl.col("_prev"))).cum_sum().alias("_g")
        )
        .group_by("_service", "_g")
        .agg(pl.col("_s").min(), pl.col("_e").max())
    )
    split_down = (
        merged.join(periods, how="cross")
        .with_columns(
            pl.max_horizontal("_s", "_pstart").alias("_cs"),
            pl.min_horizontal("_e", "_pend").alias("_ce"),
        )
        .filter(pl.col("_ce") > pl.col("_cs"))
        .sort("_pidx", "_cs", "_ce", "_service")
    )
    if split_down.height == 0:
        return result
    f_start = ctx.clocks.cumulative_us(clock, split_down["_cs"])
    f_end = ctx.clocks.cumulative_us(clock, split_down["_ce"])
    split_down = split_down.with_columns((f_end - f_start).alias("_down"))
    for pidx, cs, ce, down_us in split_down.select("_pidx", "_cs", "_ce", "_down").iter_rows():
        item = result[int(pidx)]
        item.downtime_us += int(down_us)
        item.intervals.append((cs, ce))
    return result
