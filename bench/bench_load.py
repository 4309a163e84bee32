"""Benchmark: load and validate N generated tickets from Parquet and JSON Lines.

Each measurement runs in a fresh subprocess so peak memory (``ru_maxrss``) belongs to
that load alone. Prints wall time, CPU time (user + system; honest when the machine is
shared) and peak RSS, against the goals: Parquet < 1 s, JSON Lines < 5 s, < 1.5 GB.

    python bench/bench_load.py                  # 1M tickets
    python bench/bench_load.py --n 10000000     # 10M (slow to generate)
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent

_CHILD = """
import json, resource, sys, time
from rules_engine.data import load_dataset
path = sys.argv[1]
began = time.perf_counter()
cpu0 = resource.getrusage(resource.RUSAGE_SELF)
table = load_dataset(path, "tickets")
wall = time.perf_counter() - began
cpu1 = resource.getrusage(resource.RUSAGE_SELF)
cpu = (cpu1.ru_utime - cpu0.ru_utime) + (cpu1.ru_stime - cpu0.ru_stime)
print(json.dumps({"rows": len(table), "wall_s": wall, "cpu_s": cpu,
                  "peak_mib": cpu1.ru_maxrss / 1024}))
"""

GOALS = {"parquet": 1.0, "jsonl": 5.0}
PEAK_GOAL_MIB = 1.5 * 1024


def measure(path: Path) -> dict[str, float]:
    out = subprocess.run(
        [sys.executable, "-c", _CHILD, str(path)], check=True, capture_output=True, text=True
    )
    result: dict[str, float] = json.loads(out.stdout)
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=1_000_000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--runs", type=int, default=3, help="best of this many runs")
    parser.add_argument("--dir", type=Path, default=None, help="where to write the files")
    parser.add_argument("--formats", default="parquet,jsonl", help="comma-separated")
    args = parser.parse_args()

    sys.path.insert(0, str(HERE))
    import gen_tickets

    folder = Path(args.dir or tempfile.mkdtemp(prefix="bench_load_"))
    folder.mkdir(parents=True, exist_ok=True)
    frame = gen_tickets.generate(args.n, args.seed)
    wanted = args.formats.split(",")
    files = {f: folder / f"tickets.{f}" for f in ("parquet", "jsonl") if f in wanted}
    for path in files.values():
        if not path.exists():
            began = time.perf_counter()
            gen_tickets.write(frame, path, args.seed)
            print(
                f"wrote {path} ({path.stat().st_size / 2**20:.0f} MiB) in {time.perf_counter() - began:.1f}s"
            )
    del frame
    print(
        f"load + validate {args.n:,} tickets, best of {args.runs} "
        f"(cores: {os.cpu_count()}, load average {os.getloadavg()[0]:.1f})"
    )
    for fmt, path in files.items():
        runs = [measure(path) for _ in range(args.runs)]
        best = min(runs, key=lambda r: r["wall_s"])
        assert best["rows"] == args.n
        peak = max(r["peak_mib"] for r in runs)
        verdict = "ok" if best["wall_s"] < GOALS[fmt] and peak < PEAK_GOAL_MIB else "OVER GOAL"
        print(
            f"  {fmt:8} wall {best['wall_s']:6.2f} s  cpu {min(r['cpu_s'] for r in runs):6.2f} s  "
            f"peak {peak:7.0f} MiB   goal < {GOALS[fmt]:.0f} s, < {PEAK_GOAL_MIB:.0f} MiB: {verdict}"
        )


if __name__ == "__main__":
    main()
