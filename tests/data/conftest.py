from __future__ import annotations

import json
from pathlib import Path

import pytest

from rules_engine.api import check_source
from rules_engine.language.model import CheckedPolicy

FIXTURES = Path(__file__).parent / "fixtures"

POLICY = """policy "data tests"
effective 2026-01-01
timezone "UTC"
currency USD
fee 100 per month
period month
tier P1 coverage 24x7
tier P2 coverage 24x7
dataset change_approvals by requested_at {
  requested_at timestamp
  approved_at timestamp
  urgent boolean
}
dataset tickets {
  sentiment number
}
target p1 { of tickets where priority = P1  measure resolution_time  require 90% within 4h }
target p2 { of tickets where priority = P2  measure resolution_time  require 90% within 8h }
target ca { of change_approvals  measure time from requested_at to approved_at  require 90% within 16h }
"""


@pytest.fixture(scope="session")
def policy() -> CheckedPolicy:
    result = check_source(POLICY, "tests.sla")
    assert result.policy is not None, result.diagnostics
    return result.policy


@pytest.fixture
def jsonl(tmp_path: Path):  # type: ignore[no-untyped-def]
    """Write records as JSON Lines to ``tmp_path/<name>`` and return the path."""

    def write(name: str, records: list[dict[str, object]]) -> Path:
        path = tmp_path / name
        path.write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
        return path

    return write
