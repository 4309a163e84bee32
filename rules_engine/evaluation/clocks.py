"""The clocks of one evaluation, by name.

A clock maps instants to cumulative open time ``F(t)`` in microseconds; business time
between ``a`` and ``b`` is ``F(b) - F(a)``. Calendars come from :mod:`rules_engine.evaluation.clock`;
``24x7`` is real time.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, Protocol

import polars as pl

from rules_engine.evaluation.clock import build_clock
from rules_engine.language import model


class Clock(Protocol):
    def cumulative_us(self, ts: pl.Series) -> pl.Series: ...

    def cumulative_bd(self, ts: pl.Series) -> pl.Series: ...


class RealTime:
    """``24x7``: ``F(t)`` is microseconds since the epoch, so elapsed time is real time."""

    def cumulative_us(self, ts: pl.Series) -> pl.Series:
        return ts.dt.epoch("us").cast(pl.Int64)

    def cumulative_bd(self, ts: pl.Series) -> pl.Series:
        return ts.dt.epoch("us").cast(pl.Int64)


class Clocks:
    """Clocks built once per evaluation (calendars are expensive to lay out)."""

    def __init__(self, policy: model.CheckedPolicy) -> None:
        self._policy = policy
        self._built: dict[str, Any] = {}

    def get(self, name: str) -> Clock:
        clock = self._built.get(name)
        if clock is None:
            clock = self._build(name)
            self._built[name] = clock
        return clock  # type: ignore[no-any-return]

    def _build(self, name: str) -> Any:
        if name == model.CLOCK_24X7:
            return RealTime()
        return build_clock(self._policy.calendars[name])

    def cumulative_us(self, name: str, ts: pl.Series) -> pl.Series:
        return self.get(name).cumulative_us(ts).cast(pl.Int64)

    def cumulative_bd(self, name: str, ts: pl.Series) -> pl.Series:
        """``D(t)`` on the business-day scale (``clock.BD_US`` per business day)."""
        return self.get(name).cumulative_bd(ts).cast(pl.Int64)

    def add_open_time(self, name: str, ts: pl.Series, us: pl.Series) -> pl.Series:
        """The earliest instant at which ``us`` more open time has passed after ``ts`` on
        clock ``name`` (the inverse of ``F``)."""
        clock = self.get(name)
        if isinstance(clock, RealTime):
            return (ts.dt.epoch("us").cast(pl.Int64) + us).cast(pl.Datetime("us", "UTC"))
        return clock.add_open_time(ts, us)  # type: ignore[attr-defined,no-any-return]

    def holidays_used(self, name: str, first: dt.date, last: dt.date) -> list[tuple[dt.date, str]]:
        clock = self.get(name)
        used = getattr(clock, "holidays_used", None)
        if used is None:
            return []
        return list(used(first, last))
