"""Importers: mapping files, the three fixture exports, and the real ServiceNow log."""

from __future__ import annotations

import datetime as dt
import zipfile
from pathlib import Path

import polars as pl
import pytest
from click.testing import CliRunner
from paths import SERVICENOW_EXPORT

from rules_engine.cli import cli
from rules_engine.data import load_dataset
from rules_engine.data.importer import import_export
from rules_engine.data.mapping import MappingError, load_mapping, parse_mapping, shipped_mappings

FIXTURES = Path(__file__).parent / "fixtures"
UTC = dt.UTC


def at(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text).replace(tzinfo=UTC)


def _import(mapping: str, source: Path) -> tuple[pl.DataFrame, object]:
    m, origin = load_mapping(mapping)
    return import_export(source, m, origin=origin)


def test_shipped_mappings_parse() -> None:
    assert shipped_mappings() == [
        "autotask",
        "connectwise_psa",
        "freshservice",
        "generic_event_log",
        "halopsa",
        "jira_service_management",
        "servicenow_event_log",
        "servicenow_incident",
        "zendesk_tickets",
    ]
    for name in shipped_mappings():
        mapping, origin = load_mapping(name)
        assert mapping.name == name and origin.endswith(f"{name}.yaml")


def test_mapping_errors_have_locations() -> None:
    with pytest.raises(
        MappingError, match=r"m.yaml:3: `group`: unknown key|m.yaml:3: `grouping`: unknown key"
    ):
        parse_mapping("name: m\nfields: {id: {column: a}}\ngrouping: {}\n", "m.yaml")
    with pytest.raises(MappingError, match="`pauses` needs `group`"):
        parse_mapping(
            "name: m\nfields: {id: {column: a}}\npauses: {reasons: {X: customer}}\n", "m.yaml"
        )
    with pytest.raises(MappingError, match="no shipped mapping"):
        load_mapping("servicenow")


def test_servicenow_incident_table_fixture() -> None:
    table, summary = _import("servicenow_incident", FIXTURES / "servicenow_incident.csv")
    # 6 rows; INC0010003 has priority "5 - Planning", which the mapping does not map
    assert (summary.rows_read, summary.records, summary.rejected_rows) == (6, 5, 1)  # type: ignore[attr-defined]
    assert summary.examples[0].row == 4  # type: ignore[attr-defined]
    first = table.row(0, named=True)
    assert first["id"] == "INC0010001" and first["priority"] == "P1"
    assert first["created_at"] == at("2024-03-04T08:12:09")
    assert first["resolved_at"] == at("2024-03-04T10:40:00")
    assert first["service"] == "Exchange Online" and first["made_sla"] is True
    assert table["priority"].to_list() == ["P1", "P2", "P3", "P3", "P3"]
    assert table["resolved_at"].null_count() == 2  # INC0010005 and INC0010006 unresolved
    assert table.filter(pl.col("id") == "INC0010004")["service"].to_list() == [
        None
    ]  # "" is missing


def test_jira_fixture() -> None:
    table, summary = _import("jira_service_management", FIXTURES / "jira_service_management.csv")
    assert summary.records == 5 and summary.rejected_rows == 0  # type: ignore[attr-defined]
    assert table["id"].to_list() == ["ITSM-101", "ITSM-102", "ITSM-103", "ITSM-104", "ITSM-105"]
    # Highest, Medium, High, Low, Lowest -> P1, P3, P2, P4, P4
    assert table["priority"].to_list() == ["P1", "P3", "P2", "P4", "P4"]
    assert table["created_at"].to_list() == [
        at("2024-03-04T08:05"),  # 04/Mar/24 8:05 AM
        at("2024-03-04T13:15"),  # 1:15 PM
        at("2024-03-05T11:42"),
        at("2024-03-05T16:59"),  # 4:59 PM
        at("2024-03-06T00:00"),  # 12:00 AM is midnight
    ]
    assert table["resolved_at"][2] is None
    assert table["request_type"][0] == "Report an incident"


def test_zendesk_fixture() -> None:
    table, summary = _import("zendesk_tickets", FIXTURES / "zendesk_tickets.json")
    # 35438 has no priority: rejected as a record, with its reason
    assert (summary.rows_read, summary.records, summary.rejected_records) == (4, 3, 1)  # type: ignore[attr-defined]
    assert dict(summary.record_reasons) == {"`priority` is missing": 1}  # type: ignore[attr-defined]
    assert table["id"].to_list() == ["35436", "35437", "35439"]
    assert table["priority"].to_list() == ["P1", "P3", "P2"]  # urgent, normal, high
    assert table["first_response_at"].to_list() == [
        at("2024-03-04T08:17:12"),  # 08:05:12 + 12 min
        at("2024-03-04T15:05:00"),  # 13:30 + 95 min
        at("2024-03-06T08:15:30"),  # 07:45:30 + 30 min
    ]
    assert table["resolved_at"].to_list() == [
        at("2024-03-04T11:19:48"),
        None,
        at("2024-03-07T14:00"),
    ]
    assert table["channel"].to_list() == ["email", "web", "email"]


def test_import_command_writes_loadable_output(tmp_path: Path) -> None:
    out = tmp_path / "tickets.parquet"
    result = CliRunner().invoke(
        cli,
        [
            "import",
            "--mapping",
            "jira_service_management",
            str(FIXTURES / "jira_service_management.csv"),
            "-o",
            str(out),
        ],
    )
    assert result.exit_code == 0, result.output
    assert "rows read:        5" in result.output and "records written:  5" in result.output
    loaded = load_dataset(out, "tickets")
    assert loaded["priority"].to_list() == ["P1", "P3", "P2", "P4", "P4"]


def test_real_servicenow_event_log(tmp_path: Path) -> None:
    with zipfile.ZipFile(SERVICENOW_EXPORT) as archive:
        archive.extractall(tmp_path)
    csv = tmp_path / "incident_event_log.csv"
    raw = pl.read_csv(csv, infer_schema=False)
    incidents = raw["number"].n_unique()
    assert (len(raw), incidents) == (119_998, 20_769)

    mapping, origin = load_mapping("servicenow_event_log")
    table, summary = import_export(SERVICENOW_EXPORT, mapping, origin=origin)  # the .zip as is
    from_csv, _ = import_export(csv, mapping, origin=origin)
    assert table.equals(from_csv)

    # every incident accounted for: written, or rejected with a reason
    assert summary.rows_read == 119_998
    assert summary.records + summary.rejected_records == incidents
    # two updates of INC0028089 have incident_state "-100" (not a state): those rows go,
    # the incident stays (it has four other updates)
    assert summary.rejected_rows == 2
    assert [(e.row, e.value) for e in summary.examples if e.field == "incident_state"] == [
        (115_643, "'-100'"),
        (115_644, "'-100'"),
    ]
    # INC0000131 and INC0000135 were opened (opened_at 09:41, 09:45) after their first
    # update left New (07:14, 09:27): first response before creation, so rejected
    assert summary.rejected_records == 2
    rejected = {e.message.split("`")[1] for e in summary.examples if e.field == "first_response_at"}
    assert rejected == {"INC0000131", "INC0000135"}
    assert "INC0028089" in set(table["id"].to_list())
    counts = dict(table["priority"].value_counts().iter_rows())
    assert counts == {"P1": 220, "P2": 337, "P3": 19_552, "P4": 658}
    assert set(raw["number"].to_list()) == set(table["id"].to_list()) | rejected

    by_id = {
        r["id"]: r
        for r in table.filter(
            pl.col("id").is_in(["INC0000594", "INC0001068", "INC0000373"])
        ).iter_rows(named=True)
    }

    # INC0000594, updates in order (sys_updated_at, sys_mod_count):
    #   Active 1/3/2016 11:03 (2 - High), Active 12:10 (1 - Critical), Active 3/3 14:54
    #   (3 - Moderate), Awaiting User Info 8/3 09:24, Resolved 17/3 11:11, Closed 24/3 18:59.
    # Final priority P3 (last row). opened_at 1/3/2016 10:16. First update not New is the
    # first one (11:03). One customer pause from entering Awaiting User Info (8/3 09:24)
    # to the next update (Resolved, 17/3 11:11). resolved_at 17/3/2016 11:11.
    t = by_id["INC0000594"]
    assert t["priority"] == "P3" and t["status"] == "Closed"
    assert t["created_at"] == at("2016-03-01T10:16")
    assert t["first_response_at"] == at("2016-03-01T11:03")
    assert t["resolved_at"] == at("2016-03-17T11:11")
    assert t["pauses"] == [
        {"start": at("2016-03-08T09:24"), "end": at("2016-03-17T11:11"), "reason": "customer"}
    ]
    assert len(t["status_history"]) == 6

    # INC0001068 (reopened): New 2/3 09:48, New 4/3 12:10, New 7/3 10:17 (mod 2),
    #   Awaiting User Info 7/3 10:17 (mod 3), Awaiting User Info 9/3 14:01 (mod 4),
    #   Resolved 9/3 14:01 (mod 5), Active 17/3 16:28, Resolved 17/3 16:29, Closed 24/3.
    # Same-minute updates are ordered by sys_mod_count. First response = first update not
    # New = Awaiting User Info at 7/3 10:17. The pause runs over the two Awaiting updates
    # to the next update leaving it: 7/3 10:17 -> 9/3 14:01. Resolved at the last
    # resolution, 17/3/2016 16:29.
    t = by_id["INC0001068"]
    assert t["created_at"] == at("2016-03-02T09:42")
    assert t["first_response_at"] == at("2016-03-07T10:17")
    assert t["pauses"] == [
        {"start": at("2016-03-07T10:17"), "end": at("2016-03-09T14:01"), "reason": "customer"}
    ]
    assert t["resolved_at"] == at("2016-03-17T16:29")
    assert [s["status"] for s in t["status_history"]][-3:] == ["Active", "Resolved", "Closed"]

    # INC0000373 (4 - Low): Active 29/2 16:07, Awaiting User Info 29/2 16:20, Awaiting
    #   Problem 9/3 17:14, Resolved 10/3 17:51, Closed 24/3 18:50. Two pauses in a row with
    #   different reasons: customer 29/2 16:20 -> 9/3 17:14, problem 9/3 17:14 -> 10/3 17:51.
    t = by_id["INC0000373"]
    assert t["priority"] == "P4"
    assert t["created_at"] == at("2016-02-29T15:55")  # 2016 is a leap year
    assert t["first_response_at"] == at("2016-02-29T16:07")
    assert t["pauses"] == [
        {"start": at("2016-02-29T16:20"), "end": at("2016-03-09T17:14"), "reason": "customer"},
        {"start": at("2016-03-09T17:14"), "end": at("2016-03-10T17:51"), "reason": "problem"},
    ]
    assert t["resolved_at"] == at("2016-03-10T17:51")
    assert t["made_sla"] is False  # made_sla on the last row (Closed) is "false"
