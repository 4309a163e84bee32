"""``sla eval POLICY --data PATH [--period P | --from P --to P] [--as-of TS] [--format F]
[--output FILE] [--fail-on at_risk,no_data] [--timezone Z]``.

Exit codes: 0 when no provider-owned target is breached (nor any verdict named by
``--fail-on``), 1 when one is, 2 when the inputs cannot be evaluated (a bad policy prints
its diagnostics, bad data its issues; never a traceback).
"""

from __future__ import annotations

import contextlib
import sys
import threading
from collections.abc import Iterator
from typing import Any, NoReturn

import click

from rules_engine.cli.data_option import data_files, data_option
from rules_engine.cli.output import STDOUT, Inputs, OutputRefused, check_output, write_output
from rules_engine.data.issues import DataError
from rules_engine.escape import terminal
from rules_engine.evaluation.engine import DETAIL_LIMIT
from rules_engine.language import model
from rules_engine.workflow.inputs import (  # re-exported: the other commands import them here
    InputProblem,
    Loaded,
    SeriesLoaded,
    checked_policy,
    choose_periods,
    evaluate_series_document,
    is_series,
    load_inputs,
    load_series,
    load_series_inputs,
    parse_as_of,
)

__all__ = [
    "InputProblem",
    "Loaded",
    "SeriesLoaded",
    "checked_policy",
    "choose_periods",
    "evaluate_series_document",
    "is_series",
    "load_inputs",
    "load_series",
    "load_series_inputs",
    "parse_as_of",
]

EXIT_OK, EXIT_BAD, EXIT_INPUT = 0, 1, 2


@contextlib.contextmanager
def _input_errors() -> Iterator[None]:
    """Bad input to ``eval`` (policy, data, periods, an exclusions ledger): its message on
    stderr and exit 2."""
    try:
        yield
    except InputProblem as exc:
        click.echo(terminal(str(exc)), err=True)
        sys.exit(EXIT_INPUT)
    except DataError as exc:  # a bad exclusions ledger
        click.echo(terminal("\n".join(str(issue) for issue in exc.issues)), err=True)
        sys.exit(EXIT_INPUT)


@contextlib.contextmanager
def progress(label: str) -> Iterator[None]:
    """A spinner on stderr, only when stderr is a terminal and the work takes over 1 s."""
    if not sys.stderr.isatty():
        yield
        return
    done = threading.Event()

    def spin() -> None:
        if done.wait(1.0):
            return
        frames = "|/-\\"
        i = 0
        while not done.wait(0.1):
            sys.stderr.write(f"\r{label} {frames[i % 4]}")
            sys.stderr.flush()
            i += 1
        sys.stderr.write("\r" + " " * (len(label) + 2) + "\r")
        sys.stderr.flush()

    thread = threading.Thread(target=spin, daemon=True)
    thread.start()
    try:
        yield
    finally:
        done.set()
        thread.join()


def _fail_on(text: str) -> set[model.Verdict]:
    wanted: set[model.Verdict] = {model.Verdict.BREACHED}
    for word in filter(None, (w.strip() for w in text.split(","))):
        try:
            wanted.add(model.Verdict(word))
        except ValueError:
            raise click.BadParameter(
                f"`{word}` is not a verdict (at_risk, no_data, breached)", param_hint="--fail-on"
            ) from None
    return wanted


FORMAT_NAMES = ("text", "json", "markdown", "html", "junit", "sarif", "github")
"""The keys of :data:`rules_engine.render.FORMATS`, spelled out so that ``--help`` and
usage errors list them without importing every renderer (a test keeps them equal)."""


@click.command(
    name="eval",
    help="Evaluate a policy over data: verdicts per target per period, explained.\n\n"
    "POLICY may be a folder of versions (one *.sla file each), or a file with --history: "
    "each period is judged by the version in force at its start, and look-backs reach "
    "across versions.",
)
@click.argument("policy_path", metavar="POLICY", type=click.Path())
@data_option()
@click.option(
    "--history",
    is_flag=True,
    help="POLICY's committed versions in git, each in force from its `effective` date.",
)
@click.option("--period", help="One period, e.g. 2026-03 or 2026-Q1.")
@click.option("--from", "first", help="First period of a range.")
@click.option("--to", "last", help="Last period of a range.")
@click.option("--as-of", "as_of", help="Evaluate as of this timestamp (default: now).")
@click.option(
    "--format",
    "output_format",
    type=click.Choice(FORMAT_NAMES),
    default="text",
    show_default=True,
    help="Output format.",
)
@click.option(
    "--output",
    type=click.Path(dir_okay=False),
    help="Write to this regular file (not one of the inputs) instead of stdout; `-` is stdout.",
)
@click.option("--fail-on", default="", help="Also exit 1 on these verdicts: at_risk,no_data.")
@click.option("--timezone", help="Zone for data timestamps written without one.")
@click.option(
    "--all-records",
    is_flag=True,
    help=f"Keep every record's detail; by default a target in a period with more than "
    f"{DETAIL_LIMIT} records keeps only its breached and pending ones (the document's "
    "`record_detail` lists what was left out).",
)
def eval_(
    policy_path: str,
    data_path: tuple[str, ...],
    history: bool,
    period: str | None,
    first: str | None,
    last: str | None,
    as_of: str | None,
    output_format: str,
    output: str | None,
    fail_on: str,
    timezone: str | None,
    all_records: bool,
) -> None:
    """Evaluate a policy over data: verdicts per target per period, explained."""
    from rules_engine.render import FORMATS

    wanted = _fail_on(fail_on)
    inputs = Inputs(paths=data_files(data_path), policies=(policy_path,))
    _check_output(output, inputs)  # before the work, which can take minutes
    if is_series(policy_path, history):
        _eval_series(
            policy_path,
            history,
            data_path,
            period,
            first,
            last,
            as_of,
            timezone,
            wanted,
            output_format,
            output,
            inputs,
            all_records,
        )
    with _input_errors(), progress("evaluating"):
        loaded = load_inputs(policy_path, data_path, period, first, last, as_of, timezone)
        from rules_engine.pipeline import EvaluationOptions, evaluate

        evaluation = evaluate(
            loaded.policy,
            loaded.bundle,  # type: ignore[arg-type]
            loaded.periods,
            loaded.as_of,
            EvaluationOptions(
                as_of_source=loaded.as_of_source, detail_limit=None if all_records else DETAIL_LIMIT
            ),
        )
        # json writes the columnar skeleton (the same bytes), sparing a dict per listed
        # record; the other formats read the typed document
        columnar = output_format == "json"
        source = evaluation.skeleton if columnar else evaluation.document
        rendered = FORMATS[output_format](source)
    _write(rendered, output, inputs)
    _data_warnings(evaluation.skeleton, output_format)
    if output_format == "github":
        step_summary(evaluation.document)
    sys.exit(EXIT_BAD if evaluation.any_verdict(wanted) else EXIT_OK)


def step_summary(document: dict[str, Any]) -> None:
    """``--format github``: append the full table of shortfalls to the job summary
    (``$GITHUB_STEP_SUMMARY``, set by GitHub Actions), since annotations stop at ten."""
    import os

    path = os.environ.get("GITHUB_STEP_SUMMARY")
    if not path:
        return
    from rules_engine.render.github import render_github_summary

    try:
        with open(path, "a", encoding="utf-8") as summary:
            summary.write(render_github_summary(document))
    except OSError as exc:
        click.echo(
            f"warning: `$GITHUB_STEP_SUMMARY` {path}: cannot append ({exc.strerror or exc})",
            err=True,
        )


SHOWS_DATA_WARNINGS = ("text", "json", "markdown", "html")
"""The formats whose output lists the data warnings; the others get them on stderr."""


def _data_warnings(document: dict[str, Any], output_format: str) -> None:
    """Data warnings (values loading changed or doubts) on stderr, for the formats that
    have no place for them, so no format hides one that could change a verdict."""
    if output_format in SHOWS_DATA_WARNINGS:
        return
    for warning in document.get("data", {}).get("warnings") or []:
        click.echo(str(warning), err=True)


def _check_output(output: str | None, inputs: Inputs) -> None:
    if output is None or output == STDOUT:
        return
    try:
        check_output(output, inputs)
    except OutputRefused as exc:
        click.echo(exc.one_line(), err=True)
        sys.exit(EXIT_INPUT)


def _write(rendered: str, output: str | None, inputs: Inputs) -> None:
    """To ``--output`` by the rules of :mod:`rules_engine.cli.output`, or to stdout."""
    if output is None or output == STDOUT:
        click.echo(rendered, nl=False)
        return
    try:
        write_output(output, rendered.encode("utf-8"), inputs)
    except OutputRefused as exc:
        click.echo(exc.one_line(), err=True)
        sys.exit(EXIT_INPUT)
    except OSError as exc:
        click.echo(
            f"error: {output}: cannot write ({exc.strerror}); help: check the folder and free space",
            err=True,
        )
        sys.exit(EXIT_INPUT)


def _eval_series(
    policy_path: str,
    history: bool,
    data_path: tuple[str, ...],
    period: str | None,
    first: str | None,
    last: str | None,
    as_of: str | None,
    timezone: str | None,
    wanted: set[model.Verdict],
    output_format: str,
    output: str | None,
    inputs: Inputs,
    all_records: bool = False,
) -> NoReturn:
    """``sla eval`` over a series of versions: render, write, exit."""
    from rules_engine.render import FORMATS
    from rules_engine.workflow.versions import any_verdict

    with _input_errors(), progress("evaluating"):
        loaded = load_series_inputs(
            policy_path, history, data_path, period, first, last, as_of, timezone
        )
        document = evaluate_series_document(loaded, None if all_records else DETAIL_LIMIT)
        rendered = FORMATS[output_format](document)
    _write(rendered, output, inputs)
    _data_warnings(document, output_format)
    if output_format == "github":
        step_summary(document)
    sys.exit(EXIT_BAD if any_verdict(document, wanted) else EXIT_OK)
