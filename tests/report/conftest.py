"""Sample evaluation documents: a hand-written fixture with every section filled in, and
the conformance scenarios' expected results."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from paths import CONFORMANCE, SCENARIOS

HERE = Path(__file__).resolve().parent
FIXTURE = HERE / "fixtures" / "sample_eval.json"
SCHEMAS = HERE / "schemas"


def load_sample() -> dict[str, Any]:
    doc: dict[str, Any] = json.loads(FIXTURE.read_text(encoding="utf-8"))
    return doc


@pytest.fixture
def sample() -> dict[str, Any]:
    return load_sample()


@pytest.fixture(params=SCENARIOS)
def conformance_doc(request: pytest.FixtureRequest) -> dict[str, Any]:
    path = CONFORMANCE / str(request.param) / "expected.json"
    doc: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return doc
