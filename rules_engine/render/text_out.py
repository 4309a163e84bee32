"""The evaluation document as a table for people: per period, worst targets first."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from rules_engine.escape import terminal, terminal_field
from rules_engine.language.policy_text import duration_text

_SEVERITY = {"breached": 0, "at_risk": 1, "no_data": 2, "met": 3}
_COLUMNS = ("verdict", "target", "owner", "objective", "value", "margin", "budget left", "records")


def _duration(seconds: int | str) -> str:
    """Seconds from the document (an int, or a decimal string with 3 places) as people
    read them: ``10h``, ``-44m38.400s``."""
    value = Decimal(str(seconds))
    sign = "-" if value < 0 else ""
    value = abs(value)
    whole = int(value)
    fraction = value - whole
    if not fraction:
        return sign + duration_text(whole)
    head = duration_text(whole - whole % 60) if whole >= 60 else ""
    return f"{sign}{head}{whole % 60 + fraction}s"


def _duration_aggregate(target: dict[str, Any]) -> bool:
    """``mean <= 30m``: the value and margin are seconds, shown as durations."""
    return bool(target["kind"] == "aggregate" and target["unit"] == "duration")


def _value(target: dict[str, Any]) -> str:
    kind = target["kind"]
    if kind == "percentile":
        if target.get("value_s") is None:
            return "-"
        bound = "+" if target.get("value_is_lower_bound") else ""
        return f"{_duration(target['value_s'])}{bound} (rank {target['rank']})"
    value = target.get("value")
    if value is None:
        return "-"
    if _duration_aggregate(target):
        return _duration(value)
    if kind in ("count", "aggregate"):
        return str(value)
    return f"{value}%"


def _margin(target: dict[str, Any]) -> str:
    kind = target["kind"]
    if kind == "percentile":
        return "-" if target.get("margin_s") is None else _duration(target["margin_s"])
    margin = target.get("margin")
    if margin is None:
        return "-"
    if _duration_aggregate(target):
        return _duration(margin)
    return f"{margin} pts" if kind in ("percent", "availability") else str(margin)


def _budget(target: dict[str, Any]) -> str:
    budget = target.get("budget")
    if not budget:
        return "-"
    if budget["unit"] == "seconds":
        return f"{_duration(budget['left'])} of {_duration(budget['total'])}"
    return f"{budget['left']} of {budget['total']}"


def _records(target: dict[str, Any]) -> str:
    kind = target["kind"]
    if kind in ("percent", "percentile"):
        pending = f", {target['pending']} pending" if target.get("pending") else ""
        return f"{target['met']} met, {target['breached']} breached{pending}"
    if kind == "availability":
        down = f"{_duration(target['downtime_s'])} down of {_duration(target['scheduled_s'])}"
        return down + _planned(target)
    return f"{target.get('count', 0)} records"


def _planned(target: dict[str, Any]) -> str:
    """Planned time (maintenance windows, planned outages) and the part of it a
    maintenance rule counted as downtime; empty without planned time."""
    stretches = target.get("planned_time") or []
    if not stretches:
        return ""
    planned = sum((Decimal(str(p["planned_s"])) for p in stretches), Decimal(0))
    counted = sum((Decimal(str(p["downtime_s"])) for p in stretches), Decimal(0))
    text = f", {_duration(str(planned))} planned"
    if counted:
        text += f" ({_duration(str(counted))} counted as downtime)"
    return text


def _table(rows: list[tuple[str, ...]]) -> list[str]:
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    return [
        "  " + "  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)).rstrip()
        for row in rows
    ]


_LINE_PREFIX = {"credit": "credit", "earn_back": "earned back", "bonus": "bonus"}


def _money_lines(period: dict[str, Any], currency: str) -> list[str]:
    """The period's account: what is owed each way, then every line behind it."""
    if not period.get("over") or period.get("credits_owed") is None:
        return []
    lines = [
        f"  credits owed {period['credits_owed']} {currency}, "
        f"bonuses {period.get('bonus_total', '0')} {currency}"
    ]
    for line in period["lines"]:
        kind = line["kind"]
        if kind == "cap":  # its arithmetic reads "cap 20% x ..."
            lines.append(f"    {line['arithmetic']}")
        elif kind == "annual_cap":
            lines.append(f"    annual cap: {line['arithmetic']}")
        elif kind == "contract_year_cap":
            lines.append(f"    contract-year cap: {line['arithmetic']}")
        else:
            lines.append(f"    {_LINE_PREFIX[kind]} {line['rule']}: {line['arithmetic']}")
    for held in period.get("once_held") or []:
        lines.append(f"    once {terminal_field(held)}")
    for exit_right in period.get("exit") or []:
        lines.append(f"    exit right {exit_right.get('rule')} (notice {exit_right.get('notice')})")
    return lines


def _dispute_lines(exclusions: dict[str, Any], currency: str) -> list[str]:
    """Disputed (unapproved) exclusions, and what approving them would change: the
    verdicts above are decided without them (DESIGN "Exclusions")."""
    disputed = exclusions.get("disputed") or []
    if not disputed:
        return []
    out = ["", "disputed exclusions (not applied above):"]
    for entry in disputed:
        what = entry.get("record_id") or (
            f"{entry.get('service')} {entry.get('start')} to {entry.get('end')}"
        )
        ident, reason = terminal_field(entry["id"]), terminal_field(entry.get("reason"))
        out.append(f"  {ident} ({reason}): {terminal_field(what)}")
    effect = exclusions.get("dispute_effect") or {}
    for period in effect.get("periods") or []:
        for change in period.get("targets") or []:
            out.append(
                f"  if approved, {period['period']} {change['target']}: "
                f"{change['verdict']} {change.get('value')} -> "
                f"{change['verdict_if_excluded']} {change.get('value_if_excluded')}"
            )
        credits = period.get("credits_total")
        if credits and credits.get("agreed") != credits.get("if_excluded"):
            out.append(
                f"  if approved, {period['period']} credits: {credits['agreed']} -> "
                f"{credits['if_excluded']} {currency}"
            )
    return out


def render_text(document: dict[str, Any]) -> str:
    policy = document["policy"]
    source = "now" if document.get("as_of_source") == "now" else "given"
    out = [f"{policy['name']}: verdicts as of {document['as_of']} ({source})"]
    data_warnings = document.get("data", {}).get("warnings") or []
    if data_warnings:  # loading changed or doubted some values: never out of sight
        out += ["", f"data warnings ({len(data_warnings)}):"]
        out += [f"  {warning}" for warning in data_warnings]
    currency = document.get("currency", "")
    for period in document["periods"]:
        state = "over" if period["over"] else "running"
        out.append("")
        out.append(f"{period['period']} ({state}, {period['start']} to {period['end']})")
        if period.get("version"):
            # a series of versions: the one that judged and priced this period
            out.append(
                f"  version {period['version']}, effective {period.get('version_effective')}"
            )
        targets = sorted(
            period["targets"].items(),
            key=lambda item: (
                _SEVERITY.get(item[1]["verdict"], 9),
                list(period["targets"]).index(item[0]),
            ),
        )
        rows: list[tuple[str, ...]] = [tuple(c.upper() for c in _COLUMNS)]
        for name, target in targets:
            rows.append(
                (
                    target["verdict"],
                    name,
                    target["owner"],
                    target["objective"],
                    _value(target),
                    _margin(target),
                    _budget(target),
                    _records(target),
                )
            )
        out.extend(_table(rows))
        for name, target in targets:
            if target["verdict"] in ("breached", "at_risk") and target.get("flip"):
                out.append(f"  {name}: {target['flip']}")
        out.extend(_money_lines(period, currency))
    exit_right = document.get("exit_right")
    if exit_right:
        out.append("")
        out.append(
            f"exit right from {exit_right['period']}: {', '.join(exit_right['rules'])} "
            f"(notice {exit_right['notice']})"
        )
    out.extend(_dispute_lines(document.get("exclusions") or {}, currency))
    summary = document.get("summary", {}).get("verdicts", {})
    if summary:
        out.append("")
        out.append(", ".join(f"{count} {verdict}" for verdict, count in summary.items()))
    return terminal("\n".join(out) + "\n")
