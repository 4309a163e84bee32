"""The hooks of `.pre-commit-hooks.yaml`, run by pre-commit itself on a temporary repo.

pre-commit would install a `language: python` hook by pip-installing this repository with
its dependencies from PyPI (43 s measured with `pre-commit try-repo`); the test instead
turns each hook into a `repo: local`, `language: system` hook running this virtualenv's
`sla`, keeping the id, entry arguments, `files` and `pass_filenames` of the manifest.
The real install through `try-repo` needs the network: it is marked ``pypi``, which the
default run leaves out (``python -m pytest -m pypi tests/git/test_precommit.py`` runs it).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

from .fixtures import POLICY, git, init_repo

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
PRE_COMMIT = shutil.which("pre-commit", path=str(BIN)) or shutil.which("pre-commit")

TESTS = """\
policy: ./policy.sla
cases:
  - name: no tickets, no data
    as_of: 2026-02-01T00:00:00Z
    periods: [2026-01]
    expect:
      targets: {p1_response: {2026-01: no_data}}
"""


def manifest() -> list[dict[str, Any]]:
    hooks: list[dict[str, Any]] = yaml.safe_load((ROOT / ".pre-commit-hooks.yaml").read_text())
    return hooks


def local_config() -> str:
    hooks = []
    for hook in manifest():
        entry = str(hook["entry"])
        assert entry.startswith("sla ")
        local = {k: v for k, v in hook.items() if k != "description"}
        local["entry"] = str(BIN / "sla") + entry[len("sla") :]
        local["language"] = "system"
        hooks.append(local)
    return yaml.safe_dump({"repos": [{"repo": "local", "hooks": hooks}]}, sort_keys=False)


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    init_repo(tmp_path)
    (tmp_path / "policy.sla").write_text(POLICY)
    (tmp_path / "policy_test.yaml").write_text(TESTS)
    (tmp_path / ".pre-commit-config.yaml").write_text(local_config())
    git(tmp_path, "add", ".")
    git(tmp_path, "commit", "-qm", "policy")
    return tmp_path


def pre_commit(repo: Path, *hooks: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PRE_COMMIT_HOME": str(repo / ".pc-home"), "NO_COLOR": "1"}
    assert PRE_COMMIT is not None, "pre-commit is a test dependency: pip install -e '.[test]'"
    return subprocess.run(
        [PRE_COMMIT, "run", *hooks, "--all-files", "--color", "never"],
        cwd=repo,
        capture_output=True,
        text=True,
        env=env,
        check=False,
    )


def test_manifest_offers_the_three_hooks() -> None:
    hooks = {h["id"]: h for h in manifest()}
    assert set(hooks) == {"sla-check", "sla-fmt", "sla-test"}
    assert hooks["sla-fmt"]["entry"] == "sla fmt --check"
    assert hooks["sla-test"]["pass_filenames"] is False


def test_good_policy_passes_check_and_test(repo: Path) -> None:
    proc = pre_commit(repo, "sla-check")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    proc = pre_commit(repo, "sla-test")
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_broken_policy_fails_sla_check(repo: Path) -> None:
    (repo / "policy.sla").write_text(POLICY.replace("priority = P1", "priority = P9"))
    git(repo, "add", "policy.sla")
    proc = pre_commit(repo, "sla-check")
    assert proc.returncode == 1
    assert "sla check" in proc.stdout and "Failed" in proc.stdout
    assert "policy.sla:13:" in proc.stdout  # the diagnostic, with its location


def test_failing_policy_test_fails_sla_test(repo: Path) -> None:
    (repo / "policy_test.yaml").write_text(TESTS.replace("no_data}", "met}"))
    git(repo, "add", "policy_test.yaml")
    proc = pre_commit(repo, "sla-test")
    assert proc.returncode == 1
    assert "FAIL policy_test.yaml::no tickets, no data" in proc.stdout


def test_badly_formatted_policy_fails_sla_fmt(repo: Path) -> None:
    proc = pre_commit(repo, "sla-fmt")
    assert proc.returncode == 0, proc.stdout  # the fixture is in the canonical layout
    messy = POLICY.replace("tier P1 coverage 24x7", "tier    P1   coverage 24x7")
    (repo / "policy.sla").write_text(messy)
    git(repo, "add", "policy.sla")
    proc = pre_commit(repo, "sla-fmt")
    assert proc.returncode == 1, proc.stdout
    assert "sla fmt --check" in proc.stdout and "Failed" in proc.stdout
    assert "policy.sla" in proc.stdout


@pytest.mark.pypi
def test_try_repo_installs_the_python_hooks(repo: Path) -> None:
    (repo / "policy.sla").write_text(POLICY.replace("priority = P1", "priority = P9"))
    git(repo, "add", "policy.sla")
    env = {**os.environ, "PRE_COMMIT_HOME": str(repo / ".pc-home")}
    assert PRE_COMMIT is not None
    proc = subprocess.run(
        [PRE_COMMIT, "try-repo", str(ROOT), "sla-check", "--all-files"],
        cwd=repo,
        capture_output=True,
        text=True,
        env=env,
        check=False,
    )
    assert proc.returncode == 1
    assert "policy.sla:13:" in proc.stdout
