"""`sla diff` end to end: files and REV:PATH in a temporary repository, replay, errors."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from rules_engine.cli import cli

from .fixtures import LOOSER, POLICY, REFORMATTED, git, init_repo, write_data


@pytest.fixture
def repo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    init_repo(tmp_path)
    (tmp_path / "policy.sla").write_text(POLICY)
    write_data(tmp_path / "data")
    git(tmp_path, "add", ".")
    git(tmp_path, "commit", "-qm", "contract v1")
    monkeypatch.chdir(tmp_path)
    return tmp_path


def sla(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(cli, list(args))
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    return result.exit_code, result.stdout, result.stderr


def test_formatting_only_change_is_no_diff(repo: Path) -> None:
    (repo / "policy.sla").write_text(REFORMATTED)
    code, out, _ = sla("diff", "HEAD:policy.sla", "policy.sla")
    assert code == 0
    assert out == "no semantic changes between HEAD:policy.sla and policy.sla\n"


def test_looser_objective_exits_1(repo: Path) -> None:
    (repo / "policy.sla").write_text(LOOSER)
    code, out, _ = sla("diff", "HEAD:policy.sla", "policy.sla")
    assert code == 1
    assert out.splitlines() == [
        "--- HEAD:policy.sla",
        "+++ policy.sla",
        "target p1_response: objective looser",
        "  - 95% within 15m",
        "  + 90% within 30m",
        "1 semantic change(s): 1 looser",
    ]


def test_json_output(repo: Path) -> None:
    (repo / "policy.sla").write_text(LOOSER)
    code, out, _ = sla("diff", "--format", "json", "HEAD:policy.sla", "policy.sla")
    assert code == 1
    doc = json.loads(out)
    assert doc["summary"] == {"looser": 1}
    [change] = doc["changes"]
    assert change["new_location"].startswith("policy.sla:")
    assert change["old_location"].startswith("HEAD:policy.sla:")


def test_replay_lists_verdicts_records_money_and_totals(repo: Path) -> None:
    (repo / "policy.sla").write_text(LOOSER)
    code, out, err = sla(
        "diff", "HEAD:policy.sla", "policy.sla",
        "--data", "data", "--from", "2026-01", "--to", "2026-02",
        "--as-of", "2026-03-01T00:00:00Z",
    )  # fmt: skip
    assert code == 1, err
    # January under OLD: 9 of 10 within 15m = 90% < 95% -> breached, credit 400.00;
    # under NEW every ticket is within 30m -> 100%, met, no credit. February: all met
    # either way, so NEW's 2-consecutive-met bonus pays 1% x 8,000.00 = 80.00 in February.
    assert "  2026-01 p1_response: breached -> met (value 90.000000 -> 100.000000)" in out
    assert "  2026-01 p1_response T-0110: breached -> met" in out
    assert "  2026-01 credits total: 400.00 USD -> 0.00 USD (-400.00 USD)" in out
    assert "  2026-01 credit response_credits: 400.00 USD -> 0.00 USD (-400.00 USD)" in out
    assert "  2026-02 bonus excellence: 0.00 USD -> 80.00 USD (+80.00 USD)" in out
    assert (
        "under policy.sla, 2026 credits would have been 400.00 USD lower "
        "(400.00 USD -> 0.00 USD)" in out
    )
    assert (
        "under policy.sla, 2026 bonuses would have been 80.00 USD higher "
        "(0.00 USD -> 80.00 USD)" in out
    )
    assert "2026-02 p1_response" not in out  # February's verdict did not change


def test_replay_json(repo: Path) -> None:
    (repo / "policy.sla").write_text(LOOSER)
    code, out, _ = sla(
        "diff", "--format", "json", "HEAD:policy.sla", "policy.sla",
        "--data", "data", "--from", "2026-01", "--to", "2026-02",
        "--as-of", "2026-03-01T00:00:00Z",
    )  # fmt: skip
    assert code == 1
    replay = json.loads(out)["replay"]
    assert replay["verdicts"] == [
        {
            "period": "2026-01",
            "target": "p1_response",
            "old": "breached",
            "new": "met",
            "old_value": "90.000000",
            "new_value": "100.000000",
        }
    ]
    assert replay["records"] == [
        {
            "period": "2026-01",
            "target": "p1_response",
            "record": "T-0110",
            "old": "breached",
            "new": "met",
        }
    ]
    assert {(t["kind"], t["delta"]) for t in replay["totals"]} == {
        ("credits", "-400.00"),
        ("bonuses", "80.00"),
    }


def test_same_policy_replayed_is_unchanged(repo: Path) -> None:
    code, out, _ = sla(
        "diff", "HEAD:policy.sla", "policy.sla",
        "--data", "data", "--from", "2026-01", "--to", "2026-02", "--as-of", "2026-03-01",
    )  # fmt: skip
    assert code == 0
    assert "no verdict, record or amount would have changed" in out


def test_unknown_revision_exits_2(repo: Path) -> None:
    code, _, err = sla("diff", "v9:policy.sla", "policy.sla")
    assert code == 2
    assert err.splitlines()[0] == "error: OLD side: unknown revision `v9`"


def test_path_missing_at_revision_exits_2(repo: Path) -> None:
    (repo / "new.sla").write_text(POLICY)
    code, _, err = sla("diff", "HEAD:new.sla", "new.sla")
    assert code == 2
    assert err.splitlines()[0] == "error: OLD side: `new.sla` does not exist at revision `HEAD`"


def test_side_that_fails_to_check_shows_its_diagnostics(repo: Path) -> None:
    (repo / "policy.sla").write_text(
        POLICY.replace("of tickets where priority = P1", "of tickets where priority = P9")
    )
    code, out, err = sla("diff", "HEAD:policy.sla", "policy.sla")
    assert code == 2
    assert out == ""
    lines = err.splitlines()
    assert lines[0] == "error: the NEW side `policy.sla` does not check"
    assert lines[1].startswith("policy.sla:13:")  # the scope line of the target
    assert "P9" in err


def test_replay_needs_from_and_to(repo: Path) -> None:
    code, _, err = sla("diff", "HEAD:policy.sla", "policy.sla", "--data", "data")
    assert code == 2
    assert "`--data` needs `--from P` and `--to P`" in err


def test_bad_data_exits_2_with_location(repo: Path) -> None:
    (repo / "bad").mkdir()
    (repo / "bad" / "tickets.jsonl").write_text('{"id": "X", "priority": "P1"}\n')
    code, _, err = sla(
        "diff",
        "HEAD:policy.sla",
        "policy.sla",
        "--data",
        "bad",
        "--from",
        "2026-01",
        "--to",
        "2026-01",
    )
    assert code == 2
    assert "tickets.jsonl" in err and "created_at" in err


def test_replay_before_the_policy_takes_effect(repo: Path) -> None:
    code, _, err = sla(
        "diff",
        "HEAD:policy.sla",
        "policy.sla",
        "--data",
        "data",
        "--from",
        "2025-12",
        "--to",
        "2026-01",
    )
    assert code == 2
    assert err.splitlines()[0] == (
        "error: period 2025-12 starts before `HEAD:policy.sla` takes effect (2026-01-01)"
    )
