"""Hand-worked clock cases: the arithmetic is in each comment, never taken from the code."""

from __future__ import annotations

import datetime as dt
import json

import polars as pl
import pytest
from clock_helpers import US, H, M, at, calendar, column, windows
from paths import CONFORMANCE

from rules_engine.evaluation.clock import (
    CalendarClock,
    CalendarError,
    RealTimeClock,
    build_clock,
    clocks_for,
    holiday_spec_problems,
)
from rules_engine.language.model import HolidaySpec

NY = "America/New_York"

US_BUSINESS = calendar(
    NY, holidays=(HolidaySpec("US"),), closed=(dt.date(2026, 4, 3), dt.date(2026, 12, 24))
)
"""s01's calendar: Mon-Fri 08:00-18:00 New York, US holidays, two closed dates."""


def business_seconds(clock: CalendarClock | RealTimeClock, a: dt.datetime, b: dt.datetime) -> int:
    us = clock.open_us_between(a, b)
    assert us % US == 0
    return us // US


# --------------------------------------------------------------------------- s01 hand checks


@pytest.mark.parametrize(
    ("start", "end", "seconds"),
    [
        # Fri 01-09 17:30 -> Mon 01-12 08:45: 30m Friday + 45m Monday = 75m.
        ((2026, 1, 9, 17, 30), (2026, 1, 12, 8, 45), 75 * M),
        # New Year's Day 10:00 -> Fri 01-02 10:30: the holiday is closed, 08:00-10:30 = 2h30m.
        ((2026, 1, 1, 10, 0), (2026, 1, 2, 10, 30), 2 * H + 30 * M),
        # Fri 01-16 17:00 -> Tue 01-20 09:00, MLK Day (Mon 01-19) closed: 1h + 1h.
        ((2026, 1, 16, 17, 0), (2026, 1, 20, 9, 0), 2 * H),
        # Fri 01-30 16:00 -> Mon 02-02 11:00: 2h + 3h.
        ((2026, 1, 30, 16, 0), (2026, 2, 2, 11, 0), 5 * H),
        # Mon 02-09 09:00 -> Thu 02-12 10:00: 9h + 10h + 10h + 2h = 31h.
        ((2026, 2, 9, 9, 0), (2026, 2, 12, 10, 0), 31 * H),
        # Fri 03-06 16:00 EST -> Mon 03-09 10:00 EDT, spring forward on Sunday: 2h + 2h.
        ((2026, 3, 6, 16, 0), (2026, 3, 9, 10, 0), 4 * H),
        # Thu 04-02 17:00 -> Mon 04-06 09:00, Good Friday a closed date: 1h + 1h.
        ((2026, 4, 2, 17, 0), (2026, 4, 6, 9, 0), 2 * H),
        # Tue 06-30 17:00 -> Wed 07-01 10:00 (as-of): 1h + 2h.
        ((2026, 6, 30, 17, 0), (2026, 7, 1, 10, 0), 3 * H),
        # Fri 02-13 10:00 -> Tue 02-17 12:00 across Washington's Birthday: 8h + 4h.
        ((2026, 2, 13, 10, 0), (2026, 2, 17, 12, 0), 12 * H),
        # Memorial Day 10:00 -> Tue 05-26 17:00: Monday closed, 08:00-17:00 = 9h.
        ((2026, 5, 25, 10, 0), (2026, 5, 26, 17, 0), 9 * H),
        # Juneteenth (Fri 06-19) 09:00 -> Mon 06-22 09:00: 08:00-09:00 Monday = 1h.
        ((2026, 6, 19, 9, 0), (2026, 6, 22, 9, 0), 1 * H),
    ],
)
def test_s01_hand_checks(start: tuple[int, ...], end: tuple[int, ...], seconds: int) -> None:
    clock = build_clock(US_BUSINESS)
    assert business_seconds(clock, at(NY, *start), at(NY, *end)) == seconds


def test_s01_hand_checks_as_columns() -> None:
    # The same four cases as one vectorized call, with a null (not stopped yet) kept null.
    clock = build_clock(US_BUSINESS)
    starts = column(
        at(NY, 2026, 1, 9, 17, 30), at(NY, 2026, 1, 16, 17), at(NY, 2026, 3, 6, 16), None
    )
    ends = column(at(NY, 2026, 1, 12, 8, 45), at(NY, 2026, 1, 20, 9), None, at(NY, 2026, 3, 9))
    assert clock.elapsed_us(starts, ends).to_list() == [75 * M * US, 2 * H * US, None, None]


@pytest.mark.parametrize(
    ("scenario", "name", "zone", "first", "last"),
    [
        # The oracle lists whole calendar years, from the first period's year to the
        # as-of's year: s01 Jan-Jun 2026 (as-of 2026-07-01), s07 2026 (as-of 2027-01-10),
        # s10 May-Jun 2026 (as-of 2026-06-15).
        ("s01_acme_core_ny", "business", NY, dt.date(2026, 1, 1), dt.date(2026, 12, 31)),
        (
            "s07_lookback_bonus_exit",
            "office",
            "America/Denver",
            dt.date(2026, 1, 1),
            dt.date(2027, 12, 31),
        ),
        (
            "s10_boundaries_at_risk",
            "business",
            "America/Los_Angeles",
            dt.date(2026, 1, 1),
            dt.date(2026, 12, 31),
        ),
    ],
)
def test_holidays_used_matches_the_conformance_lists(
    scenario: str, name: str, zone: str, first: dt.date, last: dt.date
) -> None:
    path = CONFORMANCE / scenario / "expected.json"
    expected = json.loads(path.read_text(encoding="utf-8"))["calendars"][name]
    closed = tuple(dt.date.fromisoformat(day) for day in expected["closed"])
    clock = build_clock(calendar(zone, holidays=(HolidaySpec("US"),), closed=closed, name=name))
    used = clock.holidays_used(first, last)
    assert [[day.isoformat(), n] for day, n in used if n != "closed"] == expected["holidays_used"]
    assert [day.isoformat() for day, n in used if n == "closed"] == expected["closed"]


def test_holidays_used_is_clipped_to_the_range() -> None:
    clock = build_clock(US_BUSINESS)
    # January 2026: New Year's Day and MLK Day; nothing closed by `closed`.
    assert clock.holidays_used(dt.date(2026, 1, 1), dt.date(2026, 1, 31)) == [
        (dt.date(2026, 1, 1), "New Year's Day"),
        (dt.date(2026, 1, 19), "Martin Luther King Jr. Day"),
    ]
    assert clock.holidays_used(dt.date(2026, 4, 1), dt.date(2026, 4, 30)) == [
        (dt.date(2026, 4, 3), "closed")
    ]


# --------------------------------------------------------------------------- windows


def test_several_windows_a_day_skip_lunch() -> None:
    clock = build_clock(calendar(NY, windows("08:00-12:00", "13:00-18:00")))
    # Mon 2026-01-12 11:00 -> 14:00: 11-12 + 13-14 = 2h; the 12-13 lunch hour is closed.
    assert business_seconds(clock, at(NY, 2026, 1, 12, 11), at(NY, 2026, 1, 12, 14)) == 2 * H
    # A whole weekday is 4h + 5h = 9h: Mon 00:00 -> Tue 00:00.
    assert business_seconds(clock, at(NY, 2026, 1, 12), at(NY, 2026, 1, 13)) == 9 * H
    # 12:30 is at lunch, 12:00 is the end of a half-open window, 13:00 opens again.
    noon = column(at(NY, 2026, 1, 12, 12), at(NY, 2026, 1, 12, 12, 30), at(NY, 2026, 1, 12, 13))
    assert clock.is_open(noon).to_list() == [False, False, True]


def test_evening_window_to_midnight_then_early_morning() -> None:
    # Every day 22:00-24:00 and 00:00-06:00: an overnight shift written as two windows.
    night = windows("00:00-06:00", "22:00-24:00")
    clock = build_clock(calendar(NY, night, night))
    # Mon 01-12 21:00 -> Tue 07:00: 22:00-24:00 Mon (2h) + 00:00-06:00 Tue (6h) = 8h.
    assert business_seconds(clock, at(NY, 2026, 1, 12, 21), at(NY, 2026, 1, 13, 7)) == 8 * H
    # Midnight itself is open (the Tuesday window starts there).
    assert clock.is_open(column(at(NY, 2026, 1, 13))).to_list() == [True]
    # Sat 03-07 22:00 EST (03:00Z) -> Sun 03-08 06:00 EDT (10:00Z): 7h of real time, the
    # Sunday window 00:00-06:00 lost its 02:00-03:00 hour to spring-forward.
    assert business_seconds(clock, at(NY, 2026, 3, 7, 22), at(NY, 2026, 3, 8, 6)) == 7 * H


def test_all_day_calendar_has_23_and_25_hour_dst_days() -> None:
    day = windows("00:00-24:00")
    clock = build_clock(calendar(NY, day, day))
    # Spring forward Sun 2026-03-08: 00:00 EST (05:00Z) -> 00:00 EDT Mon (04:00Z) = 23h.
    assert business_seconds(clock, at(NY, 2026, 3, 8), at(NY, 2026, 3, 9)) == 23 * H
    # Fall back Sun 2026-11-01: 00:00 EDT (04:00Z) -> 00:00 EST Mon (05:00Z) = 25h.
    assert business_seconds(clock, at(NY, 2026, 11, 1), at(NY, 2026, 11, 2)) == 25 * H
    # March 2026 in New York: 31 x 24 - 1 = 743h, as on the 24x7 clock.
    march = (at(NY, 2026, 3, 1), at(NY, 2026, 4, 1))
    assert business_seconds(clock, *march) == 743 * H
    assert business_seconds(build_clock(None), *march) == 743 * H


def test_sydney_april_on_an_all_day_calendar_has_721_hours() -> None:
    zone = "Australia/Sydney"
    day = windows("00:00-24:00")
    clock = build_clock(calendar(zone, day, day))
    # DST ends Sun 2026-04-05 in Sydney (03:00 AEDT -> 02:00 AEST): 30 x 24 + 1 = 721h.
    assert business_seconds(clock, at(zone, 2026, 4, 1), at(zone, 2026, 5, 1)) == 721 * H


def test_nonexistent_window_start_resolves_with_fold_0() -> None:
    # Sunday 2026-03-08 02:30-04:00 New York: 02:30 does not exist; fold=0 reads it with
    # the offset before the change (EST, -5) = 07:30Z; 04:00 EDT = 08:00Z. Length 30m.
    clock = build_clock(calendar(NY, (), windows("02:30-04:00")))
    sunday = (at(NY, 2026, 3, 8), at(NY, 2026, 3, 9))
    assert business_seconds(clock, *sunday) == 30 * M
    # A normal Sunday (03-15) has the full 1h30m.
    assert business_seconds(clock, at(NY, 2026, 3, 15), at(NY, 2026, 3, 16)) == 90 * M


def test_ambiguous_window_start_resolves_with_fold_0() -> None:
    # Sunday 2026-11-01 01:30-02:00 New York: 01:30 happens twice; fold=0 is the first
    # (EDT, -4) = 05:30Z; 02:00 EST = 07:00Z. Length 1h30m of real time.
    clock = build_clock(calendar(NY, (), windows("01:30-02:00")))
    assert business_seconds(clock, at(NY, 2026, 11, 1), at(NY, 2026, 11, 2)) == 90 * M


def test_windows_that_overlap_after_a_dst_gap_count_once() -> None:
    # Sunday 2026-03-08 01:00-02:30 and 03:00-04:00 New York. With fold=0 the first is
    # 06:00Z-07:30Z (02:30 read as EST) and the second 07:00Z-08:00Z (EDT); their union
    # 06:00Z-08:00Z is 2h, not 1h30m + 1h.
    clock = build_clock(calendar(NY, (), windows("01:00-02:30", "03:00-04:00")))
    assert business_seconds(clock, at(NY, 2026, 3, 8), at(NY, 2026, 3, 9)) == 2 * H


# --------------------------------------------------------------------------- holidays


def test_except_keeps_a_named_holiday_open() -> None:
    monday = (at(NY, 2026, 10, 12, 9), at(NY, 2026, 10, 12, 10))  # Columbus Day 09-10
    with_it = build_clock(calendar(NY, holidays=(HolidaySpec("US"),)))
    without = build_clock(
        calendar(NY, holidays=(HolidaySpec("US", except_names=("Columbus Day",)),))
    )
    assert business_seconds(with_it, *monday) == 0
    assert business_seconds(without, *monday) == 1 * H
    names = [n for _, n in without.holidays_used(dt.date(2026, 10, 1), dt.date(2026, 10, 31))]
    assert names == []


def test_gb_without_england_has_no_easter_monday() -> None:
    zone = "Europe/London"
    easter_monday = (at(zone, 2026, 4, 6), at(zone, 2026, 4, 7))
    gb = build_clock(calendar(zone, windows("09:00-17:30"), holidays=(HolidaySpec("GB"),)))
    eng = build_clock(calendar(zone, windows("09:00-17:30"), holidays=(HolidaySpec("GB", "ENG"),)))
    # Mon 2026-04-06: open 09:00-17:30 = 8h30m in GB, closed in England.
    assert business_seconds(gb, *easter_monday) == 8 * H + 30 * M
    assert business_seconds(eng, *easter_monday) == 0
    assert (dt.date(2026, 4, 6), "Easter Monday") in eng.holidays_used(
        dt.date(2026, 4, 1), dt.date(2026, 4, 30)
    )


def test_nsw_anzac_day_observed_on_monday_27_april() -> None:
    zone = "Australia/Sydney"
    clock = build_clock(
        calendar(zone, windows("09:00-17:00"), holidays=(HolidaySpec("AU", "NSW"),))
    )
    # Fri 04-24 16:00 -> Tue 04-28 10:00: Friday 1h, Sat 25th (ANZAC Day) has no window
    # anyway, Mon 27th (observed) closed, Tuesday 09-10 1h = 2h.
    assert business_seconds(clock, at(zone, 2026, 4, 24, 16), at(zone, 2026, 4, 28, 10)) == 2 * H
    used = clock.holidays_used(dt.date(2026, 4, 1), dt.date(2026, 4, 30))
    assert (dt.date(2026, 4, 27), "ANZAC Day (observed)") in used
    assert (dt.date(2026, 4, 4), "Easter Saturday") in used


def test_a_date_with_two_holiday_names_stays_closed_until_both_are_excepted() -> None:
    zone = "Asia/Kolkata"
    # Thu 2025-10-02 in India is both Dussehra and Mahatma Gandhi's Birthday.
    thursday = (at(zone, 2025, 10, 2), at(zone, 2025, 10, 3))

    def clock(*excepted: str) -> CalendarClock | RealTimeClock:
        spec = HolidaySpec("IN", except_names=excepted)
        return build_clock(calendar(zone, windows("09:00-17:00"), holidays=(spec,)))

    assert business_seconds(clock(), *thursday) == 0
    one = clock("Dussehra")
    assert business_seconds(one, *thursday) == 0
    assert one.holidays_used(dt.date(2025, 10, 2), dt.date(2025, 10, 2)) == [
        (dt.date(2025, 10, 2), "Mahatma Gandhi's Birthday")
    ]
    both = clock("Dussehra", "Mahatma Gandhi's Birthday")
    assert business_seconds(both, *thursday) == 8 * H
    [(_, joined)] = clock().holidays_used(dt.date(2025, 10, 2), dt.date(2025, 10, 2))
    assert sorted(joined.split("; ")) == ["Dussehra", "Mahatma Gandhi's Birthday"]


def test_closed_dates_close_whole_local_dates() -> None:
    clock = build_clock(calendar(NY, closed=(dt.date(2026, 12, 24),)))
    # Wed 12-23 17:00 -> Fri 12-25 09:00 (no holiday clause): 1h Wed, Thu closed, 1h Fri.
    assert business_seconds(clock, at(NY, 2026, 12, 23, 17), at(NY, 2026, 12, 25, 9)) == 2 * H


def test_holiday_spec_problems_for_the_checker() -> None:
    assert holiday_spec_problems(HolidaySpec("US"), range(2026, 2027)) == []
    [country] = holiday_spec_problems(HolidaySpec("XX"), range(2026, 2027))
    assert country == "the holidays package has no country `XX`"
    [subdivision] = holiday_spec_problems(HolidaySpec("GB", "EN"), range(2026, 2027))
    assert "`EN`" in subdivision and "ENG" in subdivision
    [name] = holiday_spec_problems(
        HolidaySpec("US", except_names=("Colombus Day",)), range(2026, 2027)
    )
    assert "did you mean `Columbus Day`" in name


# --------------------------------------------------------------------------- inverse


def test_add_open_time_is_the_inverse_of_f() -> None:
    clock = build_clock(US_BUSINESS)
    starts = column(
        at(NY, 2026, 1, 9, 17, 30),  # + 75m: 30m Friday, 45m Monday -> Mon 08:45
        at(NY, 2026, 1, 16, 17),  # + 2h: 1h Friday, MLK Monday closed, 1h Tue -> Tue 09:00
        at(NY, 2026, 1, 9, 17),  # + 1h: ends with Friday's window -> Fri 18:00, not Monday
        at(NY, 2026, 1, 10, 12),  # + 0 on a Saturday: the instant itself
        None,
    )
    amounts = pl.Series([75 * M * US, 2 * H * US, 1 * H * US, 0, 5 * US], dtype=pl.Int64)
    assert (
        clock.add_open_time(starts, amounts).to_list()
        == column(
            at(NY, 2026, 1, 12, 8, 45),
            at(NY, 2026, 1, 20, 9),
            at(NY, 2026, 1, 9, 18),
            at(NY, 2026, 1, 10, 12),
            None,
        ).to_list()
    )


def test_add_open_time_reaches_past_the_built_years() -> None:
    clock = build_clock(calendar(NY))
    # Mon 2026-12-28 08:00 + 50h = five 10h weekdays: Mon 28, Tue 29, Wed 30, Thu 31 (no
    # holiday clause), Fri 2027-01-01 -> ends Fri 2027-01-01 18:00.
    due = clock.add_open_time(column(at(NY, 2026, 12, 28, 8)), 50 * H * US)
    assert due.to_list() == column(at(NY, 2027, 1, 1, 18)).to_list()


def test_a_calendar_that_is_never_open() -> None:
    clock = build_clock(calendar(NY, ()))
    week = (at(NY, 2026, 1, 5), at(NY, 2026, 1, 12))
    assert business_seconds(clock, *week) == 0
    assert clock.add_open_time(column(week[0]), 1).to_list() == [None]


# --------------------------------------------------------------------------- 24x7 and errors


def test_24x7_is_real_time_and_always_open() -> None:
    clock = build_clock(None)
    assert clock.name == "24x7"
    a, b = at(NY, 2026, 3, 7, 22), at(NY, 2026, 3, 8, 6, 30)
    # Sat 22:00 EST (03:00Z) -> Sun 06:30 EDT (10:30Z) = 7h30m; the wall clock says 8h30m.
    assert clock.elapsed_us(column(a), column(b)).to_list() == [(7 * H + 30 * M) * US]
    assert clock.cumulative_us(
        column(dt.datetime(1970, 1, 1, 0, 0, 1, tzinfo=dt.UTC))
    ).to_list() == [US]
    assert clock.is_open(column(a, None)).to_list() == [True, None]
    assert clock.add_open_time(column(a), (7 * H + 30 * M) * US).to_list() == column(b).to_list()
    assert clock.holidays_used(dt.date(2026, 1, 1), dt.date(2026, 12, 31)) == []


def test_clocks_for_names_every_clock() -> None:
    clocks = clocks_for({"business": US_BUSINESS})
    assert sorted(clocks) == ["24x7", "business"]
    assert clocks["business"].timezone == NY


def test_other_units_and_zones_are_accepted() -> None:
    clock = build_clock(US_BUSINESS)
    utc = column(at(NY, 2026, 1, 12, 9))
    local_ms = utc.dt.convert_time_zone(NY).dt.cast_time_unit("ms")
    assert clock.cumulative_us(local_ms).to_list() == clock.cumulative_us(utc).to_list()


def test_bad_inputs_are_one_line_errors() -> None:
    clock = build_clock(US_BUSINESS)
    naive = pl.Series("created_at", [dt.datetime(2026, 1, 1)])
    with pytest.raises(TypeError, match="`created_at` has no time zone"):
        clock.cumulative_us(naive)
    with pytest.raises(CalendarError, match="unknown time zone `Mars/Olympus`"):
        build_clock(calendar("Mars/Olympus"))
    with pytest.raises(CalendarError, match="no country `UZZ`; help: did you mean `UZ`"):
        build_clock(calendar(NY, holidays=(HolidaySpec("UZZ"),)))
    with pytest.raises(CalendarError, match="1900-2200 only, but an instant falls in 2500"):
        clock.cumulative_us(column(dt.datetime(2500, 6, 1, tzinfo=dt.UTC)))


def test_empty_and_all_null_columns_on_a_fresh_clock() -> None:
    for make in (lambda: column(), lambda: column(None, None)):
        clock = build_clock(US_BUSINESS)
        ts = make()
        n = len(ts)
        assert clock.cumulative_us(ts).to_list() == [None] * n
        assert clock.elapsed_us(ts, ts).to_list() == [None] * n
        assert clock.is_open(ts).to_list() == [None] * n
        assert clock.add_open_time(ts, 5).to_list() == [None] * n
        assert build_clock(None).add_open_time(ts, 5).to_list() == [None] * n


def test_instants_beyond_python_datetimes_are_calendar_errors() -> None:
    clock = build_clock(US_BUSINESS)
    far = pl.Series("t", [2**62], dtype=pl.Int64).cast(pl.Datetime("us", "UTC"))
    with pytest.raises(CalendarError, match="1900-2200 only"):
        clock.cumulative_us(far)


def test_new_years_day_observed_in_the_year_before() -> None:
    clock = build_clock(calendar(NY, holidays=(HolidaySpec("US"),)))
    # 2028-01-01 is a Saturday, observed Fri 2027-12-31. Thu 12-30 17:00 -> Mon 2028-01-03
    # 09:00: 1h Thursday + Friday closed + 1h Monday = 2h.
    a, b = at(NY, 2027, 12, 30, 17), at(NY, 2028, 1, 3, 9)
    assert business_seconds(clock, a, b) == 2 * H
    assert (dt.date(2027, 12, 31), "New Year's Day (observed)") in clock.holidays_used(
        dt.date(2027, 12, 1), dt.date(2028, 1, 31)
    )


def test_a_window_to_midnight_belongs_to_its_start_date() -> None:
    night = windows("00:00-06:00", "22:00-24:00")
    clock = build_clock(calendar(NY, night, night, closed=(dt.date(2026, 1, 13),)))
    # Mon 01-12 21:00 -> Wed 01-14 07:00 with Tuesday closed: Monday's 22:00-24:00 counts
    # (it starts on Monday) = 2h; Tuesday's 00:00-06:00 and 22:00-24:00 do not; Wednesday
    # 00:00-06:00 = 6h. Total 8h.
    assert business_seconds(clock, at(NY, 2026, 1, 12, 21), at(NY, 2026, 1, 14, 7)) == 8 * H
