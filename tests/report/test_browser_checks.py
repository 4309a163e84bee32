"""The HTML report in headless Chromium (Debian's package) at 1280 and 390 px, on the
quick-start, the accountability example and a one-month report (issue 12): no console
error, no horizontal overflow, no clipped table cell, every chart with at least two
points when history exists, and every money total equal to the sum of its lines, read
from the laid-out page.

A script appended to a copy of the page measures the layout and writes its findings into
a ``<pre id="probe">``; ``--dump-dom`` returns the page after it ran. The report itself
has no script (tests/report/test_html_browser.py checks it is self-contained).
"""

from __future__ import annotations

import html
import json
import os
import re
import subprocess
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from paths import ROOT

from rules_engine.cli import cli
from rules_engine.render.report.pdf import CHROMIUM_FLAGS

CHROMIUM = os.environ.get("SLA_CHROMIUM", "/usr/bin/chromium")

needs_chromium = pytest.mark.skipif(
    not Path(CHROMIUM).is_file(),
    reason=f"headless Chromium not installed at {CHROMIUM} (apt-get install chromium)",
)

REPORTS = {
    "quickstart": [
        "examples/quickstart/policy.sla", "--data", "examples/quickstart/data",
        "--from", "2026-01", "--to", "2026-03", "--as-of", "2026-04-01T09:00:00-04:00",
    ],
    "accountability": [
        "examples/accountability/policy.sla", "--data", "examples/accountability/data",
        "--from", "2026-04", "--to", "2026-05", "--as-of", "2026-06-01T09:00:00-04:00",
    ],
    "one-month": [
        "examples/quickstart/policy.sla", "--data", "examples/quickstart/data",
        "--period", "2026-03", "--as-of", "2026-04-01T09:00:00-04:00",
    ],
}  # fmt: skip

PROBE = """<script>
window.__errors = window.__errors || [];
(function () {
  const out = {};
  const width = window.innerWidth;
  out.viewport = width;
  out.pageWidth = document.documentElement.scrollWidth;
  out.clipped = [];
  out.offscreen = [];
  for (const cell of document.querySelectorAll('td, th')) {
    const r = cell.getBoundingClientRect();
    if (r.width === 0 && r.height === 0) continue;  // the visually hidden header row
    if (cell.closest('thead') && getComputedStyle(cell.closest('thead')).position === 'absolute') continue;
    if (cell.scrollWidth > cell.clientWidth + 1) out.clipped.push(cell.textContent.slice(0, 60));
    if (r.right > width + 1 || r.left < -1) out.offscreen.push(cell.textContent.slice(0, 60));
  }
  out.charts = {};
  for (const fig of document.querySelectorAll('figure.chart')) {
    out.charts[fig.dataset.target] = {
      points: Number(fig.dataset.points),
      dots: fig.querySelectorAll('svg circle.dot').length,
      legend: Array.from(fig.querySelectorAll('svg .legend text')).map(t => t.textContent),
    };
  }
  out.money = [];
  for (const table of document.querySelectorAll('table.money')) {
    const period = {period: table.dataset.period, groups: []};
    let lines = [];
    for (const row of table.querySelectorAll('tbody tr')) {
      if (row.classList.contains('line')) {
        lines.push(row.dataset.amount);
      } else if (row.classList.contains('total')) {
        period.groups.push({lines: lines, total: row.dataset.total,
                            shown: row.querySelector('td').textContent});
        lines = [];
      }
    }
    out.money.push(period);
  }
  const pick = (key) => {
    const el = document.querySelector('[' + key + ']');
    return el ? el.textContent : null;
  };
  out.owedTotal = pick('data-owed-total');
  out.owed = pick('data-owed');
  out.errors = window.__errors;
  const pre = document.createElement('pre');
  pre.id = 'probe';
  pre.textContent = JSON.stringify(out);
  (window.parent === window ? document : window.parent.document).body.appendChild(pre);
})();
</script>"""

ERRORS = "<script>window.__errors = []; window.addEventListener('error', e => window.__errors.push(String(e.message)));</script>"


@pytest.fixture(scope="module")
def pages(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    out = tmp_path_factory.mktemp("browser")
    cwd = Path.cwd()
    os.chdir(ROOT)
    try:
        for name, args in REPORTS.items():
            result = CliRunner().invoke(
                cli, ["report", *args, "--output", str(out / f"{name}.html")]
            )
            assert result.exit_code == 0, result.output
    finally:
        os.chdir(cwd)
    return {name: out / f"{name}.html" for name in REPORTS}


MIN_WINDOW = 500
"""Headless Chromium lays a window out at least 500 px wide with ``--dump-dom``; narrower
screens are measured in a frame of their width (``srcdoc``: same origin, so the probe
can report to the page around it)."""


def _probe(page: Path, width: int, tmp: Path) -> tuple[dict[str, Any], str]:
    probe = tmp / f"probe-{width}.html"
    text = page.read_text(encoding="utf-8")
    text = text.replace("<head>", "<head>" + ERRORS, 1).replace("</body>", PROBE + "</body>")
    if width < MIN_WINDOW:  # a phone: the page in a frame of that width
        text = (
            '<!DOCTYPE html><html><body style="margin:0">'
            f'<iframe style="width:{width}px;height:2000px;border:0" '
            f'srcdoc="{html.escape(text, quote=True)}"></iframe></body></html>'
        )
    probe.write_text(text, encoding="utf-8")
    done = subprocess.run(
        [
            CHROMIUM, *CHROMIUM_FLAGS, f"--user-data-dir={tmp / f'profile-{width}'}",
            "--enable-logging=stderr", "--v=0", "--hide-scrollbars",
            f"--window-size={max(width, MIN_WINDOW)},2000", "--dump-dom", probe.as_uri(),
        ],
        capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr[-2000:]
    match = re.search(r'<pre id="probe">(.*?)</pre>', done.stdout, re.S)
    assert match is not None, done.stdout[-2000:]
    return json.loads(html.unescape(match.group(1))), done.stderr


def _cents(amount: str) -> int:
    whole, _, frac = amount.partition(".")
    sign = -1 if whole.startswith("-") else 1
    return sign * (abs(int(whole)) * 100 + int((frac + "00")[:2]))


@needs_chromium
@pytest.mark.parametrize("width", [1280, 390])
@pytest.mark.parametrize("name", list(REPORTS))
def test_report_in_chromium(pages: dict[str, Path], name: str, width: int, tmp_path: Path) -> None:
    found, stderr = _probe(pages[name], width, tmp_path)
    console = [line for line in stderr.splitlines() if ":CONSOLE" in line or "Uncaught" in line]
    assert console == [] and found["errors"] == []
    assert found["viewport"] == width
    assert found["pageWidth"] <= width, "the page scrolls sideways"
    assert found["clipped"] == [], "a table cell's content is cut"
    assert found["offscreen"] == [], "a table cell lies outside the viewport"
    # every chart: a dot per value; two or more once the trend has history
    for target, chart in found["charts"].items():
        assert chart["dots"] == chart["points"], target
        assert chart["points"] >= 2, target
        if chart["points"] >= 2 and "objective" not in chart["legend"]:
            assert chart["legend"] == ["value"], target
    # every total is the sum of the lines above it (read from the DOM)
    assert found["money"], "no money table"
    owed = 0
    for period in found["money"]:
        for group in period["groups"]:
            assert sum(_cents(a) for a in group["lines"]) == _cents(group["total"]), period
            shown = group["shown"].split()[0].replace(",", "")
            assert _cents(shown) == _cents(group["total"])
        owed += _cents(period["groups"][0]["total"])
    if found["owedTotal"] is not None:
        assert _cents(found["owedTotal"].split()[0].replace(",", "")) == owed
    last = found["money"][-1]["groups"][0]["total"]
    assert _cents(found["owed"].split()[0].replace(",", "")) == _cents(last)


def test_print_puts_the_executive_summary_alone_on_page_one(sample: dict[str, Any]) -> None:
    """Printed (and as PDF), the summary is page one and the detail starts on page two."""
    from rules_engine.render.report.html import render_html

    page = render_html(sample)
    print_css = page.split("@media print", 1)[1]
    assert "#summary { break-after: page; page-break-after: always; }" in print_css
    # the summary is the first section after the header
    assert (
        page.index('<section id="summary">')
        < page.index("<section id=", page.index("</header>") + 1) + 1
    )
