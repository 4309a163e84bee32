"""The exclusions ledger: approved entries remove records and time, disputed ones are
evaluated both ways."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from fractions import Fraction
from pathlib import Path

import polars as pl
import pytest

from rules_engine.consequences.assess import assess
from rules_engine.data import load_data
from rules_engine.data.issues import DataError
from rules_engine.evaluation.availability import EXCLUDED
from rules_engine.evaluation.exclusions import split_bundle, split_exclusions

from .builders import history, make_policy, value_tiers

UTC = dt.UTC
TS = pl.Datetime("us", "UTC")


def ts(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text).astimezone(UTC)


def tickets() -> pl.DataFrame:
    return pl.DataFrame(
        {
            "id": ["T1", "T2", "T3"],
            "service": ["email", "email", "erp"],
            "created_at": [
                ts("2026-04-02T10:00Z"),
                ts("2026-04-10T10:00Z"),
                ts("2026-04-10T11:00Z"),
            ],
        },
        schema={"id": pl.String, "service": pl.String, "created_at": TS},
    )


def outages() -> pl.DataFrame:
    return pl.DataFrame(
        {
            "id": ["O1", "O2", "O3"],
            "service": ["email", "email", "erp"],
            "started_at": [
                ts("2026-04-05T10:00Z"),
                ts("2026-04-20T00:00Z"),
                ts("2026-04-05T10:00Z"),
            ],
            "ended_at": [ts("2026-04-05T11:00Z"), None, ts("2026-04-05T11:00Z")],
            "planned": [False, False, False],
        },
        schema={
            "id": pl.String,
            "service": pl.String,
            "started_at": TS,
            "ended_at": TS,
            "planned": pl.Boolean,
        },
    )


def ledger(rows: list[dict[str, object]]) -> pl.DataFrame:
    full = [
        {
            "id": r["id"],
            "record_id": r.get("record_id"),
            "service": r.get("service"),
            "start": r.get("start"),
            "end": r.get("end"),
            "reason": r.get("reason", "customer"),
            "approved": r.get("approved", True),
            "__row__": i + 1,
        }
        for i, r in enumerate(rows)
    ]
    return pl.DataFrame(
        full,
        schema={
            "id": pl.String,
            "record_id": pl.String,
            "service": pl.String,
            "start": TS,
            "end": TS,
            "reason": pl.String,
            "approved": pl.Boolean,
            "__row__": pl.Int64,
        },
    )


def test_approved_record_exclusion_removes_the_record() -> None:
    tables = {
        "tickets": tickets(),
        "outages": outages(),
        "exclusions": ledger([{"id": "X1", "record_id": "T2"}]),
    }
    split = split_exclusions(tables)
    assert split.approved_tables["tickets"]["id"].to_list() == ["T1", "T3"]
    assert split.disputed == []
    assert split.approved_tables is split.all_tables  # nothing disputed: one evaluation


def test_window_cut_out_of_outages_keeps_one_record_with_a_gap() -> None:
    # DESIGN "Edge rules": an exclusion window cuts an outage without making two records
    # of it. O1 10:00-11:00 minus 10:20-10:40 stays one O1 record carrying the gap.
    window = {
        "id": "X1",
        "service": "email",
        "start": ts("2026-04-05T10:20Z"),
        "end": ts("2026-04-05T10:40Z"),
    }
    tables = {"outages": outages(), "exclusions": ledger([window])}
    out = split_exclusions(tables).approved_tables["outages"]
    email = out.filter(pl.col("service") == "email")
    assert email.select("id", "started_at", "ended_at").rows() == [
        ("O1", ts("2026-04-05T10:00Z"), ts("2026-04-05T11:00Z")),
        ("O2", ts("2026-04-20T00:00Z"), None),
    ]
    assert email[EXCLUDED].to_list() == [
        [{"start": ts("2026-04-05T10:20Z"), "end": ts("2026-04-05T10:40Z")}],
        None,
    ]
    # erp's outage at the same time is untouched
    assert out.filter(pl.col("service") == "erp").height == 1


def test_window_over_an_outage_end_moves_the_end_and_one_over_all_of_it_removes_it() -> None:
    windows = [
        {
            "id": "X1",
            "service": "email",
            "start": ts("2026-04-05T10:30Z"),
            "end": ts("2026-04-05T12:00Z"),
        },
        {
            "id": "X2",
            "service": "erp",
            "start": ts("2026-04-05T09:00Z"),
            "end": ts("2026-04-05T11:00Z"),
        },
    ]
    out = split_exclusions({"outages": outages(), "exclusions": ledger(windows)}).approved_tables[
        "outages"
    ]
    # O1 10:00-11:00 loses 10:30-11:00; O3 (erp) 10:00-11:00 lies wholly inside X2
    assert out.select("id", "started_at", "ended_at").rows() == [
        ("O1", ts("2026-04-05T10:00Z"), ts("2026-04-05T10:30Z")),
        ("O2", ts("2026-04-20T00:00Z"), None),
    ]


def test_window_over_a_running_outage_keeps_its_open_end() -> None:
    window = {
        "id": "X1",
        "service": "email",
        "start": ts("2026-04-19T00:00Z"),
        "end": ts("2026-04-21T00:00Z"),
    }
    out = split_exclusions({"outages": outages(), "exclusions": ledger([window])}).approved_tables[
        "outages"
    ]
    # O2 starts inside the window: only the part after it is left, still open
    assert out.filter(pl.col("id") == "O2").select("started_at", "ended_at").rows() == [
        (ts("2026-04-21T00:00Z"), None)
    ]


def test_window_removes_the_services_tickets_created_inside() -> None:
    window = {
        "id": "X1",
        "service": "email",
        "start": ts("2026-04-10T00:00Z"),
        "end": ts("2026-04-11T00:00Z"),
    }
    out = split_exclusions({"tickets": tickets(), "exclusions": ledger([window])}).approved_tables
    assert out["tickets"]["id"].to_list() == ["T1", "T3"]  # T3 is erp


def _downtime_s(frame: pl.DataFrame, service: str) -> int:
    rows = frame.filter(pl.col("service") == service).select("started_at", "ended_at").rows()
    return sum(int((end - start).total_seconds()) for start, end in rows if end is not None)


def test_a_disputed_exclusion_flips_the_verdict_and_the_money() -> None:
    # April has 30 days = 2,592,000 s; 99.9% allows 0.1% x 2,592,000 = 2,592 s down.
    # O3 (erp) is down 10:00-11:00 = 3,600 s -> 1 - 3600/2592000 = 99.861111% breached.
    # The provider claims 10:00-10:30 as customer-caused (not approved): 1,800 s left
    # -> 99.930556% met.
    window = {
        "id": "X9",
        "service": "erp",
        "start": ts("2026-04-05T10:00Z"),
        "end": ts("2026-04-05T10:30Z"),
        "approved": False,
    }
    split = split_exclusions({"outages": outages(), "exclusions": ledger([window])})
    assert split.disputed == [
        {
            "id": "X9",
            "reason": "customer",
            "approved": False,
            "status": "disputed",
            "service": "erp",
            "start": "2026-04-05T10:00:00Z",
            "end": "2026-04-05T10:30:00Z",
        }
    ]
    agreed = _downtime_s(split.approved_tables["outages"], "erp")
    claimed = _downtime_s(split.all_tables["outages"], "erp")
    assert (agreed, claimed) == (3600, 1800)
    month = 30 * 86400
    value_agreed = 1 - Fraction(agreed, month)
    value_claimed = 1 - Fraction(claimed, month)
    assert value_agreed < Fraction(999, 1000) <= value_claimed  # the verdict flips
    policy = make_policy(credits=[value_tiers("erp", "erp", ("99.9", "5"))], effective="2026-04-01")

    def money(value: Fraction, verdict: str) -> Decimal | None:
        hist = history([{"erp": (verdict, str(value * 100))}], start="2026-04")
        return assess(policy, hist)[0].credits_total

    # with the disputed time counted: 5% x 12,000 = 600.00; without it: nothing
    assert money(value_agreed, "breached") == Decimal("600.00")
    assert money(value_claimed, "met") == Decimal("0")


def test_unknown_record_id_is_a_data_error_with_its_row() -> None:
    rows = [{"id": "X1", "record_id": "T1"}, {"id": "X2", "record_id": "T22"}]
    with pytest.raises(DataError) as info:
        split_exclusions(
            {"tickets": tickets(), "exclusions": ledger(rows)}, file="data/exclusions.jsonl"
        )
    text = str(info.value)
    assert text.startswith("data/exclusions.jsonl, row 2, field `record_id`: error:")
    assert "`T22`" in text and "did you mean `T2`?" in text


def test_incomplete_and_backwards_windows_are_data_errors() -> None:
    rows = [
        {"id": "X1", "service": "email", "start": ts("2026-04-05T10:00Z")},
        {
            "id": "X2",
            "service": "email",
            "start": ts("2026-04-05T10:00Z"),
            "end": ts("2026-04-05T09:00Z"),
        },
    ]
    with pytest.raises(DataError) as info:
        split_exclusions({"outages": outages(), "exclusions": ledger(rows)})
    messages = [str(i) for i in info.value.issues]
    assert (
        "row 1, field `end`" in messages[0] and "neither a record nor a whole window" in messages[0]
    )
    assert "row 2, field `end`" in messages[1] and "ends before it starts" in messages[1]


def test_no_ledger_changes_nothing() -> None:
    tables = {"tickets": tickets()}
    split = split_exclusions(tables)
    assert split.approved_tables["tickets"] is tables["tickets"] and split.disputed == []


def test_loaded_ledger_errors_name_the_file_and_line(tmp_path: Path) -> None:
    (tmp_path / "tickets.jsonl").write_text(
        '{"id": "T1", "priority": "P1", "created_at": "2026-04-02T10:00:00Z"}\n'
        '{"id": "T2", "priority": "P1", "created_at": "2026-04-03T10:00:00Z"}\n'
    )
    (tmp_path / "exclusions.jsonl").write_text(
        '{"id": "X1", "record_id": "T1", "reason": "customer", "approved": true}\n'
        '{"id": "X2", "record_id": "T9", "reason": "customer", "approved": false}\n'
    )
    bundle = load_data(tmp_path)
    with pytest.raises(DataError) as info:
        split_bundle(bundle)
    assert str(info.value).startswith(f"{tmp_path / 'exclusions.jsonl'}, row 2, field `record_id`")
    (tmp_path / "exclusions.jsonl").write_text(
        '{"id": "X1", "record_id": "T1", "reason": "customer", "approved": true}\n'
        '{"id": "X2", "record_id": "T2", "reason": "maintenance", "approved": false}\n'
    )
    split = split_bundle(load_data(tmp_path))
    assert split.approved_tables["tickets"]["id"].to_list() == ["T2"]  # T1 approved
    assert split.all_tables["tickets"]["id"].to_list() == []  # T2 disputed, claimed
    assert [d["record_id"] for d in split.disputed] == ["T2"]
