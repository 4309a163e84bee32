"""`sla diff REV:PATH` reads a policy's imports at the same revision."""

import shutil
import subprocess
from pathlib import Path

import pytest
from click.testing import CliRunner

from rules_engine.cli import cli

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "modules"


def _git(cwd: Path, *args: str) -> None:
    subprocess.run(
        ["git", "-c", "user.name=t", "-c", "user.email=t@example.com", *args],
        cwd=cwd,
        check=True,
        capture_output=True,
    )


def test_a_change_in_the_imported_terms_shows_between_revisions(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name in ("standard_terms.sla", "contoso.sla"):
        shutil.copy(EXAMPLE / name, tmp_path / name)
    _git(tmp_path, "init", "-q")
    _git(tmp_path, "add", ".")
    _git(tmp_path, "commit", "-qm", "v1")
    terms = tmp_path / "standard_terms.sla"
    assert "require 90% within 8h" in terms.read_text()
    terms.write_text(terms.read_text().replace("require 90% within 8h", "require 90% within 6h"))
    _git(tmp_path, "commit", "-qam", "v2: P2 resolution 6h in the standard terms")
    # the working tree moves on: the diff must read both sides from git, not the disk
    terms.write_text(terms.read_text().replace("within 6h", "within 2h"))
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(cli, ["diff", "HEAD~1:contoso.sla", "HEAD:contoso.sla"])
    assert result.exit_code == 1, result.output
    assert "target p2_resolution: objective stricter" in result.output
    assert "- 90% within 8h" in result.output
    assert "+ 90% within 6h" in result.output
    assert "2h" not in result.output
