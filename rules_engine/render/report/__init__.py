"""Performance reports people read: HTML, Markdown and PDF over an evaluation document.

Every renderer is a pure function of the JSON document ``sla eval --format json`` writes
(see :mod:`rules_engine.render.report.document`), so a report can be made from a fresh
evaluation or from a document kept from last month. The renderers are imported on first
use: the CI formats (JUnit, SARIF, GitHub) read the document through this package and
should not pay for the chart library.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from rules_engine.render.report.document import (
    MAX_PERIODS,
    ReportError,
    check_reportable,
    normalize,
)


def render_html(doc: Mapping[str, Any]) -> str:
    """One self-contained HTML page (inline CSS and SVG charts, no script)."""
    from rules_engine.render.report.html import render_html as render

    return render(doc)


def render_markdown(doc: Mapping[str, Any]) -> str:
    """Markdown with every chart embedded as an SVG data-URI image."""
    from rules_engine.render.report.markdown import render_markdown as render

    return render(doc)


def render_markdown_with_charts(
    doc: Mapping[str, Any], chart_dir: str
) -> tuple[str, dict[str, str]]:
    """Markdown linking ``{chart_dir}/{target}.svg``, and those files' contents."""
    from rules_engine.render.report.markdown import render_markdown_with_charts as render

    return render(doc, chart_dir)


def render_pdf(doc: Mapping[str, Any], chromium: str | None = None) -> bytes:
    """PDF bytes of the HTML report, printed by headless Chromium."""
    from rules_engine.render.report.pdf import render_pdf as render

    return render(doc, chromium)


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
