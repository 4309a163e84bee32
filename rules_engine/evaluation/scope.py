"""Scope expressions (``where priority = P1 and status not in [...]``) as Polars expressions.

Logic is two-valued: a comparison with a missing value is false, so ``status = "x"`` drops
a record without a status and ``status not in ["cancelled"]`` keeps it (``not`` negates
the two-valued result). Numbers are compared as decimals, never as binary floats; a date
compared with a timestamp means the end of that local day in the policy's zone.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction
from zoneinfo import ZoneInfo

import polars as pl

from rules_engine.language import model
from rules_engine.language.policy_text import expr_text, number_text

DECIMAL = pl.Decimal(38, 9)


@dataclass(frozen=True)
class ScopeContext:
    """What a scope needs besides the columns: the policy zone, the as-of instant and the
    dataset's stop event (for ``open``)."""

    timezone: str
    as_of: dt.datetime
    stop_field: str | None
    schema: pl.Schema


def _end_of_day(day: dt.date, zone: str) -> dt.datetime:
    nxt = day + dt.timedelta(days=1)
    return dt.datetime(nxt.year, nxt.month, nxt.day, tzinfo=ZoneInfo(zone)).astimezone(dt.UTC)


def day_start(dates: pl.Expr, zone: str) -> pl.Expr:
    """The first instant (UTC) of each local date in ``zone``: its midnight, or where a
    DST change skips midnight (Cairo, Santiago, Beirut, Havana), the instant the day
    starts, which is midnight at the offset in force the day before. Never null for a
    date."""
    midnight = dates.cast(pl.Datetime("us")).dt.replace_time_zone(
        zone, ambiguous="earliest", non_existent="null"
    )
    before = (
        (dates.cast(pl.Datetime("us")) - pl.duration(days=1))
        .dt.replace_time_zone(zone, ambiguous="earliest", non_existent="null")
        .dt.convert_time_zone("UTC")
    )
    return pl.coalesce(midnight.dt.convert_time_zone("UTC"), before + pl.duration(days=1))


def _is_timestamp(dtype: pl.DataType | None) -> bool:
    return isinstance(dtype, pl.Datetime)


def _literal(lit: model.Literal_, other: pl.DataType | None, ctx: ScopeContext) -> pl.Expr:
    value = lit.value
    if lit.kind == "duration" and isinstance(value, int):
        return pl.lit(dt.timedelta(seconds=value), dtype=pl.Duration("us"))
    if isinstance(value, dt.datetime):
        return pl.lit(value.astimezone(dt.UTC), dtype=pl.Datetime("us", "UTC"))
    if isinstance(value, dt.date):
        if _is_timestamp(other):
            return pl.lit(_end_of_day(value, ctx.timezone), dtype=pl.Datetime("us", "UTC"))
        return pl.lit(value, dtype=pl.Date)
    if isinstance(value, bool) or value is None or isinstance(value, str):
        return pl.lit(value)
    if isinstance(value, Fraction | int | Decimal):
        text = number_text(Fraction(value))
        return pl.lit(Decimal(text)).cast(DECIMAL)
    return pl.lit(value)


def _column(field: model.FieldRef, other: pl.DataType | None, ctx: ScopeContext) -> pl.Expr:
    dtype = ctx.schema.get(field.name)
    col = pl.col(field.name)
    if dtype is not None and dtype.is_float():
        return col.cast(DECIMAL)
    if dtype == pl.Date and _is_timestamp(other):
        return day_start(col + pl.duration(days=1), ctx.timezone)
    return col


def _operand(op: model.Operand, other: model.Operand, ctx: ScopeContext) -> pl.Expr:
    other_type = ctx.schema.get(other.name) if isinstance(other, model.FieldRef) else None
    if isinstance(op, model.FieldRef):
        return _column(op, other_type, ctx)
    return _literal(op, other_type, ctx)


def compile_scope(expr: model.Expr | None, ctx: ScopeContext) -> pl.Expr:
    """A boolean Polars expression, never null."""
    if expr is None:
        return pl.lit(True)
    return _compile(expr, ctx).fill_null(False)


def _compile(expr: model.Expr, ctx: ScopeContext) -> pl.Expr:
    if isinstance(expr, model.Compare):
        left = _operand(expr.left, expr.right, ctx)
        right = _operand(expr.right, expr.left, ctx)
        match expr.op:
            case "=":
                out = left == right
            case "!=":
                return ~((left == right).fill_null(False))
            case "<":
                out = left < right
            case "<=":
                out = left <= right
            case ">":
                out = left > right
            case ">=":
                out = left >= right
        return out.fill_null(False)
    if isinstance(expr, model.InList):
        left = _operand(expr.left, expr.left, ctx)
        values = [v.value for v in expr.values]
        member = left.is_in(values).fill_null(False)
        return ~member if expr.negated else member
    if isinstance(expr, model.IsSet):
        present = pl.col(expr.field.name).is_not_null()
        return ~present if expr.negated else present
    if isinstance(expr, model.IsOpen):
        if ctx.stop_field is None:
            return pl.lit(False)
        stop = pl.col(ctx.stop_field)
        as_of = pl.lit(ctx.as_of.astimezone(dt.UTC), dtype=pl.Datetime("us", "UTC"))
        return stop.is_null() | (stop > as_of)
    if isinstance(expr, model.Truthy):
        return pl.col(expr.field.name).fill_null(False).cast(pl.Boolean)
    if isinstance(expr, model.Not):
        return ~(_compile(expr.operand, ctx).fill_null(False))
    if isinstance(expr, model.And | model.Or):
        # one n-ary node over distinct operands: a chain of binary `&`/`|` nests as deep
        # as the scope is long, and Polars' optimizer took minutes over 2,000 terms
        parts = [_compile(operand, ctx).fill_null(False) for operand in _flat_operands(expr)]
        if len(parts) == 1:
            return parts[0]
        if isinstance(expr, model.And):
            return pl.all_horizontal(parts)
        return pl.any_horizontal(parts)
    raise TypeError(f"unknown scope expression {expr!r}")  # pragma: no cover


def _flat_operands(expr: model.And | model.Or) -> list[model.Expr]:
    """The operands of ``expr`` with nested nodes of the same kind spliced in and
    repeats dropped (``a or (b or a)`` is ``a or b``), in first-seen order."""
    kind = type(expr)
    out: dict[model.Expr, None] = {}
    stack = list(reversed(expr.operands))
    while stack:
        operand = stack.pop()
        if type(operand) is kind:
            stack.extend(reversed(operand.operands))  # type: ignore[union-attr]
        else:
            out.setdefault(operand, None)
    return list(out)


def field_names(expr: model.Expr | None) -> set[str]:
    """Every column an expression reads."""
    if expr is None:
        return set()
    if isinstance(expr, model.Compare):
        return {o.name for o in (expr.left, expr.right) if isinstance(o, model.FieldRef)}
    if isinstance(expr, model.InList):
        return {expr.left.name} if isinstance(expr.left, model.FieldRef) else set()
    if isinstance(expr, model.IsSet | model.Truthy):
        return {expr.field.name}
    if isinstance(expr, model.Not):
        return field_names(expr.operand)
    if isinstance(expr, model.And | model.Or):
        out: set[str] = set()
        for operand in expr.operands:
            out |= field_names(operand)
        return out
    return set()


# --------------------------------------------------------------------------- as text


def scope_text(expr: model.Expr | None) -> str:
    """The scope as the policy language writes it (for explanations)."""
    return "" if expr is None else expr_text(expr)
