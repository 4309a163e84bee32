"""Performance reports people read: HTML, Markdown and PDF over an evaluation document.

Every renderer is a pure function of the JSON document ``sla eval --format json`` writes
(see :mod:`rules_engine.report.document`), so a report can be made from a fresh
evaluation or from a document kept from last month.
"""

from __future__ import annotations

from rules_engine.report.document import MAX_PERIODS, ReportError, check_reportable, normalize
from rules_engine.report.html import render_html
from rules_engine.report.markdown import render_markdown, render_markdown_with_charts
from rules_engine.report.pdf import render_pdf

__all__ = [
    "MAX_PERIODS",
    "ReportError",
    "check_reportable",
    "normalize",
    "render_html",
    "render_markdown",
    "render_markdown_with_charts",
    "render_pdf",
]
