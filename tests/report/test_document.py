"""Reading the evaluation document: objectives, durations, spans, defaults and refusals."""

from __future__ import annotations

from fractions import Fraction
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from rules_engine.render.report.document import (
    MAX_PERIODS,
    ReportError,
    all_warnings,
    check_reportable,
    elapsed_fraction,
    fmt_duration,
    headroom,
    normalize,
    parse_duration,
    parse_objective,
    severity,
    shortfall_sentence,
    span_of,
)


@pytest.mark.parametrize(
    ("text", "seconds"),
    [
        ("15m", 900),  # 15 x 60
        ("1h30m", 5400),  # 3600 + 30 x 60
        ("27h", 97200),  # 27 x 3600
        ("14d", 1209600),  # 14 x 86400
        ("2w", 1209600),  # 2 x 7 x 86400
        ("oops", None),
        ("", None),
    ],
)
def test_parse_duration(text: str, seconds: int | None) -> None:
    assert parse_duration(text) == seconds


def test_objectives_read_as_written() -> None:
    percent = parse_objective("95% within 15m")
    assert (percent.kind, percent.threshold, percent.unit, percent.banded) == (
        "percent",
        95,
        "percent",
        True,
    )
    everything = parse_objective("all within 4h")
    assert (everything.threshold, everything.banded) == (100, False)  # zero budget, no band
    availability = parse_objective(">= 99.9%")
    assert availability.kind == "availability"
    assert availability.threshold == Fraction(999, 10)
    percentile = parse_objective("p90 <= 27h")
    assert (percentile.kind, percentile.threshold, percentile.higher_is_better) == (
        "percentile",
        97200,
        False,
    )
    mean = parse_objective("mean >= 4.2")
    assert (mean.threshold, mean.higher_is_better, mean.unit) == (Fraction(21, 5), True, "number")
    detection = parse_objective("mean <= 30m")
    assert (detection.threshold, detection.higher_is_better, detection.unit) == (
        1800,
        False,
        "seconds",
    )
    count = parse_objective("count >= 1")
    assert (count.kind, count.threshold, count.higher_is_better) == ("count", 1, True)
    assert parse_objective("something new").kind == "other"


@pytest.mark.parametrize(
    ("seconds", "text"),
    [
        (0, "0s"),
        (900, "15m"),
        (5400, "1h30m"),
        (90061, "25h1m1s"),  # 86400 + 3600 + 60 + 1: hours below two days
        (97200, "27h"),
        (1209601, "14d1s"),  # 14 x 86400 + 1
        (190800, "2d5h"),  # 2 x 86400 + 5 x 3600: days from two of them up
        ("2678.400", "44m38.4s"),  # 44 x 60 = 2640, + 38.4
        (-60, "-1m"),
        (None, "-"),
    ],
)
def test_fmt_duration(seconds: Any, text: str) -> None:
    assert fmt_duration(seconds) == text


@pytest.mark.parametrize(
    ("seconds", "text"),
    [
        (612000, "170h"),  # 170 open hours: about 21 office days, never "7d2h"
        (19109430, "5308h10m30s"),  # 221 x 24 + 4 = 5308 h, + 10m30s: never "221d10m30s"
        (97200, "27h"),
    ],
)
def test_business_time_is_shown_in_hours(seconds: int, text: str) -> None:
    assert fmt_duration(seconds, "business") == text
    assert fmt_duration(seconds, "mixed") == text


@given(st.integers(min_value=0, max_value=10**9))
def test_fmt_duration_round_trips_whole_seconds(seconds: int) -> None:
    text = fmt_duration(seconds).replace(" ", "")
    assert parse_duration(text) == seconds


def test_headroom_and_severity_are_exact() -> None:
    objective = parse_objective(">= 99.9%")
    # 99.955197 against 99.9: (0.055197) / (0.1) = 0.55197 of the allowed downtime unused
    assert headroom({"value": "99.955197"}, objective) == Fraction(55197, 100000)
    # 98.9 against 99.9: (1.0) / (0.1) = 10 budgets over
    assert severity({"value": "98.900000"}, objective) == 10
    percentile = parse_objective("p90 <= 8h")
    # 12h against 8h: (43200 - 28800) / 28800 = 1/2
    assert severity({"value_s": 43200}, percentile) == Fraction(1, 2)
    assert headroom({"value_s": 14400}, percentile) == Fraction(1, 2)  # (28800 - 14400) / 28800


def test_spans_as_objects_or_text() -> None:
    span = span_of(
        {"span": {"file": "p.sla", "line": 3, "column": 5, "end_line": 7, "end_column": 2}}
    )
    assert span is not None and (span.file, span.line, span.column, span.end_line) == (
        "p.sla",
        3,
        5,
        7,
    )
    text = span_of({"span": "dir/p.sla:12:1"})
    assert text is not None and (text.file, text.line, text.column) == ("dir/p.sla", 12, 1)
    assert span_of({"span": "<builtin>:0:0"}) is None
    assert span_of({}) is None


def test_normalize_fills_defaults_and_keeps_the_input(sample: dict[str, Any]) -> None:
    doc = normalize({"periods": [{"period": "2026-Q1", "targets": {"t": {}}}]})
    assert doc["policy"]["period"] == "quarter"
    assert doc["periods"][0]["targets"]["t"]["verdict"] == "no_data"
    assert doc["warnings"] == [] and doc["escalations"] == [] and doc["disputed"] == []
    before = repr(sample)
    once = normalize(sample)
    assert repr(sample) == before  # a pure function: the input is untouched
    assert normalize(once) == once  # idempotent: renderers may normalize again
    assert all_warnings(once) == sample["data"]["warnings"]


def test_not_a_document() -> None:
    with pytest.raises(ReportError, match="no `periods` list"):
        normalize({"targets": {}})
    with pytest.raises(ReportError, match="JSON object"):
        normalize([])  # type: ignore[arg-type]


def test_refusals(sample: dict[str, Any]) -> None:
    with pytest.raises(ReportError, match="no periods"):
        check_reportable(normalize({"periods": []}))
    many = {"periods": [{"period": f"P{i}", "targets": {}} for i in range(MAX_PERIODS + 1)]}
    with pytest.raises(ReportError, match="at most 120 periods, this one has 121"):
        check_reportable(normalize(many))
    empty = normalize(sample)
    for period in empty["periods"]:
        for target in period["targets"].values():
            target["in_scope"] = 0
    with pytest.raises(ReportError, match="no records fall in the periods 2026-01 to 2026-03"):
        check_reportable(empty)
    check_reportable(normalize(sample))


def test_elapsed_fraction_uses_real_time() -> None:
    march = {
        "over": False,
        "start": "2026-03-01T00:00:00-05:00",
        "end": "2026-04-01T00:00:00-04:00",
    }
    # New York March 2026 has 743 real hours; as-of 03-08 12:00 EDT (16:00 UTC) is
    # 7 x 24 + 11 = 179 real hours after 03-01 05:00 UTC (the DST jump came at 07:00 UTC).
    assert elapsed_fraction(march, "2026-03-08T12:00:00-04:00") == Fraction(179, 743)
    assert elapsed_fraction({"over": True}, None) == 1


def test_shortfall_sentence_names_the_worst_record(sample: dict[str, Any]) -> None:
    target = sample["periods"][1]["targets"]["p1_response"]
    sentence = shortfall_sentence("2026-02", "p1_response", target)
    assert sentence == (
        "p1_response (P1 response) missed `95% within 15m` in 2026-02: 80.00% "
        "(8 of 10 met); 2 breached records, worst BR-2 at 45m against 15m."
    )
    email = sample["periods"][1]["targets"]["email_availability"]
    # 2419.2 s budget = 40m19.2s; 5400 s down = 1h30m; 99.776786% to two places: 99.78%
    assert shortfall_sentence("2026-02", "email_availability", email) == (
        "email_availability missed `>= 99.9%` in 2026-02: 99.78% available, "
        "1h30m down against a budget of 40m19.2s."
    )


def test_one_period_chart_legend_names_only_what_is_drawn(sample: dict[str, Any]) -> None:
    """One period: pygal draws no line through a single point, so the legend must not
    list the objective line, the breach zone or the at-risk band (issue 12)."""
    from rules_engine.render.report.charts import trend_svg
    from rules_engine.render.report.content import build_report

    from .conftest import load_sample

    sample["periods"] = sample["periods"][1:2]
    (trend, *_) = build_report(sample).trends
    assert _legend(trend_svg(trend)) == ["value"]
    # with two periods before it as history, the same report draws all three and names them
    history = build_report({**sample, "history": load_sample()["periods"][:1]})
    assert history.trends[0].periods == ["2026-01", "2026-02"]
    assert _legend(trend_svg(history.trends[0])) == [
        "at-risk band",
        "breach zone",
        "objective",
        "value",
    ]


def test_a_chart_without_any_value_does_not_list_one(sample: dict[str, Any]) -> None:
    from rules_engine.render.report.charts import trend_svg
    from rules_engine.render.report.content import build_report

    for period in sample["periods"]:
        period["targets"]["satisfaction"].update(verdict="no_data", value=None)
    (trend,) = [t for t in build_report(sample).trends if t.target.name == "satisfaction"]
    # a mean has no error budget, so no at-risk band
    assert _legend(trend_svg(trend)) == ["breach zone", "objective"]


def _legend(svg: str) -> list[str]:
    """The names pygal's legend lists (not the axis title, also "value" for a mean)."""
    import re

    return re.findall(r'class="legend reactive activate-serie">.*?<text[^>]*>([^<]*)</text>', svg)


def test_a_breached_record_without_times_is_not_worst_at_dash_against_dash() -> None:
    """Issue 12: "worst PRJ-32 at - against -" for records with no measured time."""
    target = {
        "objective": "95% within 15m",
        "verdict": "breached",
        "value": "50.000000",
        "met": 1,
        "breached": 1,
        "breached_records": [{"id": "PRJ-32", "measured_s": None, "limit_s": None}],
    }
    sentence = shortfall_sentence("2026-02", "p1", target)
    assert "at - against -" not in sentence
    assert sentence.endswith("(1 of 2 met); 1 breached record.")
