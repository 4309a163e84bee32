"""The checker's view of the normalized schema: each built-in dataset's fields and types.

The pydantic models in :mod:`rules_engine.data.schema` are the one definition; this table is
derived from them (a test checks it field by field) so that ``sla check`` need not import
pydantic, which is a third of its start-up time.
"""

from __future__ import annotations

from typing import Literal

FieldType = Literal[
    "string", "number", "boolean", "date", "timestamp", "duration", "intervals", "events"
]
"""A column's type: scalar types, plus ``intervals`` (pauses) and ``events`` (status
history, escalations)."""

DEFAULT_ANCHORS: dict[str, str] = {
    "tickets": "created_at",
    "outages": "started_at",  # outages are placed by overlap, not by this anchor
    "maintenance": "start",
    "vulnerabilities": "published_at",
    "restore_tests": "tested_at",
    "security_incidents": "occurred_at",
    "projects": "due",
    "surveys": "submitted_at",
    "meetings": "held_at",
    "exclusions": "start",
}
"""The field that places a record in a period, unless a target says ``by FIELD``."""

STOP_EVENTS: dict[str, tuple[str, ...]] = {
    "tickets": ("resolved_at",),
    "outages": ("ended_at",),
    "vulnerabilities": ("remediated_at",),
    "security_incidents": ("contained_at",),
    "projects": ("delivered_at",),
}
"""The field whose absence makes a record ``open``."""

FIELD_TYPES: dict[str, dict[str, FieldType]] = {
    "tickets": {
        "id": "string",
        "priority": "string",
        "created_at": "timestamp",
        "first_response_at": "timestamp",
        "resolved_at": "timestamp",
        "status": "string",
        "category": "string",
        "service": "string",
        "site": "string",
        "onsite_required": "boolean",
        "onsite_arrival_at": "timestamp",
        "pauses": "intervals",
        "status_history": "events",
        "escalations": "events",
    },
    "outages": {
        "id": "string",
        "service": "string",
        "started_at": "timestamp",
        "ended_at": "timestamp",
        "planned": "boolean",
        "announced_at": "timestamp",
    },
    "maintenance": {
        "id": "string",
        "service": "string",
        "start": "timestamp",
        "end": "timestamp",
        "announced_at": "timestamp",
    },
    "vulnerabilities": {
        "id": "string",
        "asset": "string",
        "severity": "string",
        "published_at": "timestamp",
        "remediated_at": "timestamp",
    },
    "restore_tests": {
        "id": "string",
        "system": "string",
        "tested_at": "timestamp",
        "recovery_time": "duration",
        "data_loss": "duration",
    },
    "security_incidents": {
        "id": "string",
        "kind": "string",
        "occurred_at": "timestamp",
        "detected_at": "timestamp",
        "contained_at": "timestamp",
    },
    "projects": {
        "id": "string",
        "due": "date",
        "delivered_at": "timestamp",
        "budget": "number",
        "actual_cost": "number",
    },
    "surveys": {"id": "string", "submitted_at": "timestamp", "score": "number"},
    "meetings": {"id": "string", "kind": "string", "held_at": "timestamp"},
    "exclusions": {
        "id": "string",
        "record_id": "string",
        "service": "string",
        "start": "timestamp",
        "end": "timestamp",
        "reason": "string",
        "approved": "boolean",
    },
}


def dataset_fields(name: str) -> dict[str, FieldType] | None:
    """The fields of a built-in dataset with their types, or None for an unknown name."""
    fields = FIELD_TYPES.get(name)
    return None if fields is None else dict(fields)
