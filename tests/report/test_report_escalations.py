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
