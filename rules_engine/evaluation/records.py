"""Per-record measurement over whole columns: periods by anchor, clock time, wall time and
excluded pause time, all in integer microseconds.

A record's clock is its target's clock, else the coverage of its priority tier, else 24x7.
A stop event stamped after as-of has not happened; an open record runs to as-of. Pauses
(from the data, or derived from a status history by the policy) are merged per record,
clipped to ``[start, stop-or-as-of]`` and removed on the record's clock.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

import polars as pl

from rules_engine.evaluation.clocks import Clocks
from rules_engine.evaluation.scope import day_start
from rules_engine.language import model
from rules_engine.language.fieldtypes import dataset_fields
from rules_engine.language.lint import scope_tiers
from rules_engine.present import ClockKind

UTC_US = pl.Datetime("us", "UTC")

MEASURED_COLUMNS = (
    "id",
    "_pidx",
    "clock",
    "open",
    "gross_us",
    "paused_us",
    "measured_us",
    "wall_us",
)
"""The frame every record measure produces (``gross_us``/``paused_us`` null for duration
fields, ``clock`` empty for them)."""


@dataclass(frozen=True)
class RecordContext:
    policy: model.CheckedPolicy
    as_of: dt.datetime
    clocks: Clocks
    bounds: Sequence[dt.datetime]  # period starts, then the end of the last period (UTC)

    @property
    def as_of_lit(self) -> pl.Expr:
        return pl.lit(self.as_of.astimezone(dt.UTC), dtype=UTC_US)


def anchor_instant(df: pl.DataFrame, anchor: str, timezone: str) -> pl.Expr:
    """The anchor as a UTC instant; a date anchor is the start of that local day in the
    policy zone (its midnight, or the first instant after a DST gap at midnight)."""
    if df.schema.get(anchor) == pl.Date:
        return day_start(pl.col(anchor), timezone)
    return pl.col(anchor)


def assign_periods(df: pl.DataFrame, anchor: str, ctx: RecordContext) -> pl.DataFrame:
    """Keep records anchored in ``[first start, last end)`` and at or before as-of; add
    ``_pidx``, the index of the period each belongs to."""
    starts = pl.Series("s", [b.astimezone(dt.UTC) for b in ctx.bounds], dtype=UTC_US)
    at = anchor_instant(df, anchor, ctx.policy.timezone)
    df = df.with_columns(at.alias("_anchor")).filter(
        pl.col("_anchor").is_not_null()
        & (pl.col("_anchor") >= starts[0])
        & (pl.col("_anchor") < starts[-1])
        & (pl.col("_anchor") <= ctx.as_of_lit)
    )
    idx = starts.search_sorted(df["_anchor"], side="right").cast(pl.Int32) - 1
    return df.with_columns(idx.alias("_pidx"))


def clock_column(df: pl.DataFrame, measure: model.Elapsed, policy: model.CheckedPolicy) -> pl.Expr:
    """The clock name per record (C11)."""
    if measure.clock is not None:
        return pl.lit(measure.clock)
    if "priority" in df.columns and policy.tiers:
        mapping = {name: tier.coverage for name, tier in policy.tiers.items()}
        return (
            pl.col("priority")
            .cast(pl.String)
            .replace_strict(mapping, default=model.CLOCK_24X7, return_dtype=pl.String)
        )
    return pl.lit(model.CLOCK_24X7)


def target_clock(target: model.Target, policy: model.CheckedPolicy) -> ClockKind | None:
    """What a target's durations are counted on, for people reading them: ``wall`` when
    every record it can take is on the 24x7 clock, ``business`` when every one is on a
    calendar, ``mixed`` otherwise; ``None`` when the target measures no time."""
    measure = target.measure
    if isinstance(measure, model.Availability):
        names = {measure.clock}
    elif isinstance(measure, model.Elapsed):
        if measure.clock is not None:
            names = {measure.clock}
        elif not _has_priority(target.dataset, policy):
            names = {model.CLOCK_24X7}  # no priority, no tier: every record on 24x7
        else:
            tiers = frozenset(policy.tiers)
            chosen = scope_tiers(target.scope, tiers)
            names = {policy.tiers[name].coverage for name in chosen}
            if not chosen or chosen == tiers:  # a priority outside the tiers is on 24x7
                names.add(model.CLOCK_24X7)
    elif isinstance(measure, model.DurationField):
        names = {model.CLOCK_24X7}
    else:
        return None
    if names == {model.CLOCK_24X7}:
        return "wall"
    return "mixed" if model.CLOCK_24X7 in names else "business"


def _has_priority(dataset: str, policy: model.CheckedPolicy) -> bool:
    declared = policy.datasets.get(dataset)
    extra = {f.name for f in declared.fields} if declared is not None else set()
    return "priority" in (dataset_fields(dataset) or {}) or "priority" in extra


def _on_clocks(
    df: pl.DataFrame, ctx: RecordContext, columns: Sequence[str], business_days: bool = False
) -> pl.DataFrame:
    """Add ``F_<col>`` (cumulative open µs on each row's clock) for each column; with
    ``business_days``, ``D`` instead (business days, ``BD_US`` per day)."""
    if df.height == 0:
        return df.with_columns(pl.lit(None, dtype=pl.Int64).alias(f"F_{c}") for c in columns)
    cumulative = ctx.clocks.cumulative_bd if business_days else ctx.clocks.cumulative_us
    parts = []
    for key, part in df.partition_by("_clock", as_dict=True, maintain_order=True).items():
        name = str(key[0])
        parts.append(part.with_columns(cumulative(name, part[c]).alias(f"F_{c}") for c in columns))
    return pl.concat(parts, how="vertical") if len(parts) > 1 else parts[0]


_CARRIED = ("_row", "_start", "_end", "_clock")
"""Record columns each pause interval carries along (instead of a join back)."""


def pause_intervals(
    df: pl.DataFrame,
    carried: Sequence[str],
    policy: model.CheckedPolicy,
    dataset: str,
    exclude: model.Elapsed | None = None,
) -> pl.DataFrame | None:
    """Raw pause intervals ``(*carried, ps, pe, reason)`` of each record: from the data's
    ``pauses`` and from status history under the policy's ``pause`` rules, kept to the
    reasons ``exclude`` (the measure) names. ``carried[0]`` identifies the record. The
    evaluator and the escalation ladder both take their pauses from here."""
    key = carried[0]
    frames: list[pl.DataFrame] = []
    if "pauses" in df.columns:
        exploded = (
            df.select(*carried, "pauses")
            .filter(pl.col("pauses").list.len() > 0)
            .explode("pauses")
            .filter(pl.col("pauses").is_not_null())
            .unnest("pauses")
        )
        if exploded.height:
            frames.append(
                exploded.select(
                    *carried,
                    pl.col("start").cast(UTC_US).alias("ps"),
                    pl.col("end").cast(UTC_US).alias("pe"),
                    pl.col("reason").cast(pl.String).fill_null("customer"),
                )
            )
    rules = [r for r in policy.pauses if r.dataset == dataset]
    if rules and "status_history" in df.columns:
        history = (
            df.select(*carried, "status_history")
            .filter(pl.col("status_history").list.len() > 0)
            .explode("status_history")
            .filter(pl.col("status_history").is_not_null())
            .unnest("status_history")
            .filter(pl.col("at").is_not_null())
            .sort(key, "at")
            .with_columns(pl.col("at").shift(-1).over(key).alias("_next"))
        )
        for rule in rules:
            frames.append(
                history.filter(pl.col("status").is_in(list(rule.statuses))).select(
                    *carried,
                    pl.col("at").cast(UTC_US).alias("ps"),
                    pl.col("_next").cast(UTC_US).alias("pe"),
                    pl.lit(rule.reason).alias("reason"),
                )
            )
    if not frames:
        return None
    out = pl.concat(frames, how="vertical")
    excluded = exclude.exclude_pauses if exclude is not None else None
    if isinstance(excluded, tuple):
        out = out.filter(pl.col("reason").is_in(list(excluded)))
    return out


def _paused_us(
    df: pl.DataFrame,
    measure: model.Elapsed,
    dataset: str,
    ctx: RecordContext,
    business_days: bool = False,
) -> pl.DataFrame | None:
    """Excluded pause time per ``_row`` on the row's clock: merged, clipped, then F(b)-F(a)."""
    if measure.exclude_pauses is None:
        return None
    raw = pause_intervals(df, _CARRIED, ctx.policy, dataset, measure)
    if raw is None or raw.height == 0:
        return None
    clipped = (
        raw.with_columns(
            pl.max_horizontal("ps", "_start").alias("ps"),
            pl.min_horizontal(pl.col("pe").fill_null(pl.col("_end")), "_end").alias("pe"),
        )
        .filter(pl.col("ps").is_not_null() & (pl.col("pe") > pl.col("ps")))
        .sort("_row", "ps")
    )
    # In start order, what a pause adds to its record's merged pauses is the part after
    # the latest end before it: [max(ps, latest end so far), pe). The pieces tile each
    # merged interval, so their clock times (F(b) - F(a)) sum to the merged total.
    pieces = (
        clipped.with_columns(_max_before(clipped, "pe", "_row").alias("_prev_end"))
        .with_columns(pl.max_horizontal("ps", "_prev_end").alias("ps"))
        .filter(pl.col("pe") > pl.col("ps"))
        .select("_row", "ps", "pe", "_clock")
    )
    timed = _on_clocks(pieces, ctx, ["ps", "pe"], business_days)
    return timed.group_by("_row").agg((pl.col("F_pe") - pl.col("F_ps")).sum().alias("paused_us"))


def _max_before(frame: pl.DataFrame, value: str, group: str) -> pl.Series:
    """Per row, the largest ``value`` of the earlier rows of its group (null for the
    first), in a frame sorted by ``group``.

    A running maximum per group as a window (``cum_max().over(group)``) costs seconds
    for a million small groups; this doubles the reach of a shifted maximum instead
    (after the steps 1, 2, 4, ... a row has seen the ``2**k`` rows before it, stopping
    at its group's start), so it takes log2(largest group) vectorized steps.
    """
    if frame.height == 0:
        return pl.Series(value, [], frame.schema[value])
    longest = frame.select(pl.col(group).rle().struct.field("len").max()).item()
    keys = pl.col(group)
    reach = pl.col(value)  # the max over the row itself and the rows before it, so far
    out = frame.select(reach.alias("_m"), keys)
    step = 1
    while step < longest:
        out = out.with_columns(
            pl.when(keys.shift(step) == keys)
            .then(pl.max_horizontal(pl.col("_m"), pl.col("_m").shift(step)))
            .otherwise(pl.col("_m"))
            .alias("_m")
        )
        step *= 2
    return out.select(
        pl.when(keys.shift(1) == keys).then(pl.col("_m").shift(1)).otherwise(None).alias(value)
    ).to_series()


def measure_elapsed(
    df: pl.DataFrame,
    measure: model.Elapsed,
    dataset: str,
    ctx: RecordContext,
    business_days: bool = False,
) -> pl.DataFrame:
    """Clock time from ``measure.start`` to ``measure.stop`` per record (see module doc);
    with ``business_days``, ``gross_us``, ``paused_us`` and ``measured_us`` are business
    days ``D(b) - D(a)`` on the ``BD_US`` scale instead (``wall_us`` stays real time)."""
    as_of = ctx.as_of_lit
    stop = pl.col(measure.stop)
    base = (
        df.with_row_index("_row")
        .with_columns(
            pl.col(measure.start).alias("_start"),
            pl.when(stop <= as_of).then(stop).otherwise(None).alias("_stop"),
            clock_column(df, measure, ctx.policy).alias("_clock"),
        )
        .filter(pl.col("_start").is_not_null() & (pl.col("_start") <= as_of))
        .with_columns(
            pl.max_horizontal(pl.col("_stop").fill_null(as_of), "_start").alias("_end"),
        )
    )
    timed = _on_clocks(base, ctx, ["_start", "_end"], business_days)
    paused = _paused_us(timed, measure, dataset, ctx, business_days)
    if paused is not None:
        timed = timed.join(paused, on="_row", how="left")
    else:
        timed = timed.with_columns(pl.lit(None, dtype=pl.Int64).alias("paused_us"))
    gross = pl.col("F__end") - pl.col("F__start")
    return timed.select(
        pl.col("id").cast(pl.String),
        "_pidx",
        pl.col("_clock").alias("clock"),
        pl.col("_stop").is_null().alias("open"),
        gross.alias("gross_us"),
        pl.col("paused_us").fill_null(0),
        (gross - pl.col("paused_us").fill_null(0)).alias("measured_us"),
        (pl.col("_end") - pl.col("_start")).dt.total_microseconds().alias("wall_us"),
    )


def measure_duration_field(df: pl.DataFrame, measure: model.DurationField) -> pl.DataFrame:
    """A duration column of the data; a missing value is a record still open."""
    value = pl.col(measure.field).dt.total_microseconds()
    return df.select(
        pl.col("id").cast(pl.String),
        "_pidx",
        pl.lit("").alias("clock"),
        pl.col(measure.field).is_null().alias("open"),
        pl.lit(None, dtype=pl.Int64).alias("gross_us"),
        pl.lit(None, dtype=pl.Int64).alias("paused_us"),
        value.cast(pl.Int64).alias("measured_us"),
        pl.lit(None, dtype=pl.Int64).alias("wall_us"),
    ).filter(pl.col("measured_us").is_not_null())
