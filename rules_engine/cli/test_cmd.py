"""``sla test [PATHS] [--run REGEX] [-v] [--coverage] [--threshold N] [--format ...]``.

Exit codes: 0 every case passed (and coverage reached ``--threshold``); 1 a case failed or
coverage is under the threshold; 2 a test file could not run (invalid YAML, an unknown
key, a policy that does not check, bad inline data) or no test file was found.
"""

from __future__ import annotations

import re
import sys
from fractions import Fraction

import click

from rules_engine.workflow.policytest import render_json, render_junit, render_text, run_tests


@click.command(name="test")
@click.argument("paths", nargs=-1, type=click.Path())
@click.option("--run", "run_regex", help="Run only cases whose FILE::NAME matches this regex.")
@click.option("-v", "--verbose", is_flag=True, help="List passing cases too.")
@click.option("--coverage", "show_coverage", is_flag=True, help="Print the clause coverage.")
@click.option(
    "--threshold",
    type=click.FloatRange(0, 100),
    help="Exit 1 when a policy's clause coverage is under N percent.",
)
@click.option(
    "--format",
    "output_format",
    type=click.Choice(["text", "json", "junit"]),
    default="text",
    show_default=True,
)
def test(
    paths: tuple[str, ...],
    run_regex: str | None,
    verbose: bool,
    show_coverage: bool,
    threshold: float | None,
    output_format: str,
) -> None:
    """Run policy unit tests (*_test.yaml files; folders are searched, default `.`,
    skipping what git ignores). Coverage is per policy; --threshold applies to each."""
    if run_regex is not None:
        try:
            re.compile(run_regex)
        except re.error as exc:
            click.echo(f"error: `--run {run_regex}` is not a regular expression: {exc}", err=True)
            sys.exit(2)
    result = run_tests(paths or (".",), run_regex)
    # exact: the threshold as written (e.g. 87.5) against observed/total outcomes
    limit = Fraction(str(threshold)) if threshold is not None else None
    if not result.results and not result.errors:
        click.echo("error: no test cases found", err=True)
        click.echo("  help: name test files `*_test.yaml` (or check `--run`)", err=True)
        sys.exit(2)
    if output_format == "json":
        click.echo(render_json(result), nl=False)
    elif output_format == "junit":
        click.echo(render_junit(result, limit), nl=False)
    else:
        click.echo(render_text(result, verbose, show_coverage or threshold is not None), nl=False)
    under = result.under(limit) if limit is not None else []
    for cov in under:
        click.echo(
            f"{cov.policy}: clause coverage is under the threshold of {threshold:g}% "
            f"({cov.to_json()['percent']}%)",
            err=True,
        )
    if result.errors or any(r.status == "error" for r in result.results):
        sys.exit(2)
    sys.exit(1 if result.failed or under else 0)
