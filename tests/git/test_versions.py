"""Effective-dated versions: the version in force at each period's start, streaks that
carry across amendments, fees per version, series from a folder and from git."""

from __future__ import annotations

import datetime as dt
import json
import re
from decimal import Decimal
from pathlib import Path

import pytest

from rules_engine.data import load_data
from rules_engine.evaluation.periods import parse_period, periods_between
from rules_engine.workflow.versions import (
    SeriesError,
    evaluate_series,
    series_from_folder,
    series_from_git,
)

from .fixtures import POLICY, git, init_repo, ticket

V1 = POLICY  # effective 2026-01-01, 95% within 15m, fee 8000, credit 400 when breached
V2 = (
    POLICY.replace("effective 2026-01-01", "effective 2026-03-01")
    .replace("fee 8000 per month", "fee 9000 per month")
    .replace("require 95% within 15m", "require 90% within 30m")
)
AS_OF = dt.datetime(2026, 5, 1, tzinfo=dt.UTC)


def data(folder: Path) -> Path:
    """One P1 ticket a month: January and February answered in 5m, March in 20m."""
    rows = [
        ticket("J1", "2026-01-05T10", 5),
        ticket("F1", "2026-02-05T10", 5),
        ticket("M1", "2026-03-05T10", 20),
    ]
    folder.mkdir()
    (folder / "tickets.jsonl").write_text("\n".join(json.dumps(r) for r in rows) + "\n")
    return folder


def months(first: str, last: str) -> list:  # type: ignore[type-arg]
    return periods_between(parse_period(first, "month", "UTC"), parse_period(last, "month", "UTC"))


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    (tmp_path / "versions").mkdir()
    (tmp_path / "versions" / "v1.sla").write_text(V1)
    (tmp_path / "versions" / "v2.sla").write_text(V2)
    data(tmp_path / "data")
    return tmp_path


def test_each_period_uses_its_version_and_streaks_carry_over(folder: Path) -> None:
    series = series_from_folder(folder / "versions")
    bundle = load_data(folder / "data")
    result = evaluate_series(series, bundle, months("2026-01", "2026-04"), AS_OF)
    assert result.version_by_period() == {
        "2026-01": "v1.sla",
        "2026-02": "v1.sla",
        "2026-03": "v2.sla",
        "2026-04": "v2.sla",
    }
    periods = {p["period"]: p for p in result.document["periods"]}
    verdicts = {k: p["targets"]["p1_response"]["verdict"] for k, p in periods.items()}
    # M1 took 20m: within v2's 30m (met), not v1's 15m. April has no tickets.
    assert verdicts == {"2026-01": "met", "2026-02": "met", "2026-03": "met", "2026-04": "no_data"}
    # fees follow the version in force: 8,000 then 9,000
    assert [periods[k]["fee"] for k in sorted(periods)] == [
        "8000.00",
        "8000.00",
        "9000.00",
        "9000.00",
    ]
    # "all targets met in 2 consecutive periods": Feb (Jan+Feb) pays 1% x 8,000 = 80.00;
    # March pays 1% x 9,000 = 90.00 because the streak reaches back into v1's February
    bonuses = {k: periods[k]["bonus_total"] for k in sorted(periods)}
    assert bonuses == {"2026-01": "0.00", "2026-02": "80.00", "2026-03": "90.00", "2026-04": "0.00"}
    assert result.document["totals"]["bonuses"] == "170.00"  # 80 + 90
    assert result.document["totals"]["credits"] == "0.00"


def test_asking_for_one_period_gives_the_same_answer(folder: Path) -> None:
    series = series_from_folder(folder / "versions")
    bundle = load_data(folder / "data")
    result = evaluate_series(series, bundle, months("2026-03", "2026-03"), AS_OF)
    [march] = result.document["periods"]
    assert (march["version"], march["bonus_total"]) == ("v2.sla", "90.00")
    assert len(result.history) == 3  # January..March judged for the look-back


def test_version_effective_mid_period_starts_with_the_next_period(folder: Path) -> None:
    (folder / "versions" / "v2.sla").write_text(
        V2.replace("effective 2026-03-01", "effective 2026-03-15")
    )
    series = series_from_folder(folder / "versions")
    result = evaluate_series(
        series, load_data(folder / "data"), months("2026-03", "2026-04"), AS_OF
    )
    march, april = result.document["periods"]
    # March 1 is before March 15: v1 judges March, 20m > 15m -> breached, credit 400.00
    assert (march["version"], april["version"]) == ("v1.sla", "v2.sla")
    assert march["targets"]["p1_response"]["verdict"] == "breached"
    assert march["credits_total"] == "400.00"
    assert march["fee"] == "8000.00"  # the fee in force on March 1
    assert april["fee"] == "9000.00"


def test_series_from_git_history(tmp_path: Path) -> None:
    init_repo(tmp_path)
    (tmp_path / "policy.sla").write_text(V1)
    git(tmp_path, "add", ".")
    git(tmp_path, "commit", "-qm", "v1")
    (tmp_path / "policy.sla").write_text(V2)
    git(tmp_path, "commit", "-qam", "v2: looser P1 response from March")
    (tmp_path / "policy.sla").write_text(V2.replace("fee 9000", "fee 9100"))
    git(tmp_path, "commit", "-qam", "v2 corrected: same effective date")
    series = series_from_git("policy.sla", tmp_path)
    assert [v.effective for v in series.versions] == [dt.date(2026, 1, 1), dt.date(2026, 3, 1)]
    # the later commit for 2026-03-01 corrects the earlier one
    assert series.versions[1].policy.fees[0].amount == Decimal("9100")
    assert series.versions[1].label.endswith(":policy.sla")


def test_errors(folder: Path) -> None:
    (folder / "versions" / "v3.sla").write_text(V2)
    with pytest.raises(
        SeriesError, match=re.escape("`v2.sla` and `v3.sla` both take effect on 2026-03-01")
    ):
        series_from_folder(folder / "versions")
    (folder / "versions" / "v3.sla").write_text(V2.replace("priority = P1", "priority = P5"))
    with pytest.raises(SeriesError, match=re.escape("version `v3.sla` does not check")):
        series_from_folder(folder / "versions")
    (folder / "versions" / "v3.sla").unlink()
    series = series_from_folder(folder / "versions")
    with pytest.raises(SeriesError, match="period 2025-12 starts before the first version"):
        evaluate_series(series, load_data(folder / "data"), months("2025-12", "2026-01"), AS_OF)
    (folder / "versions" / "v2.sla").write_text(V2.replace("period month", "period quarter"))
    with pytest.raises(SeriesError) as info:
        series_from_folder(folder / "versions")
    assert (
        info.value.message
        == "version `v2.sla` counts quarters in UTC, but `v1.sla` counts months in UTC"
    )
    assert "same periods" in info.value.hint
