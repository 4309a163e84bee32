"""Checks across fields and records, vectorized: duplicate ids, stop before start,
pauses that end before they start, overlap or fall outside their record, and
timestamps absurdly far from now. Pauses are repaired (merged, clipped) with a warning;
everything that could change a verdict silently is an error.
"""

from __future__ import annotations

import datetime as dt
import difflib

import polars as pl

from rules_engine.data.dtypes import DatasetSpec
from rules_engine.data.formats import ROW
from rules_engine.data.issues import IssueLog, show_value
from rules_engine.data.schema import STOP_EVENTS
from rules_engine.language.model import CheckedPolicy

EARLIEST = dt.datetime(1990, 1, 1, tzinfo=dt.UTC)
LATEST = dt.datetime(2100, 1, 1, tzinfo=dt.UTC)

ORDERED: dict[str, tuple[tuple[str, str], ...]] = {
    "tickets": (
        ("created_at", "first_response_at"),
        ("created_at", "resolved_at"),
        ("created_at", "onsite_arrival_at"),
    ),
    "outages": (("started_at", "ended_at"),),
    "maintenance": (("start", "end"),),
    "vulnerabilities": (("published_at", "remediated_at"),),
    "security_incidents": (("occurred_at", "detected_at"), ("occurred_at", "contained_at")),
    "exclusions": (("start", "end"),),
}
"""Pairs of timestamps where the second may not come before the first."""

LIFETIME: dict[str, tuple[str, str | None]] = {
    "tickets": ("created_at", STOP_EVENTS["tickets"][0]),
}
"""The fields bounding a record's life, to clip its pauses to."""


def check_table(
    frame: pl.DataFrame, spec: DatasetSpec, file: str, policy: CheckedPolicy | None, log: IssueLog
) -> pl.DataFrame:
    """Run every check on a typed table; returns it with pauses repaired."""
    _duplicate_ids(frame, file, log)
    for start, stop in ORDERED.get(spec.name, ()):
        if start in frame.columns and stop in frame.columns:
            _stop_before_start(frame, start, stop, file, log)
    _absurd_times(frame, spec, file, log)
    if policy is not None and spec.name == "tickets" and policy.tiers:
        _unknown_priorities(frame, tuple(policy.tiers), file, log)
    if "pauses" in frame.columns and spec.name in LIFETIME:
        frame = repair_pauses(frame, file, log, *LIFETIME[spec.name])
    return frame


def _emit(
    log: IssueLog,
    file: str,
    picked: pl.DataFrame,
    total: int,
    field: str,
    message: str,
    hint: str | None,
    severity: str = "error",
) -> None:
    """One issue per row of ``picked`` (columns row, value, then optional detail)."""
    room = max(0, log.max_errors - (log.errors if severity == "error" else log.warnings))
    shown = picked.head(room)
    for record in shown.iter_rows(named=True):
        text = message.format(**record)
        value = record.get("value")
        if severity == "error":
            log.error(
                file,
                text,
                row=record["row"],
                field=field,
                shown=None if value is None else show_value(value),
                hint=hint,
            )
        else:
            log.warning(file, text, row=record["row"], field=field, value=value, hint=hint)
    if severity != "error":
        log.kinds[(file, field, message)] += total
    if severity == "error":
        log.dropped_errors += total - len(shown)
    else:
        log.dropped_warnings += total - len(shown)


def _duplicate_ids(frame: pl.DataFrame, file: str, log: IssueLog) -> None:
    if "id" not in frame.columns or _distinct(frame["id"]):
        return
    dup = frame.select(
        pl.col(ROW).alias("row"),
        pl.col("id").alias("value"),
        pl.col(ROW).first().over("id").alias("first"),
    ).filter((pl.col("row") != pl.col("first")) & pl.col("value").is_not_null())
    if len(dup):
        _emit(
            log,
            file,
            dup,
            len(dup),
            "id",
            "duplicate id, first used at row {first}",
            "ids identify records in verdicts; make them unique",
        )


def _distinct(ids: pl.Series) -> bool:
    """Whether the non-null ids are all different. Exports often come sorted by id, and
    strictly increasing values cannot repeat: one vectorized comparison instead of a
    hash table of every id. Otherwise, count distinct values (on one chunk, which Polars
    counts several times faster than the per-row-group chunks of a Parquet file)."""
    values = ids.drop_nulls() if ids.null_count() else ids
    if len(values) < 2:
        return True
    if (values.slice(1) > values.slice(0, len(values) - 1)).all():
        return True
    return values.rechunk().n_unique() == len(values)


def _stop_before_start(
    frame: pl.DataFrame, start: str, stop: str, file: str, log: IssueLog
) -> None:
    bad = frame.select(ROW, start, stop).filter(pl.col(stop) < pl.col(start))
    if len(bad):
        picked = bad.select(
            pl.col(ROW).alias("row"), _iso(stop).alias("value"), _iso(start).alias("at")
        )
        _emit(
            log,
            file,
            picked,
            len(bad),
            stop,
            f"`{stop}` is before `{start}` ({{at}})",
            "a stop event cannot precede its start; check the offsets",
        )


def _iso(name: str) -> pl.Expr:
    return pl.col(name).dt.to_string("%Y-%m-%dT%H:%M:%SZ")


def _absurd_times(frame: pl.DataFrame, spec: DatasetSpec, file: str, log: IssueLog) -> None:
    for column in spec.columns:
        if column.kind != "timestamp" or column.name not in frame.columns:
            continue
        col = pl.col(column.name)
        low, high = frame.select(col.min().alias("lo"), col.max().alias("hi")).row(0)
        if low is None or (low >= EARLIEST and high < LATEST):
            continue
        bad = frame.select(ROW, column.name).filter((col < EARLIEST) | (col >= LATEST))
        if len(bad):
            picked = bad.select(pl.col(ROW).alias("row"), _iso(column.name).alias("value"))
            _emit(
                log,
                file,
                picked,
                len(bad),
                column.name,
                "timestamp before 1990 or after 2099 is probably wrong",
                None,
                "warning",
            )


def _unknown_priorities(
    frame: pl.DataFrame, tiers: tuple[str, ...], file: str, log: IssueLog
) -> None:
    """A priority that is a tier's name in other letter case would silently match no
    target: an error. A priority no tier has is only a warning (no target covers it)."""
    if "priority" not in frame.columns:
        return
    unknown = frame.select(ROW, "priority").filter(
        ~pl.col("priority").is_in(list(tiers)) & pl.col("priority").is_not_null()
    )
    if not len(unknown):
        return
    lower = {t.lower(): t for t in tiers}
    for value in unknown["priority"].unique(maintain_order=True).to_list():
        rows = unknown.filter(pl.col("priority") == value)
        picked = rows.select(pl.col(ROW).alias("row"), pl.col("priority").alias("value"))
        if value.lower() in lower:
            _emit(
                log,
                file,
                picked,
                len(picked),
                "priority",
                f"priority is not a tier name: the policy has `{lower[value.lower()]}`",
                "tier names are case-sensitive",
            )
        else:
            close = difflib.get_close_matches(value, tiers, n=1)
            hint = f"did you mean `{close[0]}`?" if close else f"the tiers are {', '.join(tiers)}"
            log.warning(
                file,
                f"{len(picked)} records have priority `{value}`, which no tier names; no coverage clock or tier target applies",
                row=int(picked["row"][0]),
                field="priority",
                value=value,
                hint=hint,
            )


# ----------------------------------------------------------------------------- pauses

_FAR = dt.datetime(9999, 1, 1, tzinfo=dt.UTC)


def repair_pauses(
    frame: pl.DataFrame, file: str, log: IssueLog, born: str, dies: str | None
) -> pl.DataFrame:
    """Errors for pauses that end before they start; overlapping pauses of the same
    reason merged and pauses clipped to ``[born, dies]``, each with a warning.

    Pauses of different reasons may overlap: a target may exclude only one reason, so
    merging across reasons would lose time. A running pause (no end) stays running.
    """
    lists = frame["pauses"]
    if not lists.list.len().max():
        return frame
    items = (
        frame.lazy()
        .select(
            pl.int_range(pl.len(), dtype=pl.Int64).alias("__i__"),
            pl.col(ROW).alias("row"),
            pl.col(born).alias("born"),
            (pl.col(dies) if dies else pl.lit(None, dtype=pl.Datetime("us", "UTC"))).alias("dies"),
            "pauses",
            pl.col("pauses").list.len().alias("__n__"),
        )
        .filter(pl.col("__n__") > 0)
        .explode("pauses")
        .unnest("pauses")
        .collect()
    )
    inverted = items.filter(pl.col("end") < pl.col("start"))
    if len(inverted):
        _emit(
            log,
            file,
            inverted.select(
                "row",
                pl.col("end").dt.to_string("%Y-%m-%dT%H:%M:%SZ").alias("value"),
                pl.col("start").dt.to_string("%Y-%m-%dT%H:%M:%SZ").alias("at"),
            ),
            len(inverted),
            "pauses",
            "a pause ends before it starts ({at})",
            "swap start and end, or drop the pause",
        )
    end_or_far = pl.col("end").fill_null(_FAR)
    valid = items.filter(
        pl.col("start").is_not_null() & ~(pl.col("end") < pl.col("start")).fill_null(False)
    ).with_columns(
        (pl.col("start") < pl.col("born")).fill_null(False).alias("early"),
        (pl.col("dies").is_not_null() & (end_or_far > pl.col("dies"))).alias("late"),
    )
    del items
    # Overlaps need the record's other pauses: only the records with several, sorted by
    # (record, reason, start, end descending). Two pauses of a reason overlap when one
    # starts at or after the other's start and before its end; in this order that is a
    # pause starting before the latest end so far in its group (among equal starts the
    # longest comes first). The first such pause of a group starts before the end of the
    # pause just before it: until then each pause starts at or after every earlier end
    # and ends no earlier than it starts, so the latest end so far is the previous one's.
    # Comparing neighbours thus flags exactly the groups, with the same first pause, that
    # a running maximum would, without a window per group (seconds for 10M tickets).
    same_group = pl.col("__i__").eq_missing(pl.col("__i__").shift(1)) & pl.col("reason").eq_missing(
        pl.col("reason").shift(1)
    )
    several = (
        valid.filter(pl.col("__n__") > 1)
        .sort(["__i__", "reason", "start", end_or_far], descending=[False, False, False, True])
        .with_columns((same_group & (pl.col("start") < end_or_far.shift(1))).alias("overlap"))
        .filter(pl.col("early") | pl.col("late") | pl.col("overlap"))
    )
    single = valid.filter((pl.col("__n__") == 1) & (pl.col("early") | pl.col("late"))).with_columns(
        pl.lit(False).alias("overlap")
    )
    needs = pl.concat([single, several]).sort("__i__", "reason", "start")
    if not len(needs) and not len(inverted):
        return frame
    for flag, text in (
        ("overlap", "overlapping pauses with the same reason were merged"),
        ("early", "a pause starting before the record was created was clipped"),
        ("late", "a pause running past the record's stop event was clipped"),
    ):
        hit = needs.filter(pl.col(flag)).unique("__i__", keep="first", maintain_order=True)
        if len(hit):
            _emit(
                log,
                file,
                hit.select(
                    "row", pl.col("start").dt.to_string("%Y-%m-%dT%H:%M:%SZ").alias("value")
                ),
                len(hit),
                "pauses",
                text,
                None,
                "warning",
            )
    touched = pl.concat([needs["__i__"], inverted["__i__"]]).unique().sort()
    fixed = (
        valid.filter(pl.col("__i__").is_in(touched.implode()))
        .sort("__i__", "reason", "start")
        .with_columns(
            pl.max_horizontal("start", "born").alias("start"),
            pl.when(pl.col("dies").is_not_null() & (end_or_far > pl.col("dies")))
            .then(pl.col("dies"))
            .otherwise(pl.col("end"))
            .alias("end"),
        )
        .filter(pl.col("end").is_null() | (pl.col("end") > pl.col("start")))
        .with_columns(
            (
                pl.col("start")
                > pl.col("end").fill_null(_FAR).shift(1).cum_max().over("__i__", "reason")
            )
            .fill_null(True)
            .cum_sum()
            .over("__i__", "reason")
            .alias("block")
        )
        .group_by("__i__", "reason", "block", maintain_order=True)
        .agg(
            pl.col("start").min(),
            pl.when(pl.col("end").is_null().any())
            .then(None)
            .otherwise(pl.col("end").max())
            .alias("end"),
        )
        .sort("__i__", "start")
        .group_by("__i__", maintain_order=True)
        .agg(pl.struct("start", "end", "reason").alias("fixed"))
    )
    # Every touched record gets its repaired list (empty when no pause survives): the
    # repaired lists go after the originals and a gather puts each in its record's place.
    patch = (
        touched.to_frame()
        .join(fixed, on="__i__", how="left", maintain_order="left")["fixed"]
        .fill_null([])
        .cast(lists.dtype)
    )
    where = pl.int_range(0, len(lists), dtype=pl.Int64, eager=True).scatter(
        touched, pl.int_range(len(lists), len(lists) + len(touched), dtype=pl.Int64, eager=True)
    )
    return frame.with_columns(pl.concat([lists, patch.alias(lists.name)]).gather(where))
