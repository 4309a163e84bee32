"""Reporting periods: calendar months or quarters in the policy's time zone, half-open.

A period is *over* at ``as_of`` when ``as_of >= end``; otherwise it is *running*.
Labels are ``2026-03`` for months and ``2026-Q1`` for quarters.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from typing import Literal
from zoneinfo import ZoneInfo

PeriodKind = Literal["month", "quarter"]
TargetPeriodKind = Literal["month", "quarter", "year"]
"""A policy's periods are months or quarters; a target may be judged per quarter or year."""

_MONTH = re.compile(r"^(\d{4})-(\d{2})$")
_QUARTER = re.compile(r"^(\d{4})-Q([1-4])$")


@dataclass(frozen=True, order=True)
class Period:
    """One reporting period; ``start`` and ``end`` are aware datetimes in the policy's zone."""

    start: dt.datetime
    end: dt.datetime
    label: str
    kind: TargetPeriodKind

    @property
    def real_seconds(self) -> int:
        """Elapsed real time. Python subtracts two datetimes sharing a tzinfo on the wall
        clock (a New York March would be 744 h), so convert to UTC first."""
        return int((self.end.astimezone(dt.UTC) - self.start.astimezone(dt.UTC)).total_seconds())

    def is_over(self, as_of: dt.datetime) -> bool:
        return as_of >= self.end

    @property
    def first_day(self) -> dt.date:
        return self.start.date()

    def months(self) -> list[dt.date]:
        """The first day of every month in the period (one for a month, three for a quarter)."""
        first = self.first_day
        return [_add_months(first, i) for i in range(_MONTHS[self.kind])]

    def next(self) -> Period:
        return period_starting(self.end.date(), self.kind, self.start.tzinfo)

    def previous(self) -> Period:
        step = _MONTHS[self.kind]
        return period_starting(_add_months(self.first_day, -step), self.kind, self.start.tzinfo)


_MONTHS = {"month": 1, "quarter": 3, "year": 12}


def _add_months(day: dt.date, months: int) -> dt.date:
    index = day.year * 12 + (day.month - 1) + months
    return dt.date(index // 12, index % 12 + 1, 1)


def _tz(zone: str | dt.tzinfo | None) -> dt.tzinfo:
    if isinstance(zone, dt.tzinfo):
        return zone
    if zone is None:
        raise ValueError("a period needs a time zone")
    return ZoneInfo(zone)


def _local_midnight(day: dt.date, tz: dt.tzinfo) -> dt.datetime:
    return dt.datetime(day.year, day.month, day.day, tzinfo=tz)


def _label(first: dt.date, kind: TargetPeriodKind) -> str:
    if kind == "month":
        return f"{first.year:04d}-{first.month:02d}"
    if kind == "year":
        return f"{first.year:04d}"
    return f"{first.year:04d}-Q{(first.month - 1) // 3 + 1}"


def period_starting(first: dt.date, kind: TargetPeriodKind, zone: str | dt.tzinfo | None) -> Period:
    """The period whose first day is ``first`` (which must start a month, a quarter or,
    for a target's period, a year)."""
    tz = _tz(zone)
    if first.day != 1 or (first.month - 1) % _MONTHS[kind]:
        raise ValueError(f"{first} does not start a {kind}")
    end = _add_months(first, _MONTHS[kind])
    return Period(_local_midnight(first, tz), _local_midnight(end, tz), _label(first, kind), kind)


def period_containing(
    moment: dt.datetime | dt.date, kind: TargetPeriodKind, zone: str | dt.tzinfo
) -> Period:
    """The period an instant (aware) or a local date falls in."""
    tz = _tz(zone)
    day = moment.astimezone(tz).date() if isinstance(moment, dt.datetime) else moment
    step = _MONTHS[kind]
    return period_starting(dt.date(day.year, (day.month - 1) // step * step + 1, 1), kind, tz)


def target_period(period: Period, every: TargetPeriodKind | None) -> Period:
    """The target's period (DESIGN "Target periods") that policy period ``period`` falls
    in: quarters start in January, April, July and October, years on 1 January, in the
    policy's zone; the period itself when the target has no ``every``."""
    if every is None or every == period.kind:
        return period
    return period_containing(period.first_day, every, period.start.tzinfo or dt.UTC)


def parse_period(label: str, kind: PeriodKind, zone: str) -> Period:
    """``2026-03`` (month policies) or ``2026-Q1`` (quarter policies); ValueError otherwise.

    A month label on a quarterly policy is refused rather than widened silently.
    """
    if m := _MONTH.match(label):
        year, month = int(m.group(1)), int(m.group(2))
        if not 1 <= month <= 12:
            raise ValueError(f"`{label}` has no month {month}")
        if kind == "quarter":
            raise ValueError(f"`{label}` is a month, but the policy's periods are quarters")
        return period_starting(dt.date(year, month, 1), kind, zone)
    if m := _QUARTER.match(label):
        if kind == "month":
            raise ValueError(f"`{label}` is a quarter, but the policy's periods are months")
        year, quarter = int(m.group(1)), int(m.group(2))
        return period_starting(dt.date(year, 3 * quarter - 2, 1), kind, zone)
    example = "2026-03" if kind == "month" else "2026-Q1"
    raise ValueError(f"`{label}` is not a period label (expected e.g. `{example}`)")


def periods_between(first: Period, last: Period) -> list[Period]:
    """Every period from ``first`` to ``last`` inclusive; empty when ``last`` comes first."""
    out: list[Period] = []
    current = first
    while current.start <= last.start:
        out.append(current)
        current = current.next()
    return out
