"""Money: currencies and their minor units, exact percentages of fees, half-even rounding,
display, and the fee in force for a period.

Every amount is a :class:`decimal.Decimal` quantized to the currency's minor unit
(ISO 4217 exponent: USD 2, JPY 0, BHD 3). A percentage of a fee is computed exactly
(``Fraction`` x ``Decimal``) and rounded half-even once, so ``5% x 12,345.30 USD`` is
``617.265`` and rounds to ``617.26``.

Fees (DESIGN "Money", conformance C16): a fee quoted ``per month`` is the fee in force on
each month's first day, summed over the months of a quarter; a fee quoted ``per quarter``
or ``per period`` is the one in force on the period's first day. For the period that
contains the policy's ``effective`` date, months that start before ``effective`` are not
under contract: the fee for them is the one in force on ``effective`` (a contract starting
on 15 January still pays January's fee) and months ending before it count nothing.
A period with no fee in force is a :class:`MoneyError`, never a zero.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from decimal import Decimal
from fractions import Fraction

from rules_engine.evaluation.periods import Period
from rules_engine.language.currency import minor_units
from rules_engine.language.model import Currency, FeeLine
from rules_engine.language.spans import Span


class MoneyError(ValueError):
    """Bad money input (no fee in force, an unknown currency): one line with a location."""

    def __init__(self, message: str, location: str, hint: str | None = None) -> None:
        self.message = message
        self.location = location
        self.hint = hint
        text = f"{location}: {message}"
        super().__init__(f"{text} (help: {hint})" if hint else text)


def currency(code: str) -> Currency:
    """A :class:`Currency` for an ISO 4217 code; :class:`MoneyError` when unknown."""
    units = minor_units(code)
    if units is None:
        raise MoneyError(f"unknown currency `{code}`", "<policy>", "use an ISO 4217 code")
    return Currency(code.upper(), units)


def quantum(cur: Currency) -> Decimal:
    """The smallest unit: ``0.01`` for USD, ``1`` for JPY."""
    return Decimal(1).scaleb(-cur.minor_units)


def round_money(amount: Fraction | Decimal | int, cur: Currency) -> Decimal:
    """``amount`` rounded half-even to the minor unit, exactly (no binary floats).

    >>> round_money(Decimal("617.265"), Currency("USD", 2))
    Decimal('617.26')
    >>> round_money(Fraction(24691, 20), Currency("JPY", 0))  # 1,234.55
    Decimal('1235')
    """
    exact = Fraction(amount)
    scaled = exact * 10**cur.minor_units
    units = round(scaled)  # Fraction.__round__ rounds half to even
    return Decimal(units).scaleb(-cur.minor_units).quantize(quantum(cur))


def percent_of(percent: Fraction, base: Decimal, cur: Currency) -> Decimal:
    """``percent`` (a fraction of 1) of ``base``, rounded half-even once.

    >>> percent_of(Fraction(1, 20), Decimal("12345.30"), Currency("USD", 2))
    Decimal('617.26')
    """
    return round_money(percent * Fraction(base), cur)


def to_minor_str(amount: Decimal, cur: Currency) -> str:
    """The JSON form: ``"12000.00"``, ``"-600.00"``, ``"1200"`` for JPY."""
    return str(amount.quantize(quantum(cur)))


def format_money(amount: Decimal, cur: Currency) -> str:
    """The display form with thousands separators and the code.

    >>> format_money(Decimal(12000), Currency("USD", 2))
    '12,000.00 USD'
    """
    return f"{amount.quantize(quantum(cur)):,} {cur.code}"


def format_percent(fraction: Fraction) -> str:
    """A fraction of 1 as a percent number without the sign: ``Fraction(1, 20)`` -> ``5``,
    ``Fraction(1, 40)`` -> ``2.5``; non-terminating values are rounded half-even to six
    decimals (DESIGN "Exactness")."""
    percent = fraction * 100
    if percent.denominator == 1:
        return str(percent.numerator)
    den = percent.denominator
    for prime in (2, 5):
        while den % prime == 0:
            den //= prime
    if den == 1:  # terminating decimal: show it exactly
        text = format(Decimal(percent.numerator) / Decimal(percent.denominator), "f")
    else:
        text = str(round_money(percent, Currency("", 6)))
    return text.rstrip("0").rstrip(".") if "." in text else text


def percent_arithmetic(percent: Fraction, base: Decimal, result: Decimal, cur: Currency) -> str:
    """The arithmetic of a percentage line.

    >>> usd = Currency("USD", 2)
    >>> percent_arithmetic(Fraction(1, 20), Decimal(12000), Decimal(600), usd)
    '5% x 12,000.00 USD = 600.00 USD'
    """
    return f"{format_percent(percent)}% x {format_money(base, cur)} = {format_money(result, cur)}"


def _fee_location(fees: Sequence[FeeLine], source: str, span: Span | None) -> str:
    if fees and fees[0].span.line:
        return str(fees[0].span)
    if span is not None and span.line:
        return str(span)
    return source


def _line_in_force(fees: Sequence[FeeLine], day: dt.date) -> FeeLine | None:
    current: FeeLine | None = None
    for line in sorted(fees, key=lambda f: f.start):
        if line.start <= day:
            current = line
    return current


def fee_for_period(
    fees: Sequence[FeeLine],
    period: Period,
    cur: Currency,
    *,
    effective: dt.date | None = None,
    source: str = "<policy>",
    span: Span | None = None,
) -> Decimal:
    """The fee of ``period`` under the schedule ``fees`` (C16), in the minor unit.

    ``effective`` is the contract's start: months before it are not billed and the
    period containing it takes the fee in force on it. ``source``/``span`` locate the
    error when no fee is in force.
    """
    where = _fee_location(fees, source, span)

    def missing(day: dt.date) -> MoneyError:
        return MoneyError(
            f"no fee in force on {day.isoformat()} (period {period.label})",
            where,
            f"add a `fee ... from {day.isoformat()}` line, or start an earlier one before it",
        )

    def in_force(day: dt.date) -> FeeLine:
        if effective is not None and day < effective:
            day = effective
        line = _line_in_force(fees, day)
        if line is None:
            raise missing(day)
        return line

    first = in_force(period.first_day)
    if first.per in ("quarter", "period"):
        if first.per == "quarter" and period.kind != "quarter":
            raise MoneyError(
                f"a fee per quarter on a policy whose periods are {period.kind}s "
                f"(period {period.label})",
                str(first.span) if first.span.line else where,
                "quote the fee `per month` or `per period`",
            )
        return round_money(first.amount, cur)
    total = Decimal(0)
    for month_start in period.months():
        if effective is not None and _month_end(month_start) <= effective:
            continue  # a month wholly before the contract
        line = in_force(month_start)
        if line.per != "month":
            raise MoneyError(
                f"the fee in force on {month_start.isoformat()} is quoted per {line.per}, "
                f"but the one in force on {period.first_day.isoformat()} per month",
                str(line.span) if line.span.line else where,
                "quote every line of the fee schedule the same way",
            )
        total += line.amount
    return round_money(total, cur)


def _month_end(first: dt.date) -> dt.date:
    return dt.date(first.year + first.month // 12, first.month % 12 + 1, 1)
