"""Availability throughput with maintenance windows, a limit and a notice: N outages over
a year across 50 services, N/10 windows (a tenth for every service), 12 monthly periods.

Run: ``.venv/bin/python bench/bench_availability.py [N]``. Prints the best of three runs
of ``downtime_by_period`` without and with the maintenance rule and windows. Goal: 100k
outages well under 2 s.
"""

from __future__ import annotations

import datetime as dt
import random
import sys
import time
from collections.abc import Callable

import polars as pl

from rules_engine.api import check_source
from rules_engine.evaluation.availability import downtime_by_period
from rules_engine.evaluation.clocks import Clocks
from rules_engine.evaluation.periods import parse_period
from rules_engine.evaluation.records import UTC_US, RecordContext

US = 1_000_000
POLICY = """policy "bench"
effective 2026-01-01
timezone "UTC"
currency USD
fee 1000 per month
maintenance at most 8h per period notice 5d
target up { of outages  measure availability on 24x7  require >= 99.9% }
"""


def best_of(runs: int, work: Callable[[], object]) -> float:
    times = []
    for _ in range(runs):
        began = time.perf_counter()
        work()
        times.append(time.perf_counter() - began)
    return min(times)


def instants(values: list[int]) -> pl.Series:
    return pl.Series(values, dtype=pl.Int64).cast(UTC_US)


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 100_000
    rng = random.Random(2026)
    year = int(dt.datetime(2026, 1, 1, tzinfo=dt.UTC).timestamp()) * US
    span = 365 * 86_400 * US
    services = [f"s{i}" for i in range(50)]
    starts = [year + rng.randrange(span) for _ in range(n)]
    outages = pl.DataFrame(
        {
            "id": [f"O{i}" for i in range(n)],
            "service": [rng.choice(services) for _ in range(n)],
            "started_at": instants(starts),
            "ended_at": instants([s + rng.randrange(4 * 3600 * US) for s in starts]),
            "planned": [rng.random() < 0.05 for _ in range(n)],
            "announced_at": instants([s - rng.randrange(10 * 86_400 * US) for s in starts]),
        }
    )
    w = n // 10
    w_starts = [year + rng.randrange(span) for _ in range(w)]
    windows = pl.DataFrame(
        {
            "id": [f"W{i}" for i in range(w)],
            "service": [None if i % 10 == 0 else rng.choice(services) for i in range(w)],
            "start": instants(w_starts),
            "end": instants([s + rng.randrange(8 * 3600 * US) for s in w_starts]),
            "announced_at": instants([s - rng.randrange(10 * 86_400 * US) for s in w_starts]),
        },
        schema_overrides={"service": pl.String},
    )
    policy = check_source(POLICY, "bench.sla").policy
    assert policy is not None
    first = parse_period("2026-01", "month", "UTC")
    bounds = [first.start]
    period = first
    for _ in range(12):
        period = period.next()
        bounds.append(period.start)
    ctx = RecordContext(policy, dt.datetime(2027, 1, 1, tzinfo=dt.UTC), Clocks(policy), bounds)
    rows = [
        ("no windows, no rule", best_of(3, lambda: downtime_by_period(outages, "24x7", ctx))),
        (
            "windows, limit and notice",
            best_of(
                3,
                lambda: downtime_by_period(outages, "24x7", ctx, windows, policy.maintenance),
            ),
        ),
    ]
    print(f"{n:,} outages, {w:,} windows, 12 periods")
    for label, seconds in rows:
        print(f"  {label:<28} {seconds:8.3f} s")


if __name__ == "__main__":
    main()
