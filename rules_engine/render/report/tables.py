"""The report as tables a finance team loads into a spreadsheet: CSV and XLSX.

Three tables, from the same evaluation document as the HTML and Markdown reports:

- ``verdicts``: one row per period and target, with the objective's threshold and the
  value as numbers (percent 0..100, seconds, a mean, a count; ``unit`` says which);
- ``money``: one row per line of each period's account (credits, caps and credits earned
  back as signed amounts, bonuses); a period's credits owed is the sum of its non-bonus
  lines, its bonus total the sum of its bonus lines;
- ``breached_records``: one row per breached record, with measured, limit and excess in
  seconds.

Numbers stay numbers (``Decimal``, never a formatted "1,234.00 EUR") and days stay dates,
so a spreadsheet sums and sorts them. The CSV holds the three tables one after another,
each under a row naming it and separated by an empty row; the XLSX has a sheet each.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction
from typing import Any

from rules_engine.render.report.document import (
    Doc,
    exact,
    money,
    normalize,
    parse_instant,
    target_objective,
    target_value,
)

Cell = str | int | Decimal | dt.date | None


@dataclass(frozen=True)
class Table:
    name: str
    headers: tuple[str, ...]
    rows: list[tuple[Cell, ...]]


VERDICT_HEADERS = (
    "period", "first_day", "last_day", "target", "title", "owner", "objective",
    "threshold", "unit", "value", "verdict", "in_scope", "met", "breached",
)  # fmt: skip
MONEY_HEADERS = (
    "period", "first_day", "fee", "currency", "kind", "rule", "tier", "arithmetic", "amount",
)  # fmt: skip
RECORD_HEADERS = (
    "period", "target", "owner", "record", "measured_s", "limit_s", "over_s", "state",
)  # fmt: skip

_PLACES = Decimal("0.000001")


def _number(value: Fraction | None) -> Decimal | int | None:
    """An exact value as a number a spreadsheet reads: whole numbers as int, the rest
    as a Decimal rounded half-even to six places (the document keeps the exact value)."""
    if value is None:
        return None
    if value.denominator == 1:
        return int(value)
    quotient = Decimal(value.numerator) / Decimal(value.denominator)
    return quotient.quantize(_PLACES).normalize()


def _days(period: Mapping[str, Any]) -> tuple[dt.date | None, dt.date | None]:
    """A period's first and last day in the contract's zone (its end is exclusive)."""
    start, end = parse_instant(period.get("start")), parse_instant(period.get("end"))
    first = None if start is None else start.date()
    last = None if end is None else end.date() - dt.timedelta(days=1)
    return first, last


def _count(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def build_tables(raw: Mapping[str, Any]) -> list[Table]:
    """The three tables of an evaluation document (normalized here)."""
    doc = normalize(raw)
    return [_verdicts(doc), _money(doc), _records(doc)]


def _verdicts(doc: Doc) -> Table:
    rows: list[tuple[Cell, ...]] = []
    for period in doc["periods"]:
        first, last = _days(period)
        for name, t in period["targets"].items():
            objective = target_objective(t)
            rows.append(
                (
                    str(period["period"]),
                    first,
                    last,
                    name,
                    t.get("title"),
                    str(t.get("owner")),
                    str(t.get("objective") or ""),
                    _number(objective.threshold),
                    objective.unit,
                    _number(target_value(t, objective)),
                    str(t["verdict"]),
                    _count(t.get("in_scope")),
                    _count(t.get("met")),
                    _count(t.get("breached")),
                )
            )
    return Table("verdicts", VERDICT_HEADERS, rows)


def _money(doc: Doc) -> Table:
    currency = str(doc["policy"].get("currency") or "")
    rows: list[tuple[Cell, ...]] = []
    for period in doc["periods"]:
        if not period.get("over"):
            continue  # a running period's account is not settled
        first, _ = _days(period)
        tiers = {
            str(c.get("rule")): str(c["tier"])
            for c in [*period["credits"], *period["bonuses"]]
            if isinstance(c, Mapping) and c.get("tier")
        }
        for line in period["lines"]:
            rule = str(line.get("rule"))
            rows.append(
                (
                    str(period["period"]),
                    first,
                    money(period.get("fee")),
                    currency,
                    str(line.get("kind")),
                    rule,
                    tiers.get(rule) if line.get("kind") in ("credit", "bonus") else None,
                    str(line.get("arithmetic") or ""),
                    money(line.get("amount")),
                )
            )
    return Table("money", MONEY_HEADERS, rows)


def _records(doc: Doc) -> Table:
    rows: list[tuple[Cell, ...]] = []
    for period in doc["periods"]:
        for name, t in period["targets"].items():
            for record in t["breached_records"]:
                if not isinstance(record, Mapping):
                    continue
                measured, limit = exact(record.get("measured_s")), exact(record.get("limit_s"))
                over = measured - limit if measured is not None and limit is not None else None
                rows.append(
                    (
                        str(period["period"]),
                        name,
                        str(t.get("owner")),
                        str(record.get("id")),
                        _number(measured),
                        _number(limit),
                        _number(over),
                        "open" if record.get("open") else "closed",
                    )
                )
    return Table("breached_records", RECORD_HEADERS, rows)


def _csv_cell(value: Cell) -> str:
    if value is None:
        return ""
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)


def render_csv(doc: Mapping[str, Any]) -> str:
    """The three tables in one CSV: a row naming each table, its header row, its rows,
    and an empty row between tables (RFC 4180 quoting, ``\\r\\n`` line ends)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    for i, table in enumerate(build_tables(doc)):
        if i:
            writer.writerow([])
        writer.writerow([table.name])
        writer.writerow(table.headers)
        writer.writerows([_csv_cell(c) for c in row] for row in table.rows)
    return out.getvalue()


def render_xlsx(doc: Mapping[str, Any]) -> bytes:
    """A workbook with a sheet per table: numbers as numbers (amounts shown with two
    decimals), days as dates, the header row bold and frozen."""
    from openpyxl import Workbook  # type: ignore[import-untyped]
    from openpyxl.styles import Font  # type: ignore[import-untyped]

    normalized = normalize(doc)
    book = Workbook()
    book.remove(book.active)
    for table in build_tables(normalized):
        sheet = book.create_sheet(table.name)
        sheet.append(list(table.headers))
        for cell in sheet[1]:
            cell.font = Font(bold=True)
        for row in table.rows:
            sheet.append(list(row))
        for column, header in enumerate(table.headers, 1):
            formats = {"amount": "#,##0.00", "fee": "#,##0.00"}
            for (cell,) in sheet.iter_rows(min_row=2, min_col=column, max_col=column):
                if isinstance(cell.value, dt.date):
                    cell.number_format = "yyyy-mm-dd"
                elif header in formats:
                    cell.number_format = formats[header]
        sheet.freeze_panes = "A2"
    # the same document gives the same bytes: the workbook's dates are the as-of's
    stamp = parse_instant(normalized.get("as_of"))
    when = (stamp or dt.datetime(2000, 1, 1, tzinfo=dt.UTC)).astimezone(dt.UTC)
    book.properties.created = book.properties.modified = when.replace(tzinfo=None)
    book.properties.creator = "sla report"
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
