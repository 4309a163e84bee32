"""``sla validate --data PATH [--policy POLICY] [--dataset NAME] [--timezone Z] [--max-errors N]``.

Exit codes: 0 clean (warnings allowed), 1 invalid data, 2 unreadable input (a file that
cannot be read at all, an unknown dataset, a policy that does not check).
"""

from __future__ import annotations

import json

import click

from rules_engine.cli.data_option import data_option
from rules_engine.data import DataError, DataIssue, load_data
from rules_engine.escape import terminal
from rules_engine.language.model import CheckedPolicy


def _plural(n: int, word: str) -> str:
    return f"{n} {word}{'' if n == 1 else 's'}"


def _policy(path: str | None) -> CheckedPolicy | None:
    if path is None:
        return None
    from rules_engine.api import load_policy
    from rules_engine.language.diagnostics import PolicyError

    try:
        return load_policy(path)
    except PolicyError as error:
        for d in error.diagnostics[:20]:
            click.echo(f"{d.span}: {d.severity}: {d.message}", err=True)
        click.echo(f"error: the policy {path} does not check; fix it first", err=True)
        raise SystemExit(2) from None


@click.command(name="validate")
@data_option()
@click.option(
    "--policy", "policy_path", type=click.Path(), help="Type declared datasets and fields."
)
@click.option("--dataset", help="The dataset of a single file not named after it.")
@click.option("--timezone", help="Zone of timestamps written without an offset.")
@click.option("--max-errors", type=click.IntRange(min=1), default=100, show_default=True)
@click.option(
    "--format",
    "output_format",
    type=click.Choice(["text", "json"]),
    default="text",
    show_default=True,
)
def validate(
    data_path: tuple[str, ...],
    policy_path: str | None,
    dataset: str | None,
    timezone: str | None,
    max_errors: int,
    output_format: str,
) -> None:
    """Load and check performance data without evaluating anything."""
    policy = _policy(policy_path)
    issues: list[DataIssue]
    counts: dict[str, int] = {}
    code = 0
    try:
        bundle = load_data(
            data_path, policy=policy, timezone=timezone, max_errors=max_errors, name=dataset
        )
        issues = bundle.warnings
        counts = {name: len(table) for name, table in bundle.tables.items()}
    except DataError as error:
        issues = error.issues
        code = 2 if error.unreadable else 1
    errors = sum(i.severity == "error" for i in issues)
    if output_format == "json":
        payload = {
            "ok": code == 0,
            "records": counts,
            "errors": errors,
            "warnings": len(issues) - errors,
            "issues": [i.to_json() for i in issues],
        }
        click.echo(json.dumps(payload, indent=2))
    else:
        for issue in issues:
            click.echo(terminal(str(issue)), err=issue.severity == "error")
        if code == 0:
            summary = ", ".join(f"{_plural(n, 'record')} in {name}" for name, n in counts.items())
            click.echo(f"ok: {summary}; {_plural(len(issues), 'warning')}")
        else:
            click.echo(
                f"invalid: {_plural(errors, 'error')}, {_plural(len(issues) - errors, 'warning')}",
                err=True,
            )
    raise SystemExit(code)
