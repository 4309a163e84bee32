"""Bad input: a clear one-line error naming the file, exit 1 or 2, never a traceback."""

from __future__ import annotations

import gzip
import json
import resource
import time
from pathlib import Path

import polars as pl
import pytest
from click.testing import CliRunner

from rules_engine.cli import cli


def _validate(path: Path, *extra: str) -> tuple[int, str]:
    result = CliRunner().invoke(cli, ["validate", "--data", str(path), *extra])
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    assert "Traceback" not in result.output
    return result.exit_code, result.output


def test_csv_missing_required_column(tmp_path: Path) -> None:
    path = tmp_path / "tickets.csv"
    path.write_text("id,created_at\nA,2026-01-01T00:00:00Z\n")
    code, out = _validate(path)
    assert code == 1
    assert f"{path}, field `priority`: error: required column `priority` is missing" in out


def test_csv_wrong_delimiter(tmp_path: Path) -> None:
    path = tmp_path / "tickets.csv"
    path.write_text("id;priority;created_at\nA;P1;2026-01-01T00:00:00Z\n")
    code, out = _validate(path)
    assert code == 2
    assert "looks `;`-separated" in out and str(path) in out


@pytest.mark.parametrize(
    ("name", "content", "expected"),
    [
        ("tickets.json", '{"id": "A"}', "expected a list of records, got dict"),
        ("tickets.json", '"just text"', "expected a list of records, got str"),
        ("tickets.json", '[{"id": "A",', "not valid JSON"),
        ("tickets.jsonl", "[1, 2]\n", "record is not an object"),
        ("tickets.yaml", "a: [b\n", "not valid YAML"),
        ("tickets.csv", "", "file is empty"),
        ("tickets.txt", "x", "unknown data format `.txt`"),
    ],
)
def test_documents_that_are_not_records(
    tmp_path: Path, name: str, content: str, expected: str
) -> None:
    path = tmp_path / name
    path.write_text(content)
    code, out = _validate(path)
    assert code in (1, 2)
    assert expected in out and str(path) in out


def test_truncated_gzip(tmp_path: Path) -> None:
    record = {"id": "A", "priority": "P1", "created_at": "2026-01-01T00:00:00Z"}
    data = gzip.compress((json.dumps(record) + "\n").encode() * 200)
    path = tmp_path / "tickets.jsonl.gz"
    path.write_bytes(data[: len(data) // 2])
    code, out = _validate(path)
    assert code == 2
    assert "truncated gzip" in out and str(path) in out


def test_parquet_with_wrong_column_types(tmp_path: Path) -> None:
    path = tmp_path / "tickets.parquet"
    pl.DataFrame({"id": ["A"], "priority": ["P1"], "created_at": [1_767_225_600]}).write_parquet(
        path
    )
    code, out = _validate(path)
    assert code == 1
    assert (
        f"{path}, row 1, field `created_at`: error: column has type Int64, expected a timestamp"
        in out
    )


def test_corrupt_parquet(tmp_path: Path) -> None:
    path = tmp_path / "tickets.parquet"
    path.write_bytes(b"PAR1 this is not parquet")
    code, out = _validate(path)
    assert code == 2
    assert "not a readable Parquet file" in out


def test_empty_folder_and_missing_path(tmp_path: Path) -> None:
    code, out = _validate(tmp_path)
    assert code == 2
    assert "folder holds no data files" in out
    code, out = _validate(tmp_path / "nope")
    assert code == 2
    assert "no such file or folder" in out


def _run_peak_kib(path: Path, name: str) -> tuple[int, str, float, int]:
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    began = time.perf_counter()
    result = CliRunner().invoke(cli, ["validate", "--data", str(path)])
    elapsed = time.perf_counter() - began
    grown = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before
    return result.exit_code, result.output, elapsed, grown


def test_two_gigabyte_files_fail_without_being_read(tmp_path: Path) -> None:
    size = 2 * 2**30
    for name, expected in [
        ("tickets.json", "over the 512 MiB limit for json"),  # parsed whole: refused by size
        ("tickets.jsonl", "binary data (NUL bytes)"),  # streamed: the first 64 KiB decide
    ]:
        path = tmp_path / name
        with open(path, "wb") as fh:
            fh.truncate(size)  # sparse: takes no disk space
        code, out, _elapsed, grown_kib = _run_peak_kib(path, name)
        assert code == 2, out
        assert expected in out and str(path) in out
        assert grown_kib < 200 * 1024  # far less than the 2 GiB file
        path.unlink()


def test_import_with_unknown_mapping_key(tmp_path: Path) -> None:
    mapping = tmp_path / "m.yaml"
    mapping.write_text("name: m\nfields:\n  id:\n    column: number\n    colour: red\n")
    source = tmp_path / "in.csv"
    source.write_text("number\n1\n")
    result = CliRunner().invoke(
        cli, ["import", "--mapping", str(mapping), str(source), "-o", str(tmp_path / "o.jsonl")]
    )
    assert result.exit_code == 2
    assert f"{mapping}:5: `fields.id.colour`: unknown key `colour`" in result.output


def test_import_input_missing_a_column(tmp_path: Path) -> None:
    source = tmp_path / "export.csv"
    source.write_text("Issue key,Priority,Createdd\nA-1,High,04/Mar/24 8:05 AM\n")
    result = CliRunner().invoke(
        cli,
        [
            "import",
            "--mapping",
            "jira_service_management",
            str(source),
            "-o",
            str(tmp_path / "o.jsonl"),
        ],
    )
    assert result.exit_code == 2
    assert "no column `Created`" in result.output and "did you mean `Createdd`?" in result.output
