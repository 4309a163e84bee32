"""Output formats over the evaluation document (the JSON form is the source of truth).

``FORMATS`` maps a ``--format`` name to a function from the document to text; other
formats (junit, sarif, github, markdown) register here as plain dict entries.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from rules_engine.render.github import render_github
from rules_engine.render.json_out import render_json
from rules_engine.render.junit import render_junit
from rules_engine.render.report import render_html, render_markdown
from rules_engine.render.sarif import render_sarif
from rules_engine.render.text_out import render_text

FORMATS: dict[str, Callable[[dict[str, Any]], str]] = {
    "text": render_text,
    "json": render_json,
    "junit": render_junit,
    "sarif": render_sarif,
    "github": render_github,
    "markdown": render_markdown,
    "html": render_html,
}

__all__ = ["FORMATS", "render_json", "render_text"]
