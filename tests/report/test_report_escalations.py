"""`sla report` lists the open records past an escalation step at as-of."""

import json
from pathlib import Path

from click.testing import CliRunner

from rules_engine.cli import cli

POLICY = Path(__file__).resolve().parents[2] / "policies" / "managed_it.sla"


def test_open_p1_past_its_steps_appears_in_the_report(tmp_path: Path) -> None:
    # P1 opened 20:00 UTC, still open at 00:00 UTC: 4h elapsed, past `at 30m`,
    # `at 50% of p1_resolution` (2h of 4h) and `at 4h` (exactly 4h is reached)
    ticket = {
        "id": "ESC-1",
        "priority": "P1",
        "created_at": "2026-03-31T20:00:00Z",
        "first_response_at": "2026-03-31T20:05:00Z",
        "resolved_at": None,
        "status": "in progress",
    }
    data = tmp_path / "data"
    data.mkdir()
    (data / "tickets.jsonl").write_text(json.dumps(ticket) + "\n")
    out = tmp_path / "report.md"
    result = CliRunner().invoke(
        cli,
        [
            "report", str(POLICY), "--data", str(data), "--from", "2026-03", "--to", "2026-03",
            "--as-of", "2026-04-01T00:00:00Z", "--format", "markdown", "--output", str(out),
        ],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    text = out.read_text()
    section = text[text.index("Escalations") :]
    assert "ESC-1" in section
    assert "Customer CIO" in section


LADDER = Path(__file__).resolve().parents[1] / "escalation" / "cases" / "ladder"


def test_compliance_per_step_with_its_records(tmp_path: Path) -> None:
    """Issue 12: the report said "No escalations are due" while `sla escalations` found
    late and missed steps. Now it shows both, with the records (worked out by hand in
    tests/escalation/test_cli.py: T2 step 1 notified 05:35 for 05:30, 5m late; T4 step 1,
    T2 step 3 and T1 step 2 never notified)."""
    out = tmp_path / "report.md"
    result = CliRunner().invoke(
        cli,
        [
            "report", str(LADDER / "policy.sla"), "--data", str(LADDER / "data"),
            "--period", "2026-04", "--as-of", "2026-04-08T12:00:00Z",
            "--format", "markdown", "--output", str(out),
        ],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    text = out.read_text()
    section = text[text.index("## Escalations") : text.index("## Disputed")]
    assert "compliance: breached (6 steps required: 2 on time, 1 late, 3 missed)" in section
    assert "compliance: breached (1 step required: 0 on time, 0 late, 1 missed)" in section
    assert (
        "| T2 | 1 | Service desk lead | 2026-04-08 05:30 +00:00 | 2026-04-08 05:35 +00:00 | late by 5m |"
        in section
    )
    assert "| T4 | 1 | Service desk lead | 2026-04-08 06:30 +00:00 | never | missed |" in section
    # the open records past a step: T2 at step 3, T1 at step 2
    assert "| T2 | 3. at 4h |" in section and "| T1 | 2. at 50% of p1_resolution |" in section
    assert "No escalations are due" not in text
