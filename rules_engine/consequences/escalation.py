"""Escalation ladders as of an instant (DESIGN "Escalation").

For each ``escalation`` block, every record in its scope that is *open* at ``as_of``
(anchored at or before it, no stop event at or before it) is placed on the ladder:

- a step ``at 30m`` falls due 30 minutes of real time (``24x7``) after the record's
  anchor (tickets: ``created_at``);
- a step ``at 50% of p1_resolution`` falls due when the record has used that fraction of
  the target's limit *on the target's clock for the record* (the target's named clock,
  else the coverage of the record's priority tier, else ``24x7``), counted from the
  target's start field; the due instant is ``add_open_time(start, fraction x limit)``
  (rounded up to the microsecond), so a P3 ticket's steps wait over nights and weekends.
  When the target excludes pauses, the excluded pauses (merged, clipped to the record)
  do not count either: the due instant is the fixed point of ``t = add_open_time(start,
  amount + paused time before t)``, and a pause still running before it makes the step
  wait (no due instant yet).

A step is *crossed* when its due instant is at or before ``as_of``. Each open record
with a crossed step is listed with every crossed step, the contact of the latest, whether
the after-hours path applies (``outside CAL notify X first``: CAL is closed at
``as_of``; then X is notified first, or after the step's contact without ``first``),
and the next step with the instant it falls due (None when the clock never gets there).

**Compliance.** Where the data carries escalation events (tickets ``escalations[{at,
contact}]``, at least one event in the dataset; without any the data says nothing about
escalations and no check is made), every record in scope anchored at or before
``as_of`` is checked: a step is
*required* when it fell due at or before ``as_of`` while the record was still open (no
stop event at or before the due instant). A required step is ``on_time`` when the
step's contact (compared case-insensitively, trimmed) was notified at or before the
due instant plus ``grace_s``, ``late`` when only afterwards (up to ``as_of``), and
``missed`` otherwise. The block's verdict is ``breached`` when a step is late or missed,
``met`` when every required step was on time, ``no_data`` when none was required.

Everything per record is done on whole columns: one ``add_open_time`` per (step, clock).
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

import polars as pl

from rules_engine import present
from rules_engine.data.schema import DEFAULT_ANCHORS, STOP_EVENTS
from rules_engine.escape import terminal, terminal_field
from rules_engine.evaluation.clock import Clock, clocks_for
from rules_engine.evaluation.records import pause_intervals
from rules_engine.evaluation.scope import ScopeContext, compile_scope
from rules_engine.language import model
from rules_engine.language.model import (
    CLOCK_24X7,
    CheckedPolicy,
    Escalation,
    EscalationStep,
    Verdict,
)
from rules_engine.language.policy_text import duration_text, percent_text
from rules_engine.language.spans import Span

UTC_US = pl.Datetime("us", "UTC")
US_PER_S = 1_000_000


class EscalationError(ValueError):
    """A policy/data mismatch the checker could not see (a step on a target without a
    time limit, a dataset without the anchor column): one line with the block's span."""


# --------------------------------------------------------------------------- results


@dataclass(frozen=True)
class StepDue:
    """One step of the ladder for one record."""

    index: int  # 1-based position in the block
    label: str  # "30m", "50% of p1_resolution"
    contact: str
    clock: str
    due_at: dt.datetime | None  # None: a running pause holds it, or the clock never gets there

    def to_json(self) -> dict[str, Any]:
        return {
            "step": self.index,
            "at": self.label,
            "contact": self.contact,
            "clock": self.clock,
            "due_at": _iso(self.due_at),
        }


@dataclass(frozen=True)
class OpenRecord:
    record_id: str
    anchored_at: dt.datetime
    crossed: tuple[StepDue, ...]
    notify: tuple[str, ...]  # who to notify now, in order
    after_hours: bool
    next_step: StepDue | None

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.record_id,
            "anchored_at": _iso(self.anchored_at),
            "level": self.crossed[-1].index,
            "crossed": [s.to_json() for s in self.crossed],
            "notify": list(self.notify),
            "after_hours": self.after_hours,
            "next_step": None if self.next_step is None else self.next_step.to_json(),
        }


@dataclass(frozen=True)
class StepCheck:
    record_id: str
    step: int
    contact: str
    due_at: dt.datetime
    notified_at: dt.datetime | None
    status: str  # on_time | late | missed
    late_s: int | None

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.record_id,
            "step": self.step,
            "contact": self.contact,
            "due_at": _iso(self.due_at),
            "notified_at": _iso(self.notified_at),
            "status": self.status,
            "late_s": self.late_s,
        }


@dataclass(frozen=True)
class Compliance:
    verdict: Verdict
    required: int
    on_time: int
    late: int
    missed: int
    problems: tuple[StepCheck, ...]  # the late and missed steps, earliest due first
    problems_omitted: int = 0  # beyond the listing limit

    def to_json(self) -> dict[str, Any]:
        return {
            "verdict": str(self.verdict),
            "required": self.required,
            "on_time": self.on_time,
            "late": self.late,
            "missed": self.missed,
            "problems": [p.to_json() for p in self.problems],
            "problems_omitted": self.problems_omitted,
        }


@dataclass(frozen=True)
class AfterHoursState:
    calendar: str
    contact: str
    first: bool
    applies: bool  # the calendar is closed at as_of

    def to_json(self) -> dict[str, Any]:
        return {
            "calendar": self.calendar,
            "contact": self.contact,
            "first": self.first,
            "applies": self.applies,
        }


@dataclass(frozen=True)
class EscalationResult:
    name: str
    dataset: str
    span: Span
    steps: tuple[str, ...]  # labels, in order
    after_hours: AfterHoursState | None
    open_in_scope: int
    records: tuple[OpenRecord, ...]
    compliance: Compliance | None  # None when the data carries no escalation events

    def to_json(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "dataset": self.dataset,
            "source": str(self.span),
            "steps": list(self.steps),
            "after_hours": None if self.after_hours is None else self.after_hours.to_json(),
            "open_in_scope": self.open_in_scope,
            "escalated": [r.to_json() for r in self.records],
            "compliance": None if self.compliance is None else self.compliance.to_json(),
        }


@dataclass(frozen=True)
class EscalationReport:
    as_of: dt.datetime
    results: tuple[EscalationResult, ...]
    timezone: str | None = None  # the contract's zone: the text shows instants in it

    @property
    def breached(self) -> bool:
        """Whether a compliance check found a late or missed step."""
        return any(
            r.compliance is not None and r.compliance.verdict is Verdict.BREACHED
            for r in self.results
        )

    def to_json(self) -> dict[str, Any]:
        return {"as_of": _iso(self.as_of), "escalations": [r.to_json() for r in self.results]}

    def to_rows(self) -> list[dict[str, Any]]:
        """One flat row per escalated record (for tables in reports and the evaluation
        document's ``escalations`` list)."""
        rows = []
        for r in self.results:
            for rec in r.records:
                top = rec.crossed[-1]
                nxt = rec.next_step
                rows.append(
                    {
                        "escalation": r.name,
                        "id": rec.record_id,
                        "step": f"{top.index}. at {top.label}",
                        "due_at": _iso(top.due_at),
                        "notify": ", then ".join(rec.notify),
                        "after_hours": rec.after_hours,
                        "next_step": None if nxt is None else f"{nxt.index}. at {nxt.label}",
                        "next_due_at": None if nxt is None else _iso(nxt.due_at),
                    }
                )
        return rows

    def to_text(self) -> str:
        """For people: instants in the contract's zone with their offset (the JSON keeps
        UTC)."""

        def at(moment: dt.datetime | None) -> str:
            return present.instant(moment, self.timezone)

        lines = [f"escalations as of {at(self.as_of)}"]
        for r in self.results:
            lines.append("")
            lines.append(
                f"{r.name} ({r.dataset}, {r.open_in_scope} open in scope): "
                + ", ".join(f"{i}. at {s}" for i, s in enumerate(r.steps, 1))
            )
            if r.after_hours is not None:
                state = "applies now" if r.after_hours.applies else "does not apply now"
                lines.append(
                    f"  after hours (outside {r.after_hours.calendar}): notify "
                    f"{r.after_hours.contact}{' first' if r.after_hours.first else ''}, {state}"
                )
            if not r.records:
                lines.append("  no open record has crossed a step")
            for rec in r.records:
                top = rec.crossed[-1]
                nxt = (
                    "no further step"
                    if rec.next_step is None
                    else f"next: step {rec.next_step.index} ({rec.next_step.contact}) "
                    + (
                        f"due {at(rec.next_step.due_at)}"
                        if rec.next_step.due_at is not None
                        else "no due time yet (a running pause, or a clock that never gets there)"
                    )
                )
                lines.append(
                    f"  {terminal_field(rec.record_id)}: step {top.index} (at {top.label}) due "
                    f"{at(top.due_at)}; notify {', then '.join(rec.notify)}; {nxt}"
                )
            if r.compliance is None:
                lines.append("  compliance: not checked (the data records no escalation events)")
            else:
                c = r.compliance
                lines.append(
                    f"  compliance: {c.verdict} ({c.required} step{'' if c.required == 1 else 's'} "
                    f"required: {c.on_time} on "
                    f"time, {c.late} late, {c.missed} missed)"
                )
                for p in c.problems:
                    when = (
                        f"notified {at(p.notified_at)}, {present.duration(p.late_s or 0)} late"
                        if p.status == "late"
                        else "never notified"
                    )
                    lines.append(
                        f"    {terminal_field(p.record_id)} step {p.step} ({p.contact}) due {at(p.due_at)}: {when}"
                    )
                if c.problems_omitted:
                    lines.append(
                        f"    ... and {c.problems_omitted} more (raise --limit to list them)"
                    )
        return terminal("\n".join(lines) + "\n")


def _iso(moment: dt.datetime | None) -> str | None:
    if moment is None:
        return None
    return moment.astimezone(dt.UTC).isoformat().replace("+00:00", "Z")


_EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)


def _epoch_us(moment: dt.datetime) -> int:
    return (moment - _EPOCH) // dt.timedelta(microseconds=1)


def _from_epoch_us(us: int) -> dt.datetime:
    return _EPOCH + dt.timedelta(microseconds=us)


def _as_utc(moment: dt.datetime) -> dt.datetime:
    if moment.tzinfo is None:
        raise ValueError("as_of must be an aware datetime")
    return moment.astimezone(dt.UTC)


# --------------------------------------------------------------------------- steps


def step_label(step: EscalationStep) -> str:
    if step.after_s is not None:
        return duration_text(step.after_s)
    assert step.fraction is not None
    return f"{percent_text(step.fraction)} of {step.of_target}"


def _limit_s(policy: CheckedPolicy, esc: Escalation, step: EscalationStep) -> int:
    target = policy.targets.get(step.of_target or "")
    objective = None if target is None else target.objective
    if isinstance(objective, model.PercentWithin | model.PercentileAtMost):
        return objective.limit_s
    raise EscalationError(
        f"{step.span if step.span.line else esc.span}: escalation `{esc.name}` step "
        f"`{step_label(step)}` needs a target with a time limit (`... within 4h`)"
    )


def _threshold_us(fraction: Fraction, limit_s: int) -> int:
    return math.ceil(fraction * limit_s * US_PER_S)


def _clock_names(
    frame: pl.DataFrame, target: model.Target | None, policy: CheckedPolicy
) -> pl.Series:
    """The clock per record for a step on ``target`` (C11), as a String series."""
    measure = None if target is None else target.measure
    if isinstance(measure, model.Elapsed | model.Availability) and measure.clock is not None:
        return pl.Series("clock", [measure.clock] * frame.height, dtype=pl.String)
    if "priority" in frame.columns and policy.tiers:
        mapping = {name: tier.coverage for name, tier in policy.tiers.items()}
        return frame.select(
            pl.col("priority")
            .cast(pl.String)
            .replace_strict(mapping, default=CLOCK_24X7, return_dtype=pl.String)
            .alias("clock")
        ).to_series()
    return pl.Series("clock", [CLOCK_24X7] * frame.height, dtype=pl.String)


def _due(
    starts: pl.Series, clock_names: pl.Series, amount_us: int, clocks: Mapping[str, Clock]
) -> pl.Series:
    """``add_open_time(start, amount)`` per row on the row's clock."""
    out = pl.Series("due", [None] * len(starts), dtype=UTC_US)
    for name in clock_names.unique().sort().to_list():
        idx = (clock_names == name).arg_true()
        moved = clocks[name].add_open_time(starts.gather(idx), amount_us).cast(UTC_US)
        out = out.scatter(idx, moved)
    return out


_OPEN_END = dt.datetime(2200, 1, 1, tzinfo=dt.UTC)
"""Stands for "still paused" while merging; never handed to a clock."""


def _pauses(
    frame: pl.DataFrame,
    measure: model.Elapsed,
    dataset: str,
    policy: CheckedPolicy,
    as_of: dt.datetime,
    starts: pl.Series,
) -> pl.DataFrame | None:
    """Excluded pauses per record position ``_r``, merged: ``(_r, ps, pe, open)``.

    From the data's ``pauses`` and from status history under the policy's pause rules,
    filtered by the measure's reasons; clipped to ``[start, stop]``; a pause with no end
    (or ending after as-of) is still running (``open``)."""
    rows = frame.select(
        pl.int_range(pl.len(), dtype=pl.UInt32).alias("_r"),
        starts.alias("_s"),
        "_stop",
        *(c for c in ("pauses", "status_history") if c in frame.columns),
    )
    raw = pause_intervals(rows, ("_r",), policy, dataset, measure)
    if raw is None:
        return None
    as_of_lit = pl.lit(as_of, dtype=UTC_US)
    open_end = pl.lit(_OPEN_END, dtype=UTC_US)
    clipped = (
        raw.join(rows.select("_r", "_s", "_stop"), on="_r")
        .filter(pl.col("ps").is_not_null() & (pl.col("ps") <= as_of_lit))
        .with_columns(
            pl.when(pl.col("pe").is_null() | (pl.col("pe") > as_of_lit))
            .then(open_end)
            .otherwise(pl.col("pe"))
            .alias("pe")
        )
        .with_columns(
            pl.max_horizontal("ps", "_s").alias("ps"),
            pl.min_horizontal("pe", pl.col("_stop").fill_null(open_end)).alias("pe"),
        )
        .filter(pl.col("pe") > pl.col("ps"))
        .sort("_r", "ps")
    )
    merged = (
        clipped.with_columns(pl.col("pe").cum_max().shift(1).over("_r").alias("_prev"))
        .with_columns(
            (pl.col("_prev").is_null() | (pl.col("ps") > pl.col("_prev"))).cum_sum().alias("_g")
        )
        .group_by("_r", "_g")
        .agg(pl.col("ps").min(), pl.col("pe").max())
    )
    return merged.select("_r", "ps", "pe", (pl.col("pe") == open_end).alias("open"))


def _due_after_pauses(
    starts: pl.Series,
    names: pl.Series,
    amount_us: int,
    due: pl.Series,
    pauses: pl.DataFrame,
    clocks: Mapping[str, Clock],
) -> pl.Series:
    """The due instant when excluded pauses do not count.

    With ``G(t)`` the counted time from the start minus the excluded pauses, the step
    falls due at the first ``t*`` with ``G(t*) >= amount``. Starting from ``t0 =
    add_open_time(start, amount)`` (never after ``t*``), every closed pause that begins
    before the current ``t`` ends before ``t*`` (``G`` is flat inside a pause), so it
    counts whole: ``t = add_open_time(start, amount + their clock time)``. ``t`` only
    moves later and stops once no further pause begins before it: at most one round per
    pause of a record. A still-running pause that begins before ``t`` makes the step
    wait (None)."""
    result = due
    ids = pl.int_range(len(starts), dtype=pl.UInt32, eager=True).alias("_r")
    base = pl.DataFrame([ids, starts.alias("_s"), names.alias("_clock")])
    timed: list[pl.DataFrame] = []
    for (name,), part in pauses.join(base, on="_r").partition_by("_clock", as_dict=True).items():
        clock = clocks[str(name)]
        closed = part.filter(~pl.col("open"))
        length = clock.cumulative_us(closed["pe"]) - clock.cumulative_us(closed["ps"])
        timed.append(
            pl.concat(
                [
                    closed.select("_r", "ps", "open").with_columns(length.alias("_len")),
                    part.filter(pl.col("open")).select(
                        "_r", "ps", "open", pl.lit(0, dtype=pl.Int64).alias("_len")
                    ),
                ]
            )
        )
    if not timed:
        return result
    spans = pl.concat(timed)
    active = base.join(spans.select("_r").unique(), on="_r")
    active = active.with_columns(result.gather(active["_r"]).alias("_t")).filter(
        pl.col("_t").is_not_null()
    )
    while active.height:
        hit = spans.join(active.select("_r", "_t"), on="_r").filter(pl.col("ps") < pl.col("_t"))
        per_row = hit.group_by("_r").agg(
            pl.col("_len").sum().alias("_paused"), pl.col("open").any().alias("_wait")
        )
        waiting = per_row.filter(pl.col("_wait"))["_r"]
        if len(waiting):
            result = result.scatter(waiting, None)
        moving = active.join(per_row.filter(~pl.col("_wait")), on="_r")
        nxt: list[pl.DataFrame] = []
        for (name,), part in moving.partition_by("_clock", as_dict=True).items():
            moved = clocks[str(name)].add_open_time(part["_s"], part["_paused"] + amount_us)
            part = part.with_columns(moved.cast(UTC_US).alias("_new"))
            changed = part.filter(pl.col("_new").is_null() | (pl.col("_new") != pl.col("_t")))
            if changed.height:
                result = result.scatter(changed["_r"], changed["_new"])
                nxt.append(
                    changed.filter(pl.col("_new").is_not_null()).select(
                        "_r", "_s", "_clock", pl.col("_new").alias("_t")
                    )
                )
        active = pl.concat(nxt) if nxt else active.clear()
    return result


def _ignore_open(expr: model.Expr | None) -> model.Expr | None:
    """The scope with ``open`` taken as true: the compliance check looks at records closed
    since, and requires only the steps that fell due while they were open."""
    if expr is None:
        return None
    if isinstance(expr, model.IsOpen):
        return model.And(())  # compiles to true
    if isinstance(expr, model.Not):
        inner = _ignore_open(expr.operand)
        assert inner is not None
        return model.Not(inner, expr.span)
    if isinstance(expr, model.And | model.Or):
        parts = tuple(p for p in (_ignore_open(o) for o in expr.operands) if p is not None)
        return type(expr)(parts, expr.span)
    return expr


@dataclass(frozen=True)
class _Ladder:
    """The block's records (in scope, anchored at or before as-of) with one due column
    per step (``_due1``...), their clocks (``_clock1``...), ``_stop`` and ``_anchor``."""

    frame: pl.DataFrame
    labels: tuple[str, ...]


def _ladder(
    policy: CheckedPolicy,
    esc: Escalation,
    table: pl.DataFrame,
    as_of: dt.datetime,
    clocks: Mapping[str, Clock],
) -> _Ladder:
    declared = policy.datasets.get(esc.dataset)
    anchor = (declared.anchor if declared and declared.anchor else None) or DEFAULT_ANCHORS.get(
        esc.dataset
    )
    if anchor is None or anchor not in table.columns:
        raise EscalationError(
            f"{esc.span}: escalation `{esc.name}` needs the anchor column `{anchor}` in "
            f"`{esc.dataset}`"
        )
    stop_field = STOP_EVENTS.get(esc.dataset, (None,))[0]
    if stop_field is not None and stop_field not in table.columns:
        stop_field = None
    now = compile_scope(esc.scope, ScopeContext(policy.timezone, as_of, stop_field, table.schema))
    ever = compile_scope(
        _ignore_open(esc.scope), ScopeContext(policy.timezone, as_of, stop_field, table.schema)
    )
    as_of_lit = pl.lit(as_of, dtype=UTC_US)
    frame = (
        table.with_columns(now.alias("_now"))
        .filter(ever & pl.col(anchor).is_not_null() & (pl.col(anchor) <= as_of_lit))
        .with_columns(
            pl.col(anchor).cast(UTC_US).alias("_anchor"),
            (
                pl.col(stop_field).cast(UTC_US)
                if stop_field is not None
                else pl.lit(None, dtype=UTC_US)
            ).alias("_stop"),
            pl.col("id").cast(pl.String).alias("_id"),
        )
    )
    columns: list[pl.Series] = []
    for i, step in enumerate(esc.steps, 1):
        if step.after_s is not None:
            names = pl.Series("clock", [CLOCK_24X7] * frame.height, dtype=pl.String)
            due = _due(frame["_anchor"], names, step.after_s * US_PER_S, clocks)
        else:
            assert step.fraction is not None
            target = policy.targets[step.of_target or ""]
            limit = _limit_s(policy, esc, step)
            start_field = (
                target.measure.start if isinstance(target.measure, model.Elapsed) else anchor
            )
            names = _clock_names(frame, target, policy)
            starts = frame[start_field].cast(UTC_US)
            amount = _threshold_us(step.fraction, limit)
            due = _due(starts, names, amount, clocks)
            measure = target.measure
            if isinstance(measure, model.Elapsed) and measure.exclude_pauses is not None:
                pauses = _pauses(frame, measure, esc.dataset, policy, as_of, starts)
                if pauses is not None and pauses.height:
                    due = _due_after_pauses(starts, names, amount, due, pauses, clocks)
        columns.append(due.alias(f"_due{i}"))
        columns.append(names.alias(f"_clock{i}"))
    return _Ladder(frame.with_columns(columns), tuple(step_label(s) for s in esc.steps))


def escalations_due(
    policy: CheckedPolicy,
    tables: Mapping[str, pl.DataFrame],
    as_of: dt.datetime,
    *,
    grace_s: int = 0,
    names: Sequence[str] | None = None,
    limit: int | None = 1000,
) -> EscalationReport:
    """Every escalation block of ``policy`` (or those in ``names``) as of ``as_of``.

    ``limit`` caps the late and missed steps listed per block (the counts are always
    complete); None lists them all."""
    as_of = _as_utc(as_of)
    clocks = clocks_for(policy.calendars)
    results = []
    for esc in policy.escalations.values():
        if names is not None and esc.name not in names:
            continue
        results.append(_assess_block(policy, esc, tables, as_of, clocks, grace_s, limit))
    return EscalationReport(as_of, tuple(results), policy.timezone)


def _after_hours(
    esc: Escalation, as_of: dt.datetime, clocks: Mapping[str, Clock]
) -> AfterHoursState | None:
    path = esc.after_hours
    if path is None:
        return None
    moment = pl.Series("t", [as_of], dtype=UTC_US)
    is_open = bool(clocks[path.calendar].is_open(moment)[0])
    return AfterHoursState(path.calendar, path.contact, path.first, not is_open)


def _assess_block(
    policy: CheckedPolicy,
    esc: Escalation,
    tables: Mapping[str, pl.DataFrame],
    as_of: dt.datetime,
    clocks: Mapping[str, Clock],
    grace_s: int,
    limit: int | None,
) -> EscalationResult:
    after = _after_hours(esc, as_of, clocks)
    labels = tuple(step_label(s) for s in esc.steps)
    table = tables.get(esc.dataset)
    if table is None or table.height == 0:
        return EscalationResult(esc.name, esc.dataset, esc.span, labels, after, 0, (), None)
    ladder = _ladder(policy, esc, table, as_of, clocks)
    frame = ladder.frame
    as_of_lit = pl.lit(as_of, dtype=UTC_US)
    open_now = frame.filter(
        pl.col("_now") & (pl.col("_stop").is_null() | (pl.col("_stop") > as_of_lit))
    )
    n = len(esc.steps)
    crossed_any = pl.any_horizontal(
        [(pl.col(f"_due{i}") <= as_of_lit).fill_null(False) for i in range(1, n + 1)]
    )
    escalated = open_now.filter(crossed_any).sort("_anchor", "_id")
    due_cols = [f"_due{i}" for i in range(1, n + 1)]
    rows = escalated.select(
        "_id",
        pl.col("_anchor").dt.epoch("us"),
        *(pl.col(c).dt.epoch("us") for c in due_cols),
        *(f"_clock{i}" for i in range(1, n + 1)),
    ).iter_rows()
    as_of_us = _epoch_us(as_of)
    applies = bool(after is not None and after.applies)
    records: list[OpenRecord] = []
    for row in rows:
        dues: tuple[int | None, ...] = row[2 : 2 + n]
        clocks_of = row[2 + n :]
        order = sorted(range(n), key=lambda i: (dues[i] is None, dues[i] or 0, i))
        crossed = [i for i in order if dues[i] is not None and dues[i] <= as_of_us]  # type: ignore[operator]
        later = [i for i in order if i not in crossed]

        contact = esc.steps[crossed[-1]].contact
        notify: tuple[str, ...] = (contact,)
        if after is not None and applies:
            notify = (after.contact, contact) if after.first else (contact, after.contact)
        records.append(
            OpenRecord(
                row[0],
                _from_epoch_us(row[1]),
                tuple(_step_due(esc, labels, i, dues[i], clocks_of[i]) for i in crossed),
                notify,
                applies,
                _step_due(esc, labels, later[0], dues[later[0]], clocks_of[later[0]])
                if later
                else None,
            )
        )
    compliance = None
    if _carries_events(table):
        compliance = _compliance(esc, frame, as_of, grace_s, limit)
    return EscalationResult(
        esc.name, esc.dataset, esc.span, labels, after, open_now.height, tuple(records), compliance
    )


def _step_due(
    esc: Escalation, labels: tuple[str, ...], i: int, due_us: int | None, clock: str
) -> StepDue:
    due = None if due_us is None else _from_epoch_us(due_us)
    return StepDue(i + 1, labels[i], esc.steps[i].contact, clock, due)


def _carries_events(table: pl.DataFrame) -> bool:
    """Whether the data records escalations at all: some record of the dataset has an
    escalation event (a loader fills a missing column with empty lists)."""
    if "escalations" not in table.columns:
        return False
    return bool(table.select(pl.col("escalations").list.len().fill_null(0).max()).item() or 0)


def _contact_key(expr: pl.Expr) -> pl.Expr:
    return expr.cast(pl.String).str.strip_chars().str.to_lowercase()


def _compliance(
    esc: Escalation, frame: pl.DataFrame, as_of: dt.datetime, grace_s: int, limit: int | None
) -> Compliance:
    as_of_lit = pl.lit(as_of, dtype=UTC_US)
    required = pl.concat(
        [
            frame.select(
                "_id",
                pl.lit(i).alias("step"),
                pl.lit(step.contact).alias("contact"),
                _contact_key(pl.lit(step.contact)).alias("_key"),
                pl.col(f"_due{i}").alias("due_at"),
                "_stop",
            )
            for i, step in enumerate(esc.steps, 1)
        ],
        how="vertical",
    ).filter(
        pl.col("due_at").is_not_null()
        & (pl.col("due_at") <= as_of_lit)
        & (pl.col("_stop").is_null() | (pl.col("_stop") > pl.col("due_at")))
    )
    first_notice = (
        frame.select("_id", "escalations")
        .explode("escalations")
        .filter(pl.col("escalations").is_not_null())
        .unnest("escalations")
        .filter(pl.col("at").is_not_null() & (pl.col("at") <= as_of_lit))
        .group_by("_id", _contact_key(pl.col("contact")).alias("_key"))
        .agg(pl.col("at").cast(UTC_US).min().alias("notified_at"))
    )
    # the earliest notification of the step's contact decides: by the due instant (plus
    # grace) it is on time, later it is late, none is missed
    on_time = pl.col("notified_at") <= pl.col("due_at") + pl.duration(seconds=grace_s)
    checked = required.join(first_notice, on=["_id", "_key"], how="left").with_columns(
        pl.when(pl.col("notified_at").is_null())
        .then(pl.lit("missed"))
        .when(on_time)
        .then(pl.lit("on_time"))
        .otherwise(pl.lit("late"))
        .alias("status")
    )
    counts = dict.fromkeys(("on_time", "late", "missed"), 0)
    for status, count in checked.group_by("status").len().iter_rows():
        counts[str(status)] = int(count)
    bad = checked.filter(pl.col("status") != "on_time")
    listed = bad.sort("due_at", "_id", "step")
    if limit is not None:
        listed = listed.head(limit)
    listed = listed.with_columns(
        pl.when(pl.col("status") == "late")
        .then((pl.col("notified_at") - pl.col("due_at")).dt.total_seconds())
        .otherwise(None)
        .alias("late_s")
    )
    problems = tuple(
        StepCheck(*row)
        for row in listed.select(
            "_id", "step", "contact", "due_at", "notified_at", "status", "late_s"
        ).iter_rows()
    )
    total = checked.height
    if total == 0:
        verdict = Verdict.NO_DATA
    elif counts["late"] or counts["missed"]:
        verdict = Verdict.BREACHED
    else:
        verdict = Verdict.MET
    return Compliance(
        verdict,
        total,
        counts["on_time"],
        counts["late"],
        counts["missed"],
        problems,
        bad.height - len(problems),
    )
