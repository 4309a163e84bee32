"""The typed result of judging one target in one period: what every later stage reads.

Each objective kind has its own figures, told apart by ``kind`` (never by which keys are
present), and every value carries its unit:

=================  ==========================  =============================================
``kind``           objective                   ``value``
=================  ==========================  =============================================
``percent``        ``95% within 15m``,         fraction of 1 of decided records met
                   ``90% where ...``
``percentile``     ``p90 <= 27h``              seconds on the record's clock (``clock``),
                                               with its rank and a lower-bound flag
``availability``   ``>= 99.9%``                fraction of 1 of scheduled time up, with
                                               downtime and scheduled seconds on ``clock``
``aggregate``      ``mean >= 4.2``,            the mean or sum, in ``unit`` (``number``,
                   ``mean <= 30m``             ``money``, or ``duration`` in seconds)
``count``          ``count >= 1``              the number of records in scope
=================  ==========================  =============================================

Values are exact (:class:`~fractions.Fraction`); :meth:`to_json` spells them as the JSON
document does (:mod:`rules_engine.evaluation.numbers`), and the JSON Schema of the
document is generated from these classes (:mod:`rules_engine.evaluation.schema`).
Record lists stay in columns (:class:`~rules_engine.evaluation.rows.RowTable`) until a
renderer asks for them.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any, ClassVar, Literal

from rules_engine.evaluation import numbers as num
from rules_engine.evaluation.rows import RowTable
from rules_engine.language import model
from rules_engine.language.model import Verdict
from rules_engine.language.policy_text import number_text
from rules_engine.present import ClockKind

Kind = Literal["percent", "percentile", "availability", "aggregate", "count"]


@dataclass(frozen=True)
class Budget:
    """The error budget: breaches allowed (``records``) or downtime allowed (``seconds``)."""

    unit: Literal["records", "seconds"]
    total: Fraction
    used: Fraction
    burn_rate: Fraction | None
    """Budget used over the budget the elapsed share of the period allows (1: on pace)."""

    @property
    def left(self) -> Fraction:
        return self.total - self.used

    def to_json(self) -> dict[str, Any]:
        def show(value: Fraction) -> Any:
            return num.seconds(value) if self.unit == "seconds" else int(value)

        return {
            "unit": self.unit,
            "total": show(self.total),
            "used": show(self.used),
            "left": show(self.left),
            "burn_rate": None if self.burn_rate is None else num.fixed(self.burn_rate),
        }


@dataclass(frozen=True)
class RecordLists:
    """The records behind a record objective, per period: breached, pending, and (for
    periods with few enough records) every record's detail."""

    breached: RowTable
    pending: RowTable
    detail: RowTable | None
    paused_s: Fraction
    """Pause time excluded from the measured durations (the customer's share)."""


@dataclass(frozen=True)
class PercentFigures:
    """``X% within L`` or ``X% where COND``: met / (met + breached)."""

    kind: ClassVar[Kind] = "percent"
    in_scope: int
    met: int
    breached: int
    pending: int
    value: Fraction | None
    threshold: Fraction
    budget: Budget | None
    to_flip: int | None
    """Records that would flip the verdict: more met ones if breached, else more breaches."""
    records: RecordLists

    @property
    def margin(self) -> Fraction | None:
        return None if self.value is None else self.value - self.threshold

    def to_json(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            **_counts(self),
            "value": num.percent(self.value) if self.value is not None else None,
            "value_exact": num.exact(self.value) if self.value is not None else None,
            "margin": num.percent(self.margin) if self.margin is not None else None,
            "budget": self.budget.to_json() if self.budget is not None else None,
            "to_flip": self.to_flip,
        }


@dataclass(frozen=True)
class PercentileFigures:
    """``pP <= L`` by nearest rank; the value is seconds on ``clock``."""

    kind: ClassVar[Kind] = "percentile"
    in_scope: int
    met: int
    breached: int
    pending: int
    value_s: Fraction | None
    rank: int | None
    lower_bound: bool
    """An open record takes part with its elapsed time, so the value can still grow."""
    limit_s: int
    budget: Budget | None
    to_flip: int | None
    records: RecordLists
    business_days: bool = False
    """The limit is in business days: ``value_s``, ``limit_s`` and the margin are on the
    business-day scale (``model.BD_SECONDS`` per day) and shown as ``value_bd`` etc."""

    @property
    def margin_s(self) -> Fraction | None:
        return None if self.value_s is None else self.limit_s - self.value_s

    def to_json(self) -> dict[str, Any]:
        if self.business_days:
            value_s = margin_s = None
        else:
            value_s = num.seconds(self.value_s) if self.value_s is not None else None
            margin_s = num.seconds(self.margin_s) if self.margin_s is not None else None
        out = {
            "kind": self.kind,
            **_counts(self),
            "value_s": value_s,
            "rank": self.rank,
            "value_is_lower_bound": self.lower_bound,
            "margin_s": margin_s,
            "budget": self.budget.to_json() if self.budget is not None else None,
            "to_flip": self.to_flip,
        }
        if self.business_days:
            days = None if self.value_s is None else self.value_s / model.BD_SECONDS
            margin = self.margin_s
            out["unit"] = "business_days"
            out["value_bd"] = None if days is None else num.fixed(days)
            out["value_bd_exact"] = None if days is None else num.exact(days)
            out["margin_bd"] = None if margin is None else num.fixed(margin / model.BD_SECONDS)
        return out


@dataclass(frozen=True)
class AvailabilityFigures:
    """``>= X%`` availability: 1 - downtime / scheduled time on ``clock``."""

    kind: ClassVar[Kind] = "availability"
    outage_ids: list[str]
    planned_excluded_ids: list[str]
    downtime_s: Fraction
    scheduled_s: Fraction
    clock: str
    value: Fraction
    threshold: Fraction
    budget: Budget
    downtime_intervals: list[tuple[str, str]]
    """Merged unplanned downtime, as UTC ISO instants."""
    planned: list[PlannedStretch] = field(default_factory=list)
    """Planned time in the period, stretch by stretch (DESIGN "Maintenance")."""
    maintenance: model.MaintenanceRule | None = None
    limit_used_s: Fraction = Fraction(0)
    """Planned time on time that the maintenance limit allowed in the period."""

    @property
    def in_scope(self) -> int:
        return len(self.outage_ids)

    @property
    def margin(self) -> Fraction:
        return self.value - self.threshold

    @property
    def note(self) -> str | None:
        return None if self.outage_ids else "no outages recorded"

    def to_json(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "in_scope": self.in_scope,
            "outage_ids": self.outage_ids,
            "planned_excluded_ids": self.planned_excluded_ids,
            "downtime_s": num.seconds(self.downtime_s),
            "scheduled_s": num.seconds(self.scheduled_s),
            "clock": self.clock,
            "value": num.percent(self.value),
            "value_exact": num.exact(self.value),
            "margin": num.percent(self.margin),
            "budget": self.budget.to_json(),
            "downtime_intervals": [list(pair) for pair in self.downtime_intervals],
            **self._maintenance_json(),
        }

    def _maintenance_json(self) -> dict[str, Any]:
        """Planned time and the maintenance rule, only where there are some (documents of
        policies and data without maintenance keep their shape)."""
        out: dict[str, Any] = {}
        if self.planned:
            out["planned_time"] = [stretch.to_json() for stretch in self.planned]
        rule = self.maintenance
        if rule is not None:
            out["maintenance"] = {
                "limit_s": rule.limit_s,
                "notice_s": rule.notice_s,
                "limit_used_s": num.seconds(self.limit_used_s),
                "planned_s": num.seconds(sum((p.planned_s for p in self.planned), Fraction(0))),
                "counted_as_downtime_s": num.seconds(
                    sum((p.downtime_s for p in self.planned), Fraction(0))
                ),
            }
        return out


@dataclass(frozen=True)
class PlannedStretch:
    """A stretch of planned time in a period: outage time inside a maintenance window
    (``source`` "window", ``id`` the window) or a planned outage (``source`` "outage").
    ``downtime_s`` is the part counted as downtime, for ``reason``: ``no notice``, ``late
    notice`` (the maintenance notice rule) or ``over limit``; None when all stayed planned."""

    source: Literal["window", "outage"]
    id: str
    outage_id: str
    start: dt.datetime
    end: dt.datetime
    planned_s: Fraction
    downtime_s: Fraction
    reason: Literal["no notice", "late notice", "over limit"] | None

    def to_json(self) -> dict[str, Any]:
        return {
            "source": self.source,
            "id": self.id,
            "outage_id": self.outage_id,
            "start": self.start.astimezone(dt.UTC).isoformat(),
            "end": self.end.astimezone(dt.UTC).isoformat(),
            "planned_s": num.seconds(self.planned_s),
            "downtime_s": num.seconds(self.downtime_s),
            "counted_as_downtime": self.reason,
        }


@dataclass(frozen=True)
class AggregateFigures:
    """``mean OP X`` / ``sum OP X`` over a number field (``unit`` ``number`` or ``money``)
    or a duration (``unit`` ``duration``: values in seconds); no budget, never at risk."""

    kind: ClassVar[Kind] = "aggregate"
    aggregate: Literal["mean", "sum"]
    unit: Literal["number", "duration", "money"]
    count: int
    sum: Fraction | None
    value: Fraction | None
    margin: Fraction | None
    """How far the value is on the good side of the objective (negative: the bad side)."""
    below_objective_ids: list[str]
    lower_bound: bool = False
    """A mean over elapsed time that takes an open record (past the limit) with its time
    so far: the value can still grow (DESIGN "Edge rules")."""

    @property
    def in_scope(self) -> int:
        return self.count

    def to_json(self) -> dict[str, Any]:
        decided = self.value is not None
        return {
            "kind": self.kind,
            "unit": self.unit,
            "in_scope": self.count,
            "count": self.count,
            "sum": number_text(self.sum) if decided and self.sum is not None else None,
            "value": num.fixed(self.value) if self.value is not None else None,
            "value_exact": num.exact(self.value) if self.value is not None else None,
            "margin": num.fixed(self.margin) if self.margin is not None else None,
            "below_objective_ids": self.below_objective_ids,
            **({"value_is_lower_bound": True} if self.lower_bound else {}),
        }


@dataclass(frozen=True)
class CountFigures:
    """``count OP N``: always decided (zero records is a count of 0)."""

    kind: ClassVar[Kind] = "count"
    count: int
    margin: int

    @property
    def in_scope(self) -> int:
        return self.count

    def to_json(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "in_scope": self.count,
            "count": self.count,
            "value": str(self.count),
            "value_exact": str(self.count),
            "margin": str(self.margin),
        }


def goal_json(objective: model.Objective, clock: ClockKind | None = None) -> dict[str, Any]:
    """The objective as data, so no reader parses the objective text back: its ``kind``,
    whether a higher value is better, the ``threshold`` exactly (a percent 0..100,
    seconds, a number or a count, per ``unit``), whether it has an error budget
    (``banded``: a period can be at risk), and, for a target that measures time, the
    ``clock`` its durations are counted on (``wall``, ``business`` or ``mixed``), so they
    are shown in the unit that clock counts."""
    goal = _goal_json(objective)
    if clock is not None:
        goal["clock"] = clock
    return goal


def _goal_json(objective: model.Objective) -> dict[str, Any]:
    if isinstance(objective, model.PercentWithin | model.RateWhere):
        x = objective.percent * 100
        return _goal("percent", ">=", x, "percent", x < 100)
    if isinstance(objective, model.AvailabilityAtLeast):
        x = objective.percent * 100
        return _goal("availability", ">=", x, "percent", x < 100)
    if isinstance(objective, model.PercentileAtMost) and objective.business_days:
        days = Fraction(objective.limit_s, model.BD_SECONDS)
        return _goal("percentile", "<=", days, "business_days", False)
    if isinstance(objective, model.PercentileAtMost):
        return _goal("percentile", "<=", Fraction(objective.limit_s), "seconds", False)
    if isinstance(objective, model.AggregateCompare):
        unit = "seconds" if objective.unit == "duration" else objective.unit
        return _goal(objective.aggregate, objective.op, objective.value, unit, False)
    return _goal("count", objective.op, Fraction(objective.value), "count", False)


def _goal(kind: str, op: str, threshold: Fraction, unit: str, banded: bool) -> dict[str, Any]:
    return {
        "kind": kind,
        "op": op,
        "threshold": num.exact(threshold),
        "unit": unit,
        "banded": banded,
    }


Figures = PercentFigures | PercentileFigures | AvailabilityFigures | AggregateFigures | CountFigures
RecordFigures = PercentFigures | PercentileFigures


def _counts(figures: RecordFigures) -> dict[str, Any]:
    return {
        "in_scope": figures.in_scope,
        "met": figures.met,
        "breached": figures.breached,
        "pending": figures.pending,
    }


@dataclass(frozen=True)
class Judgement:
    """One target in one period: the verdict, its exact value and the figures behind it.

    ``value`` is what the consequences stage compares credit tiers with: a fraction of 1
    for percent and availability objectives, seconds for percentiles, the mean or sum for
    aggregates, the count for counts; None when nothing was decided.
    """

    verdict: Verdict
    value: Fraction | None
    figures: Figures

    def to_json(self) -> dict[str, Any]:
        """The figures as the document writes them, record lists still in columns."""
        out = self.figures.to_json()
        out["verdict"] = self.verdict.value
        figures = self.figures
        if isinstance(figures, PercentFigures | PercentileFigures):
            lists = figures.records
            out["breached_records"] = lists.breached
            out["pending_records"] = lists.pending
            in_days = isinstance(figures, PercentileFigures) and figures.business_days
            in_days = in_days or bool(lists.breached.business_days)
            if in_days:
                out["paused_s_total"] = None
                out["paused_bd_total"] = num.fixed(lists.paused_s / model.BD_SECONDS)
            else:
                out["paused_s_total"] = num.seconds(lists.paused_s)
            if lists.detail is not None:
                out["records"] = lists.detail
        elif isinstance(figures, AvailabilityFigures) and figures.note is not None:
            out["note"] = figures.note
        return out


__all__ = [
    "AggregateFigures",
    "AvailabilityFigures",
    "Budget",
    "CountFigures",
    "Figures",
    "Judgement",
    "PercentFigures",
    "PercentileFigures",
    "RecordLists",
    "goal_json",
]
