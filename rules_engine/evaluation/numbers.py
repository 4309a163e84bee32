"""Exact numbers as the JSON document shows them.

Seconds are integers when whole, otherwise decimal strings with 3 places; percentages
are rounded half-even to 6 decimals; fractions are shown reduced (``22/5``).
"""

from __future__ import annotations

from decimal import ROUND_HALF_EVEN, Decimal, localcontext
from fractions import Fraction

import polars as pl

US_PER_S = 1_000_000

Seconds = int | str
"""A JSON number of seconds: an ``int`` when whole, else a string with 3 decimals."""


def _fraction_to_decimal(value: Fraction, places: int) -> Decimal:
    with localcontext() as ctx:
        ctx.prec = 60
        exact = Decimal(value.numerator) / Decimal(value.denominator)
        return exact.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_EVEN)


def seconds(value: Fraction | int) -> Seconds:
    """Seconds for the document: ``1200`` or ``"2678.400"``."""
    frac = Fraction(value)
    if frac.denominator == 1:
        return int(frac)
    return str(_fraction_to_decimal(frac, 3))


def us_to_seconds(us: int) -> Seconds:
    """Microseconds to document seconds."""
    return seconds(Fraction(us, US_PER_S))


def fixed(value: Fraction, places: int = 6) -> str:
    """``value`` rounded half-even to ``places`` decimals, never ``-0.000000``."""
    scaled = round(value * 10**places)  # Fraction.__round__ is exact and half-even
    sign = "-" if scaled < 0 else ""
    whole, frac = divmod(abs(scaled), 10**places)
    return f"{sign}{whole}.{frac:0{places}d}" if places else f"{sign}{whole}"


def percent(value: Fraction) -> str:
    """A fraction of 1 shown as a percentage with 6 decimals: ``Fraction(19, 20)`` -> ``95.000000``."""
    return fixed(value * 100)


BD_US = 86_400 * US_PER_S
"""One business day on the scale business-day measurements use (``model.BD_SECONDS``)."""


def business_days(units: Fraction | int) -> str:
    """A value on the business-day scale (``BD_US`` per day) as business days with 6
    decimals: ``2.500000``."""
    return fixed(Fraction(units) / BD_US)


def exact(value: Fraction) -> str:
    """A reduced fraction: ``22/5``, ``1``."""
    return str(value)


def _seconds_parts(us: pl.Expr) -> tuple[pl.Expr, pl.Expr]:
    """Whole seconds (null unless whole) and the 3-place text, half-even, of µs values."""
    magnitude = us.abs()
    ms = magnitude // 1000
    rest = magnitude % 1000
    rounded = ms + ((rest > 500) | ((rest == 500) & (ms % 2 == 1))).cast(pl.Int64)
    sign = pl.when(us < 0).then(pl.lit("-")).otherwise(pl.lit(""))
    text = pl.concat_str(
        sign,
        (rounded // 1000).cast(pl.String),
        pl.lit("."),
        (rounded % 1000).cast(pl.String).str.zfill(3),
    )
    whole = pl.when(us % US_PER_S == 0).then(us // US_PER_S)
    return whole, text


def seconds_json(us: pl.Expr) -> pl.Expr:
    """The JSON text of :func:`us_to_seconds` per value: ``1200``, ``"2678.400"``, ``null``."""
    whole, text = _seconds_parts(us)
    return (
        pl.when(us.is_null())
        .then(pl.lit("null"))
        .when(whole.is_not_null())
        .then(whole.cast(pl.String))
        .otherwise(pl.concat_str(pl.lit('"'), text, pl.lit('"')))
    )


SMALL = 64
"""Up to this many values, a column is converted value by value in Python: a Polars
query costs about a millisecond whatever its size, and a portfolio's contracts list
hundreds of short record lists."""


def seconds_list(us: pl.Series) -> list[Seconds | None]:
    """:func:`us_to_seconds` over a whole column (nulls stay None), without a Fraction per
    value: whole seconds as ints, the rest rounded half-even to milliseconds as text."""
    if len(us) <= SMALL:
        return [None if v is None else us_to_seconds(v) for v in us.cast(pl.Int64).to_list()]
    return seconds_list_columnar(us)


def seconds_list_columnar(us: pl.Series) -> list[Seconds | None]:
    """:func:`seconds_list` computed by Polars, for long columns."""
    frame = pl.DataFrame({"us": us.cast(pl.Int64)})
    whole, text = _seconds_parts(pl.col("us"))
    out = frame.select(whole.alias("whole"), text.alias("text"))
    return [
        w if w is not None else t
        for w, t in zip(out["whole"].to_list(), out["text"].to_list(), strict=True)
    ]
