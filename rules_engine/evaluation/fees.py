"""The fee of a period and amounts in a currency's minor unit.

The engine shows each period's fee and the consequences stage takes its percentages of
it, so both stages need the same fee: it is worked out here, in the evaluation stage,
and :mod:`rules_engine.consequences.money` builds on it.

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
from rules_engine.language.model import CheckedPolicy, Currency, FeeLine
from rules_engine.language.spans import Span


class MoneyError(ValueError):
    """Bad money input (no fee in force, an unknown currency): one line with a location."""

    def __init__(self, message: str, location: str, hint: str | None = None) -> None:
        self.message = message
        self.location = location
        self.hint = hint
        text = f"{location}: {message}"
        super().__init__(f"{text} (help: {hint})" if hint else text)


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


def policy_fee(policy: CheckedPolicy, period: Period) -> Decimal:
    """The fee of ``period`` under ``policy``'s schedule, from its ``effective`` date; a
    missing fee is a :class:`MoneyError` located at the policy's fee clause."""
    return fee_for_period(
        policy.fees,
        period,
        policy.currency,
        effective=policy.effective,
        source=policy.source_path,
        span=policy.span,
    )


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
