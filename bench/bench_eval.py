"""Benchmark ``sla eval`` against the hand-written Polars baseline, in the same run.

    python bench/bench_eval.py [--tickets 1000000] [--repeat 3] [--dir /tmp/sla-bench]

Generates the tickets (``gen_tickets.py``, Parquet) once, then runs, interleaved, the
whole ``sla eval`` process (start, parse, load, evaluate, write JSON) and the whole
baseline process ``baseline_polars.py``; checks that both report the same facts (counts,
exact values, budgets, percentile rank and value, every breached and pending record);
prints wall time and peak memory of each (best of ``--repeat``), their ratio, and how
``sla eval``'s time splits between start-up, parse, load, evaluate and output.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
POLICY = HERE / "bench_policy.sla"
AS_OF = "2027-01-10T00:00:00+00:00"
PYTHON = sys.executable
SLA = str(Path(PYTHON).with_name("sla"))

_MEASURE = (
    "import resource, subprocess, sys, time\n"
    "t = time.perf_counter()\n"
    "code = subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL).returncode\n"
    "wall = time.perf_counter() - t\n"
    "usage = resource.getrusage(resource.RUSAGE_CHILDREN)\n"
    "print(wall, usage.ru_maxrss, code, usage.ru_utime + usage.ru_stime)\n"
)


def run_measured(command: list[str]) -> tuple[float, float, int, float]:
    """Wall seconds, peak RSS in MiB, exit code and CPU seconds (user + system) of one
    whole process. CPU time is the steadier number on a busy machine."""
    out = subprocess.run(
        [PYTHON, "-c", _MEASURE, *command], capture_output=True, text=True, check=True
    )
    wall, rss_kib, code, cpu = out.stdout.split()
    return float(wall), int(rss_kib) / 1024, int(code), float(cpu)


def phases(data: Path) -> dict[str, float]:
    """Run in a fresh process: time each stage of what ``sla eval`` does."""
    t0 = time.perf_counter()
    import datetime as dt

    from rules_engine.api import load_policy
    from rules_engine.data import load_data
    from rules_engine.evaluation.periods import parse_period, periods_between
    from rules_engine.pipeline import EvaluationOptions, evaluate
    from rules_engine.render import FORMATS

    t1 = time.perf_counter()
    policy = load_policy(POLICY)
    t2 = time.perf_counter()
    bundle = load_data(data, policy=policy)
    t3 = time.perf_counter()
    periods = periods_between(
        parse_period("2026-01", "month", policy.timezone),
        parse_period("2026-12", "month", policy.timezone),
    )
    evaluation = evaluate(
        policy, bundle, periods, dt.datetime.fromisoformat(AS_OF), EvaluationOptions()
    )
    t4 = time.perf_counter()
    text = FORMATS["json"](evaluation.skeleton)  # as sla eval does
    (data.parent / "phases.json").write_text(text, encoding="utf-8")
    t5 = time.perf_counter()
    return {
        "start-up": t1 - t0,
        "parse": t2 - t1,
        "load": t3 - t2,
        "evaluate": t4 - t3,
        "output": t5 - t4,
    }


_KEYS = ("in_scope", "met", "breached", "pending", "value_exact", "value_s", "rank", "verdict")


def compare(sla_doc: dict[str, Any], base_doc: dict[str, Any]) -> list[str]:
    """Facts the two outputs must share; an empty list when they agree."""
    problems: list[str] = []
    mine = {p["period"]: p for p in sla_doc["periods"]}
    for period in base_doc["periods"]:
        ours = mine.get(period["period"])
        if ours is None:
            problems.append(f"{period['period']}: missing from sla output")
            continue
        for name, facts in period["targets"].items():
            target = ours["targets"][name]
            for key in _KEYS:
                if key in facts and facts[key] != target.get(key):
                    problems.append(
                        f"{period['period']}/{name}/{key}: {facts[key]!r} vs {target.get(key)!r}"
                    )
            for key in ("total", "used", "left"):
                if facts["budget"][key] != target["budget"][key]:
                    problems.append(f"{period['period']}/{name}/budget/{key}")
            for key in ("breached_records", "pending_records"):
                if facts[key] != target[key]:
                    problems.append(f"{period['period']}/{name}/{key}: lists differ")
    return problems


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tickets", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--dir", type=Path, default=Path("/tmp/sla-bench"))
    parser.add_argument("--phases", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.phases:
        print(json.dumps(phases(args.phases)))
        return

    data = args.dir / f"data-{args.tickets}"
    data.mkdir(parents=True, exist_ok=True)
    tickets = data / "tickets.parquet"
    if not tickets.exists():
        subprocess.run(
            [
                PYTHON,
                str(HERE / "gen_tickets.py"),
                str(args.tickets),
                "--seed",
                "7",
                "-o",
                str(tickets),
            ],
            check=True,
        )
    sla_out = args.dir / "sla.json"
    base_out = args.dir / "baseline.json"
    sla_cmd = [
        SLA,
        "eval",
        str(POLICY),
        "--data",
        str(data),
        "--from",
        "2026-01",
        "--to",
        "2026-12",
        "--as-of",
        AS_OF,
        "--format",
        "json",
        "--output",
        str(sla_out),
    ]
    base_cmd = [
        PYTHON,
        str(HERE / "baseline_polars.py"),
        str(tickets),
        "--as-of",
        AS_OF,
        "-o",
        str(base_out),
    ]

    runs: dict[str, list[tuple[float, float, int, float]]] = {"sla eval": [], "baseline": []}
    for _ in range(args.repeat):
        runs["baseline"].append(run_measured(base_cmd))
        runs["sla eval"].append(run_measured(sla_cmd))

    problems = compare(
        json.loads(sla_out.read_text("utf-8")), json.loads(base_out.read_text("utf-8"))
    )
    split = json.loads(
        subprocess.run(
            [PYTHON, __file__, "--phases", str(data)], capture_output=True, text=True, check=True
        ).stdout
    )

    print(f"workload: {args.tickets:,} tickets, 12 months, 3 targets, as of {AS_OF}")
    print(f"outputs agree: {'yes' if not problems else 'NO'}")
    for line in problems[:20]:
        print(f"  {line}")
    best = {name: min(r[0] for r in results) for name, results in runs.items()}
    cpu = {name: min(r[3] for r in results) for name, results in runs.items()}
    peak = {name: max(r[1] for r in results) for name, results in runs.items()}
    for name in ("baseline", "sla eval"):
        walls = ", ".join(f"{r[0]:.2f}" for r in runs[name])
        print(
            f"{name:9s} best {best[name]:6.2f} s  (runs {walls})  cpu {cpu[name]:5.2f} s  "
            f"peak {peak[name]:7.1f} MiB  exit {runs[name][-1][2]}"
        )
    print(
        f"ratio sla/baseline: wall {best['sla eval'] / best['baseline']:.2f}x, "
        f"cpu {cpu['sla eval'] / cpu['baseline']:.2f}x (goal <= 1.2x), peak memory goal < 1536 MiB"
    )
    total = sum(split.values())
    print(
        "sla eval split (one in-process run): "
        + ", ".join(f"{k} {v:.2f} s" for k, v in split.items())
        + f", sum {total:.2f} s"
    )


if __name__ == "__main__":
    main()
