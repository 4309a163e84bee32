"""The library side of a series: which files are versions, and what the data is loaded
against when versions declare different fields."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

from rules_engine.workflow.versions import SeriesError, series_from_folder

ROOT = Path(__file__).resolve().parents[2]

HEAD = """\
policy "Declared fields"
effective {effective}
timezone "UTC"
currency USD
fee 1000 per month
period month

tier P1 coverage 24x7
"""

TARGET = """
target p1_response {{
  of tickets where priority = P1{scope}
  measure response_time
  require 90% within 30m
}}
"""


def version(effective: str, declare: str = "", scope: str = "") -> str:
    return HEAD.format(effective=effective) + declare + TARGET.format(scope=scope)


def test_a_file_another_version_imports_is_a_module_not_a_version(tmp_path: Path) -> None:
    # contoso.sla imports standard_terms.sla, itself a complete policy
    for name in ("contoso.sla", "standard_terms.sla"):
        shutil.copy(ROOT / "examples" / "modules" / name, tmp_path / name)
    series = series_from_folder(tmp_path)
    assert [v.label for v in series.versions] == ["contoso.sla"]


def test_data_is_loaded_knowing_the_fields_of_every_version(tmp_path: Path) -> None:
    # v1 scopes on a field `region` it declares; v2 (from March) drops it and declares
    # `vip` instead: the data must type both, whichever version reads them
    (tmp_path / "v1.sla").write_text(
        version("2026-01-01", "dataset tickets {\n  region string\n}\n", ' and region = "EU"')
    )
    (tmp_path / "v2.sla").write_text(
        version("2026-03-01", "dataset tickets {\n  vip boolean\n}\n", " and vip")
    )
    loading = series_from_folder(tmp_path).loading_policy()
    fields = {(f.name, f.type) for f in loading.datasets["tickets"].fields}
    assert fields == {("region", "string"), ("vip", "boolean")}
    assert loading.effective.isoformat() == "2026-03-01"  # the latest version's head


def test_a_field_with_two_types_across_versions_is_an_error(tmp_path: Path) -> None:
    (tmp_path / "v1.sla").write_text(
        version("2026-01-01", "dataset tickets {\n  vip string\n}\n", ' and vip = "yes"')
    )
    (tmp_path / "v2.sla").write_text(
        version("2026-03-01", "dataset tickets {\n  vip boolean\n}\n", " and vip")
    )
    series = series_from_folder(tmp_path)
    with pytest.raises(
        SeriesError,
        match=re.escape("field `tickets.vip` is a string in `v1.sla` but a boolean in `v2.sla`"),
    ):
        series.loading_policy()


def test_a_folder_that_is_not_there(tmp_path: Path) -> None:
    with pytest.raises(SeriesError, match="is not a folder"):
        series_from_folder(tmp_path / "missing")


def test_versions_in_two_currencies_are_an_error(tmp_path: Path) -> None:
    # credits and bonuses are summed across versions: one currency only
    (tmp_path / "v1.sla").write_text(version("2026-01-01"))
    (tmp_path / "v2.sla").write_text(version("2026-03-01").replace("currency USD", "currency EUR"))
    with pytest.raises(SeriesError) as info:
        series_from_folder(tmp_path)
    assert info.value.message == "version `v2.sla` is in EUR, but `v1.sla` is in USD"
