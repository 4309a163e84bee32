"""``sla fmt [-w] [--check] [--diff] PATHS...``: the canonical layout of policies.

Without ``-w``, ``--check`` or ``--diff`` the formatted text goes to standard output.
``-`` reads standard input. Exit codes: 0 done (and, with ``--check``, nothing would
change), 1 a file would change under ``--check`` or does not parse, 2 a path that
cannot be read.
"""

from __future__ import annotations

import difflib
import sys
from pathlib import Path

import click

from rules_engine.cli.output import OutputRefused, write_output
from rules_engine.language.diagnostics import diagnostic, render_text
from rules_engine.language.formatter import format_policy
from rules_engine.language.parser import ParseError, decode_source, read_source


def _policy_files(paths: tuple[str, ...]) -> list[str]:
    """Files named, plus ``*.sla`` under folders (sorted); missing paths are kept so the
    read reports them."""
    files: list[str] = []
    for path in paths:
        p = Path(path)
        if p.is_dir():
            files.extend(sorted(str(f) for f in p.rglob("*.sla") if f.is_file()))
        else:
            files.append(path)
    return files


def _write(path: str, text: str) -> None:
    """Replace the file by the rules of every output file (:mod:`rules_engine.cli.output`):
    atomically, so an interrupted run never leaves half a policy; through a symlink, the
    file it points to is replaced, not the link."""
    write_output(path, text.encode("utf-8"), stdout=False)


@click.command(name="fmt")
@click.argument("paths", nargs=-1, required=True, type=click.Path())
@click.option("-w", "--write", is_flag=True, help="Rewrite files in place.")
@click.option("--check", is_flag=True, help="Exit 1 if any file would change; write nothing.")
@click.option("--diff", "show_diff", is_flag=True, help="Print a unified diff of the changes.")
def fmt(paths: tuple[str, ...], write: bool, check: bool, show_diff: bool) -> None:
    """Format policies (files, or folders searched for *.sla) in the canonical layout."""
    if write and check:
        raise click.UsageError("use either -w (rewrite) or --check (report only), not both")
    status = 0
    changed: list[str] = []
    for path in _policy_files(paths):
        text: str | None = None
        try:
            if path == "-":
                text = decode_source(sys.stdin.buffer.read(), "<stdin>")
            else:
                text = read_source(path)
            formatted = format_policy(text, "<stdin>" if path == "-" else path)
        except ParseError as error:
            sources = {error.span.file: text} if text is not None else None
            found = diagnostic(error.code, error.message, error.span, error.hint)
            click.echo(render_text([found], sources), err=True)
            status = max(status, 2 if error.code == "SLA100" else 1)
            continue
        if formatted != text:
            changed.append(path)
        if show_diff and formatted != text:
            name = "<stdin>" if path == "-" else path
            diff = difflib.unified_diff(
                text.splitlines(keepends=True),
                formatted.splitlines(keepends=True),
                fromfile=f"{name} (original)",
                tofile=f"{name} (formatted)",
            )
            click.echo("".join(diff), nl=False)
        if write and formatted != text and path != "-":
            try:
                _write(path, formatted)
            except OutputRefused as exc:
                click.echo(exc.one_line(), err=True)
                status = 2
                continue
            except OSError as exc:
                click.echo(f"error: {path}: cannot write ({exc.strerror})", err=True)
                status = 2
                continue
            click.echo(f"formatted {path}", err=True)
        elif not (write or check or show_diff):
            click.echo(formatted, nl=False)
    if check:
        for path in changed:
            click.echo(f"would reformat {path}", err=True)
        files = [p for p in changed if p != "-"]
        if files:
            click.echo(
                f"help: `sla fmt -w {' '.join(files)}` rewrites "
                f"{'it' if len(files) == 1 else 'them'} in the canonical layout",
                err=True,
            )
        elif changed:
            click.echo("help: `sla fmt -` prints the formatted text", err=True)
        if changed:
            status = max(status, 1)
    raise SystemExit(status)
