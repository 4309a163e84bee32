"""Properties of clocks on random calendars and random instants around DST changes.

The oracle is a deliberately plain re-implementation: every local date's windows turned
into UTC intervals with ``datetime(..., tzinfo=ZoneInfo(...))`` (fold=0), merged, and
intersected with ``[a, b]``. It shares no code with the module under test.
"""

from __future__ import annotations

import datetime as dt
import itertools
from zoneinfo import ZoneInfo

import holidays
import polars as pl
from clock_helpers import US
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from rules_engine.evaluation.clock import CalendarClock, _Grid, build_clock
from rules_engine.language.model import Calendar, HolidaySpec, Window

ZONES = {
    # zone: (the holiday clause used with it, DST changes in 2026 as local wall times)
    "America/New_York": (HolidaySpec("US"), [(2026, 3, 8, 2), (2026, 11, 1, 1)]),
    "America/Los_Angeles": (HolidaySpec("US", "CA"), [(2026, 3, 8, 2), (2026, 11, 1, 1)]),
    "Europe/London": (HolidaySpec("GB", "ENG"), [(2026, 3, 29, 1), (2026, 10, 25, 1)]),
    "Australia/Sydney": (HolidaySpec("AU", "NSW"), [(2026, 4, 5, 2), (2026, 10, 4, 2)]),
    "Asia/Kolkata": (HolidaySpec("IN"), [(2026, 1, 1, 0), (2026, 7, 1, 0)]),
}
QUARTER_HOUR = 900
SETTINGS = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@st.composite
def day_windows(draw: st.DrawFn) -> tuple[Window, ...]:
    """0-3 sorted disjoint windows on a quarter-hour or minute grid, 24:00 allowed."""
    unit = draw(st.sampled_from([QUARTER_HOUR, 60]))
    marks = draw(st.lists(st.integers(0, 86_400 // unit), max_size=6, unique=True))
    marks.sort()
    pairs = zip(marks[::2], marks[1::2], strict=False)
    return tuple(Window(a * unit, b * unit) for a, b in pairs)


@st.composite
def calendars(draw: st.DrawFn) -> Calendar:
    zone = draw(st.sampled_from(sorted(ZONES)))
    week = tuple(draw(day_windows()) for _ in range(7))
    spec, _ = ZONES[zone]
    specs = (spec,) if draw(st.booleans()) else ()
    closed = tuple(
        draw(
            st.lists(st.dates(dt.date(2025, 12, 1), dt.date(2027, 1, 31)), max_size=4, unique=True)
        )
    )
    return Calendar("random", zone, week, specs, closed)


@st.composite
def instants(draw: st.DrawFn, zone: str) -> int:
    """Epoch microseconds, mostly within four days of one of the zone's DST changes."""
    if draw(st.booleans()):
        y, m, d, h = draw(st.sampled_from(ZONES[zone][1]))
        centre = dt.datetime(y, m, d, h, tzinfo=ZoneInfo(zone)).astimezone(dt.UTC)
        around = draw(st.integers(-4 * 86_400 * US, 4 * 86_400 * US))
        return _us(centre) + around
    moment = draw(
        st.datetimes(dt.datetime(2025, 12, 1), dt.datetime(2027, 1, 31), timezones=st.just(dt.UTC))
    )
    return _us(moment)


def _us(moment: dt.datetime) -> int:
    return (moment - dt.datetime(1970, 1, 1, tzinfo=dt.UTC)) // dt.timedelta(microseconds=1)


def _col(*us: int | None) -> pl.Series:
    return pl.Series("t", list(us), dtype=pl.Int64).cast(pl.Datetime("us", "UTC"))


def oracle_open_us(calendar: Calendar, a: int, b: int) -> int:
    """Open microseconds in ``[a, b]`` by brute force over local dates."""
    tz = ZoneInfo(calendar.timezone)
    epoch = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)
    first = (epoch + dt.timedelta(microseconds=a)).astimezone(tz).date() - dt.timedelta(days=2)
    last = (epoch + dt.timedelta(microseconds=b)).astimezone(tz).date() + dt.timedelta(days=2)
    closed = set(calendar.closed)
    for spec in calendar.holidays:
        table = holidays.country_holidays(
            spec.country, subdiv=spec.subdivision, years=range(first.year, last.year + 1)
        )
        closed.update(table)
    intervals = []
    day = first
    while day <= last:
        if day not in closed:
            for window in calendar.windows[day.weekday()]:
                ends = []
                for seconds in (window.start, window.end):
                    date = day + dt.timedelta(days=seconds // 86_400)
                    rest = seconds % 86_400
                    wall = dt.datetime(
                        date.year, date.month, date.day, rest // 3600, rest % 3600 // 60, tzinfo=tz
                    )
                    ends.append(_us(wall.astimezone(dt.UTC)))
                if ends[1] > ends[0]:
                    intervals.append((ends[0], ends[1]))
        day += dt.timedelta(days=1)
    intervals.sort()
    merged: list[list[int]] = []
    for s, e in intervals:
        if merged and s <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], e)
        else:
            merged.append([s, e])
    return sum(max(0, min(e, b) - max(s, a)) for s, e in merged)


@SETTINGS
@given(data=st.data(), calendar=calendars())
def test_open_time_matches_the_brute_force_oracle(data: st.DataObject, calendar: Calendar) -> None:
    a = data.draw(instants(calendar.timezone))
    b = data.draw(instants(calendar.timezone))
    a, b = min(a, b), max(a, b)
    clock = build_clock(calendar)
    [measured] = clock.elapsed_us(_col(a), _col(b)).to_list()
    assert measured == oracle_open_us(calendar, a, b)


@SETTINGS
@given(data=st.data(), calendar=calendars())
def test_never_negative_monotone_and_at_most_real_time(
    data: st.DataObject, calendar: Calendar
) -> None:
    points = sorted(data.draw(st.lists(instants(calendar.timezone), min_size=2, max_size=30)))
    clock = build_clock(calendar)
    f = clock.cumulative_us(_col(*points)).to_list()
    for (t0, f0), (t1, f1) in itertools.pairwise(zip(points, f, strict=True)):
        assert 0 <= f1 - f0 <= t1 - t0


@SETTINGS
@given(data=st.data(), calendar=calendars())
def test_additive_across_separate_calls(data: st.DataObject, calendar: Calendar) -> None:
    # Separate calls, the later ones reaching other years, so the table is rebuilt between
    # them: F's origin must not move.
    a, b, c = sorted(data.draw(instants(calendar.timezone)) for _ in range(3))
    far = data.draw(st.sampled_from([None, 2024, 2029]))
    clock = build_clock(calendar)
    ab = clock.elapsed_us(_col(a), _col(b)).item()
    if far is not None:
        clock.cumulative_us(_col(_us(dt.datetime(far, 6, 1, tzinfo=dt.UTC))))
    bc = clock.elapsed_us(_col(b), _col(c)).item()
    ac = clock.elapsed_us(_col(a), _col(c)).item()
    assert ab >= 0 and bc >= 0
    assert ac == ab + bc


@SETTINGS
@given(data=st.data(), calendar=calendars())
def test_add_open_time_is_the_earliest_inverse(data: st.DataObject, calendar: Calendar) -> None:
    t = data.draw(instants(calendar.timezone))
    amount = data.draw(st.integers(0, 200 * 3600 * US))
    clock = build_clock(calendar)
    due = clock.add_open_time(_col(t), amount).cast(pl.Int64).item()
    if due is None:
        # Only a calendar without a single window may never get there.
        assert not any(calendar.windows)
        return
    f_t, f_due, f_before = clock.cumulative_us(_col(t, due, due - 1)).to_list()
    assert f_due - f_t == amount
    if amount == 0:
        assert due == t
    else:
        assert f_before < f_t + amount


@SETTINGS
@given(data=st.data(), calendar=calendars())
def test_is_open_means_the_clock_is_running(data: st.DataObject, calendar: Calendar) -> None:
    ts = data.draw(st.lists(instants(calendar.timezone), min_size=1, max_size=20))
    clock = build_clock(calendar)
    assert isinstance(clock, CalendarClock)
    is_open = clock.is_open(_col(*ts)).to_list()
    step = clock.elapsed_us(_col(*ts), _col(*(t + 1 for t in ts))).to_list()
    assert is_open == [s == 1 for s in step]


@SETTINGS
@given(st.lists(st.integers(-(2**58), 2**58), min_size=2, max_size=20))
def test_24x7_equals_real_elapsed_time(points: list[int]) -> None:
    clock = build_clock(None)
    a, b = _col(*points[:-1]), _col(*points[1:])
    assert clock.elapsed_us(a, b).to_list() == [y - x for x, y in itertools.pairwise(points)]
    amounts = pl.Series([y - x for x, y in itertools.pairwise(points)], dtype=pl.Int64)
    assert clock.add_open_time(a, amounts).cast(pl.Int64).to_list() == points[1:]


@SETTINGS
@given(data=st.data(), calendar=calendars())
def test_binary_search_path_agrees_with_the_grid(data: st.DataObject, calendar: Calendar) -> None:
    # Calendars whose boundaries share no coarse step (odd seconds, historic offsets) fall
    # back from the lookup grid to a binary search; both must give the same answers.
    ts = data.draw(st.lists(instants(calendar.timezone), min_size=1, max_size=20))
    amounts = data.draw(st.lists(st.integers(0, 100 * 3600 * US), min_size=1, max_size=1))
    fast = build_clock(calendar)
    saved = _Grid.MAX_BUCKETS
    _Grid.MAX_BUCKETS = 0
    try:
        slow = build_clock(calendar)
        results = [
            (
                c.cumulative_us(_col(*ts)).to_list(),
                c.is_open(_col(*ts)).to_list(),
                c.add_open_time(_col(*ts), amounts[0]).to_list(),
            )
            for c in (slow, fast)
        ]
        assert isinstance(slow, CalendarClock) and slow._grid is None
    finally:
        _Grid.MAX_BUCKETS = saved
    assert results[0][1:] == results[1][1:]
    # F's origin is the same for both (the start of the first table), so F itself agrees.
    assert results[0][0] == results[1][0]
