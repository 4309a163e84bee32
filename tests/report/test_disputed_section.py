"""The report shows the disputed exclusions the engine writes under `exclusions`."""

import json
from pathlib import Path

from rules_engine.render.report import render_markdown
from rules_engine.render.report.document import normalize

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "accountability" / "expected.json"


def test_disputed_entries_come_from_the_engines_exclusions_section() -> None:
    doc = json.loads(EXAMPLE.read_text(encoding="utf-8"))
    assert "disputed" not in doc  # the engine nests it; the report must look there
    assert [entry["id"] for entry in normalize(doc)["disputed"]] == ["X-03"]
    markdown = render_markdown(doc)
    assert "X-03" in markdown
    assert "No exclusion is disputed" not in markdown
