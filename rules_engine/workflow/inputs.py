"""Reading what an evaluation needs: a checked policy (or a series of versions), its data,
the periods asked and the as-of instant, each problem as one printable message.

The commands (``sla eval``, ``explain``, ``report``, ``escalations``) and the portfolio
read their inputs through these functions, so a contract evaluated in a portfolio reads
exactly what ``sla eval`` reads.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from rules_engine.data.loader import DataPaths
from rules_engine.evaluation.engine import DETAIL_LIMIT
from rules_engine.evaluation.periods import Period, parse_period, period_containing, periods_between
from rules_engine.language import model

if TYPE_CHECKING:
    from rules_engine.workflow.versions import PolicySeries

DataReader = Callable[[model.CheckedPolicy, str | None], object]
"""Reads a contract's data other than from a path (a slice of a shared dataset), given
the policy that types it and the zone for timestamps written without one; raises
:class:`rules_engine.data.DataError`."""


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


def parse_as_of(
    text: str | None, zone: str, now: dt.datetime | None = None
) -> tuple[dt.datetime, str]:
    """``--as-of``: an ISO timestamp (a naive one is read in the policy's zone) or a date
    (its local midnight); default now (``now`` when given: a portfolio takes the clock
    once for all its contracts), stated as such in the output."""
    if text is None:
        moment = now if now is not None else dt.datetime.now(dt.UTC)
        return moment.replace(microsecond=0), "now"
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
    from rules_engine.language.diagnostics import render_text
    from rules_engine.language.load import check_file, read_policy_text

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
    *,
    now: dt.datetime | None = None,
    read_data: DataReader | None = None,
) -> Loaded:
    """Policy, data, periods and as-of, or :class:`InputProblem` with a printable message."""
    policy = checked_policy(policy_path)
    if timezone is not None:
        _check_timezone_option(timezone)
    as_of, source = parse_as_of(as_of_text, policy.timezone, now)
    periods = choose_periods(policy, period, first, last, as_of)
    from rules_engine.evaluation.engine import PeriodError, check_periods

    try:
        check_periods(policy, periods)
    except PeriodError as exc:
        where = f"{exc.where}: " if exc.where else ""
        raise InputProblem(f"{where}error: {exc.message}; help: {exc.hint}") from None

    from rules_engine.data import DataError, load_data

    try:
        if read_data is not None:
            bundle = read_data(policy, timezone)
        else:
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
    *,
    now: dt.datetime | None = None,
    read_data: DataReader | None = None,
) -> SeriesLoaded:
    """As :func:`load_inputs`, for a series. The data is loaded once, against the latest
    version told every dataset, field and tier of the others
    (:meth:`PolicySeries.loading_policy`)."""
    from rules_engine.workflow.versions import SeriesError

    series = load_series(policy_path, history)
    if timezone is not None:
        _check_timezone_option(timezone)
    policy = series.first.policy
    as_of, source = parse_as_of(as_of_text, policy.timezone, now)
    periods = choose_periods(policy, period, first, last, as_of)
    try:
        loading = series.loading_policy()
    except SeriesError as exc:
        raise InputProblem(_one_line(exc.message, exc.hint)) from None

    from rules_engine.data import DataError, load_data

    try:
        if read_data is not None:
            bundle = read_data(loading, timezone)
        else:
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
