"""Builders shared by the clock tests: calendars in a few lines, instants in local time."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import polars as pl

from rules_engine.language.model import Calendar, HolidaySpec, Window

H = 3600
M = 60
US = 1_000_000


def hm(text: str) -> int:
    """``"08:30"`` -> seconds after midnight (``"24:00"`` is 86400)."""
    hours, minutes = text.split(":")
    return int(hours) * H + int(minutes) * M


def windows(*spans: str) -> tuple[Window, ...]:
    """``windows("08:00-12:00", "13:00-18:00")``."""
    out = []
    for span in spans:
        start, end = span.split("-")
        out.append(Window(hm(start), hm(end)))
    return tuple(out)


def calendar(
    zone: str,
    weekdays: tuple[Window, ...] = windows("08:00-18:00"),
    weekend: tuple[Window, ...] = (),
    *,
    holidays: tuple[HolidaySpec, ...] = (),
    closed: tuple[dt.date, ...] = (),
    name: str = "business",
) -> Calendar:
    """Mon-Fri ``weekdays``, Sat-Sun ``weekend``."""
    return Calendar(name, zone, (weekdays,) * 5 + (weekend,) * 2, holidays, closed)


def at(zone: str, *parts: int, fold: int = 0) -> dt.datetime:
    """An aware local instant: ``at("America/New_York", 2026, 1, 9, 17, 30)``."""
    return dt.datetime(*parts, tzinfo=ZoneInfo(zone), fold=fold)  # type: ignore[misc]


def column(*moments: dt.datetime | None) -> pl.Series:
    """A ``Datetime("us", "UTC")`` column, as the loader produces."""
    return pl.Series(
        "t",
        [None if m is None else m.astimezone(dt.UTC) for m in moments],
        dtype=pl.Datetime("us", "UTC"),
    )
