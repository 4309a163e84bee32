"""The commands on policies with modules: check, eval, fmt and diff see through imports."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from rules_engine.cli import cli

ROOT = Path(__file__).resolve().parents[2]
EVAL = [
    "--data",
    "examples/quickstart/data",
    "--from",
    "2026-01",
    "--to",
    "2026-03",
    "--as-of",
    "2026-04-01T09:00:00-04:00",
    "--format",
    "json",
]


@pytest.fixture(autouse=True)
def at_root(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ROOT)


def run(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(cli, list(args))
    return result.exit_code, result.output


def without_origin(node: Any) -> Any:
    """A document without what names the policy's files (paths, hashes, spans)."""
    if isinstance(node, dict):
        return {
            k: without_origin(v)
            for k, v in node.items()
            if k not in ("path", "sha256", "span", "explanation", "policy", "elapsed_us")
        }
    if isinstance(node, list):
        return [without_origin(v) for v in node]
    return node


def test_check_the_example_folder() -> None:
    code, out = run("check", "examples/modules")
    assert (code, out) == (0, "checked 2 files: 0 errors, 0 warnings\n")


def test_check_shows_the_imported_files_line(tmp_path: Path) -> None:
    (tmp_path / "std.sla").write_text('policy "x"\ncurrency XYZ\n', encoding="utf-8")
    (tmp_path / "a.sla").write_text('import "std.sla"\n', encoding="utf-8")
    os.chdir(tmp_path)
    code, out = run("check", "a.sla")
    assert code == 1
    assert "std.sla:2:10: error[SLA311]" in out
    assert " 2 | currency XYZ\n" in out


def test_eval_with_imported_targets_matches_the_one_file_policy() -> None:
    code, out = run("eval", "examples/modules/contoso.sla", *EVAL)
    code_single, out_single = run("eval", "examples/quickstart/policy.sla", *EVAL)
    assert code == code_single
    merged, single = json.loads(out), json.loads(out_single)
    assert merged["policy"]["name"] == "Contoso service desk"
    assert merged["policy"]["path"] == "examples/modules/contoso.sla"
    assert without_origin(merged) == without_origin(single)
    # the quick-start's hand-worked February: 5% x 8,000.00 + 400.00 = 800.00 USD
    assert "800.00" in out


def test_fmt_check_the_example_and_keep_import_lines(tmp_path: Path) -> None:
    assert run("fmt", "--check", "examples/modules")[0] == 0
    path = tmp_path / "a.sla"
    path.write_text('import    "std.sla"\noverride   tier P1\n', encoding="utf-8")
    code, _ = run("fmt", "--write", str(path))
    assert code == 0
    assert path.read_text(encoding="utf-8") == 'import "std.sla"\noverride tier P1\n'


def test_diff_sees_through_imports() -> None:
    code, out = run("diff", "examples/quickstart/policy.sla", "examples/modules/contoso.sla")
    assert code == 0 and "no semantic changes" in out
    code, out = run("diff", "examples/modules/standard_terms.sla", "examples/modules/contoso.sla")
    assert code == 1
    assert "target p1_response: objective stricter" in out
    assert "+ 95% within 15m" in out


def test_diff_when_only_the_standard_terms_change(tmp_path: Path) -> None:
    terms = (ROOT / "examples/modules/standard_terms.sla").read_text(encoding="utf-8")
    customer = (ROOT / "examples/modules/contoso.sla").read_text(encoding="utf-8")
    for version, text in (
        ("v1", terms),
        ("v2", terms.replace("require 90% within 8h", "require 85% within 8h")),
    ):
        (tmp_path / version).mkdir()
        (tmp_path / version / "standard_terms.sla").write_text(text, encoding="utf-8")
        (tmp_path / version / "contoso.sla").write_text(customer, encoding="utf-8")
    os.chdir(tmp_path)
    code, out = run("diff", "v1/contoso.sla", "v2/contoso.sla")
    assert code == 1
    assert "target p2_resolution: objective looser" in out


def test_the_example_readme_shows_the_diff_sla_prints() -> None:
    readme = (ROOT / "examples/modules/README.md").read_text(encoding="utf-8")
    shown = readme.split("```text\n$ sla diff", 1)[1].split("\n", 1)[1].split("```", 1)[0]
    code, out = run("diff", "examples/modules/standard_terms.sla", "examples/modules/contoso.sla")
    assert (code, out) == (1, shown)
