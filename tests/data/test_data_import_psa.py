"""The PSA tools' mappings (issue 15), each on a fixture built from the vendor's
documented export format: ConnectWise PSA, Autotask, HaloPSA, Freshservice, and the
generic event log a user adapts. Expected values are read off the fixtures by hand."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import polars as pl

from rules_engine.data.importer import ImportSummary, import_export
from rules_engine.data.mapping import load_mapping

FIXTURES = Path(__file__).parent / "fixtures"


def at(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text).replace(tzinfo=dt.UTC)


def run(mapping: str, fixture: str) -> tuple[pl.DataFrame, ImportSummary]:
    m, origin = load_mapping(mapping)
    return import_export(FIXTURES / fixture, m, origin=origin)


def by_id(table: pl.DataFrame) -> dict[str, dict[str, object]]:
    return {r["id"]: r for r in table.iter_rows(named=True)}


def test_connectwise_psa() -> None:
    table, summary = run("connectwise_psa", "connectwise_psa.json")
    # 1004 has the custom priority "Priority 2 - VIP": rejected with its reason
    assert (summary.rows_read, summary.records, summary.rejected_rows) == (4, 3, 1)
    assert summary.examples[0].row == 4 and summary.examples[0].value == "'Priority 2 - VIP'"
    rows = by_id(table)
    assert [rows[i]["priority"] for i in ("1001", "1002", "1003")] == ["P1", "P3", "P2"]
    t = rows["1001"]  # _info.dateEntered, dateResponded, dateResolved
    assert (t["created_at"], t["first_response_at"], t["resolved_at"]) == (
        at("2024-03-04T08:00"),
        at("2024-03-04T08:10"),
        at("2024-03-04T10:30"),
    )
    assert (t["status"], t["category"], t["service"]) == ("Closed", "Incident", "Help Desk")
    assert rows["1002"]["resolved_at"] is None  # still In Progress
    assert summary.without_resolution == 1


def test_autotask() -> None:
    table, summary = run("autotask", "autotask_tickets.json")
    assert (summary.rows_read, summary.records, summary.rejected_rows) == (4, 4, 0)
    rows = by_id(table)
    # default picklist: 4 Critical, 1 High, 2 Medium, 3 Low -> P1..P4
    assert [r["priority"] for r in rows.values()] == ["P1", "P3", "P2", "P4"]
    t = rows["T20240304.0001"]
    assert t["created_at"] == at("2024-03-04T08:00:12.345")  # milliseconds kept
    assert t["first_response_at"] == at("2024-03-04T08:05")
    assert t["resolved_at"] == at("2024-03-04T09:45:30")
    assert (t["status"], t["service"]) == ("5", "29683")  # picklist ids, as exported
    assert rows["T20240305.0003"]["first_response_at"] is None  # null in the export
    assert (summary.without_first_response, summary.without_resolution) == (1, 2)


def test_halopsa() -> None:
    table, summary = run("halopsa", "halopsa_tickets.json")
    assert (summary.rows_read, summary.records, summary.rejected_rows) == (3, 3, 0)
    rows = by_id(table)
    assert [r["priority"] for r in rows.values()] == ["P2", "P3", "P1"]
    t = rows["5101"]
    # Halo writes UTC without an offset: 08:30 is 08:30 UTC
    assert (t["created_at"], t["first_response_at"], t["resolved_at"]) == (
        at("2024-03-04T08:30"),
        at("2024-03-04T08:45:10"),
        at("2024-03-04T13:00"),
    )
    assert t["site"] == "Head Office" and t["category"] == "Applications"
    # 1900-01-01T00:00:00 is Halo's "not set"
    assert rows["5102"]["resolved_at"] is None
    assert rows["5103"]["first_response_at"] is None and rows["5103"]["resolved_at"] is None


def test_freshservice() -> None:
    table, summary = run("freshservice", "freshservice_tickets.json")
    assert (summary.rows_read, summary.records, summary.rejected_rows) == (4, 4, 0)
    rows = by_id(table)
    # priority 3 High, 4 Urgent, 1 Low, 2 Medium -> P2, P1, P4, P3
    assert [r["priority"] for r in rows.values()] == ["P2", "P1", "P4", "P3"]
    # status 5 Closed, 4 Resolved, 3 Pending; 6 is a custom status: its id is kept
    assert [r["status"] for r in rows.values()] == ["Closed", "Resolved", "Pending", "6"]
    t = rows["201"]  # stats.first_responded_at and stats.resolved_at
    assert (t["first_response_at"], t["resolved_at"]) == (
        at("2024-03-04T08:25"),
        at("2024-03-04T12:00"),
    )
    assert rows["204"]["first_response_at"] is None


def test_generic_event_log() -> None:
    table, summary = run("generic_event_log", "generic_event_log.csv")
    assert (summary.rows_read, summary.records, summary.rejected_rows) == (14, 3, 0)
    assert summary.warnings == []  # every status of the export is named
    rows = by_id(table)
    t = rows["T-1"]
    # New 09:00, In Progress 09:20 (first response), Waiting for Customer 10:00 ->
    # In Progress 13:00 (a customer pause), Resolved 15:00, Closed next day
    assert (t["created_at"], t["first_response_at"], t["resolved_at"]) == (
        at("2024-03-04T09:00"),
        at("2024-03-04T09:20"),
        at("2024-03-04T15:00"),
    )
    assert t["pauses"] == [
        {"start": at("2024-03-04T10:00"), "end": at("2024-03-04T13:00"), "reason": "customer"}
    ]
    # T-2 resolved 23:00, reopened 08:00, resolved again 09:30: the last entry counts
    assert rows["T-2"]["resolved_at"] == at("2024-03-05T09:30")
    # T-3 waits for a vendor since 10:30 (its first response), unresolved; its last
    # row raised the priority P4 -> P3
    t = rows["T-3"]
    assert (t["priority"], t["first_response_at"], t["resolved_at"]) == (
        "P3",
        at("2024-03-05T10:30"),
        None,
    )
    assert t["pauses"] == [{"start": at("2024-03-05T10:30"), "end": None, "reason": "vendor"}]
    assert len(t["status_history"]) == 2
