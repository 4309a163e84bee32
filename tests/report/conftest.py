"""Sample evaluation documents: a hand-written fixture with every section filled in, and
the conformance scenarios' expected results (when the shared folder is present)."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest

HERE = Path(__file__).resolve().parent
FIXTURE = HERE / "fixtures" / "sample_eval.json"
SCHEMAS = HERE / "schemas"
SCENARIOS = (
    "s01_acme_core_ny",
    "s05_availability_credits_cap",
    "s07_lookback_bonus_exit",
    "s10_boundaries_at_risk",
)


def shared_dir() -> Path:
    override = os.environ.get("SLA_SHARED_DIR")
    return Path(override) if override else HERE.parents[1].parent / "shared"


def load_sample() -> dict[str, Any]:
    doc: dict[str, Any] = json.loads(FIXTURE.read_text(encoding="utf-8"))
    return doc


@pytest.fixture
def sample() -> dict[str, Any]:
    return load_sample()


@pytest.fixture(params=SCENARIOS)
def conformance_doc(request: pytest.FixtureRequest) -> dict[str, Any]:
    path = shared_dir() / "conformance" / str(request.param) / "expected.json"
    if not path.is_file():
        pytest.skip(f"shared conformance folder not found at {path.parent}")
    doc: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return doc
