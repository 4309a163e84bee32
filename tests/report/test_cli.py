"""``sla report``: the happy paths, and every bad input answered with one clear line,
exit 2 and no file left behind."""

from __future__ import annotations

import json
import os
import stat
import subprocess
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result

from rules_engine.cli import cli

REPO = Path(__file__).resolve().parents[2]
EXAMPLE = REPO / "examples" / "quickstart"
EXAMPLE_ARGS = [
    str(EXAMPLE / "policy.sla"),
    "--data",
    str(EXAMPLE / "data"),
    "--from",
    "2026-01",
    "--to",
    "2026-03",
    "--as-of",
    "2026-04-01T09:00:00-04:00",
]


def run(*args: str) -> Result:
    return CliRunner().invoke(cli, ["report", *args], catch_exceptions=False)


@pytest.fixture
def doc_file(tmp_path: Path, sample: dict[str, Any]) -> Path:
    path = tmp_path / "eval.json"
    path.write_text(json.dumps(sample), encoding="utf-8")
    return path


def test_html_from_json(tmp_path: Path, doc_file: Path) -> None:
    out = tmp_path / "r.html"
    result = run("--from-json", str(doc_file), "--output", str(out))
    assert result.exit_code == 0, result.output
    text = out.read_text(encoding="utf-8")
    assert text.startswith("<!DOCTYPE html>") and "Fixture services" in text
    assert sorted(p.name for p in tmp_path.iterdir()) == ["eval.json", "r.html"]  # no temp left
    mode = stat.S_IMODE(out.stat().st_mode)
    assert mode & 0o044  # readable by others like any file open() makes (umask 022)


def test_range_selects_periods(doc_file: Path) -> None:
    result = run(
        "--from-json", str(doc_file), "--from", "2026-02", "--to", "2026-02", "--format", "markdown"
    )
    assert result.exit_code == 0, result.output
    assert "Periods 2026-02 · as of" in result.stdout
    assert "| 2026-01 |" not in result.stdout


def test_markdown_chart_files(tmp_path: Path, doc_file: Path) -> None:
    out = tmp_path / "r.md"
    result = run(
        "--from-json",
        str(doc_file),
        "--format",
        "markdown",
        "--charts",
        "files",
        "--output",
        str(out),
    )
    assert result.exit_code == 0, result.output
    charts = sorted(p.name for p in (tmp_path / "r-charts").iterdir())
    assert len(charts) == 5 and "p1_response.svg" in charts
    assert "](r-charts/p1_response.svg)" in out.read_text(encoding="utf-8")


def test_to_before_from(tmp_path: Path, doc_file: Path) -> None:
    out = tmp_path / "r.html"
    result = run(
        "--from-json", str(doc_file), "--from", "2026-03", "--to", "2026-01", "--output", str(out)
    )
    assert result.exit_code == 2
    assert "error: --to 2026-01 comes before --from 2026-03" in result.stderr
    assert not out.exists()


def test_more_than_120_periods(tmp_path: Path, doc_file: Path) -> None:
    # 2016-01 .. 2026-01 is 10 x 12 + 1 = 121 months
    result = run("--from-json", str(doc_file), "--from", "2016-01", "--to", "2026-01")
    assert result.exit_code == 2
    assert "2016-01 to 2026-01 is 121 periods; a report covers at most 120" in result.stderr


def test_range_with_no_data(tmp_path: Path, doc_file: Path, sample: dict[str, Any]) -> None:
    result = run("--from-json", str(doc_file), "--from", "2027-01", "--to", "2027-03")
    assert result.exit_code == 2
    assert "no periods from 2027-01 to 2027-03" in result.stderr
    for period in sample["periods"]:
        for target in period["targets"].values():
            target["in_scope"] = 0
    empty = tmp_path / "empty.json"
    empty.write_text(json.dumps(sample), encoding="utf-8")
    out = tmp_path / "r.html"
    result = run("--from-json", str(empty), "--output", str(out))
    assert result.exit_code == 2
    assert "no records fall in the periods 2026-01 to 2026-03" in result.stderr
    assert not out.exists()


def test_output_that_cannot_be_written(tmp_path: Path, doc_file: Path) -> None:
    result = run("--from-json", str(doc_file), "--output", str(tmp_path / "missing" / "r.html"))
    assert result.exit_code == 2
    assert "does not exist" in result.stderr
    result = run("--from-json", str(doc_file), "--output", str(tmp_path))
    assert result.exit_code == 2
    assert "is a folder" in result.stderr
    # a file where the folder should be: fails even for root, which the chmod test cannot
    blocker = tmp_path / "notes.txt"
    blocker.write_text("x", encoding="utf-8")
    result = run("--from-json", str(doc_file), "--output", str(blocker / "r.html"))
    assert result.exit_code == 2
    assert "is a file, not a folder" in result.stderr
    assert blocker.read_text(encoding="utf-8") == "x"


@pytest.mark.skipif(os.geteuid() == 0, reason="root can write to read-only folders")
def test_output_in_read_only_folder(tmp_path: Path, doc_file: Path) -> None:
    locked = tmp_path / "locked"
    locked.mkdir()
    locked.chmod(0o500)
    try:
        result = run("--from-json", str(doc_file), "--output", str(locked / "r.html"))
    finally:
        locked.chmod(0o700)
    assert result.exit_code == 2
    assert "permission denied" in result.stderr


def test_failed_render_leaves_no_file(
    tmp_path: Path, doc_file: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    fake = tmp_path / "fake-chromium"
    fake.write_text("#!/bin/sh\necho 'cannot open display' >&2\nexit 3\n", encoding="utf-8")
    fake.chmod(0o755)
    monkeypatch.setenv("SLA_CHROMIUM", str(fake))
    out = tmp_path / "r.pdf"
    result = run("--from-json", str(doc_file), "--format", "pdf", "--output", str(out))
    assert result.exit_code == 2
    assert "Chromium failed to print the PDF (exit 3): cannot open display" in result.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == ["eval.json", "fake-chromium"]


def test_missing_chromium(tmp_path: Path, doc_file: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SLA_CHROMIUM", str(tmp_path / "nowhere"))
    result = run(
        "--from-json", str(doc_file), "--format", "pdf", "--output", str(tmp_path / "r.pdf")
    )
    assert result.exit_code == 2
    assert "Chromium not found" in result.stderr and "apt-get install chromium" in result.stderr


def test_bad_documents(tmp_path: Path) -> None:
    missing = run("--from-json", str(tmp_path / "nope.json"))
    assert missing.exit_code == 2 and "nope.json: no such file" in missing.stderr
    broken = tmp_path / "broken.json"
    broken.write_text('{"periods": [\n  1,\n', encoding="utf-8")
    result = run("--from-json", str(broken))
    assert result.exit_code == 2 and "broken.json:3:1: invalid JSON" in result.stderr
    wrong = tmp_path / "wrong.json"
    wrong.write_text('{"targets": {}}', encoding="utf-8")
    result = run("--from-json", str(wrong))
    assert result.exit_code == 2 and "no `periods` list" in result.stderr


def test_usage_errors(doc_file: Path) -> None:
    result = run("--from-json", str(doc_file), "--as-of", "2026-01-01")
    assert result.exit_code == 2 and "a kept document has its own" in result.stderr
    result = run()
    assert result.exit_code == 2 and "needs POLICY and --data" in result.stderr
    result = run(str(EXAMPLE / "policy.sla"), "--data", str(EXAMPLE / "data"))
    assert result.exit_code == 2 and "needs a range" in result.stderr


def test_report_from_policy_and_data(tmp_path: Path) -> None:
    out = tmp_path / "q1.html"
    result = run(*EXAMPLE_ARGS, "--output", str(out))
    assert result.exit_code == 0, result.stderr
    text = out.read_text(encoding="utf-8")
    # README: February breached p1_response and email; 800.00 USD of credits in the quarter
    assert "Contoso service desk" in text
    assert "800.00 USD" in text
    assert 'data-target="p1_response" data-period="2026-02"' in text
    # the audit footer names the revision of the repository holding the policy, if any
    head = subprocess.run(
        ["git", "-C", str(EXAMPLE), "rev-parse", "HEAD"],
        capture_output=True,
        text=True,
        check=False,
    )
    if head.returncode == 0:
        assert head.stdout.strip() in text
    else:
        assert "not in a git repository" in text


def test_engine_range_errors(tmp_path: Path) -> None:
    args = [*EXAMPLE_ARGS[:3], "--from", "2026-03", "--to", "2026-01"]
    result = run(*args)
    assert result.exit_code == 2
    assert "error: --to 2026-01 comes before --from 2026-03" in result.stderr
    args = [*EXAMPLE_ARGS[:3], "--from", "2016-01", "--to", "2026-03"]
    result = run(*args)
    assert result.exit_code == 2 and "a report covers at most 120" in result.stderr
    args = [
        *EXAMPLE_ARGS[:3],
        "--from",
        "2030-01",
        "--to",
        "2030-02",
        "--as-of",
        "2030-03-01T00:00:00Z",
    ]
    result = run(*args, "--output", str(tmp_path / "r.html"))
    assert result.exit_code == 2
    assert "no records fall in the periods 2030-01 to 2030-02" in result.stderr
    assert not (tmp_path / "r.html").exists()
