"""Rendering cost of reports and CI outputs at the largest size a report allows.

A synthetic evaluation document: 120 monthly periods (the limit) x 10 targets of every
objective kind, a quarter of the target-periods breached with 50 breached records each.
Prints the best of three runs per renderer, in seconds, and the output size.

Run: ``.venv/bin/python bench/bench_report.py [PERIODS] [TARGETS]``; add ``--pdf`` to also
time the PDF (headless Chromium).
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable
from typing import Any

from rules_engine.render.github import render_github
from rules_engine.render.junit import render_junit
from rules_engine.render.report import render_html, render_markdown, render_markdown_with_charts
from rules_engine.render.report.content import build_report
from rules_engine.render.sarif import render_sarif

OBJECTIVES = ("95% within 15m", ">= 99.9%", "p90 <= 27h", "mean >= 4.2", "90% within 8h")


def _target(i: int, period: int, breached: bool) -> dict[str, Any]:
    objective = OBJECTIVES[i % len(OBJECTIVES)]
    base: dict[str, Any] = {
        "title": f"Target number {i}",
        "owner": "customer" if i == 9 else "provider",
        "span": f"policies/big.sla:{10 + 5 * i}:1",
        "objective": objective,
        "in_scope": 200,
        "verdict": "breached" if breached else "met",
        "explanation": f"target {i} in period {period}: " + "detail " * 20,
        "paused_s_total": 3600 * (period % 5),
    }
    if objective.startswith(">="):
        down = 9000 if breached else 1200
        base |= {
            "downtime_s": down,
            "scheduled_s": 2678400,
            "value": f"{100 - down / 26784:.6f}",
            "budget": {"unit": "seconds", "total": "2678.400", "used": down, "left": "0"},
            "downtime_intervals": [["2026-01-21T19:00:00+00:00", "2026-01-21T21:30:00+00:00"]],
            "outage_ids": ["O-1"],
        }
    elif objective.startswith("p90"):
        base |= {"value_s": 120000 if breached else 36000, "rank": 180, "margin_s": 0}
    elif objective.startswith("mean"):
        base |= {"value": "3.900000" if breached else "4.500000", "count": 200}
    else:
        met = 170 if breached else 199
        base |= {
            "met": met,
            "breached": 200 - met,
            "value": f"{met / 2:.6f}",
            "margin": "0",
            "budget": {"unit": "records", "total": 10, "used": 200 - met, "left": met - 190},
        }
    if breached:
        base["breached_records"] = [
            {"id": f"T{period}-{i}-{k}", "measured_s": 1000 + k, "limit_s": 900, "open": False}
            for k in range(50)
        ]
    return base


def synthetic(periods: int, targets: int) -> dict[str, Any]:
    out = []
    for p in range(periods):
        year, month = 2016 + p // 12, p % 12 + 1
        label = f"{year:04d}-{month:02d}"
        out.append(
            {
                "period": label,
                "start": f"{label}-01T00:00:00+00:00",
                "end": f"{year + month // 12:04d}-{month % 12 + 1:02d}-01T00:00:00+00:00",
                "over": True,
                "fee": "10000.00",
                "targets": {f"t{i}": _target(i, p, (p + i) % 4 == 0) for i in range(targets)},
                "credits": [
                    {
                        "rule": "c",
                        "amount": "500.00",
                        "arithmetic": "5% x 10,000.00 USD = 500.00 USD",
                    }
                ],
                "credits_total": "500.00",
                "bonus_total": "0.00",
            }
        )
    return {
        "policy": {"name": "Benchmark", "currency": "USD"},
        "as_of": "2026-12-31T00:00:00+00:00",
        "periods": out,
    }


def best_of(fn: Callable[[], Any], runs: int = 3) -> tuple[float, Any]:
    best, result = float("inf"), None
    for _ in range(runs):
        start = time.perf_counter()
        result = fn()
        best = min(best, time.perf_counter() - start)
    return best, result


def main() -> None:
    args = [a for a in sys.argv[1:] if not a.startswith("--")]
    periods = int(args[0]) if args else 120
    targets = int(args[1]) if len(args) > 1 else 10
    doc = synthetic(periods, targets)
    print(f"{periods} periods x {targets} targets")
    cases: list[tuple[str, Callable[[], Any]]] = [
        ("build_report", lambda: build_report(doc)),
        ("html", lambda: render_html(doc)),
        ("markdown (embedded)", lambda: render_markdown(doc)),
        ("markdown (files)", lambda: render_markdown_with_charts(doc, "charts")),
        ("junit", lambda: render_junit(doc)),
        ("sarif", lambda: render_sarif(doc)),
        ("github", lambda: render_github(doc)),
    ]
    if "--pdf" in sys.argv:
        from rules_engine.render.report import render_pdf

        cases.append(("pdf", lambda: render_pdf(doc)))
    for name, fn in cases:
        seconds, result = best_of(fn, 1 if name == "pdf" else 3)
        size = (
            len(result)
            if isinstance(result, (str, bytes))
            else len(result[0])
            if isinstance(result, tuple)
            else 0
        )
        print(f"{name:22s} {seconds:8.3f} s  {size / 1e6:8.2f} MB")


if __name__ == "__main__":
    main()
