"""Cost of ``sla diff --data``: replaying two policy versions over generated tickets.

Run: ``.venv/bin/python bench/bench_replay.py [N]`` (default 200,000 tickets over 2026).
OLD is ``bench_policy.sla`` plus credits on each target; NEW asks 30% of P1 responses in 20m
(not 95% in 15m) and P2 resolutions in 6h (not 8h), so records, verdicts and money move.
Prints the best of three runs of each step, in seconds, and the size of the result.
"""

from __future__ import annotations

import datetime as dt
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from gen_tickets import generate

from rules_engine.api import check_source
from rules_engine.data import DataBundle
from rules_engine.language.model import CheckedPolicy
from rules_engine.workflow.policy_diff import diff_policies
from rules_engine.workflow.replay import replay

HERE = Path(__file__).resolve().parent
CREDITS = """
credit response_credits {
  when p1_response breached credit 500 USD
}

credit resolution_credits {
  when p2_resolution breached credit 5% of fee
  when p3_resolution breached credit 2% of fee
}
"""


def best_of(runs: int, step: Callable[[], Any]) -> tuple[float, Any]:
    best, result = float("inf"), None
    for _ in range(runs):
        start = time.perf_counter()
        result = step()
        best = min(best, time.perf_counter() - start)
    return best, result


def checked(text: str, path: str) -> CheckedPolicy:
    result = check_source(text, path)
    assert result.policy is not None, result.diagnostics
    return result.policy


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 200_000
    text = (HERE / "bench_policy.sla").read_text() + CREDITS
    old = checked(text, "old.sla")
    edited = text.replace("95% within 15m", "30% within 20m").replace(
        "90% within 8h", "90% within 6h"
    )
    new = checked(edited, "new.sla")
    bundle = DataBundle(tables={"tickets": generate(n, seed=7)})
    as_of = dt.datetime(2027, 1, 1, tzinfo=dt.UTC)

    t_diff, diff = best_of(3, lambda: diff_policies(old, new))
    t_replay, result = best_of(
        3, lambda: replay(old, new, bundle, "2026-01", "2026-12", as_of, "old", "new")
    )
    print(f"tickets: {n:,}")
    print(f"semantic diff: {t_diff * 1000:.2f} ms ({len(diff.changes)} changes)")
    print(
        f"replay 12 months (2 evaluations + compare): {t_replay:.2f} s; "
        f"{len(result.verdicts)} verdicts, {len(result.records):,} records, "
        f"{len(result.money)} amounts changed"
    )
    for sentence in result.sentences():
        print(f"  {sentence}")


if __name__ == "__main__":
    main()
