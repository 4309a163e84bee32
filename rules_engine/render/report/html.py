"""The performance report as one self-contained HTML file.

Styles and charts are inline (no network, no script), the layout reflows on a phone, and
a print stylesheet keeps charts and tables whole on A4. The content comes from
:func:`rules_engine.render.report.content.build_report`, shared with the Markdown report.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping, Sequence
from html import escape, unescape
from typing import Any

from rules_engine.render.report.charts import trend_svg
from rules_engine.render.report.content import (
    RECORD_COLUMNS,
    BudgetCell,
    Report,
    Shortfall,
    budget_text,
    build_report,
    downtime_rows,
    escalation_compliance_text,
    planned_rows,
    record_row,
    span_text,
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
td, th, .meta, code, .card { overflow-wrap: break-word; }
figure.chart { max-width: 720px; }
h4 { font-size: .95rem; margin: 12px 0 4px; }
table.money { max-width: 900px; }
table.money tr.total th, table.money tr.total td { border-top: 2px solid var(--fg); }
@media (max-width: 600px) {
  body { font-size: 14px; }
  main { padding: 10px; }
  h1 { font-size: 1.3rem; }
  footer.audit dl { grid-template-columns: 1fr; }
  /* tables reflow: each row becomes a card of "column: value" lines, nothing clipped */
  table.stack thead { position: absolute; width: 1px; height: 1px; overflow: hidden; clip-path: inset(50%); }
  table.stack, table.stack tbody, table.stack tr { display: block; width: 100%; }
  table.stack tr { border: 1px solid var(--line); border-radius: 6px; margin: 0 0 8px; }
  table.stack td { display: grid; grid-template-columns: minmax(0, 38%) minmax(0, 1fr); gap: 8px;
    border: none; border-bottom: 1px solid var(--line); text-align: left; white-space: normal;
    overflow-wrap: anywhere; }
  table.stack td:last-child { border-bottom: none; }
  table.stack td::before { content: attr(data-label); font-weight: 600; color: var(--muted); }
  table.stack td > .v { justify-self: start; }
}
@media print {
  @page { size: A4; margin: 12mm; }
  body { font-size: 10pt; }
  main { max-width: none; padding: 0; }
  .scroll { overflow: visible; }
  /* the executive summary is page one; the detail starts on page two */
  #summary { break-after: page; page-break-after: always; }
  #summary .cards { grid-template-columns: repeat(3, 1fr); }
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
        _targets(report),
        _money(report),
        _customer(report),
        _escalations(report),
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
    css = verdict if verdict in ("met", "at_risk", "breached", "no_data", "not_due") else "none"
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
    # On a phone each row stacks into a card: every cell is labelled with its column
    labels = [escape(unescape(_TAG.sub("", h)), quote=True) for h in headers]
    body = "".join(
        "<tr>"
        + "".join(
            f'<td{" class=num" if i in numeric else ""} data-label="{labels[i]}">{cell}</td>'
            for i, cell in enumerate(row)
        )
        + "</tr>"
        for row in rows
    )
    return (
        '<div class="scroll"><table class="stack">'
        f"<thead><tr>{head}</tr></thead><tbody>{body}</tbody></table></div>"
    )


_TAG = re.compile(r"<[^>]+>")


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
    """One screen: this period's verdicts (provider's and customer's counted apart), the
    amount owed with its arithmetic, exit rights and the change from the period before."""
    s = report.summary
    state = "over" if s.latest_over else "running"
    provider, customer = s.latest_by_owner["provider"], s.latest_by_owner["customer"]
    whose = (
        f'<div class="label">customer-owned targets: {_counts_html(customer)}</div>'
        if sum(customer.values())
        else ""
    )
    owed_extra = f'<div class="label arithmetic">{escape(s.owed_latest_arithmetic)}</div>'
    cards = [
        _card(
            f"{s.latest} ({state}): provider targets",
            f"{provider['met']} met · {provider['breached']} breached",
            f'<div class="label">{_counts_html(provider)}</div>{whose}',
        ),
        _card(
            f"Owed for {s.latest}",
            f'<span data-owed="{escape(s.latest)}">{escape(s.owed_latest)}</span>',
            owed_extra,
        ),
    ]
    if len(report.periods) > 1:
        every, theirs = s.all_by_owner["provider"], s.all_by_owner["customer"]
        plural = "" if every["breached"] == 1 else "es"
        cards.append(
            _card(
                f"{report.range_text}: provider targets",
                f'<span data-provider-breaches="{every["breached"]}">'
                f"{every['breached']} breach{plural}</span>",
                f'<div class="label">{_counts_html(every)}</div>'
                + (
                    f'<div class="label">customer-owned targets: {_counts_html(theirs)}</div>'
                    if sum(theirs.values())
                    else ""
                ),
            )
        )
        cards.append(
            _card(
                f"Owed for {report.range_text}",
                f'<span data-owed-total="">{escape(s.credits_total)}</span>',
                f'<div class="label arithmetic">{escape(s.credits_arithmetic)}</div>',
            )
        )
    cards += [
        _card("Bonuses earned", f'<span data-bonus-total="">{escape(s.bonus_total)}</span>'),
        _card("Exit rights", escape(s.exit_right or "none"), css="big text"),
        _card("Change", escape(s.change_words), css="big text"),
    ]
    rows = [
        [
            escape(r.target.label),
            escape(r.target.owner),
            f"<code>{escape(r.target.objective_text)}</code>",
            escape(r.value),
            _verdict(r.verdict),
            escape(r.change),
        ]
        for r in s.rows
    ]
    table = f"<h3>{escape(s.latest)} by target</h3>" + _table(
        ["Target", "Owner", "Objective", "Value", "Verdict", "Change"], rows, {3}
    )
    if s.sentences:
        items = "".join(f"<li>{_code(sentence)}</li>" for sentence in s.sentences)
        sentences = f'<h3>Shortfalls in {escape(s.latest)}</h3><ul class="sentences">{items}</ul>'
    else:
        sentences = _empty(f"Every target met its objective in {s.latest}.")
    return _section(
        "summary",
        "Executive summary",
        f'<div class="cards">{"".join(cards)}</div>{table}{sentences}',
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


def _targets(report: Report) -> str:
    """One section per target: its trend, its error budget, its shortfalls worst first."""
    if not report.trends:
        return _section("targets", "Targets", _empty("No targets."))
    shortfalls: dict[str, list[Shortfall]] = {}
    for item in [*report.shortfalls, *report.at_risk]:
        shortfalls.setdefault(item.target.name, []).append(item)
    parts = []
    if report.history:
        parts.append(
            f'<p class="meta">Trends include {len(report.history)} earlier '
            f"period{'s' if len(report.history) != 1 else ''} "
            f"({escape(span_text(report.history))}) for context; "
            "verdicts and money cover the report's periods only.</p>"
        )
    for trend in report.trends:
        info = trend.target
        where = f" · {escape(info.span)}" if info.span else ""
        scope = f" {escape(info.scope)}" if info.scope else ""
        body = [
            f'<figure class="chart" id="chart-{escape(info.name)}" data-target="{escape(info.name)}"'
            f' data-points="{sum(v is not None for v in trend.values)}">'
            f"<figcaption>objective <code>{escape(info.objective_text)}</code>{scope} · "
            f"owner {escape(info.owner)}{where}</figcaption>"
            f"{trend_svg(trend)}</figure>"
        ]
        cells = report.budget.get(info.name)
        if cells:
            body.append(_budget_table(report, cells))
        own = shortfalls.get(info.name, [])
        body += [_shortfall(s, report.timezone) for s in own]
        if not own:
            body.append(_empty("Not breached or at risk in the report's periods."))
        parts.append(
            f'<section class="target" id="target-{escape(info.name)}">'
            f"<h3>{escape(info.label)}</h3>{''.join(body)}</section>"
        )
    return _section("targets", "Targets", "\n".join(parts))


def _budget_table(report: Report, cells: Mapping[str, BudgetCell]) -> str:
    rows = []
    for period in report.periods:
        cell = cells.get(period)
        if cell is None:
            continue
        rows.append(
            [
                escape(period),
                escape(budget_text(cell.total, cell.unit, cell.clock)),
                escape(budget_text(cell.used, cell.unit, cell.clock)),
                escape(budget_text(cell.left, cell.unit, cell.clock)),
                _burn_cell(cell),
                "-" if cell.rate is None else f"{fmt_percent(cell.rate, 0)} of pace",
            ]
        )
    return "<h4>Error budget</h4>" + _table(
        ["Period", "Budget", "Used", "Left", "Burned", "Burn rate"], rows, {1, 2, 3, 4, 5}
    )


def _empty(text: str) -> str:
    return f'<p class="empty">{escape(text)}</p>'


def _shortfall(s: Shortfall, zone: str) -> str:
    t = s.detail
    head = (
        f'<article class="shortfall {escape(s.verdict)}" data-target="{escape(s.target.name)}" '
        f'data-period="{escape(s.period)}"><h4>{escape(s.period)} {_verdict(s.verdict)}</h4>'
        f"<p>{_code(s.sentence)}</p>"
    )
    body = []
    records, hidden = worst_records(t)
    if records:
        rows = [[escape(cell) for cell in record_row(r, s.target.objective.clock)] for r in records]
        body.append(_table(list(RECORD_COLUMNS), rows, {1, 2, 3}))
        if hidden:
            body.append(
                f'<p class="meta">and {hidden} more breached record{"s" if hidden != 1 else ""}; '
                f"<code>sla explain</code> lists every one.</p>"
            )
    clock = s.target.objective.clock
    intervals = downtime_rows(t, zone, clock)
    if intervals:
        rows = [[escape(cell) for cell in row] for row in intervals]
        outages = ", ".join(str(i) for i in t.get("outage_ids") or [])
        body.append(
            f"<p>Outages: {escape(outages or '-')}</p>"
            + _table(["Down from", "Until", "Duration"], rows, {2})
        )
    planned = planned_rows(t, zone, clock)
    if planned:
        rows = [[escape(cell) for cell in row] for row in planned]
        body.append(
            _table(
                ["Planned from", "Until", "Maintenance", "Counted as downtime"],
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


def _burn_cell(cell: BudgetCell | None) -> str:
    if cell is None:
        return "-"
    if cell.burned is None:
        return "none allowed" if exact(cell.used) else "none allowed, none used"
    css = "breached" if cell.burned > 1 else "at_risk" if cell.burned >= 0.75 else "met"
    return f'<span class="v v-{css}">{fmt_percent(cell.burned, 0)}</span>'


def _money(report: Report) -> str:
    """Per period, every line of the account with its amount, and the amount owed as the
    last row: their sum (``data-amount`` and ``data-total`` carry the exact figures)."""
    parts = []
    for m in report.money_rows:
        head = f'<h3>{escape(m.period)} <span class="meta">fee {escape(m.fee)}</span></h3>'
        if not m.over:
            parts.append(head + _empty("Running: computed when the period is over."))
            continue
        if m.owed_amount is None:
            parts.append(head + _empty("The evaluation document states no account for it."))
            continue
        rows = [_amount_row(line.text, line.shown, line.amount) for line in m.lines]
        rows.append(
            f'<tr class="total" data-total="{_attr(m.owed_amount)}"><th scope="row">'
            f"Credits owed</th><td class=num><strong>{escape(m.owed)}</strong></td></tr>"
        )
        if m.bonuses:
            rows += [_amount_row(line.text, line.shown, line.amount) for line in m.bonuses]
            rows.append(
                f'<tr class="total bonus" data-total="{_attr(m.bonus_amount)}"><th scope="row">'
                f"Bonuses earned</th><td class=num><strong>{escape(m.bonus_total)}</strong>"
                "</td></tr>"
            )
        exits = "".join(
            f"<li>{escape(str(x.get('rule')))}: "
            f"{escape('; '.join(map(str, x.get('reasons') or [])))} "
            f"(notice {escape(str(x.get('notice')))})</li>"
            for x in m.exits
        )
        table = (
            f'<div class="scroll"><table class="money" data-period="{escape(m.period)}">'
            '<thead><tr><th scope="col">Line</th><th class=num scope="col">Amount</th></tr>'
            f"</thead><tbody>{''.join(rows)}</tbody></table></div>"
        )
        parts.append(head + table + (f"<p>Exit rights:</p><ul>{exits}</ul>" if exits else ""))
    return _section("money", "Credits, bonuses and exit rights", "".join(parts))


def _attr(amount: Any) -> str:
    return "" if amount is None else escape(str(amount))


def _amount_row(text: str, shown: str, amount: Any) -> str:
    return (
        f'<tr class="line" data-amount="{_attr(amount)}"><td>{escape(text)}</td>'
        f"<td class=num>{escape(shown)}</td></tr>"
    )


def _escalations(report: Report) -> str:
    """Open records past a step, and per escalation block the compliance of every step
    that was due (late, missed) with its records."""
    if not report.escalation_blocks:
        return _listing(
            "escalations", "Escalations", report.escalations, "No open record is past a step."
        )
    parts = []
    for block in report.escalation_blocks:
        name = escape(str(block.get("name")))
        steps = ", ".join(f"{i}. at {s}" for i, s in enumerate(block.get("steps") or [], 1))
        parts.append(
            f"<h3>{name}</h3><p>{escape(str(block.get('dataset')))}: "
            f"{escape(str(block.get('open_in_scope')))} open in scope; steps {escape(steps)}</p>"
        )
        rows = [r for r in report.escalations if r.get("escalation") == block.get("name")]
        if rows:
            parts.append(
                _table(
                    ["Record", "Step reached", "Due", "Notify", "Next step", "Next due"],
                    [
                        [
                            _cell(r.get(k))
                            for k in ("id", "step", "due_at", "notify", "next_step", "next_due_at")
                        ]
                        for r in rows
                    ],
                )
            )
        else:
            parts.append(_empty("No open record is past a step."))
        c = block.get("compliance")
        if not isinstance(c, Mapping):
            parts.append(_empty("Compliance not checked: the data records no escalation events."))
            continue
        parts.append(f"<p>{escape(escalation_compliance_text(c))}</p>")
        problems = [p for p in c.get("problems") or [] if isinstance(p, Mapping)]
        if problems:
            parts.append(
                _table(
                    ["Record", "Step", "Contact", "Due", "Notified", "Status"],
                    [
                        [
                            _cell(p.get("id")),
                            _cell(p.get("step")),
                            _cell(p.get("contact")),
                            _cell(p.get("due_at")),
                            _cell(p.get("notified_at") or "never"),
                            _verdict_word(str(p.get("status")), p.get("late_s")),
                        ]
                        for p in problems
                    ],
                )
            )
        if c.get("problems_omitted"):
            parts.append(
                f'<p class="meta">and {escape(str(c["problems_omitted"]))} more; '
                "<code>sla escalations --limit</code> lists them.</p>"
            )
    return _section("escalations", "Escalations", "".join(parts))


def _verdict_word(status: str, late_s: Any) -> str:
    css = "breached" if status == "missed" else "at_risk" if status == "late" else "met"
    text = status.replace("_", " ")
    if status == "late" and late_s is not None:
        text += f" by {fmt_duration(late_s)}"
    return f'<span class="v v-{css}">{escape(text)}</span>'


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
