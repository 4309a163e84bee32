"""The performance report as one self-contained HTML file.

Styles and charts are inline (no network, no script), the layout reflows on a phone, and
a print stylesheet keeps charts and tables whole on A4. The content comes from
:func:`rules_engine.render.report.content.build_report`, shared with the Markdown report.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from html import escape
from typing import Any

from rules_engine.render.report.charts import trend_svg
from rules_engine.render.report.content import (
    RECORD_COLUMNS,
    BudgetCell,
    Report,
    Shortfall,
    budget_text,
    build_report,
    record_row,
    worst_records,
)
from rules_engine.render.report.document import exact, fmt_duration, fmt_percent

_CSS = """
:root { --fg:#111827; --muted:#4b5563; --line:#e5e7eb; --bg:#ffffff; --panel:#f9fafb;
  --met:#15803d; --met-bg:#dcfce7; --risk:#b45309; --risk-bg:#fef3c7;
  --breach:#b91c1c; --breach-bg:#fee2e2; --none:#4b5563; --none-bg:#f3f4f6; }
* { box-sizing: border-box; }
html { -webkit-text-size-adjust: 100%; }
body { margin: 0; background: var(--bg); color: var(--fg);
  font: 15px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", sans-serif; }
main { max-width: 1100px; margin: 0 auto; padding: 16px; }
header.report { border-bottom: 3px solid var(--fg); margin-bottom: 16px; }
h1 { font-size: 1.6rem; margin: 0 0 4px; }
h2 { font-size: 1.25rem; margin: 28px 0 10px; padding-bottom: 4px; border-bottom: 1px solid var(--line); }
h3 { font-size: 1.05rem; margin: 16px 0 6px; }
.meta { color: var(--muted); margin: 2px 0 10px; }
.cards { display: grid; grid-template-columns: repeat(auto-fit, minmax(170px, 1fr)); gap: 10px; }
.card { background: var(--panel); border: 1px solid var(--line); border-radius: 8px; padding: 10px 12px; }
.card .label { color: var(--muted); font-size: .85rem; }
.card .big { font-size: 1.35rem; font-weight: 650; }
.card .big.text { font-size: 1rem; }
.scroll { overflow-x: auto; -webkit-overflow-scrolling: touch; }
table { border-collapse: collapse; width: 100%; margin: 6px 0 12px; font-size: .92rem; }
th, td { border: 1px solid var(--line); padding: 4px 8px; text-align: left; vertical-align: top; }
th { background: var(--panel); font-weight: 600; }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
.v { display: inline-block; padding: 0 6px; border-radius: 4px; font-size: .85rem; font-weight: 600; white-space: nowrap; }
.v-met { color: var(--met); background: var(--met-bg); }
.v-at_risk { color: var(--risk); background: var(--risk-bg); }
.v-breached { color: var(--breach); background: var(--breach-bg); }
.v-no_data, .v-none { color: var(--none); background: var(--none-bg); }
.charts { display: grid; grid-template-columns: repeat(auto-fit, minmax(min(100%, 480px), 1fr)); gap: 14px; }
figure.chart { margin: 0; border: 1px solid var(--line); border-radius: 8px; padding: 8px; break-inside: avoid; page-break-inside: avoid; }
figure.chart h3 { margin: 0 0 2px; }
figure.chart svg { display: block; width: 100%; height: auto; }
figcaption { color: var(--muted); font-size: .85rem; overflow-wrap: anywhere; }
article.shortfall { border-left: 4px solid var(--breach); padding: 2px 0 2px 12px; margin: 14px 0; break-inside: avoid; }
article.shortfall.at_risk { border-left-color: var(--risk); }
pre.explanation { white-space: pre-wrap; overflow-wrap: anywhere; background: var(--panel); border: 1px solid var(--line); border-radius: 6px; padding: 8px; font-size: .85rem; }
ul.sentences li { margin: 3px 0; }
code { font-size: .9em; }
footer.audit { margin-top: 32px; border-top: 3px solid var(--fg); padding-top: 8px; font-size: .85rem; color: var(--muted); }
footer.audit dl { display: grid; grid-template-columns: max-content 1fr; gap: 2px 14px; margin: 0; }
footer.audit dt { font-weight: 600; color: var(--fg); }
footer.audit dd { margin: 0; overflow-wrap: anywhere; font-family: ui-monospace, SFMono-Regular, Menlo, monospace; }
.empty { color: var(--muted); font-style: italic; }
@media (max-width: 600px) {
  body { font-size: 14px; }
  main { padding: 10px; }
  h1 { font-size: 1.3rem; }
  footer.audit dl { grid-template-columns: 1fr; }
}
@media print {
  @page { size: A4; margin: 12mm; }
  body { font-size: 10pt; }
  main { max-width: none; padding: 0; }
  .scroll { overflow: visible; }
  h2 { break-after: avoid; page-break-after: avoid; }
  table, figure.chart, article.shortfall, .card { break-inside: avoid; page-break-inside: avoid; }
  .charts { grid-template-columns: 1fr 1fr; }
  a { color: inherit; text-decoration: none; }
}
"""


def render_html(doc: Mapping[str, Any]) -> str:
    """The report for an evaluation document, as one HTML page."""
    return render_report_html(build_report(doc))


def render_report_html(report: Report) -> str:
    parts = [
        "<!DOCTYPE html>",
        '<html lang="en">',
        "<head>",
        '<meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>{escape(report.title)}: SLA report {escape(report.range_text)}</title>",
        f"<style>{_CSS}</style>",
        "</head>",
        "<body>",
        "<main>",
        _header(report),
        _summary(report),
        _matrix(report),
        _versions(report),
        _trends(report),
        _wins(report),
        _shortfalls(report),
        _budget(report),
        _money(report),
        _customer(report),
        _listing("escalations", "Escalations", report.escalations, "No escalations are due."),
        _listing(
            "disputed",
            "Disputed exclusions",
            report.disputed,
            "No exclusion is disputed.",
        ),
        _warnings(report),
        _holidays(report),
        _audit(report),
        "</main>",
        "</body>",
        "</html>",
    ]
    return "\n".join(parts) + "\n"


# --------------------------------------------------------------------------- pieces


def _verdict(verdict: str) -> str:
    css = verdict if verdict in ("met", "at_risk", "breached", "no_data") else "none"
    return f'<span class="v v-{css}">{escape(verdict.replace("_", " "))}</span>'


def _table(
    headers: Sequence[str], rows: Iterable[Sequence[str]], numeric: set[int] | None = None
) -> str:
    """A table; cells are HTML already (escape before)."""
    numeric = numeric or set()
    head = "".join(
        f'<th{" class=num" if i in numeric else ""} scope="col">{h}</th>'
        for i, h in enumerate(headers)
    )
    body = "".join(
        "<tr>"
        + "".join(
            f"<td{' class=num' if i in numeric else ''}>{cell}</td>" for i, cell in enumerate(row)
        )
        + "</tr>"
        for row in rows
    )
    return f'<div class="scroll"><table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table></div>'


def _section(ident: str, title: str, body: str) -> str:
    return f'<section id="{ident}">\n<h2>{escape(title)}</h2>\n{body}\n</section>'


def _header(report: Report) -> str:
    meta = [f"Periods {escape(report.range_text)}", f"as of {escape(report.as_of)}"]
    if report.currency:
        meta.append(f"amounts in {escape(report.currency)}")
    parties = f'<p class="meta">{escape(report.parties)}</p>' if report.parties else ""
    return (
        '<header class="report">'
        f"<h1>{escape(report.title)}</h1>{parties}"
        f'<p class="meta">{" · ".join(meta)}</p></header>'
    )


def _card(label: str, value: str, extra: str = "", css: str = "big") -> str:
    return (
        f'<div class="card"><div class="label">{escape(label)}</div>'
        f'<div class="{css}">{value}</div>{extra}</div>'
    )


def _counts_html(counts: Mapping[str, int]) -> str:
    return " ".join(f"{_verdict(v)}&nbsp;{n}" for v, n in counts.items())


def _summary(report: Report) -> str:
    s = report.summary
    state = "over" if s.latest_over else "running"
    latest = s.latest_counts
    cards = [
        _card(
            f"Latest period {s.latest} ({state})",
            f"{latest['met']} met · {latest['breached']} breached",
            f'<div class="label">{_counts_html(latest)}</div>',
        ),
        _card(
            f"All {len(report.periods)} periods",
            f"{s.all_counts['breached']} breaches",
            f'<div class="label">{_counts_html(s.all_counts)}</div>',
        ),
        _card("Service credits owed", escape(s.credits_total)),
        _card("Bonuses earned", escape(s.bonus_total)),
        _card("Exit rights", escape(s.exit_right or "none"), css="big text"),
    ]
    if s.sentences:
        items = "".join(f"<li>{_code(sentence)}</li>" for sentence in s.sentences)
        sentences = f'<h3>Shortfalls in one sentence each</h3><ul class="sentences">{items}</ul>'
    else:
        sentences = '<p class="empty">Every target met its objective in every period.</p>'
    return _section(
        "summary", "Executive summary", f'<div class="cards">{"".join(cards)}</div>{sentences}'
    )


def _code(text: str) -> str:
    """Escape, and render `backticked` parts as code."""
    pieces = escape(text).split("`")
    return "".join(f"<code>{p}</code>" if i % 2 else p for i, p in enumerate(pieces))


def _matrix(report: Report) -> str:
    headers = ["Target", "Owner", "Objective", *map(escape, report.periods)]
    rows = []
    for info in report.targets:
        row = [
            escape(info.label),
            escape(info.owner),
            f"<code>{escape(info.objective_text)}</code>",
        ]
        row += [_verdict(report.matrix[info.name][p]) for p in report.periods]
        rows.append(row)
    return _section("verdicts", "Verdicts by period", _table(headers, rows))


def _versions(report: Report) -> str:
    """Which version of the policy judged each period (a series of versions only)."""
    if not report.versions:
        return ""
    items = "".join(
        f"<li>{escape(v.period)}: version <code>{escape(v.version)}</code>, "
        f"effective {escape(v.effective)}</li>"
        for v in report.versions
    )
    note = (
        "<p>Each period is judged and priced by the version in force at its start; "
        "look-backs reach across versions. Objectives above are the latest version's.</p>"
    )
    return _section("versions", "Policy versions", f"<ul>{items}</ul>{note}")


def _trends(report: Report) -> str:
    figures = []
    for trend in report.trends:
        info = trend.target
        where = f" · {escape(info.span)}" if info.span else ""
        scope = f" {escape(info.scope)}" if info.scope else ""
        figures.append(
            f'<figure class="chart" id="chart-{escape(info.name)}" data-target="{escape(info.name)}">'
            f"<h3>{escape(info.label)}</h3>"
            f"<figcaption>objective <code>{escape(info.objective_text)}</code>{scope} · "
            f"owner {escape(info.owner)}{where}</figcaption>"
            f"{trend_svg(trend)}</figure>"
        )
    body = f'<div class="charts">{"".join(figures)}</div>' if figures else _empty("No targets.")
    return _section("trends", "Trends", body)


def _empty(text: str) -> str:
    return f'<p class="empty">{escape(text)}</p>'


def _wins(report: Report) -> str:
    if report.wins:
        rows = [
            [
                escape(w.target.label),
                f"<code>{escape(w.target.objective_text)}</code>",
                escape(w.value),
                escape(w.margin),
                fmt_percent(w.headroom, 0),
            ]
            for w in report.wins
        ]
        wins = f"<h3>Most headroom in {escape(report.summary.latest)}</h3>" + _table(
            ["Target", "Objective", "Value", "Margin", "Headroom"], rows, {2, 3, 4}
        )
    else:
        wins = _empty(f"No target was met in {report.summary.latest}.")
    if report.improvements:
        items = "".join(
            f"<li><strong>{escape(i.target.label)}</strong>: {escape(i.text)}</li>"
            for i in report.improvements
        )
        better = f"<h3>Improvements</h3><ul>{items}</ul>"
    else:
        better = "<h3>Improvements</h3>" + _empty("No target improved on the period before.")
    return _section("wins", "Wins", wins + better)


def _shortfalls(report: Report) -> str:
    if not report.shortfalls and not report.at_risk:
        return _section("shortfalls", "Shortfalls", _empty("No target was breached or at risk."))
    parts = [_shortfall(s) for s in report.shortfalls]
    if report.at_risk:
        parts.append("<h3>At risk (running periods)</h3>")
        parts += [_shortfall(s) for s in report.at_risk]
    return _section("shortfalls", "Shortfalls, worst first", "\n".join(parts))


def _shortfall(s: Shortfall) -> str:
    t = s.detail
    head = (
        f'<article class="shortfall {escape(s.verdict)}" data-target="{escape(s.target.name)}" '
        f'data-period="{escape(s.period)}"><h3>{escape(s.period)} · {escape(s.target.label)} '
        f"{_verdict(s.verdict)}</h3><p>{_code(s.sentence)}</p>"
    )
    body = []
    records, hidden = worst_records(t)
    if records:
        rows = [[escape(cell) for cell in record_row(r)] for r in records]
        body.append(_table(list(RECORD_COLUMNS), rows, {1, 2, 3}))
        if hidden:
            body.append(
                f'<p class="meta">and {hidden} more breached record{"s" if hidden != 1 else ""}; '
                f"<code>sla explain</code> lists every one.</p>"
            )
    intervals = t.get("downtime_intervals") or []
    if intervals:
        rows = [
            [escape(str(a)), escape(str(b)), fmt_duration(_seconds_between(a, b))]
            for a, b in intervals
        ]
        outages = ", ".join(str(i) for i in t.get("outage_ids") or [])
        body.append(
            f"<p>Outages: {escape(outages or '-')}</p>"
            + _table(["Down from (UTC)", "Until (UTC)", "Duration"], rows, {2})
        )
    planned = t.get("planned_time") or []
    if planned:
        rows = [
            [
                escape(str(p["start"])),
                escape(str(p["end"])),
                escape(f"{p['source']} {p['id']} (outage {p['outage_id']})"),
                escape(
                    f"{fmt_duration(p['downtime_s'])}: {p['counted_as_downtime']}"
                    if p["counted_as_downtime"]
                    else "-"
                ),
            ]
            for p in planned
        ]
        body.append(
            _table(
                ["Planned from (UTC)", "Until (UTC)", "Maintenance", "Counted as downtime"],
                rows,
                set(),
            )
        )
    below = t.get("below_objective_ids") or []
    if below:
        body.append(f"<p>Below the objective: {escape(', '.join(map(str, below)))}</p>")
    pending = t.get("pending_records") or []
    if pending:
        ids = ", ".join(str(r.get("id")) for r in pending)
        body.append(f"<p>Pending (not yet decided): {escape(ids)}</p>")
    if t.get("flip"):
        body.append(f"<p><strong>What would have changed it:</strong> {escape(str(t['flip']))}</p>")
    if s.explanation:
        body.append(f'<pre class="explanation">{escape(str(s.explanation))}</pre>')
    return head + "".join(body) + "</article>"


def _seconds_between(a: Any, b: Any) -> int | None:
    from rules_engine.render.report.document import parse_instant

    start, end = parse_instant(a), parse_instant(b)
    if start is None or end is None:
        return None
    return int((end - start).total_seconds())


def _burn_cell(cell: BudgetCell | None) -> str:
    if cell is None:
        return "-"
    if cell.burned is None:
        used = exact(cell.used)
        return "no budget" + (" (used)" if used else "")
    css = "breached" if cell.burned > 1 else "at_risk" if cell.burned >= 0.75 else "met"
    return f'<span class="v v-{css}">{fmt_percent(cell.burned, 0)}</span>'


def _budget(report: Report) -> str:
    if not report.budget:
        return _section("budget", "Error budget burn", _empty("No target has an error budget."))
    headers = ["Target", *map(escape, report.periods)]
    rows = [
        [escape(name)] + [_burn_cell(cells.get(p)) for p in report.periods]
        for name, cells in report.budget.items()
    ]
    latest = report.summary.latest
    detail_rows = []
    for name, cells in report.budget.items():
        cell = cells.get(latest)
        if cell is None:
            continue
        detail_rows.append(
            [
                escape(name),
                escape(cell.unit),
                escape(budget_text(cell.total, cell.unit)),
                escape(budget_text(cell.used, cell.unit)),
                escape(budget_text(cell.left, cell.unit)),
                fmt_percent(cell.burned, 1),
                "-" if cell.rate is None else f"{fmt_percent(cell.rate, 0)} of pace",
            ]
        )
    body = (
        "<p>Share of each period's error budget used (over 100% is a breach).</p>"
        + _table(headers, rows, set(range(1, len(headers))))
        + f"<h3>{escape(latest)} in detail</h3>"
        + _table(
            ["Target", "Unit", "Budget", "Used", "Left", "Burned", "Burn rate"],
            detail_rows,
            {2, 3, 4, 5, 6},
        )
        + '<p class="meta">Burn rate: budget used divided by the share of the period elapsed at as-of; '
        "over 100% of pace runs out before the period ends.</p>"
    )
    return _section("budget", "Error budget burn", body)


def _money(report: Report) -> str:
    rows = []
    for m in report.money_rows:
        if not m.over:
            rows.append(
                [
                    escape(m.period),
                    escape(m.fee),
                    '<span class="empty">running: computed when the period is over</span>',
                    "-",
                    "-",
                    "-",
                ]
            )
            continue
        exits = (
            "<br>".join(
                f"{escape(str(x.get('rule')))} ({escape('; '.join(map(str, x.get('reasons') or [])))}; notice {escape(str(x.get('notice')))})"
                for x in m.exits
            )
            or "-"
        )
        credits = "<br>".join(escape(line) for line in m.credit_lines) or "-"
        bonuses = "<br>".join(escape(line) for line in m.bonus_lines) or "-"
        rows.append([escape(m.period), escape(m.fee), credits, escape(m.owed), bonuses, exits])
    body = _table(
        ["Period", "Fee", "Credits, caps and earn-back", "Credits owed", "Bonuses", "Exit rights"],
        rows,
        {1, 3},
    )
    return _section("money", "Credits, bonuses and exit rights", body)


def _customer(report: Report) -> str:
    parts = []
    if report.pauses:
        headers = ["Target", *map(escape, report.periods)]
        rows = [
            [escape(name)] + [fmt_duration(cells[p]) if p in cells else "-" for p in report.periods]
            for name, cells in report.pauses.items()
        ]
        parts.append(
            "<p>Time excluded from the provider's clock while waiting on the customer (pauses).</p>"
            + _table(headers, rows, set(range(1, len(headers))))
        )
    else:
        parts.append(_empty("No paused time was excluded."))
    if report.customer_targets:
        headers = ["Customer-owned target", "Objective", *map(escape, report.periods)]
        rows = [
            [escape(i.label), f"<code>{escape(i.objective_text)}</code>"]
            + [_verdict(report.matrix[i.name][p]) for p in report.periods]
            for i in report.customer_targets
        ]
        parts.append(_table(headers, rows))
    else:
        parts.append(_empty("The policy has no customer-owned targets."))
    return _section("customer", "The customer's share", "".join(parts))


def _cell(value: Any) -> str:
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, (dict, list)):
        return escape(json.dumps(value, sort_keys=True, ensure_ascii=False))
    return escape("-" if value is None else str(value))


def _listing(ident: str, title: str, items: list[Any], empty: str) -> str:
    if not items:
        return _section(ident, title, _empty(empty))
    if all(isinstance(i, Mapping) for i in items):
        keys: dict[str, None] = {}
        for item in items:
            keys.update(dict.fromkeys(item))
        rows = [[_cell(item.get(k)) for k in keys] for item in items]
        return _section(ident, title, _table([escape(k) for k in keys], rows))
    return _section(ident, title, "<ul>" + "".join(f"<li>{_cell(i)}</li>" for i in items) + "</ul>")


def _warnings(report: Report) -> str:
    from rules_engine.render.report.document import location_text

    if not report.warnings:
        return _section(
            "warnings", "Data quality", _empty("Loading reported no data-quality issues.")
        )
    items = "".join(f"<li>{escape(location_text(w))}</li>" for w in report.warnings)
    return _section("warnings", "Data quality", f"<ul>{items}</ul>")


def _holidays(report: Report) -> str:
    if not report.holidays:
        return _section("holidays", "Holidays", _empty("No business calendar is used."))
    parts = []
    for name, cal in report.holidays.items():
        zone = f" ({escape(str(cal.get('timezone')))})" if cal.get("timezone") else ""
        rows = [[escape(str(d)), escape(str(n))] for d, n in (cal.get("holidays_used") or [])]
        rows += [[escape(str(d)), "closed (policy)"] for d in (cal.get("closed") or [])]
        parts.append(
            f"<h3>Calendar {escape(name)}{zone}</h3>"
            + (_table(["Date", "Holiday"], rows) if rows else _empty("No holidays."))
        )
    return _section("holidays", "Holidays used", "".join(parts))


def _audit(report: Report) -> str:
    rows = "".join(f"<dt>{escape(k)}</dt><dd>{escape(v)}</dd>" for k, v in report.audit)
    return f'<footer class="audit" id="audit"><h2>Audit</h2><dl>{rows}</dl></footer>'
