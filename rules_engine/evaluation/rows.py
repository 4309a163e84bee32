"""Record lists kept in columns until someone needs them as Python objects.

A million-ticket run lists hundreds of thousands of breached records. :class:`RowTable`
holds one list (breached records, pending records, or per-record detail of one target
in one period) as a Polars frame: :meth:`to_python` gives the dicts the document
promises, and :meth:`json_items` gives each item's JSON text straight from Polars, which
the JSON renderer writes without building a dict per record. Both spell every value the
same way (a test holds them byte-identical).
"""

from __future__ import annotations

from typing import Any, Literal

import polars as pl

from rules_engine.evaluation import numbers as num

RowKind = Literal["breached", "pending", "detail"]

_NEEDS_ESCAPE = r'["\\\x00-\x1f\x7f]'


def _string(expr: pl.Expr) -> pl.Expr:
    return pl.concat_str(pl.lit('"'), expr, pl.lit('"'))


def _boolean(expr: pl.Expr) -> pl.Expr:
    return pl.when(expr).then(pl.lit("true")).otherwise(pl.lit("false"))


class RowTable:
    """One record list of one target in one period, sorted by id."""

    __slots__ = ("business_days", "frame", "kind", "limit_bd", "limit_s")

    def __init__(
        self,
        frame: pl.DataFrame,
        kind: RowKind,
        limit_s: num.Seconds | None,
        limit_bd: str | None = None,
    ) -> None:
        """``limit_bd`` (business days, as :func:`numbers.business_days` writes them) is
        set for a target limited in business days: its measured values are business days
        on the ``BD_US`` scale, shown as ``measured_bd``/``elapsed_bd`` (the ``_s`` keys
        are null, since they are no time)."""
        self.frame = frame
        self.kind = kind
        self.limit_s = limit_s
        self.limit_bd = limit_bd
        self.business_days = limit_bd is not None

    def __len__(self) -> int:
        return self.frame.height

    def to_python(self) -> list[dict[str, Any]] | dict[str, dict[str, Any]]:
        if self.business_days:
            return self._business_days()
        f = self.frame
        ids = f["id"].to_list()
        if self.kind == "breached":
            return [
                {"id": i, "measured_s": m, "limit_s": self.limit_s, "open": o}
                for i, m, o in zip(
                    ids, num.seconds_list(f["measured_us"]), f["open"].to_list(), strict=True
                )
            ]
        if self.kind == "pending":
            return [
                {"id": i, "elapsed_s": m, "limit_s": self.limit_s}
                for i, m in zip(ids, num.seconds_list(f["measured_us"]), strict=True)
            ]
        return {
            i: {
                "status": s,
                "measured_s": m,
                "gross_s": g,
                "paused_s": p,
                "wall_s": w,
                "clock": c,
                "open": o,
            }
            for i, s, m, g, p, w, c, o in zip(
                ids,
                f["status"].to_list(),
                num.seconds_list(f["measured_us"]),
                num.seconds_list(f["gross_us"]),
                num.seconds_list(f["paused_us"]),
                num.seconds_list(f["wall_us"]),
                f["clock"].to_list(),
                f["open"].to_list(),
                strict=True,
            )
        }

    def _business_days(self) -> list[dict[str, Any]] | dict[str, dict[str, Any]]:
        f = self.frame
        ids = f["id"].to_list()
        days = [None if v is None else num.business_days(v) for v in f["measured_us"].to_list()]
        if self.kind == "breached":
            return [
                {
                    "id": i,
                    "measured_s": None,
                    "limit_s": None,
                    "open": o,
                    "measured_bd": d,
                    "limit_bd": self.limit_bd,
                }
                for i, d, o in zip(ids, days, f["open"].to_list(), strict=True)
            ]
        if self.kind == "pending":
            return [
                {
                    "id": i,
                    "elapsed_s": None,
                    "limit_s": None,
                    "elapsed_bd": d,
                    "limit_bd": self.limit_bd,
                }
                for i, d in zip(ids, days, strict=True)
            ]
        paused = [None if v is None else num.business_days(v) for v in f["paused_us"].to_list()]
        return {
            i: {
                "status": s,
                "measured_s": None,
                "gross_s": None,
                "paused_s": None,
                "wall_s": w,
                "clock": c,
                "open": o,
                "measured_bd": d,
                "paused_bd": p,
            }
            for i, s, d, p, w, c, o in zip(
                ids,
                f["status"].to_list(),
                days,
                paused,
                num.seconds_list(f["wall_us"]),
                f["clock"].to_list(),
                f["open"].to_list(),
                strict=True,
            )
        }

    def json_items(self) -> list[str] | None:
        """Each item as JSON text (``"ID": {...}`` for detail); None when an id or clock
        name needs escaping, or the values are business days, so the caller encodes the
        Python objects instead."""
        if self.business_days:
            return None
        f = self.frame
        text_columns = ["id", "clock"] if self.kind == "detail" else ["id"]
        unsafe = pl.any_horizontal(
            (pl.col(c).str.contains(_NEEDS_ESCAPE) | pl.col(c).is_null()).any()
            for c in text_columns
        )
        if f.height and f.select(unsafe).item():
            return None
        limit = (
            "null"
            if self.limit_s is None
            else (str(self.limit_s) if isinstance(self.limit_s, int) else f'"{self.limit_s}"')
        )
        rid = _string(pl.col("id"))
        if self.kind == "breached":
            line = pl.concat_str(
                pl.lit('{"id": '),
                rid,
                pl.lit(', "measured_s": '),
                num.seconds_json(pl.col("measured_us")),
                pl.lit(f', "limit_s": {limit}, "open": '),
                _boolean(pl.col("open")),
                pl.lit("}"),
            )
        elif self.kind == "pending":
            line = pl.concat_str(
                pl.lit('{"id": '),
                rid,
                pl.lit(', "elapsed_s": '),
                num.seconds_json(pl.col("measured_us")),
                pl.lit(f', "limit_s": {limit}}}'),
            )
        else:
            line = pl.concat_str(
                rid,
                pl.lit(': {"status": '),
                _string(pl.col("status")),
                pl.lit(', "measured_s": '),
                num.seconds_json(pl.col("measured_us")),
                pl.lit(', "gross_s": '),
                num.seconds_json(pl.col("gross_us")),
                pl.lit(', "paused_s": '),
                num.seconds_json(pl.col("paused_us")),
                pl.lit(', "wall_s": '),
                num.seconds_json(pl.col("wall_us")),
                pl.lit(', "clock": '),
                _string(pl.col("clock")),
                pl.lit(', "open": '),
                _boolean(pl.col("open")),
                pl.lit("}"),
            )
        items: list[str] = f.select(line.alias("line"))["line"].to_list()
        return items


def materialize(value: Any) -> Any:
    """A copy of a document skeleton with every :class:`RowTable` turned into Python."""
    if isinstance(value, RowTable):
        return value.to_python()
    if isinstance(value, dict):
        return {k: materialize(v) for k, v in value.items()}
    if isinstance(value, list):
        return [materialize(v) for v in value]
    return value
