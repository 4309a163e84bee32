"""The layout shows the pipeline: no module imports a later stage, and
docs/architecture.md names only packages and modules that exist (issue 11)."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "rules_engine"
ORDER = ["language", "data", "evaluation", "consequences", "pipeline", "render", "lsp"]
ORDER += ["workflow", "portfolio", "api", "cli"]
LEAVES = {
    "document",
    "escape",
    "present",
}  # import nothing of the project's, so every stage may use them


def _stage(module: str) -> str | None:
    parts = module.split(".")
    if parts[0] != "rules_engine" or len(parts) < 2:
        return None
    return parts[1]


def _imports(path: Path) -> list[tuple[int, str]]:
    found: list[tuple[int, str]] = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module:
            found.append((node.lineno, node.module))
            found += [(node.lineno, f"{node.module}.{a.name}") for a in node.names]
        elif isinstance(node, ast.Import):
            found += [(node.lineno, a.name) for a in node.names]
    return found


MODULES = sorted(PACKAGE.rglob("*.py"))


def test_every_module_belongs_to_a_stage_or_is_a_leaf() -> None:
    stray = []
    for path in MODULES:
        module = ".".join(path.relative_to(ROOT).with_suffix("").parts)
        stage = _stage(module)
        if stage not in (*ORDER, *LEAVES, "__init__", "__main__"):
            stray.append(module)
    assert stray == []


@pytest.mark.parametrize("path", MODULES, ids=lambda p: str(p.relative_to(ROOT)))
def test_no_module_imports_a_later_stage(path: Path) -> None:
    module = ".".join(path.relative_to(ROOT).with_suffix("").parts)
    mine = _stage(module)
    if mine in LEAVES:
        assert [m for _, m in _imports(path) if m.startswith("rules_engine")] == []
        return
    if mine not in ORDER:
        return
    later = [
        f"line {line}: {target}"
        for line, target in _imports(path)
        if (stage := _stage(target)) in ORDER and ORDER.index(stage) > ORDER.index(mine)
    ]
    assert later == [], f"{module} ({mine}) imports a later stage"


def test_the_architecture_page_names_what_exists() -> None:
    page = (ROOT / "docs" / "architecture.md").read_text(encoding="utf-8")
    named = set(re.findall(r"`(rules_engine/[\w/.]+)`", page))
    assert {"rules_engine/language", "rules_engine/pipeline.py"} <= named
    missing = [name for name in sorted(named) if not (ROOT / name).exists()]
    assert missing == []
    # every stage of the order is described in the table
    for stage in ORDER:
        suffix = ".py" if (PACKAGE / f"{stage}.py").exists() else ""
        assert f"`rules_engine/{stage}{suffix}`" in page, stage
