"""Clock throughput: F(t) over 1M random instants in 2026 on the s01 business calendar.

Run: ``.venv/bin/python bench/bench_clock.py [N]``. Prints the best of five runs of each
operation (a fresh clock for the cold run includes building the interval table and the
holiday lookups). Goal: ``cumulative_us`` on 1M instants well under 0.5 s.
"""

from __future__ import annotations

import datetime as dt
import random
import sys
import time
from collections.abc import Callable

import polars as pl

from rules_engine.evaluation.clock import build_clock
from rules_engine.language.model import Calendar, HolidaySpec, Window

H = 3600
US = 1_000_000
BUSINESS = Calendar(
    "business",
    "America/New_York",
    ((Window(8 * H, 18 * H),),) * 5 + ((), ()),
    (HolidaySpec("US"),),
    (dt.date(2026, 4, 3), dt.date(2026, 12, 24)),
)


def best_of(runs: int, work: Callable[[], object]) -> float:
    times = []
    for _ in range(runs):
        began = time.perf_counter()
        work()
        times.append(time.perf_counter() - began)
    return min(times)


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 1_000_000
    rng = random.Random(2026)
    year_start = int(dt.datetime(2026, 1, 1, tzinfo=dt.UTC).timestamp()) * US
    year_us = 365 * 86_400 * US
    starts_us = [year_start + rng.randrange(year_us) for _ in range(n)]
    ends_us = [s + rng.randrange(72 * H * US) for s in starts_us]
    starts = pl.Series("created_at", starts_us, dtype=pl.Int64).cast(pl.Datetime("us", "UTC"))
    ends = pl.Series("resolved_at", ends_us, dtype=pl.Int64).cast(pl.Datetime("us", "UTC"))
    amounts = pl.Series("limit", [8 * H * US] * n, dtype=pl.Int64)

    began = time.perf_counter()
    import holidays  # noqa: F401  (what the first calendar with holidays pays once)

    load_holidays = time.perf_counter() - began
    clock = build_clock(BUSINESS)
    cold = best_of(1, lambda: clock.cumulative_us(starts))
    rows = [
        ("import holidays (once per process)", load_holidays),
        ("cumulative_us, cold (table for 2026)", cold),
        ("cumulative_us", best_of(5, lambda: clock.cumulative_us(starts))),
        ("elapsed_us (2 columns)", best_of(5, lambda: clock.elapsed_us(starts, ends))),
        ("cumulative_bd (business days, D(t))", best_of(5, lambda: clock.cumulative_bd(starts))),
        ("is_open", best_of(5, lambda: clock.is_open(starts))),
        ("add_open_time", best_of(5, lambda: clock.add_open_time(starts, amounts))),
        ("24x7 elapsed_us", best_of(5, lambda: build_clock(None).elapsed_us(starts, ends))),
        ("build clock 2026 (no column)", best_of(5, lambda: _fresh_table())),
    ]
    print(f"{n:,} instants in 2026, calendar Mon-Fri 08:00-18:00 New York, US holidays")
    for label, seconds in rows:
        print(f"  {label:<40} {seconds * 1000:8.1f} ms")


def _fresh_table() -> None:
    clock = build_clock(BUSINESS)
    clock.open_us_between(
        dt.datetime(2026, 1, 1, tzinfo=dt.UTC), dt.datetime(2026, 12, 31, tzinfo=dt.UTC)
    )


if __name__ == "__main__":
    main()
