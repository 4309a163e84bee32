"""Every shipped policy has unit tests, they pass, and they observe every clause outcome."""

from __future__ import annotations

from fractions import Fraction
from pathlib import Path

import pytest

from rules_engine.workflow.policytest import run_tests

ROOT = Path(__file__).resolve().parents[2]
SHIPPED = sorted(p for folder in ("policies", "examples") for p in (ROOT / folder).rglob("*.sla"))


@pytest.mark.parametrize("policy", SHIPPED, ids=lambda p: str(p.relative_to(ROOT)))
def test_shipped_policy_is_tested_with_full_coverage(policy: Path) -> None:
    tests = policy.with_name(f"{policy.stem}_test.yaml")
    assert tests.exists(), f"{policy.relative_to(ROOT)} has no {tests.name}"
    run = run_tests([policy])
    assert not run.errors, [str(e) for e in run.errors]
    bad = [
        (r.name, r.error or [f.to_json() for f in r.failures])
        for r in run.results
        if r.status != "passed"
    ]
    assert not bad
    assert run.results
    assert run.total_coverage() == Fraction(100)
