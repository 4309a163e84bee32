"""A one-month report shows the month against its recent history (issue 12): `sla report
--period P` (or --from/--to) evaluates the periods before it for the trend charts only
(`--trend N`, default 6, never before the policy's effective date)."""

from __future__ import annotations

import json
import os
import re
from pathlib import Path
from typing import Any

from click.testing import CliRunner
from paths import ROOT

from rules_engine.cli import cli

QUICKSTART = ["examples/quickstart/policy.sla", "--data", "examples/quickstart/data"]
ACCOUNTABILITY = ["examples/accountability/policy.sla", "--data", "examples/accountability/data"]


def _report(*args: str) -> str:
    cwd = Path.cwd()
    os.chdir(ROOT)
    try:
        result = CliRunner().invoke(cli, ["report", *args])
    finally:
        os.chdir(cwd)
    assert result.exit_code == 0, result.output
    return result.output


def _points(page: str) -> dict[str, int]:
    return {
        m.group(1): int(m.group(2))
        for m in re.finditer(r'<figure class="chart" id="chart-[^"]*" data-target="([^"]+)" '
                             r'data-points="(\d+)"', page)
    }  # fmt: skip


def test_a_one_month_report_draws_the_months_before_it() -> None:
    # quick-start: effective 2026-01-01, so March's trend reaches back to January: 3 points
    page = _report(*QUICKSTART, "--period", "2026-03", "--as-of", "2026-04-01T09:00:00-04:00")
    assert set(_points(page).values()) == {3}
    assert "Trends include 2 earlier periods (2026-01 to 2026-02)" in page
    # verdicts and money are March's only
    assert re.findall(r'<table class="money" data-period="([^"]+)"', page) == ["2026-03"]
    assert "since 2026-02:" in page  # compared with the month before


def test_trend_sets_the_span_and_one_means_the_range_only() -> None:
    as_of = ["--as-of", "2026-04-01T09:00:00-04:00"]
    two = _report(*QUICKSTART, "--period", "2026-03", "--trend", "2", *as_of)
    assert set(_points(two).values()) == {2}  # February and March
    one = _report(*QUICKSTART, "--period", "2026-03", "--trend", "1", *as_of)
    assert set(_points(one).values()) == {1}
    assert "Trends include" not in one


def test_history_stops_at_the_effective_date() -> None:
    # accountability: effective 2026-04-01; May with --trend 6 reaches back to April only
    page = _report(*ACCOUNTABILITY, "--period", "2026-05", "--as-of", "2026-06-01T09:00:00-04:00")
    assert set(_points(page).values()) == {2}
    assert "Trends include 1 earlier period (2026-04)" in page


def test_a_kept_document_gives_its_earlier_periods_as_history(
    tmp_path: Path, sample: dict[str, Any]
) -> None:
    kept = tmp_path / "eval.json"
    kept.write_text(json.dumps(sample), encoding="utf-8")
    page = _report("--from-json", str(kept), "--period", "2026-03")
    # the fixture has 2026-01..03; satisfaction has no value in March, so 2 of its 3 points
    assert _points(page)["p1_response"] == 3
    assert _points(page)["satisfaction"] == 2


def test_period_and_range_together_are_refused() -> None:
    result = CliRunner().invoke(
        cli, ["report", *QUICKSTART, "--period", "2026-03", "--from", "2026-01"]
    )
    assert result.exit_code == 2
    assert "--period cannot be combined with --from/--to" in result.output


def test_a_series_of_versions_draws_its_history_too() -> None:
    # examples/versions: v1 effective 2026-01-01; June with the default --trend 6 draws
    # January to June (6 points), judged by the version in force in each month
    page = _report(
        "examples/versions/versions", "--data", "examples/versions/data",
        "--period", "2026-06", "--as-of", "2027-01-01T00:00:00Z",
    )  # fmt: skip
    assert set(_points(page).values()) == {6}
    assert "Trends include 5 earlier periods (2026-01 to 2026-05)" in page
