"""Repeated data warnings are grouped by kind with a count and examples (issue 15):
a real export clipped thousands of pauses and the outputs listed them one by one
until "7531 more warnings not shown"."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from rules_engine.cli import cli
from rules_engine.data import load_data

ROOT = Path(__file__).resolve().parents[2]
CLIPPED = "a pause running past the record's stop event was clipped"


def _tickets(folder: Path, late: int, early: int) -> Path:
    """``late`` tickets whose pause runs past resolution, then ``early`` whose pause
    starts before creation (one JSON line each, rows 1..late+early)."""
    lines = []
    for i in range(late + early):
        pause = (
            {"start": "2026-01-05T11:00:00Z", "end": "2026-01-05T13:00:00Z", "reason": "customer"}
            if i < late
            else {
                "start": "2026-01-05T09:00:00Z",
                "end": "2026-01-05T10:30:00Z",
                "reason": "customer",
            }
        )
        lines.append(
            json.dumps(
                {
                    "id": f"T{i + 1}",
                    "priority": "P2",
                    "created_at": "2026-01-05T10:00:00Z",
                    "first_response_at": "2026-01-05T10:05:00Z",
                    "resolved_at": "2026-01-05T12:00:00Z",
                    "pauses": [pause],
                }
            )
        )
    path = folder / "tickets.jsonl"
    path.write_text("\n".join(lines) + "\n")
    return path


def test_many_warnings_of_one_kind_are_one_line_with_count_and_examples(tmp_path: Path) -> None:
    # 250 clipped-late pauses: more than the 100 warnings kept one by one, so the count
    # must come from the check itself, not from the kept list
    path = _tickets(tmp_path, late=250, early=2)
    warnings = [str(w) for w in load_data(path).warnings]
    assert warnings == [
        f"{path}, field `pauses`: warning: {CLIPPED}: 250 records (e.g. rows 1, 2, 3)",
        f"{path}, row 251, field `pauses`: warning: a pause starting before the record was "
        "created was clipped (got '2026-01-05T09:00:00Z')",
        f"{path}, row 252, field `pauses`: warning: a pause starting before the record was "
        "created was clipped (got '2026-01-05T09:00:00Z')",
    ]
    result = CliRunner().invoke(
        cli,
        [
            "eval",
            str(ROOT / "examples" / "quickstart" / "policy.sla"),
            "--data",
            str(path),
            "--period",
            "2026-01",
            "--as-of",
            "2026-04-01T09:00:00-04:00",
        ],
    )
    assert f"{CLIPPED}: 250 records (e.g. rows 1, 2, 3)" in result.output, result.output
    assert "more warnings not shown" not in result.output
    assert result.output.count(CLIPPED) == 1


def test_a_few_warnings_stay_listed_one_by_one(tmp_path: Path) -> None:
    path = _tickets(tmp_path, late=3, early=0)
    warnings = load_data(path).warnings
    assert [(w.row, w.message) for w in warnings] == [(1, CLIPPED), (2, CLIPPED), (3, CLIPPED)]
