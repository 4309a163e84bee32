"""``sla escalations POLICY --data PATH [--as-of TS] [--format text|json] [--grace S]
[--name ESCALATION]``.

Lists every open record that has crossed an escalation step as of ``--as-of``, who to
notify, whether the after-hours path applies, and when the next step falls due; where the
data carries escalation events, a compliance verdict (late and missed steps).

Exit codes: 0 when no compliance check is breached (records due for escalation are
information, not failure), 1 when a step was late or missed, 2 when the inputs cannot be
read (bad policy, bad data, bad ``--as-of``); never a traceback.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

import click

from rules_engine.cli.data_option import data_option
from rules_engine.cli.eval_cmd import (
    EXIT_BAD,
    EXIT_INPUT,
    EXIT_OK,
    InputProblem,
    checked_policy,
    parse_as_of,
)
from rules_engine.escape import terminal

if TYPE_CHECKING:
    from rules_engine.consequences.escalation import EscalationReport


@click.command(name="escalations")
@click.argument("policy_path", metavar="POLICY", type=click.Path())
@data_option()
@click.option(
    "--as-of",
    "as_of_text",
    default=None,
    help="The instant to look from (ISO 8601; a naive time is in the policy's zone). Default: now.",
)
@click.option(
    "--format",
    "output_format",
    type=click.Choice(["text", "json"]),
    default="text",
    show_default=True,
)
@click.option(
    "--grace",
    "grace_s",
    type=click.IntRange(min=0),
    default=0,
    show_default=True,
    help="Seconds a notification may come after its step falls due and still be on time.",
)
@click.option("--name", "names", multiple=True, help="Only this escalation block (repeatable).")
@click.option(
    "--limit",
    type=click.IntRange(min=0),
    default=1000,
    show_default=True,
    help="Late or missed steps listed per block (counts stay complete); 0 lists all.",
)
@click.option("--timezone", default=None, help="Zone for data timestamps written without one.")
def escalations(
    policy_path: str,
    data_path: tuple[str, ...],
    as_of_text: str | None,
    output_format: str,
    grace_s: int,
    names: tuple[str, ...],
    limit: int,
    timezone: str | None,
) -> None:
    """List escalations due as of a time, and check the escalations that happened."""
    try:
        report = _run(policy_path, data_path, as_of_text, grace_s, names, limit or None, timezone)
    except InputProblem as exc:
        click.echo(terminal(str(exc)), err=True)
        raise SystemExit(EXIT_INPUT) from None
    if output_format == "json":
        click.echo(json.dumps(report.to_json(), indent=2, ensure_ascii=False))
    else:
        click.echo(report.to_text(), nl=False)
    raise SystemExit(EXIT_BAD if report.breached else EXIT_OK)


def _run(
    policy_path: str,
    data_path: tuple[str, ...],
    as_of_text: str | None,
    grace_s: int,
    names: tuple[str, ...],
    limit: int | None,
    timezone: str | None,
) -> EscalationReport:
    from rules_engine.consequences.escalation import EscalationError, escalations_due
    from rules_engine.data import DataError, load_data
    from rules_engine.evaluation.exclusions import split_bundle

    policy = checked_policy(policy_path)
    unknown = [n for n in names if n not in policy.escalations]
    if unknown:
        known = ", ".join(f"`{n}`" for n in policy.escalations) or "none"
        raise InputProblem(
            f"error: --name: no escalation `{unknown[0]}` in {policy_path}; help: the policy has {known}"
        )
    as_of, _ = parse_as_of(as_of_text, policy.timezone)
    try:
        bundle = load_data(data_path, policy=policy, timezone=timezone)
        tables = split_bundle(bundle).approved_tables
    except DataError as exc:
        raise InputProblem("\n".join(str(issue) for issue in exc.issues)) from None
    try:
        return escalations_due(
            policy, tables, as_of, grace_s=grace_s, names=names or None, limit=limit
        )
    except EscalationError as exc:
        raise InputProblem(f"error: {exc}") from None
