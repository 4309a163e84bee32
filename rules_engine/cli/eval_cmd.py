"""``sla eval POLICY --data PATH [--period P | --from P --to P] [--as-of TS] [--format F]
[--output FILE] [--fail-on at_risk,no_data] [--timezone Z]``.

Exit codes: 0 when no provider-owned target is breached (nor any verdict named by
``--fail-on``), 1 when one is, 2 when the inputs cannot be evaluated (a bad policy prints
its diagnostics, bad data its issues; never a traceback).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import sys
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn
from zoneinfo import ZoneInfo

import click

from rules_engine.cli.data_option import data_files, data_option
from rules_engine.cli.output import STDOUT, Inputs, OutputRefused, check_output, write_output
from rules_engine.data.issues import DataError
from rules_engine.data.loader import DataPaths
from rules_engine.escape import terminal
from rules_engine.evaluation.engine import DETAIL_LIMIT
from rules_engine.evaluation.periods import Period, parse_period, period_containing, periods_between
from rules_engine.language import model

if TYPE_CHECKING:
    from rules_engine.workflow.versions import PolicySeries

EXIT_OK, EXIT_BAD, EXIT_INPUT = 0, 1, 2


class InputProblem(Exception):
    """An input the command cannot evaluate; the message is already one line (or rendered
    diagnostics)."""


@dataclass(frozen=True)
class Loaded:
    policy: model.CheckedPolicy
    bundle: object
    periods: list[Period]
    as_of: dt.datetime
    as_of_source: str


def parse_as_of(text: str | None, zone: str) -> tuple[dt.datetime, str]:
    """``--as-of``: an ISO timestamp (a naive one is read in the policy's zone) or a date
    (its local midnight); default now, stated as such in the output."""
    if text is None:
        return dt.datetime.now(dt.UTC).replace(microsecond=0), "now"
    try:
        moment = dt.datetime.fromisoformat(text)
    except ValueError:
        raise InputProblem(
            f"error: --as-of: `{text}` is not a timestamp; help: write e.g. 2026-07-01T10:00:00-04:00"
        ) from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=ZoneInfo(zone))
    from rules_engine.data.coerce import EARLIEST, END, END_YEAR, FIRST_YEAR, YEARS_HINT

    try:
        inside = EARLIEST <= moment.astimezone(dt.UTC) < END
    except (OverflowError, ValueError):
        inside = False
    if not inside:
        raise InputProblem(
            f"error: --as-of: `{text}` is outside the years {FIRST_YEAR}-{END_YEAR - 1}; help: {YEARS_HINT}"
        )
    return moment, "given"


def _check_timezone_option(name: str) -> None:
    from rules_engine.data.coerce import UnknownTimezone, check_timezone

    try:
        check_timezone(name)
    except UnknownTimezone as exc:
        raise InputProblem(f"error: --timezone: {exc}; help: {exc.hint}") from None


def choose_periods(
    policy: model.CheckedPolicy,
    period: str | None,
    first: str | None,
    last: str | None,
    as_of: dt.datetime,
) -> list[Period]:
    """``--period P``, or ``--from P --to P``, or by default the last complete period."""
    try:
        if period is not None:
            if first or last:
                raise InputProblem(
                    "error: --period cannot be combined with --from/--to; help: use one"
                )
            return [parse_period(period, policy.period, policy.timezone)]
        if first or last:
            start = parse_period(first or last or "", policy.period, policy.timezone)
            end = parse_period(last or first or "", policy.period, policy.timezone)
            chosen = periods_between(start, end)
            if not chosen:
                raise InputProblem(
                    f"error: --from {first} comes after --to {last}; help: swap them"
                )
            return chosen
    except ValueError as exc:
        raise InputProblem(f"error: period: {exc}") from None
    return [period_containing(as_of, policy.period, policy.timezone).previous()]


def checked_policy(policy_path: str) -> model.CheckedPolicy:
    """The checked policy, or :class:`InputProblem` carrying its diagnostics rendered
    with their source lines (an imported file's included)."""
    from rules_engine.api import check_file, read_policy_text
    from rules_engine.language.diagnostics import render_text

    result = check_file(policy_path)
    if result.policy is not None:
        return result.policy
    sources = dict(result.sources)
    text = read_policy_text(policy_path)[0]
    if text is not None:
        sources[policy_path] = text
    raise InputProblem(render_text(result.diagnostics, sources).rstrip("\n"))


def load_inputs(
    policy_path: str,
    data_path: DataPaths,
    period: str | None,
    first: str | None,
    last: str | None,
    as_of_text: str | None,
    timezone: str | None,
) -> Loaded:
    """Policy, data, periods and as-of, or :class:`InputProblem` with a printable message."""
    policy = checked_policy(policy_path)
    if timezone is not None:
        _check_timezone_option(timezone)
    as_of, source = parse_as_of(as_of_text, policy.timezone)
    periods = choose_periods(policy, period, first, last, as_of)
    from rules_engine.evaluation.engine import PeriodError, check_periods

    try:
        check_periods(policy, periods)
    except PeriodError as exc:
        where = f"{exc.where}: " if exc.where else ""
        raise InputProblem(f"{where}error: {exc.message}; help: {exc.hint}") from None

    from rules_engine.data import DataError, load_data

    try:
        bundle = load_data(data_path, policy=policy, timezone=timezone)
    except DataError as exc:
        raise InputProblem("\n".join(str(issue) for issue in exc.issues)) from None
    return Loaded(policy, bundle, periods, as_of, source)


@dataclass(frozen=True)
class SeriesLoaded:
    """A series of versions with its data, periods and as-of."""

    series: PolicySeries
    bundle: object
    periods: list[Period]
    as_of: dt.datetime
    as_of_source: str


def is_series(policy_path: str, history: bool) -> bool:
    """POLICY names a series: a folder of versions, or a file with ``--history``."""
    return history or Path(policy_path).is_dir()


def load_series(policy_path: str, history: bool) -> PolicySeries:
    """The versions of a folder, or of one file's git history; :class:`InputProblem`
    naming the version (file or ``COMMIT:PATH``) that cannot be used."""
    from rules_engine.workflow.gitrev import RevisionError
    from rules_engine.workflow.versions import SeriesError, series_from_folder

    try:
        if history:
            if Path(policy_path).is_dir():
                raise SeriesError(
                    f"--history reads one file's git history, and `{policy_path}` is a folder",
                    "drop --history to use the folder's files as versions",
                )
            if not Path(policy_path).is_file():
                raise SeriesError(
                    f"`{policy_path}`: no such file", "name a policy file committed in git"
                )
            return _series_from_history(policy_path)
        return series_from_folder(policy_path)
    except SeriesError as exc:
        raise InputProblem(_one_line(exc.message, exc.hint)) from None
    except RevisionError as exc:
        raise InputProblem(_one_line(exc.message, exc.hint)) from None


def _series_from_history(policy_path: str) -> PolicySeries:
    """The committed versions of one file, wherever the command runs from: read in the
    file's own repository, labelled ``COMMIT:PATH`` with the path from its root."""
    from rules_engine.workflow.gitrev import RevisionError, repo_root
    from rules_engine.workflow.versions import series_from_git

    folder = Path(policy_path).resolve().parent
    try:
        root = repo_root(folder).resolve()
    except RevisionError:
        raise RevisionError(
            f"`{policy_path}` is not in a git repository, so it has no history",
            "commit it to a repository, or give a folder with one *.sla file per version",
        ) from None
    relative = Path(policy_path).resolve().relative_to(root).as_posix()
    return series_from_git(relative, root)


def _one_line(message: str, hint: str) -> str:
    return f"error: {message}; help: {hint}" if hint else f"error: {message}"


def load_series_inputs(
    policy_path: str,
    history: bool,
    data_path: DataPaths,
    period: str | None,
    first: str | None,
    last: str | None,
    as_of_text: str | None,
    timezone: str | None,
) -> SeriesLoaded:
    """As :func:`load_inputs`, for a series. The data is loaded once, against the latest
    version told every dataset, field and tier of the others
    (:meth:`PolicySeries.loading_policy`)."""
    from rules_engine.workflow.versions import SeriesError

    series = load_series(policy_path, history)
    if timezone is not None:
        _check_timezone_option(timezone)
    policy = series.first.policy
    as_of, source = parse_as_of(as_of_text, policy.timezone)
    periods = choose_periods(policy, period, first, last, as_of)
    try:
        loading = series.loading_policy()
    except SeriesError as exc:
        raise InputProblem(_one_line(exc.message, exc.hint)) from None

    from rules_engine.data import DataError, load_data

    try:
        bundle = load_data(data_path, policy=loading, timezone=timezone)
    except DataError as exc:
        raise InputProblem("\n".join(str(issue) for issue in exc.issues)) from None
    return SeriesLoaded(series, bundle, periods, as_of, source)


def evaluate_series_document(
    loaded: SeriesLoaded, detail_limit: int | None = DETAIL_LIMIT
) -> dict[str, Any]:
    """The series' evaluation document (:func:`rules_engine.workflow.versions.evaluate_series`)."""
    from rules_engine.pipeline import EvaluationOptions
    from rules_engine.workflow.versions import SeriesError, evaluate_series

    try:
        result = evaluate_series(
            loaded.series,
            loaded.bundle,
            loaded.periods,
            loaded.as_of,
            options=EvaluationOptions(as_of_source=loaded.as_of_source, detail_limit=detail_limit),
        )
    except SeriesError as exc:
        raise InputProblem(_one_line(exc.message, exc.hint)) from None
    return result.document


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
