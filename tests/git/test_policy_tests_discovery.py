"""`sla test` as the pre-commit hook runs it (issue 15): no paths searches what git
shows (not git-ignored folders), coverage is reported per policy and the threshold
applies to each, and a coverage failure is in the JUnit file."""

from __future__ import annotations

import shutil
from pathlib import Path
from xml.etree import ElementTree as ET

import pytest
from click.testing import CliRunner

from rules_engine.cli import cli

from .fixtures import POLICY, git, init_repo
from .test_policy_tests import CASES

# the first case alone observes 5 of the policy's 8 outcomes (62.5%,
# test_policy_tests.test_coverage_counts_observed_outcomes_not_names); both cases, 8 of 8
ONE_CASE = CASES[: CASES.index("  - name: two met months")]


def sla(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(cli, list(args))
    return result.exit_code, result.stdout, result.stderr


@pytest.fixture
def two_policies(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    for name, cases in (("full", CASES), ("part", ONE_CASE)):
        (tmp_path / name).mkdir()
        (tmp_path / name / "policy.sla").write_text(POLICY)
        (tmp_path / name / "policy_test.yaml").write_text(cases)
    monkeypatch.chdir(tmp_path)
    return tmp_path


@pytest.mark.skipif(shutil.which("git") is None, reason="needs git")
def test_no_paths_skips_what_git_ignores(two_policies: Path) -> None:
    init_repo(two_policies)
    # a build copy of `part` with a broken test: ignored by git, so never run
    shutil.copytree(two_policies / "part", two_policies / "build" / "part")
    (two_policies / "build" / "part" / "policy_test.yaml").write_text("policy: ./nope.sla\n")
    (two_policies / ".gitignore").write_text("build/\n")
    code, out, _ = sla("test")
    assert code == 0, out
    assert "build" not in out
    assert out.splitlines()[-1].startswith("3 passed, 0 failed, 0 errors")
    git(two_policies, "add", ".")  # tracked or untracked-but-not-ignored: both found
    assert sla("test")[0] == 0
    # outside git, every folder is searched (and the broken copy errs)
    shutil.rmtree(two_policies / ".git")
    assert sla("test")[0] == 2


def test_coverage_is_per_policy(two_policies: Path) -> None:
    code, out, err = sla("test", "--threshold", "70")
    assert code == 1
    # merged it would be 13 of 16 = 81.25%, over 70%: only `part` is under
    assert out.splitlines()[-1] == (
        "3 passed, 0 failed, 0 errors; clause coverage full/policy.sla 100.0%, "
        "part/policy.sla 62.5%"
    )
    assert err.strip() == "part/policy.sla: clause coverage is under the threshold of 70% (62.5%)"
    assert sla("test", "--threshold", "62.5")[0] == 0


def test_threshold_failure_is_in_the_junit_file(two_policies: Path) -> None:
    code, out, _ = sla("test", "--threshold", "100", "--format", "junit")
    assert code == 1
    root = ET.fromstring(out.split("\n", 1)[1])
    # 3 cases + 2 coverage cases; 1 failure: part/policy.sla's coverage
    assert (root.get("tests"), root.get("failures"), root.get("errors")) == ("5", "1", "0")
    suite = next(s for s in root.iter("testsuite") if s.get("name") == "clause coverage")
    failed = [c for c in suite.iter("testcase") if c.find("failure") is not None]
    assert [c.get("name") for c in failed] == ["part/policy.sla"]
    failure = failed[0].find("failure")
    assert failure is not None
    assert failure.get("message") == "clause coverage 62.5% is under the threshold of 100.0%"
    assert "target p1_response: never met" in (failure.text or "")
