"""The evaluation document's shape, as typed models: the one definition of what
``sla eval --format json`` writes and what every renderer reads.

The pipeline writes the document as plain JSON data (fast: a million-ticket month lists
its breached ids without a model per record); :func:`read` turns it into these models,
and the renderers read the models, never the dictionary. The JSON Schema
(``rules_engine/schemas/evaluation.schema.json``, ``sla schema evaluation``) is generated
from them by :func:`json_schema`; a test keeps the committed file equal to it, and every
document the tests produce validates against it.

Why pydantic rather than dataclasses: the models both validate a document read back
(``sla report --from-json``) and generate its schema, with a discriminated union on each
target's ``kind``; a dataclass would need a hand-written reader and schema beside it.

Numbers are kept as the document writes them (``"99.955197"``, ``"2678.400"``,
``"22/5"``): exact text, which :mod:`rules_engine.present` formats for people and
:func:`fraction` reads exactly. No stage is imported here, so every stage may use it.
"""

from __future__ import annotations

from fractions import Fraction
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

SCHEMA_ID = "https://sla-rules-engine.invalid/schemas/evaluation-1.0.json"

Seconds = Annotated[
    int | Annotated[str, StringConstraints(pattern=r"^-?\d+\.\d{3}$")],
    Field(description="Seconds: an integer when whole, else a decimal string with 3 places."),
]
Fixed6 = Annotated[
    str,
    StringConstraints(pattern=r"^-?\d+\.\d{6}$"),
    Field(description="A percentage or a rate, rounded half-even to 6 decimals."),
]
Exact = Annotated[
    str,
    StringConstraints(pattern=r"^-?\d+(/\d+)?$"),
    Field(description="An exact value: an integer or a reduced fraction (`22/5`)."),
]
Amount = Annotated[
    str,
    StringConstraints(pattern=r"^-?\d+(\.\d+)?$"),
    Field(description="Money at the currency's minor units (`12000.00`, `1200` for JPY)."),
]
Date = Annotated[str, StringConstraints(pattern=r"^\d{4}-\d{2}-\d{2}$")]
Instant = Annotated[str, Field(json_schema_extra={"format": "date-time"})]
Verdict = Literal["met", "breached", "at_risk", "no_data", "not_due"]
BusinessDays = Annotated[
    str,
    StringConstraints(pattern=r"^-?\d+\.\d{6}$"),
    Field(
        description="Business days, 6 decimals, for a limit in `bd` (the `_s` keys are then null)."
    ),
]


def fraction(value: int | str | None) -> Fraction | None:
    """The exact value of a document number (``"2678.400"``, ``"22/5"``, ``1200``)."""
    return None if value is None else Fraction(value)


class _Model(BaseModel):
    """Keys a later engine adds are kept (``extra``), so an older reader still reads."""

    model_config = ConfigDict(extra="allow", frozen=True)


class _Closed(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


# --------------------------------------------------------------------------- targets


class Goal(_Closed):
    """The objective as data: kind, operator, exact threshold in ``unit`` (percent
    0..100, seconds, number, money, count), whether it has an error budget, and for a
    target that measures time the clock its durations are counted on."""

    kind: Literal["percent", "availability", "percentile", "mean", "sum", "count"]
    op: Literal["<", "<=", ">", ">=", "="]
    threshold: Exact
    unit: Literal["percent", "seconds", "business_days", "number", "money", "count"]
    banded: bool
    clock: Literal["wall", "business", "mixed"] | None = Field(
        default=None,
        description="What the target's durations are counted on (24x7, a business "
        "calendar's open time, or each tier's own), so they are shown in the unit that "
        "clock counts.",
    )


class Budget(_Model):
    unit: Literal["records", "seconds"]
    total: Seconds
    used: Seconds
    left: Seconds
    burn_rate: Fixed6 | None


class BreachedRecord(_Model):
    id: str
    measured_s: Seconds | None
    limit_s: Seconds | None
    open: bool
    measured_bd: BusinessDays | None = None
    limit_bd: BusinessDays | None = None


class PendingRecord(_Model):
    id: str
    elapsed_s: Seconds | None
    limit_s: Seconds | None
    elapsed_bd: BusinessDays | None = None
    limit_bd: BusinessDays | None = None


class RecordDetail(_Model):
    """One record's derivation (``sla explain``): its time on its clock, gross and net."""

    status: Literal["met", "breached", "pending"]
    measured_s: Seconds | None
    gross_s: Seconds | None
    paused_s: Seconds | None
    wall_s: Seconds | None = None
    clock: str
    open: bool
    measured_bd: BusinessDays | None = None
    paused_bd: BusinessDays | None = None


class TargetPeriod(_Model):
    """``every quarter`` / ``every year``: the target's own period; not ``due`` means the
    verdict is ``not_due`` and the figures are those of the target's period so far."""

    every: Literal["quarter", "year"]
    period: str
    start: Instant
    end: Instant
    due: bool


class _TargetHead(_Model):
    title: str | None
    owner: Literal["provider", "customer"]
    span: str
    dataset: str
    scope: str
    objective: str
    goal: Goal
    in_scope: int = Field(ge=0)
    verdict: Verdict
    flip: str | None
    explanation: str
    note: str | None = None
    counts_as: Literal["met", "breached"] | None = Field(
        default=None,
        description="What an empty period counts as (`no data counts as ...`); every "
        "consequence and the exit code use it.",
    )
    target_period: TargetPeriod | None = None


class _RecordTarget(_TargetHead):
    met: int = Field(ge=0)
    breached: int = Field(ge=0)
    pending: int = Field(ge=0)
    budget: Budget | None
    to_flip: int | None = None
    breached_records: list[BreachedRecord]
    pending_records: list[PendingRecord]
    paused_s_total: Seconds | None
    paused_bd_total: BusinessDays | None = None
    records: dict[str, RecordDetail] | None = None


class PercentTarget(_RecordTarget):
    """``X% within L`` and ``X% where ...``: the share of records that met the limit."""

    kind: Literal["percent"]
    value: Fixed6 | None
    value_exact: Exact | None
    margin: Fixed6 | None


class PercentileTarget(_RecordTarget):
    """``pP <= L``: the nearest-rank percentile, a lower bound while it can still grow."""

    kind: Literal["percentile"]
    value_s: Seconds | None
    rank: int | None
    value_is_lower_bound: bool
    margin_s: Seconds | None
    unit: Literal["business_days"] | None = None
    value_bd: BusinessDays | None = None
    value_bd_exact: Exact | None = None
    margin_bd: BusinessDays | None = None


class PlannedStretch(_Closed):
    """Planned time in the period, stretch by stretch: outage time inside a maintenance
    window (``source`` window) or a planned outage (``source`` outage); the part counted
    as downtime and why."""

    source: Literal["window", "outage"]
    id: str
    outage_id: str
    start: Instant
    end: Instant
    planned_s: Seconds
    downtime_s: Seconds
    counted_as_downtime: Literal["no notice", "late notice", "over limit"] | None


class MaintenanceUse(_Closed):
    """The policy's ``maintenance`` rule as applied in the period."""

    limit_s: int | None = Field(ge=0)
    notice_s: int | None = Field(ge=0)
    limit_used_s: Seconds
    planned_s: Seconds
    counted_as_downtime_s: Seconds


class AvailabilityTarget(_TargetHead):
    """``>= X%`` over outages: 1 - downtime / scheduled time on the target's clock."""

    kind: Literal["availability"]
    outage_ids: list[str]
    planned_excluded_ids: list[str]
    downtime_s: Seconds
    scheduled_s: Seconds
    clock: str
    value: Fixed6
    value_exact: Exact
    margin: Fixed6
    budget: Budget | None
    to_flip: int | None = None
    downtime_intervals: list[tuple[Instant, Instant]]
    planned_time: list[PlannedStretch] = Field(
        default=[], description="Present when there is planned time in the period."
    )
    maintenance: MaintenanceUse | None = Field(
        default=None, description="Present when the policy has a `maintenance` rule."
    )


class AggregateTarget(_TargetHead):
    """``mean``/``sum`` objectives: no budget, never at risk."""

    kind: Literal["aggregate"]
    unit: Literal["number", "duration", "money"] = Field(
        description="The unit of value, sum and margin (duration: seconds)."
    )
    count: int = Field(ge=0)
    sum: str | None = None
    value: str | None
    value_exact: Exact | None
    margin: str | None
    below_objective_ids: list[str] = []


class CountTarget(_TargetHead):
    """``count <op> N``: how many records are in scope."""

    kind: Literal["count"]
    count: int = Field(ge=0)
    value: str | None
    value_exact: Exact | None
    margin: str | None


Target = Annotated[
    PercentTarget | PercentileTarget | AvailabilityTarget | AggregateTarget | CountTarget,
    Field(discriminator="kind"),
]


# --------------------------------------------------------------------------- money


class MoneyLine(_Closed):
    """One line of a period's account: credits positive; a cap's reduction and a credit
    earned back negative; bonuses are owed the other way. A period's ``credits_owed`` is
    the sum of its lines other than bonuses."""

    kind: Literal["credit", "cap", "annual_cap", "contract_year_cap", "earn_back", "bonus"]
    rule: str
    amount: Amount
    arithmetic: str


class Credit(_Model):
    rule: str
    tier: str
    percent: str | None
    amount: Amount
    arithmetic: str


class Bonus(_Model):
    rule: str
    percent: str | None
    amount: Amount
    arithmetic: str


class ExitRight(_Model):
    rule: str
    reasons: list[str]
    notice: str


class Period(_Model):
    period: Annotated[str, StringConstraints(pattern=r"^\d{4}-(\d{2}|Q[1-4])$")]
    start: Instant
    end: Instant
    over: bool
    fee: Amount | None
    targets: dict[str, Target]
    version: str | None = None
    version_effective: str | None = None
    credits: list[Credit] = []
    credits_before_cap: Amount | None = None
    cap: Amount | None = None
    cap_arithmetic: str | None = None
    cap_applied: bool = False
    credits_total: Amount | None = None
    bonuses: list[Bonus] = []
    bonus_total: Amount | None = None
    exit: list[ExitRight] = []
    once_held: list[str] = Field(
        default=[],
        description="`once` rules whose run goes on in this period (paid when it started).",
    )
    lines: list[MoneyLine] = Field(
        default=[],
        description="The account, line by line: credits_owed is the sum of the lines "
        "other than bonuses.",
    )
    credits_owed: Amount | None = Field(
        default=None,
        description="Credits after caps and earn-back: the sum of the non-bonus lines.",
    )
    note: str | None = None


# --------------------------------------------------------------------------- exclusions


class Exclusion(_Model):
    """An entry of the exclusions ledger: a record or a service window, approved or
    disputed (DESIGN "Exclusions")."""

    id: str
    reason: str | None
    approved: bool
    status: Literal["approved", "disputed"]
    record_id: str | None = None
    service: str | None = None
    start: Instant | None = None
    end: Instant | None = None


class TargetChange(_Model):
    target: str
    verdict: Verdict
    value: str | None
    verdict_if_excluded: Verdict | None
    value_if_excluded: str | None


class BothWays(_Model):
    agreed: Any
    if_excluded: Any


class PeriodEffect(_Model):
    period: str
    targets: list[TargetChange]
    credits_total: BothWays | None = None
    bonus_total: BothWays | None = None


class DisputeEffect(_Model):
    """What approving the disputed exclusions would change."""

    periods: list[PeriodEffect]
    totals: BothWays
    exit_right: BothWays


class Exclusions(_Model):
    ledger: list[Exclusion]
    disputed: list[Exclusion]
    dispute_effect: DisputeEffect | None


# --------------------------------------------------------------------------- the document


class LeftOut(_Model):
    period: str
    target: str
    records: int = Field(ge=0, description="How many records were in scope, not listed.")


class DetailKept(_Model):
    """Per-record detail: the limit it was kept under (null: no limit) and each target
    and period whose records were left out because they outnumbered it."""

    limit: int | None
    left_out: list[LeftOut]


class PolicyRef(_Model):
    name: str
    provider: str | None = None
    customer: str | None = None
    path: str
    sha256: str


class DataRef(_Model):
    sources: dict[str, str] | list[Any]
    sha256: dict[str, str] | str | None
    warnings: list[str] = []
    late_start: list[str] = []


class CalendarUsed(_Model):
    timezone: str
    holidays_used: list[tuple[Date, str]]
    closed: list[Date]


class RunExitRight(_Model):
    period: str
    rules: list[str]
    notice: str


class Totals(_Model):
    credits: Amount
    bonuses: Amount


class VerdictCounts(_Model):
    met: int = Field(ge=0)
    breached: int = Field(ge=0)
    at_risk: int = Field(ge=0)
    no_data: int = Field(ge=0)
    not_due: int | None = Field(default=None, ge=0)  # written only when one occurs


class Summary(_Model):
    verdicts: VerdictCounts


class Evaluation(_Model):
    """The output of ``sla eval --format json``: verdicts per target per period with
    their explanations, plus the money of the consequences stage. Seconds are integers
    when whole, otherwise decimal strings with 3 places; percentages are strings with 6
    decimals (half-even); exact values are reduced fractions."""

    model_config = ConfigDict(
        extra="allow",
        frozen=True,
        title="SLA evaluation document",
        json_schema_extra={"$id": SCHEMA_ID},
    )

    schema_version: Literal["1.0"]
    data_schema_version: str | None = None
    engine_version: str
    policy: PolicyRef
    data: DataRef
    as_of: Instant
    as_of_source: Literal["given", "now"]
    timezone: str
    currency: str
    holidays_package_version: str | None = None
    calendars: dict[str, CalendarUsed]
    periods: list[Period]
    exit_right: RunExitRight | None
    totals: Totals | None
    summary: Summary
    exclusions: Exclusions | None = None
    record_detail: DetailKept | None = None


def read(document: dict[str, Any]) -> Evaluation:
    """The typed view of an evaluation document (raises pydantic's ``ValidationError``
    on a document that does not have the shape)."""
    return Evaluation.model_validate(document)


def json_schema() -> dict[str, Any]:
    """The document's JSON Schema (draft 2020-12), generated from the models."""
    schema = Evaluation.model_json_schema(mode="validation")
    return {"$schema": "https://json-schema.org/draft/2020-12/schema", **schema}
