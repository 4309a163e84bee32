"""Money: currencies and their minor units, exact percentages of fees, half-even rounding,
and display.

Every amount is a :class:`decimal.Decimal` quantized to the currency's minor unit
(ISO 4217 exponent: USD 2, JPY 0, BHD 3). A percentage of a fee is computed exactly
(``Fraction`` x ``Decimal``) and rounded half-even once, so ``5% x 12,345.30 USD`` is
``617.265`` and rounds to ``617.26``.

The fee of a period (conformance C16), with the error for bad money input and the rounding
to the minor unit it needs, lives in :mod:`rules_engine.evaluation.fees`, because the
engine shows the fee too; :class:`MoneyError` and :func:`round_money` are re-exported here.
"""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction

from rules_engine.evaluation.fees import MoneyError as MoneyError
from rules_engine.evaluation.fees import quantum
from rules_engine.evaluation.fees import round_money as round_money
from rules_engine.language.currency import minor_units
from rules_engine.language.model import Currency


def currency(code: str) -> Currency:
    """A :class:`Currency` for an ISO 4217 code; :class:`MoneyError` when unknown."""
    units = minor_units(code)
    if units is None:
        raise MoneyError(f"unknown currency `{code}`", "<policy>", "use an ISO 4217 code")
    return Currency(code.upper(), units)


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
