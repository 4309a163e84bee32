"""DESIGN.md's example policy checks with no error and evaluates (issue 13: every
construct DESIGN sketches, business days, target periods, maintenance, once and
contract-year caps included, is in the language)."""

from __future__ import annotations

import re
from pathlib import Path

from click.testing import CliRunner

from rules_engine.cli import cli
from rules_engine.language.load import check_source

HERE = Path(__file__).parent
EXAMPLE = HERE / "design_example.sla"
ROOT = HERE.parents[1]
DESIGN = ROOT.parent / "shared" / "DESIGN.md"


def _policy_text() -> str:
    lines = EXAMPLE.read_text(encoding="utf-8").splitlines(keepends=True)
    return "".join(lines[2:])  # without the two comment lines that say where it is from


def test_the_copy_is_designs_example() -> None:
    if DESIGN.exists():  # beside a work area; a plain clone has only the copy
        blocks = re.findall(r"```(?:sla)?\n(.*?)```", DESIGN.read_text(encoding="utf-8"), re.S)
        assert _policy_text() in blocks
    assert _policy_text().startswith("policy ") or "\npolicy " in _policy_text()


def test_designs_example_checks_with_no_error() -> None:
    result = check_source(_policy_text(), str(EXAMPLE))
    errors = [d for d in result.diagnostics if d.severity == "error"]
    assert errors == [] and result.policy is not None
    assert {"restore_time", "p3_resolution_days"} <= set(result.policy.targets)


def test_designs_example_evaluates() -> None:
    data = ROOT / "examples" / "quickstart" / "data"
    out = CliRunner().invoke(
        cli,
        [
            "eval",
            str(EXAMPLE),
            "--data",
            str(data),
            "--period",
            "2026-02",
            "--as-of",
            "2026-04-01T00:00:00Z",
        ],
    )
    assert out.exit_code == 1, out.output  # provider targets breached in February
    rows = {line.split()[1]: line.split()[0] for line in out.output.splitlines()[4:18]}
    # a quarterly restore test is not due in the middle month of the quarter
    assert rows["restore_time"] == "not_due"
    # QS-0201 answered in 25m, QS-0202 in 10m: 1 of 2 within 15m = 50% < 95%
    assert rows["p1_response"] == "breached"
