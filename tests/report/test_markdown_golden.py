"""Golden test for the Markdown report: the fixture's report, reviewed by hand once and
compared byte for byte since. Regenerate with ``SLA_UPDATE_GOLDEN=1`` and review the diff.
"""

from __future__ import annotations

import base64
import os
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

from rules_engine.render.report.markdown import render_markdown, render_markdown_with_charts

GOLDEN = Path(__file__).resolve().parent / "golden" / "sample_report.md"


def test_markdown_matches_golden(sample: dict[str, Any]) -> None:
    text, charts = render_markdown_with_charts(sample, "sample-charts")
    if os.environ.get("SLA_UPDATE_GOLDEN"):
        GOLDEN.write_text(text, encoding="utf-8")
    assert text == GOLDEN.read_text(encoding="utf-8")
    assert sorted(charts) == [
        "sample-charts/change_turnaround.svg",
        "sample-charts/email_availability.svg",
        "sample-charts/p1_response.svg",
        "sample-charts/p3_resolution.svg",
        "sample-charts/satisfaction.svg",
    ]


def test_markdown_is_deterministic(sample: dict[str, Any]) -> None:
    assert render_markdown(sample) == render_markdown(sample)


def test_embedded_charts_are_svg(sample: dict[str, Any]) -> None:
    text = render_markdown(sample)
    marker = "](data:image/svg+xml;base64,"
    assert text.count(marker) == 5  # one chart per target
    first = text.split(marker, 1)[1].split(")", 1)[0]
    svg = base64.b64decode(first).decode("utf-8")
    root = ET.fromstring(svg)
    assert root.tag.endswith("svg")
    assert "<script" not in svg


def test_markdown_escapes_table_breakers(sample: dict[str, Any]) -> None:
    sample["disputed"][0]["reason"] = "a | b"
    text, _ = render_markdown_with_charts(sample, "c")
    assert "a \\| b" in text
