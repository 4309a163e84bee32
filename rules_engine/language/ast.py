"""The syntax tree of a policy: what the parser produces and the checker and formatter read.

The tree stays close to the text. Names are unresolved strings (a bare name on the right
of a comparison is a :class:`Name`; the checker decides whether it is a field or a tier),
literals keep their written form next to their exact value, and clauses keep source order.
Nothing here is validated beyond syntax: ``101%``, ``25:00``, ``2026-02-30``, an unknown
time zone or a negative fee all parse, so the checker can report every problem at once.

Every node is a frozen dataclass with a ``span`` (a :class:`rules_engine.language.Span`) that
takes no part in equality, so ``parse(fmt(p)) == p`` compares meaning, not positions.
No parser object (``lark.Tree``, ``lark.Token``) ever appears in this tree.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction
from typing import Any, Literal

from rules_engine.language.spans import NO_SPAN, Span

__all__ = [
    "NO_SPAN",
    "AfterHoursClause",
    "AggregateMeasure",
    "AggregateObjective",
    "AllOf",
    "AllWithin",
    "Amount",
    "And",
    "AnyOf",
    "AtRiskDecl",
    "BonusDecl",
    "BonusTier",
    "BoolLit",
    "BreachCountCondition",
    "CalendarClause",
    "CalendarDecl",
    "CapDecl",
    "ClosedClause",
    "Comment",
    "Compare",
    "CompareOp",
    "Condition",
    "ConsecutiveCondition",
    "CreditDecl",
    "CreditTier",
    "CurrencyDecl",
    "CustomerDecl",
    "DatasetDecl",
    "DateLit",
    "DayRange",
    "DurationLit",
    "EarnBackDecl",
    "EffectiveDecl",
    "EscalationDecl",
    "EscalationStep",
    "ExitDecl",
    "Expr",
    "FeeDecl",
    "FieldDecl",
    "HolidaysClause",
    "ImportDecl",
    "InLastCondition",
    "InList",
    "IsOpen",
    "IsSet",
    "Item",
    "Lit",
    "MaintenanceDecl",
    "Measure",
    "MeasureKind",
    "MeasureName",
    "MoneyLit",
    "Name",
    "NoDataRule",
    "Not",
    "NumberLit",
    "Objective",
    "OpenClause",
    "Operand",
    "Or",
    "PauseDecl",
    "PauseExclusion",
    "PercentLit",
    "PercentOf",
    "PercentOfFee",
    "PercentWithin",
    "PercentileObjective",
    "PeriodDecl",
    "Policy",
    "PolicyDecl",
    "ProviderDecl",
    "RateObjective",
    "Span",
    "StringLit",
    "TargetDecl",
    "TargetPeriod",
    "TierDecl",
    "TimeBetween",
    "TimeLit",
    "TimeWindow",
    "TimezoneDecl",
    "ValueCondition",
    "ValueObjective",
    "VerdictCondition",
    "VerdictWord",
    "to_data",
]


CompareOp = Literal["=", "!=", "<", "<=", ">", ">="]
VerdictWord = Literal["breached", "met"]


# --------------------------------------------------------------------------- names, literals


@dataclass(frozen=True)
class Name:
    """An identifier as written (a backtick escape is removed: `` `open` `` is ``Name("open")``).

    Used for every reference the checker resolves: fields, datasets, tiers, calendars,
    targets, days of the week, currencies, owners, field types, ``p90``.
    The clock ``24x7`` is ``Name("24x7")``.
    """

    name: str
    span: Span = dataclasses.field(default=NO_SPAN, compare=False, repr=False)


@dataclass(frozen=True)
class StringLit:
    """A quoted string; ``value`` has its escapes (``\\"``, ``\\\\``, ``\\n``, ``\\t``) decoded."""

    value: str
    span: Span = dataclasses.field(default=NO_SPAN, compare=False, repr=False)


@dataclass(frozen=True)
class NumberLit:
    """A bare number (``4.2``, ``-3``), exact."""

    value: Decimal
    text: str
    span: Span = dataclasses.field(default=NO_SPAN, compare=False, repr=False)


@dataclass(frozen=True)
class DurationLit:
    """``15m``, ``1h30m``, ``2w``: fixed-length units (``d`` = 24 h, ``w`` = 7 d).

    ``3bd`` (business days, DESIGN "Business days") has ``business_days`` 3 and
    ``seconds`` 0: it is no length of time, and the checker allows it only where every
    record's clock is a business calendar. A literal mixing ``bd`` with other units
    parses (``business_days`` and ``seconds`` both set) so the checker can report it.
    """

    seconds: int
    text: str
    span: Span = dataclasses.field(default=NO_SPAN, compare=False, repr=False)
    business_days: int | None = None


@dataclass(frozen=True)
class PercentLit:
    """``99.9%``; ``value`` is the fraction of one (``95%`` is ``Fraction(19, 20)``)."""

    value: Fraction
    text: str
    span: Span = dataclasses.field(default=NO_SPAN, compare=False, repr=False)


@dataclass(frozen=True)
class MoneyLit:
    """``500 USD`` or a bare number where money is expected (``fee 12000``: currency None).

    ``text`` is the number as written, without the currency.
    """

    amount: Decimal
    currency: str | None
    text: str
    span: Span = dataclasses.field(default=NO_SPAN, compare=False, repr=False)


@dataclass(frozen=True)
class DateLit:
    """``2026-04-03`` as written; may be no real date (``2026-02-30``): see :attr:`value`."""

    year: int
    month: int
    day: int
    text: str
    span: Span = dataclasses.field(default=NO_SPAN, compare=False, repr=False)

    @property
    def value(self) -> dt.date | None:
        """The date, or None when the text names no real date."""
        try:
            return dt.date(self.year, self.month, self.day)
        except ValueError:
            return None


@dataclass(frozen=True)
class TimeLit:
    """A time of day ``08:00`` as written; ``24:00`` (next midnight) and ``25:00`` parse."""

    hour: int
    minute: int
    text: str
    span: Span = dataclasses.field(default=NO_SPAN, compare=False, repr=False)

    @property
    def seconds(self) -> int:
        """Seconds after local midnight (``24:00`` is 86400); not range-checked."""
        return self.hour * 3600 + self.minute * 60


@dataclass(frozen=True)
class BoolLit:
    """``true`` / ``false``."""

    value: bool
    span: Span = dataclasses.field(default=NO_SPAN, compare=False, repr=False)


Lit = StringLit | NumberLit | DurationLit | PercentLit | MoneyLit | DateLit | TimeLit | BoolLit
Operand = Name | Lit


# --------------------------------------------------------------------------- expressions


@dataclass(frozen=True)
class Compare:
    """``left op right``; either side may be a name or a literal."""

    left: Operand
    op: CompareOp
    right: Operand
    span: Span = dataclasses.field(default=NO_SPAN, compare=False, repr=False)


@dataclass(frozen=True)
class InList:
    """``x in [a, b]`` / ``x not in [...]``; list items may be names (tiers) or literals."""

    left: Operand
    values: tuple[Operand, ...]
    negated: bool = False
    span: Span = dataclasses.field(default=NO_SPAN, compare=False, repr=False)


@dataclass(frozen=True)
class IsSet:
    """``x is set`` / ``x is not set``."""

    operand: Operand
    negated: bool = False
    span: Span = dataclasses.field(default=NO_SPAN, compare=False, repr=False)


@dataclass(frozen=True)
class IsOpen:
    """The keyword ``open``: the record has no stop event yet."""

    span: Span = dataclasses.field(default=NO_SPAN, compare=False, repr=False)


@dataclass(frozen=True)
class Not:
    operand: Expr
    span: Span = dataclasses.field(default=NO_SPAN, compare=False, repr=False)


@dataclass(frozen=True)
class And:
    """At least two operands, none of them an :class:`And` (the parser flattens)."""

    operands: tuple[Expr, ...]
    span: Span = dataclasses.field(default=NO_SPAN, compare=False, repr=False)


@dataclass(frozen=True)
class Or:
    """At least two operands, none of them an :class:`Or` (the parser flattens)."""

    operands: tuple[Expr, ...]
    span: Span = dataclasses.field(default=NO_SPAN, compare=False, repr=False)


Expr = Compare | InList | IsSet | IsOpen | Not | And | Or | Name | BoolLit
"""A bare :class:`Name` as a condition is a boolean field (``where onsite_required``)."""


# --------------------------------------------------------------------------- header


@dataclass(frozen=True)
class Comment:
    """``# ...`` as written (with the ``#``, trailing blanks removed)."""

    text: str
    span: Span = dataclasses.field(default=NO_SPAN, compare=False, repr=False)


@dataclass(frozen=True)
class PolicyDecl:
    """``policy "Acme Corp managed IT services"``."""

    name: StringLit
    span: Span = dataclasses.field(default=NO_SPAN, compare=False, repr=False)


@dataclass(frozen=True)
class ProviderDecl:
    name: StringLit
    span: Span = dataclasses.field(default=NO_SPAN, compare=False, repr=False)


@dataclass(frozen=True)
class CustomerDecl:
    name: StringLit
    span: Span = dataclasses.field(default=NO_SPAN, compare=False, repr=False)


@dataclass(frozen=True)
class EffectiveDecl:
    date: DateLit
    span: Span = dataclasses.field(default=NO_SPAN, compare=False, repr=False)


@dataclass(frozen=True)
class TimezoneDecl:
    """``timezone "America/New_York"``: at top level, and as a calendar clause."""

    zone: StringLit
    span: Span = dataclasses.field(default=NO_SPAN, compare=False, repr=False)


@dataclass(frozen=True)
class CurrencyDecl:
    """``currency USD``."""

    code: Name
    span: Span = dataclasses.field(default=NO_SPAN, compare=False, repr=False)


@dataclass(frozen=True)
class FeeDecl:
    """``fee 12000 per month from 2027-01-01``; ``per`` and ``start`` are optional."""

    amount: MoneyLit
    per: Literal["month", "quarter", "period"] | None = None
    start: DateLit | None = None
    span: Span = dataclasses.field(default=NO_SPAN, compare=False, repr=False)


@dataclass(frozen=True)
class PeriodDecl:
    """``period month``; the unit is a name the checker validates (month | quarter)."""

    unit: Name
    span: Span = dataclasses.field(default=NO_SPAN, compare=False, repr=False)


@dataclass(frozen=True)
class AtRiskDecl:
    """``at risk below 25% budget``."""

    percent: PercentLit
    span: Span = dataclasses.field(default=NO_SPAN, compare=False, repr=False)


# --------------------------------------------------------------------------- calendars


@dataclass(frozen=True)
class DayRange:
    """``mon`` or ``mon-fri``; day names are validated by the checker."""

    first: Name
    last: Name | None = None
    span: Span = dataclasses.field(default=NO_SPAN, compare=False, repr=False)


@dataclass(frozen=True)
class TimeWindow:
    """``08:00-12:00``."""

    start: TimeLit
    end: TimeLit
    span: Span = dataclasses.field(default=NO_SPAN, compare=False, repr=False)


@dataclass(frozen=True)
class OpenClause:
    """``open mon-fri, sat 08:00-12:00, 13:00-18:00``."""

    days: tuple[DayRange, ...]
    windows: tuple[TimeWindow, ...]
    span: Span = dataclasses.field(default=NO_SPAN, compare=False, repr=False)


@dataclass(frozen=True)
class HolidaysClause:
    """``holidays "US" subdivision "CA" except "Columbus Day", "Veterans Day"``."""

    country: StringLit
    subdivision: StringLit | None = None
    except_names: tuple[StringLit, ...] = ()
    span: Span = dataclasses.field(default=NO_SPAN, compare=False, repr=False)


@dataclass(frozen=True)
class ClosedClause:
    """``closed 2026-04-03, 2026-12-24``."""

    dates: tuple[DateLit, ...]
    span: Span = dataclasses.field(default=NO_SPAN, compare=False, repr=False)


CalendarClause = TimezoneDecl | OpenClause | HolidaysClause | ClosedClause


@dataclass(frozen=True)
class CalendarDecl:
    """``calendar business { ... }``; clauses in source order."""

    name: Name
    clauses: tuple[CalendarClause, ...]
    span: Span = dataclasses.field(default=NO_SPAN, compare=False, repr=False)


# --------------------------------------------------------------------------- tiers, data


@dataclass(frozen=True)
class TierDecl:
    """``tier P1 "Critical" coverage 24x7``; label and coverage are optional."""

    name: Name
    label: StringLit | None = None
    coverage: Name | None = None
    span: Span = dataclasses.field(default=NO_SPAN, compare=False, repr=False)


@dataclass(frozen=True)
class FieldDecl:
    """``requested_at timestamp`` inside a dataset block; the type is a name to check."""

    name: Name
    type: Name
    span: Span = dataclasses.field(default=NO_SPAN, compare=False, repr=False)


@dataclass(frozen=True)
class DatasetDecl:
    """``dataset change_approvals by requested_at { requested_at timestamp ... }``."""

    name: Name
    anchor: Name | None
    fields: tuple[FieldDecl, ...]
    span: Span = dataclasses.field(default=NO_SPAN, compare=False, repr=False)


@dataclass(frozen=True)
class PauseDecl:
    """``pause tickets while status in ["Waiting"] reason "customer"``.

    ``dataset`` and ``reason`` are optional; ``field`` is the status field as written.
    """

    dataset: Name | None
    field: Name
    statuses: tuple[StringLit, ...]
    reason: StringLit | None = None
    span: Span = dataclasses.field(default=NO_SPAN, compare=False, repr=False)


# --------------------------------------------------------------------------- targets


@dataclass(frozen=True)
class MeasureName:
    """``measure response_time`` / ``resolution_time`` / ``availability`` / a duration field."""

    name: Name
    span: Span = dataclasses.field(default=NO_SPAN, compare=False, repr=False)


@dataclass(frozen=True)
class TimeBetween:
    """``measure time from published_at to remediated_at``."""

    start: Name
    stop: Name
    span: Span = dataclasses.field(default=NO_SPAN, compare=False, repr=False)


@dataclass(frozen=True)
class AggregateMeasure:
    """``measure mean score`` / ``sum cost`` / ``count`` (``field`` None only for count)."""

    function: Literal["mean", "sum", "count"]
    field: Name | None = None
    span: Span = dataclasses.field(default=NO_SPAN, compare=False, repr=False)


MeasureKind = MeasureName | TimeBetween | AggregateMeasure


@dataclass(frozen=True)
class PauseExclusion:
    """``excluding pauses`` (``reasons`` None: all) or ``... where reason in ["a", "b"]``.

    ``where reason = "x"`` and ``where reason in ["x"]`` are the same tree.
    """

    reasons: tuple[StringLit, ...] | None = None
    span: Span = dataclasses.field(default=NO_SPAN, compare=False, repr=False)


@dataclass(frozen=True)
class Measure:
    """``measure KIND [on CLOCK] [excluding pauses ...]``."""

    kind: MeasureKind
    clock: Name | None = None
    excluding: PauseExclusion | None = None
    span: Span = dataclasses.field(default=NO_SPAN, compare=False, repr=False)


@dataclass(frozen=True)
class PercentWithin:
    """``require 95% within 15m``."""

    percent: PercentLit
    limit: DurationLit
    span: Span = dataclasses.field(default=NO_SPAN, compare=False, repr=False)


@dataclass(frozen=True)
class AllWithin:
    """``require all within 4h`` (100% within, zero budget)."""

    limit: DurationLit
    span: Span = dataclasses.field(default=NO_SPAN, compare=False, repr=False)


@dataclass(frozen=True)
class PercentileObjective:
    """``require p90 <= 27h``; the checker validates the name (``p`` + 1..100) and op."""

    percentile: Name
    op: CompareOp
    limit: Lit
    span: Span = dataclasses.field(default=NO_SPAN, compare=False, repr=False)


@dataclass(frozen=True)
class AggregateObjective:
    """``require mean >= 4.2`` / ``mean <= 30m`` / ``sum <= 5000 USD`` / ``count >= 1``."""

    function: Literal["mean", "sum", "count"]
    op: CompareOp
    value: Lit
    span: Span = dataclasses.field(default=NO_SPAN, compare=False, repr=False)


@dataclass(frozen=True)
class ValueObjective:
    """``require >= 99.9%`` (availability)."""

    op: CompareOp
    value: Lit
    span: Span = dataclasses.field(default=NO_SPAN, compare=False, repr=False)


@dataclass(frozen=True)
class RateObjective:
    """``require 90% where delivered_at <= due and actual_cost <= budget``."""

    percent: PercentLit
    condition: Expr
    span: Span = dataclasses.field(default=NO_SPAN, compare=False, repr=False)


Objective = (
    PercentWithin
    | AllWithin
    | PercentileObjective
    | AggregateObjective
    | ValueObjective
    | RateObjective
)


@dataclass(frozen=True)
class TargetPeriod:
    """``every quarter`` / ``every year``: the target is judged over that longer period."""

    unit: Literal["quarter", "year"]
    span: Span = dataclasses.field(default=NO_SPAN, compare=False, repr=False)


@dataclass(frozen=True)
class NoDataRule:
    """``no data counts as met`` / ``no data counts as breached``."""

    counts_as: Literal["met", "breached"]
    span: Span = dataclasses.field(default=NO_SPAN, compare=False, repr=False)


@dataclass(frozen=True)
class TargetDecl:
    """``target NAME ["title"] { owner ... of ... measure ... require ... }``.

    Clauses may come in any order in the text; each appears at most once (the parser
    rejects a duplicate). Missing clauses are None; the checker decides which it needs.
    """

    name: Name
    title: StringLit | None = None
    owner: Name | None = None
    dataset: Name | None = None
    where: Expr | None = None
    by: Name | None = None
    measure: Measure | None = None
    objective: Objective | None = None
    span: Span = dataclasses.field(default=NO_SPAN, compare=False, repr=False)
    every: TargetPeriod | None = None
    no_data: NoDataRule | None = None


# --------------------------------------------------------------------------- escalation


@dataclass(frozen=True)
class PercentOf:
    """``50% of p1_resolution``: a fraction of a target's limit."""

    percent: PercentLit
    target: Name
    span: Span = dataclasses.field(default=NO_SPAN, compare=False, repr=False)


@dataclass(frozen=True)
class EscalationStep:
    """``at 30m notify "Service desk lead"`` / ``at 50% of p1_resolution notify "..."``."""

    at: DurationLit | PercentOf
    contact: StringLit
    span: Span = dataclasses.field(default=NO_SPAN, compare=False, repr=False)


@dataclass(frozen=True)
class AfterHoursClause:
    """``outside business notify "On-call engineer" first``."""

    clock: Name
    contact: StringLit
    first: bool = False
    span: Span = dataclasses.field(default=NO_SPAN, compare=False, repr=False)


@dataclass(frozen=True)
class EscalationDecl:
    """``escalation NAME { of DATASET where EXPR  at ...  outside ... }``.

    ``steps`` and ``after_hours`` keep source order; the checker rejects extra
    ``of`` or ``outside`` clauses (the parser rejects a second ``of``).
    """

    name: Name
    dataset: Name | None
    where: Expr | None
    steps: tuple[EscalationStep, ...]
    after_hours: tuple[AfterHoursClause, ...] = ()
    span: Span = dataclasses.field(default=NO_SPAN, compare=False, repr=False)


# --------------------------------------------------------------------------- consequences


@dataclass(frozen=True)
class ValueCondition:
    """``email_availability < 99.0%``: a comparison on a target's value."""

    target: Name
    op: CompareOp
    value: Lit
    span: Span = dataclasses.field(default=NO_SPAN, compare=False, repr=False)


@dataclass(frozen=True)
class VerdictCondition:
    """``p1_response breached``; ``target`` None is ``all targets met``."""

    target: Name | None
    verdict: VerdictWord
    span: Span = dataclasses.field(default=NO_SPAN, compare=False, repr=False)


@dataclass(frozen=True)
class InLastCondition:
    """``p1_response breached in 3 of last 3 periods`` (``target`` None: all targets)."""

    target: Name | None
    verdict: VerdictWord
    count: int
    window: int
    span: Span = dataclasses.field(default=NO_SPAN, compare=False, repr=False)


@dataclass(frozen=True)
class ConsecutiveCondition:
    """``X breached in 2 consecutive periods``; ``all targets met in 3 consecutive periods``
    has ``target`` None."""

    target: Name | None
    verdict: VerdictWord
    count: int
    span: Span = dataclasses.field(default=NO_SPAN, compare=False, repr=False)


@dataclass(frozen=True)
class BreachCountCondition:
    """``at least 6 breaches in last 6 periods``."""

    at_least: int
    window: int
    span: Span = dataclasses.field(default=NO_SPAN, compare=False, repr=False)


@dataclass(frozen=True)
class AllOf:
    """``A and B``: two or more operands, none an :class:`AllOf` (flattened)."""

    operands: tuple[Condition, ...]
    span: Span = dataclasses.field(default=NO_SPAN, compare=False, repr=False)


@dataclass(frozen=True)
class AnyOf:
    """``A or B``: two or more operands, none an :class:`AnyOf` (flattened)."""

    operands: tuple[Condition, ...]
    span: Span = dataclasses.field(default=NO_SPAN, compare=False, repr=False)


Condition = (
    ValueCondition
    | VerdictCondition
    | InLastCondition
    | ConsecutiveCondition
    | BreachCountCondition
    | AllOf
    | AnyOf
)


@dataclass(frozen=True)
class PercentOfFee:
    """``25% of fee``."""

    percent: PercentLit
    span: Span = dataclasses.field(default=NO_SPAN, compare=False, repr=False)


Amount = PercentOfFee | MoneyLit


@dataclass(frozen=True)
class CreditTier:
    """``when CONDITION credit AMOUNT`` (``once``: once per run of the condition)."""

    condition: Condition
    amount: Amount
    once: bool = False
    span: Span = dataclasses.field(default=NO_SPAN, compare=False, repr=False)


@dataclass(frozen=True)
class CreditDecl:
    """``credit NAME { when ... credit ... }``: tiers in source order."""

    name: Name
    tiers: tuple[CreditTier, ...]
    span: Span = dataclasses.field(default=NO_SPAN, compare=False, repr=False)


@dataclass(frozen=True)
class CapDecl:
    """``cap credits at 30% of fee per period`` / ``per year`` / ``per contract year`` /
    ``at 5000 USD``."""

    amount: Amount
    per: Literal["period", "year", "contract year"] | None = None
    span: Span = dataclasses.field(default=NO_SPAN, compare=False, repr=False)


@dataclass(frozen=True)
class EarnBackDecl:
    """``earn back p1_response credits after 3 met periods``."""

    target: Name
    periods: int
    span: Span = dataclasses.field(default=NO_SPAN, compare=False, repr=False)


@dataclass(frozen=True)
class BonusTier:
    """``when CONDITION pay AMOUNT`` (``once``: once per run of the condition)."""

    condition: Condition
    amount: Amount
    once: bool = False
    span: Span = dataclasses.field(default=NO_SPAN, compare=False, repr=False)


@dataclass(frozen=True)
class BonusDecl:
    """``bonus NAME { when ... pay ... }``."""

    name: Name
    tiers: tuple[BonusTier, ...]
    span: Span = dataclasses.field(default=NO_SPAN, compare=False, repr=False)


@dataclass(frozen=True)
class ExitDecl:
    """``exit NAME { when CONDITION notice 30d }``; each clause at most once."""

    name: Name
    condition: Condition | None
    notice: DurationLit | None = None
    span: Span = dataclasses.field(default=NO_SPAN, compare=False, repr=False)


@dataclass(frozen=True)
class MaintenanceDecl:
    """``maintenance at most 8h per period notice 5d`` (either clause may stand alone):
    planned time beyond the limit, or announced late, counts as downtime."""

    limit: DurationLit | None
    notice: DurationLit | None = None
    span: Span = dataclasses.field(default=NO_SPAN, compare=False, repr=False)


# --------------------------------------------------------------------------- policy


Item = (
    PolicyDecl
    | ProviderDecl
    | CustomerDecl
    | EffectiveDecl
    | TimezoneDecl
    | CurrencyDecl
    | FeeDecl
    | PeriodDecl
    | AtRiskDecl
    | CalendarDecl
    | TierDecl
    | DatasetDecl
    | PauseDecl
    | TargetDecl
    | EscalationDecl
    | CreditDecl
    | CapDecl
    | EarnBackDecl
    | BonusDecl
    | ExitDecl
    | MaintenanceDecl
)


@dataclass(frozen=True)
class ImportDecl:
    """``import "standard_terms.sla"``: a path relative to the importing file's folder."""

    path: StringLit
    span: Span = dataclasses.field(default=NO_SPAN, compare=False, repr=False)


@dataclass(frozen=True)
class Policy:
    """A whole file: top-level items in source order, and every comment (source order).

    ``imports`` are the file's ``import`` lines (they come before every item);
    ``overrides`` holds the indexes into ``items`` of the declarations written with
    ``override`` (see :mod:`rules_engine.language.modules`). Both are empty for a file without
    modules, so such a file's tree is what it always was.
    """

    items: tuple[Item, ...]
    comments: tuple[Comment, ...] = ()
    span: Span = dataclasses.field(default=NO_SPAN, compare=False, repr=False)
    imports: tuple[ImportDecl, ...] = ()
    overrides: tuple[int, ...] = ()


# --------------------------------------------------------------------------- JSON form


def to_data(node: object) -> Any:
    """A node as plain JSON data (``sla parse --json``): ``{"type": ..., fields, "span"}``.

    Exact numbers become strings (``Fraction`` as ``"19/20"``, ``Decimal`` as written), so
    nothing is rounded on the way out.
    """
    if dataclasses.is_dataclass(node) and not isinstance(node, type):
        if isinstance(node, Span):
            return {
                "file": node.file,
                "line": node.line,
                "column": node.column,
                "end_line": node.end_line,
                "end_column": node.end_column,
            }
        out: dict[str, Any] = {"type": type(node).__name__}
        for f in dataclasses.fields(node):
            out[f.name] = to_data(getattr(node, f.name))
        return out
    if isinstance(node, tuple | list):
        return [to_data(x) for x in node]
    if isinstance(node, Fraction | Decimal):
        return str(node)
    return node
