"""Golden diagnostics: each ``golden/NAME.sla`` holds one mistake, ``NAME.expected`` the
rendered text a policy author sees. The expected files were read and corrected by hand.

To review a wording change, run with ``SLA_UPDATE_GOLDEN=1``, then read every diff.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from rules_engine.api import check_file
from rules_engine.language.diagnostics import render_text

GOLDEN = Path(__file__).parent / "golden"
CASES = sorted(p.stem for p in GOLDEN.glob("*.sla"))


def rendered(name: str) -> str:
    path = f"{name}.sla"
    cwd = os.getcwd()
    os.chdir(GOLDEN)
    try:
        result = check_file(path)
    finally:
        os.chdir(cwd)
    raw = (GOLDEN / path).read_bytes()
    try:
        sources = {path: raw.decode("utf-8")}
    except UnicodeDecodeError:
        sources = {}
    return render_text(result.diagnostics, sources)


@pytest.mark.parametrize("name", CASES)
def test_golden(name: str) -> None:
    expected_path = GOLDEN / f"{name}.expected"
    actual = rendered(name)
    if os.environ.get("SLA_UPDATE_GOLDEN"):
        expected_path.write_text(actual, encoding="utf-8")
    assert expected_path.exists(), f"no {expected_path.name}"
    assert actual == expected_path.read_text(encoding="utf-8")
    assert actual, "every golden case must produce at least one diagnostic"


def test_enough_distinct_cases() -> None:
    codes = set()
    for name in CASES:
        text = (GOLDEN / f"{name}.expected").read_text(encoding="utf-8")
        codes.update(part.split("]")[0] for part in text.split("[SLA")[1:])
    assert len(CASES) >= 40
    assert len(codes) >= 40, sorted(codes)
