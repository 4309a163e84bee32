"""Columnar types of the normalized datasets, derived from the pydantic schema.

One mapping (:func:`field_dtype`) turns a schema field into a Polars dtype, so the JSON
Schema and the tables the evaluator reads cannot drift apart. A policy's ``dataset``
declarations extend a built-in dataset or add a new one (:func:`dataset_columns`).
"""

from __future__ import annotations

import types
import typing
from dataclasses import dataclass

import polars as pl
from pydantic import BaseModel
from pydantic.fields import FieldInfo
from pydantic_core import PydanticUndefined

from rules_engine.data.schema import (
    DATASET_MODELS,
    DEFAULT_ANCHORS,
    ENUM_VALUES,
    FieldType,
    dataset_fields,
    field_type,
    required_fields,
)
from rules_engine.language.model import CheckedPolicy

TIMESTAMP = pl.Datetime("us", "UTC")
DURATION = pl.Duration("us")
NUMBER_SCALE = 18
NUMBER = pl.Decimal(38, NUMBER_SCALE)
"""Numbers are exact decimals: up to 20 digits before the point and 18 after (38 in
all, Polars' widest decimal). Nothing passes through a binary float."""
READ_NUMBER = pl.Float64()
"""What the JSON readers ask for a number column today (they hand over binary floats,
see :func:`rules_engine.data.coerce.to_number`); the table holds :data:`NUMBER`."""

SCALAR_DTYPES: dict[str, pl.DataType] = {
    "string": pl.String(),
    "number": READ_NUMBER,
    "boolean": pl.Boolean(),
    "date": pl.Date(),
    "timestamp": TIMESTAMP,
    "duration": DURATION,
}


def _unwrap(annotation: object) -> object:
    if typing.get_origin(annotation) in (typing.Union, types.UnionType):
        inner = [a for a in typing.get_args(annotation) if a is not type(None)]
        return inner[0]
    return annotation


def nested_model(annotation: object) -> type[BaseModel] | None:
    """The record model of a ``list[Model]`` field (pauses, status history), else None."""
    annotation = _unwrap(annotation)
    if typing.get_origin(annotation) is list:
        (item,) = typing.get_args(annotation)
        if isinstance(item, type) and issubclass(item, BaseModel):
            return item
    return None


def field_dtype(annotation: object) -> pl.DataType:
    """The Polars dtype of a schema field: scalars by kind, ``list[Model]`` as a list of
    structs whose fields follow the nested model."""
    item = nested_model(annotation)
    if item is not None:
        return pl.List(
            pl.Struct(
                {
                    name: SCALAR_DTYPES[field_type(info.annotation)]
                    for name, info in item.model_fields.items()
                }
            )
        )
    return SCALAR_DTYPES[field_type(annotation)]


@dataclass(frozen=True)
class Column:
    """One column of a dataset as the loader sees it."""

    name: str
    kind: FieldType
    dtype: pl.DataType
    required: bool
    enum: tuple[str, ...] | None = None
    declared: bool = False  # added by the policy
    default: object = None
    """The schema's default for a missing value (outages.planned: false), else None."""
    item_defaults: tuple[tuple[str, object], ...] = ()
    """The same for the fields of list items (a pause's reason: customer)."""
    item_required: tuple[str, ...] = ()
    """The fields every list item must carry (a pause's start), from the item's model."""

    @property
    def table_dtype(self) -> pl.DataType:
        """The dtype of the loaded column (``dtype`` is what the readers ask for)."""
        return NUMBER if self.kind == "number" else self.dtype


@dataclass(frozen=True)
class DatasetSpec:
    """The columns of one dataset, in table order, with its anchor field."""

    name: str
    columns: tuple[Column, ...]
    anchor: str | None
    builtin: bool

    @property
    def schema(self) -> dict[str, pl.DataType]:
        return {c.name: c.table_dtype for c in self.columns}

    def column(self, name: str) -> Column | None:
        for c in self.columns:
            if c.name == name:
                return c
        return None


def _default(info: FieldInfo) -> object:
    default = info.default
    if default is PydanticUndefined or isinstance(default, list):
        return None
    return default


def dataset_spec(name: str, policy: CheckedPolicy | None = None) -> DatasetSpec | None:
    """The columns of dataset ``name``: built-in fields, then fields the policy declares.

    A policy-declared dataset has an implicit required string ``id``; its anchor field is
    required too, every other declared field is optional. None when nobody knows ``name``.
    """
    decl = policy.datasets.get(name) if policy is not None else None
    model = DATASET_MODELS.get(name)
    columns: list[Column] = []
    if model is not None:
        kinds = dataset_fields(name) or {}
        required = required_fields(name)
        for fname, info in model.model_fields.items():
            item = nested_model(info.annotation)
            columns.append(
                Column(
                    fname,
                    kinds[fname],
                    field_dtype(info.annotation),
                    fname in required,
                    ENUM_VALUES.get((name, fname)),
                    default=_default(info),
                    item_defaults=tuple(
                        (iname, _default(iinfo))
                        for iname, iinfo in (item.model_fields.items() if item else ())
                        if _default(iinfo) is not None
                    ),
                    item_required=tuple(
                        iname
                        for iname, iinfo in (item.model_fields.items() if item else ())
                        if iinfo.is_required()
                    ),
                )
            )
    elif decl is not None:
        columns.append(Column("id", "string", pl.String(), True, declared=True))
    else:
        return None
    anchor = decl.anchor if decl is not None and decl.anchor else DEFAULT_ANCHORS.get(name)
    if decl is not None:
        known = {c.name for c in columns}
        for fdecl in decl.fields:
            if fdecl.name in known:
                continue
            columns.append(
                Column(
                    fdecl.name,
                    fdecl.type,
                    SCALAR_DTYPES[fdecl.type],
                    required=model is None and fdecl.name == anchor,
                    declared=True,
                )
            )
    return DatasetSpec(name, tuple(columns), anchor, model is not None)


def dataset_dtypes(name: str, policy: CheckedPolicy | None = None) -> dict[str, pl.DataType]:
    """Column name -> Polars dtype of a loaded dataset (what the evaluator can rely on)."""
    spec = dataset_spec(name, policy)
    if spec is None:
        raise KeyError(name)
    return spec.schema
