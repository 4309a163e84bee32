"""The vectorized checks agree with plain-Python statements of the rules, on random data:
duplicate ids (with the sorted-ids shortcut) and pause repair (neighbour comparison
instead of a running maximum per record). Also: coerced Parquet columns share one chunk
layout, so the first frame operation does not copy the whole table."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from rules_engine.data import DataError, dataset_dtypes, dataset_spec
from rules_engine.data.checks import _FAR, _distinct, repair_pauses
from rules_engine.data.coerce import coerce_table
from rules_engine.data.formats import ROW
from rules_engine.data.issues import IssueLog
from rules_engine.data.loader import load_data

BASE = dt.datetime(2026, 3, 2, 8, 0, tzinfo=dt.UTC)
PAUSES = dataset_dtypes("tickets")["pauses"]


def _at(minutes: int | None) -> dt.datetime | None:
    return None if minutes is None else BASE + dt.timedelta(minutes=minutes)


# ----------------------------------------------------------------------------- ids


@given(st.lists(st.one_of(st.none(), st.sampled_from("abcdefgh")), max_size=12), st.booleans())
def test_distinct_means_no_repeated_non_null_id(ids: list[str | None], sort: bool) -> None:
    if sort:  # sorted input takes the one-comparison path; equal neighbours must fail it
        ids = sorted(ids, key=lambda v: (v is not None, v or ""))
    present = [i for i in ids if i is not None]
    assert _distinct(pl.Series("id", ids, pl.String)) == (len(set(present)) == len(present))


def test_duplicates_reported_when_ids_are_unsorted(tmp_path: Path) -> None:
    ids = ["T3", "T1", "T2", "T1"]  # row 4 repeats row 2
    pl.DataFrame(
        {"id": ids, "priority": ["P1"] * 4, "created_at": [BASE] * 4},
        schema={"id": pl.String, "priority": pl.String, "created_at": pl.Datetime("us", "UTC")},
    ).write_parquet(tmp_path / "tickets.parquet")
    with pytest.raises(DataError) as caught:
        load_data(tmp_path)
    issues = [(i.row, i.field, i.message) for i in caught.value.issues]
    assert issues == [(4, "id", "duplicate id, first used at row 2")]


# ----------------------------------------------------------------------------- pauses

Pause = tuple[int | None, int | None, str | None]  # start, end (minutes from BASE), reason
REASONS = [None, "customer", "vendor"]

pause_st = st.tuples(
    st.one_of(st.integers(-30, 300), st.none()),
    st.one_of(st.none(), st.integers(-30, 330)),
    st.sampled_from(REASONS),
)
record_st = st.tuples(
    st.integers(0, 60),  # created
    st.one_of(st.none(), st.integers(60, 300)),  # resolved
    st.lists(st.one_of(pause_st, st.none()), max_size=5),  # None: a null item
)


def _far(end: int | None) -> float:
    return float("inf") if end is None else end


def _expected(record: tuple[int, int | None, list[Pause | None]]) -> dict[str, Any]:
    """The rules in plain Python, one record at a time."""
    born, dies, items = record
    pauses = [p for p in items if p is not None]
    inverted = [p for p in pauses if p[0] is not None and p[1] is not None and p[1] < p[0]]
    valid = [p for p in pauses if p[0] is not None and p not in inverted]
    warnings: dict[str, int] = {}

    def order(p: Pause) -> tuple[Any, ...]:  # nulls first, as Polars sorts
        return (p[2] is not None, p[2] or "", p[0], -_far(p[1]))

    for p in sorted(valid, key=order):
        assert p[0] is not None
        if p[0] < born:
            warnings.setdefault("early", p[0])
        if dies is not None and _far(p[1]) > dies:
            warnings.setdefault("late", p[0])
    # overlap: some other pause of the same reason starts no later and ends after it starts
    for k, p in enumerate(sorted(valid, key=order)):
        assert p[0] is not None
        earlier = [q for q in sorted(valid, key=order)[:k] if q[2] == p[2]]
        if any(_far(q[1]) > p[0] for q in earlier):
            warnings.setdefault("overlap", p[0])
            break
    touched = bool(warnings) or bool(inverted)
    if not touched:
        return {"errors": 0, "warnings": warnings, "pauses": items}
    clipped: list[tuple[int, int | None, str | None]] = []
    for start, end, reason in valid:
        assert start is not None
        start = max(start, born)
        if dies is not None and _far(end) > dies:
            end = dies
        if end is None or end > start:
            clipped.append((start, end, reason))
    merged: list[tuple[int, int | None, str | None]] = []
    for reason in REASONS:
        block: list[Any] | None = None
        for start, end, _ in sorted((p for p in clipped if p[2] == reason), key=lambda p: p[0]):
            if block is not None and start <= _far(block[1]):
                block[1] = None if end is None or block[1] is None else max(block[1], end)
            else:
                if block is not None:
                    merged.append((block[0], block[1], reason))
                block = [start, end]
        if block is not None:
            merged.append((block[0], block[1], reason))
    return {"errors": len(inverted), "warnings": warnings, "pauses": merged}


@settings(max_examples=300, deadline=None)
@given(st.lists(record_st, min_size=1, max_size=8))
def test_pause_repair_follows_the_rules(records: list[tuple[int, int | None, list[Any]]]) -> None:
    frame = pl.DataFrame(
        {
            "created_at": [_at(r[0]) for r in records],
            "resolved_at": [_at(r[1]) for r in records],
            "pauses": [
                [
                    None if p is None else {"start": _at(p[0]), "end": _at(p[1]), "reason": p[2]}
                    for p in r[2]
                ]
                for r in records
            ],
            ROW: list(range(1, len(records) + 1)),
        },
        schema={
            "created_at": pl.Datetime("us", "UTC"),
            "resolved_at": pl.Datetime("us", "UTC"),
            "pauses": PAUSES,
            ROW: pl.Int64,
        },
    )
    log = IssueLog(max_errors=1000)
    repaired = repair_pauses(frame, "t.parquet", log, "created_at", "resolved_at")
    got_lists = repaired["pauses"].to_list()
    names = {"overlap": "overlapping", "early": "starting before", "late": "running past"}
    for row, (record, got) in enumerate(zip(records, got_lists, strict=True), start=1):
        want = _expected(record)
        mine = [i for i in log.issues if i.row == row]
        assert sum(i.severity == "error" for i in mine) == want["errors"]
        warned = {
            flag: i.value
            for i in mine
            if i.severity == "warning"
            for flag, text in names.items()
            if text in i.message
        }
        assert warned == {
            flag: repr(_at(start).strftime("%Y-%m-%dT%H:%M:%SZ"))  # type: ignore[union-attr]
            for flag, start in want["warnings"].items()
        }
        if want["pauses"] is record[2]:  # untouched: exactly as given, null items too
            assert got == frame["pauses"][row - 1].to_list()
            continue
        as_tuples = sorted(
            ((p["start"], p["end"] or _FAR, p["reason"] or "") for p in got),
        )
        assert as_tuples == sorted((_at(s), _at(e) or _FAR, r or "") for s, e, r in want["pauses"])


def test_neighbour_rule_finds_an_overlap_hidden_behind_a_short_pause() -> None:
    # 0-100 contains 10-20 and 30-40: 30-40 does not overlap its neighbour 10-20 but
    # does overlap 0-100; the record is flagged once and merged into one pause 0-100
    # (created at minute 0, never resolved, so nothing is clipped).
    frame = pl.DataFrame(
        {
            "created_at": [_at(0)],
            "resolved_at": [None],
            "pauses": [
                [
                    {"start": _at(s), "end": _at(e), "reason": "customer"}
                    for s, e in ((0, 100), (10, 20), (30, 40))
                ]
            ],
            ROW: [7],
        },
        schema={
            "created_at": pl.Datetime("us", "UTC"),
            "resolved_at": pl.Datetime("us", "UTC"),
            "pauses": PAUSES,
            ROW: pl.Int64,
        },
    )
    log = IssueLog()
    repaired = repair_pauses(frame, "t.parquet", log, "created_at", "resolved_at")
    assert [(i.row, i.message) for i in log.issues] == [
        (7, "overlapping pauses with the same reason were merged")
    ]
    assert repaired["pauses"].to_list() == [
        [{"start": _at(0), "end": _at(100), "reason": "customer"}]
    ]


# ----------------------------------------------------------------------------- chunks


def test_coerced_columns_share_one_chunk_layout() -> None:
    # A raw table in 3 chunks of 2 rows, as Parquet gives one chunk per row group. The
    # missing columns (built as nulls), the all-null `onsite_arrival_at` (which Polars
    # casts into one chunk) and the row numbers must all follow the same 2+2+2 layout.
    schema = {
        "id": pl.String,
        "priority": pl.String,
        "created_at": pl.Datetime("us", "UTC"),
        "onsite_arrival_at": pl.Datetime("us", "UTC"),
        ROW: pl.Int64,
    }
    parts = [
        pl.DataFrame(
            {
                "id": [f"T{i}", f"T{i + 1}"],
                "priority": ["P1", "P2"],
                "created_at": [BASE, BASE],
                "onsite_arrival_at": [None, None],
                ROW: [i + 1, i + 2],
            },
            schema=schema,
        )
        for i in (0, 2, 4)
    ]
    raw = pl.concat(parts, rechunk=False)
    assert raw["id"].chunk_lengths() == [2, 2, 2]
    spec = dataset_spec("tickets")
    assert spec is not None
    typed = coerce_table(raw, spec, "t.parquet", None, IssueLog())
    layouts = {name: typed[name].chunk_lengths() for name in typed.columns}
    assert set(map(tuple, layouts.values())) == {(2, 2, 2)}, layouts
    assert typed[ROW].to_list() == [1, 2, 3, 4, 5, 6]
    assert typed["id"].to_list() == ["T0", "T1", "T2", "T3", "T4", "T5"]
