"""Golden diagnostics for modules: each ``golden/CASE/`` folder is a small tree of policy
files, ``main.sla`` the one checked and ``expected.txt`` what its author sees (read and
corrected by hand). ``SLA_UPDATE_GOLDEN=1`` rewrites them; then read every diff.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from rules_engine.api import check_file
from rules_engine.language.diagnostics import render_text

GOLDEN = Path(__file__).parent / "golden"
CASES = sorted(p.name for p in GOLDEN.iterdir() if (p / "main.sla").exists())


def rendered(case: str) -> str:
    cwd = os.getcwd()
    os.chdir(GOLDEN / case)
    try:
        result = check_file("main.sla")
    finally:
        os.chdir(cwd)
    return render_text(result.diagnostics, result.sources)


@pytest.mark.parametrize("case", CASES)
def test_golden(case: str) -> None:
    expected = GOLDEN / case / "expected.txt"
    actual = rendered(case)
    if os.environ.get("SLA_UPDATE_GOLDEN"):
        expected.write_text(actual, encoding="utf-8")
    assert actual == expected.read_text(encoding="utf-8")
    assert "error[SLA" in actual


def test_the_cases_cover_the_module_codes() -> None:
    text = "".join((GOLDEN / c / "expected.txt").read_text(encoding="utf-8") for c in CASES)
    for code in ("SLA110", "SLA212", "SLA202"):
        assert f"[{code}]" in text
