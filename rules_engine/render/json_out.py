"""The evaluation document as JSON: stable key order, two-space indent, UTF-8, one final
newline, so identical inputs give byte-identical files."""

from __future__ import annotations

import json
from typing import Any


def render_json(document: dict[str, Any]) -> str:
    return json.dumps(document, indent=2, ensure_ascii=False, allow_nan=False) + "\n"
