"""The normalized data schema, defined once.

Each built-in dataset is a pydantic model whose field docs are the data reference.
From these models the project derives the JSON Schema (``sla schema``), the columnar
dtypes the loader casts to, and the field types the checker resolves names against
(:func:`dataset_fields`). A policy's ``dataset`` declarations extend the schema.
"""

from __future__ import annotations

import datetime as dt
import types
import typing

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from rules_engine.language.fieldtypes import DEFAULT_ANCHORS, STOP_EVENTS, FieldType, dataset_fields

SCHEMA_VERSION = "1.0"


class _Record(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Pause(_Record):
    """A span of time the clock may stop for, with who caused it."""

    start: AwareDatetime = Field(description="When the pause began.")
    end: AwareDatetime | None = Field(None, description="When it ended; null while it runs.")
    reason: str = Field("customer", description="Who or what caused it: customer, vendor, ...")


class StatusChange(_Record):
    """One entry of a record's status history (ServiceNow's audit trail, Jira's changelog)."""

    at: AwareDatetime = Field(description="When the record entered the status.")
    status: str = Field(description="The status entered.")


class EscalationEvent(_Record):
    """A notification that was actually sent, to check escalation steps happened in time."""

    at: AwareDatetime = Field(description="When the contact was notified.")
    contact: str = Field(description="Who was notified.")


class Ticket(_Record):
    """A service-desk ticket (incident or request), judged under its final priority."""

    id: str = Field(description="Unique ticket id.")
    priority: str = Field(description="Final priority; matches a policy tier name (P1..P4).")
    created_at: AwareDatetime = Field(description="When the ticket was opened (the anchor).")
    first_response_at: AwareDatetime | None = Field(
        None, description="First response by the provider; null = no response yet."
    )
    resolved_at: AwareDatetime | None = Field(
        None, description="Last resolution (a reopened ticket's final one); null = unresolved."
    )
    status: str | None = Field(None, description="Current status; decides nothing by itself.")
    category: str | None = Field(None, description="Category or type.")
    service: str | None = Field(None, description="Affected service.")
    site: str | None = Field(None, description="Site or location.")
    onsite_required: bool | None = Field(None, description="Whether an on-site visit is required.")
    onsite_arrival_at: AwareDatetime | None = Field(None, description="On-site arrival time.")
    pauses: list[Pause] = Field(default_factory=list, description="Clock pauses with reasons.")
    status_history: list[StatusChange] = Field(
        default_factory=list, description="Status changes, for pauses derived by the policy."
    )
    escalations: list[EscalationEvent] = Field(
        default_factory=list, description="Escalation notifications that happened."
    )


class Outage(_Record):
    """An interruption of a service; belongs to every period it overlaps."""

    id: str
    service: str = Field(description="The service that was down.")
    started_at: AwareDatetime
    ended_at: AwareDatetime | None = Field(None, description="null = still down.")
    planned: bool = Field(False, description="Planned maintenance never counts as downtime.")
    announced_at: AwareDatetime | None = Field(
        None,
        description="When a planned outage was announced (checked by `maintenance notice`).",
    )


class Maintenance(_Record):
    """An agreed maintenance window: outage time inside it is planned, not downtime."""

    id: str
    service: str | None = Field(None, description="The service; null = every service.")
    start: AwareDatetime
    end: AwareDatetime
    announced_at: AwareDatetime | None = Field(
        None, description="When the window was announced (checked by `maintenance notice`)."
    )


class Vulnerability(_Record):
    id: str
    asset: str | None = None
    severity: str = Field(description="critical, high, medium, low.")
    published_at: AwareDatetime = Field(description="Publication (the anchor).")
    remediated_at: AwareDatetime | None = None


class RestoreTest(_Record):
    id: str
    system: str | None = None
    tested_at: AwareDatetime = Field(description="When the test ran (the anchor).")
    recovery_time: dt.timedelta = Field(description="Time to restore (ISO 8601 duration).")
    data_loss: dt.timedelta | None = Field(None, description="Data lost (RPO, ISO 8601).")


class SecurityIncident(_Record):
    id: str
    kind: str | None = None
    occurred_at: AwareDatetime = Field(description="When it happened (the anchor).")
    detected_at: AwareDatetime | None = None
    contained_at: AwareDatetime | None = None


class Project(_Record):
    id: str
    due: dt.date = Field(description="Due date (the anchor).")
    delivered_at: AwareDatetime | None = None
    budget: float | None = Field(None, description="Agreed budget.")
    actual_cost: float | None = None


class Survey(_Record):
    id: str
    submitted_at: AwareDatetime = Field(description="Submission (the anchor).")
    score: float = Field(description="Satisfaction score.")


class Meeting(_Record):
    id: str
    kind: str = Field(description="service_review, steering, ...")
    held_at: AwareDatetime = Field(description="When it was held (the anchor).")


class Exclusion(_Record):
    """A ledger entry removing a record, or a service's time window, from measurement."""

    id: str
    record_id: str | None = Field(None, description="The excluded record's id.")
    service: str | None = Field(None, description="With start/end: the excluded window.")
    start: AwareDatetime | None = None
    end: AwareDatetime | None = None
    reason: str = Field(description="customer, maintenance, force_majeure, ...")
    approved: bool = Field(description="Unapproved exclusions are reported as disputed.")


DATASET_MODELS: dict[str, type[_Record]] = {
    "tickets": Ticket,
    "outages": Outage,
    "maintenance": Maintenance,
    "vulnerabilities": Vulnerability,
    "restore_tests": RestoreTest,
    "security_incidents": SecurityIncident,
    "projects": Project,
    "surveys": Survey,
    "meetings": Meeting,
    "exclusions": Exclusion,
}


ENUM_VALUES: dict[tuple[str, str], tuple[str, ...]] = {
    ("vulnerabilities", "severity"): ("critical", "high", "medium", "low"),
}
"""Closed value sets: a policy compares with exact strings, so ``Critical`` would silently
match nothing; the loader rejects values outside these sets."""


def field_type(annotation: object) -> FieldType:
    """The kind of a model field's annotation (``AwareDatetime | None`` -> ``timestamp``)."""
    args = typing.get_args(annotation)
    if typing.get_origin(annotation) in (typing.Union, types.UnionType):
        inner = [a for a in args if a is not type(None)]
        return field_type(inner[0])
    if typing.get_origin(annotation) is list:
        return "intervals" if args and args[0] is Pause else "events"
    if annotation is bool:
        return "boolean"
    if annotation in (int, float):
        return "number"
    if annotation is dt.timedelta:
        return "duration"
    if annotation is dt.date:
        return "date"
    if annotation is str:
        return "string"
    return "timestamp"  # AwareDatetime


__all__ = ["DEFAULT_ANCHORS", "STOP_EVENTS", "FieldType", "dataset_fields"]


def derived_field_types(name: str) -> dict[str, FieldType] | None:
    """The field types as the pydantic model declares them; :data:`fieldtypes.FIELD_TYPES`
    must equal this for every dataset (tests/data checks it)."""
    model = DATASET_MODELS.get(name)
    if model is None:
        return None
    return {fname: field_type(info.annotation) for fname, info in model.model_fields.items()}


def required_fields(name: str) -> frozenset[str]:
    """Fields a record of a built-in dataset must carry."""
    model = DATASET_MODELS[name]
    return frozenset(f for f, info in model.model_fields.items() if info.is_required())


JSON_SCHEMA_DIALECT = "https://json-schema.org/draft/2020-12/schema"


def json_schema(name: str | None = None) -> dict[str, typing.Any]:
    """The JSON Schema (Draft 2020-12) of one dataset's records, or of a whole data bundle
    (an object with one array of records per dataset) when ``name`` is None."""
    if name is not None:
        model = DATASET_MODELS[name]
        schema = model.model_json_schema()
        for (dataset, field), values in ENUM_VALUES.items():
            if dataset == name:
                schema["properties"][field]["enum"] = list(values)
        return {
            "$schema": JSON_SCHEMA_DIALECT,
            "$id": f"https://sla-rules-engine.dev/schema/{SCHEMA_VERSION}/{name}.json",
            "x-schema-version": SCHEMA_VERSION,
            **schema,
        }
    defs: dict[str, typing.Any] = {}
    properties: dict[str, typing.Any] = {}
    for dataset in DATASET_MODELS:
        one = json_schema(dataset)
        for key in ("$schema", "$id", "x-schema-version"):
            one.pop(key)
        defs.update(one.pop("$defs", {}))
        defs[dataset] = one
        properties[dataset] = {"type": "array", "items": {"$ref": f"#/$defs/{dataset}"}}
    return {
        "$schema": JSON_SCHEMA_DIALECT,
        "$id": f"https://sla-rules-engine.dev/schema/{SCHEMA_VERSION}/bundle.json",
        "x-schema-version": SCHEMA_VERSION,
        "title": "Normalized SLA performance data",
        "type": "object",
        "properties": properties,
        "additionalProperties": False,
        "$defs": defs,
    }
