"""``sla check PATHS... [--format text|json|sarif] [--strict]``.

``-`` reads a policy from standard input (shown as ``<stdin>``). Exit codes: 0 clean (warnings alone too, unless ``--strict``), 1 errors found, 2 a usage
error or a path that cannot be read.
"""

from __future__ import annotations

import sys
from pathlib import Path

import click

from rules_engine.api import check_source, read_policy_text
from rules_engine.language.diagnostics import (
    Diagnostic,
    diagnostic,
    render_json,
    render_sarif,
    render_text,
    sort_diagnostics,
)
from rules_engine.language.parser import ParseError, decode_source

STDIN = "<stdin>"


def _read(path: str) -> tuple[str | None, list[Diagnostic]]:
    """A policy's text, from the file or (``-``) from standard input, or why not."""
    if path != "-":
        return read_policy_text(path)
    try:
        return decode_source(sys.stdin.buffer.read(), STDIN), []
    except ParseError as error:
        return None, [diagnostic(error.code, error.message, error.span, error.hint)]


def _policy_files(paths: tuple[str, ...]) -> tuple[list[str], list[str]]:
    """Files named, plus ``*.sla`` under folders (sorted); and the paths that do not exist."""
    files: list[str] = []
    missing: list[str] = []
    for path in paths:
        p = Path(path)
        if p.is_dir():
            found = sorted(str(f) for f in p.rglob("*.sla") if f.is_file())
            files.extend(found)
        elif p.exists() or path == "-":
            files.append(path)
        else:
            missing.append(path)
    return files, missing


def _plural(n: int, word: str) -> str:
    return f"{n} {word}{'' if n == 1 else 's'}"


@click.command(name="check")
@click.argument("paths", nargs=-1, required=True, type=click.Path())
@click.option(
    "--format",
    "output_format",
    type=click.Choice(["text", "json", "sarif"]),
    default="text",
    show_default=True,
    help="Output format.",
)
@click.option("--strict", is_flag=True, help="Exit 1 on warnings too.")
def check(paths: tuple[str, ...], output_format: str, strict: bool) -> None:
    """Check policies (files, or folders searched for *.sla) for errors and lint warnings."""
    files, missing = _policy_files(paths)
    diagnostics: list[Diagnostic] = []
    sources: dict[str, str] = {}
    unreadable = False
    for path in missing:
        _, problems = read_policy_text(path)
        diagnostics.extend(problems)
        unreadable = True
    for path in files:
        text, problems = _read(path)
        if text is None:
            diagnostics.extend(problems)
            unreadable = unreadable or any(d.code == "SLA100" for d in problems)
            continue
        name = STDIN if path == "-" else path
        sources[name] = text
        result = check_source(text, name)
        sources.update(result.sources)  # imported files, so their lines are shown too
        diagnostics.extend(result.diagnostics)
    diagnostics = sort_diagnostics(diagnostics)
    errors = sum(d.severity == "error" for d in diagnostics)
    warnings = len(diagnostics) - errors

    if output_format == "json":
        click.echo(render_json(diagnostics), nl=False)
    elif output_format == "sarif":
        from importlib.metadata import PackageNotFoundError, version

        try:
            tool_version = version("sla-rules-engine")
        except PackageNotFoundError:  # pragma: no cover - running from a source tree
            tool_version = "0"
        click.echo(render_sarif(diagnostics, tool_version), nl=False)
    else:
        text = render_text(diagnostics, sources)
        if text:
            click.echo(text)
        checked = len(files) + len(missing)
        summary = (
            f"checked {_plural(checked, 'file')}: "
            f"{_plural(errors, 'error')}, {_plural(warnings, 'warning')}"
        )
        click.echo(summary, err=False)
    if not files and not missing:
        click.echo(f"error: no *.sla files under {', '.join(paths)}", err=True)
        raise SystemExit(2)
    if unreadable:
        raise SystemExit(2)
    if errors or (strict and warnings):
        raise SystemExit(1)


__all__ = ["check"]
