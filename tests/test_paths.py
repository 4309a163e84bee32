"""The test data of ``tests/paths.py`` is in the repository, so a plain clone runs every
test that reads it (nothing is skipped for a missing folder beside the clone)."""

from __future__ import annotations

import zipfile

from paths import CONFORMANCE, ROOT, SCENARIOS, SERVICENOW_EXPORT


def test_every_conformance_scenario_is_in_the_repository_and_named_once() -> None:
    assert CONFORMANCE.is_relative_to(ROOT / "tests")
    folders = sorted(p.name for p in CONFORMANCE.iterdir() if p.is_dir())
    assert folders == list(SCENARIOS)
    for name in SCENARIOS:
        for part in ("scenario.yaml", "expected.json"):
            assert (CONFORMANCE / name / part).is_file(), f"{name}/{part}"
        assert list((CONFORMANCE / name / "data").glob("*.jsonl")), f"{name}/data"
    assert "Where they come from" in (CONFORMANCE / "README.md").read_text(encoding="utf-8")


def test_the_servicenow_export_is_in_the_repository_with_its_attribution() -> None:
    assert SERVICENOW_EXPORT.is_relative_to(ROOT / "examples")
    with zipfile.ZipFile(SERVICENOW_EXPORT) as archive:
        assert archive.namelist() == ["incident_event_log.csv"]
    readme = (SERVICENOW_EXPORT.parent / "README.md").read_text(encoding="utf-8")
    assert "Amaral, Fantinato and Peres" in readme and "CC BY 4.0" in readme
