"""The performance report as PDF: the HTML report printed by headless Chromium.

One layout for screen and paper (the HTML's print stylesheet), so the PDF says exactly
what the HTML says. Chromium is found at ``SLA_CHROMIUM``, else ``chromium`` (Debian),
``chromium-browser`` or ``google-chrome`` on the PATH; without one, a clear error.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from rules_engine.render.report.document import ReportError
from rules_engine.render.report.html import render_html

_CANDIDATES = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")

CHROMIUM_FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
)
"""Flags for a headless, offline, single-shot Chromium (also used by the browser test)."""


def find_chromium(explicit: str | None = None) -> str:
    """The Chromium executable to use, or ReportError saying how to get one."""
    candidates = [explicit, os.environ.get("SLA_CHROMIUM")]
    for path in candidates:
        if path:
            if Path(path).is_file() and os.access(path, os.X_OK):
                return path
            raise ReportError(
                f"Chromium not found at `{path}`",
                "install it with `apt-get install chromium` or point SLA_CHROMIUM at it",
            )
    for name in _CANDIDATES:
        found = shutil.which(name)
        if found:
            return found
    raise ReportError(
        "PDF output needs headless Chromium, and none was found",
        "install it with `apt-get install chromium`, or use `--format html`",
    )


def render_pdf(
    doc: Mapping[str, Any], chromium: str | None = None, timeout_s: float = 120
) -> bytes:
    """The report as PDF bytes (ReportError when Chromium is missing or fails)."""
    return html_to_pdf(render_html(doc), chromium, timeout_s)


def html_to_pdf(html: str, chromium: str | None = None, timeout_s: float = 120) -> bytes:
    executable = find_chromium(chromium)
    with tempfile.TemporaryDirectory(prefix="sla-report-") as tmp:
        page = Path(tmp) / "report.html"
        out = Path(tmp) / "report.pdf"
        page.write_text(html, encoding="utf-8")
        command = [
            executable,
            *CHROMIUM_FLAGS,
            f"--user-data-dir={Path(tmp) / 'profile'}",
            "--no-pdf-header-footer",
            f"--print-to-pdf={out}",
            page.as_uri(),
        ]
        try:
            result = subprocess.run(
                command, capture_output=True, text=True, timeout=timeout_s, check=False
            )
        except subprocess.TimeoutExpired as error:
            raise ReportError(
                f"Chromium did not finish printing the PDF within {timeout_s:g} s",
                "try again, or produce `--format html` and print it from a browser",
            ) from error
        except OSError as error:
            raise ReportError(f"cannot run Chromium at `{executable}`: {error.strerror}") from error
        if result.returncode != 0 or not out.is_file() or out.stat().st_size == 0:
            last = (result.stderr.strip().splitlines() or ["no message"])[-1]
            raise ReportError(
                f"Chromium failed to print the PDF (exit {result.returncode}): {last}",
                "run with `--format html` to check the report itself",
            )
        return out.read_bytes()
