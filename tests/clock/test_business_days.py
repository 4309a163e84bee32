"""Business days ``D(t)`` (DESIGN "Business days"): worked cases by hand, and properties on
random calendars with holidays and DST against a brute-force model that steps through
local dates one by one (it shares no code with the clock)."""

from __future__ import annotations

import datetime as dt
import itertools
from fractions import Fraction
from zoneinfo import ZoneInfo

import holidays
import polars as pl
from clock_helpers import at, calendar, column, windows
from hypothesis import given
from hypothesis import strategies as st
from test_clock_properties import SETTINGS, _col, _us, calendars, instants

from rules_engine.evaluation.clock import BD_US, build_clock
from rules_engine.language.model import Calendar

NY = "America/New_York"
NINE_TO_FIVE = calendar(NY, windows("08:00-17:00"))


def days(cal: Calendar, *moments: dt.datetime) -> list[Fraction]:
    """``D`` at each moment, as exact business days relative to the first."""
    d = build_clock(cal).cumulative_bd(column(*moments)).to_list()
    return [Fraction(v - d[0], BD_US) for v in d]


def test_tuesday_14h_to_friday_14h_is_three_business_days() -> None:
    # 2026-03-03 is a Tuesday; Tue 6/9 of the day + Wed + Thu + Fri 6/9 -> 3 days
    _, friday = days(NINE_TO_FIVE, at(NY, 2026, 3, 3, 14), at(NY, 2026, 3, 6, 14))
    assert friday == 3


def test_saturday_ticket_meets_3bd_until_business_resumes_on_thursday() -> None:
    # Sat 10:00 (closed: D flat) -> Mon, Tue, Wed all open = 3 at Wed 17:00, still 3
    # overnight and at Thu 08:00; Thu 12:30 is half of Thursday more (4.5h of 9h)
    _, wed_end, thu_open, thu_noon = days(
        NINE_TO_FIVE,
        at(NY, 2026, 3, 7, 10),
        at(NY, 2026, 3, 11, 17),
        at(NY, 2026, 3, 12, 8),
        at(NY, 2026, 3, 12, 12, 30),
    )
    assert (wed_end, thu_open, thu_noon) == (3, 3, Fraction(7, 2))


def test_a_day_with_a_lunch_break_or_a_short_saturday_counts_as_one() -> None:
    cal = calendar(NY, windows("08:00-12:00", "13:00-18:00"), windows("09:00-13:00"))
    # Mon 2026-03-02: 9 open hours; at 12:30 (lunch) 4 of 9 are used -> 4/9
    _, lunch, end = days(
        cal, at(NY, 2026, 3, 2, 8), at(NY, 2026, 3, 2, 12, 30), at(NY, 2026, 3, 2, 18)
    )
    assert (lunch, end) == (Fraction(4, 9), 1)
    # Sat 2026-03-07 09:00-13:00 is a whole day too; at 11:00 half of it
    _, half, whole = days(
        cal, at(NY, 2026, 3, 7, 9), at(NY, 2026, 3, 7, 11), at(NY, 2026, 3, 7, 13)
    )
    assert (half, whole) == (Fraction(1, 2), 1)


def test_a_holiday_is_no_business_day() -> None:
    cal = calendar(NY, windows("08:00-17:00"), closed=(dt.date(2026, 3, 4),))
    # Tue 14:00 -> Fri 14:00 with Wednesday closed: 2 days instead of 3
    _, friday = days(cal, at(NY, 2026, 3, 3, 14), at(NY, 2026, 3, 6, 14))
    assert friday == 2


def test_a_dst_day_is_one_business_day_whatever_its_length() -> None:
    cal = calendar(NY, windows("00:00-24:00"), windows("00:00-24:00"))
    # 2026-03-08 (spring forward) has 23 hours: still exactly one day midnight to midnight
    start, end = at(NY, 2026, 3, 8, 0), at(NY, 2026, 3, 9, 0)
    assert days(cal, start, end)[1] == 1


# --------------------------------------------------------------------------- properties


def oracle_days(cal: Calendar, a: int, b: int) -> Fraction:
    """``D(b) - D(a)`` by stepping through local dates: whole open days between, plus
    the shares of the first and last date's open time (their windows' union)."""
    tz = ZoneInfo(cal.timezone)
    epoch = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)
    closed = set(cal.closed)
    lo = (epoch + dt.timedelta(microseconds=a)).astimezone(tz).date()
    hi = (epoch + dt.timedelta(microseconds=b)).astimezone(tz).date()
    for spec in cal.holidays:
        closed.update(
            holidays.country_holidays(
                spec.country, subdiv=spec.subdivision, years=range(lo.year - 1, hi.year + 2)
            )
        )

    def intervals(day: dt.date) -> list[tuple[int, int]]:
        if day in closed:
            return []
        out = []
        for window in cal.windows[day.weekday()]:
            ends = []
            for seconds in (window.start, window.end):
                date = day + dt.timedelta(days=seconds // 86_400)
                rest = seconds % 86_400
                wall = dt.datetime(
                    date.year, date.month, date.day, rest // 3600, rest % 3600 // 60, tzinfo=tz
                )
                ends.append(_us(wall.astimezone(dt.UTC)))
            if ends[1] > ends[0]:
                out.append((ends[0], ends[1]))
        return out

    def share(day: dt.date, t: int) -> Fraction:
        spans = sorted(intervals(day))
        merged: list[list[int]] = []
        for s, e in spans:
            if merged and s <= merged[-1][1]:
                merged[-1][1] = max(merged[-1][1], e)
            else:
                merged.append([s, e])
        total = sum(e - s for s, e in merged)
        if total == 0:
            return Fraction(0)
        return Fraction(sum(max(0, min(e, t) - s) for s, e in merged), total)

    whole = 0
    day = lo
    while day < hi:
        whole += 1 if intervals(day) else 0
        day += dt.timedelta(days=1)
    return whole + share(hi, b) - share(lo, a)


@SETTINGS
@given(data=st.data(), cal=calendars())
def test_business_days_match_the_day_stepping_model(data: st.DataObject, cal: Calendar) -> None:
    a = data.draw(instants(cal.timezone))
    b = data.draw(instants(cal.timezone))
    a, b = min(a, b), max(a, b)
    da, db = build_clock(cal).cumulative_bd(_col(a, b)).to_list()
    # the clock spreads a day's open time over BD_US units, rounding each end down
    assert abs((db - da) - oracle_days(cal, a, b) * BD_US) <= 1


@SETTINGS
@given(data=st.data(), cal=calendars())
def test_business_days_are_monotone_and_additive(data: st.DataObject, cal: Calendar) -> None:
    points = sorted(data.draw(st.lists(instants(cal.timezone), min_size=3, max_size=20)))
    clock = build_clock(cal)
    d = clock.cumulative_bd(_col(*points)).to_list()
    for d0, d1 in itertools.pairwise(d):
        assert d1 >= d0
    # additive: measured one pair at a time, the pieces add up to the whole
    pieces = [
        clock.cumulative_bd(_col(p1)).to_list()[0] - clock.cumulative_bd(_col(p0)).to_list()[0]
        for p0, p1 in itertools.pairwise(points)
    ]
    assert sum(pieces) == d[-1] - d[0]


@SETTINGS
@given(cal=calendars(), day=st.dates(dt.date(2026, 1, 1), dt.date(2026, 12, 31)))
def test_an_open_day_counts_exactly_one(cal: Calendar, day: dt.date) -> None:
    tz = ZoneInfo(cal.timezone)
    start = dt.datetime(day.year, day.month, day.day, tzinfo=tz)
    nxt = day + dt.timedelta(days=1)
    end = dt.datetime(nxt.year, nxt.month, nxt.day, tzinfo=tz)
    clock = build_clock(cal)
    d0, d1 = clock.cumulative_bd(column(start, end)).to_list()
    opened = oracle_days(cal, _us(start.astimezone(dt.UTC)), _us(end.astimezone(dt.UTC)))
    assert opened in (0, 1)  # the model's own count: 1 for an open date, 0 for a closed one
    assert d1 - d0 == opened * BD_US


def test_null_instants_stay_null() -> None:
    clock = build_clock(NINE_TO_FIVE)
    out = clock.cumulative_bd(pl.Series("t", [None], dtype=pl.Datetime("us", "UTC")))
    assert out.to_list() == [None]
