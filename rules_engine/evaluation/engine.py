"""Judge a checked policy over data: verdicts per target per period, explained.

:func:`judge` is a pure function of (policy, data, periods, as-of). It judges every period
from the one containing the policy's ``effective`` date up to the last one asked for, so
look-backs ("breached in 3 of last 3 periods") see the same history whatever range was
asked; :meth:`Verdicts.document` shows the periods asked for. The stages are composed
(verdicts, then money, then the document) by :func:`rules_engine.pipeline.evaluate`.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction
from typing import Any, Protocol
from zoneinfo import ZoneInfo

import polars as pl

from rules_engine import __version__
from rules_engine.data.schema import DEFAULT_ANCHORS, SCHEMA_VERSION, STOP_EVENTS
from rules_engine.evaluation import judge as jd
from rules_engine.evaluation.availability import EXCLUDED, downtime_by_period
from rules_engine.evaluation.clocks import Clocks
from rules_engine.evaluation.explain import explanation_text, flip_text
from rules_engine.evaluation.fees import policy_fee
from rules_engine.evaluation.outcomes import PeriodOutcome, TargetOutcome
from rules_engine.evaluation.periods import (
    Period,
    period_containing,
    periods_between,
    target_period,
)
from rules_engine.evaluation.records import (
    RecordContext,
    assign_periods,
    measure_duration_field,
    measure_elapsed,
    target_clock,
)
from rules_engine.evaluation.result import Judgement, goal_json
from rules_engine.evaluation.scope import ScopeContext, compile_scope, field_names, scope_text
from rules_engine.language import model
from rules_engine.language.model import Verdict
from rules_engine.language.policy_text import objective_text

DOCUMENT_VERSION = "1.0"
DETAIL_LIMIT = 1000
"""Per-record detail is kept for a target in a period whose records number at most this."""


class DataSource(Protocol):
    """What :func:`judge` reads from loaded data (``rules_engine.data.DataBundle``)."""

    @property
    def tables(self) -> Mapping[str, pl.DataFrame]: ...


@dataclass(frozen=True)
class EvaluationOptions:
    """Knobs that do not change verdicts: how much per-record detail to keep."""

    detail_limit: int | None = DETAIL_LIMIT  # None: every record's detail, however many
    detail_targets: frozenset[str] | None = None  # always keep detail for these
    as_of_source: str = "given"  # "given" or "now": stated in the output


def _utc(moment: dt.datetime) -> dt.datetime:
    if moment.tzinfo is None:
        raise ValueError("as_of must carry a time zone")
    return moment.astimezone(dt.UTC)


class PeriodError(ValueError):
    """A period evaluation cannot judge: one that starts before the contract is effective.

    ``message`` is one line naming the period and the date, ``where`` the place of
    ``effective`` in the policy (``path:line:col``, or "" when unknown), ``hint`` the
    periods that can be judged.
    """

    def __init__(self, message: str, where: str, hint: str) -> None:
        super().__init__(f"{where + ': ' if where else ''}{message} (help: {hint})")
        self.message = message
        self.where = where
        self.hint = hint


def check_periods(policy: model.CheckedPolicy, periods: Sequence[Period]) -> None:
    """Raise :class:`PeriodError` for a period before the one containing ``effective``:
    no fee and no look-back exists for it, so there is nothing to judge it by."""
    first = period_containing(policy.effective, policy.period, policy.timezone)
    early = [p for p in periods if p.start < first.start]
    if not early:
        return
    span = policy.effective_span
    raise PeriodError(
        f"period {min(early).label} starts before the contract takes effect "
        f"({policy.effective.isoformat()})",
        f"{span.file}:{span.line}:{span.column}" if span.line else "",
        f"start at {first.label} or later",
    )


def history_periods(policy: model.CheckedPolicy, periods: Sequence[Period]) -> list[Period]:
    """From the period containing ``effective`` (or the first asked, if earlier) to the last."""
    if not periods:
        return []
    first = period_containing(policy.effective, policy.period, policy.timezone)
    asked = sorted(periods)
    if asked[0].start < first.start:
        first = asked[0]
    return periods_between(first, asked[-1])


def _period_frame(
    policy: model.CheckedPolicy, period: Period, as_of: dt.datetime
) -> jd.PeriodFrame:
    total = period.real_seconds
    done = (_utc(as_of) - _utc(period.start)).total_seconds()
    elapsed = min(Fraction(1), max(Fraction(0), Fraction(done) / total)) if total else Fraction(1)
    return jd.PeriodFrame(period, period.is_over(as_of), elapsed, policy.at_risk_fraction)


def _money(amount: Decimal | None, currency: model.Currency) -> str | None:
    if amount is None:
        return None
    return str(amount.quantize(Decimal(1).scaleb(-currency.minor_units)))


class _TargetRun:
    """Evaluates one target over every history period."""

    def __init__(
        self,
        policy: model.CheckedPolicy,
        target: model.Target,
        table: pl.DataFrame | None,
        ctx: RecordContext,
        frames: Sequence[jd.PeriodFrame],
        options: EvaluationOptions,
        windows: pl.DataFrame | None = None,
    ) -> None:
        self.policy = policy
        self.target = target
        self.table = table
        self.ctx = ctx
        self.frames = frames
        self.options = options
        self.windows = windows  # the `maintenance` dataset, for availability targets

    def scoped(self) -> pl.DataFrame | None:
        if self.table is None:
            return None
        stops = STOP_EVENTS.get(self.target.dataset)
        scope_ctx = ScopeContext(
            timezone=self.policy.timezone,
            as_of=self.ctx.as_of,
            stop_field=stops[0] if stops else None,
            schema=self.table.schema,
        )
        wanted = [c for c in self.table.columns if c in self._columns(stops)]
        return self.table.select(wanted).filter(compile_scope(self.target.scope, scope_ctx))

    def _columns(self, stops: tuple[str, ...] | None) -> set[str]:
        """The columns this target reads: copying list columns it never looks at
        (escalations, an unused status history) is most of a filter's cost."""
        target = self.target
        names = {"id", target.anchor, *field_names(target.scope)}
        if isinstance(target.objective, model.RateWhere):
            names |= field_names(target.objective.condition)
        if stops:
            names.add(stops[0])
        measure = target.measure
        if isinstance(measure, model.Elapsed):
            names |= {measure.start, measure.stop, "priority"}
            if measure.exclude_pauses is not None:
                names |= {"pauses", "status_history"}
        elif isinstance(measure, model.DurationField | model.Aggregate):
            names |= {measure.field} if measure.field is not None else set()
        elif isinstance(measure, model.Availability):
            names |= {"service", "started_at", "ended_at", "planned", "announced_at", EXCLUDED}
        return names

    def run(self) -> list[Judgement]:
        target = self.target
        scoped = self.scoped()
        count = len(self.frames)
        if isinstance(target.measure, model.Availability) and isinstance(
            target.objective, model.AvailabilityAtLeast
        ):
            outages = scoped if scoped is not None else pl.DataFrame()
            if outages.height == 0 or "started_at" not in outages.columns:
                outages = pl.DataFrame()
            downs = downtime_by_period(
                outages, target.measure.clock, self.ctx, self.windows, self.policy.maintenance
            )
            return [
                jd.judge_availability(
                    d, target.objective, target.measure.clock, f, self.policy.maintenance
                )
                for d, f in zip(downs, self.frames, strict=True)
            ]
        assigned = (
            assign_periods(scoped, target.anchor, self.ctx)
            if scoped is not None and target.anchor in scoped.columns
            else None
        )
        objective = target.objective
        if isinstance(objective, model.CountCompare):
            counts: dict[int, int] = {}
            if assigned is not None:
                counts = {int(p): int(n) for p, n in assigned.group_by("_pidx").len().iter_rows()}
            return [
                jd.judge_count(counts.get(i, 0), objective, frame)
                for i, frame in enumerate(self.frames)
            ]
        if isinstance(objective, model.AggregateCompare):
            facts, growing = (
                self._aggregate(assigned, objective) if assigned is not None else ({}, set())
            )
            return [
                jd.judge_aggregate(facts.get(i), objective, lower_bound=i in growing)
                for i in range(count)
            ]
        if isinstance(objective, model.RateWhere):
            return self._rate(assigned, objective)
        if isinstance(objective, model.PercentWithin | model.PercentileAtMost):
            return self._records(assigned, objective)
        raise ValueError(f"target `{target.name}`: unsupported objective")  # pragma: no cover

    def _measured(self, assigned: pl.DataFrame) -> pl.DataFrame:
        measure = self.target.measure
        if isinstance(measure, model.Elapsed):
            objective = self.target.objective
            in_days = isinstance(objective, model.PercentWithin | model.PercentileAtMost) and (
                objective.business_days
            )
            return measure_elapsed(assigned, measure, self.target.dataset, self.ctx, in_days)
        if isinstance(measure, model.DurationField):
            return measure_duration_field(assigned, measure)
        raise ValueError(f"target `{self.target.name}`: measure does not give durations")

    def _detail(self, n: int) -> bool:
        wanted = self.options.detail_targets
        if wanted is not None and self.target.name in wanted:
            return True
        limit = self.options.detail_limit
        return limit is None or n <= limit

    def _records(
        self, assigned: pl.DataFrame | None, objective: model.PercentWithin | model.PercentileAtMost
    ) -> list[Judgement]:
        count = len(self.frames)
        if assigned is None or assigned.height == 0:
            stats: Sequence[jd.RecordStats] = jd.empty_stats(count)
            picked: dict[int, tuple[int, int, int, bool]] = {}
        else:
            classified = jd.classify(self._measured(assigned), objective.limit_s)
            stats = jd.record_stats(
                classified, count, objective.limit_s, self._detail, objective.business_days
            )
            picked = (
                jd.percentile_values(classified, objective.percentile)
                if isinstance(objective, model.PercentileAtMost)
                else {}
            )
        if isinstance(objective, model.PercentWithin):
            return [
                jd.judge_percent(s, objective.percent, f)
                for s, f in zip(stats, self.frames, strict=True)
            ]
        return [
            jd.judge_percentile(s, picked.get(i), objective, f)
            for i, (s, f) in enumerate(zip(stats, self.frames, strict=True))
        ]

    def _rate(self, assigned: pl.DataFrame | None, objective: model.RateWhere) -> list[Judgement]:
        count = len(self.frames)
        if assigned is None or assigned.height == 0:
            stats: Sequence[jd.RecordStats] = jd.empty_stats(count)
        else:
            scope_ctx = ScopeContext(self.policy.timezone, self.ctx.as_of, None, assigned.schema)
            ok = compile_scope(objective.condition, scope_ctx)
            classified = assigned.select(
                pl.col("id").cast(pl.String),
                "_pidx",
                pl.when(ok).then(pl.lit("met")).otherwise(pl.lit("breached")).alias("status"),
                pl.lit(None, dtype=pl.Int64).alias("measured_us"),
                pl.lit(None, dtype=pl.Int64).alias("gross_us"),
                pl.lit(None, dtype=pl.Int64).alias("paused_us"),
                pl.lit(None, dtype=pl.Int64).alias("wall_us"),
                pl.lit("").alias("clock"),
                pl.lit(False).alias("open"),
            )
            stats = jd.record_stats(classified, count, None, self._detail)
        return [
            jd.judge_percent(s, objective.percent, f)
            for s, f in zip(stats, self.frames, strict=True)
        ]

    def _aggregate(
        self, assigned: pl.DataFrame, objective: model.AggregateCompare
    ) -> tuple[dict[int, tuple[int, Fraction, list[str]]], set[int]]:
        """Per period the aggregate's facts, and the periods whose mean takes an open
        record (so it is a lower bound)."""
        growing: set[int] = set()
        measure = self.target.measure
        if isinstance(measure, model.Aggregate) and measure.field is not None:
            column = pl.col(measure.field)
            dtype = assigned.schema.get(measure.field)
            if isinstance(dtype, pl.Duration):
                value = column.dt.total_microseconds().cast(pl.Int64)
            elif isinstance(dtype, pl.Decimal):  # loaded data: exact already
                value = column
            else:
                value = column.cast(pl.Decimal(38, 9))
            values = assigned.select(pl.col("id").cast(pl.String), "_pidx", value.alias("_value"))
        else:
            # an open record takes part once its elapsed time exceeds the limit, with that
            # time so far (the mean is then a lower bound); before that it is pending
            limit_us = objective.value * jd.US
            measured = self._measured(assigned).filter(
                ~pl.col("open") | (pl.col("measured_us") > limit_us)
            )
            growing = {int(p) for p in measured.filter(pl.col("open"))["_pidx"].unique()}
            values = measured.select("id", "_pidx", pl.col("measured_us").alias("_value"))
        values = values.filter(pl.col("_value").is_not_null())
        return jd.aggregate_values(values, objective), growing


def _calendars(
    policy: model.CheckedPolicy, clocks: Clocks, first: dt.date, last: dt.date
) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for name in sorted(policy.calendars):
        calendar = policy.calendars[name]
        closed = set(calendar.closed)
        used = [
            (day, label)
            for day, label in clocks.holidays_used(name, first, last)
            if not (label == "closed" and day in closed)
        ]
        out[name] = {
            "timezone": calendar.timezone,
            "holidays_used": [[day.isoformat(), label] for day, label in sorted(used)],
            "closed": sorted(day.isoformat() for day in calendar.closed),
        }
    return out


@dataclass(frozen=True)
class Verdicts:
    """The evaluation stage's hand-off: every target judged in every history period.

    ``history`` runs from the period containing the policy's ``effective`` date to the
    last period asked for (what look-backs need); ``periods`` are the ones asked for.
    The consequences stage reads ``history``; :meth:`document` lays the reported periods
    out, with the money a later stage worked out for each history period.
    """

    policy: model.CheckedPolicy
    bundle: DataSource
    as_of: dt.datetime
    periods: tuple[Period, ...]
    history: tuple[PeriodOutcome, ...]
    judgements: Mapping[str, Sequence[Judgement]]
    clocks: Clocks
    options: EvaluationOptions

    def document(
        self,
        money: Sequence[Mapping[str, Any]] | None = None,
        summary: Mapping[str, Any] | None = None,
    ) -> dict[str, Any]:
        """The evaluation document (record lists still in columns). ``money`` has one
        entry per history period (its credits, caps, bonuses, exits), ``summary`` the
        run's exit right and totals; both are laid in as given."""
        policy, options = self.policy, self.options
        summary = summary or {}
        as_of_utc = _utc(self.as_of)
        asked = {p.label for p in self.periods}
        period_docs = []
        for i, outcome in enumerate(self.history):
            period = outcome.period
            if period.label not in asked:
                continue
            targets_doc: dict[str, Any] = {}
            for name, target in policy.targets.items():
                judged = self.judgements[name][i]
                clock = target_clock(target, policy)
                head: dict[str, Any] = {
                    "title": target.title,
                    "owner": target.owner.value,
                    "span": str(target.span),
                    "dataset": target.dataset,
                    "scope": scope_text(target.scope),
                    "objective": objective_text(target.objective),
                    "goal": goal_json(target.objective, clock),
                }
                head.update(judged.to_json())
                counted = outcome_of(target, judged)
                if counted.counts_as is not None:
                    head["counts_as"] = counted.counts_as.value
                if target.every is not None:
                    whole = target_period(period, target.every)
                    head["target_period"] = {
                        "every": target.every,
                        "period": whole.label,
                        "start": whole.start.isoformat(),
                        "end": whole.end.isoformat(),
                        "due": whole.end == period.end,
                    }
                head["flip"] = flip_text(target, judged, clock or "wall")
                head["explanation"] = explanation_text(
                    target,
                    judged,
                    period.label,
                    target_period(period, target.every).label,
                    clock or "wall",
                )
                targets_doc[name] = head
            period_doc: dict[str, Any] = {
                "period": period.label,
                "start": period.start.isoformat(),
                "end": period.end.isoformat(),
                "over": outcome.over,
                "fee": _money(policy_fee(policy, period), policy.currency),
                "targets": targets_doc,
            }
            if money is not None:
                period_doc.update(money[i])
            period_docs.append(period_doc)

        history = self.history
        bundle = self.bundle
        last_day = (
            max(history[-1].period.end, as_of_utc).astimezone(dt.UTC).date()
            if history
            else as_of_utc.date()
        )
        first_day = history[0].period.start.date() if history else as_of_utc.date()
        zone = history[0].period.start.tzinfo if history else dt.UTC
        document: dict[str, Any] = {
            "schema_version": DOCUMENT_VERSION,
            "data_schema_version": SCHEMA_VERSION,
            "engine_version": __version__,
            "policy": {
                "name": policy.name,
                "provider": policy.provider,
                "customer": policy.customer,
                "path": policy.source_path,
                "sha256": policy.source_sha256,
            },
            "data": {
                "sources": dict(sorted((getattr(bundle, "sources", None) or {}).items())),
                "sha256": dict(sorted((getattr(bundle, "sha256", None) or {}).items())),
                "warnings": [str(w) for w in (getattr(bundle, "warnings", []) or [])],
                "late_start": _late_starts(policy, bundle.tables),
            },
            "as_of": as_of_utc.astimezone(zone).isoformat(),
            "as_of_source": options.as_of_source,
            "timezone": policy.timezone,
            "currency": policy.currency.code,
            "holidays_package_version": _holidays_version(),
            "calendars": _calendars(
                policy, self.clocks, dt.date(first_day.year, 1, 1), dt.date(last_day.year, 12, 31)
            ),
            "periods": period_docs,
            "exit_right": summary.get("exit_right"),
            "totals": summary.get("totals"),
            "summary": _summary(period_docs),
        }
        for key, value in summary.items():
            document.setdefault(key, value)
        document["record_detail"] = record_detail(period_docs, options.detail_limit)
        return document


def record_detail(period_docs: Sequence[dict[str, Any]], limit: int | None) -> dict[str, Any]:
    """What the document says about per-record detail: the limit it was kept under
    (None: no limit) and every target and period whose records were left out because
    they outnumbered it, with how many, so a reader never mistakes a missing list for
    an empty one."""
    left_out = [
        {"period": period["period"], "target": name, "records": int(target.get("in_scope") or 0)}
        for period in period_docs
        for name, target in period["targets"].items()
        if target.get("kind") in ("percent", "percentile")
        and "records" not in target
        and int(target.get("in_scope") or 0) > 0
    ]
    return {"limit": limit, "left_out": left_out}


def judge(
    policy: model.CheckedPolicy,
    bundle: DataSource,
    periods: Sequence[Period],
    as_of: dt.datetime,
    options: EvaluationOptions | None = None,
) -> Verdicts:
    """Verdicts for every target of ``policy`` in every period from the one containing
    ``effective`` to the last of ``periods``, as of ``as_of``; data as given (the
    exclusion ledger is applied by :func:`rules_engine.pipeline.evaluate`)."""
    options = options or EvaluationOptions()
    as_of_utc = _utc(as_of)
    history = history_periods(policy, periods)
    clocks = Clocks(policy)
    bounds = [p.start for p in history] + ([history[-1].end] if history else [])
    ctx = RecordContext(policy=policy, as_of=as_of_utc, clocks=clocks, bounds=bounds)
    frames = [_period_frame(policy, p, as_of_utc) for p in history]
    tables = bundle.tables

    judgements: dict[str, list[Judgement]] = {}
    for name, target in policy.targets.items():
        table = tables.get(target.dataset)
        windows = tables.get("maintenance")
        if target.every is None:
            judgements[name] = _TargetRun(
                policy, target, table, ctx, frames, options, windows
            ).run()
        else:
            judgements[name] = _judge_over_target_periods(
                policy, target, table, ctx, history, options, windows
            )

    outcomes = tuple(
        PeriodOutcome(
            period=p,
            over=frames[i].over,
            targets={
                name: outcome_of(policy.targets[name], judged[i])
                for name, judged in judgements.items()
            },
        )
        for i, p in enumerate(history)
    )
    return Verdicts(
        policy, bundle, as_of, tuple(sorted(periods)), outcomes, judgements, clocks, options
    )


def outcome_of(target: model.Target, judged: Judgement) -> TargetOutcome:
    """What the consequences stage sees: a ``not_due`` period has no value (value tiers
    fire only when the target's period ends), and an empty period counts as the target
    says (``no data counts as met``)."""
    if judged.verdict is Verdict.NOT_DUE:
        return TargetOutcome(Verdict.NOT_DUE, None, target.owner)
    counts_as = None
    if judged.verdict is Verdict.NO_DATA and target.no_data_counts_as is not None:
        counts_as = Verdict(target.no_data_counts_as)
    return TargetOutcome(judged.verdict, judged.value, target.owner, counts_as)


def _judge_over_target_periods(
    policy: model.CheckedPolicy,
    target: model.Target,
    table: pl.DataFrame | None,
    ctx: RecordContext,
    history: Sequence[Period],
    options: EvaluationOptions,
    windows: pl.DataFrame | None = None,
) -> list[Judgement]:
    """``every quarter`` / ``every year`` (DESIGN "Target periods"): in each policy period,
    the records anchored from the start of the target's period to the end of this policy
    period, measured as of as-of. The policy period that ends the target's period judges
    them; any other is ``not_due``, with the figures so far. One vectorized run per
    policy period (a history holds tens of them, never one per record)."""
    out: list[Judgement] = []
    for period in history:
        whole = target_period(period, target.every)
        so_far = dataclasses.replace(ctx, bounds=[whole.start, period.end])
        frame = _period_frame(policy, whole, ctx.as_of)
        [judged] = _TargetRun(policy, target, table, so_far, [frame], options, windows).run()
        if period.end != whole.end:
            judged = dataclasses.replace(judged, verdict=Verdict.NOT_DUE)
        out.append(judged)
    return out


def _late_starts(policy: model.CheckedPolicy, tables: Mapping[str, pl.DataFrame]) -> list[str]:
    """Datasets whose first record comes after the policy's ``effective`` date: look-backs
    over the months before see no records there (DESIGN "Credits, bonuses, exits")."""
    out: list[str] = []
    first_period = period_containing(policy.effective, policy.period, policy.timezone)
    for name in sorted({t.dataset for t in policy.targets.values()}):
        table = tables.get(name)
        anchor = DEFAULT_ANCHORS.get(name)
        if table is None or anchor is None or anchor not in table.columns or table.height == 0:
            continue
        if not isinstance(table.schema[anchor], pl.Datetime):
            continue
        first = table[anchor].min()
        if not isinstance(first, dt.datetime):
            continue
        starts_in = period_containing(first, policy.period, policy.timezone)
        if starts_in.start > first_period.start:
            local = first.astimezone(ZoneInfo(policy.timezone)).date()
            out.append(
                f"data for `{name}` starts {local} ({starts_in.label}), after the period of the "
                f"policy's effective date {policy.effective}: earlier periods have no records"
            )
    return out


def _holidays_version() -> str:
    from importlib.metadata import version

    return version("holidays")


def _summary(period_docs: Sequence[dict[str, Any]]) -> dict[str, Any]:
    counts = {v.value: 0 for v in Verdict if v is not Verdict.NOT_DUE}
    for period in period_docs:
        for target in period["targets"].values():
            counts[target["verdict"]] = counts.get(target["verdict"], 0) + 1
    return {"verdicts": counts}
