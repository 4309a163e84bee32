"""Loading: every format into the same typed table; timestamps, durations, booleans."""

from __future__ import annotations

import datetime as dt
import gzip
import json
from collections.abc import Callable
from pathlib import Path

import polars as pl
import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from rules_engine.data import DataError, load_data, load_dataset
from rules_engine.data.coerce import to_duration, to_timestamp
from rules_engine.language.model import CheckedPolicy

UTC = dt.UTC

RECORDS: list[dict[str, object]] = [
    {
        "id": "T-1",
        "priority": "P1",
        "created_at": "2026-01-05T09:00:00-05:00",  # = 14:00Z
        "first_response_at": "2026-01-05T19:40:00+05:30",  # = 14:10Z
        "resolved_at": "2026-01-05T16:00:00Z",
        "onsite_required": True,
        "pauses": [
            {"start": "2026-01-05T15:00:00Z", "end": "2026-01-05T15:30:00Z", "reason": "customer"}
        ],
    },
    {
        "id": "T-2",
        "priority": "P2",
        "created_at": "2026-01-06T10:00:00.250Z",
        "first_response_at": None,
        "resolved_at": None,
        "onsite_required": False,
        "pauses": [{"start": "2026-01-06T11:00:00Z", "end": None, "reason": "vendor"}],
    },
]


def _write_all(tmp: Path) -> dict[str, Path]:
    paths: dict[str, Path] = {}
    text = "".join(json.dumps(r) + "\n" for r in RECORDS)
    paths["jsonl"] = tmp / "jsonl" / "tickets.jsonl"
    paths["json"] = tmp / "json" / "tickets.json"
    paths["yaml"] = tmp / "yaml" / "tickets.yaml"
    paths["csv"] = tmp / "csv" / "tickets.csv"
    paths["gz"] = tmp / "gz" / "tickets.jsonl.gz"
    for p in paths.values():
        p.parent.mkdir()
    paths["jsonl"].write_text(text)
    paths["json"].write_text(json.dumps(RECORDS, indent=1))
    paths["yaml"].write_text(yaml.safe_dump(RECORDS))
    paths["gz"].write_bytes(gzip.compress(text.encode()))
    header = "id,priority,created_at,first_response_at,resolved_at,onsite_required,pauses\n"
    rows = []
    for r in RECORDS:
        cells = [
            str(r["id"]),
            str(r["priority"]),
            str(r["created_at"]),
            str(r["first_response_at"] or ""),
            str(r["resolved_at"] or ""),
            str(r["onsite_required"]).lower(),
            '"' + json.dumps(r["pauses"]).replace('"', '""') + '"',
        ]
        rows.append(",".join(cells))
    paths["csv"].write_text(header + "\n".join(rows) + "\n")
    return paths


def test_every_format_gives_the_same_table(tmp_path: Path) -> None:
    paths = _write_all(tmp_path)
    tables = {fmt: load_dataset(p, "tickets") for fmt, p in paths.items()}
    reference = tables["jsonl"]
    parquet = tmp_path / "tickets.parquet"
    reference.write_parquet(parquet)
    tables["parquet"] = load_dataset(parquet, "tickets")
    for fmt, table in tables.items():
        assert table.schema == reference.schema, fmt
        assert table.equals(reference), fmt
    row = reference.row(0, named=True)
    assert row["created_at"] == dt.datetime(2026, 1, 5, 14, 0, tzinfo=UTC)  # 09:00 -05:00
    assert row["first_response_at"] == dt.datetime(2026, 1, 5, 14, 10, tzinfo=UTC)  # 19:40 +05:30
    assert reference["created_at"][1] == dt.datetime(2026, 1, 6, 10, 0, 0, 250_000, tzinfo=UTC)
    assert reference["pauses"][1].to_list() == [
        {"start": dt.datetime(2026, 1, 6, 11, tzinfo=UTC), "end": None, "reason": "vendor"}
    ]
    # optional columns nobody wrote exist, as nulls or empty lists
    assert reference["site"].null_count() == 2
    assert reference["status_history"].to_list() == [[], []]


def test_folder_loads_one_table_per_dataset(tmp_path: Path, jsonl: Callable[..., Path]) -> None:
    jsonl("tickets.jsonl", RECORDS)
    jsonl("outages.jsonl", [{"id": "O1", "service": "email", "started_at": "2026-01-01T00:00:00Z"}])
    (tmp_path / "README.md").write_text("not data")
    bundle = load_data(tmp_path)
    assert sorted(bundle.tables) == ["outages", "tickets"]
    assert bundle.tables["outages"]["planned"].to_list() == [False]  # the schema's default
    assert bundle.sources["tickets"].endswith("tickets.jsonl")
    assert len(bundle.sha256["tickets"]) == 64
    assert bundle.rows["tickets"].to_list() == [1, 2]


def test_naive_timestamps_need_a_zone(tmp_path: Path, jsonl: Callable[..., Path]) -> None:
    path = jsonl(
        "outages.jsonl",
        [
            # 2026-03-08 02:30 does not exist in New York (clocks jump 02:00 -> 03:00):
            # an error once the zone is named (tests/data/test_values_strict.py)
            {"id": "gap", "service": "s", "started_at": "2026-03-08T02:30:00"},
            # 2026-11-01 01:30 happens twice: fold=0 is the first, EDT -04:00 -> 05:30Z
            {"id": "fold", "service": "s", "started_at": "2026-11-01T01:30:00"},
            # an ordinary winter time: -05:00 -> 14:00Z; a space instead of T is accepted
            {"id": "plain", "service": "s", "started_at": "2026-01-10 09:00"},
        ],
    )
    with pytest.raises(DataError) as caught:
        load_data(path)
    issues = caught.value.issues
    assert [(i.row, i.field) for i in issues] == [
        (1, "started_at"),
        (2, "started_at"),
        (3, "started_at"),
    ]
    assert "no offset" in issues[0].message
    assert "--timezone" in (issues[0].hint or "")
    with pytest.raises(DataError) as caught:
        load_data(path, timezone="America/New_York")
    assert [(i.row, i.field) for i in caught.value.issues] == [(1, "started_at")]
    assert "does not exist in America/New_York" in caught.value.issues[0].message
    path.write_text("\n".join(path.read_text().splitlines()[1:]) + "\n")
    table = load_dataset(path, "outages", timezone="America/New_York")
    assert table["started_at"].to_list() == [
        dt.datetime(2026, 11, 1, 5, 30, tzinfo=UTC),
        dt.datetime(2026, 1, 10, 14, 0, tzinfo=UTC),
    ]


def test_durations_dates_booleans_numbers(tmp_path: Path, jsonl: Callable[..., Path]) -> None:
    path = jsonl(
        "restore_tests.jsonl",
        [
            {"id": "a", "tested_at": "2026-01-01T00:00:00Z", "recovery_time": "PT3H59M59S"},
            {"id": "b", "tested_at": "2026-01-01T00:00:00Z", "recovery_time": "P1DT2H"},
            {"id": "c", "tested_at": "2026-01-01T00:00:00Z", "recovery_time": "PT0.5S"},
            {
                "id": "d",
                "tested_at": "2026-01-01T00:00:00Z",
                "recovery_time": "P2W",
                "data_loss": "PT0M",
            },
        ],
    )
    table = load_dataset(path, "restore_tests")
    assert table["recovery_time"].to_list() == [
        dt.timedelta(seconds=3 * 3600 + 59 * 60 + 59),  # 14,399 s
        dt.timedelta(hours=24 + 2),
        dt.timedelta(microseconds=500_000),
        dt.timedelta(days=14),
    ]
    assert table["data_loss"].to_list() == [None, None, None, dt.timedelta(0)]
    csv = tmp_path / "projects.csv"
    csv.write_text("id,due,budget,actual_cost\nP1,2026-03-31,1000.50,yes\nP2,2026-02-30,12,13\n")
    with pytest.raises(DataError) as caught:
        load_data(csv)
    found = {(i.row, i.field) for i in caught.value.issues}
    # line 2 holds P1 (actual_cost "yes"), line 3 holds P2 (30 February)
    assert found == {(2, "actual_cost"), (3, "due")}


def test_bad_durations_are_reported() -> None:
    typed, failures = to_duration(pl.Series(["P1M", "PT", "P", "4h", None, "PT1H"]))
    assert typed.to_list()[-2:] == [None, dt.timedelta(hours=1)]
    assert failures[0].mask.to_list() == [True, True, True, True, False, False]
    assert "years and months" in (failures[0].hint or "")


@settings(max_examples=200, deadline=None)
@given(
    w=st.integers(0, 3),
    d=st.integers(0, 40),
    h=st.integers(0, 30),
    m=st.integers(0, 90),
    s=st.integers(0, 90),
    us=st.integers(0, 999_999),
)
def test_duration_parsing_matches_timedelta(
    w: int, d: int, h: int, m: int, s: int, us: int
) -> None:
    text = f"P{w}W{d}DT{h}H{m}M{s}.{us:06d}S"
    typed, failures = to_duration(pl.Series([text]))
    assert failures == []
    assert typed[0] == dt.timedelta(weeks=w, days=d, hours=h, minutes=m, seconds=s, microseconds=us)


@settings(max_examples=200, deadline=None)
@given(
    instant=st.datetimes(
        min_value=dt.datetime(1990, 1, 1), max_value=dt.datetime(2099, 12, 31)
    ).map(lambda t: t.replace(tzinfo=UTC)),
    offset_min=st.integers(-12 * 60, 14 * 60).filter(lambda x: x % 15 == 0),
    zulu=st.booleans(),
)
def test_any_offset_reads_as_the_same_instant(
    instant: dt.datetime, offset_min: int, zulu: bool
) -> None:
    local = instant.astimezone(dt.timezone(dt.timedelta(minutes=offset_min)))
    text = instant.strftime("%Y-%m-%dT%H:%M:%S.%fZ") if zulu else local.isoformat()
    typed, failures = to_timestamp(pl.Series([text, "2026-01-01T00:00:00Z"]), None)
    assert failures == []
    assert typed[0] == instant


def test_policy_declared_dataset_and_fields(
    tmp_path: Path, jsonl: Callable[..., Path], policy: CheckedPolicy
) -> None:
    jsonl(
        "change_approvals.jsonl",
        [
            {
                "id": "CA-1",
                "requested_at": "2026-01-09T09:00:00-07:00",
                "approved_at": None,
                "urgent": True,
            },
            {"id": "CA-2", "requested_at": None},
        ],
    )
    jsonl("tickets.jsonl", [{**RECORDS[0], "sentiment": 0.25}])
    with pytest.raises(DataError) as caught:
        load_data(tmp_path, policy=policy)
    (issue,) = [i for i in caught.value.issues if i.severity == "error"]
    assert (issue.row, issue.field) == (2, "requested_at")
    (tmp_path / "change_approvals.jsonl").unlink()
    bundle = load_data(tmp_path, policy=policy)
    assert bundle.tables["tickets"]["sentiment"].to_list() == [0.25]
    assert bundle.warnings == []
    # without the policy the extra field is kept as text, with a warning
    plain = load_data(tmp_path)
    assert plain.tables["tickets"]["sentiment"].to_list() == ["0.25"]
    assert [w.field for w in plain.warnings] == ["sentiment"]


def test_unknown_dataset_without_policy(tmp_path: Path, jsonl: Callable[..., Path]) -> None:
    jsonl("change_approvals.jsonl", [{"id": "CA-1"}])
    with pytest.raises(DataError) as caught:
        load_data(tmp_path)
    assert caught.value.unreadable
    assert "unknown dataset `change_approvals`" in caught.value.issues[0].message


def test_schema_defaults_fill_missing_values(jsonl: Callable[..., Path]) -> None:
    path = jsonl(
        "tickets.jsonl",
        [{**RECORDS[1], "pauses": [{"start": "2026-01-06T11:00:00Z", "end": None}]}],
    )
    # a pause without a reason is the customer's (schema.Pause.reason defaults to it)
    assert load_dataset(path, "tickets")["pauses"][0].to_list() == [
        {"start": dt.datetime(2026, 1, 6, 11, tzinfo=UTC), "end": None, "reason": "customer"}
    ]
