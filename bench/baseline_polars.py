"""The benchmark workload written by hand in Polars: the yardstick for ``sla eval``.

Three targets over a year of tickets, per month in New York time, as of an instant:
P1 response within 15m on 24x7 (95%), P2 resolution within 8h on Mon-Fri 08:00-18:00
New York with US holidays, customer pauses excluded (90%), P3 p90 <= 27h on the same
calendar. It writes the same facts ``sla eval`` reports for them (counts, exact value,
budget, percentile rank and value, every breached and pending record with its time), so
``bench_eval.py`` can check the two agree before comparing their speed.

    python bench/baseline_polars.py TICKETS.parquet --as-of 2027-01-10T00:00:00+00:00 -o out.json
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import math
from fractions import Fraction
from zoneinfo import ZoneInfo

import holidays
import polars as pl

TZ = "America/New_York"
US = 1_000_000
TS = pl.Datetime("us", "UTC")


def business_table(first_year: int, last_year: int) -> tuple[pl.Series, pl.Series, pl.Series]:
    """Open intervals (UTC µs) of Mon-Fri 08:00-18:00 New York minus US holidays, with the
    open time before each."""
    zone = ZoneInfo(TZ)
    closed = holidays.country_holidays("US", years=range(first_year - 1, last_year + 2))
    starts: list[int] = []
    ends: list[int] = []
    day = dt.date(first_year, 1, 1)
    while day.year <= last_year:
        if day.weekday() < 5 and day not in closed:
            a = dt.datetime(day.year, day.month, day.day, 8, tzinfo=zone)
            b = dt.datetime(day.year, day.month, day.day, 18, tzinfo=zone)
            starts.append(int(a.timestamp()) * US)
            ends.append(int(b.timestamp()) * US)
        day += dt.timedelta(days=1)
    start = pl.Series(starts, dtype=pl.Int64)
    length = pl.Series(ends, dtype=pl.Int64) - start
    before = length.cum_sum() - length
    return start, length, before


def business_f(ts: pl.Series, table: tuple[pl.Series, pl.Series, pl.Series]) -> pl.Series:
    start, length, before = table
    t = ts.dt.epoch("us")
    i = (start.search_sorted(t, side="right").cast(pl.Int64) - 1).clip(0)
    s, n, b = start.gather(i), length.gather(i), before.gather(i)
    inside = (t - s).clip(0)
    return b + pl.select(pl.min_horizontal(inside, n)).to_series()


def seconds(us: int) -> int | str:
    if us % US == 0:
        return us // US
    return str(round(Fraction(us, US), 3))  # not reached by the generated data


def month_starts(as_of: dt.datetime) -> list[dt.datetime]:
    zone = ZoneInfo(TZ)
    return [dt.datetime(2026, m, 1, tzinfo=zone) for m in range(1, 13)] + [
        dt.datetime(2027, 1, 1, tzinfo=zone)
    ]


def measure(
    frame: pl.DataFrame, stop: str, as_of: dt.datetime, business: bool, table: tuple, pauses: bool
) -> pl.DataFrame:
    at = pl.lit(as_of, dtype=TS)
    df = (
        frame.with_row_index("row")
        .with_columns(pl.when(pl.col(stop) <= at).then(pl.col(stop)).alias("stop_seen"))
        .with_columns(pl.col("stop_seen").fill_null(at).alias("end"))
    )
    if business:
        gross = business_f(df["end"], table) - business_f(df["created_at"], table)
    else:
        gross = df["end"].dt.epoch("us") - df["created_at"].dt.epoch("us")
    df = df.with_columns(gross.alias("gross"))
    paused = pl.lit(0, dtype=pl.Int64)
    if pauses:
        # pause end: a running pause (null) runs to the ticket's end
        p = (
            df.select("row", "created_at", "end", "pauses")
            .explode("pauses")
            .with_columns(
                pl.col("pauses").struct.field("start").alias("s"),
                pl.col("pauses").struct.field("end").alias("e"),
                pl.col("pauses").struct.field("reason").alias("reason"),
            )
            .filter(pl.col("s").is_not_null() & (pl.col("reason") == "customer"))
            .with_columns(
                pl.max_horizontal("s", "created_at").alias("ps"),
                pl.min_horizontal(pl.col("e").fill_null(pl.col("end")), "end").alias("pe"),
            )
            .filter(pl.col("pe") > pl.col("ps"))
            .sort("row", "ps")
            .with_columns(pl.col("pe").cum_max().shift(1).over("row").alias("prev"))
            .with_columns(
                (pl.col("prev").is_null() | (pl.col("ps") > pl.col("prev"))).cum_sum().alias("g")
            )
            .group_by("row", "g")
            .agg(pl.col("ps").min(), pl.col("pe").max())
        )
        if business:
            p = p.with_columns((business_f(p["pe"], table) - business_f(p["ps"], table)).alias("d"))
        else:
            p = p.with_columns((pl.col("pe") - pl.col("ps")).dt.total_microseconds().alias("d"))
        df = df.join(p.group_by("row").agg(pl.col("d").sum().alias("paused")), on="row", how="left")
        paused = pl.col("paused").fill_null(0)
    return df.with_columns(
        (pl.col("gross") - paused).alias("measured"), pl.col("stop_seen").is_null().alias("open")
    )


def classify(df: pl.DataFrame, limit_s: int) -> pl.DataFrame:
    return df.with_columns(
        pl.when(pl.col("measured") > limit_s * US)
        .then(pl.lit("breached"))
        .when(pl.col("open"))
        .then(pl.lit("pending"))
        .otherwise(pl.lit("met"))
        .alias("status")
    )


def lists(group: pl.DataFrame, limit_s: int) -> tuple[list[dict], list[dict]]:
    breached = group.filter(pl.col("status") == "breached").sort("id")
    pending = group.filter(pl.col("status") == "pending").sort("id")
    return (
        [
            {"id": i, "measured_s": seconds(m), "limit_s": limit_s, "open": o}
            for i, m, o in zip(
                breached["id"].to_list(),
                breached["measured"].to_list(),
                breached["open"].to_list(),
                strict=True,
            )
        ],
        [
            {"id": i, "elapsed_s": seconds(m), "limit_s": limit_s}
            for i, m in zip(pending["id"].to_list(), pending["measured"].to_list(), strict=True)
        ],
    )


def percent_doc(group: pl.DataFrame, percent: Fraction, limit_s: int) -> dict:
    met = int((group["status"] == "met").sum())
    breached = int((group["status"] == "breached").sum())
    decided = met + breached
    value = Fraction(met, decided)
    total = math.floor((1 - percent) * decided)
    b, p = lists(group, limit_s)
    return {
        "in_scope": group.height,
        "met": met,
        "breached": breached,
        "pending": group.height - decided,
        "value_exact": str(value),
        "budget": {"total": total, "used": breached, "left": total - breached},
        "verdict": "met" if value >= percent else "breached",
        "breached_records": b,
        "pending_records": p,
    }


def percentile_doc(group: pl.DataFrame, pct: int, limit_s: int) -> dict:
    decided = group.filter(~pl.col("open") | (pl.col("status") == "breached"))["measured"].sort()
    n = len(decided)
    rank = math.ceil(Fraction(pct, 100) * n)
    value = int(decided[rank - 1])
    breached = int((group["status"] == "breached").sum())
    b, p = lists(group, limit_s)
    return {
        "in_scope": group.height,
        "met": int((group["status"] == "met").sum()),
        "breached": breached,
        "pending": int((group["status"] == "pending").sum()),
        "value_s": seconds(value),
        "rank": rank,
        "budget": {"total": n - rank, "used": breached, "left": n - rank - breached},
        "verdict": "met" if value <= limit_s * US else "breached",
        "breached_records": b,
        "pending_records": p,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("tickets")
    parser.add_argument("--as-of", required=True)
    parser.add_argument("-o", "--out", required=True)
    args = parser.parse_args()
    as_of = dt.datetime.fromisoformat(args.as_of).astimezone(dt.UTC)
    tickets = pl.read_parquet(
        args.tickets,
        columns=["id", "priority", "created_at", "first_response_at", "resolved_at", "pauses"],
    )
    bounds = month_starts(as_of)
    edges = pl.Series([b.astimezone(dt.UTC) for b in bounds], dtype=TS)
    tickets = tickets.filter(
        (pl.col("created_at") >= edges[0])
        & (pl.col("created_at") < edges[-1])
        & (pl.col("created_at") <= as_of)
    )
    tickets = tickets.with_columns(
        (edges.search_sorted(tickets["created_at"], side="right").cast(pl.Int32) - 1).alias("month")
    )
    table = business_table(2025, 2027)

    p1 = classify(
        measure(
            tickets.filter(pl.col("priority") == "P1"),
            "first_response_at",
            as_of,
            False,
            table,
            False,
        ),
        900,
    )
    p2 = classify(
        measure(
            tickets.filter(pl.col("priority") == "P2"), "resolved_at", as_of, True, table, True
        ),
        8 * 3600,
    )
    p3 = classify(
        measure(
            tickets.filter(pl.col("priority") == "P3"), "resolved_at", as_of, True, table, False
        ),
        27 * 3600,
    )
    p1_groups = p1.partition_by("month", as_dict=True)
    p2_groups = p2.partition_by("month", as_dict=True)
    p3_groups = p3.partition_by("month", as_dict=True)

    periods = []
    for m in range(12):
        periods.append(
            {
                "period": f"2026-{m + 1:02d}",
                "targets": {
                    "p1_response": percent_doc(p1_groups[(m,)], Fraction(95, 100), 900),
                    "p2_resolution": percent_doc(p2_groups[(m,)], Fraction(90, 100), 8 * 3600),
                    "p3_resolution": percentile_doc(p3_groups[(m,)], 90, 27 * 3600),
                },
            }
        )
    with open(args.out, "w", encoding="utf-8") as handle:
        json.dump({"as_of": args.as_of, "periods": periods}, handle, ensure_ascii=False)


if __name__ == "__main__":
    main()
