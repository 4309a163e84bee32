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
import functools
import itertools
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from rules_engine.evaluation.outcomes import PeriodOutcome
from rules_engine.evaluation.periods import Period, period_containing, periods_between
from rules_engine.language.model import CheckedPolicy, DatasetDecl, FeeLine, Verdict

if TYPE_CHECKING:
    from rules_engine.language.checker import CheckResult
    from rules_engine.pipeline import EvaluationOptions


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
            if v.policy.currency.code != first.currency.code:
                raise SeriesError(
                    f"version `{v.label}` is in {v.policy.currency.code}, "
                    f"but `{self.versions[0].label}` is in {first.currency.code}",
                    "every version of a contract must use the same currency",
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

    def loading_policy(self) -> CheckedPolicy:
        """The policy to load data against: the latest version, knowing every dataset,
        field and tier any version declares, so that a field only an earlier (or only a
        later) version reads is typed for the periods that read it. A field declared with
        two different types is an error naming both versions."""
        last = self.versions[-1].policy
        datasets: dict[str, DatasetDecl] = {}
        typed: dict[tuple[str, str], tuple[str, str]] = {}  # (dataset, field) -> type, label
        for v in reversed(self.versions):  # later versions first: their anchors win
            for name, decl in v.policy.datasets.items():
                for fdecl in decl.fields:
                    seen = typed.setdefault((name, fdecl.name), (fdecl.type, v.label))
                    if seen[0] != fdecl.type:
                        raise SeriesError(
                            f"field `{name}.{fdecl.name}` is a {fdecl.type} in `{v.label}` "
                            f"but a {seen[0]} in `{seen[1]}`",
                            "one data set is loaded for every version: keep each field's type",
                        )
                known = datasets.get(name)
                if known is None:
                    datasets[name] = decl
                    continue
                names = {f.name for f in known.fields}
                extra = tuple(f for f in decl.fields if f.name not in names)
                datasets[name] = dataclasses.replace(known, fields=known.fields + extra)
        tiers = {n: t for v in self.versions for n, t in v.policy.tiers.items()}
        return dataclasses.replace(last, datasets=datasets, tiers={**tiers, **last.tiers})

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


def _check(
    text: str, path: str, label: str, read: Callable[[str], str] | None = None
) -> CheckResult:
    from rules_engine.language.load import check_source

    result = check_source(text, path, read)
    if result.policy is None:
        first = next((d for d in result.diagnostics if d.severity == "error"), None)
        where = f": {first.span}: {first.message}" if first is not None else ""
        raise SeriesError(f"version `{label}` does not check{where}", f"run `sla check {path}`")
    return result


def _checked(
    text: str, path: str, label: str, read: Callable[[str], str] | None = None
) -> CheckedPolicy:
    policy = _check(text, path, label, read).policy
    assert policy is not None  # _check raised otherwise
    return policy


def series_from_folder(folder: str | Path) -> PolicySeries:
    """Every ``*.sla`` file directly in ``folder`` is a version, except a file another one
    imports (shared standard terms are a module, not a version)."""
    from rules_engine.language.load import read_policy_text

    root = Path(folder)
    if not root.is_dir():
        raise SeriesError(f"`{root}` is not a folder", "give a folder of *.sla versions")
    files = sorted(f for f in root.glob("*.sla") if f.is_file())
    if not files:
        raise SeriesError(f"`{root}` holds no policy files", "put one *.sla file per version in it")
    checked: dict[Path, CheckResult] = {}
    imported: set[Path] = set()
    for file in files:
        text, problems = read_policy_text(file)
        if text is None:
            why = problems[0].message if problems else "cannot be read"
            raise SeriesError(f"version `{file.name}`: {why}", f"check `{file}`")
        result = _check(text, str(file), file.name)
        checked[file] = result
        imported |= {Path(p).resolve() for p in result.sources if Path(p) != file}
    versions = [
        PolicyVersion(file.name, result.policy)
        for file, result in checked.items()
        if file.resolve() not in imported and result.policy is not None
    ]
    return series_of(versions)


def series_from_git(path: str, cwd: Path | None = None) -> PolicySeries:
    """Every committed state of ``path``, keyed by its ``effective`` date; a later commit
    with the same date corrects the earlier one (the latest text for a date wins)."""
    from rules_engine.workflow.gitrev import RevisionError, file_history, read_at_revision

    by_date: dict[dt.date, PolicyVersion] = {}
    for rev in file_history(path, cwd):
        source = read_at_revision(rev.commit, path, cwd)
        label = f"{rev.commit[:7]}:{path}"

        def at_commit(
            imported: str, commit: str = rev.commit, prefix: str = rev.commit[:7] + ":"
        ) -> str:
            """Imports of a committed version are read at the same commit."""
            try:
                return read_at_revision(commit, imported.removeprefix(prefix), cwd).text
            except RevisionError as error:
                raise FileNotFoundError(error.message) from None

        version = PolicyVersion(label, _checked(source.text, label, label, at_commit))
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
    policy: CheckedPolicy,
    bundle: Any,
    periods: Sequence[Period],
    as_of: dt.datetime,
    options: EvaluationOptions | None = None,
) -> Any:
    from rules_engine.pipeline import evaluate

    return evaluate(policy, bundle, list(periods), as_of, options)


def evaluate_series(
    series: PolicySeries,
    bundle: Any,
    periods: Sequence[Period],
    as_of: dt.datetime,
    evaluate: Evaluate | None = None,
    options: EvaluationOptions | None = None,
) -> SeriesEvaluation:
    """Evaluate each period with the version in force at its start.

    Every period from the one containing the first version's ``effective`` date up to the
    last one asked for is judged (so look-backs see the same history whatever range was
    asked); the document shows the periods asked for. The document has the shape of a
    single policy's (every renderer reads it): its ``policy`` block is the version in force
    at the last period asked for, ``series`` lists every version, and each period names
    its ``version`` and ``version_effective``.
    """
    from rules_engine.consequences import assess as cq

    run: Evaluate = evaluate or functools.partial(_engine, options=options)
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
    runs: dict[str, dict[str, Any]] = {}  # version label -> its run's document
    for version in {v.label: v for v in in_force}.values():
        own = [p for p, v in zip(history_periods, in_force, strict=True) if v is version]
        result = run(version.policy, bundle, own, as_of)
        runs[version.label] = result.document
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
        judged = docs[period.label]
        doc = {k: judged[k] for k in _JUDGEMENT_KEYS if k in judged}
        doc["version"] = version.label
        doc["version_effective"] = version.effective.isoformat()
        doc["targets"] = judged["targets"]
        doc.update(money.to_json())
        period_docs.append(doc)
    summary = dict(cq.summarize(priced, wanted))
    last = series.for_period(wanted[-1])
    document = _series_document(series, last, runs, period_docs, summary, asked)
    return SeriesEvaluation(series, history, document)


_JUDGEMENT_KEYS = ("period", "start", "end", "over")


def _series_document(
    series: PolicySeries,
    last: PolicyVersion,
    runs: dict[str, dict[str, Any]],
    period_docs: list[dict[str, Any]],
    summary: dict[str, Any],
    asked: set[str],
) -> dict[str, Any]:
    """The document of a single policy's evaluation, for a series: the head of the last
    version's run, the periods of every run, calendars of every version."""
    base = runs[last.label]
    earliest = runs[next(iter(runs))]  # the run of the first version in force
    calendars: dict[str, Any] = {}
    for doc in runs.values():
        calendars.update(doc.get("calendars") or {})
    counts = {v.value: 0 for v in Verdict if v is not Verdict.NOT_DUE}  # listed when seen
    for period in period_docs:
        for target in period["targets"].values():
            counts[target["verdict"]] = counts.get(target["verdict"], 0) + 1
    document: dict[str, Any] = {
        key: base[key]
        for key in ("schema_version", "data_schema_version", "engine_version")
        if key in base
    }
    document["policy"] = {
        **base.get("policy", {}),
        "version": last.label,
        "version_effective": last.effective.isoformat(),
    }
    document["series"] = [
        {
            "version": v.label,
            "effective": v.effective.isoformat(),
            "path": v.policy.source_path,
            "sha256": v.policy.source_sha256,
        }
        for v in series.versions
    ]
    if "data" in earliest:
        document["data"] = earliest["data"]
    for key in ("as_of", "as_of_source", "timezone", "currency", "holidays_package_version"):
        if key in base:
            document[key] = base[key]
    document["calendars"] = dict(sorted(calendars.items()))
    document["periods"] = period_docs
    document["exit_right"] = summary.get("exit_right")
    document["totals"] = summary.get("totals")
    document["summary"] = {"verdicts": counts}
    for key, value in summary.items():
        document.setdefault(key, value)
    exclusions = _exclusions(list(runs.values()), asked)
    if exclusions is not None:
        document["exclusions"] = exclusions
    return document


def _exclusions(docs: list[dict[str, Any]], asked: set[str]) -> dict[str, Any] | None:
    """The ledger and disputed entries (the same for every version's run), and what the
    disputed ones would change per period; money totals of that effect are per version
    and so not summed here (``totals`` is None)."""
    sections = [d["exclusions"] for d in docs if d.get("exclusions")]
    if not sections:
        return None
    changed = [
        period
        for section in sections
        for period in (section.get("dispute_effect") or {}).get("periods") or []
        if period.get("period") in asked
    ]
    effect = None
    if any(section.get("dispute_effect") for section in sections):
        effect = {"periods": changed, "totals": None, "exit_right": None}
    return {
        "ledger": sections[-1].get("ledger"),
        "disputed": sections[-1].get("disputed"),
        "dispute_effect": effect,
    }


def any_verdict(document: dict[str, Any], verdicts: set[Verdict]) -> bool:
    """A provider-owned target of a reported period has one of ``verdicts`` (exit 1)."""
    wanted = {v.value for v in verdicts}
    return any(
        target["owner"] == "provider" and (target.get("counts_as") or target["verdict"]) in wanted
        for period in document["periods"]
        for target in period["targets"].values()
    )
