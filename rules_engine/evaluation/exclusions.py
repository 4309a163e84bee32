"""The exclusions ledger (DESIGN "Exclusions"): approved entries remove records or time,
unapproved ones are *disputed* and evaluated both ways.

An entry of the ``exclusions`` dataset names either

- a ``record_id``: that record is removed from every dataset holding the id (a ticket,
  a vulnerability, an outage, ...); an id no dataset holds is a data error with the row;
- or a ``service`` with a window ``[start, end)``: the window is cut out of that
  service's outages (an outage overlapping it keeps the parts before and after as one
  record with a gap; an outage still running keeps its open end), and the service's
  tickets created inside the window are removed.

:func:`split_exclusions` returns the tables with the approved entries applied (the
agreed view, which decides the verdicts), the tables with every entry applied (the
provider's claim, approved and disputed alike), and the disputed entries, so the engine
evaluates twice and reports both verdicts and both amounts. Everything is vectorized:
one filter per dataset for record ids, one pass per window for outages.
"""

from __future__ import annotations

import datetime as dt
import difflib
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, NamedTuple

import polars as pl

from rules_engine.data.issues import DataError, IssueLog
from rules_engine.evaluation.availability import EXCLUDED
from rules_engine.evaluation.records import UTC_US

EXCLUSIONS = "exclusions"
ROW = "__row__"
_SUGGEST_LIMIT = 50_000  # ids to search for a "did you mean"


@dataclass(frozen=True)
class ExclusionEntry:
    """One ledger row, checked."""

    id: str
    row: int
    reason: str
    approved: bool
    record_id: str | None = None
    service: str | None = None
    start: dt.datetime | None = None
    end: dt.datetime | None = None

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "id": self.id,
            "reason": self.reason,
            "approved": self.approved,
            "status": "approved" if self.approved else "disputed",
        }
        if self.record_id is not None:
            out["record_id"] = self.record_id
        else:
            out["service"] = self.service
            out["start"] = _iso(self.start)
            out["end"] = _iso(self.end)
        return out


class ExclusionSplit(NamedTuple):
    approved_tables: dict[str, pl.DataFrame]
    all_tables: dict[str, pl.DataFrame]
    disputed: list[dict[str, Any]]


def _iso(moment: dt.datetime | None) -> str | None:
    return None if moment is None else moment.astimezone(dt.UTC).isoformat().replace("+00:00", "Z")


def read_ledger(
    tables: Mapping[str, pl.DataFrame], *, file: str = EXCLUSIONS, rows: pl.Series | None = None
) -> list[ExclusionEntry]:
    """The checked entries of the ``exclusions`` table (empty without one).

    Raises :class:`rules_engine.data.issues.DataError` naming the file, row and field of
    every bad entry: neither a record id nor a full window, a window ending before it
    starts, a record id that no dataset holds.
    """
    frame = tables.get(EXCLUSIONS)
    if frame is None or frame.height == 0:
        return []
    log = IssueLog()
    holders = _id_columns(tables)
    ids = frame["record_id"].cast(pl.String) if "record_id" in frame.columns else None
    held = pl.Series("held", [False] * frame.height)
    if ids is not None:
        wanted = ids.drop_nulls().unique().implode()
        for holder in holders:
            # look the (few) ledger ids up in the (many) records, not the other way round
            found = holder.filter(holder.is_in(wanted).fill_null(False)).unique()
            held = held | ids.is_in(found.implode()).fill_null(False)
    held_list = held.to_list()
    if rows is not None:
        numbers = rows.to_list()
    elif ROW in frame.columns:
        numbers = frame[ROW].to_list()
    else:
        numbers = list(range(1, frame.height + 1))
    entries: list[ExclusionEntry] = []

    def column(name: str) -> pl.Series:
        if name in frame.columns:
            return frame[name]
        return pl.Series(name, [None] * frame.height)

    records = zip(
        *(column(n) for n in ("id", "record_id", "service", "start", "end", "reason", "approved")),
        strict=True,
    )
    for position, (raw_id, record_id, service, start, end, raw_reason, raw_approved) in enumerate(
        records
    ):
        row = int(numbers[position])
        entry_id = str(raw_id or f"row {row}")
        reason, approved = str(raw_reason or ""), bool(raw_approved)
        if record_id is not None:
            if not held_list[position]:
                log.error(
                    file,
                    f"exclusion `{entry_id}` names record `{record_id}`, which no dataset holds",
                    row=row,
                    field="record_id",
                    value=record_id,
                    hint=_suggest(str(record_id), holders),
                )
                continue
            entries.append(
                ExclusionEntry(entry_id, row, reason, approved, record_id=str(record_id))
            )
            continue
        if service is None or start is None or end is None:
            missing = [
                n for n, v in (("service", service), ("start", start), ("end", end)) if v is None
            ]
            log.error(
                file,
                f"exclusion `{entry_id}` names neither a record nor a whole window",
                row=row,
                field=missing[0],
                hint="give `record_id`, or `service` with `start` and `end`",
            )
            continue
        if end <= start:
            log.error(
                file,
                f"exclusion `{entry_id}` ends before it starts",
                row=row,
                field="end",
                value=_iso(end),
                hint=f"`end` must be after `start` ({_iso(start)})",
            )
            continue
        entries.append(
            ExclusionEntry(entry_id, row, reason, approved, None, str(service), start, end)
        )
    log.raise_if_errors()
    return entries


def _id_columns(tables: Mapping[str, pl.DataFrame]) -> list[pl.Series]:
    return [
        frame["id"].cast(pl.String)
        for name, frame in tables.items()
        if name != EXCLUSIONS and "id" in frame.columns
    ]


def _suggest(record_id: str, holders: list[pl.Series]) -> str:
    if sum(len(c) for c in holders) <= _SUGGEST_LIMIT:
        pool = [i for column in holders for i in column.drop_nulls().to_list()]
        close = difflib.get_close_matches(record_id, pool, n=1)
        if close:
            return f"did you mean `{close[0]}`?"
    return "the id must be a record of a dataset in the data (tickets, outages, ...)"


def apply_exclusions(
    tables: Mapping[str, pl.DataFrame], entries: list[ExclusionEntry]
) -> dict[str, pl.DataFrame]:
    """``tables`` with ``entries`` applied (records removed, windows cut)."""
    out = dict(tables)
    record_ids = sorted({e.record_id for e in entries if e.record_id is not None})
    if record_ids:
        for name, frame in tables.items():
            if name != EXCLUSIONS and "id" in frame.columns:
                out[name] = frame.filter(
                    ~pl.col("id")
                    .cast(pl.String)
                    .is_in(pl.Series(record_ids, dtype=pl.String).implode())
                )
    for entry in entries:
        if entry.service is None or entry.start is None or entry.end is None:
            continue
        if "outages" in out:
            out["outages"] = _cut_window(out["outages"], entry.service, entry.start, entry.end)
        tickets = out.get("tickets")
        if tickets is not None and "service" in tickets.columns:
            inside = (
                (pl.col("service") == entry.service)
                & (pl.col("created_at") >= entry.start)
                & (pl.col("created_at") < entry.end)
            )
            out["tickets"] = tickets.filter(~inside.fill_null(False))
    return out


def _cut_window(
    outages: pl.DataFrame, service: str, start: dt.datetime, end: dt.datetime
) -> pl.DataFrame:
    """Cut ``[start, end)`` out of the outages of ``service`` without making two records
    of one outage (DESIGN "Edge rules"): a window over an outage's start or end moves it,
    one covering the whole outage removes it, and one in its middle is kept on the record
    (the ``EXCLUDED`` list, which availability cuts out). A null ``ended_at`` (still down)
    counts as unbounded and stays null."""
    hit = (
        (pl.col("service") == service)
        & (pl.col("started_at") < end)
        & (pl.col("ended_at").is_null() | (pl.col("ended_at") > start))
    ).fill_null(False)
    if not outages.select(hit.any()).item():
        return outages
    window = pl.struct(
        pl.lit(start).cast(UTC_US).alias("start"), pl.lit(end).cast(UTC_US).alias("end")
    )
    if EXCLUDED not in outages.columns:
        outages = outages.with_columns(
            pl.lit(None, pl.List(pl.Struct({"start": UTC_US, "end": UTC_US}))).alias(EXCLUDED)
        )
    covers_start = hit & (pl.col("started_at") >= start)
    covers_end = hit & pl.col("ended_at").is_not_null() & (pl.col("ended_at") <= end)
    middle = hit & ~covers_start & ~covers_end
    return outages.filter(~(covers_start & covers_end)).with_columns(
        pl.when(covers_start)
        .then(pl.lit(end).cast(outages.schema["started_at"]))
        .otherwise(pl.col("started_at"))
        .alias("started_at"),
        pl.when(covers_end)
        .then(pl.lit(start).cast(outages.schema["ended_at"]))
        .otherwise(pl.col("ended_at"))
        .alias("ended_at"),
        pl.when(middle)
        .then(pl.concat_list(pl.col(EXCLUDED).fill_null([]), pl.concat_list(window)))
        .otherwise(pl.col(EXCLUDED))
        .alias(EXCLUDED),
    )


def split_exclusions(
    tables: Mapping[str, pl.DataFrame], *, file: str = EXCLUSIONS, rows: pl.Series | None = None
) -> ExclusionSplit:
    """(tables with approved exclusions applied, tables with every exclusion applied,
    the disputed entries as JSON-ready dicts). Without disputed entries both table sets
    are the same objects, so the engine can skip the second evaluation
    (``split.approved_tables is split.all_tables``). ``file`` and ``rows`` (the file row
    of each ledger entry) locate errors; :func:`split_bundle` takes them from a bundle."""
    entries = read_ledger(tables, file=file, rows=rows)
    approved = [e for e in entries if e.approved]
    disputed = [e for e in entries if not e.approved]
    # The applied tables no longer carry the ledger: applying it twice would look for
    # excluded records that are already gone.
    measured = {name: frame for name, frame in tables.items() if name != EXCLUSIONS}
    agreed = apply_exclusions(measured, approved) if approved else measured
    claimed = apply_exclusions(agreed, disputed) if disputed else agreed
    return ExclusionSplit(agreed, claimed, [e.to_json() for e in disputed])


def split_bundle(bundle: Any) -> ExclusionSplit:
    """:func:`split_exclusions` on a :class:`rules_engine.data.DataBundle`, with the
    ledger's file and rows for error locations."""
    sources: Mapping[str, str] = getattr(bundle, "sources", {}) or {}
    rows: Mapping[str, pl.Series] = getattr(bundle, "rows", {}) or {}
    return split_exclusions(
        bundle.tables, file=sources.get(EXCLUSIONS, EXCLUSIONS), rows=rows.get(EXCLUSIONS)
    )


def dispute_effect(agreed: Mapping[str, Any], claimed: Mapping[str, Any]) -> dict[str, Any]:
    """What the disputed exclusions change, from two evaluation documents: ``agreed``
    (approved exclusions only: the disputed records and time count) and ``claimed``
    (the disputed ones applied too). Per period, the targets whose verdict or value
    differs and the money both ways; then the totals both ways."""
    claimed_periods = {p.get("period"): p for p in claimed.get("periods") or []}
    periods: list[dict[str, Any]] = []
    for period in agreed.get("periods") or []:
        other = claimed_periods.get(period.get("period"))
        if other is None:
            continue
        changed = []
        for name, facts in (period.get("targets") or {}).items():
            theirs = (other.get("targets") or {}).get(name) or {}
            mine = (facts.get("verdict"), facts.get("value"))
            if mine != (theirs.get("verdict"), theirs.get("value")):
                changed.append(
                    {
                        "target": name,
                        "verdict": facts.get("verdict"),
                        "value": facts.get("value"),
                        "verdict_if_excluded": theirs.get("verdict"),
                        "value_if_excluded": theirs.get("value"),
                    }
                )
        money = {
            key: {"agreed": period.get(key), "if_excluded": other.get(key)}
            for key in ("credits_total", "bonus_total")
            if period.get(key) != other.get(key)
        }
        if changed or money:
            periods.append({"period": period.get("period"), "targets": changed, **money})
    return {
        "periods": periods,
        "totals": {"agreed": agreed.get("totals"), "if_excluded": claimed.get("totals")},
        "exit_right": {
            "agreed": agreed.get("exit_right"),
            "if_excluded": claimed.get("exit_right"),
        },
    }


def ledger_json(
    tables: Mapping[str, pl.DataFrame], *, file: str = EXCLUSIONS
) -> list[dict[str, Any]]:
    """Every entry of the ledger with its status (approved or disputed), for reports."""
    return [e.to_json() for e in read_ledger(tables, file=file)]


__all__ = [
    "DataError",
    "ExclusionEntry",
    "ExclusionSplit",
    "apply_exclusions",
    "dispute_effect",
    "ledger_json",
    "read_ledger",
    "split_bundle",
    "split_exclusions",
]
