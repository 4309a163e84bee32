"""The same evaluation document makes the same report bytes on any day, in any time zone
and with either XML backend of the chart library: pygal stamps each chart with "generated
on <today>" and its version, and the report drops that comment (issue 14)."""

from __future__ import annotations

import base64
import datetime as dt
import json
import re
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pygal.svg  # type: ignore[import-untyped]
import pytest

from rules_engine.render.report import render_html, render_markdown
from rules_engine.render.report.markdown import render_markdown_with_charts

SAMPLE = Path(__file__).resolve().parents[2] / "tests" / "report" / "fixtures" / "sample_eval.json"
DAYS = (dt.date(2001, 2, 3), dt.date(2031, 12, 30))
ZONES = ("Pacific/Kiritimati", "Pacific/Pago_Pago")


def sample() -> dict[str, Any]:
    doc: dict[str, Any] = json.loads(SAMPLE.read_text(encoding="utf-8"))
    return doc


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    """Set the day pygal sees as today, and the process's time zone."""

    def set_clock(day: dt.date, zone: str) -> None:
        class Today(dt.date):
            @classmethod
            def today(cls) -> Today:
                return cls(day.year, day.month, day.day)

        monkeypatch.setattr(pygal.svg, "date", Today)
        monkeypatch.setenv("TZ", zone)
        time.tzset()

    yield set_clock
    monkeypatch.undo()
    time.tzset()


def svgs_in(markdown: str) -> str:
    """The charts embedded in a Markdown report, decoded."""
    found = re.findall(r"data:image/svg\+xml;base64,([A-Za-z0-9+/=]+)", markdown)
    return "".join(base64.b64decode(data).decode("utf-8") for data in found)


@pytest.mark.parametrize("render", [render_html, render_markdown])
def test_a_report_is_the_same_bytes_on_any_day_in_any_zone(clock: Any, render: Any) -> None:
    outputs = []
    for day, zone in zip(DAYS, ZONES, strict=True):
        clock(day, zone)
        outputs.append(render(sample()).encode("utf-8"))
    assert outputs[0] == outputs[1]
    text = outputs[0].decode("utf-8")
    if render is render_markdown:
        text += svgs_in(text)
    for day in DAYS:
        assert day.isoformat() not in text
    assert "Generated with pygal" not in text


def test_chart_files_are_the_same_bytes_on_any_day(clock: Any) -> None:
    outputs = []
    for day, zone in zip(DAYS, ZONES, strict=True):
        clock(day, zone)
        outputs.append(render_markdown_with_charts(sample(), "charts"))
    assert outputs[0] == outputs[1]
    for svg in outputs[0][1].values():
        assert "Generated with pygal" not in svg and "<title>" in svg


def test_the_charts_keep_no_comment_at_all() -> None:
    html = render_html(sample())
    assert "<!--" not in html
