"""Comparisons say what happened (issue 12): better or worse only from verdicts and the
value's distance to its objective; breached-to-no-data is "no data"; headline counts say
whose targets they count and agree with the exit reasons on the same page."""

from __future__ import annotations

import copy
import json
import re
from typing import Any

from paths import CONFORMANCE

from rules_engine.render.report.content import build_report
from rules_engine.render.report.html import render_html
from rules_engine.render.report.markdown import render_markdown_with_charts


def _set(doc: dict[str, Any], period: int, target: str, **values: Any) -> None:
    doc["periods"][period]["targets"][target].update(values)


def test_breached_to_no_data_is_no_data_not_an_improvement(sample: dict[str, Any]) -> None:
    # p1_response: breached in February; March made no_data (nothing measured)
    _set(sample, 2, "p1_response", verdict="no_data", value=None, met=0, breached=0)
    report = build_report(sample)
    change = next(c for c in report.changes if c.target.name == "p1_response")
    assert (change.kind, change.text) == ("no_data", "no data (breached in 2026-02)")
    assert "p1_response" not in {i.target.name for i in report.improvements}
    text, _ = render_markdown_with_charts(sample, "c")
    assert "No target improved" not in text  # the section is gone; the change is in words
    # p1_response (breached) and satisfaction (met) have no data in March
    assert "2 without data now" in report.summary.change_words


def test_still_breached_but_closer_is_not_an_improvement(sample: dict[str, Any]) -> None:
    # email_availability: 99.0% in February (breached), 99.5% in March, still breached
    # against >= 99.9%: closer to the objective, not improved
    _set(sample, 1, "email_availability", verdict="breached", value="99.000000")
    _set(sample, 2, "email_availability", verdict="breached", value="99.500000")
    report = build_report(sample)
    change = next(c for c in report.changes if c.target.name == "email_availability")
    assert change.kind == "still_breached"
    assert change.text.startswith("still breached, closer to the objective")
    assert "email_availability" not in {i.target.name for i in report.improvements}


def test_a_declining_met_target_is_not_an_improvement(sample: dict[str, Any]) -> None:
    # change_turnaround: 95% (Feb) -> 100% (Mar) is more margin; the reverse is less
    sample["periods"][1]["targets"]["change_turnaround"]["value"] = "100.000000"
    sample["periods"][2]["targets"]["change_turnaround"]["value"] = "95.000000"
    report = build_report(sample)
    change = next(c for c in report.changes if c.target.name == "change_turnaround")
    assert change.kind == "declined"
    assert change.text.startswith("still met, less margin")


def test_headline_breaches_count_provider_targets_as_the_exit_reason_does() -> None:
    """s07 from July to December: the exit reason in December counts "5 breached
    target-periods in last 6 periods" (provider-owned); the headline says 5 too, and the
    customer-owned targets apart."""
    doc = json.loads((CONFORMANCE / "s07_lookback_bonus_exit" / "expected.json").read_text())
    doc["periods"] = doc["periods"][6:]  # 2026-07 .. 2026-12: the last 6 periods
    reasons = " ".join(r for x in doc["periods"][-1]["exit"] for r in x["reasons"])
    counted = re.search(r"(\d+) breached target-periods in last 6 periods", reasons)
    assert counted is not None and counted.group(1) == "5"
    page = render_html(doc)
    headline = re.search(r'data-provider-breaches="(\d+)"', page)
    assert headline is not None and headline.group(1) == counted.group(1)
    report = build_report(doc)
    assert report.summary.all_by_owner["provider"]["breached"] == 5
    text, _ = render_markdown_with_charts(doc, "c")
    assert "| 2026-07 to 2026-12, provider targets | 19 met, 0 at risk, 5 breached" in text


def test_customer_breaches_are_not_the_providers(sample: dict[str, Any]) -> None:
    # change_turnaround (customer-owned) breached in January; provider breaches: Feb's 2
    report = build_report(sample)
    assert report.summary.all_by_owner["provider"]["breached"] == 2
    assert report.summary.all_by_owner["customer"]["breached"] == 1


def test_a_one_period_report_does_not_say_all_1_periods(sample: dict[str, Any]) -> None:
    one = copy.deepcopy(sample)
    one["periods"] = one["periods"][1:2]
    page = render_html(one)
    text, _ = render_markdown_with_charts(one, "c")
    assert "All 1 periods" not in page and "All 1 periods" not in text
    assert "2026-02 (over), provider targets" in text


def test_change_words_say_which_changes_are_customer_owned() -> None:
    # accountability, April to May: erp_availability (provider) and change_turnaround
    # (customer) both went from met to breached
    from paths import ROOT

    doc = json.loads((ROOT / "examples" / "accountability" / "expected.json").read_text())
    words = build_report(doc).summary.change_words
    # p1_resolution: 100% in both months, unchanged
    assert words == "since 2026-04: 2 new breaches (1 customer-owned)"
