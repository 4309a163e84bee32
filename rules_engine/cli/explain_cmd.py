"""``sla explain POLICY --data PATH --target NAME --period P [--as-of TS] [--format text|json]``:
the full derivation of one verdict, down to each record's clock time, wall time and pauses.

Exit codes as ``sla eval``: 0 unless the target is breached (1); 2 on an input error.
"""

from __future__ import annotations

import json
import sys
from typing import Any

import click

from rules_engine.cli.data_option import data_option
from rules_engine.cli.eval_cmd import (
    EXIT_BAD,
    EXIT_INPUT,
    EXIT_OK,
    InputProblem,
    load_inputs,
    progress,
)
from rules_engine.data.issues import DataError
from rules_engine.escape import terminal
from rules_engine.language.diagnostics import did_you_mean
from rules_engine.render.explain_out import render_explanation


@click.command(name="explain")
@click.argument("policy_path", metavar="POLICY", type=click.Path())
@data_option()
@click.option("--target", "target_name", required=True, help="The target to explain.")
@click.option("--period", required=True, help="The period, e.g. 2026-03.")
@click.option("--as-of", "as_of", help="Evaluate as of this timestamp (default: now).")
@click.option(
    "--format",
    "output_format",
    type=click.Choice(["text", "json"]),
    default="text",
    show_default=True,
)
@click.option("--timezone", help="Zone for data timestamps written without one.")
def explain(
    policy_path: str,
    data_path: tuple[str, ...],
    target_name: str,
    period: str,
    as_of: str | None,
    output_format: str,
    timezone: str | None,
) -> None:
    """Show the full derivation of one target's verdict in one period."""
    try:
        with progress("evaluating"):
            loaded = load_inputs(policy_path, data_path, period, None, None, as_of, timezone)
            if target_name not in loaded.policy.targets:
                hint = did_you_mean(target_name, loaded.policy.targets) or (
                    "targets: " + ", ".join(loaded.policy.targets)
                )
                raise InputProblem(
                    f"error: --target: no target `{target_name}` in {policy_path}; help: {hint}"
                )
            from rules_engine.pipeline import EvaluationOptions, evaluate

            evaluation = evaluate(
                loaded.policy,
                loaded.bundle,  # type: ignore[arg-type]
                loaded.periods,
                loaded.as_of,
                EvaluationOptions(
                    detail_targets=frozenset({target_name}), as_of_source=loaded.as_of_source
                ),
            )
    except InputProblem as exc:
        click.echo(terminal(str(exc)), err=True)
        sys.exit(EXIT_INPUT)
    except DataError as exc:  # a bad exclusions ledger
        click.echo(terminal("\n".join(str(issue) for issue in exc.issues)), err=True)
        sys.exit(EXIT_INPUT)
    document = evaluation.document
    if output_format == "json":
        period_doc = document["periods"][0]
        out = {
            "as_of": document["as_of"],
            "as_of_source": document["as_of_source"],
            "period": {k: period_doc[k] for k in ("period", "start", "end", "over")},
            "target": name_doc(period_doc, target_name),
        }
        click.echo(json.dumps(out, indent=2, ensure_ascii=False))
    else:
        click.echo(render_explanation(document, target_name), nl=False)
    verdict = document["periods"][0]["targets"][target_name]["verdict"]
    sys.exit(EXIT_BAD if verdict == "breached" else EXIT_OK)


def name_doc(period_doc: dict[str, Any], name: str) -> dict[str, Any]:
    doc: dict[str, Any] = {"name": name, **period_doc["targets"][name]}
    return doc
