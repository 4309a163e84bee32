"""Seeded generator of normalized tickets, for benchmarks (load and evaluation).

``generate(n, seed)`` returns a table in the loader's dtypes: priorities P1-P4, first
responses, resolutions (about 5% still open), pauses with reasons (some running on
open tickets), over calendar 2026. Everything is derived from hashes of the row index,
so the same ``(n, seed)`` gives the same table without any per-row Python.

    python bench/gen_tickets.py 1000000 --seed 7 -o /tmp/tickets.parquet
    python bench/gen_tickets.py 1000000 -o /tmp/tickets.jsonl     # mixed offsets Z/-05:00/+05:30
"""

from __future__ import annotations

import argparse
import datetime as dt
import time
from pathlib import Path

import polars as pl

from rules_engine.data import dataset_dtypes

START = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
YEAR_S = 365 * 86_400
_PRIORITIES = ["P1", "P2", "P3", "P4"]


def _uniform(seed: int, salt: int, modulo: int) -> pl.Expr:
    """A deterministic pseudo-random integer in [0, modulo) per row."""
    return (pl.int_range(pl.len(), dtype=pl.UInt64).hash(seed * 1_000_003 + salt) % modulo).cast(
        pl.Int64
    )


def _seconds(expr: pl.Expr) -> pl.Expr:
    return pl.duration(seconds=expr, time_unit="us")


def generate(n: int, seed: int = 0) -> pl.DataFrame:
    """``n`` tickets in the normalized dtypes (see :func:`rules_engine.data.dataset_dtypes`)."""
    schema = dataset_dtypes("tickets")
    base = pl.DataFrame({"i": pl.int_range(0, n, eager=True, dtype=pl.Int64)})
    roll = _uniform(seed, 1, 100)
    frame = base.with_columns(
        ("T" + pl.col("i").cast(pl.String).str.zfill(9)).alias("id"),
        pl.when(roll < 5)
        .then(pl.lit("P1"))
        .when(roll < 20)
        .then(pl.lit("P2"))
        .when(roll < 60)
        .then(pl.lit("P3"))
        .otherwise(pl.lit("P4"))
        .alias("priority"),
        (pl.lit(START) + _seconds(_uniform(seed, 2, YEAR_S))).alias("created_at"),
        _uniform(seed, 3, 8 * 3600).alias("response_s"),
        (60 * 10 + _uniform(seed, 4, 72 * 3600)).alias("resolve_s"),
        _uniform(seed, 5, 100).alias("open_roll"),
        _uniform(seed, 6, 100).alias("pause_roll"),
        _uniform(seed, 7, 100).alias("kind_roll"),
    )
    is_open = pl.col("open_roll") < 5
    frame = frame.with_columns(
        pl.when(pl.col("open_roll") < 2)
        .then(None)
        .otherwise(pl.col("created_at") + _seconds(pl.col("response_s") // 8 + 30))
        .alias("first_response_at"),
        pl.when(is_open)
        .then(None)
        .otherwise(pl.col("created_at") + _seconds(pl.col("resolve_s")))
        .alias("resolved_at"),
        pl.when(is_open).then(pl.lit("open")).otherwise(pl.lit("resolved")).alias("status"),
        pl.when(pl.col("kind_roll") < 70)
        .then(pl.lit("incident"))
        .otherwise(pl.lit("request"))
        .alias("category"),
    )
    pauses = _pauses(frame, seed)
    frame = frame.join(pauses, on="i", how="left").with_columns(pl.col("pauses").fill_null([]))
    out = frame.select(
        [
            pl.col(name).cast(dtype)
            if name in frame.columns
            else pl.lit(None if not isinstance(dtype, pl.List) else [], dtype=dtype).alias(name)
            for name, dtype in schema.items()
        ]
    )
    return out


def _pauses(frame: pl.DataFrame, seed: int) -> pl.DataFrame:
    """About 30% of tickets get one pause, 5% two; they stay inside the ticket's life.
    On open tickets the first pause may still be running."""
    counts = frame.select(
        "i",
        "created_at",
        "resolved_at",
        "resolve_s",
        pl.when(pl.col("pause_roll") < 5)
        .then(2)
        .when(pl.col("pause_roll") < 30)
        .then(1)
        .otherwise(0)
        .alias("k"),
    ).filter(pl.col("k") > 0)
    items = (
        counts.with_columns(pl.int_ranges(0, pl.col("k")).alias("j"))
        .explode("j")
        .with_columns(_uniform(seed, 8, 1000).alias("a"), _uniform(seed, 9, 1000).alias("b"))
    )
    # pause j of k lives inside slot j of the ticket's life split in k slots
    slot = pl.col("resolve_s") // pl.col("k")
    start_s = pl.col("j") * slot + slot * pl.col("a") // 2000
    length_s = slot * pl.col("b") // 2000 + 1
    items = items.with_columns(
        (pl.col("created_at") + _seconds(start_s)).alias("start"),
        pl.when(
            pl.col("resolved_at").is_null() & (pl.col("j") == pl.col("k") - 1) & (pl.col("a") < 300)
        )
        .then(None)
        .otherwise(pl.col("created_at") + _seconds(start_s + length_s))
        .alias("end"),
        pl.when(pl.col("b") < 700)
        .then(pl.lit("customer"))
        .otherwise(pl.lit("vendor"))
        .alias("reason"),
    )
    return items.group_by("i").agg(pl.struct("start", "end", "reason").alias("pauses"))


_OFFSETS = (("Z", 0), ("-05:00", -5 * 3600), ("+05:30", 5 * 3600 + 1800))


def _iso(expr: pl.Expr, which: pl.Expr) -> pl.Expr:
    """ISO 8601 text with an offset chosen per row among Z, -05:00 and +05:30."""
    out = None
    for k, (suffix, shift) in enumerate(_OFFSETS):
        text = (expr + pl.duration(seconds=shift)).dt.strftime("%Y-%m-%dT%H:%M:%S") + suffix
        out = pl.when(which == k).then(text) if out is None else out.when(which == k).then(text)
    assert out is not None
    return out.otherwise(None)


def as_text(frame: pl.DataFrame, seed: int = 0) -> pl.DataFrame:
    """The table as an export would write it: timestamps as text with mixed offsets."""
    which = pl.col("__w__")
    stamps = [n for n, d in frame.schema.items() if isinstance(d, pl.Datetime)]
    text = frame.with_columns(_uniform(seed, 10, 3).alias("__w__"))
    text = text.with_columns(
        [
            pl.when(pl.col(n).is_null()).then(None).otherwise(_iso(pl.col(n), which)).alias(n)
            for n in stamps
        ]
    )
    exploded = (
        text.select(pl.int_range(pl.len()).alias("__k__"), "__w__", "pauses")
        .explode("pauses")
        .unnest("pauses")
        .with_columns(
            _iso(pl.col("start"), pl.col("__w__")).alias("start"),
            pl.when(pl.col("end").is_null())
            .then(None)
            .otherwise(_iso(pl.col("end"), pl.col("__w__")))
            .alias("end"),
        )
        .group_by("__k__", maintain_order=True)
        .agg(
            pl.when(pl.col("start").is_not_null())
            .then(pl.struct("start", "end", "reason"))
            .drop_nulls()
            .alias("pauses")
        )
    )
    text = text.with_row_index("__k__").with_columns(pl.col("__k__").cast(pl.Int64))
    exploded = exploded.with_columns(pl.col("__k__").cast(pl.Int64))
    joined = text.drop("pauses").join(exploded, on="__k__", how="left", maintain_order="left")
    return joined.drop("__w__", "__k__").with_columns(pl.col("pauses").fill_null([]))


def write(frame: pl.DataFrame, path: Path, seed: int = 0) -> None:
    suffixes = path.name.lower()
    if suffixes.endswith(".parquet"):
        frame.write_parquet(path)
    elif suffixes.endswith(".jsonl") or suffixes.endswith(".jsonl.gz"):
        text = as_text(frame, seed).drop("status_history", "escalations")
        drop = [n for n in text.columns if text[n].null_count() == len(text)]
        text = text.drop(drop)
        if suffixes.endswith(".gz"):
            import gzip

            with gzip.open(path, "wb") as fh:
                text.write_ndjson(fh)
        else:
            text.write_ndjson(path)
    else:
        raise SystemExit(f"{path}: write .parquet, .jsonl or .jsonl.gz")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("n", type=int, help="number of tickets")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("-o", "--out", type=Path, required=True)
    args = parser.parse_args()
    began = time.perf_counter()
    frame = generate(args.n, args.seed)
    write(frame, args.out, args.seed)
    print(
        f"{args.n} tickets -> {args.out} ({args.out.stat().st_size / 2**20:.1f} MiB) in {time.perf_counter() - began:.1f}s"
    )


if __name__ == "__main__":
    main()
