"""The performance report as Markdown, for pull requests and wikis.

Same content as the HTML report (both come from :func:`build_report`). Charts are either
embedded as SVG data-URI images (:func:`render_markdown`, one self-contained file) or
linked as SVG files written beside the Markdown (:func:`render_markdown_with_charts`;
GitHub does not display data-URI images, so use this form for pull requests).
"""

from __future__ import annotations

import base64
import json
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any

from rules_engine.escape import markdown_code, markdown_fence, markdown_text
from rules_engine.render.report.charts import trend_svg
from rules_engine.render.report.content import (
    RECORD_COLUMNS,
    BudgetCell,
    Report,
    Shortfall,
    Trend,
    budget_text,
    build_report,
    downtime_rows,
    escalation_compliance_text,
    planned_rows,
    record_row,
    span_text,
    worst_records,
)
from rules_engine.render.report.document import (
    exact,
    fmt_duration,
    fmt_percent,
    location_text,
)

ChartLink = Callable[[Trend], str]


def render_markdown(doc: Mapping[str, Any]) -> str:
    """The report with every chart embedded as a ``data:image/svg+xml`` image."""

    def embed(trend: Trend) -> str:
        data = base64.b64encode(trend_svg(trend).encode("utf-8")).decode("ascii")
        return f"data:image/svg+xml;base64,{data}"

    return render_report_markdown(build_report(doc), embed)


def render_markdown_with_charts(
    doc: Mapping[str, Any], chart_dir: str
) -> tuple[str, dict[str, str]]:
    """The report linking its charts as ``{chart_dir}/{target}.svg``; returns the Markdown
    and the chart files (relative path -> SVG text) for the caller to write."""
    files: dict[str, str] = {}

    def link(trend: Trend) -> str:
        path = f"{chart_dir}/{chart_file_name(trend.target.name)}"
        files[path] = trend_svg(trend)
        return path

    text = render_report_markdown(build_report(doc), link)
    return text, files


def chart_file_name(target: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.-]", "-", target) + ".svg"


def render_report_markdown(report: Report, chart: ChartLink) -> str:
    out: list[str] = [f"# {markdown_text(report.title)}", ""]
    if report.parties:
        out += [markdown_text(report.parties, line_start=True), ""]
    meta = f"Periods {markdown_text(report.range_text)} · as of {markdown_text(report.as_of)}"
    if report.currency:
        meta += f" · amounts in {markdown_text(report.currency)}"
    out += [meta, ""]
    out += _summary(report)
    out += _matrix(report)
    out += _versions(report)
    out += _targets(report, chart)
    out += _money(report)
    out += _customer(report)
    out += _escalations(report)
    out += _listing("Disputed exclusions", report.disputed, "No exclusion is disputed.")
    out += ["## Data quality", ""]
    if report.warnings:
        out += [f"- {_sentence(location_text(w))}" for w in report.warnings] + [""]
    else:
        out += ["_Loading reported no data-quality issues._", ""]
    out += _holidays(report)
    out += ["## Audit", ""]
    out += _table(
        ["Item", "Value"], [[k, markdown_code(v, in_table=True)] for k, v in report.audit]
    )
    return "\n".join(out).rstrip("\n") + "\n"


# --------------------------------------------------------------------------- pieces


def _cell(value: Any) -> str:
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, (dict, list)):
        return markdown_text(json.dumps(value, sort_keys=True, ensure_ascii=False))
    return markdown_text(value)


def _table(
    headers: Sequence[str], rows: Iterable[Sequence[str]], numeric: set[int] | None = None
) -> list[str]:
    numeric = numeric or set()
    align = ["---:" if i in numeric else "---" for i in range(len(headers))]
    lines = ["| " + " | ".join(headers) + " |", "| " + " | ".join(align) + " |"]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return [*lines, ""]


_MARK = {
    "met": "met",
    "at_risk": "**at risk**",
    "breached": "**BREACHED**",
    "no_data": "_no data_",
    "not_due": "_not due_",
}


def _verdict(verdict: str) -> str:
    return _MARK.get(verdict, markdown_text(verdict))


def _summary(report: Report) -> list[str]:
    s = report.summary
    state = "over" if s.latest_over else "running"

    def counts(c: Mapping[str, int]) -> str:
        return ", ".join(f"{n} {v.replace('_', ' ')}" for v, n in c.items())

    customer = s.latest_by_owner["customer"]
    rows = [
        [
            f"{markdown_text(s.latest)} ({state}), provider targets",
            counts(s.latest_by_owner["provider"]),
        ]
    ]
    if sum(customer.values()):
        rows.append([f"{markdown_text(s.latest)}, customer-owned targets", counts(customer)])
    if len(report.periods) > 1:
        span = markdown_text(report.range_text)
        rows.append([f"{span}, provider targets", counts(s.all_by_owner["provider"])])
        if sum(s.all_by_owner["customer"].values()):
            rows.append([f"{span}, customer-owned targets", counts(s.all_by_owner["customer"])])
    rows.append(
        [
            f"Owed for {markdown_text(s.latest)}",
            f"**{markdown_text(s.owed_latest)}**: {markdown_text(s.owed_latest_arithmetic)}",
        ]
    )
    if len(report.periods) > 1:
        rows.append(
            [
                f"Owed for {markdown_text(report.range_text)}",
                f"**{markdown_text(s.credits_total)}**: {markdown_text(s.credits_arithmetic)}",
            ]
        )
    rows += [
        ["Bonuses earned", markdown_text(s.bonus_total)],
        ["Exit rights", markdown_text(s.exit_right or "none")],
        ["Change", markdown_text(s.change_words)],
    ]
    out = ["## Executive summary", "", *_table(["", "Value"], rows)]
    out += [f"### {markdown_text(s.latest)} by target", ""]
    out += _table(
        ["Target", "Owner", "Objective", "Value", "Verdict", "Change"],
        [
            [
                markdown_text(r.target.label),
                r.target.owner,
                markdown_code(r.target.objective_text, in_table=True),
                markdown_text(r.value),
                _verdict(r.verdict),
                markdown_text(r.change),
            ]
            for r in s.rows
        ],
        {3},
    )
    if s.sentences:
        out += [f"Shortfalls in {markdown_text(s.latest)}:", ""]
        out += [f"- {_sentence(sentence)}" for sentence in s.sentences] + [""]
    else:
        out += [f"_Every target met its objective in {markdown_text(s.latest)}._", ""]
    return out


def _targets(report: Report, chart: ChartLink) -> list[str]:
    out = ["## Targets", ""]
    if report.history:
        plural = "s" if len(report.history) != 1 else ""
        out += [
            f"Trends include {len(report.history)} earlier period{plural} "
            f"({markdown_text(span_text(report.history))}) "
            "for context; verdicts and money cover the report's periods only.",
            "",
        ]
    shortfalls: dict[str, list[Shortfall]] = {}
    for item in [*report.shortfalls, *report.at_risk]:
        shortfalls.setdefault(item.target.name, []).append(item)
    for trend in report.trends:
        info = trend.target
        where = f" · {markdown_code(info.span)}" if info.span else ""
        scope = f" {markdown_text(info.scope)}" if info.scope else ""
        out += [
            f"### {markdown_text(info.label)}",
            "",
            f"Objective {markdown_code(info.objective_text)}{scope} · owner {info.owner}{where}",
            "",
            f"![{markdown_text(info.name)} trend]({chart(trend)})",
            "",
        ]
        cells = report.budget.get(info.name)
        if cells:
            out += _budget_table(report, cells)
        own = shortfalls.get(info.name, [])
        for s in own:
            out += _shortfall(s, report.timezone)
        if not own:
            out += ["_Not breached or at risk in the report's periods._", ""]
    return out


def _budget_table(report: Report, cells: Mapping[str, BudgetCell]) -> list[str]:
    rows = []
    for period in report.periods:
        cell = cells.get(period)
        if cell is None:
            continue
        rows.append(
            [
                markdown_text(period),
                budget_text(cell.total, cell.unit, cell.clock),
                budget_text(cell.used, cell.unit, cell.clock),
                budget_text(cell.left, cell.unit, cell.clock),
                _burn(cell),
                "-" if cell.rate is None else f"{fmt_percent(cell.rate, 0)} of pace",
            ]
        )
    return [
        "Error budget:",
        "",
        *_table(["Period", "Budget", "Used", "Left", "Burned", "Burn rate"], rows, {1, 2, 3, 4, 5}),
    ]


def _money(report: Report) -> list[str]:
    """Per period, every line with its amount, then the amount owed: their sum."""
    out = ["## Credits, bonuses and exit rights", ""]
    for m in report.money_rows:
        out += [f"### {markdown_text(m.period)} (fee {markdown_text(m.fee)})", ""]
        if not m.over:
            out += ["_Running: computed when the period is over._", ""]
            continue
        if m.owed_amount is None:
            out += ["_The evaluation document states no account for it._", ""]
            continue
        rows = [[markdown_text(line.text), markdown_text(line.shown)] for line in m.lines]
        rows.append(["**Credits owed**", f"**{markdown_text(m.owed)}**"])
        if m.bonuses:
            rows += [[markdown_text(line.text), markdown_text(line.shown)] for line in m.bonuses]
            rows.append(["**Bonuses earned**", f"**{markdown_text(m.bonus_total)}**"])
        out += _table(["Line", "Amount"], rows, {1})
        for x in m.exits:
            reasons = "; ".join(map(str, x.get("reasons") or []))
            out += [
                f"- Exit right {markdown_text(x.get('rule'))}: {markdown_text(reasons)} "
                f"(notice {markdown_text(x.get('notice'))})"
            ]
        if m.exits:
            out += [""]
    return out


def _escalations(report: Report) -> list[str]:
    if not report.escalation_blocks:
        return _listing("Escalations", report.escalations, "No open record is past a step.")
    out = ["## Escalations", ""]
    for block in report.escalation_blocks:
        steps = ", ".join(f"{i}. at {s}" for i, s in enumerate(block.get("steps") or [], 1))
        out += [
            f"### {markdown_text(block.get('name'))}",
            "",
            f"{markdown_text(block.get('dataset'))}: {markdown_text(block.get('open_in_scope'))}"
            f" open in scope; steps {markdown_text(steps)}",
            "",
        ]
        rows = [r for r in report.escalations if r.get("escalation") == block.get("name")]
        keys = ("id", "step", "due_at", "notify", "next_step", "next_due_at")
        if rows:
            out += _table(
                ["Record", "Step reached", "Due", "Notify", "Next step", "Next due"],
                [[_cell(r.get(k)) for k in keys] for r in rows],
            )
        else:
            out += ["_No open record is past a step._", ""]
        c = block.get("compliance")
        if not isinstance(c, Mapping):
            out += ["_Compliance not checked: the data records no escalation events._", ""]
            continue
        out += [markdown_text(escalation_compliance_text(c)), ""]
        problems = [p for p in c.get("problems") or [] if isinstance(p, Mapping)]
        if problems:
            out += _table(
                ["Record", "Step", "Contact", "Due", "Notified", "Status"],
                [
                    [
                        _cell(p.get("id")),
                        _cell(p.get("step")),
                        _cell(p.get("contact")),
                        _cell(p.get("due_at")),
                        _cell(p.get("notified_at") or "never"),
                        _cell(
                            f"late by {fmt_duration(p.get('late_s'))}"
                            if p.get("status") == "late"
                            else p.get("status")
                        ),
                    ]
                    for p in problems
                ],
            )
        if c.get("problems_omitted"):
            out += [
                f"and {c['problems_omitted']} more; `sla escalations --limit` lists them.",
                "",
            ]
    return out


def _sentence(text: str) -> str:
    """Escape a sentence but keep its `code` spans."""
    pieces = text.split("`")
    return "".join(markdown_code(p) if i % 2 else markdown_text(p) for i, p in enumerate(pieces))


def _matrix(report: Report) -> list[str]:
    headers = ["Target", "Owner", "Objective", *map(markdown_text, report.periods)]
    rows = [
        [markdown_text(i.label), i.owner, markdown_code(i.objective_text, in_table=True)]
        + [_verdict(report.matrix[i.name][p]) for p in report.periods]
        for i in report.targets
    ]
    return ["## Verdicts by period", "", *_table(headers, rows)]


def _versions(report: Report) -> list[str]:
    """Which version of the policy judged each period (a series of versions only)."""
    if not report.versions:
        return []
    out = ["## Policy versions", ""]
    out += [
        f"- {markdown_text(v.period)}: version {markdown_code(v.version)}, "
        f"effective {markdown_text(v.effective)}"
        for v in report.versions
    ]
    out += [
        "",
        "Each period is judged and priced by the version in force at its start; "
        "look-backs reach across versions. Objectives above are the latest version's.",
        "",
    ]
    return out


def _shortfall(s: Shortfall, zone: str) -> list[str]:
    t = s.detail
    out = [
        f"#### {markdown_text(s.period)} · {_verdict(s.verdict)}",
        "",
        _sentence(s.sentence),
        "",
    ]
    records, hidden = worst_records(t)
    if records:
        rows = [
            [markdown_text(cell) for cell in record_row(r, s.target.objective.clock)]
            for r in records
        ]
        out += _table(list(RECORD_COLUMNS), rows, {1, 2, 3})
        if hidden:
            plural = "s" if hidden != 1 else ""
            out += [
                f"and {hidden} more breached record{plural}; `sla explain` lists every one.",
                "",
            ]
    clock = s.target.objective.clock
    intervals = downtime_rows(t, zone, clock)
    if intervals:
        outages = ", ".join(str(i) for i in t.get("outage_ids") or [])
        out += [f"Outages: {markdown_text(outages or '-')}", ""]
        rows = [[markdown_text(cell) for cell in row] for row in intervals]
        out += _table(["Down from", "Until", "Duration"], rows, {2})
    planned = planned_rows(t, zone, clock)
    if planned:
        rows = [[markdown_text(cell) for cell in row] for row in planned]
        out += _table(["Planned from", "Until", "Maintenance", "Counted as downtime"], rows, set())
    below = t.get("below_objective_ids") or []
    if below:
        out += [f"Below the objective: {markdown_text(', '.join(map(str, below)))}", ""]
    pending = t.get("pending_records") or []
    if pending:
        out += [
            f"Pending (not yet decided): {markdown_text(', '.join(str(r.get('id')) for r in pending))}",
            "",
        ]
    if t.get("flip"):
        out += [f"What would have changed it: {markdown_text(t['flip'])}", ""]
    if s.explanation:
        out += [*markdown_fence(str(s.explanation), "text"), ""]
    return out


def _burn(cell: BudgetCell | None) -> str:
    if cell is None:
        return "-"
    if cell.burned is None:
        return "none allowed" if exact(cell.used) else "none allowed, none used"
    text = fmt_percent(cell.burned, 0)
    return f"**{text}**" if cell.burned > 1 else text


def _customer(report: Report) -> list[str]:
    out = ["## The customer's share", ""]
    if report.pauses:
        out += [
            "Time excluded from the provider's clock while waiting on the customer (pauses).",
            "",
        ]
        out += _table(
            ["Target", *map(markdown_text, report.periods)],
            [
                [markdown_text(name)]
                + [fmt_duration(cells[p]) if p in cells else "-" for p in report.periods]
                for name, cells in report.pauses.items()
            ],
            set(range(1, len(report.periods) + 1)),
        )
    else:
        out += ["_No paused time was excluded._", ""]
    if report.customer_targets:
        out += _table(
            ["Customer-owned target", "Objective", *map(markdown_text, report.periods)],
            [
                [markdown_text(i.label), markdown_code(i.objective_text, in_table=True)]
                + [_verdict(report.matrix[i.name][p]) for p in report.periods]
                for i in report.customer_targets
            ],
        )
    else:
        out += ["_The policy has no customer-owned targets._", ""]
    return out


def _listing(title: str, items: list[Any], empty: str) -> list[str]:
    out = [f"## {title}", ""]
    if not items:
        return [*out, f"_{empty}_", ""]
    if all(isinstance(i, Mapping) for i in items):
        keys: dict[str, None] = {}
        for item in items:
            keys.update(dict.fromkeys(item))
        return out + _table(
            [markdown_text(k) for k in keys], [[_cell(i.get(k)) for k in keys] for i in items]
        )
    return out + [f"- {_cell(i)}" for i in items] + [""]


def _holidays(report: Report) -> list[str]:
    out = ["## Holidays used", ""]
    if not report.holidays:
        return [*out, "_No business calendar is used._", ""]
    for name, cal in report.holidays.items():
        zone = f" ({cal.get('timezone')})" if cal.get("timezone") else ""
        out += [f"### Calendar {markdown_text(name)}{markdown_text(zone)}", ""]
        rows = [[markdown_text(d), markdown_text(n)] for d, n in (cal.get("holidays_used") or [])]
        rows += [[markdown_text(d), "closed (policy)"] for d in (cal.get("closed") or [])]
        out += _table(["Date", "Holiday"], rows) if rows else ["_No holidays._", ""]
    return out
