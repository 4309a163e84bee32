"""Front-end speed: parse + check a generated 2,000-line policy, and a whole `sla check`.

Run: ``.venv/bin/python bench/bench_check.py [LINES]``. Prints the best and median of
several runs. Goals (issue 2): parse + check of 2,000 lines under 100 ms; the whole
``sla check`` process on a small policy under 0.3 s.
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

from rules_engine.api import check_source
from rules_engine.language.checker import check
from rules_engine.language.parser import parse

ROOT = Path(__file__).resolve().parent.parent
SMALL = ROOT / "examples" / "quickstart" / "policy.sla"

HEADER = """policy "Generated benchmark contract"
provider "Northwind MSP"
customer "Acme Corp"
effective 2026-01-01
timezone "America/New_York"
currency USD
fee 12000 per month
fee 12345.30 per month from 2027-01-01
period month

calendar business {
  timezone "America/New_York"
  open mon-fri 08:00-12:00, 13:00-18:00
  open sat 09:00-13:00
  holidays "US" except "Columbus Day", "Veterans Day"
  closed 2026-04-03, 2026-12-24
}

tier P1 "Critical" coverage 24x7
tier P2 "High" coverage 24x7
tier P3 "Medium" coverage business
tier P4 coverage business
"""

TARGET = """
target t{i}_response "Target {i}" {{
  of tickets where priority = P{tier} and service = "svc{i}" and status not in ["cancelled"]
  measure resolution_time on business excluding pauses where reason = "customer"
  require 90% within {hours}h
}}
credit c{i} {{
  when t{i}_response breached in 2 of last 3 periods credit 5% of fee
}}
"""


def generate(lines: int) -> str:
    parts = [HEADER]
    count = HEADER.count("\n")
    i = 0
    while count < lines:
        block = TARGET.format(i=i, tier=i % 4 + 1, hours=4 + i % 20)
        parts.append(block)
        count += block.count("\n")
        i += 1
    parts.append("cap credits at 30% of fee per period\n")
    return "".join(parts)


def timed(
    fn: Callable[[], object], runs: int, clock: Callable[[], float] = time.perf_counter
) -> list[float]:
    times = []
    for _ in range(runs):
        start = clock()
        fn()
        times.append(clock() - start)
    return times


def main() -> None:
    lines = int(sys.argv[1]) if len(sys.argv) > 1 else 2000
    text = generate(lines)
    print(f"generated policy: {text.count(chr(10))} lines, {len(text):,} characters")

    first = timed(lambda: check_source(text, "gen.sla"), 1)[0]
    result = check_source(text, "gen.sla")
    assert result.errors == [], result.errors[:3]
    print(
        f"first parse+check (cold caches): {first * 1000:.1f} ms, {len(result.warnings)} warnings"
    )

    tree = parse(text, "gen.sla")
    parse_t = timed(lambda: parse(text, "gen.sla"), 10)
    check_t = timed(lambda: check(tree, text, "gen.sla"), 10)
    both = timed(lambda: check_source(text, "gen.sla"), 10)
    for label, values in (("parse", parse_t), ("check", check_t), ("parse+check", both)):
        print(
            f"{label:12s} best {min(values) * 1000:7.1f} ms   "
            f"median {statistics.median(values) * 1000:7.1f} ms"
        )
    cpu = timed(lambda: check_source(text, "gen.sla"), 10, time.process_time)
    print(
        f"parse+check CPU time (process_time, robust to a loaded machine): best "
        f"{min(cpu) * 1000:.1f} ms   median {statistics.median(cpu) * 1000:.1f} ms"
    )
    goal = "met" if min(both) < 0.1 else "NOT met"
    print(f"goal parse+check < 100 ms: {goal}")

    sla = Path(sys.executable).parent / "sla"
    command = [str(sla), "check", str(SMALL)]
    runs = []
    cpu_runs = []
    for _ in range(7):
        start = time.perf_counter()
        before = os.times()
        done = subprocess.run(command, capture_output=True, check=False)
        after = os.times()
        runs.append(time.perf_counter() - start)
        cpu_runs.append(
            after.children_user
            - before.children_user
            + after.children_system
            - before.children_system
        )
        assert done.returncode == 0, done.stdout + done.stderr
    print(
        f"whole process `sla check {SMALL.relative_to(ROOT)}`: best {min(runs):.3f} s, "
        f"median {statistics.median(runs):.3f} s"
    )
    print(f"  its CPU time (user + system): median {statistics.median(cpu_runs):.3f} s")
    print(f"goal whole process < 0.3 s: {'met' if statistics.median(runs) < 0.3 else 'NOT met'}")


if __name__ == "__main__":
    main()
