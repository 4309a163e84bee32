"""The malformed-data corpus: every case is refused by `sla validate` and `sla eval`
with a message naming the file, the row or line and the field, never a traceback."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import polars as pl
import pytest
from click.testing import CliRunner, Result

from rules_engine.cli import cli

CORPUS = Path(__file__).parent / "malformed"
CASES: list[dict[str, Any]] = json.loads((CORPUS / "cases.json").read_text())


def _extension(name: str) -> str:
    parts = name.split(".")
    return "." + ".".join(parts[-2:]) if parts[-1] == "gz" else "." + parts[-1]


def _run(args: list[str]) -> Result:
    result = CliRunner().invoke(cli, args)
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(
        result.exception
    )
    assert "Traceback" not in result.output
    return result


def _check(path: Path, validate_code: int, expect: list[str]) -> None:
    validated = _run(["validate", "--data", str(path)])
    assert validated.exit_code == validate_code, validated.output
    for fragment in [str(path), *expect]:
        assert fragment in validated.output, (fragment, validated.output)
    evaluated = _run(
        ["eval", str(CORPUS / "policy.sla"), "--data", str(path), "--period", "2026-03"]
    )
    assert evaluated.exit_code == 2, evaluated.output
    assert str(path) in evaluated.output and expect[0] in evaluated.output, evaluated.output


@pytest.mark.parametrize("case", CASES, ids=[c["file"] for c in CASES])
def test_malformed_file_is_refused_with_its_location(case: dict[str, Any], tmp_path: Path) -> None:
    path = tmp_path / (case["dataset"] + _extension(case["file"]))
    shutil.copyfile(CORPUS / case["file"], path)
    _check(path, case["validate"], case["expect"])


def test_every_corpus_file_is_a_case() -> None:
    listed = {c["file"] for c in CASES}
    present = {p.name for p in CORPUS.iterdir()} - {"cases.json", "policy.sla", "README.md"}
    assert listed == present


def test_parquet_binary_id_that_is_not_utf8(tmp_path: Path) -> None:
    path = tmp_path / "tickets.parquet"
    pl.DataFrame(
        {
            "id": [b"T1", b"T\xff"],
            "priority": ["P1", "P1"],
            "created_at": ["2026-03-02T08:00:00Z"] * 2,
        }
    ).write_parquet(path)
    _check(path, 1, ["row 2, field `id`", "not UTF-8"])
    result = CliRunner().invoke(cli, ["validate", "--data", str(path)])
    assert result.output.count("error:") == 1, result.output  # not again as an empty id
