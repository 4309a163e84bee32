"""Mapping files: how a ticket-system export becomes a normalized dataset.

A mapping is YAML checked by the pydantic models below (an unknown key is an error with
its location). Shipped mappings live in ``rules_engine/data/mappings/`` and are found by name
(``servicenow_event_log``); any other argument is a path to the user's own file.
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path
from typing import Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Source(_Strict):
    """How to read the export."""

    format: Literal["csv", "json", "jsonl"] = "csv"
    delimiter: str = Field(",", min_length=1, max_length=1)
    encoding: Literal["utf-8", "utf8", "utf-8-sig", "latin-1", "cp1252"] = "utf-8"
    records: str | None = Field(
        None, description="JSON: the key holding the list of records (Zendesk: tickets)."
    )
    zip_member: str | None = Field(
        None, description="The file to read inside a .zip input (default: the only one)."
    )


class Timestamps(_Strict):
    """How the export writes times: a chrono/strftime format and the zone of times
    written without an offset. A naive format without ``timezone`` is an error.
    ``offsets: wall_time`` reads times written with a fixed offset that ignores
    daylight saving (every row ``+01:00``, summer included) as wall-clock times in
    ``timezone``: the written offset is dropped."""

    formats: list[str] = Field(default_factory=lambda: ["iso"], min_length=1)
    timezone: str | None = None
    offsets: Literal["keep", "wall_time"] = Field(
        "keep",
        description="`keep`: a written offset is the truth; `wall_time`: drop it and read "
        "the time as local wall time in `timezone` (or `sla import --timezone`).",
    )


class StatusSet(_Strict):
    """A set of statuses, written positively (``in``) or negatively (``not in``).
    With a status made of several columns, a value names a whole status
    (``Completed/Resolved``) or its leading columns (``Completed``: any sub status)."""

    in_: list[str] | None = Field(
        None, alias="in", min_length=1, description="The statuses of the set."
    )
    not_in: list[str] | None = Field(
        None, min_length=1, description="The set is every status except these."
    )

    @model_validator(mode="after")
    def _one_way(self) -> StatusSet:
        if (self.in_ is None) == (self.not_in is None):
            raise ValueError("give exactly one of `in` and `not_in`")
        return self

    def named(self) -> list[str]:
        """The values the set names, in the order written."""
        return list(self.in_ if self.in_ is not None else self.not_in or [])


class FromStatus(StatusSet):
    """Event logs: the time of the update where the status enters (or leaves) a set of
    statuses; ``pick`` says which such update when there are several."""

    change: Literal["enters", "leaves"] = Field(
        "enters", description="`enters`: the update moving into the set; `leaves`: out of it."
    )
    pick: Literal["first", "last"] = Field(
        "first", description="Which entry (or exit) when the status passes several times."
    )


class FieldMap(_Strict):
    """One normalized field from one source column."""

    column: str | None = Field(
        None, description="Source column; nested JSON keys joined with dots."
    )
    from_status: FromStatus | None = Field(
        None,
        description="Event logs, instead of `column`: the time the status enters or leaves "
        "a set, e.g. `{change: enters, in: [Completed], pick: last}`.",
    )
    type: Literal["string", "number", "boolean", "timestamp", "date", "duration"] | None = None
    map: dict[str, str] | None = Field(None, description="Value renames, e.g. 1 - Critical: P1.")
    values: list[str] | None = Field(
        None, description="Accepted source values; a row with another value is rejected."
    )
    unmapped: Literal["reject", "keep", "null"] = Field(
        "reject", description="What a value missing from `map` does."
    )
    aggregate: Literal["first", "last", "last_set", "first_set", "min", "max"] = Field(
        "last", description="Event logs: which update's value the record takes."
    )
    default: str | None = Field(None, description="The value of a missing source value.")
    plus_minutes: str | None = Field(
        None, description="Add this column's minutes (Zendesk reply_time_in_minutes)."
    )

    @model_validator(mode="after")
    def _one_source(self) -> FieldMap:
        if (self.column is None) == (self.from_status is None):
            raise ValueError("give exactly one of `column` and `from_status`")
        if self.from_status is not None and (self.map or self.values or self.plus_minutes):
            raise ValueError(
                "`from_status` gives a time: `map`, `values`, `plus_minutes` do not apply"
            )
        return self


class OrderKey(_Strict):
    column: str
    type: Literal["timestamp", "number", "string"] = "string"


class Grouping(_Strict):
    """Event logs: one row per update, grouped into one record."""

    by: str = Field(description="The column naming the record (ServiceNow: number).")
    order_by: list[OrderKey] = Field(min_length=1)
    status: str | list[str] = Field(
        description="The column with the state after the update, or several columns "
        "(`[Status, Sub Status]`) joined by `status_separator`."
    )
    status_separator: str = Field(
        "/", min_length=1, description="Joins the status columns (`Completed/Resolved`)."
    )
    at: str = Field(description="The column with the update's time.")

    def status_columns(self) -> list[str]:
        return [self.status] if isinstance(self.status, str) else list(self.status)


class FirstResponse(StatusSet):
    """First response = the first update whose status is one of ``in`` (or not one of
    ``not_in``). Prefer ``in``: with ``not_in`` every status nobody listed counts as a
    response."""


class PauseStates(_Strict):
    """Pauses from the status sequence: each run of updates in one of these states is a
    pause with the given reason, from the update entering it to the next update leaving it.
    A key names a whole status or, with a status of several columns, its leading part."""

    reasons: dict[str, str] = Field(min_length=1)


class Mapping(_Strict):
    version: Literal[1] = 1
    name: str
    description: str | None = None
    dataset: Literal["tickets"] = "tickets"
    source: Source = Field(default_factory=lambda: Source.model_validate({}))
    missing: list[str] = Field(default_factory=list, description="Missing-value markers.")
    timestamps: Timestamps = Field(default_factory=lambda: Timestamps.model_validate({}))
    group: Grouping | None = None
    fields: dict[str, FieldMap]
    first_response: FirstResponse | None = None
    pauses: PauseStates | None = None
    status_history: bool = False

    @model_validator(mode="after")
    def _needs_group(self) -> Mapping:
        for key in ("first_response", "pauses"):
            if getattr(self, key) is not None and self.group is None:
                raise ValueError(f"`{key}` needs `group` (it reads the status sequence)")
        if self.status_history and self.group is None:
            raise ValueError("`status_history` needs `group`")
        if "id" not in self.fields:
            raise ValueError("`fields` must map `id`")
        for name, fm in self.fields.items():
            if fm.from_status is not None and self.group is None:
                raise ValueError(
                    f"`fields.{name}.from_status` needs `group` (it reads the status sequence)"
                )
        return self


class MappingError(Exception):
    """A mapping that cannot be used; the message has the file and the location."""


def shipped_mappings() -> list[str]:
    folder = resources.files("rules_engine.data") / "mappings"
    return sorted(p.name[: -len(".yaml")] for p in folder.iterdir() if p.name.endswith(".yaml"))


def load_mapping(name_or_path: str) -> tuple[Mapping, str]:
    """The mapping and the file it came from: a shipped name or a path."""
    path = Path(name_or_path)
    if path.suffix.lower() in (".yaml", ".yml") or path.exists():
        if not path.is_file():
            raise MappingError(f"{name_or_path}: no such mapping file")
        text = path.read_text(encoding="utf-8")
        origin = str(path)
    else:
        resource = resources.files("rules_engine.data") / "mappings" / f"{name_or_path}.yaml"
        if not resource.is_file():
            known = ", ".join(shipped_mappings())
            raise MappingError(
                f"{name_or_path}: no shipped mapping of that name; help: use one of {known} or a path to a .yaml file"
            )
        text = resource.read_text(encoding="utf-8")
        origin = f"rules_engine/data/mappings/{name_or_path}.yaml"
    return parse_mapping(text, origin), origin


def parse_mapping(text: str, origin: str) -> Mapping:
    try:
        document = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f":{mark.line + 1}:{mark.column + 1}" if mark else ""
        raise MappingError(
            f"{origin}{where}: not valid YAML: {getattr(exc, 'problem', exc)}"
        ) from None
    if not isinstance(document, dict):
        raise MappingError(f"{origin}: a mapping file is a YAML object with `name` and `fields`")
    try:
        return Mapping.model_validate(document)
    except ValidationError as exc:
        lines = []
        for error in exc.errors():
            where = ".".join(str(p) for p in error["loc"]) or "(top)"
            line = _line_of(text, error["loc"])
            at = f":{line}" if line else ""
            message = error["msg"]
            if error["type"] == "extra_forbidden":
                message = f"unknown key `{error['loc'][-1]}`"
            lines.append(f"{origin}{at}: `{where}`: {message}")
        raise MappingError("\n".join(lines)) from None


def _line_of(text: str, loc: tuple[int | str, ...]) -> int | None:
    """The line of the last key of ``loc`` in the YAML text (best effort, for messages)."""
    keys = [k for k in loc if isinstance(k, str)]
    if not keys:
        return None
    start = 0
    lines = text.splitlines()
    found: int | None = None
    for key in keys:
        for number in range(start, len(lines)):
            stripped = lines[number].lstrip().lstrip("- ").strip()
            if stripped.startswith((f"{key}:", f'"{key}":', f"'{key}':")):
                found = number + 1
                start = number + 1
                break
        else:
            return found
    return found
