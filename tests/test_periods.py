import datetime as dt

import pytest

from rules_engine.evaluation.periods import parse_period, period_containing, periods_between


def test_march_new_york_has_743_hours() -> None:
    march = parse_period("2026-03", "month", "America/New_York")
    assert march.real_seconds == 743 * 3600
    assert march.start.isoformat() == "2026-03-01T00:00:00-05:00"
    assert march.end.isoformat() == "2026-04-01T00:00:00-04:00"


def test_utc_instant_on_feb_1_belongs_to_january_in_new_york() -> None:
    moment = dt.datetime(2026, 2, 1, 4, 30, tzinfo=dt.UTC)
    assert period_containing(moment, "month", "America/New_York").label == "2026-01"


def test_quarter_labels_and_months() -> None:
    q1 = parse_period("2026-Q1", "quarter", "Europe/London")
    assert q1.months() == [dt.date(2026, 1, 1), dt.date(2026, 2, 1), dt.date(2026, 3, 1)]
    assert q1.real_seconds == 2159 * 3600
    assert q1.next().label == "2026-Q2"
    assert q1.previous().label == "2025-Q4"


def test_periods_between_is_inclusive_and_crosses_years() -> None:
    a = parse_period("2025-11", "month", "UTC")
    b = parse_period("2026-02", "month", "UTC")
    assert [p.label for p in periods_between(a, b)] == ["2025-11", "2025-12", "2026-01", "2026-02"]
    assert periods_between(b, a) == []


@pytest.mark.parametrize(
    ("label", "kind", "message"),
    [
        ("2026-13", "month", "no month 13"),
        ("2026-Q1", "month", "is a quarter"),
        ("2026-03", "quarter", "is a month"),
        ("March", "month", "not a period label"),
    ],
)
def test_bad_labels(label: str, kind: str, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        parse_period(label, kind, "UTC")  # type: ignore[arg-type]
