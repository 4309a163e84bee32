"""A small contract and hand-laid tickets, for the end-to-end diff, replay and test runs."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

POLICY = """\
policy "Replay demo"
provider "Northwind MSP"
customer "Contoso Ltd"
effective 2026-01-01
timezone "UTC"
currency USD
fee 8000 per month
period month

tier P1 coverage 24x7

target p1_response {
  of tickets where priority = P1
  measure response_time
  require 95% within 15m
}

credit response_credits {
  when p1_response breached credit 400 USD
}

bonus excellence {
  when all targets met in 2 consecutive periods pay 1% of fee
}
"""

# NEW: 90% within 30m. Same clauses otherwise.
LOOSER = POLICY.replace("require 95% within 15m", "require 90% within 30m")

# The same contract, laid out differently: one-line block, comments, extra blank lines.
REFORMATTED = POLICY.replace(
    """target p1_response {
  of tickets where priority = P1
  measure response_time
  require 95% within 15m
}""",
    """# the P1 response target
target p1_response { of tickets where priority = P1   measure response_time   require 95% within 15m }


""",
)


def ticket(tid: str, created: str, minutes: int) -> dict[str, object]:
    """A P1 ticket answered ``minutes`` after ``created`` (whole hours in UTC)."""
    hour = int(created[11:13])
    stamp = f"{created[:11]}{hour:02d}:{minutes:02d}:00Z" if minutes < 60 else None
    assert stamp is not None
    return {
        "id": tid,
        "priority": "P1",
        "created_at": f"{created[:11]}{hour:02d}:00:00Z",
        "first_response_at": stamp,
        "resolved_at": None,
    }


def tickets() -> list[dict[str, object]]:
    """January: 9 answered in 5m and T-0110 in 20m; February: 10 answered in 5m."""
    jan = [ticket(f"T-01{i:02d}", f"2026-01-{i + 4:02d}T10", 5) for i in range(1, 10)]
    jan.append(ticket("T-0110", "2026-01-20T10", 20))
    feb = [ticket(f"T-02{i:02d}", f"2026-02-{i + 2:02d}T10", 5) for i in range(1, 11)]
    return jan + feb


def write_data(folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    lines = "\n".join(json.dumps(t) for t in tickets()) + "\n"
    (folder / "tickets.jsonl").write_text(lines)
    return folder


def git(repo: Path, *args: str) -> str:
    return subprocess.run(
        ["git", *args], cwd=repo, check=True, capture_output=True, text=True
    ).stdout.strip()


def init_repo(repo: Path) -> Path:
    git(repo, "init", "-q", "-b", "main")
    git(repo, "config", "user.email", "t@example.com")
    git(repo, "config", "user.name", "T")
    git(repo, "config", "commit.gpgsign", "false")
    return repo
