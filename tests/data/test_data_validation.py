"""Validation: every problem with its row and field; pauses repaired with warnings."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import CliRunner

from rules_engine.cli import cli
from rules_engine.data import DataError, DataIssue, load_data
from rules_engine.language.model import CheckedPolicy

UTC = dt.UTC


def _ticket(id_: str, **extra: object) -> dict[str, object]:
    return {"id": id_, "priority": "P1", "created_at": "2026-01-05T10:00:00Z", **extra}


def _errors(path: Path, **kw: object) -> list[DataIssue]:
    with pytest.raises(DataError) as caught:
        load_data(path, **kw)  # type: ignore[arg-type]
    return [i for i in caught.value.issues if i.severity == "error"]


def test_required_types_duplicates_and_order(jsonl: Callable[..., Path]) -> None:
    path = jsonl(
        "tickets.jsonl",
        [
            _ticket("A"),
            {"id": "B", "created_at": "2026-01-05T10:00:00Z"},  # no priority
            _ticket("A"),  # duplicate of row 1
            _ticket("C", resolved_at="2026-01-05T09:59:59Z"),  # 1 s before creation
            _ticket("D", first_response_at="2026-01-05T05:00:00-05:00"),  # = 10:00Z, fine
            _ticket("E", onsite_required="maybe"),
        ],
    )
    found = [(i.row, i.field, i.message) for i in _errors(path)]
    assert found == [
        (2, "priority", "required field `priority` is empty"),
        (3, "id", "duplicate id, first used at row 1"),
        (4, "resolved_at", "`resolved_at` is before `created_at` (2026-01-05T10:00:00Z)"),
        (6, "onsite_required", "expected true or false"),
    ]


def test_jsonl_rows_are_line_numbers(tmp_path: Path) -> None:
    path = tmp_path / "tickets.jsonl"
    lines = [
        json.dumps(_ticket("A")),
        "",
        json.dumps(_ticket("B")),
        "{broken",
        json.dumps(_ticket("C", created_at="yesterday")),
    ]
    path.write_text("\n".join(lines) + "\n")
    found = [(i.row, i.field) for i in _errors(path)]
    # line 2 is blank, line 4 is not JSON, line 5 has a bad timestamp
    assert found == [(4, None), (5, "created_at")]


def test_all_problems_up_to_max_errors(jsonl: Callable[..., Path]) -> None:
    path = jsonl("tickets.jsonl", [_ticket(f"T{i}", created_at="soon") for i in range(10)])
    with pytest.raises(DataError) as caught:
        load_data(path, max_errors=3)
    issues = caught.value.issues
    assert [i.row for i in issues[:3]] == [1, 2, 3]
    assert issues[3].message == "7 more errors not shown"
    assert "max-errors" in (issues[3].hint or "")


def test_enum_and_absurd_timestamps(jsonl: Callable[..., Path]) -> None:
    path = jsonl(
        "vulnerabilities.jsonl",
        [
            {"id": "V1", "severity": "Critical", "published_at": "2026-01-01T00:00:00Z"},
            {"id": "V2", "severity": "high", "published_at": "1985-06-01T00:00:00Z"},
        ],
    )
    (error,) = _errors(path)
    assert (error.row, error.field, error.value) == (1, "severity", "'Critical'")
    path.write_text(
        json.dumps({"id": "V2", "severity": "high", "published_at": "1985-06-01T00:00:00Z"})
    )
    bundle = load_data(path)
    (warning,) = bundle.warnings
    assert (warning.severity, warning.row, warning.field) == ("warning", 1, "published_at")


def test_priorities_against_the_policy_tiers(
    jsonl: Callable[..., Path], policy: CheckedPolicy
) -> None:
    path = jsonl(
        "tickets.jsonl", [_ticket("A", priority="p1"), _ticket("B", priority="P9"), _ticket("C")]
    )
    with pytest.raises(DataError) as caught:
        load_data(path, policy=policy)
    issues = caught.value.issues
    (error,) = [i for i in issues if i.severity == "error"]
    assert (error.row, error.field) == (1, "priority")
    assert "`P1`" in error.message  # tier names are case-sensitive: p1 would match nothing
    (warning,) = [i for i in issues if i.severity == "warning"]
    assert warning.row == 2 and "P9" in warning.message


def test_pauses_merged_clipped_and_inverted(jsonl: Callable[..., Path]) -> None:
    resolved = "2026-01-05T20:00:00Z"  # created at 10:00Z

    def pause(start: str, end: str | None, reason: str = "customer") -> dict[str, object]:
        return {
            "start": f"2026-01-05T{start}:00Z",
            "end": end and f"2026-01-05T{end}:00Z",
            "reason": reason,
        }

    path = jsonl(
        "tickets.jsonl",
        [
            # 11-13 and 12-14 overlap (same reason): merged into 11-14; vendor 12:30-13 kept
            _ticket(
                "A",
                resolved_at=resolved,
                pauses=[
                    pause("11:00", "13:00"),
                    pause("12:00", "14:00"),
                    pause("12:30", "13:00", "vendor"),
                ],
            ),
            # 09-11 starts before creation (clipped to 10-11); 19-21 runs past resolution
            # (clipped to 19-20); 21-22 lies after it and disappears
            _ticket(
                "B",
                resolved_at=resolved,
                pauses=[pause("09:00", "11:00"), pause("19:00", "21:00"), pause("21:00", "22:00")],
            ),
            # still running on an open ticket: left running
            _ticket("C", pauses=[pause("11:00", None)]),
            # nested pauses: 11-15 contains 12-13 -> 11-15
            _ticket(
                "D", resolved_at=resolved, pauses=[pause("11:00", "15:00"), pause("12:00", "13:00")]
            ),
        ],
    )
    bundle = load_data(path)
    table = bundle.tables["tickets"]

    def t(hhmm: str) -> dt.datetime:
        return dt.datetime.fromisoformat(f"2026-01-05T{hhmm}:00+00:00")

    assert table["pauses"].to_list() == [
        [
            {"start": t("11:00"), "end": t("14:00"), "reason": "customer"},
            {"start": t("12:30"), "end": t("13:00"), "reason": "vendor"},
        ],
        [
            {"start": t("10:00"), "end": t("11:00"), "reason": "customer"},
            {"start": t("19:00"), "end": t("20:00"), "reason": "customer"},
        ],
        [{"start": t("11:00"), "end": None, "reason": "customer"}],
        [{"start": t("11:00"), "end": t("15:00"), "reason": "customer"}],
    ]
    found = sorted(
        (w.row, w.message.split()[0] + " " + w.message.split()[-1]) for w in bundle.warnings
    )
    assert [row for row, _ in found] == [1, 2, 2, 4]

    inverted = jsonl("tickets.jsonl", [_ticket("X", pauses=[pause("12:00", "11:00")])])
    (error,) = _errors(inverted)
    assert (error.row, error.field) == (1, "pauses")
    assert "ends before it starts" in error.message


def test_validate_command_exit_codes(tmp_path: Path, jsonl: Callable[..., Path]) -> None:
    good = jsonl("tickets.jsonl", [_ticket("A")])
    runner = CliRunner()
    ok = runner.invoke(cli, ["validate", "--data", str(good)])
    assert ok.exit_code == 0, ok.output
    assert "ok: 1 record in tickets" in ok.output
    bad = jsonl("outages.jsonl", [{"id": "O", "service": "s", "started_at": "2026-01-05T10:00:00"}])
    result = runner.invoke(cli, ["validate", "--data", str(bad), "--format", "json"])
    assert result.exit_code == 1
    payload = json.loads(result.output)
    assert payload["ok"] is False
    assert payload["issues"][0]["row"] == 1 and payload["issues"][0]["field"] == "started_at"
    fixed = runner.invoke(cli, ["validate", "--data", str(bad), "--timezone", "Europe/Paris"])
    assert fixed.exit_code == 0
    zone = runner.invoke(cli, ["validate", "--data", str(bad), "--timezone", "Mars/Olympus"])
    assert zone.exit_code == 2
    assert "unknown time zone" in zone.output
