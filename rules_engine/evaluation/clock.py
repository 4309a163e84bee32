"""Clocks: how much time counts between two instants (DESIGN "Clocks", conformance C1-C5).

A clock is a monotone function ``F`` from instants to cumulative counted time, in integer
microseconds; the time a clock counts between ``a`` and ``b`` is ``F(b) - F(a)``. That
makes business time additive by construction and lets the evaluator work on whole
columns: the calendar becomes a sorted table of open intervals (UTC microseconds) with
the open time before each, and ``F(t)`` is that cumulative time plus ``t``'s clamped
position inside its interval, found with a gather from a lookup grid (a binary search
when the boundaries share no coarse step). No Python code runs per record.

- ``24x7`` counts real time: ``F(t)`` is ``t``'s epoch microseconds.
- A calendar counts its weekly open windows, written in wall-clock time in the
  calendar's own zone. A window belongs to the local date it starts on, ``24:00`` is the
  next local midnight, and its length is the real time between its two ends (a
  00:00-24:00 window lasts 23 h or 25 h on DST days). A wall time that does not exist or
  occurs twice resolves with PEP 495 ``fold=0`` (the offset before the transition).
- Holidays close whole local dates: the ``holidays`` package's default public list for
  the country (and subdivision), observed days included, minus the names in ``except``;
  ``closed`` dates close too.

A calendar clock builds its interval table lazily, for whole local years, and widens it
when a column reaches outside; the origin of ``F`` stays where the first table started,
so values from one clock instance stay comparable. Only differences of ``F`` mean
anything: never report ``F`` itself.
"""

from __future__ import annotations

import bisect
import datetime as dt
import difflib
import functools
import itertools
import math
import warnings
from abc import ABC, abstractmethod
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, ClassVar
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import polars as pl

from rules_engine.language.model import CLOCK_24X7, Calendar, HolidaySpec
from rules_engine.language.spans import NO_SPAN, Span

if TYPE_CHECKING:
    from holidays import HolidayBase

__all__ = [
    "CalendarClock",
    "CalendarError",
    "Clock",
    "RealTimeClock",
    "build_clock",
    "clocks_for",
    "holiday_spec_problems",
]

US_PER_S = 1_000_000
_DAY_S = 86_400
BD_US = _DAY_S * US_PER_S
"""One business day on the scale of :meth:`Clock.cumulative_bd` (the checked policy's
``BD_SECONDS`` in microseconds), so business days flow through the same integer columns
as time."""
_EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)
_EPOCH_ORDINAL = dt.date(1970, 1, 1).toordinal()
_ONE_US = dt.timedelta(microseconds=1)
_TIMESTAMP = pl.Datetime("us", "UTC")

FIRST_YEAR = 1900
LAST_YEAR = 2200
"""Calendar clocks cover these local years; an instant outside them is an input error."""


class CalendarError(ValueError):
    """A calendar that cannot be built or an instant it cannot place (one-line message)."""


# --------------------------------------------------------------------------- helpers


def _to_us(ts: pl.Series) -> pl.Series:
    """Epoch microseconds (Int64, nulls kept) of an aware Datetime column."""
    dtype = ts.dtype
    if not isinstance(dtype, pl.Datetime):
        raise TypeError(f"a clock takes a Datetime column, got `{dtype}` for `{ts.name}`")
    if dtype.time_zone is None:
        raise TypeError(f"a clock takes aware timestamps, but `{ts.name}` has no time zone")
    if dtype.time_unit != "us":
        ts = ts.dt.cast_time_unit("us")
    return ts.cast(pl.Int64)


def _us_series(us: pl.Series | int, length: int) -> pl.Series:
    if isinstance(us, pl.Series):
        return us.cast(pl.Int64)
    return pl.repeat(us, length, dtype=pl.Int64, eager=True)


def _bounds(column: pl.Series) -> tuple[int | None, int | None]:
    """Smallest and largest value of an Int64 column (None when all null)."""
    lo, hi = column.min(), column.max()
    if isinstance(lo, int) and isinstance(hi, int):
        return lo, hi
    return None, None


def _instant_us(moment: dt.datetime) -> int:
    if moment.tzinfo is None:
        raise TypeError(f"a clock takes aware datetimes, got naive `{moment.isoformat()}`")
    return (moment.astimezone(dt.UTC) - _EPOCH) // _ONE_US


def _instant(us: int) -> dt.datetime:
    return _EPOCH + dt.timedelta(microseconds=us)


def _wall_to_us(day: dt.date, seconds: int, tz: dt.tzinfo) -> int:
    """UTC epoch microseconds of wall time ``seconds`` after local midnight of ``day``
    (``86400`` is the next midnight), resolved with ``fold=0`` like PEP 495."""
    if seconds >= _DAY_S:
        day += dt.timedelta(days=seconds // _DAY_S)
        seconds %= _DAY_S
    hour, rest = divmod(seconds, 3600)
    wall = dt.datetime(day.year, day.month, day.day, hour, rest // 60, rest % 60)
    offset = tz.utcoffset(wall)
    assert offset is not None
    local_us = ((day.toordinal() - _EPOCH_ORDINAL) * _DAY_S + seconds) * US_PER_S
    return local_us - offset // _ONE_US


def _country_holidays(spec: HolidaySpec, years: Iterable[int]) -> HolidayBase:
    """The package's holidays of ``years``; CalendarError for an unknown country or
    subdivision. Imported late: the package takes a noticeable part of a second to load."""
    import holidays

    with warnings.catch_warnings():
        # "available only from 2001 to 2035": outside it the package knows no holidays,
        # which is what the clock then counts.
        warnings.simplefilter("ignore")
        try:
            table: HolidayBase = holidays.country_holidays(
                spec.country, subdiv=spec.subdivision, years=years
            )
        except NotImplementedError as exc:
            raise CalendarError(_spec_problem(spec) or str(exc)) from None
    return table


def _at(span: Span) -> str:
    return "" if span == NO_SPAN else f"{span}: "


def _spec_problem(spec: HolidaySpec) -> str | None:
    """Why the package refuses a clause; slow (it loads every country), so only called
    once the package has refused it."""
    import holidays

    supported: dict[str, list[str]] = holidays.list_supported_countries()
    if spec.country not in supported:
        close = difflib.get_close_matches(spec.country, supported, n=1)
        hint = f"; help: did you mean `{close[0]}`?" if close else ""
        return f"{_at(spec.span)}the holidays package has no country `{spec.country}`{hint}"
    subdivisions = supported[spec.country]
    if spec.subdivision is not None and spec.subdivision not in subdivisions:
        close = difflib.get_close_matches(spec.subdivision, subdivisions, n=1)
        hint = f"did you mean `{close[0]}`?" if close else f"one of {', '.join(subdivisions)}"
        return (
            f"{_at(spec.span)}`{spec.country}` has no subdivision `{spec.subdivision}`; "
            f"help: {hint}"
        )
    return None


def holiday_spec_problems(spec: HolidaySpec, years: Iterable[int]) -> list[str]:
    """What is wrong with a ``holidays`` clause, one message per problem, for the checker.

    An unknown country or subdivision, and ``except`` names that no holiday of the
    country has in ``years`` (names must match the package's exactly).
    """
    try:
        table = _country_holidays(spec, years)
    except CalendarError as exc:
        return [str(exc)]
    known = sorted({name for day in table for name in table.get_list(day)})
    problems = []
    for name in spec.except_names:
        if name not in known:
            close = difflib.get_close_matches(name, known, n=1)
            hint = f"; help: did you mean `{close[0]}`?" if close else ""
            problems.append(
                f"{_at(spec.span)}`{spec.country}` has no holiday named `{name}` "
                f"in {min(years, default='?')}-{max(years, default='?')}{hint}"
            )
    return problems


# --------------------------------------------------------------------------- clocks


class Clock(ABC):
    """Counts time between instants. Columns are aware ``Datetime`` (any unit or zone,
    normally ``Datetime("us", "UTC")``); nulls stay null."""

    name: str
    timezone: str

    @abstractmethod
    def _cumulative(self, t: pl.Series) -> pl.Series:
        """``F`` on epoch microseconds (Int64)."""

    def cumulative_us(self, ts: pl.Series) -> pl.Series:
        """``F(t)``: counted microseconds (Int64) up to each instant from the clock's origin."""
        return self._cumulative(_to_us(ts)).alias(ts.name)

    def elapsed_us(self, start: pl.Series, end: pl.Series) -> pl.Series:
        """``F(end) - F(start)``: counted microseconds between two columns (negative when
        ``end`` comes first)."""
        n = len(start)
        cumulative = self._cumulative(pl.concat([_to_us(start), _to_us(end)]))
        return (cumulative.slice(n, n) - cumulative.slice(0, n)).alias(end.name)

    @abstractmethod
    def is_open(self, ts: pl.Series) -> pl.Series:
        """Boolean: the instant lies inside an open window (``[start, end)``)."""

    @abstractmethod
    def cumulative_bd(self, ts: pl.Series) -> pl.Series:
        """``D(t)`` (DESIGN "Business days") in units of ``1 / BD_US`` business day (Int64):
        the open days before ``t``'s local date plus the share of that date's open time
        elapsed at ``t``. Only differences mean anything."""

    def open_us_between(self, start: dt.datetime, end: dt.datetime) -> int:
        """Counted microseconds between two aware datetimes (``F(end) - F(start)``)."""
        t = pl.Series("t", [_instant_us(start), _instant_us(end)], dtype=pl.Int64)
        a, b = self._cumulative(t).to_list()
        return int(b) - int(a)

    @abstractmethod
    def add_open_time(self, ts: pl.Series, us: pl.Series | int) -> pl.Series:
        """The earliest instant at which ``us`` more counted time has passed after ``ts``
        (the inverse of ``F``; ``ts`` itself when ``us`` is 0). Null when the clock never
        gets there (a calendar that is never open) or an input is null."""

    @abstractmethod
    def holidays_used(self, first: dt.date, last: dt.date) -> list[tuple[dt.date, str]]:
        """Holidays that closed dates in ``[first, last]`` with the package's names (several
        on one date joined with ``"; "``), plus the ``closed`` dates named ``"closed"``;
        sorted by date."""


class RealTimeClock(Clock):
    """``24x7``: real elapsed time; a New York March has 743 hours."""

    def __init__(self) -> None:
        self.name = CLOCK_24X7
        self.timezone = "UTC"

    def __repr__(self) -> str:
        return "RealTimeClock()"

    def _cumulative(self, t: pl.Series) -> pl.Series:
        return t

    def is_open(self, ts: pl.Series) -> pl.Series:
        return pl.select(pl.when(pl.lit(ts).is_not_null()).then(True)).to_series().alias(ts.name)

    def cumulative_bd(self, ts: pl.Series) -> pl.Series:
        """Every day is open all day: a business day is 24 hours of real time."""
        return _to_us(ts).alias(ts.name)

    def add_open_time(self, ts: pl.Series, us: pl.Series | int) -> pl.Series:
        t = _to_us(ts)
        return (t + _us_series(us, len(t))).cast(_TIMESTAMP).alias(ts.name)

    def holidays_used(self, first: dt.date, last: dt.date) -> list[tuple[dt.date, str]]:
        return []


@dataclass(frozen=True)
class _Grid:
    """Lookup grids over the interval table, for gathers instead of binary searches
    (a gather is some 20 times faster per instant).

    Every window boundary falls on a multiple of ``width`` from ``origin``, so inside a
    bucket of time the clock runs throughout or not at all: ``F(t) = cum[k] + open[k] *
    (t - start of bucket k)``. Likewise every interval starts and ends on a multiple of
    ``width`` of counted time from ``cum0``, so each bucket of counted time lies in one
    interval, and the instant where ``F`` reaches ``g`` is ``g + closed[m]`` with ``m``
    the bucket of ``g - 1`` (the earliest instant: a goal at a window's end is reached at
    that end, not when the next window opens) and ``closed[m]`` that interval's start
    minus the counted time before it.
    """

    origin: int
    width: int
    cum: pl.Series  # F at the start of each bucket of time
    open: pl.Series  # 1 while the clock runs in the bucket, else 0
    cum0: int
    closed: pl.Series  # per bucket of counted time: interval start - counted time before it

    MAX_BUCKETS: ClassVar[int] = 4_000_000

    @classmethod
    def build(cls, starts: list[int], ends: list[int], cum: list[int], end: int) -> _Grid | None:
        """The grids for disjoint sorted intervals (the first is the empty sentinel at
        ``origin``) with the counted time ``cum`` before each; None when the boundaries
        share no step coarse enough to index."""
        origin = starts[0]
        width = 0
        for boundary in itertools.chain(starts, ends, [end]):
            width = math.gcd(width, boundary - origin)
        width = width or _DAY_S * US_PER_S
        buckets = -(-(end - origin) // width) + 1
        counted = (cum[-1] + ends[-1] - starts[-1] - cum[0]) // width
        if max(buckets, counted) > cls.MAX_BUCKETS:
            return None
        first = pl.Series([(s - origin) // width for s in starts[1:]], dtype=pl.Int64)
        last = pl.Series([(e - origin) // width for e in ends[1:]], dtype=pl.Int64)
        steps = pl.zeros(buckets + 1, dtype=pl.Int64, eager=True).scatter(first, 1)
        running = steps.scatter(last, -1).cum_sum().head(buckets)
        before = (running * width).cum_sum().shift(1, fill_value=0) + cum[0]
        at = pl.Series([(c - cum[0]) // width for c in cum[1:]], dtype=pl.Int64)
        # An interval's start minus the counted time before it only grows, so a running
        # maximum carries it over the interval's buckets.
        gaps = pl.Series([s - c for s, c in zip(starts[1:], cum[1:], strict=True)], dtype=pl.Int64)
        floor = min(gaps.to_list(), default=0)
        closed = pl.repeat(floor, counted, dtype=pl.Int64, eager=True).scatter(at, gaps).cum_max()
        return cls(origin, width, before, running, cum[0], closed)

    def reach(self, goal: pl.Series) -> pl.Series:
        """Earliest instants where ``F`` reaches ``goal`` (null beyond the table)."""
        m = (goal - 1 - self.cum0) // self.width
        size = len(self.closed)
        if size == 0:
            return pl.Series(goal.name, [None] * len(goal), dtype=pl.Int64)
        inside = (m >= 0) & (m < size)
        moved = goal + self.closed.gather(m.clip(0, size - 1))
        return pl.select(pl.when(pl.lit(inside)).then(pl.lit(moved))).to_series()


@dataclass(frozen=True)
class _OpenDays:
    """``D`` as a function of ``F``: open day ``k`` runs over ``[c[k], c[k] + T[k])`` of
    counted time, and ``D = base[k] + (F - c[k]) / T[k]`` business days there (clamped to
    the day), so ``D`` is flat wherever ``F`` is (nights, closed dates) and a day's open
    time is spread linearly over it whatever its windows. Days tile counted time
    (``c[k+1] = c[k] + T[k]``), so ``D`` is monotone and additive like ``F``.

    In units of ``1 / BD_US`` day the share of a day is ``(F - c) * mult // div`` with
    ``mult / div = BD_US / T`` reduced: exact whenever ``T`` divides ``(F - c) * BD_US``
    (a day of whole seconds measured to whole seconds always agrees at whole days, see
    ``tests/clock/test_business_days.py``).
    """

    c: pl.Series
    length: pl.Series
    mult: pl.Series
    div: pl.Series
    base: pl.Series

    @classmethod
    def empty(cls) -> _OpenDays:
        z = pl.Series([0], dtype=pl.Int64)
        return cls(z, z, pl.Series([1], dtype=pl.Int64), pl.Series([1], dtype=pl.Int64), z)

    @classmethod
    def build(cls, spans: list[tuple[int, int]], shift: int) -> _OpenDays:
        """From each open day's (F at its first window's start, F at its last's end),
        with ``D`` shifted by ``shift`` ticks (so it keeps its origin across rebuilds)."""
        starts = [a for a, _ in spans]
        lengths = [b - a for a, b in itertools.pairwise(starts)]
        lengths += [spans[-1][1] - spans[-1][0]] if spans else []
        kept = [(c, n) for c, n in zip(starts, lengths, strict=True) if n > 0]
        if not kept:
            return cls.empty()
        gcds = [math.gcd(BD_US, n) for _, n in kept]
        return cls(
            pl.Series([c for c, _ in kept], dtype=pl.Int64),
            pl.Series([n for _, n in kept], dtype=pl.Int64),
            pl.Series([BD_US // g for g in gcds], dtype=pl.Int64),
            pl.Series([n // g for (_, n), g in zip(kept, gcds, strict=True)], dtype=pl.Int64),
            pl.Series([k * BD_US - shift for k in range(len(kept))], dtype=pl.Int64),
        )

    def at(self, f: int) -> int:
        """``D`` at one value of ``F``."""
        return int(self.lookup(pl.Series([f], dtype=pl.Int64))[0])

    def lookup(self, f: pl.Series) -> pl.Series:
        k = (self.c.search_sorted(f, "right").cast(pl.Int64) - 1).clip(lower_bound=0)
        into = pl.select(
            (pl.lit(f) - pl.lit(self.c.gather(k))).clip(0, pl.lit(self.length.gather(k)))
        ).to_series()
        return self.base.gather(k) + into * self.mult.gather(k) // self.div.gather(k)


class CalendarClock(Clock):
    """Weekly open windows in the calendar's zone, closed on holidays and ``closed`` dates.

    The table is a sorted list of disjoint open intervals (UTC epoch microseconds) with
    the cumulative open time before each. Its first row is an empty interval at the
    table's start, so every instant inside the table has an interval at or before it.
    """

    def __init__(self, calendar: Calendar) -> None:
        self.calendar = calendar
        self.name = calendar.name
        self.timezone = calendar.timezone
        try:
            self._tz: dt.tzinfo = ZoneInfo(calendar.timezone)
        except (ZoneInfoNotFoundError, ValueError):
            raise CalendarError(
                f"{_at(calendar.span)}calendar `{calendar.name}` has an unknown time zone "
                f"`{calendar.timezone}`; help: use an IANA name such as `America/New_York`"
            ) from None
        if len(calendar.windows) != 7:
            raise CalendarError(f"calendar `{calendar.name}` needs 7 weekdays of windows")
        for spec in calendar.holidays:
            _country_holidays(spec, ())  # fail early on an unknown country or subdivision
        self._closed_by_year: dict[int, dict[dt.date, list[str]]] = {}
        self._years: tuple[int, int] | None = None
        self._origin_us = 0
        self._starts: list[int] = []
        self._ends: list[int] = []
        self._cum: list[int] = []
        self._s = pl.Series("s", [], dtype=pl.Int64)
        self._len = pl.Series("len", [], dtype=pl.Int64)
        self._c = pl.Series("c", [], dtype=pl.Int64)
        self._c_end = pl.Series("c_end", [], dtype=pl.Int64)
        self._grid: _Grid | None = None
        self._days = _OpenDays.empty()

    def __repr__(self) -> str:
        return f"CalendarClock({self.name!r}, {self.timezone!r})"

    # ----------------------------------------------------------------- holidays

    def _holidays_of_year(self, year: int) -> dict[dt.date, list[str]]:
        """What the package computes for ``year``: the dates the holiday clauses close,
        with the names that close them (``except`` names removed). An observed day can
        fall in a neighbouring year (New Year's Day 2028 is observed on 2027-12-31)."""
        cached = self._closed_by_year.get(year)
        if cached is not None:
            return cached
        out: dict[dt.date, list[str]] = {}
        for spec in self.calendar.holidays:
            table = _country_holidays(spec, [year])
            excepted = set(spec.except_names)
            for day in sorted(table):
                for name in table.get_list(day):
                    if name not in excepted and name not in out.setdefault(day, []):
                        out[day].append(name)
        self._closed_by_year[year] = out
        return out

    def _holidays_between(self, first: dt.date, last: dt.date) -> dict[dt.date, list[str]]:
        """Closing holidays on dates in ``[first, last]``, asking the package for the
        neighbouring years too so that observed days moved across New Year are kept."""
        out: dict[dt.date, list[str]] = {}
        for year in range(first.year - 1, last.year + 2):
            for day, names in self._holidays_of_year(year).items():
                if first <= day <= last:
                    merged = out.setdefault(day, [])
                    merged.extend(n for n in names if n not in merged)
        return out

    def holidays_used(self, first: dt.date, last: dt.date) -> list[tuple[dt.date, str]]:
        used = [
            (day, "; ".join(names)) for day, names in self._holidays_between(first, last).items()
        ]
        used.extend(
            (day, "closed") for day in sorted(set(self.calendar.closed)) if first <= day <= last
        )
        return sorted(used)

    # ----------------------------------------------------------------- the interval table

    def _year_of(self, us: int) -> int:
        try:
            return _instant(us).astimezone(self._tz).year
        except OverflowError:
            year = LAST_YEAR + 1 if us > 0 else FIRST_YEAR - 1
            return year

    def _build(self, first_year: int, last_year: int) -> None:
        """(Re)build the table for local years ``[first_year, last_year]``, keeping ``F``'s
        origin where the first table started."""
        if first_year < FIRST_YEAR or last_year > LAST_YEAR:
            raise CalendarError(
                f"calendar `{self.name}` counts time in {FIRST_YEAR}-{LAST_YEAR} only, "
                f"but an instant falls in {first_year if first_year < FIRST_YEAR else last_year}"
            )
        tz = self._tz
        windows = self.calendar.windows
        closed = set(self.calendar.closed)
        closed.update(self._holidays_between(dt.date(first_year, 1, 1), dt.date(last_year, 12, 31)))
        table_start = _wall_to_us(dt.date(first_year, 1, 1), 0, tz)
        raw: list[tuple[int, int]] = []
        open_days: list[tuple[int, int]] = []  # per open local date: first start, last end
        day = dt.date(first_year, 1, 1)
        stop = dt.date(last_year + 1, 1, 1)
        one_day = dt.timedelta(days=1)
        while day < stop:
            if day not in closed:
                today = len(raw)
                for window in windows[day.weekday()]:
                    start = _wall_to_us(day, window.start, tz)
                    end = _wall_to_us(day, window.end, tz)
                    if end > start:
                        raw.append((start, end))
                if len(raw) > today:
                    open_days.append((raw[today][0], max(e for _, e in raw[today:])))
            day += one_day
        # fold=0 maps a wall time in a DST gap to an instant after the gap's end, so
        # windows near a gap can overlap or swap; open time is the union of the windows.
        raw.sort()
        starts = [min(table_start, raw[0][0]) if raw else table_start]
        ends = [starts[0]]
        for start, end in raw:
            if start <= ends[-1] and len(ends) > 1:
                ends[-1] = max(ends[-1], end)
            else:
                starts.append(start)
                ends.append(end)
        cum = [0, *itertools.accumulate(e - s for s, e in zip(starts, ends, strict=True))]
        cum.pop()
        if self._years is None:
            self._origin_us = table_start
        shift = self._f_scalar(starts, ends, cum, self._origin_us)
        self._years = (first_year, last_year)
        self._starts, self._ends = starts, ends
        self._cum = [c - shift for c in cum]
        self._s = pl.Series("s", starts, dtype=pl.Int64)
        self._len = pl.Series(
            "len", [e - s for s, e in zip(starts, ends, strict=True)], dtype=pl.Int64
        )
        self._c = pl.Series("c", self._cum, dtype=pl.Int64)
        self._c_end = self._c + self._len
        table_end = _wall_to_us(dt.date(last_year + 1, 1, 1), 0, tz)
        self._grid = _Grid.build(starts, ends, self._cum, max(table_end, ends[-1]))
        f = functools.partial(self._f_scalar, starts, ends, self._cum)
        days = _OpenDays.build([(f(a), f(b)) for a, b in open_days], 0)
        self._days = _OpenDays.build(
            [(f(a), f(b)) for a, b in open_days], days.at(f(self._origin_us))
        )

    @staticmethod
    def _f_scalar(starts: list[int], ends: list[int], cum: list[int], t: int) -> int:
        i = max(bisect.bisect_right(starts, t) - 1, 0)
        return cum[i] + min(max(t - starts[i], 0), ends[i] - starts[i])

    def _cover(self, lo_us: int | None, hi_us: int | None) -> bool:
        """Widen the table to the local years of two instants; False when there is
        nothing to cover (no instant at all)."""
        if lo_us is None or hi_us is None:
            return False
        lo, hi = self._year_of(lo_us), self._year_of(hi_us)
        if self._years is None:
            self._build(lo, hi)
        elif lo < self._years[0] or hi > self._years[1]:
            self._build(min(lo, self._years[0]), max(hi, self._years[1]))
        return True

    def _cover_cumulative(self, lo: int | None, hi: int | None) -> None:
        """Widen the table until it holds cumulative values ``lo`` (exclusive) to ``hi``, or
        the supported years run out (then those values stay unreachable)."""
        assert self._years is not None
        while lo is not None and self._cum[0] >= lo and self._years[0] > FIRST_YEAR:
            self._build(
                max(FIRST_YEAR, self._years[0] - self._years_for(self._cum[0] - lo)), self._years[1]
            )
        while (
            hi is not None
            and self._cum[-1] + self._ends[-1] - self._starts[-1] < hi
            and self._years[1] < LAST_YEAR
        ):
            total = self._cum[-1] + self._ends[-1] - self._starts[-1]
            self._build(
                self._years[0], min(LAST_YEAR, self._years[1] + self._years_for(hi - total))
            )

    def _years_for(self, deficit_us: int) -> int:
        """How many more years probably hold ``deficit_us`` of open time (at least one)."""
        assert self._years is not None
        years = self._years[1] - self._years[0] + 1
        total = self._cum[-1] + self._ends[-1] - self._starts[-1] - self._cum[0]
        if total <= 0:
            return LAST_YEAR - FIRST_YEAR
        return max(1, -(-deficit_us * years // total) + 1)

    def _locate(self, t: pl.Series) -> pl.Series:
        """Index of the last interval starting at or before each instant."""
        return (self._s.search_sorted(t, "right").cast(pl.Int64) - 1).clip(lower_bound=0)

    # ----------------------------------------------------------------- the API

    def _cumulative(self, t: pl.Series) -> pl.Series:
        if not self._cover(*_bounds(t)):
            return t  # every instant is null
        return self._lookup(t)

    def _lookup(self, t: pl.Series) -> pl.Series:
        """``F`` on instants the table already covers (or nulls)."""
        grid = self._grid
        if grid is not None:
            offset = t - grid.origin
            k = offset // grid.width
            return grid.cum.gather(k) + grid.open.gather(k) * (offset - k * grid.width)
        i = self._locate(t)
        into = t - self._s.gather(i)
        length = self._len.gather(i)
        inside = pl.select(pl.lit(into).clip(0, pl.lit(length))).to_series()
        return self._c.gather(i) + inside

    def cumulative_bd(self, ts: pl.Series) -> pl.Series:
        t = _to_us(ts)
        if not self._cover(*_bounds(t)):
            return t.alias(ts.name)  # every instant is null
        return self._days.lookup(self._lookup(t)).alias(ts.name)

    def is_open(self, ts: pl.Series) -> pl.Series:
        t = _to_us(ts)
        if not self._cover(*_bounds(t)):
            return pl.Series(ts.name, [None] * len(t), dtype=pl.Boolean)
        grid = self._grid
        if grid is not None:
            return grid.open.gather((t - grid.origin) // grid.width).cast(pl.Boolean).alias(ts.name)
        i = self._locate(t)
        start = self._s.gather(i)
        return ((t >= start) & (t < start + self._len.gather(i))).alias(ts.name)

    def add_open_time(self, ts: pl.Series, us: pl.Series | int) -> pl.Series:
        t = _to_us(ts)
        amount = _us_series(us, len(t))
        goal = self._cumulative(t) + amount
        if self._years is None:
            return ts.cast(_TIMESTAMP)  # every instant is null
        self._cover_cumulative(*_bounds(goal))
        if self._grid is not None:
            moved = self._grid.reach(goal)
        else:
            j = self._c_end.search_sorted(goal, "left").cast(pl.Int64)
            size = len(self._c_end)
            jj = j.clip(upper_bound=size - 1)
            start = self._c.gather(jj)
            found = self._s.gather(jj) + (goal - start)
            inside = pl.lit((j < size) & (goal > start))
            moved = pl.select(pl.when(inside).then(pl.lit(found))).to_series()
        out = pl.select(pl.when(pl.lit(amount) == 0).then(pl.lit(t)).otherwise(pl.lit(moved)))
        return out.to_series().cast(_TIMESTAMP).alias(ts.name)

    def elapsed_us(self, start: pl.Series, end: pl.Series) -> pl.Series:
        a, b = _to_us(start), _to_us(end)
        lo_a, hi_a = _bounds(a)
        lo_b, hi_b = _bounds(b)
        lows = [x for x in (lo_a, lo_b) if x is not None]
        highs = [x for x in (hi_a, hi_b) if x is not None]
        if not self._cover(min(lows, default=None), max(highs, default=None)):
            return b.alias(end.name)  # every instant is null
        return (self._lookup(b) - self._lookup(a)).alias(end.name)


def build_clock(calendar: Calendar | None) -> Clock:
    """The clock of a calendar; ``None`` is the ``24x7`` clock."""
    if calendar is None:
        return RealTimeClock()
    return CalendarClock(calendar)


def clocks_for(calendars: Mapping[str, Calendar]) -> dict[str, Clock]:
    """Every clock a policy can name: ``24x7`` and one per calendar."""
    out: dict[str, Clock] = {CLOCK_24X7: RealTimeClock()}
    for name, calendar in calendars.items():
        out[name] = CalendarClock(calendar)
    return out
