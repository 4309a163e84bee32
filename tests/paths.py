"""Where the test data that is not a small fixture lives in the repository: the four
conformance scenarios and the real ServiceNow export. Every test that reads them takes
the location from here; a missing file is a failure, never a skip."""

from __future__ import annotations

from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
"""The repository root."""

CONFORMANCE = ROOT / "tests" / "conformance" / "scenarios"
"""The conformance scenarios: ``<name>/scenario.yaml``, ``expected.json`` and ``data/``."""

SCENARIOS = (
    "s01_acme_core_ny",
    "s05_availability_credits_cap",
    "s07_lookback_bonus_exit",
    "s10_boundaries_at_risk",
)
"""The scenario folders of :data:`CONFORMANCE`, in order."""

SERVICENOW_EXPORT = (
    ROOT / "examples" / "servicenow" / "export" / "servicenow-incident-event-log.csv.zip"
)
"""The real ServiceNow incident event log (CC BY 4.0, attribution in its README)."""
