"""`--format github` as CI needs it (issue 15): one annotation per target and verdict,
never more than GitHub shows (10 per level), on the data file where the breach is, and
the full table in the job summary."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from rules_engine.cli import cli
from rules_engine.render.github import MAX_ANNOTATIONS, render_github, render_github_summary

ROOT = Path(__file__).resolve().parents[2]


def test_a_target_breached_in_several_periods_is_one_annotation(sample: dict[str, Any]) -> None:
    # p1_response: breached in February; make January breached as well
    sample["periods"][0]["targets"]["p1_response"] = copy.deepcopy(
        sample["periods"][1]["targets"]["p1_response"]
    )
    lines = render_github(sample).splitlines()
    p1 = [line for line in lines if "p1_response" in line and line.startswith("::error")]
    assert len(p1) == 1
    assert "title=SLA breached%3A p1_response in 2026-01%2C 2026-02::" in p1[0]
    assert p1[0].endswith("; also in 2026-02.")


def test_annotations_stay_within_what_github_shows(sample: dict[str, Any]) -> None:
    # 12 differently named breached targets in February (copies of p1_response)
    targets = sample["periods"][1]["targets"]
    for k in range(12):
        targets[f"copy_{k:02d}"] = copy.deepcopy(targets["p1_response"])
    lines = render_github(sample).splitlines()
    errors = [line for line in lines if line.startswith("::error")]
    # 14 breached provider targets in February (p1, email, 12 copies) -> 9 shown and a
    # tenth saying 5 more
    assert len(errors) == MAX_ANNOTATIONS == 10
    assert errors[-1] == (
        "::error title=SLA%3A 5 more targets with shortfalls::5 more shortfalls (errors) are "
        "not annotated here, GitHub shows 10 per step; the job summary has the full table"
    )


def test_a_breach_in_data_points_at_the_data_file(sample: dict[str, Any]) -> None:
    sample["data"]["sources"] = {"tickets": "data/tickets.jsonl"}
    for period in sample["periods"]:
        for target in period["targets"].values():
            target["dataset"] = "tickets"
    # p1_response's breached records in February are BR-1 and BR-2
    line = next(x for x in render_github(sample).splitlines() if "p1_response in 2026-02" in x)
    assert line.startswith("::error file=data/tickets.jsonl,title=SLA breached%3A p1_response")
    assert "line=" not in line.split("::")[1]
    assert line.endswith("; breached records BR-1, BR-2 (target at policies/fixture.sla:20:1).")


def test_the_job_summary_has_every_shortfall(sample: dict[str, Any]) -> None:
    targets = sample["periods"][1]["targets"]
    for k in range(12):
        targets[f"copy_{k:02d}"] = copy.deepcopy(targets["p1_response"])
    text = render_github_summary(sample)
    rows = [line for line in text.splitlines() if line.startswith("| 2026")]
    # January: change_turnaround; February: p1, email and the 12 copies; March: p1 at risk
    assert len(rows) == 1 + 14 + 1
    assert rows[-1].startswith("| 2026-03 | `p1_response` | at risk | provider |")


def test_eval_appends_the_table_to_the_step_summary(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    summary = tmp_path / "summary.md"
    summary.write_text("earlier step\n")
    monkeypatch.setenv("GITHUB_STEP_SUMMARY", str(summary))
    result = CliRunner().invoke(
        cli,
        [
            "eval",
            str(ROOT / "examples" / "quickstart" / "policy.sla"),
            "--data",
            str(ROOT / "examples" / "quickstart" / "data"),
            "--from",
            "2026-01",
            "--to",
            "2026-03",
            "--as-of",
            "2026-04-01T09:00:00-04:00",
            "--format",
            "github",
        ],
    )
    assert result.exit_code == 1
    text = summary.read_text()
    assert text.startswith("earlier step\n### SLA Contoso service desk: as of ")
    assert "| breached |" in text
