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
from rules_engine.model import CheckedPolicy
from rules_engine.schema import STOP_EVENTS

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
    if severity == "error":
        log.dropped_errors += total - len(shown)
    else:
        log.dropped_warnings += total - len(shown)


def _duplicate_ids(frame: pl.DataFrame, file: str, log: IssueLog) -> None:
    if "id" not in frame.columns or not frame["id"].is_duplicated().any():
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
    unknown = frame.filter(
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
    lengths = lists.list.len()
    if not lengths.max():
        return frame
    items = (
        frame.select(
            pl.int_range(pl.len()).alias("__i__"),
            pl.col(ROW).alias("row"),
            pl.col(born).alias("born"),
            (pl.col(dies) if dies else pl.lit(None, dtype=pl.Datetime("us", "UTC"))).alias("dies"),
            "pauses",
            lengths.alias("__n__"),
        )
        .filter(pl.col("__n__") > 0)
        .explode("pauses")
        .unnest("pauses")
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
    # overlaps need the record's other pauses: a window over the few records with several
    single = valid.filter(pl.col("__n__") == 1).with_columns(pl.lit(False).alias("overlap"))
    several = (
        valid.filter(pl.col("__n__") > 1)
        .sort("__i__", "reason", "start")
        .with_columns(
            (pl.col("start") < end_or_far.shift(1).cum_max().over("__i__", "reason"))
            .fill_null(False)
            .alias("overlap")
        )
    )
    flagged = pl.concat([single, several]).sort("__i__", "reason", "start")
    needs = flagged.filter(pl.col("early") | pl.col("late") | pl.col("overlap"))
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
    touched = set(needs["__i__"].to_list()) | set(inverted["__i__"].to_list())
    fixed = (
        flagged.filter(pl.col("__i__").is_in(list(touched)))
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
    dtype = lists.dtype
    index = pl.DataFrame({"__i__": list(touched)}, schema={"__i__": pl.Int64})
    patch = index.join(fixed.with_columns(pl.col("__i__").cast(pl.Int64)), on="__i__", how="left")
    replaced = lists.to_frame().with_row_index("__i__").with_columns(pl.col("__i__").cast(pl.Int64))
    replaced = replaced.join(patch, on="__i__", how="left", maintain_order="left")
    new = replaced.select(
        pl.when(pl.col("__i__").is_in(list(touched)))
        .then(pl.col("fixed").fill_null([]).cast(dtype))
        .otherwise(pl.col("pauses"))
        .alias("pauses")
    ).to_series()
    return frame.with_columns(new)
