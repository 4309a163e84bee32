"""What people read: durations on their clock, percentages, money and instants.

Every text a person reads (``eval``'s table, explanations and flip texts, hints, the
report, test failures, lint messages) shows numbers through this module, so a figure reads
the same wherever it appears. The JSON document keeps the exact values; these are for
reading, and say no more than the value needs:

- a **duration** in the unit its clock counts: on the wall clock, days from two of them
  up (``9d5h10m``); on a business clock, hours and never 24-hour days (``170h``: 170 open
  hours are about 21 working days, not 7); compact (``1h25m``, ``44m38.4s``);
- a **percentage** with two decimals, more only when two decimals would make the value
  look equal to the objective it is compared with (``94.996%`` against 95%, never
  ``95.00%``), six at most (DESIGN "Exactness");
- a **margin** in the objective's unit: percentage points, or a duration;
- **money** with thousands separators, the currency's minor units and its code;
- an **instant** in the contract's time zone, with its offset.

No stage is imported here, so every stage may use it.

>>> duration(5400)
'1h30m'
>>> duration(612000, clock="business")
'170h'
>>> duration(Fraction(134019, 50))
'44m40.38s'
>>> percent(Fraction(18999, 200), against=95)
'94.995%'
>>> money(Decimal("1850"), "EUR")
'1,850.00 EUR'
"""

from __future__ import annotations

import contextlib
import datetime as dt
from decimal import ROUND_HALF_EVEN, Decimal, InvalidOperation, localcontext
from fractions import Fraction
from typing import Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

ClockKind = Literal["wall", "business", "mixed"]
"""What a duration was counted on: the wall clock (24x7), a business calendar's open
time, or both (a target whose tiers have different coverage)."""

Number = Fraction | Decimal | int | str
"""A value as stages hold it: exact, or the document's text of an exact value."""

_MAX_PLACES = 6


def exact(value: Number | float | None) -> Fraction | None:
    """The exact value of a number or of its text (``"2678.400"``, ``"22/5"``); ``None``
    for what is not a number."""
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, Fraction):
        return value
    if isinstance(value, int | Decimal):
        return Fraction(value)
    if isinstance(value, float):
        return Fraction(str(value))
    try:
        return Fraction(str(value).strip())
    except (ValueError, ZeroDivisionError):
        return None


def _decimal(value: Fraction, places: int) -> Decimal:
    with localcontext() as ctx:
        ctx.prec = 80
        whole = Decimal(value.numerator) / Decimal(value.denominator)
        return whole.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_EVEN)


# --------------------------------------------------------------------------- durations


def duration(seconds: Number | None, clock: ClockKind = "wall") -> str:
    """A duration as people read it on its clock: ``1h25m``, ``44m38.4s``, ``9d5h``;
    business (and mixed) time in hours, never 24-hour days: ``170h``.

    >>> duration(0), duration(45), duration(97200), duration(1209600)
    ('0s', '45s', '27h', '14d')
    >>> duration(-2678.4), duration(97200, clock="business")
    ('-44m38.4s', '27h')
    """
    value = exact(seconds)
    if value is None:
        return "-"
    sign = "-" if value < 0 else ""
    value = abs(value)
    whole = int(value)
    fraction = value - whole
    # Days only on the wall clock and from two of them up: contracts write `27h` and
    # `40h`, a month's downtime of `9d5h` reads better than `221h`.
    with_days = clock == "wall" and whole >= 2 * 86400
    units = (("d", 86400),) if with_days else ()
    parts: list[str] = []
    for unit, size in (*units, ("h", 3600), ("m", 60)):
        if whole >= size:
            parts.append(f"{whole // size}{unit}")
            whole %= size
    if fraction:
        text = str(_decimal(whole + fraction, 3)).rstrip("0").rstrip(".")
        parts.append(f"{text}s")
    elif whole or not parts:
        parts.append(f"{whole}s")
    return sign + "".join(parts)


def business_days(days: Number | None) -> str:
    """Business days (a limit in ``bd``), exact to six decimals with trailing zeros
    dropped: ``3bd``, ``2.5bd``, ``1.333333bd``.

    >>> business_days("3.000000"), business_days("2.500000"), business_days(Fraction(4, 3))
    ('3bd', '2.5bd', '1.333333bd')
    """
    value = exact(days)
    if value is None:
        return "-"
    text = str(_decimal(value, _MAX_PLACES))
    return (text.rstrip("0").rstrip(".") if "." in text else text) + "bd"


def clock_words(clock: ClockKind) -> str:
    """How a duration's clock is named in a sentence: ``business hours``, ``24x7``."""
    return {"wall": "24x7", "business": "business hours", "mixed": "each tier's clock"}[clock]


# --------------------------------------------------------------------------- percentages


def places_needed(value: Fraction, against: Fraction | None, places: int = 2) -> int:
    """The fewest decimals (from ``places``, at most six) at which ``value`` does not look
    equal to ``against`` unless it is.

    >>> places_needed(Fraction(9499, 100), Fraction(95))
    2
    >>> places_needed(Fraction(94999, 1000), Fraction(95))
    3
    """
    if against is None or value == against:
        return places
    while places < _MAX_PLACES and _decimal(value, places) == _decimal(against, places):
        places += 1
    return places


def percent(value: Number | None, against: Number | None = None) -> str:
    """A percentage (``value`` in percent, 0..100) at the precision that tells it from
    ``against`` (the objective's percentage): two decimals unless more are needed.

    >>> percent(100), percent("99.955197"), percent(Fraction(19, 20) * 100, against=95)
    ('100.00%', '99.96%', '95.00%')
    >>> percent("99.899", against="99.9")
    '99.899%'
    """
    exact_value = exact(value)
    if exact_value is None:
        return "-"
    places = places_needed(exact_value, exact(against))
    return f"{_decimal(exact_value, places)}%"


def points(
    margin: Number | None, value: Number | None = None, against: Number | None = None
) -> str:
    """A margin in percentage points, as precise as the value beside it is shown.

    >>> points("5.000000"), points("-0.004", value="94.996", against=95)
    ('5.00 points', '-0.004 points')
    """
    exact_margin = exact(margin)
    if exact_margin is None:
        return "-"
    exact_value = exact(value)
    places = 2 if exact_value is None else places_needed(exact_value, exact(against))
    shown = _decimal(exact_margin, places)
    return f"{shown} point{'' if abs(shown) == 1 else 's'}"


def number(value: Number | None, places: int = 2) -> str:
    """A plain number (a mean score, a sum) with ``places`` decimals, half-even, and
    thousands separators: ``4.40``, ``12,345.50``.

    >>> number(Fraction(22, 5)), number(2100, 0)
    ('4.40', '2,100')
    """
    exact_value = exact(value)
    if exact_value is None:
        return "-"
    return f"{_decimal(exact_value, places):,}"


# --------------------------------------------------------------------------- money


def money(amount: Number | None, currency: str, minor_units: int = 2) -> str:
    """An amount with thousands separators, the currency's minor units and its code.

    >>> money(Decimal("-600"), "USD"), money(1200, "JPY", 0)
    ('-600.00 USD', '1,200 JPY')
    """
    exact_amount = exact(amount)
    if exact_amount is None:
        return "-"
    return f"{_decimal(exact_amount, minor_units):,} {currency}".strip()


def minor_units_of(amount_text: str | None, default: int = 2) -> int:
    """The minor units the document wrote an amount with (``"12000.00"`` -> 2, ``"1200"``
    -> 0): the document writes every amount at its currency's precision.

    >>> minor_units_of("12000.00"), minor_units_of("1200"), minor_units_of(None)
    (2, 0, 2)
    """
    if not isinstance(amount_text, str):
        return default
    try:
        exponent = Decimal(amount_text).as_tuple().exponent
    except InvalidOperation:
        return default
    return -exponent if isinstance(exponent, int) and exponent < 0 else 0


# --------------------------------------------------------------------------- instants


def instant(moment: dt.datetime | str | None, zone: str | None = None) -> str:
    """An instant in the contract's time zone with its offset: ``2026-04-03 14:05 +02:00``
    (seconds only when there are some). A text without an offset is shown as written.

    >>> instant("2026-04-03T12:05:00Z", "Europe/Berlin")
    '2026-04-03 14:05 +02:00'
    >>> instant("2026-01-10T09:00:30+00:00", "America/New_York")
    '2026-01-10 04:00:30 -05:00'
    """
    if moment is None:
        return "-"
    if isinstance(moment, str):
        try:
            parsed = dt.datetime.fromisoformat(moment.replace("Z", "+00:00"))
        except ValueError:
            return moment
    else:
        parsed = moment
    if parsed.tzinfo is None:
        return parsed.isoformat(sep=" ")
    if zone:
        with contextlib.suppress(ZoneInfoNotFoundError, ValueError):
            parsed = parsed.astimezone(ZoneInfo(zone))
    clock = parsed.strftime("%H:%M:%S" if parsed.second or parsed.microsecond else "%H:%M")
    if parsed.microsecond:
        clock += f".{parsed.microsecond:06d}".rstrip("0")
    offset = parsed.strftime("%z")
    offset = "Z" if not offset else f"{offset[:3]}:{offset[3:5]}"
    return f"{parsed.date().isoformat()} {clock} {offset}"


__all__ = [
    "ClockKind",
    "business_days",
    "clock_words",
    "duration",
    "exact",
    "instant",
    "minor_units_of",
    "money",
    "number",
    "percent",
    "places_needed",
    "points",
]
