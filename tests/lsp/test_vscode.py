"""The VS Code extension (editors/vscode): its TextMate grammar is the generated one, its
manifest points at files that exist, and the grammar tokenizes every shipped policy with
no unmatched region (the Node test, run here with vscode-textmate and vscode-oniguruma)."""

from __future__ import annotations

import json
import shutil
import subprocess

import pytest
from paths import ROOT

from rules_engine.language.parser import reserved_words
from rules_engine.lsp.textmate import grammar

VSCODE = ROOT / "editors" / "vscode"


def test_the_committed_grammar_is_the_generated_one() -> None:
    committed = json.loads((VSCODE / "syntaxes" / "sla.tmLanguage.json").read_text("utf-8"))
    assert committed == grammar(), (
        "regenerate it: python -m rules_engine.lsp.textmate > "
        "editors/vscode/syntaxes/sla.tmLanguage.json"
    )
    keywords = committed["repository"]["keyword"]["match"]
    assert all(f"|{w}|" in keywords.replace("(?:", "|").replace(")", "|") for w in reserved_words())


def test_the_manifest_names_files_that_exist() -> None:
    manifest = json.loads((VSCODE / "package.json").read_text("utf-8"))
    contributes = manifest["contributes"]
    paths = [manifest["main"]]
    paths += [entry["configuration"] for entry in contributes["languages"]]
    paths += [entry["path"] for entry in contributes["grammars"] + contributes["snippets"]]
    assert [p for p in paths if not (VSCODE / p).is_file()] == []
    assert contributes["languages"][0]["extensions"] == [".sla"]
    snippets = json.loads((VSCODE / "snippets" / "sla.json").read_text("utf-8"))
    assert {s["prefix"] for s in snippets.values()} == {"target", "calendar", "credit"}
    assert (VSCODE / "package-lock.json").is_file()


def test_the_grammar_tokenizes_every_shipped_policy() -> None:
    node = shutil.which("node")
    if node is None:
        pytest.skip("node is not installed: install Node.js 20 to run the TextMate grammar test")
    if not (VSCODE / "node_modules" / "vscode-textmate").is_dir():
        npm = shutil.which("npm")
        assert npm is not None, "npm is missing: run `npm ci` in editors/vscode"
        done = subprocess.run(
            [npm, "ci", "--no-audit", "--no-fund", "--loglevel=error"],
            cwd=VSCODE,
            capture_output=True,
            text=True,
            timeout=600,
            check=False,
        )
        assert done.returncode == 0, f"`npm ci` in editors/vscode failed:\n{done.stderr}"
    done = subprocess.run(
        [node, "test/tokenize.js"],
        cwd=VSCODE,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    # every .sla under policies/ and examples/ (12 today, more as examples are added)
    count = len(list((ROOT / "policies").glob("*.sla"))) + len(
        list((ROOT / "examples").rglob("*.sla"))
    )
    assert f"tokenized {count} policies: 0 unmatched regions" in done.stdout
