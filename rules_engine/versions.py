"""Effective-dated policy versions: a contract and its amendments, evaluated over a long
history with, for each period, the version in force at the period's start.

A series comes from a folder of policy files or from the git history of one file; each
version is a checked policy whose ``effective`` date says when it takes over. Verdicts of
a period are judged by its own version; consequences (credits, bonuses, exits) are priced
by that version's rules over the *combined* verdict history, so look-backs reach back
across versions to the first version's ``effective`` date: an amendment does not reset a
streak. Fees follow the same rule: the fee in force on a day is the one of the version in
force that day.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import itertools
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

from rules_engine.model import CheckedPolicy, FeeLine
from rules_engine.outcomes import PeriodOutcome
from rules_engine.periods import Period, period_containing, periods_between


class SeriesError(ValueError):
    """A series that cannot be built or evaluated; the message names the version."""

    def __init__(self, message: str, hint: str = "") -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint


@dataclass(frozen=True)
class PolicyVersion:
    """One version: where it came from (a file, or ``COMMIT:PATH``) and its policy."""

    label: str
    policy: CheckedPolicy

    @property
    def effective(self) -> dt.date:
        return self.policy.effective


@dataclass(frozen=True)
class PolicySeries:
    """Versions sorted by ``effective``; at most one per date."""

    versions: tuple[PolicyVersion, ...]

    def __post_init__(self) -> None:
        if not self.versions:
            raise SeriesError("a policy series needs at least one version")
        first = self.versions[0].policy
        for v in self.versions[1:]:
            if (v.policy.period, v.policy.timezone) != (first.period, first.timezone):
                raise SeriesError(
                    f"version `{v.label}` counts {v.policy.period}s in {v.policy.timezone}, "
                    f"but `{self.versions[0].label}` counts {first.period}s in {first.timezone}",
                    "every version of a contract must use the same periods and time zone",
                )

    @property
    def first(self) -> PolicyVersion:
        return self.versions[0]

    def version_at(self, day: dt.date) -> PolicyVersion:
        """The version in force on ``day``: the latest whose ``effective`` is not after it."""
        chosen = None
        for v in self.versions:
            if v.effective <= day:
                chosen = v
        if chosen is None:
            raise SeriesError(
                f"no version is in force on {day.isoformat()}",
                f"the first version takes effect on {self.first.effective.isoformat()}",
            )
        return chosen

    def for_period(self, period: Period) -> PolicyVersion:
        """The version in force at the period's start (its first local day)."""
        return self.version_at(period.first_day)

    def fee_schedule(self) -> tuple[FeeLine, ...]:
        """The fee lines in force across versions: each version's schedule, from its own
        ``effective`` date until the next version's."""
        lines: list[FeeLine] = []
        for i, v in enumerate(self.versions):
            until = self.versions[i + 1].effective if i + 1 < len(self.versions) else None
            fees = sorted(v.policy.fees, key=lambda f: f.start)
            opening = [f for f in fees if f.start <= v.effective]
            if opening:
                lines.append(dataclasses.replace(opening[-1], start=v.effective))
            lines += [
                f for f in fees if f.start > v.effective and (until is None or f.start < until)
            ]
        return tuple(lines)


def series_of(versions: Sequence[PolicyVersion]) -> PolicySeries:
    """Sort by ``effective``; two versions with the same date are an error."""
    ordered = sorted(versions, key=lambda v: v.effective)
    for a, b in itertools.pairwise(ordered):
        if a.effective == b.effective:
            raise SeriesError(
                f"`{a.label}` and `{b.label}` both take effect on {a.effective.isoformat()}",
                "give each version its own `effective` date",
            )
    return PolicySeries(tuple(ordered))


def _checked(text: str, path: str, label: str) -> CheckedPolicy:
    from rules_engine.api import check_source

    result = check_source(text, path)
    if result.policy is None:
        first = next((d for d in result.diagnostics if d.severity == "error"), None)
        where = f": {first.span}: {first.message}" if first is not None else ""
        raise SeriesError(f"version `{label}` does not check{where}", f"run `sla check {path}`")
    return result.policy


def series_from_folder(folder: str | Path) -> PolicySeries:
    """Every ``*.sla`` file directly in ``folder`` is a version."""
    root = Path(folder)
    files = sorted(root.glob("*.sla"))
    if not files:
        raise SeriesError(f"`{root}` holds no policy files", "put one *.sla file per version")
    versions = []
    for file in files:
        text = file.read_text(encoding="utf-8")
        versions.append(PolicyVersion(file.name, _checked(text, str(file), file.name)))
    return series_of(versions)


def series_from_git(path: str, cwd: Path | None = None) -> PolicySeries:
    """Every committed state of ``path``, keyed by its ``effective`` date; a later commit
    with the same date corrects the earlier one (the latest text for a date wins)."""
    from rules_engine.gitrev import file_history, read_at_revision

    by_date: dict[dt.date, PolicyVersion] = {}
    for rev in file_history(path, cwd):
        source = read_at_revision(rev.commit, path, cwd)
        label = f"{rev.commit[:7]}:{path}"
        version = PolicyVersion(label, _checked(source.text, label, label))
        by_date[version.effective] = version
    return series_of(list(by_date.values()))


# --------------------------------------------------------------------------- evaluation


Evaluate = Callable[[CheckedPolicy, Any, Sequence[Period], dt.datetime], Any]


@dataclass(frozen=True)
class SeriesEvaluation:
    """The evaluation document of a series (``document``; each period names its
    ``version``) and the combined verdict history the consequences were priced on."""

    series: PolicySeries
    history: tuple[PeriodOutcome, ...]
    document: dict[str, Any]

    def version_by_period(self) -> dict[str, str]:
        return {p["period"]: p["version"] for p in self.document["periods"]}


def _engine(
    policy: CheckedPolicy, bundle: Any, periods: Sequence[Period], as_of: dt.datetime
) -> Any:
    from rules_engine.engine import evaluate

    return evaluate(policy, bundle, list(periods), as_of)


def evaluate_series(
    series: PolicySeries,
    bundle: Any,
    periods: Sequence[Period],
    as_of: dt.datetime,
    evaluate: Evaluate | None = None,
) -> SeriesEvaluation:
    """Evaluate each period with the version in force at its start.

    Every period from the one containing the first version's ``effective`` date up to the
    last one asked for is judged (so look-backs see the same history whatever range was
    asked); the document shows the periods asked for.
    """
    from rules_engine import consequences as cq

    run = evaluate or _engine
    if not periods:
        raise SeriesError("no periods to evaluate")
    first = series.first.policy
    wanted = sorted(periods)
    start = period_containing(first.effective, first.period, first.timezone)
    if wanted[0].start < start.start:
        raise SeriesError(
            f"period {wanted[0].label} starts before the first version takes effect "
            f"({first.effective.isoformat()})",
            f"start at {start.label} or later",
        )
    history_periods = periods_between(start, wanted[-1])
    in_force = [series.for_period(p) for p in history_periods]

    # judge each period with its own version (one engine run per version)
    docs: dict[str, dict[str, Any]] = {}
    outcomes: dict[str, PeriodOutcome] = {}
    for version in {v.label: v for v in in_force}.values():
        own = [p for p, v in zip(history_periods, in_force, strict=True) if v is version]
        result = run(version.policy, bundle, own, as_of)
        labels = {p.label for p in own}
        for doc in result.document["periods"]:
            if doc["period"] in labels:
                docs[doc["period"]] = doc
        for outcome in result.history:
            if outcome.period.label in labels:
                outcomes[outcome.period.label] = outcome
    history = tuple(outcomes[p.label] for p in history_periods)

    # price each period by its version's rules over the combined history
    fees = series.fee_schedule()
    priced: list[Any] = []
    for index, version in enumerate(in_force):
        policy = dataclasses.replace(version.policy, effective=first.effective, fees=fees)
        priced.append(cq.assess(policy, history[: index + 1])[-1])

    asked = {p.label for p in wanted}
    period_docs = []
    for period, version, money in zip(history_periods, in_force, priced, strict=True):
        if period.label not in asked:
            continue
        doc = {k: v for k, v in docs[period.label].items() if k in _JUDGEMENT_KEYS}
        doc.update(money.to_json())
        doc["version"] = version.label
        doc["version_effective"] = version.effective.isoformat()
        period_docs.append(doc)
    summary = cq.summarize(priced, wanted)
    last = series.for_period(wanted[-1]).policy
    document: dict[str, Any] = {
        "series": [
            {
                "version": v.label,
                "effective": v.effective.isoformat(),
                "path": v.policy.source_path,
                "sha256": v.policy.source_sha256,
            }
            for v in series.versions
        ],
        "as_of": as_of.isoformat(),
        "timezone": first.timezone,
        "currency": last.currency.code,
        "periods": period_docs,
        "exit_right": summary.get("exit_right"),
        "totals": summary.get("totals"),
    }
    return SeriesEvaluation(series, history, document)


_JUDGEMENT_KEYS = ("period", "start", "end", "over", "targets")


def credits_by_version(evaluation: SeriesEvaluation) -> dict[str, Decimal]:
    """Net credits granted in the reported periods, per version (for summaries)."""
    out: dict[str, Decimal] = {}
    for doc in evaluation.document["periods"]:
        amount = doc.get("credits_net", doc.get("credits_total"))
        if amount is not None:
            out[doc["version"]] = out.get(doc["version"], Decimal(0)) + Decimal(amount)
    return out
