"""Every amount on the report's money table is the sum of the lines shown for it, with
the arithmetic of every cap (issue 11 regression: an applied annual cap and a credit
earned back were missing from the HTML and Markdown reports, so 2,500.00 of credits
stood beside 300.00 owed with nothing in between)."""

from __future__ import annotations

import datetime as dt
import html
from decimal import Decimal
from pathlib import Path
from typing import Any

from rules_engine.api import load_policy
from rules_engine.data import load_data
from rules_engine.escape import markdown_text
from rules_engine.evaluation.periods import parse_period
from rules_engine.pipeline import evaluate
from rules_engine.render.report.content import build_report
from rules_engine.render.report.html import render_html
from rules_engine.render.report.markdown import render_markdown

CASE = Path(__file__).resolve().parents[1] / "consequences" / "cases" / "earn_back_annual_cap"


def _document() -> dict[str, Any]:
    policy = load_policy(CASE / "policy.sla")
    bundle = load_data(CASE / "data", policy=policy)
    labels = ["2026-01", "2026-02", "2026-03", "2026-04"]
    periods = [parse_period(label, policy.period, policy.timezone) for label in labels]
    return evaluate(policy, bundle, periods, dt.datetime(2026, 5, 2, tzinfo=dt.UTC)).document


# worked by hand in tests/consequences/test_end_to_end.py
JANUARY = [
    "availability_credits (email_availability < 99.0%): 25% x 10,000.00 EUR = 2,500.00 EUR",
    "cap per period: -500.00 EUR (cap 20% x 10,000.00 EUR = 2,000.00 EUR applied)",
    "cap per year: -1,700.00 EUR (3% x 10,000.00 EUR (fees of 1 period) = 300.00 EUR"
    " - 0.00 EUR granted = 300.00 EUR applied)",
]


def test_the_report_lists_every_line_behind_each_amount_owed() -> None:
    report = build_report(_document())
    rows = {row.period: row for row in report.money_rows}
    assert rows["2026-01"].credit_lines == JANUARY
    assert rows["2026-01"].owed == "300.00 EUR"  # 2,500.00 - 500.00 - 1,700.00
    (march,) = rows["2026-03"].credit_lines
    assert march.startswith("availability_credits: -300.00 EUR: ")  # earned back
    assert rows["2026-03"].owed == "-300.00 EUR"
    assert rows["2026-03"].bonus_lines == ["steady: 1% x 11,000.00 EUR = 110.00 EUR"]
    # the headline is the sum of the owed column: 300.00 + 0.00 - 300.00 + 550.00
    owed = sum(Decimal(r.owed.split()[0].replace(",", "")) for r in report.money_rows)
    assert owed == Decimal("550.00")
    assert report.summary.credits_total == "550.00 EUR"


def test_markdown_and_html_show_the_caps_arithmetic() -> None:
    doc = _document()
    markdown = render_markdown(doc)
    page = html.unescape(render_html(doc))
    for line in JANUARY:
        assert markdown_text(line) in markdown
        assert line in page
