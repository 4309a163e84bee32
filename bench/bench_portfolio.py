"""A generated portfolio, evaluated sequentially and on local Dask clusters of 1 and 2
worker processes: wall time, cluster start-up, per-contract cost.

Every contract imports one standard-terms module (``examples/portfolio/standard_terms.sla``)
and changes its customer, its fee and its P1 objective; the tickets of all customers are
one hive-partitioned Parquet dataset (``tickets/customer=c0001/...``), each contract
reading its slice. All contracts are evaluated over 2026 (twelve months) as of
2027-01-10, without per-contract HTML reports.

    python bench/bench_portfolio.py --contracts 200 --tickets 500
    python bench/bench_portfolio.py --contracts 1000 --tickets 2000 --engines sequential,2

Keep it small on a shared machine: contracts x tickets is the number of records loaded.
"""

from __future__ import annotations

import argparse
import datetime as dt
import shutil
import sys
import time
from pathlib import Path

import polars as pl

from rules_engine.portfolio import (
    ContractResult,
    Engine,
    Manifest,
    read_manifest,
    run_portfolio,
    write_outputs,
)

ROOT = Path(__file__).resolve().parents[1]
STANDARD = ROOT / "examples" / "portfolio" / "standard_terms.sla"
NOW = dt.datetime(2027, 1, 10, tzinfo=dt.UTC)


def build(folder: Path, contracts: int, tickets: int) -> Path:
    """The portfolio's files under ``folder``; returns the manifest."""
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    from gen_tickets import generate

    if folder.exists():
        shutil.rmtree(folder)
    (folder / "contracts").mkdir(parents=True)
    shutil.copy(STANDARD, folder / "contracts" / "standard_terms.sla")
    frame = generate(contracts * tickets, seed=16)
    frame = frame.with_columns(
        # the standard terms know tiers P1-P3
        pl.col("priority").replace("P4", "P3"),
        pl.format(
            "c{}", (pl.int_range(pl.len()) // tickets + 1).cast(pl.String).str.zfill(4)
        ).alias("customer"),
        pl.format("T{}", pl.int_range(pl.len())).alias("id"),
    )
    frame.write_parquet(folder / "warehouse" / "tickets", partition_by="customer")
    lines = [
        "portfolio: generated",
        "as_of: 2027-01-10T00:00:00Z",
        "from: 2026-01",
        "to: 2026-12",
        "shared_data:",
        "  warehouse: {path: warehouse, partition: customer}",
        "contracts:",
    ]
    for i in range(1, contracts + 1):
        name = f"c{i:04d}"
        objective = 90 + i % 6  # 90% .. 95%
        (folder / "contracts" / f"{name}.sla").write_text(
            'import "standard_terms.sla"\n\n'
            f'policy "{name} service desk"\ncustomer "Customer {name}"\n'
            f"fee {3000 + 100 * (i % 50)} per month\n\n"
            'override target p1_response "P1 first response within 15 minutes" {\n'
            "  of tickets where priority = P1\n  measure response_time\n"
            f"  require {objective}% within 15m\n}}\n",
            encoding="utf-8",
        )
        lines.append(
            f"  - {{id: {name}, policy: contracts/{name}.sla, "
            f"data: {{shared: warehouse, customer: {name}}}}}"
        )
    manifest = folder / "portfolio.yaml"
    manifest.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return manifest


def on_cluster(
    manifest: Manifest, workers: int
) -> tuple[list[ContractResult], float, float, float, list[int]]:
    """The portfolio on a fresh local cluster, reached as an existing scheduler (the
    ``--scheduler`` path): results, seconds to start it, to run, to close it, and each
    worker's peak resident memory (bytes)."""
    import logging
    import resource

    from distributed import Client, LocalCluster

    began = time.perf_counter()
    cluster = LocalCluster(
        n_workers=workers,
        processes=True,
        threads_per_worker=1,
        dashboard_address=None,
        worker_dashboard_address=None,
        silence_logs=logging.ERROR,
    )
    started = time.perf_counter() - began
    began = time.perf_counter()
    results = run_portfolio(manifest, Engine(scheduler=cluster.scheduler_address), NOW)
    ran = time.perf_counter() - began
    client = Client(cluster)
    peaks = client.run(lambda: resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024)
    began = time.perf_counter()
    client.close()
    cluster.close()
    return results, started, ran, time.perf_counter() - began, sorted(peaks.values())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--contracts", type=int, default=200)
    parser.add_argument("--tickets", type=int, default=500)
    parser.add_argument("--engines", default="sequential,1,2")
    parser.add_argument("--dir", type=Path, default=Path("/tmp/sla-bench-portfolio"))
    args = parser.parse_args()
    began = time.perf_counter()
    manifest_path = build(args.dir, args.contracts, args.tickets)
    print(
        f"portfolio: {args.contracts} contracts x {args.tickets} tickets "
        f"({args.contracts * args.tickets:,} records), built in {time.perf_counter() - began:.1f} s"
    )
    manifest = read_manifest(str(manifest_path))
    reference: dict[str, str | None] | None = None
    for name in args.engines.split(","):
        if name == "sequential":
            began = time.perf_counter()
            results = run_portfolio(manifest, Engine(sequential=True), NOW)
            ran = time.perf_counter() - began
            line = f"sequential:  {ran:6.1f} s, {ran / len(results) * 1000:4.0f} ms per contract"
        else:
            workers = int(name)
            results, started, ran, closed, peaks = on_cluster(manifest, workers)
            line = (
                f"{workers} worker(s): {ran:6.1f} s evaluating "
                f"({ran / len(results) * 1000 * workers:4.0f} ms per contract per worker), "
                f"+ {started:.1f} s cluster start, {closed:.1f} s close; "
                f"peak memory per worker {', '.join(f'{p / 2**20:.0f} MiB' for p in peaks)}"
            )
        began = time.perf_counter()
        write_outputs(manifest, results, args.dir / f"out-{name}")
        written = time.perf_counter() - began
        failed = [r.id for r in results if r.status == "failed"]
        documents = {r.id: r.document for r in results}
        same = "" if reference is None else f", documents identical: {documents == reference}"
        reference = reference or documents
        print(f"{line}; outputs {written:.1f} s, failed {len(failed)}{same}", flush=True)


if __name__ == "__main__":
    main()
