"""``sla escalations`` end to end: a .sla policy, a data folder, text and JSON, exit codes."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from rules_engine.cli import cli

CASE = Path(__file__).parent / "cases" / "ladder"
POLICY = str(CASE / "policy.sla")
DATA = str(CASE / "data")


def run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(cli, ["escalations", *args])
    return result.exit_code, result.stdout, result.stderr


def test_json_lists_due_steps_and_the_compliance_verdict() -> None:
    code, out, _ = run(
        POLICY, "--data", DATA, "--as-of", "2026-04-08T12:00:00Z", "--format", "json"
    )
    assert code == 1  # steps were late or missed
    doc = json.loads(out)
    assert doc["as_of"] == "2026-04-08T12:00:00Z"
    p1, p3 = doc["escalations"]
    # T2 created 01:00-04:00 = 05:00Z: 30m -> 05:30, 50% of 4h -> 07:00, 4h -> 09:00
    t2 = p1["escalated"][0]
    assert t2["id"] == "T2" and t2["level"] == 3
    assert [s["due_at"] for s in t2["crossed"]] == [
        "2026-04-08T05:30:00Z",
        "2026-04-08T07:00:00Z",
        "2026-04-08T09:00:00Z",
    ]
    # T1 created 09:00Z: 2h step due 11:00 crossed, 4h step due 13:00 next
    t1 = p1["escalated"][1]
    assert t1["notify"] == ["Account director"]
    assert t1["next_step"]["due_at"] == "2026-04-08T13:00:00Z"
    # T6 P3 Tue 15:00: 4 business hours = Tue 15-17 + Wed 09-11
    assert p3["escalated"][0]["crossed"][0]["due_at"] == "2026-04-08T11:00:00Z"
    # T2 s1 late (05:35), T2 s2 on time, T2 s3 missed, T1 s1 on time, T1 s2 missed,
    # T4 s1 (due 06:30, resolved 07:00) missed
    c = p1["compliance"]
    assert (c["required"], c["on_time"], c["late"], c["missed"]) == (6, 2, 1, 3)


def test_after_hours_at_night_text() -> None:
    code, out, _ = run(POLICY, "--data", DATA, "--as-of", "2026-04-08T20:00:00", "--grace", "3600")
    # naive as-of is read in the policy zone (UTC); Wednesday 20:00 is outside 09-17
    assert "escalations as of 2026-04-08 20:00 +00:00" in out
    assert "notify On-call engineer first, applies now" in out
    assert (
        "T1: step 3 (at 4h) due 2026-04-08 13:00 +00:00; notify On-call engineer, then Customer CIO"
        in out
    )
    assert code == 1  # even with an hour's grace, steps were never notified


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--as-of", "yesterday"], "--as-of: `yesterday` is not a timestamp"),
        (["--name", "p2_open"], "no escalation `p2_open`"),
    ],
)
def test_bad_input_exits_2_with_one_line(args: list[str], message: str) -> None:
    code, out, err = run(POLICY, "--data", DATA, *args)
    assert code == 2 and message in err and "Traceback" not in err + out


def test_missing_data_exits_2(tmp_path: Path) -> None:
    code, _, err = run(POLICY, "--data", str(tmp_path / "none"), "--as-of", "2026-04-08T12:00Z")
    assert code == 2 and "no such file or folder" in err


def test_nothing_due_exits_0() -> None:
    # 05:20Z: only T2 exists (05:00Z); its first step falls due at 05:30
    code, out, _ = run(
        POLICY, "--data", DATA, "--as-of", "2026-04-08T05:20:00Z", "--name", "p1_open"
    )
    assert code == 0
    assert "no open record has crossed a step" in out
    assert "compliance: no_data (0 steps required" in out


def test_text_shows_instants_in_the_contracts_zone(tmp_path: Path) -> None:
    """The same ladder under a Berlin contract: the text names each instant in Berlin time
    with its offset (CEST, +02:00, in April), the JSON keeps UTC."""
    policy = (CASE / "policy.sla").read_text()
    assert 'timezone "UTC"' in policy
    (tmp_path / "policy.sla").write_text(
        policy.replace('timezone "UTC"', 'timezone "Europe/Berlin"')
    )
    _, out, _ = run(str(tmp_path / "policy.sla"), "--data", DATA, "--as-of", "2026-04-08T20:00:00Z")
    assert "escalations as of 2026-04-08 22:00 +02:00" in out  # 20:00Z
    _, js, _ = run(
        str(tmp_path / "policy.sla"),
        "--data",
        DATA,
        "--as-of",
        "2026-04-08T20:00:00Z",
        "--format",
        "json",
    )
    assert json.loads(js)["as_of"] == "2026-04-08T20:00:00Z"
