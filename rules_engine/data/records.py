"""The one set of rules a record must follow, whatever format it came in.

JSON, JSON Lines and YAML records are checked here, by :func:`record_problems`, before
any value reaches a table: a key given twice, a value whose JSON type does not fit its
field (an array where a string belongs, a number where an id belongs), a near-miss of a
known field name (``resolvedAt``), an unknown key inside a list item, nesting deeper
than :data:`MAX_DEPTH`. The rules look at keys, structure and JSON types only, never at
the text of a string or the digits of a number: that is what lets the JSON Lines reader
check one skeleton per distinct line shape instead of every line (see
``formats._read_jsonl``) and still give exactly the answer a per-line check gives.

Numbers are kept as the text they were written in (:class:`Number`), never through
float; typing them is the coercion step's job.
"""

from __future__ import annotations

import difflib
import json
import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import polars as pl

from rules_engine.data.dtypes import DatasetSpec
from rules_engine.data.issues import IssueLog

ROW = "__row__"

MAX_DEPTH = 32
"""Deepest nesting a record may have (a ticket's pauses need 3 levels)."""


class Number(str):
    """A JSON number as written (``0012``, ``4.1999999996``, 400 digits): exact text."""

    __slots__ = ()


class Constant(str):
    """``NaN``, ``Infinity`` or ``-Infinity``: accepted by Python's json, not JSON."""

    __slots__ = ()


class Object(dict[str, Any]):
    """A JSON or YAML object that remembers the keys written more than once (with the
    line, where the parser knows it)."""

    __slots__ = ("duplicates",)

    def __init__(self) -> None:
        super().__init__()
        self.duplicates: list[tuple[str, int | None]] = []


def _pairs(pairs: list[tuple[str, Any]]) -> Object:
    obj = Object()
    for key, value in pairs:
        if key in obj:
            obj.duplicates.append((key, None))
        obj[key] = value
    return obj


DECODER = json.JSONDecoder(
    object_pairs_hook=_pairs, parse_float=Number, parse_int=Number, parse_constant=Constant
)
"""Python's json with the rules' hooks: exact numbers, duplicates kept for the check."""


@dataclass(frozen=True)
class Problem:
    """One broken rule in one record; ``field`` is the top-level key it concerns."""

    message: str
    field: str | None = None
    value: object = None
    hint: str | None = None


def near_miss(key: str, known: Iterable[str]) -> str | None:
    """The known name ``key`` differs from only in case, ``_``/``-``/spaces or
    camelCase (``Resolved_At``, ``resolvedAt``, ``resolved-at``), else None."""
    folded = _fold(key)
    for name in known:
        if name != key and _fold(name) == folded:
            return name
    return None


def _fold(name: str) -> str:
    return re.sub(r"[\s_\-]", "", name).lower()


_JSON_TYPE = {dict: "an object", list: "an array", bool: "true/false"}


def json_type(value: object) -> str:
    if isinstance(value, Number | Constant):
        return "a number"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, bool):
        return "true/false"
    if isinstance(value, dict):
        return "an object"
    if isinstance(value, list):
        return "an array"
    return type(value).__name__


def shown(value: object) -> str:
    """A value as written, for messages: JSON text, numbers exactly as in the file."""
    if isinstance(value, Number | Constant):
        return str(value)
    try:
        return json.dumps(value, ensure_ascii=False)
    except (TypeError, ValueError, RecursionError):
        return repr(value)


_SCALAR_WANTED = {
    "string": "a string",
    "timestamp": "a timestamp written as a string",
    "date": "a date written as a string",
    "duration": "a duration written as a string",
    "number": "a number",
    "boolean": "true or false",
}


def scalar_fits(kind: str, value: object, typed: bool) -> bool:
    """Whether ``value`` may stand in a ``kind`` field. ``typed``: JSON, where a value's
    type must fit; otherwise (YAML, where every scalar is text) any text fits a scalar."""
    if value is None:
        return True
    if isinstance(value, Constant):
        return False
    if not typed:
        return isinstance(value, str)
    if kind == "number":
        return isinstance(value, Number)
    if kind == "boolean":
        return isinstance(value, bool)
    return isinstance(value, str) and not isinstance(value, Number)


def depth(value: object, limit: int = MAX_DEPTH) -> int:
    """Nesting depth of a value (a scalar is 0), counting at most ``limit + 1``."""
    if isinstance(value, dict):
        children: Iterable[object] = value.values()
    elif isinstance(value, list):
        children = value
    else:
        return 0
    if limit <= 0:
        return 1
    return 1 + max((depth(c, limit - 1) for c in children), default=0)


def record_problems(record: object, spec: DatasetSpec, *, typed: bool = True) -> list[Problem]:
    """Every rule ``record`` breaks. Looks only at keys, structure and JSON types."""
    if not isinstance(record, dict):
        return [
            Problem(
                f"record is not an object (it is {json_type(record)})",
                value=shown(record),
                hint="each record is a JSON object of field: value",
            )
        ]
    if depth(record) > MAX_DEPTH:
        return [
            Problem(
                f"record is nested more than {MAX_DEPTH} levels deep",
                hint="data records are flat, with lists of flat objects for pauses and history",
            )
        ]
    problems = _duplicates(record, None)
    known = [c.name for c in spec.columns]
    for key, value in record.items():
        column = spec.column(key)
        if column is None:
            if _has_constant(value):
                problems.append(
                    Problem(
                        "value holds NaN or Infinity, which are not JSON",
                        key,
                        shown(value),
                        "write null, or a number",
                    )
                )
            name = near_miss(key, known)
            if name is not None:
                problems.append(
                    Problem(
                        f"unknown field `{key}`",
                        key,
                        hint=f"did you mean `{name}`? names are matched exactly",
                    )
                )
            continue
        if isinstance(column.dtype, pl.List):
            problems.extend(_item_problems(key, value, column.dtype, typed))
        elif not scalar_fits(column.kind, value, typed):
            problems.append(
                Problem(
                    f"expected {_SCALAR_WANTED[column.kind]}",
                    key,
                    shown(value),
                    _type_hint(column.kind, value),
                )
            )
    return problems


def _has_constant(value: object) -> bool:
    if isinstance(value, Constant):
        return True
    if isinstance(value, dict):
        return any(_has_constant(v) for v in value.values())
    if isinstance(value, list):
        return any(_has_constant(v) for v in value)
    return False


def _type_hint(kind: str, value: object) -> str | None:
    if isinstance(value, Constant):
        return "NaN and Infinity are not JSON numbers"
    if kind in ("number", "boolean"):
        return None
    if isinstance(value, Number):
        return f'quote it: `"{value}"`'
    if isinstance(value, list | dict):
        return "this field holds one value"
    return None


def _duplicates(value: object, field: str | None) -> list[Problem]:
    out: list[Problem] = []
    if isinstance(value, Object):
        for key, line in value.duplicates:
            where = f" (line {line})" if line is not None else ""
            out.append(
                Problem(
                    f"key `{key}` is given more than once{where}",
                    field if field is not None else key,
                    hint="keep one; readers disagree on which one counts",
                )
            )
    if isinstance(value, dict):
        for key, child in value.items():
            out.extend(_duplicates(child, field if field is not None else key))
    elif isinstance(value, list):
        for child in value:
            out.extend(_duplicates(child, field))
    return out


def _item_problems(field: str, value: object, dtype: pl.List, typed: bool) -> list[Problem]:
    inner = dtype.inner
    assert isinstance(inner, pl.Struct)
    names = [f.name for f in inner.fields]
    if value is None:
        return []
    if not isinstance(value, list):
        return [
            Problem(
                f"expected an array of {{{', '.join(names)}}} objects, got {json_type(value)}",
                field,
                shown(value),
            )
        ]
    for position, item in enumerate(value, start=1):
        if not isinstance(item, dict):
            return [
                Problem(
                    f"item {position} is {json_type(item)}, not an object with {', '.join(names)}",
                    field,
                    shown(item),
                )
            ]
        for key, raw in item.items():
            if key not in names:
                guess = near_miss(key, names) or next(
                    iter(difflib.get_close_matches(key, names, n=1, cutoff=0.6)), None
                )
                keys = f"the keys are {', '.join(names)}"
                return [
                    Problem(
                        f"unknown key `{key}` in an item of `{field}`",
                        f"{field}[{position - 1}].{key}",
                        shown(item),
                        f"did you mean `{guess}`? {keys}" if guess else keys,
                    )
                ]
            kind = _kind(next(f.dtype for f in inner.fields if f.name == key))
            if not scalar_fits(kind, raw, typed):
                return [
                    Problem(
                        f"item {position}: `{key}` must be {_SCALAR_WANTED[kind]}, got {json_type(raw)}",
                        field,
                        shown(raw),
                    )
                ]
    return []


def _kind(dtype: object) -> str:
    if isinstance(dtype, pl.Datetime):
        return "timestamp"
    if isinstance(dtype, pl.Boolean):
        return "boolean"
    if isinstance(dtype, pl.Float64):
        return "number"
    if isinstance(dtype, pl.Date):
        return "date"
    if isinstance(dtype, pl.Duration):
        return "duration"
    return "string"


def report(log: IssueLog, file: str, row: int, problems: list[Problem]) -> None:
    for problem in problems:
        log.error(
            file,
            problem.message,
            row=row,
            field=problem.field,
            shown=None if problem.value is None else _clip(str(problem.value)),
            hint=problem.hint,
        )


def _clip(text: str, width: int = 60) -> str:
    return text if len(text) <= width else text[: width - 3] + "..."


# ----------------------------------------------------------------------------- tables


def _text(value: object) -> str | None:
    """A scalar that passed the rules, as the text the coercion step reads."""
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def records_frame(
    records: Iterable[tuple[int, Any]],
    spec: DatasetSpec,
    file: str,
    log: IssueLog,
    *,
    typed: bool = True,
) -> pl.DataFrame:
    """A raw table (text columns, lists of text structs, ``__row__``) from Python records
    of a JSON or YAML document; each record breaking a rule is reported and left out."""
    list_columns = {c.name: c.dtype for c in spec.columns if isinstance(c.dtype, pl.List)}
    columns: dict[str, list[Any]] = {c.name: [] for c in spec.columns}
    extra: dict[str, list[Any]] = {}
    rows: list[int] = []
    for number, record in records:
        problems = record_problems(record, spec, typed=typed)
        if problems:
            report(log, file, number, problems)
            continue
        assert isinstance(record, dict)
        index = len(rows)
        rows.append(number)
        for key, value in record.items():
            if key in columns:
                if key in list_columns:
                    columns[key].append(
                        None
                        if value is None
                        else [{k: _text(v) for k, v in item.items()} for item in value]
                    )
                else:
                    columns[key].append(_text(value))
                continue
            column = extra.setdefault(key, [None] * index)
            column.extend([None] * (index - len(column)))
            column.append(
                value
                if value is None or isinstance(value, str)
                else json.dumps(value, ensure_ascii=False)
            )
        for column_values in columns.values():
            if len(column_values) == index:
                column_values.append(None)
    for column_values in extra.values():
        column_values.extend([None] * (len(rows) - len(column_values)))
    schema: dict[str, pl.DataType] = {}
    for c in spec.columns:
        if isinstance(c.dtype, pl.List):
            inner = c.dtype.inner
            assert isinstance(inner, pl.Struct)
            schema[c.name] = pl.List(pl.Struct({f.name: pl.String() for f in inner.fields}))
        else:
            schema[c.name] = pl.String()
    return pl.DataFrame(
        {**columns, **extra, ROW: rows},
        schema={**schema, **dict.fromkeys(extra, pl.String()), ROW: pl.Int64()},
    )
