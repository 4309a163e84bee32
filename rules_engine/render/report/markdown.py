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
    record_row,
    worst_records,
)
from rules_engine.render.report.document import (
    exact,
    fmt_duration,
    fmt_percent,
    location_text,
    parse_instant,
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
    out += _trends(report, chart)
    out += _wins(report)
    out += _shortfalls(report)
    out += _budget(report)
    out += _money(report)
    out += _customer(report)
    out += _listing("Escalations", report.escalations, "No escalations are due.")
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


_MARK = {"met": "met", "at_risk": "**at risk**", "breached": "**BREACHED**", "no_data": "_no data_"}


def _verdict(verdict: str) -> str:
    return _MARK.get(verdict, markdown_text(verdict))


def _summary(report: Report) -> list[str]:
    s = report.summary
    state = "over" if s.latest_over else "running"

    def counts(c: Mapping[str, int]) -> str:
        return ", ".join(f"{n} {v.replace('_', ' ')}" for v, n in c.items())

    out = ["## Executive summary", ""]
    out += _table(
        ["", "Value"],
        [
            [f"Latest period {markdown_text(s.latest)} ({state})", counts(s.latest_counts)],
            [f"All {len(report.periods)} periods", counts(s.all_counts)],
            ["Service credits owed", markdown_text(s.credits_total)],
            ["Bonuses earned", markdown_text(s.bonus_total)],
            ["Exit rights", markdown_text(s.exit_right or "none")],
        ],
    )
    if s.sentences:
        out += ["Shortfalls in one sentence each:", ""]
        out += [f"- {_sentence(sentence)}" for sentence in s.sentences] + [""]
    else:
        out += ["_Every target met its objective in every period._", ""]
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


def _trends(report: Report, chart: ChartLink) -> list[str]:
    out = ["## Trends", ""]
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
    return out


def _wins(report: Report) -> list[str]:
    out = ["## Wins", ""]
    if report.wins:
        out += [f"Most headroom in {markdown_text(report.summary.latest)}:", ""]
        out += _table(
            ["Target", "Objective", "Value", "Margin", "Headroom"],
            [
                [
                    markdown_text(w.target.label),
                    markdown_code(w.target.objective_text, in_table=True),
                    markdown_text(w.value),
                    markdown_text(w.margin),
                    fmt_percent(w.headroom, 0),
                ]
                for w in report.wins
            ],
            {2, 3, 4},
        )
    else:
        out += [f"_No target was met in {markdown_text(report.summary.latest)}._", ""]
    out += ["### Improvements", ""]
    if report.improvements:
        out += [
            f"- **{markdown_text(i.target.label)}**: {markdown_text(i.text)}"
            for i in report.improvements
        ]
        out += [""]
    else:
        out += ["_No target improved on the period before._", ""]
    return out


def _shortfalls(report: Report) -> list[str]:
    if not report.shortfalls and not report.at_risk:
        return ["## Shortfalls", "", "_No target was breached or at risk._", ""]
    out = ["## Shortfalls, worst first", ""]
    for s in report.shortfalls:
        out += _shortfall(s)
    if report.at_risk:
        out += ["### At risk (running periods)", ""]
        for s in report.at_risk:
            out += _shortfall(s)
    return out


def _shortfall(s: Shortfall) -> list[str]:
    t = s.detail
    out = [
        f"#### {markdown_text(s.period)} · {markdown_text(s.target.label)} · {_verdict(s.verdict)}",
        "",
        _sentence(s.sentence),
        "",
    ]
    records, hidden = worst_records(t)
    if records:
        rows = [[markdown_text(cell) for cell in record_row(r)] for r in records]
        out += _table(list(RECORD_COLUMNS), rows, {1, 2, 3})
        if hidden:
            plural = "s" if hidden != 1 else ""
            out += [
                f"and {hidden} more breached record{plural}; `sla explain` lists every one.",
                "",
            ]
    intervals = t.get("downtime_intervals") or []
    if intervals:
        outages = ", ".join(str(i) for i in t.get("outage_ids") or [])
        out += [f"Outages: {markdown_text(outages or '-')}", ""]
        rows = []
        for a, b in intervals:
            start, end = parse_instant(a), parse_instant(b)
            seconds = None if start is None or end is None else int((end - start).total_seconds())
            rows.append([markdown_text(a), markdown_text(b), fmt_duration(seconds)])
        out += _table(["Down from (UTC)", "Until (UTC)", "Duration"], rows, {2})
    planned = t.get("planned_time") or []
    if planned:
        rows = [
            [
                markdown_text(p["start"]),
                markdown_text(p["end"]),
                markdown_text(f"{p['source']} {p['id']} (outage {p['outage_id']})"),
                markdown_text(
                    f"{fmt_duration(p['downtime_s'])}: {p['counted_as_downtime']}"
                    if p["counted_as_downtime"]
                    else "-"
                ),
            ]
            for p in planned
        ]
        out += _table(
            ["Planned from (UTC)", "Until (UTC)", "Maintenance", "Counted as downtime"], rows, set()
        )
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
        return "no budget" + (" (used)" if exact(cell.used) else "")
    text = fmt_percent(cell.burned, 0)
    return f"**{text}**" if cell.burned > 1 else text


def _budget(report: Report) -> list[str]:
    out = ["## Error budget burn", ""]
    if not report.budget:
        return [*out, "_No target has an error budget._", ""]
    out += ["Share of each period's error budget used (over 100% is a breach).", ""]
    out += _table(
        ["Target", *map(markdown_text, report.periods)],
        [
            [markdown_text(name)] + [_burn(cells.get(p)) for p in report.periods]
            for name, cells in report.budget.items()
        ],
        set(range(1, len(report.periods) + 1)),
    )
    latest = report.summary.latest
    rows = []
    for name, cells in report.budget.items():
        cell = cells.get(latest)
        if cell is None:
            continue
        rows.append(
            [
                markdown_text(name),
                cell.unit,
                budget_text(cell.total, cell.unit),
                budget_text(cell.used, cell.unit),
                budget_text(cell.left, cell.unit),
                fmt_percent(cell.burned, 1),
                "-" if cell.rate is None else f"{fmt_percent(cell.rate, 0)} of pace",
            ]
        )
    out += [f"### {markdown_text(latest)} in detail", ""]
    out += _table(
        ["Target", "Unit", "Budget", "Used", "Left", "Burned", "Burn rate"], rows, {2, 3, 4, 5, 6}
    )
    out += [
        "Burn rate: budget used divided by the share of the period elapsed at as-of; "
        "over 100% of pace runs out before the period ends.",
        "",
    ]
    return out


def _money(report: Report) -> list[str]:
    rows = []
    for m in report.money_rows:
        if not m.over:
            running = "_running: computed when the period is over_"
            rows.append([markdown_text(m.period), markdown_text(m.fee), running, "-", "-", "-"])
            continue
        exits = (
            "<br>".join(
                markdown_text(
                    f"{x.get('rule')} ({'; '.join(map(str, x.get('reasons') or []))}; notice {x.get('notice')})"
                )
                for x in m.exits
            )
            or "-"
        )
        credits = "<br>".join(markdown_text(line) for line in m.credit_lines) or "-"
        bonuses = "<br>".join(markdown_text(line) for line in m.bonus_lines) or "-"
        period, fee, owed = markdown_text(m.period), markdown_text(m.fee), markdown_text(m.owed)
        rows.append([period, fee, credits, owed, bonuses, exits])
    return [
        "## Credits, bonuses and exit rights",
        "",
        *_table(
            [
                "Period",
                "Fee",
                "Credits, caps and earn-back",
                "Credits owed",
                "Bonuses",
                "Exit rights",
            ],
            rows,
            {1, 3},
        ),
    ]


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
