"""No traceback from any command on the issue 14 corpus.

``corpus/`` holds one small policy per crash found in issue 14 (``bad_*``: the checker
must refuse it, at a place in the file) and policies that must keep working
(``ok_*``: CR and CR LF line endings, 300 identical `or` terms, a contract that starts in
the future). Every command that takes a policy runs on every one of them, in process,
and must answer with an exit code the README defines (0 good, 1 bad, 2 could not answer)
and no Python traceback.
"""

from __future__ import annotations

import re
import traceback
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from rules_engine.cli import cli

ROOT = Path(__file__).resolve().parents[2]
CORPUS = Path(__file__).parent / "corpus"
DATA = ROOT / "examples" / "quickstart" / "data"
BASE = CORPUS / "ok_base.sla"
AS_OF = "2026-04-01T09:00:00-04:00"
POLICIES = sorted(p.name for p in CORPUS.glob("*.sla"))

Command = Callable[[Path, Path], list[str]]


def _test_file(policy: Path, tmp: Path) -> list[str]:
    spec = tmp / "corpus_test.yaml"
    spec.write_text(
        f"policy: {policy}\n"
        "cases:\n"
        "  - name: march\n"
        f'    as_of: "{AS_OF}"\n'
        "    periods: 2026-03..2026-03\n"
        f"    data_path: {DATA}\n"
        "    expect:\n"
        "      targets:\n"
        "        p1_response:\n"
        "          2026-03: met\n",
        encoding="utf-8",
    )
    return ["test", str(spec)]


COMMANDS: dict[str, Command] = {
    "check": lambda p, t: ["check", str(p)],
    "fmt": lambda p, t: ["fmt", str(p)],
    "eval": lambda p, t: [
        "eval",
        str(p),
        "--data",
        str(DATA),
        "--period",
        "2026-03",
        "--as-of",
        AS_OF,
    ],
    "report": lambda p, t: [
        "report",
        str(p),
        "--data",
        str(DATA),
        "--from",
        "2026-03",
        "--to",
        "2026-03",
        "--as-of",
        AS_OF,
        "--output",
        str(t / "report.html"),
    ],
    "explain": lambda p, t: [
        "explain",
        str(p),
        "--data",
        str(DATA),
        "--period",
        "2026-03",
        "--target",
        "p1_response",
        "--as-of",
        AS_OF,
    ],
    "escalations": lambda p, t: ["escalations", str(p), "--data", str(DATA), "--as-of", AS_OF],
    "test": _test_file,
    "diff": lambda p, t: ["diff", str(BASE), str(p)],
}
LOCATED = {"check", "eval", "report", "explain", "escalations", "diff"}
"""Commands that check the policy, so a refusal names a place in it."""


def _run(args: list[str]) -> Result:
    return CliRunner().invoke(cli, args)


def _assert_answered(result: Result, args: list[str]) -> str:
    output = result.output + (result.stderr if result.stderr_bytes else "")
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        shown = "".join(traceback.format_exception(result.exception))
        pytest.fail(f"`sla {' '.join(args)}` raised:\n{shown}")
    assert "Traceback" not in output, output
    assert result.exit_code in (0, 1, 2), (result.exit_code, output)
    return output


@pytest.mark.parametrize("command", sorted(COMMANDS))
@pytest.mark.parametrize("name", POLICIES)
def test_every_command_answers_without_a_traceback(name: str, command: str, tmp_path: Path) -> None:
    policy = CORPUS / name
    args = COMMANDS[command](policy, tmp_path)
    result = _run(args)
    output = _assert_answered(result, args)
    if name.startswith("bad_") and command in LOCATED:
        assert result.exit_code != 0, output
        assert re.search(re.escape(name) + r":\d+:\d+", output), output
    if name.startswith("ok_") and command == "check":
        assert result.exit_code == 0, output


def test_ok_policies_evaluate() -> None:
    for name in ("ok_base.sla", "ok_crlf.sla", "ok_cr_only.sla", "ok_many_or_terms.sla"):
        args = COMMANDS["eval"](CORPUS / name, CORPUS)
        result = _run(args)
        output = _assert_answered(result, args)
        assert result.exit_code in (0, 1), output
        assert "p1_response" in output


@pytest.mark.parametrize(
    ("name", "flags", "words"),
    [
        ("ok_base.sla", ["--period", "2026-03", "--as-of", "0001-01-01T00:00:00Z"], "--as-of"),
        ("ok_base.sla", ["--period", "2025-12", "--as-of", AS_OF], "ok_base.sla:3:11"),
        (
            "ok_effective_future.sla",
            ["--period", "2026-03", "--as-of", AS_OF],
            "ok_effective_future.sla:3:11",
        ),
        ("ok_effective_future.sla", ["--as-of", AS_OF], "ok_effective_future.sla:3:11"),
    ],
)
@pytest.mark.parametrize("command", ["eval", "explain"])
def test_flags_outside_the_contract_are_usage_errors(
    name: str, flags: list[str], words: str, command: str
) -> None:
    if command == "explain" and "--period" not in flags:
        return  # explain always names its period
    args = [command, str(CORPUS / name), "--data", str(DATA), *flags]
    if command == "explain":
        args += ["--target", "p1_response"]
    result = _run(args)
    output = _assert_answered(result, args)
    assert result.exit_code == 2, output
    assert words in output


def test_report_refuses_a_range_before_effective(tmp_path: Path) -> None:
    args = [
        "report",
        str(CORPUS / "ok_effective_future.sla"),
        "--data",
        str(DATA),
        "--from",
        "2026-01",
        "--to",
        "2026-03",
        "--as-of",
        AS_OF,
        "--output",
        str(tmp_path / "r.html"),
    ]
    result = _run(args)
    output = _assert_answered(result, args)
    assert result.exit_code == 2
    assert "ok_effective_future.sla:3:11" in output
