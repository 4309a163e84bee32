"""Trend charts as inline SVG, drawn by pygal (a maintained, pure-Python SVG chart library).

Each target gets one line chart across the report's periods: the value per period (its
dot coloured by the verdict), the objective line with the breach zone on its failing
side, and for objectives with an error budget the at-risk band above the objective (the
values for which less than the at-risk fraction of the budget is left, assuming the
period's volume). The output has no script and no external reference, so it can be
inlined into a self-contained HTML file or written beside a Markdown file.

Values are exact in the document; they become floats here only to be drawn.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from fractions import Fraction
from typing import Any

import pygal  # type: ignore[import-untyped]
from pygal.style import Style  # type: ignore[import-untyped]

from rules_engine.escape import xml_text
from rules_engine.render.report.content import Trend

VERDICT_COLORS = {
    "met": "#15803d",
    "at_risk": "#b45309",
    "breached": "#b91c1c",
    "no_data": "#6b7280",
    "not_due": "#9ca3af",
    "-": "#6b7280",
}
_BAND = "#fde68a"
_BREACH = "#fecaca"
_SAFE = "#dcfce7"
_VALUE = "#1d4ed8"
_LINE = "#374151"


def _scale(trend: Trend) -> tuple[Fraction, str]:
    """Divisor and axis unit: durations in minutes or hours, the rest as they are."""
    objective = trend.target.objective
    if objective.unit == "percent":
        return Fraction(1), "%"
    if objective.unit == "seconds":
        known = [v for v in trend.values if v is not None]
        if objective.threshold is not None:
            known.append(objective.threshold)
        top = max(known, default=Fraction(0))
        return (Fraction(3600), "hours") if top >= 7200 else (Fraction(60), "minutes")
    return Fraction(1), "count" if objective.unit == "count" else "value"


def _slug(name: str) -> str:
    return re.sub(r"[^A-Za-z0-9_-]", "-", name) or "target"


def _finish(label: str) -> Callable[[Any], Any]:
    """An XML filter: drop pygal's config script (the report needs no JS) and its
    comments (they say "generated on <today>" and which XML backend drew the chart, so a
    report would differ between days, time zones and machines), and title the chart
    after its target instead of "Pygal"."""

    def apply(root: Any) -> Any:
        for parent in list(root.iter()):
            for child in list(parent):
                # a comment's or a processing instruction's tag is not a string
                comment = not isinstance(child.tag, str)
                if comment or child.tag.rsplit("}", 1)[-1] == "script":
                    parent.remove(child)
        for child in root:
            if isinstance(child.tag, str) and child.tag.rsplit("}", 1)[-1] == "title":
                child.text = xml_text(label)
        return root

    return apply


def trend_svg(trend: Trend, width: int = 640, height: int = 360) -> str:
    """One target's trend as an SVG document (no XML declaration, no script)."""
    objective = trend.target.objective
    divisor, unit = _scale(trend)
    values = [None if v is None else float(v / divisor) for v in trend.values]
    threshold = None if objective.threshold is None else float(objective.threshold / divisor)
    band_top = None
    if objective.banded and objective.threshold is not None:
        band = objective.threshold + trend.at_risk_fraction * (100 - objective.threshold)
        band_top = float(band / divisor)

    known = [v for v in values if v is not None]
    marks = [m for m in (threshold, band_top) if m is not None]
    low, high = min(known + marks, default=0.0), max(known + marks, default=1.0)
    pad = (high - low) * 0.15 or max(abs(high) * 0.05, 1.0)
    y_min, y_max = low - pad, high + pad
    if unit == "%":
        y_max = min(y_max, 100.0 + pad / 3)
    if unit in ("hours", "minutes", "count"):
        y_min = 0.0

    many = len(trend.periods) > 12
    # (legend, level, colour, line CSS): zones filled down to the axis, drawn in order
    # (a later zone covers an earlier one), then the objective line, then the value.
    zones: list[tuple[str, float, str, str]] = []
    # A zone or line over one period is a single point pygal does not draw: the legend
    # then names only what is drawn (the value), and the caption says the objective.
    if threshold is not None and len(trend.periods) > 1:
        if objective.higher_is_better:
            if band_top is not None:
                zones.append(("at-risk band", band_top, _BAND, "stroke:none"))
            zones.append(("breach zone", threshold, _BREACH, "stroke:none"))
        else:
            zones.append(("breach zone", y_max, _BREACH, "stroke:none"))
            zones.append(("safe zone", threshold, _SAFE, "stroke:none"))
        zones.append(("objective", threshold, _LINE, "stroke-width:2;stroke-dasharray:6,4"))
    prefix = f"#chart-{_slug(trend.target.name)}"
    css = [f"{prefix} .serie-{i} .line{{{line}}}" for i, (_, _, _, line) in enumerate(zones)]
    css.append(f"{prefix} .serie-{len(zones)} .line{{stroke-width:3}}")
    chart = pygal.Line(
        width=width,
        height=height,
        js=[],
        css=["file://style.css", "file://graph.css", "inline:" + "".join(css)],
        disable_xml_declaration=True,
        show_legend=True,
        legend_at_bottom=True,
        # one row: pygal sizes the legend as (series // columns) rows, so 3 series in 4
        # columns would get no room at all
        legend_at_bottom_columns=len(zones) + 1,
        show_y_guides=False,
        show_x_guides=False,
        range=(y_min, y_max),
        y_title=unit,
        x_label_rotation=45 if many else 0,
        x_labels_major_every=max(1, math.ceil(len(trend.periods) / 12)) if many else None,
        show_minor_x_labels=not many,
        truncate_label=-1,
        truncate_legend=-1,
        allow_interruptions=True,
        margin=8,
        margin_right=36,
        style=Style(
            background="#ffffff",
            plot_background="#ffffff",
            foreground="#1f2937",
            foreground_strong="#111827",
            foreground_subtle="#9ca3af",
            opacity="1",
            opacity_hover="1",
            font_family="system-ui, -apple-system, 'Segoe UI', Roboto, sans-serif",
            label_font_size=15,
            major_label_font_size=15,
            legend_font_size=15,
            title_font_size=16,
            colors=(*(color for _, _, color, _ in zones), _VALUE),
        ),
    )
    chart.uuid = _slug(trend.target.name)
    chart.x_labels = [xml_text(period) for period in trend.periods]
    for legend, level, _, line in zones:
        fill = line == "stroke:none"
        chart.add(legend, [level] * len(trend.periods), fill=fill, show_dots=False)
    points: list[dict[str, Any] | None] = []
    for value, verdict, period in zip(values, trend.verdicts, trend.periods, strict=True):
        if value is None:
            points.append(None)
            continue
        points.append(
            {
                "value": value,
                "color": VERDICT_COLORS.get(verdict, _VALUE),
                "label": xml_text(f"{period}: {verdict.replace('_', ' ')}"),
            }
        )
    if any(point is not None for point in points):  # else the legend would name nothing drawn
        chart.add("value", points, dots_size=5)
    chart.add_xml_filter(_finish(f"{trend.target.label}: trend"))
    svg: str = chart.render(is_unicode=True)
    return svg
