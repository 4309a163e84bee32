"""The checked policy: what the checker hands to the evaluator and the consequences stage.

This is not the AST. Names are resolved, units are normalized and every value is exact:

- durations are whole seconds (``int``);
- percentages and fractions are :class:`fractions.Fraction` in ``[0, 1]`` (``95%`` is
  ``Fraction(19, 20)``);
- money is :class:`decimal.Decimal` in the policy's currency;
- dates are :class:`datetime.date`, times of day are seconds after local midnight
  (``24:00`` is ``86400``).

Every node keeps the :class:`~rules_engine.language.spans.Span` of the policy text it came from, so verdicts and
diagnostics can point back at the clause. Spans never take part in equality.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum
from fractions import Fraction
from typing import Literal

from rules_engine.language.spans import NO_SPAN, Span

# --------------------------------------------------------------------------- expressions


CompareOp = Literal["=", "!=", "<", "<=", ">", ">="]
Value = str | int | Fraction | Decimal | bool | dt.date | dt.datetime | None
"""A literal after checking: strings, exact numbers, durations as ``int`` seconds, dates."""


@dataclass(frozen=True)
class FieldRef:
    """A column of the dataset in scope (``priority``, ``pauses``, a declared extra field)."""

    name: str
    span: Span = dataclasses.field(default=NO_SPAN, compare=False, repr=False)


@dataclass(frozen=True)
class Literal_:
    """A typed literal; ``kind`` is the checker's type (string, number, duration, ...)."""

    value: Value
    kind: Literal[
        "string", "number", "duration", "percent", "money", "date", "time", "boolean", "tier"
    ]
    span: Span = dataclasses.field(default=NO_SPAN, compare=False, repr=False)


Operand = FieldRef | Literal_


@dataclass(frozen=True)
class Compare:
    left: Operand
    op: CompareOp
    right: Operand
    span: Span = dataclasses.field(default=NO_SPAN, compare=False, repr=False)


@dataclass(frozen=True)
class InList:
    left: Operand
    values: tuple[Literal_, ...]
    negated: bool = False
    span: Span = dataclasses.field(default=NO_SPAN, compare=False, repr=False)


@dataclass(frozen=True)
class IsSet:
    """``FIELD is set`` / ``FIELD is not set`` (not null)."""

    field: FieldRef
    negated: bool = False
    span: Span = dataclasses.field(default=NO_SPAN, compare=False, repr=False)


@dataclass(frozen=True)
class IsOpen:
    """``open``: the record has no stop event yet, as of the evaluation's as-of."""

    span: Span = dataclasses.field(default=NO_SPAN, compare=False, repr=False)


@dataclass(frozen=True)
class Truthy:
    """A boolean field used as a condition (``where onsite_required``)."""

    field: FieldRef
    span: Span = dataclasses.field(default=NO_SPAN, compare=False, repr=False)


@dataclass(frozen=True)
class Not:
    operand: Expr
    span: Span = dataclasses.field(default=NO_SPAN, compare=False, repr=False)


@dataclass(frozen=True)
class And:
    operands: tuple[Expr, ...]
    span: Span = dataclasses.field(default=NO_SPAN, compare=False, repr=False)


@dataclass(frozen=True)
class Or:
    operands: tuple[Expr, ...]
    span: Span = dataclasses.field(default=NO_SPAN, compare=False, repr=False)


Expr = Compare | InList | IsSet | IsOpen | Truthy | Not | And | Or


# --------------------------------------------------------------------------- header


@dataclass(frozen=True)
class FeeLine:
    """``fee 12000 per month from 2026-01-01``: in force from ``start`` until the next line."""

    amount: Decimal
    per: Literal["month", "quarter", "period"]
    start: dt.date
    span: Span = dataclasses.field(default=NO_SPAN, compare=False, repr=False)


@dataclass(frozen=True)
class Window:
    """An open window on one local date, seconds after midnight; ``end`` may be 86400."""

    start: int
    end: int


@dataclass(frozen=True)
class HolidaySpec:
    """``holidays "US" subdivision "CA" except "Columbus Day"``."""

    country: str
    subdivision: str | None = None
    except_names: tuple[str, ...] = ()
    span: Span = dataclasses.field(default=NO_SPAN, compare=False, repr=False)


@dataclass(frozen=True)
class Calendar:
    """Weekly open windows in the calendar's own zone; weekday 0 is Monday."""

    name: str
    timezone: str
    windows: tuple[tuple[Window, ...], ...]  # 7 entries, Monday first, each sorted, disjoint
    holidays: tuple[HolidaySpec, ...] = ()
    closed: tuple[dt.date, ...] = ()
    span: Span = dataclasses.field(default=NO_SPAN, compare=False, repr=False)


CLOCK_24X7 = "24x7"
"""The name of the real-time clock; every other clock name is a :class:`Calendar`."""


@dataclass(frozen=True)
class Tier:
    """A priority tier: the value of the ``priority`` field, and its coverage clock."""

    name: str
    label: str | None
    coverage: str  # "24x7" or a calendar name
    span: Span = dataclasses.field(default=NO_SPAN, compare=False, repr=False)


@dataclass(frozen=True)
class FieldDecl:
    name: str
    type: Literal["string", "number", "boolean", "date", "timestamp", "duration"]
    span: Span = dataclasses.field(default=NO_SPAN, compare=False, repr=False)


@dataclass(frozen=True)
class DatasetDecl:
    """A dataset the policy declares, or extra fields on a built-in one."""

    name: str
    fields: tuple[FieldDecl, ...]
    anchor: str | None
    span: Span = dataclasses.field(default=NO_SPAN, compare=False, repr=False)


@dataclass(frozen=True)
class PauseRule:
    """``pause tickets while status in [...] reason "customer"``: pauses from status history."""

    dataset: str
    statuses: tuple[str, ...]
    reason: str
    span: Span = dataclasses.field(default=NO_SPAN, compare=False, repr=False)


# --------------------------------------------------------------------------- targets


@dataclass(frozen=True)
class Elapsed:
    """Time from ``start`` to ``stop`` (timestamp fields) on a clock, minus excluded pauses.

    ``clock`` is None when the target names none: then each record uses its tier's
    coverage, else 24x7. ``exclude_pauses`` is None (no exclusion), "all", or a tuple of
    pause reasons.
    """

    start: str
    stop: str
    clock: str | None = None
    exclude_pauses: Literal["all"] | tuple[str, ...] | None = None
    builtin: Literal["response_time", "resolution_time"] | None = None
    span: Span = dataclasses.field(default=NO_SPAN, compare=False, repr=False)


@dataclass(frozen=True)
class DurationField:
    """A duration column of the data (``recovery_time``)."""

    field: str
    span: Span = dataclasses.field(default=NO_SPAN, compare=False, repr=False)


@dataclass(frozen=True)
class Availability:
    """1 - downtime / scheduled time; planned outages dropped, the rest merged per service."""

    clock: str = CLOCK_24X7
    span: Span = dataclasses.field(default=NO_SPAN, compare=False, repr=False)


@dataclass(frozen=True)
class Aggregate:
    """``measure mean score`` / ``measure sum cost`` / ``measure count``."""

    kind: Literal["mean", "sum", "count"]
    field: str | None  # None only for count
    span: Span = dataclasses.field(default=NO_SPAN, compare=False, repr=False)


@dataclass(frozen=True)
class NoMeasure:
    """A target whose objective needs no measure (``require count >= 1``, rates)."""

    span: Span = dataclasses.field(default=NO_SPAN, compare=False, repr=False)


Measure = Elapsed | DurationField | Availability | Aggregate | NoMeasure


BD_SECONDS = 86_400
"""The scale of business days (DESIGN "Business days"): a limit of ``3bd`` is ``limit_s``
``3 x BD_SECONDS`` with ``business_days`` set, and records are measured in ``D(t)`` on
the same scale, so one business day reads as 86400 units. Only the presentation
(:func:`rules_engine.language.policy_text.duration_text`) turns it back into ``bd``."""


@dataclass(frozen=True)
class PercentWithin:
    """``95% within 15m``; ``all within 4h`` is ``percent == 1``; ``within 3bd`` has
    ``business_days`` (``limit_s`` on the :data:`BD_SECONDS` scale)."""

    percent: Fraction
    limit_s: int
    span: Span = dataclasses.field(default=NO_SPAN, compare=False, repr=False)
    business_days: bool = False


@dataclass(frozen=True)
class PercentileAtMost:
    """``p90 <= 27h``: the nearest-rank percentile at most the limit (``p90 <= 3bd``:
    ``business_days``, as for :class:`PercentWithin`)."""

    percentile: int
    limit_s: int
    span: Span = dataclasses.field(default=NO_SPAN, compare=False, repr=False)
    business_days: bool = False


@dataclass(frozen=True)
class AvailabilityAtLeast:
    """``>= 99.9%``."""

    percent: Fraction
    span: Span = dataclasses.field(default=NO_SPAN, compare=False, repr=False)


@dataclass(frozen=True)
class AggregateCompare:
    """``mean >= 4.2``, ``mean <= 30m``, ``sum <= 5000``: ``value`` is exact
    (durations in seconds, numbers as Fraction)."""

    aggregate: Literal["mean", "sum"]
    op: Literal["<", "<=", ">", ">="]
    value: Fraction
    unit: Literal["number", "duration", "money"] = "number"
    span: Span = dataclasses.field(default=NO_SPAN, compare=False, repr=False)


@dataclass(frozen=True)
class CountCompare:
    """``count >= 1``, ``count <= 3``: always decided, zero records is a count of 0."""

    op: Literal["<", "<=", ">", ">=", "="]
    value: int
    span: Span = dataclasses.field(default=NO_SPAN, compare=False, repr=False)


@dataclass(frozen=True)
class RateWhere:
    """``90% where delivered_at <= due and actual_cost <= budget``."""

    percent: Fraction
    condition: Expr
    span: Span = dataclasses.field(default=NO_SPAN, compare=False, repr=False)


Objective = (
    PercentWithin
    | PercentileAtMost
    | AvailabilityAtLeast
    | AggregateCompare
    | CountCompare
    | RateWhere
)


class Owner(StrEnum):
    PROVIDER = "provider"
    CUSTOMER = "customer"


@dataclass(frozen=True)
class Target:
    name: str
    title: str | None
    owner: Owner
    dataset: str
    scope: Expr | None
    anchor: str  # the field that places a record in a period (outages: by overlap)
    measure: Measure
    objective: Objective
    span: Span = dataclasses.field(default=NO_SPAN, compare=False, repr=False)
    every: Literal["quarter", "year"] | None = None
    """Judged over this longer period (DESIGN "Target periods"); None: the policy's."""
    no_data_counts_as: Literal["met", "breached"] | None = None
    """What an empty period counts as for consequences (``no data counts as ...``)."""


# --------------------------------------------------------------------------- escalation


@dataclass(frozen=True)
class EscalationStep:
    """``at 30m notify "..."`` (``after_s``) or ``at 50% of p1_resolution`` (``fraction`` of
    that target's limit, on that target's clock)."""

    contact: str
    after_s: int | None = None
    fraction: Fraction | None = None
    of_target: str | None = None
    span: Span = dataclasses.field(default=NO_SPAN, compare=False, repr=False)


@dataclass(frozen=True)
class AfterHours:
    """``outside business notify "On-call" first``: when the calendar is closed."""

    calendar: str
    contact: str
    first: bool
    span: Span = dataclasses.field(default=NO_SPAN, compare=False, repr=False)


@dataclass(frozen=True)
class Escalation:
    name: str
    dataset: str
    scope: Expr | None
    steps: tuple[EscalationStep, ...]
    after_hours: AfterHours | None = None
    span: Span = dataclasses.field(default=NO_SPAN, compare=False, repr=False)


# --------------------------------------------------------------------------- consequences


@dataclass(frozen=True)
class ValueBelow:
    """``email_availability < 99.0%`` (``op`` "<" or "<=") on the target's value
    (a fraction of 1 for percent objectives and availability; the mean for means)."""

    target: str
    op: Literal["<", "<=", ">", ">="]
    threshold: Fraction
    span: Span = dataclasses.field(default=NO_SPAN, compare=False, repr=False)


@dataclass(frozen=True)
class VerdictIs:
    """``p1_response breached`` / ``... met`` in the current period."""

    target: str
    verdict: Literal["breached", "met"]
    span: Span = dataclasses.field(default=NO_SPAN, compare=False, repr=False)


@dataclass(frozen=True)
class InLastPeriods:
    """``p1_response breached in 3 of last 3 periods``: ``count`` of the current period
    and the ``window - 1`` before it (since ``effective``)."""

    target: str
    verdict: Literal["breached", "met"]
    count: int
    window: int
    span: Span = dataclasses.field(default=NO_SPAN, compare=False, repr=False)


@dataclass(frozen=True)
class Consecutive:
    """``X breached in 2 consecutive periods``; ``target`` None means "all targets met"
    (every provider-owned target ``met``; ``no_data`` breaks the chain)."""

    target: str | None
    verdict: Literal["breached", "met"]
    count: int
    span: Span = dataclasses.field(default=NO_SPAN, compare=False, repr=False)


@dataclass(frozen=True)
class BreachCount:
    """``at least 6 breaches in last 6 periods``: (provider target, period) pairs breached."""

    at_least: int
    window: int
    span: Span = dataclasses.field(default=NO_SPAN, compare=False, repr=False)


@dataclass(frozen=True)
class AllOf:
    operands: tuple[Condition, ...]
    span: Span = dataclasses.field(default=NO_SPAN, compare=False, repr=False)


@dataclass(frozen=True)
class AnyOf:
    operands: tuple[Condition, ...]
    span: Span = dataclasses.field(default=NO_SPAN, compare=False, repr=False)


Condition = ValueBelow | VerdictIs | InLastPeriods | Consecutive | BreachCount | AllOf | AnyOf


@dataclass(frozen=True)
class PercentOfFee:
    percent: Fraction
    span: Span = dataclasses.field(default=NO_SPAN, compare=False, repr=False)


@dataclass(frozen=True)
class FixedAmount:
    amount: Decimal
    span: Span = dataclasses.field(default=NO_SPAN, compare=False, repr=False)


Amount = PercentOfFee | FixedAmount


@dataclass(frozen=True)
class CreditTier:
    condition: Condition
    amount: Amount
    label: str  # the clause as written, e.g. "email_availability < 99.9%"
    span: Span = dataclasses.field(default=NO_SPAN, compare=False, repr=False)


@dataclass(frozen=True)
class CreditRule:
    """Tiers of one rule: when several match, only the largest credit applies."""

    name: str
    tiers: tuple[CreditTier, ...]
    span: Span = dataclasses.field(default=NO_SPAN, compare=False, repr=False)
    once: bool = False  # pays once per run of periods in which some tier matches


@dataclass(frozen=True)
class Cap:
    """``cap credits at 30% of fee per period`` / ``... per year`` / ``... per contract
    year`` / ``at 5000 USD``."""

    amount: Amount
    per: Literal["period", "year", "contract year"]
    span: Span = dataclasses.field(default=NO_SPAN, compare=False, repr=False)


@dataclass(frozen=True)
class EarnBack:
    """``earn back p1_response credits after 3 met periods``."""

    target: str
    periods: int
    span: Span = dataclasses.field(default=NO_SPAN, compare=False, repr=False)


@dataclass(frozen=True)
class Bonus:
    name: str
    condition: Condition
    amount: Amount
    span: Span = dataclasses.field(default=NO_SPAN, compare=False, repr=False)
    once: bool = False  # pays once per run of periods in which the condition holds


@dataclass(frozen=True)
class MaintenanceRule:
    """``maintenance at most 8h per period notice 5d`` (DESIGN "Maintenance"): planned
    time beyond ``limit_s`` in a period, or announced less than ``notice_s`` before it
    starts, counts as downtime. ``None``: no such clause."""

    limit_s: int | None
    limit_text: str | None  # as written, "8h"
    notice_s: int | None
    notice_text: str | None  # as written, "5d"
    span: Span = dataclasses.field(default=NO_SPAN, compare=False, repr=False)


@dataclass(frozen=True)
class ExitRule:
    name: str
    condition: Condition
    notice_s: int
    notice_text: str  # as written, "30d"
    span: Span = dataclasses.field(default=NO_SPAN, compare=False, repr=False)


# --------------------------------------------------------------------------- policy


@dataclass(frozen=True)
class Currency:
    code: str
    minor_units: int  # ISO 4217 exponent: USD 2, JPY 0


@dataclass(frozen=True)
class CheckedPolicy:
    """A policy that passed the checker; the only input the evaluator takes from the text."""

    name: str
    provider: str | None
    customer: str | None
    effective: dt.date
    timezone: str
    currency: Currency
    fees: tuple[FeeLine, ...]  # sorted by start
    period: Literal["month", "quarter"]
    at_risk_fraction: Fraction  # default 1/4
    calendars: dict[str, Calendar]
    tiers: dict[str, Tier]
    datasets: dict[str, DatasetDecl]
    pauses: tuple[PauseRule, ...]
    targets: dict[str, Target]  # in source order
    escalations: dict[str, Escalation]
    credits: tuple[CreditRule, ...]
    caps: tuple[Cap, ...]
    earn_backs: tuple[EarnBack, ...]
    bonuses: tuple[Bonus, ...]
    exits: tuple[ExitRule, ...]
    source_path: str = "<memory>"
    source_sha256: str = ""
    span: Span = dataclasses.field(default=NO_SPAN, compare=False, repr=False)
    effective_span: Span = dataclasses.field(default=NO_SPAN, compare=False, repr=False)
    maintenance: MaintenanceRule | None = None


class Verdict(StrEnum):
    """The judgement of one target in one period (DESIGN "Verdicts")."""

    MET = "met"
    BREACHED = "breached"
    AT_RISK = "at_risk"
    NO_DATA = "no_data"
    NOT_DUE = "not_due"
    """Judged over a longer period that this policy period does not end."""
