"""What a policy may state: the ranges of its literals and the time zones it may name.

The checker refuses a policy outside these bounds (``SLA319``, ``SLA305``) so that
evaluation never meets a value it cannot compute with: a 27-digit fee overflows the
28-digit decimal context, a 5,000-digit count cannot be printed, a date in year 9999 has
no next period, and a contract effective in year 1 makes every evaluation replay two
thousand years of look-back history. The bounds are generous for any real contract and
are stated in ``docs/language.md``.

>>> is_iana_zone("Europe/London"), is_iana_zone("localtime"), is_iana_zone("right/UTC")
(True, False, False)
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import zoneinfo
from collections.abc import Iterator
from decimal import Decimal
from fractions import Fraction
from functools import lru_cache
from typing import Any

from rules_engine.language import ast
from rules_engine.language.spans import Span

EARLIEST_DATE = dt.date(1970, 1, 1)
LATEST_DATE = dt.date(2199, 12, 31)
"""Dates a policy may name (``effective``, fee schedules, closed days, comparisons), and
the window of every instant the engine reads (data timestamps, ``--as-of``): one window,
so a policy and its data can never disagree on what is in range."""

MAX_DURATION_SECONDS = 36_500 * 86_400
"""The longest duration a policy may state: 100 years of 365 days (``36500d``)."""

MAX_NUMBER = Decimal(10) ** 15
"""Bare numbers and amounts of money stay below 10^15 (15 digits before the point)."""

MAX_DECIMALS = 12
"""Decimal places of a bare number or a percentage."""

MAX_PERCENT = Fraction(10)
"""The largest percentage: 1000%."""

MAX_PERIODS = 1_200
"""Counts of periods or breaches in look-backs and earn-backs: 100 years of months."""

_NOT_ZONES = frozenset({"Factory", "localtime", "posixrules"})


@lru_cache(maxsize=1)
def iana_zones() -> frozenset[str]:
    """The canonical IANA zone names: those :func:`zoneinfo.available_timezones` lists,
    without the host's aliases (``localtime``, ``posixrules``), the ``Factory`` placeholder
    and the ``posix/`` and ``right/`` trees."""
    return frozenset(
        name
        for name in zoneinfo.available_timezones()
        if name not in _NOT_ZONES and not name.startswith(("posix/", "right/"))
    )


def is_iana_zone(name: str) -> bool:
    """Whether ``name`` is a canonical IANA time zone (see :func:`iana_zones`)."""
    return name in iana_zones()


@dataclasses.dataclass(frozen=True)
class OutOfRange:
    """A literal outside its bounds: where, what was written, and the rule in words."""

    span: Span
    message: str
    help: str


def out_of_range(tree: ast.Policy) -> list[OutOfRange]:
    """Every literal of ``tree`` outside the bounds above, in source order."""
    return [problem for node in _nodes(tree) if (problem := _check(node)) is not None]


def _nodes(node: Any) -> Iterator[Any]:
    """``node`` and every AST node below it (nesting is bounded by the parser)."""
    if isinstance(node, tuple | list):
        for item in node:
            yield from _nodes(item)
        return
    if not dataclasses.is_dataclass(node) or isinstance(node, type | Span):
        return
    yield node
    for f in dataclasses.fields(node):
        if f.name != "span":
            yield from _nodes(getattr(node, f.name))


def _decimals(value: Decimal) -> int:
    exponent = value.as_tuple().exponent
    return -exponent if isinstance(exponent, int) and exponent < 0 else 0


def _check(node: Any) -> OutOfRange | None:
    match node:
        case ast.DurationLit(seconds=seconds) if seconds > MAX_DURATION_SECONDS:
            return OutOfRange(
                node.span,
                f"the duration `{_short(node.text)}` is longer than 100 years",
                "a policy states durations up to `36500d`",
            )
        case ast.NumberLit(value=value) if abs(value) >= MAX_NUMBER:
            return OutOfRange(
                node.span,
                f"the number `{_short(node.text)}` is too large",
                "numbers in a policy stay below 10^15 (a count at most 999999999999999)",
            )
        case ast.NumberLit(value=value) if _decimals(value) > MAX_DECIMALS:
            return OutOfRange(
                node.span,
                f"the number `{_short(node.text)}` has more than {MAX_DECIMALS} decimals",
                f"round it to {MAX_DECIMALS} decimal places or fewer",
            )
        case ast.MoneyLit(amount=amount) if abs(amount) >= MAX_NUMBER:
            return OutOfRange(
                node.span,
                f"the amount `{_short(node.text)}` is too large",
                "amounts of money in a policy stay below 10^15 (15 digits before the point)",
            )
        case ast.PercentLit(value=value) if value > MAX_PERCENT:
            return OutOfRange(
                node.span,
                f"the percentage `{_short(node.text)}` is larger than 1000%",
                "a percentage in a policy lies between 0% and 1000%",
            )
        case ast.PercentLit(text=text) if _decimals(Decimal(text[:-1])) > MAX_DECIMALS:
            return OutOfRange(
                node.span,
                f"the percentage `{_short(text)}` has more than {MAX_DECIMALS} decimals",
                f"round it to {MAX_DECIMALS} decimal places or fewer",
            )
        case ast.DateLit() if node.value is not None and not (
            EARLIEST_DATE <= node.value <= LATEST_DATE
        ):
            return OutOfRange(
                node.span,
                f"the date `{node.text}` is outside the years a policy may name",
                f"use a date from {EARLIEST_DATE.isoformat()} to {LATEST_DATE.isoformat()}",
            )
        case (
            ast.InLastCondition(window=count)
            | ast.BreachCountCondition(window=count)
            | ast.ConsecutiveCondition(count=count)
            | ast.EarnBackDecl(periods=count)
        ) if count > MAX_PERIODS:
            return OutOfRange(
                node.span,
                f"more than {MAX_PERIODS} periods is more than a contract can count",
                f"count at most {MAX_PERIODS} periods (100 years of months)",
            )
    return None


def _short(text: str) -> str:
    """Written text, cut in the middle when it is too long for a one-line message."""
    return text if len(text) <= 24 else f"{text[:10]}...{text[-10:]}"
