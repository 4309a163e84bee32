"""Mappings that derive fields from the status sequence (issue 15): a time where the
status enters or leaves a set, `in` for first response, a status of two columns,
warnings for statuses the mapping and the export disagree on, rejected rows named by
record, and fixed offsets read as wall time."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import polars as pl
import pytest
from click.testing import CliRunner

from rules_engine.cli import cli
from rules_engine.data import load_dataset
from rules_engine.data.importer import ImportFailure, ImportSummary, import_export
from rules_engine.data.mapping import MappingError, parse_mapping

EU = Path(__file__).parent / "fixtures" / "eu_event_log"
MAPPING = (EU / "mapping.yaml").read_text(encoding="utf-8")
AS_OF = "2012-08-01T00:00:00+02:00"


def cest(text: str) -> dt.datetime:
    """Brussels summer time (UTC+2) as UTC."""
    return dt.datetime.fromisoformat(text + "+02:00").astimezone(dt.UTC)


def run(mapping_text: str, source: Path, **kw: object) -> tuple[pl.DataFrame, ImportSummary]:
    return import_export(source, parse_mapping(mapping_text, "m.yaml"), origin="m.yaml", **kw)  # type: ignore[arg-type]


def by_id(table: pl.DataFrame) -> dict[str, dict[str, object]]:
    return {r["id"]: r for r in table.iter_rows(named=True)}


def warnings(summary: ImportSummary) -> list[str]:
    return [str(w) for w in summary.warnings]


# ----------------------------------------------------------------- the European log


def test_eu_event_log_imports_with_the_mapping_alone_and_equals_the_preprocessed_one(
    tmp_path: Path,
) -> None:
    table, summary = run(MAPPING, EU / "export.csv")
    assert (summary.rows_read, summary.records, summary.rejected_rows) == (26, 6, 0)
    expected = load_dataset(EU / "preprocessed" / "tickets.jsonl", "tickets")
    columns = ["id", "priority", "status", "created_at", "first_response_at", "resolved_at"]
    assert table.select(columns).equals(expected.select(columns))
    assert table["pauses"].to_list() == expected["pauses"].to_list()
    # 1-100004 went Queued -> Unmatched -> Completed/Cancelled: never In Progress;
    # 1-100006 is still waiting for the customer
    assert (summary.without_first_response, summary.without_resolution) == (1, 1)

    out = tmp_path / "tickets.jsonl"
    runner = CliRunner()
    imported = runner.invoke(
        cli,
        ["import", "--mapping", str(EU / "mapping.yaml"), str(EU / "export.csv"), "-o", str(out)],
    )
    assert imported.exit_code == 0, imported.output

    def evaluate(data: Path) -> str:
        args = ["eval", str(EU / "policy.sla"), "--data", str(data), "--as-of", AS_OF]
        result = runner.invoke(cli, [*args, "--from", "2012-03", "--to", "2012-07"])
        assert result.exit_code == 1, result.output  # May's P2 targets are breached
        return result.output

    assert evaluate(out) == evaluate(EU / "preprocessed" / "tickets.jsonl")


def test_resolution_is_the_last_entry_into_completed_not_the_last_update() -> None:
    table, _ = run(MAPPING, EU / "export.csv")
    t = by_id(table)["1-100002"]
    # Completed/Resolved 2/5 14:00, reopened 15:00, Completed/Resolved 3/5 09:30,
    # Completed/Closed 4/5 09:30 (inside Completed: not an entry) -> 3/5 09:30
    assert t["resolved_at"] == cest("2012-05-03T09:30")
    # Queued 09:10, Accepted/Assigned 09:50 (not a response), Accepted/In Progress 10:30
    assert t["first_response_at"] == cest("2012-05-02T10:30")
    first = MAPPING.replace("pick: last", "pick: first")
    assert by_id(run(first, EU / "export.csv")[0])["1-100002"]["resolved_at"] == cest(
        "2012-05-02T14:00"
    )


def test_leaves_and_not_in(tmp_path: Path) -> None:
    # time the incident leaves Queued (first), and last time it enters a status that is
    # not Accepted (written negatively)
    text = MAPPING.replace(
        "  status: {column: Status, aggregate: last}\n",
        "  status: {column: Status, aggregate: last}\n"
        "  picked_up_at: {from_status: {change: leaves, in: [Queued]}}\n"
        "  left_accepted_at: {from_status: {change: enters, not_in: [Accepted], pick: last}}\n",
    )
    rows = by_id(run(text, EU / "export.csv")[0])
    # 1-100002: Queued 09:10 -> Accepted/Assigned 09:50 (leaves Queued at 09:50);
    # not-Accepted entered at 09:10 (first row), 14:00 (Completed), 3/5 09:30 -> last
    assert rows["1-100002"]["picked_up_at"] == cest("2012-05-02T09:50")
    assert rows["1-100002"]["left_accepted_at"] == cest("2012-05-03T09:30")
    # 1-100005 starts Accepted: never leaves Queued
    assert rows["1-100005"]["picked_up_at"] is None


def test_first_response_in_versus_not_in() -> None:
    not_in = MAPPING.replace("  in: [Accepted/In Progress]", "  not_in: [Queued]")
    rows = by_id(run(not_in, EU / "export.csv")[0])
    # with not_in, Unmatched (10:05) and Accepted/Assigned (09:50) count as responses
    assert rows["1-100004"]["first_response_at"] == cest("2012-04-03T10:05")
    assert rows["1-100002"]["first_response_at"] == cest("2012-05-02T09:50")
    rows = by_id(run(MAPPING, EU / "export.csv")[0])
    assert rows["1-100004"]["first_response_at"] is None


def test_misspelt_statuses_are_warned_with_did_you_mean() -> None:
    typo = MAPPING.replace("Accepted/Wait - User", "Accepted/Wait - Usr").replace(
        "in: [Completed]", "in: [Complted]"
    )
    table, summary = run(typo, EU / "export.csv")
    found = warnings(summary)
    assert any(
        "`pauses.reasons` names status `Accepted/Wait - Usr`, which never occurs" in w
        and "did you mean `Accepted/Wait - User`?" in w
        for w in found
    ), found
    assert any(
        "`fields.resolved_at.from_status.in` names status `Complted`" in w
        and "did you mean `Completed`?" in w
        for w in found
    ), found
    # what the typos did: 1-100001 lost its customer pause and every resolution
    assert by_id(table)["1-100001"]["pauses"] == []
    assert table["resolved_at"].null_count() == 6


def test_statuses_the_mapping_does_not_mention_are_listed_with_counts() -> None:
    _, summary = run(MAPPING, EU / "export.csv")
    listed = [w for w in warnings(summary) if "statuses the mapping does not mention" in w]
    # Queued/Awaiting Assignment opens 1-100001, -002, -003, -004, -006: 5 rows;
    # Accepted/Assigned once (1-100002), Unmatched/Unmatched once (1-100004);
    # Completed/* is named by resolved_at's `in: [Completed]`
    assert len(listed) == 1
    assert (
        "`Queued/Awaiting Assignment` (5), `Accepted/Assigned` (1), `Unmatched/Unmatched` (1)"
        in listed[0]
    )


def test_status_from_two_columns_with_a_missing_sub_status(tmp_path: Path) -> None:
    csv = tmp_path / "log.csv"
    csv.write_text(
        "SR Number;Change Date+Time;Status;Sub Status;Impact\n"
        "1-1;2012-01-10T09:00:00+01:00;Queued;;High\n"
        "1-1;2012-01-10T09:30:00+01:00;Accepted;In Progress;High\n"
        "1-1;2012-01-10T10:00:00+01:00;Completed;;High\n",
        encoding="utf-8",
    )
    table, summary = run(MAPPING, csv)
    t = table.row(0, named=True)
    # "Completed" with no sub status is still in [Completed]; January is UTC+1
    assert t["resolved_at"] == dt.datetime(2012, 1, 10, 9, 0, tzinfo=dt.UTC)
    assert t["first_response_at"] == dt.datetime(2012, 1, 10, 8, 30, tzinfo=dt.UTC)
    listed = [w for w in warnings(summary) if "does not mention" in w]
    assert "`Queued` (1)" in listed[0]


def test_mapping_shapes_are_checked() -> None:
    base = "name: m\ngroup: {by: a, order_by: [{column: t}], status: s, at: t}\n"
    with pytest.raises(MappingError, match="exactly one of `column` and `from_status`"):
        parse_mapping(base + "fields: {id: {column: a}, x: {}}\n", "m.yaml")
    with pytest.raises(MappingError, match="exactly one of `in` and `not_in`"):
        parse_mapping(
            base + "fields: {id: {column: a}}\nfirst_response: {in: [A], not_in: [B]}\n", "m.yaml"
        )
    with pytest.raises(MappingError, match=r"`fields\.r\.from_status` needs `group`"):
        parse_mapping("name: m\nfields: {id: {column: a}, r: {from_status: {in: [A]}}}\n", "m.yaml")


# ----------------------------------------------------------------- rejected rows


def test_rejected_rows_name_the_records_they_changed(tmp_path: Path) -> None:
    lines = (EU / "export.csv").read_text(encoding="utf-8").splitlines()
    # row 4 (1-100001's Wait - User update) and the only three rows of 1-100003 get a
    # bad time
    for number in (4, 15, 16, 17):
        lines[number - 1] = lines[number - 1].replace("T", " at ", 1)
    csv = tmp_path / "log.csv"
    csv.write_text("\n".join(lines) + "\n", encoding="utf-8")
    table, summary = run(MAPPING, csv)
    assert summary.rejected_rows == 4
    assert summary.changed_records == ["1-100001"]
    assert summary.lost_records == ["1-100003"]
    text = "\n".join(summary.lines())
    assert "records changed by rejected rows: 1 (`1-100001`; their other rows were kept)" in text
    assert "records with every row rejected: 1 (`1-100003`)" in text
    assert (
        "row 4, field `Change Date+Time`: error: row rejected (an update of record `1-100001`)"
        in text
    )
    # 1-100001 without its Wait - User row has no pause left
    assert by_id(table)["1-100001"]["pauses"] == []
    assert "records without a first response: 1" in text
    assert "records without a resolution:     1" in text


# ----------------------------------------------------------------- offsets that lie


def test_fixed_offsets_across_dst_are_warned_and_wall_time_reads_them(tmp_path: Path) -> None:
    kept = MAPPING.replace("  offsets: wall_time\n", "")
    table, summary = run(kept, EU / "export.csv")
    found = [w for w in warnings(summary) if "daylight saving" in w]
    assert len(found) == 1 and "every time in `Change Date+Time` is written `+01:00`" in found[0]
    assert "`timestamps.offsets: wall_time`" in found[0]
    # read as written, 1-100003 opened 17:20+01:00 = 18:20 in Brussels (after hours)
    assert by_id(table)["1-100003"]["created_at"] == cest("2012-06-12T18:20")
    _, summary = run(MAPPING, EU / "export.csv")
    assert not [w for w in warnings(summary) if "daylight saving" in w]

    # only winter rows: the offset is right, no warning
    winter = tmp_path / "winter.csv"
    winter.write_text(
        "\n".join((EU / "export.csv").read_text(encoding="utf-8").splitlines()[:7]) + "\n",
        encoding="utf-8",
    )
    _, summary = run(kept, winter)
    assert not [w for w in warnings(summary) if "daylight saving" in w]


def test_wall_time_needs_a_zone_and_takes_the_command_line_one() -> None:
    zoneless = MAPPING.replace("  timezone: Europe/Brussels\n", "")
    with pytest.raises(ImportFailure, match=r"`timestamps\.offsets: wall_time` needs a zone"):
        run(zoneless, EU / "export.csv")
    table, _ = run(zoneless, EU / "export.csv", timezone="Europe/Brussels")
    assert by_id(table)["1-100003"]["created_at"] == cest("2012-06-12T17:20")


def test_wall_time_in_the_policy_evaluation_changes_the_verdict(tmp_path: Path) -> None:
    # the same export read with its written offsets: 1-100003's response runs from
    # 18:20 (after hours) to 09:15, 75 office minutes, so June's p2_response breaches;
    # as wall time 17:20 -> 18:00 and 08:00 -> 08:15 is 55 minutes, met
    kept = tmp_path / "kept.yaml"
    kept.write_text(MAPPING.replace("  offsets: wall_time\n", ""), encoding="utf-8")
    runner = CliRunner()
    verdicts = {}
    for name, mapping in (("wall", EU / "mapping.yaml"), ("kept", kept)):
        out = tmp_path / name / "tickets.jsonl"
        out.parent.mkdir()
        runner.invoke(
            cli, ["import", "--mapping", str(mapping), str(EU / "export.csv"), "-o", str(out)]
        )
        args = ["eval", str(EU / "policy.sla"), "--data", str(out), "--as-of", AS_OF]
        result = runner.invoke(cli, [*args, "--period", "2012-06"])
        line = next(x for x in result.output.splitlines() if "p2_response" in x)
        verdicts[name] = line.split()[0]
    assert verdicts == {"wall": "met", "kept": "breached"}


def test_data_with_one_offset_across_the_policy_zones_dst_is_warned(tmp_path: Path) -> None:
    # the pre-processed file is right: +01:00 in March, +02:00 from April; stamped
    # +01:00 throughout, as the export does, it is an hour off all summer
    right = EU / "preprocessed" / "tickets.jsonl"
    wrong = tmp_path / "tickets.jsonl"
    wrong.write_text(right.read_text(encoding="utf-8").replace("+02:00", "+01:00"))
    runner = CliRunner()
    policy = ["--policy", str(EU / "policy.sla")]
    result = runner.invoke(cli, ["validate", "--data", str(wrong), *policy])
    assert result.exit_code == 0, result.output
    assert (
        f"{wrong}, field `created_at`: warning: every `created_at` is written `+01:00`, "
        "although the policy's zone Europe/Brussels changes its offset for daylight saving "
        "within their range" in result.output
    )
    assert (
        "daylight saving"
        not in runner.invoke(cli, ["validate", "--data", str(right), *policy]).output
    )
    # without a policy there is no zone to compare with
    assert "daylight saving" not in runner.invoke(cli, ["validate", "--data", str(wrong)]).output
