"""What a portfolio run writes into its output folder.

- ``contracts/ID.json``: each contract's evaluation document, the bytes ``sla eval
  --format json`` writes; ``contracts/ID.html`` its report when asked;
- ``portfolio.parquet`` and ``portfolio.csv``: the portfolio table, one row per contract,
  period and target (verdict, value, objective), one per contract and period with the
  money (credits owed, bonuses, exit right: ``target`` empty, so summing ``credits``
  counts each amount once), one per contract that failed (``status`` failed, ``error``);
- ``portfolio.html``: the portfolio report, one self-contained page.
"""

from __future__ import annotations

import dataclasses
import html
from collections import defaultdict
from collections.abc import Sequence
from decimal import Decimal
from pathlib import Path
from typing import Any

import polars as pl

from rules_engine.portfolio.contract import FAILED, ContractResult, TableRow
from rules_engine.portfolio.manifest import Manifest
from rules_engine.present import money

TABLE_SCHEMA: dict[str, Any] = {
    "contract": pl.String,
    "period": pl.String,
    "target": pl.String,
    "verdict": pl.String,
    "value": pl.String,
    "unit": pl.String,
    "objective": pl.String,
    "credits": pl.String,
    "bonuses": pl.String,
    "currency": pl.String,
    "exit_right": pl.Boolean,
    "status": pl.String,
    "error": pl.String,
}
"""Amounts and values are text, exactly as the documents write them (no float rounding)."""

assert list(TABLE_SCHEMA) == [f.name for f in dataclasses.fields(TableRow)]


def portfolio_table(results: Sequence[ContractResult]) -> pl.DataFrame:
    """Every contract's rows, in manifest order."""
    rows = [dataclasses.astuple(row) for result in results for row in result.rows]
    return pl.DataFrame(rows, schema=TABLE_SCHEMA, orient="row")


def write_outputs(manifest: Manifest, results: Sequence[ContractResult], out: Path) -> None:
    """Write the documents, the table and the report into ``out`` (created if needed)."""
    contracts = out / "contracts"
    contracts.mkdir(parents=True, exist_ok=True)
    for result in results:
        if result.document is not None:
            (contracts / f"{result.id}.json").write_text(result.document, encoding="utf-8")
        if result.report is not None:
            (contracts / f"{result.id}.html").write_text(result.report, encoding="utf-8")
    table = portfolio_table(results)
    table.write_parquet(out / "portfolio.parquet")
    table.write_csv(out / "portfolio.csv")
    (out / "portfolio.html").write_text(render_portfolio(manifest, results), encoding="utf-8")


def _amount(text: str | None) -> Decimal:
    return Decimal(text) if text else Decimal(0)


def ranked(results: Sequence[ContractResult]) -> list[ContractResult]:
    """Evaluated contracts, most money at stake first (credits owed), then most provider
    breaches, then an exit right, then by id. Amounts in different currencies are
    compared as numbers; the report shows each with its currency."""
    evaluated = [r for r in results if r.status != FAILED]
    return sorted(
        evaluated,
        key=lambda r: (
            -_amount(r.credits),
            -r.breaches,
            r.exit_right is None,
            r.id,
        ),
    )


_STYLE = """
body{font-family:system-ui,sans-serif;margin:2rem;color:#222;max-width:70rem}
table{border-collapse:collapse;margin:1rem 0}
th,td{border:1px solid #ccc;padding:.3rem .6rem;text-align:left;vertical-align:top}
td.n{text-align:right;font-variant-numeric:tabular-nums}
.failed{background:#fde2e2}.breached{background:#fff4d6}
pre{white-space:pre-wrap;margin:0;font-size:.85rem}
"""


def _e(value: object) -> str:
    return html.escape(str(value), quote=True)


def _link(result: ContractResult) -> str:
    name = _e(result.id)
    links = [f'<a href="contracts/{name}.json">document</a>']
    if result.report is not None:
        links.append(f'<a href="contracts/{name}.html">report</a>')
    return " · ".join(links)


def _money(amount: str | None, currency: str | None) -> str:
    return money(_amount(amount), currency or "")


def render_portfolio(manifest: Manifest, results: Sequence[ContractResult]) -> str:
    """The portfolio report: one self-contained HTML page (inline CSS, no script, no
    external resource). It names no engine or time, so the same results give the same page."""
    failed = [r for r in results if r.status == FAILED]
    order = ranked(results)
    exits = [r for r in order if r.exit_right is not None]
    out: list[str] = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        f"<title>{_e(manifest.title)}: portfolio report</title>",
        f"<style>{_STYLE}</style></head><body>",
        f"<h1>{_e(manifest.title)}</h1>",
        f"<p>{len(results)} contracts: {len(order)} evaluated, "
        f"{sum(1 for r in order if r.breaches)} with a provider target breached, "
        f"{len(exits)} with an exit right, {len(failed)} could not be evaluated.</p>",
    ]
    totals: dict[str, Decimal] = defaultdict(Decimal)
    for r in order:
        totals[r.currency or ""] += _amount(r.credits)
    if totals:
        owed = ", ".join(money(v, c) for c, v in sorted(totals.items()))
        out.append(f"<p>Credits owed across the portfolio: {_e(owed)}.</p>")
    if failed:
        out += [
            "<h2>Contracts not evaluated</h2>",
            "<table><tr><th>contract</th><th>error</th></tr>",
        ]
        out += [
            f'<tr class="failed"><td>{_e(r.id)}</td><td><pre>{_e(r.error or "")}</pre></td></tr>'
            for r in failed
        ]
        out.append("</table>")
    if exits:
        out += [
            "<h2>Exit rights</h2>",
            "<table><tr><th>contract</th><th>customer</th><th>period</th><th>rules</th>"
            "<th>notice</th></tr>",
        ]
        for r in exits:
            right = r.exit_right or {}
            out.append(
                f"<tr><td>{_e(r.id)}</td><td>{_e(r.customer or '')}</td>"
                f"<td>{_e(right.get('period', ''))}</td>"
                f"<td>{_e(', '.join(map(str, right.get('rules') or [])))}</td>"
                f"<td>{_e(right.get('notice') or '')}</td></tr>"
            )
        out.append("</table>")
    out += [
        "<h2>Contracts by money at stake</h2>",
        "<table><tr><th>#</th><th>contract</th><th>customer</th><th>credits owed</th>"
        "<th>bonuses</th><th>breaches</th><th>exit right</th><th>outputs</th></tr>",
    ]
    for rank, r in enumerate(order, start=1):
        css = ' class="breached"' if r.breaches else ""
        exit_text = (r.exit_right or {}).get("period", "") if r.exit_right else ""
        out.append(
            f"<tr{css}><td class=n>{rank}</td><td>{_e(r.id)}</td><td>{_e(r.customer or '')}</td>"
            f"<td class=n>{_e(_money(r.credits, r.currency))}</td>"
            f"<td class=n>{_e(_money(r.bonuses, r.currency))}</td>"
            f"<td class=n>{r.breaches}</td><td>{_e(exit_text)}</td><td>{_link(r)}</td></tr>"
        )
    out.append("</table>")
    out += _trend(order)
    out.append("</body></html>\n")
    return "\n".join(out)


def _trend(order: Sequence[ContractResult]) -> list[str]:
    """Per period across the portfolio: contracts evaluated, contracts with a breach,
    provider breaches, credits owed (per currency)."""
    by_period: dict[str, list[tuple[ContractResult, str, int]]] = defaultdict(list)
    for r in order:
        for period, amount, breaches in r.periods:
            by_period[period].append((r, amount, breaches))
    if not by_period:
        return []
    out = [
        "<h2>Across the portfolio, period by period</h2>",
        "<table><tr><th>period</th><th>contracts</th><th>with a breach</th>"
        "<th>breaches</th><th>credits owed</th></tr>",
    ]
    for period in sorted(by_period):
        items = by_period[period]
        owed: dict[str, Decimal] = defaultdict(Decimal)
        for r, amount, _ in items:
            owed[r.currency or ""] += _amount(amount)
        owed_text = ", ".join(money(v, c) for c, v in sorted(owed.items()))
        out.append(
            f"<tr><td>{_e(period)}</td><td class=n>{len(items)}</td>"
            f"<td class=n>{sum(1 for _, _, b in items if b)}</td>"
            f"<td class=n>{sum(b for _, _, b in items)}</td><td class=n>{_e(owed_text)}</td></tr>"
        )
    out.append("</table>")
    return out
