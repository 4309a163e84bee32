"""Text output for a terminal carries no control character from a policy or from data:
escape sequences are shown as escapes (``\\x1b``), so a record id cannot recolour, retitle
or clear the terminal, and a value with a newline cannot fake a line (issue 14).

The CLI runs with ``color=True``: click then passes escape sequences through as it does on
a real terminal (it strips only some of them, and only when output is not a terminal)."""

from __future__ import annotations

import json
import re
import shutil
import xml.etree.ElementTree as ET
from pathlib import Path

from click.testing import CliRunner, Result
from hypothesis import given
from hypothesis import strategies as st

from rules_engine.cli import cli
from rules_engine.escape import terminal, terminal_field
from rules_engine.render import render_text

REPO = Path(__file__).resolve().parents[2]
QUICKSTART = REPO / "examples" / "quickstart"
LADDER = REPO / "tests" / "escalation" / "cases" / "ladder"
AS_OF = "2026-04-01T09:00:00-04:00"
EVIL = "X\x1b]0;pwned\x07\x1b[2J\rY\u202e\x9b31m"
UNSAFE = re.compile(
    "[\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]"
)


def run(*args: str) -> Result:
    return CliRunner().invoke(cli, list(args), color=True)


def shown(result: Result) -> str:
    return result.stdout + result.stderr


def assert_safe(text: str) -> None:
    assert not UNSAFE.search(text), repr(UNSAFE.search(text))


def rename_record(source: Path, old: str, new: str) -> None:
    lines = source.read_text(encoding="utf-8").splitlines()
    out = []
    for line in lines:
        record = json.loads(line)
        if record.get("id") == old:
            record["id"] = new
        out.append(json.dumps(record))
    source.write_text("\n".join(out) + "\n", encoding="utf-8")


def test_explain_shows_escape_sequences_in_record_ids_as_escapes(tmp_path: Path) -> None:
    shutil.copytree(QUICKSTART / "data", tmp_path / "data")
    rename_record(tmp_path / "data" / "tickets.jsonl", "QS-0201", EVIL + "\nFAKE")
    args = ["--target", "p1_response", "--period", "2026-02", "--as-of", AS_OF]
    result = run("explain", str(QUICKSTART / "policy.sla"), "--data", str(tmp_path / "data"), *args)
    assert result.exit_code == 1, shown(result)  # February's p1_response is breached
    assert_safe(shown(result))
    row = next(line for line in result.stdout.splitlines() if "pwned" in line)
    assert row.lstrip().startswith("X\\x1b]0;pwned\\x07\\x1b[2J\\rY\\u202e\\x9b31m\\nFAKE")
    assert "breached" in row  # the id did not end its row


def test_eval_text_shows_policy_text_safely() -> None:
    result = run("eval", str(QUICKSTART / "policy.sla"), "--data", str(QUICKSTART / "data"),
                 "--period", "2026-02", "--as-of", AS_OF, "--format", "json")  # fmt: skip
    doc = json.loads(result.stdout)
    doc["policy"]["name"] = EVIL
    text = render_text(doc)
    assert_safe(text)
    assert text.startswith("X\\x1b]0;pwned\\x07")


def test_escalations_text_shows_record_ids_safely(tmp_path: Path) -> None:
    shutil.copytree(LADDER, tmp_path / "ladder")
    rename_record(tmp_path / "ladder" / "data" / "tickets.jsonl", "T2", EVIL + "\nFAKE")
    case = tmp_path / "ladder"
    result = run("escalations", str(case / "policy.sla"), "--data", str(case / "data"),
                 "--as-of", "2026-04-08T12:00:00Z")  # fmt: skip
    assert result.exit_code == 1, shown(result)
    assert_safe(shown(result))
    assert "X\\x1b]0;pwned" in result.stdout
    assert not any(line.startswith("FAKE") for line in result.stdout.splitlines())


def test_check_shows_a_source_line_with_control_characters_safely(tmp_path: Path) -> None:
    policy = tmp_path / "p.sla"
    policy.write_text('policy "x" \x1b[2J\x1b]0;pwned\x07 bogus\n', encoding="utf-8")
    result = run("check", str(policy))
    assert result.exit_code != 0
    assert_safe(shown(result))
    assert "\\x1b[2J" in shown(result)


def test_test_text_and_junit_survive_a_case_name_with_control_characters(
    tmp_path: Path,
) -> None:
    shutil.copy(QUICKSTART / "policy.sla", tmp_path / "policy.sla")
    shutil.copytree(QUICKSTART / "data", tmp_path / "data")
    (tmp_path / "p_test.yaml").write_text(
        "policy: ./policy.sla\n"
        "cases:\n"
        '  - name: "bell\\a escape\\e[2J nul\\0 vt\\v end"\n'
        '    as_of: "2026-04-01T09:00:00-04:00"\n'
        "    periods: 2026-02..2026-02\n"
        "    data_path: ./data\n"
        "    expect:\n"
        "      targets:\n"
        "        p1_response:\n"
        "          2026-02: met\n",  # wrong on purpose: the case fails and is listed
        encoding="utf-8",
    )
    text = run("test", str(tmp_path / "p_test.yaml"))
    assert text.exit_code == 1, shown(text)
    assert_safe(shown(text))
    assert "bell\\x07 escape\\x1b[2J nul\\x00 vt\\x0b end" in text.stdout
    junit = run("test", str(tmp_path / "p_test.yaml"), "--format", "junit")
    assert junit.exit_code == 1
    root = ET.fromstring(junit.stdout)  # well-formed XML 1.0
    names = [case.get("name") for case in root.iter("testcase")]
    assert names == ["bell escape[2J nul vt end"]


def test_diff_shows_a_changed_title_safely(tmp_path: Path) -> None:
    old = (QUICKSTART / "policy.sla").read_text(encoding="utf-8")
    new = old.replace("P1 first response within 15 minutes", "P1 \x1b[2J\x1b]0;pwned\x07")
    (tmp_path / "a.sla").write_text(old, encoding="utf-8")
    (tmp_path / "b.sla").write_text(new, encoding="utf-8")
    result = run("diff", str(tmp_path / "a.sla"), str(tmp_path / "b.sla"))
    assert_safe(shown(result))
    assert "P1 \\x1b[2J\\x1b]0;pwned\\x07" in shown(result)


def test_validate_shows_ids_in_issues_safely(tmp_path: Path) -> None:
    data = tmp_path / "tickets.jsonl"
    record = {"id": EVIL, "priority": "P1", "created_at": "2026-03-01T10:00:00Z"}
    data.write_text(json.dumps(record) + "\n" + json.dumps(record) + "\n", encoding="utf-8")
    result = run("validate", "--data", str(data))
    assert result.exit_code == 1, shown(result)  # a duplicate id
    assert_safe(shown(result))


UNICODE = st.text(st.characters(codec="utf-8"), max_size=30)


@given(UNICODE)
def test_terminal_text_has_no_control_character_and_keeps_safe_text(text: str) -> None:
    out = terminal(text)
    assert_safe(out)
    if not UNSAFE.search(text):
        assert out == text


@given(UNICODE)
def test_a_terminal_field_stays_on_its_line(text: str) -> None:
    out = terminal_field(text)
    assert_safe(out)
    assert "\n" not in out and "\t" not in out


def test_the_caret_stays_under_the_token_after_an_escaped_character(tmp_path: Path) -> None:
    policy = tmp_path / "p.sla"
    policy.write_text('policy "a\x1b[2Jb" bogus\n', encoding="utf-8")
    result = run("check", str(policy))
    lines = shown(result).splitlines()
    at = next(i for i, line in enumerate(lines) if line.startswith(" 1 | "))
    source, caret = lines[at], lines[at + 1]
    # the escape character itself is refused (SLA111); the caret spans its shown escape
    assert source == ' 1 | policy "a\\x1b[2Jb" bogus'
    assert caret.index("^") == source.index("\\x1b")
    assert caret.count("^") == len("\\x1b")
