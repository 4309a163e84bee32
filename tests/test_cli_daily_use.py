"""The command line a daily user expects (issue 15): `check -`, `fmt --check` saying how
to fix, the test hook's hint that works from the repository root, the report's git
revision from a kept document, and CI docs that pin nothing that does not exist."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest
from click.testing import CliRunner

from rules_engine.cli import cli

ROOT = Path(__file__).resolve().parents[1]
QUICK = ROOT / "examples" / "quickstart"
HAS_GIT = shutil.which("git") is not None


def git(repo: Path, *args: str) -> str:
    return subprocess.run(
        ["git", *args], cwd=repo, check=True, capture_output=True, text=True
    ).stdout.strip()


def test_check_reads_standard_input() -> None:
    runner = CliRunner()
    good = runner.invoke(cli, ["check", "-"], input=(QUICK / "policy.sla").read_text())
    assert good.exit_code == 0, good.output
    assert good.output.endswith("checked 1 file: 0 errors, 0 warnings\n")
    bad = runner.invoke(cli, ["check", "-"], input='policy "x"\n')
    assert bad.exit_code == 1
    assert bad.output.startswith("<stdin>:1:1: error[SLA208]: the policy has no `currency`")
    binary = runner.invoke(cli, ["check", "-"], input=b"\x00\x01")
    assert binary.exit_code == 1 and "<stdin>" in binary.output and "binary" in binary.output


def test_fmt_check_says_w_fixes_it(tmp_path: Path) -> None:
    policy = tmp_path / "x.sla"
    policy.write_text((QUICK / "policy.sla").read_text().replace("policy ", "policy    ", 1))
    result = CliRunner().invoke(cli, ["fmt", "--check", str(policy)])
    assert result.exit_code == 1
    assert result.output.splitlines()[-2:] == [
        f"would reformat {policy}",
        f"help: `sla fmt -w {policy}` rewrites it in the canonical layout",
    ]


def test_test_hook_hint_names_the_policy_from_where_it_runs(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # the pre-commit hook runs `sla test` from the repository root; the test file says
    # `policy: ./acme.sla` relative to its own folder
    folder = tmp_path / "acme"
    folder.mkdir()
    (folder / "acme.sla").write_text('policy "acme"\n')
    (folder / "acme_test.yaml").write_text(
        "policy: ./acme.sla\ncases:\n  - name: c\n    as_of: '2026-02-01T00:00:00Z'\n"
        "    periods: [2026-01]\n    data: {}\n    expect: {}\n"
    )
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(cli, ["test"])
    assert result.exit_code == 2
    assert "run `sla check acme/acme.sla`" in result.output, result.output
    assert "sla check ./acme.sla" not in result.output
    # and the command it suggests works from there
    assert CliRunner().invoke(cli, ["check", "acme/acme.sla"]).exit_code == 1


@pytest.mark.skipif(not HAS_GIT, reason="needs git")
def test_report_from_json_names_the_revision_or_says_it_is_not_recorded(tmp_path: Path) -> None:
    repo = tmp_path
    git(repo, "init", "-q", "-b", "main")
    git(repo, "config", "user.email", "t@example.com")
    git(repo, "config", "user.name", "T")
    git(repo, "config", "commit.gpgsign", "false")
    shutil.copy(QUICK / "policy.sla", repo / "policy.sla")
    shutil.copytree(QUICK / "data", repo / "data")
    git(repo, "add", ".")
    git(repo, "commit", "-qm", "policy")
    head = git(repo, "rev-parse", "HEAD")
    runner = CliRunner()
    kept = repo / "eval.json"
    result = runner.invoke(
        cli,
        [
            "eval",
            str(repo / "policy.sla"),
            "--data",
            str(repo / "data"),
            "--period",
            "2026-01",
            "--as-of",
            "2026-04-01T09:00:00-04:00",
            "--format",
            "json",
            "--output",
            str(kept),
        ],
    )
    assert kept.exists(), result.output

    def report() -> str:
        args = ["report", "--from-json", str(kept), "--format", "markdown"]
        out = runner.invoke(cli, args)
        assert out.exit_code == 0, out.output
        return out.output

    text = report()
    assert head in text and "not in a git repository" not in text
    # the policy changed since the evaluation: the document cannot tell the revision
    (repo / "policy.sla").write_text((repo / "policy.sla").read_text() + "\n# edited\n")
    text = report()
    assert head not in text and "not in a git repository" not in text
    assert "not recorded in the kept document" in text


def test_ci_docs_pin_no_tag_that_does_not_exist() -> None:
    tags = set()
    if HAS_GIT and (ROOT / ".git").exists():
        tags = set(git(ROOT, "tag").split())
    for page in (ROOT / "docs" / "ci-workflow.md", ROOT / ".pre-commit-hooks.yaml"):
        for rev in re.findall(r"\brev:\s*(\S+)", page.read_text()):
            assert rev.startswith("<") or rev in tags, f"{page.name} pins `rev: {rev}`"
