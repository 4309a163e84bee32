"""``sla parse FILE [--json]``: the syntax tree of a policy, with spans (``-`` reads stdin).

Exit codes: 0 parsed, 1 a syntax error, 2 a file that cannot be read.
"""

from __future__ import annotations

import json
import sys

import click

from rules_engine.language import ast
from rules_engine.language.diagnostics import diagnostic, render_text
from rules_engine.language.parser import ParseError, decode_source, read_source
from rules_engine.language.parser import parse as parse_text


def _outline(node: object, depth: int = 0, label: str = "") -> list[str]:
    """An indented outline of the tree: one node or value a line, with its position."""
    pad = "  " * depth + (f"{label}: " if label else "")
    data = ast.to_data(node) if not isinstance(node, dict) else node
    if isinstance(data, dict) and "type" in data:
        span = data.get("span") or {}
        where = f"  @{span.get('line')}:{span.get('column')}" if span.get("line") else ""
        lines = [f"{pad}{data['type']}{where}"]
        for key, value in data.items():
            if key in ("type", "span"):
                continue
            lines.extend(_outline(value, depth + 1, key))
        return lines
    if isinstance(data, list):
        if not data:
            return [f"{pad}[]"]
        lines = [f"{pad}["]
        for value in data:
            lines.extend(_outline(value, depth + 1))
        lines.append("  " * depth + "]")
        return lines
    return [f"{pad}{json.dumps(data)}"]


@click.command(name="parse")
@click.argument("file", type=click.Path())
@click.option("--json", "as_json", is_flag=True, help="Print the tree as JSON.")
def parse(file: str, as_json: bool) -> None:
    """Print a policy's syntax tree (every node with its span)."""
    text = None
    try:
        if file == "-":
            file = "<stdin>"
            text = decode_source(sys.stdin.buffer.read(), file)
        else:
            text = read_source(file)
        policy = parse_text(text, file)
    except ParseError as error:
        found = diagnostic(error.code, error.message, error.span, error.hint)
        click.echo(render_text([found], {file: text} if text is not None else None), err=True)
        raise SystemExit(2 if error.code == "SLA100" else 1) from None
    if as_json:
        click.echo(json.dumps(ast.to_data(policy), indent=2, ensure_ascii=False))
    else:
        click.echo("\n".join(_outline(policy)))
