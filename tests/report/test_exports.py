"""`sla report --format csv` and `--format xlsx` (issue 12): verdicts per period and
target with values and objectives, money lines, breached records; numbers as numbers,
days as dates. The CSV is compared with a golden file (``SLA_UPDATE_GOLDEN=1``
regenerates it; review the diff), the XLSX read back with openpyxl cell by cell."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import os
from decimal import Decimal
from pathlib import Path
from typing import Any

from click.testing import CliRunner
from openpyxl import load_workbook  # type: ignore[import-untyped]

from rules_engine.cli import cli
from rules_engine.render.report.tables import build_tables, render_csv, render_xlsx

GOLDEN = Path(__file__).resolve().parent / "golden" / "sample_report.csv"


def test_csv_matches_golden(sample: dict[str, Any]) -> None:
    text = render_csv(sample)
    if os.environ.get("SLA_UPDATE_GOLDEN"):
        GOLDEN.write_bytes(text.encode("utf-8"))
    assert text == GOLDEN.read_bytes().decode("utf-8")


def _sections(text: str) -> dict[str, list[list[str]]]:
    out: dict[str, list[list[str]]] = {}
    for block in text.split("\r\n\r\n"):
        rows = list(csv.reader(io.StringIO(block)))
        out[rows[0][0]] = rows[1:]
    return out


def test_csv_figures_worked_by_hand(sample: dict[str, Any]) -> None:
    tables = _sections(render_csv(sample))
    assert list(tables) == ["verdicts", "money", "breached_records"]
    verdicts = {(r[0], r[3]): r for r in tables["verdicts"][1:]}
    # February email availability: 99.776786% against >= 99.9%, as plain numbers
    feb = verdicts[("2026-02", "email_availability")]
    assert (feb[7], feb[8], feb[9], feb[10]) == ("99.9", "percent", "99.776786", "breached")
    # p3: p90 <= 27h is 27 x 3600 = 97200 s; January's value 10h = 36000 s
    assert verdicts[("2026-01", "p3_resolution")][7:10] == ["97200", "seconds", "36000"]
    # February 2026 has 28 days
    assert feb[1:3] == ["2026-02-01", "2026-02-28"]
    # money: February owes 400.00 + 400.00 = 800.00, the period's credits owed
    february = [r for r in tables["money"][1:] if r[0] == "2026-02"]
    assert sum(Decimal(r[8]) for r in february) == Decimal("800.00")
    # BR-2 took 45m against 15m: 2700 - 900 = 1800 s over
    assert ["2026-02", "p1_response", "provider", "BR-2", "2700", "900", "1800", "closed"] in (
        tables["breached_records"]
    )


def test_xlsx_reads_back_cell_by_cell(sample: dict[str, Any]) -> None:
    book = load_workbook(io.BytesIO(render_xlsx(sample)))
    tables = build_tables(sample)
    assert book.sheetnames == [t.name for t in tables]
    for table in tables:
        sheet = book[table.name]
        rows = list(sheet.iter_rows(values_only=True))
        assert rows[0] == table.headers
        assert len(rows) == len(table.rows) + 1
        for got, want in zip(rows[1:], table.rows, strict=True):
            for cell, expected in zip(got, want, strict=True):
                if isinstance(expected, Decimal):
                    assert isinstance(cell, (int, float)) and Decimal(str(cell)) == expected
                elif isinstance(expected, dt.date):  # a date cell reads back as a datetime
                    assert cell == dt.datetime.combine(expected, dt.time())
                else:
                    assert cell == expected
    money = book["money"]
    assert money["I2"].number_format == "#,##0.00" and money["B2"].number_format == "yyyy-mm-dd"


def test_xlsx_is_the_same_for_the_same_document(sample: dict[str, Any]) -> None:
    assert render_xlsx(sample) == render_xlsx(sample)


def test_cli_writes_csv_and_xlsx(tmp_path: Path, sample: dict[str, Any]) -> None:
    kept = tmp_path / "eval.json"
    kept.write_text(json.dumps(sample), encoding="utf-8")
    runner = CliRunner()
    for fmt in ("csv", "xlsx"):
        out = tmp_path / f"report.{fmt}"
        args = ["report", "--from-json", str(kept), "--format", fmt, "--output", str(out)]
        result = runner.invoke(cli, args)
        assert result.exit_code == 0, result.output
    assert (tmp_path / "report.csv").read_bytes().decode() == render_csv(sample)
    assert load_workbook(tmp_path / "report.xlsx").sheetnames == [
        "verdicts",
        "money",
        "breached_records",
    ]


def test_exports_of_every_conformance_scenario(conformance_doc: dict[str, Any]) -> None:
    """Each scenario: one verdict row per period and target; the money lines of each
    settled period add up to what the document says it owes."""
    tables = {t.name: t for t in build_tables(conformance_doc)}
    periods = conformance_doc["periods"]
    assert len(tables["verdicts"].rows) == sum(len(p["targets"]) for p in periods)
    for p in periods:
        if not p.get("over"):
            continue
        lines = [r for r in tables["money"].rows if r[0] == p["period"] and r[4] != "bonus"]
        owed = sum((r[8] for r in lines if isinstance(r[8], Decimal)), Decimal(0))
        assert owed == Decimal(p["credits_total"]), p["period"]
    assert load_workbook(io.BytesIO(render_xlsx(conformance_doc))).sheetnames == list(tables)
