"""The evaluation document as a table for people: per period, worst targets first."""

from __future__ import annotations

from typing import Any

from rules_engine import present
from rules_engine.escape import terminal, terminal_field

_SEVERITY = {"breached": 0, "at_risk": 1, "no_data": 2, "met": 3}
_COLUMNS = ("verdict", "target", "owner", "objective", "value", "margin", "budget left", "records")


def _clock(target: dict[str, Any]) -> present.ClockKind:
    """The clock the target's durations are counted on (``wall`` for a document written
    before the goal named it)."""
    clock = (target.get("goal") or {}).get("clock")
    return clock if clock in ("wall", "business", "mixed") else "wall"


def _duration(target: dict[str, Any], seconds: int | str | None) -> str:
    return present.duration(seconds, _clock(target))


def _duration_aggregate(target: dict[str, Any]) -> bool:
    """``mean <= 30m``: the value and margin are seconds, shown as durations."""
    return bool(target["kind"] == "aggregate" and target["unit"] == "duration")


def _threshold(target: dict[str, Any]) -> str | None:
    threshold = (target.get("goal") or {}).get("threshold")
    return threshold if isinstance(threshold, str) else None


def _value(target: dict[str, Any]) -> str:
    kind = target["kind"]
    if kind == "percentile":
        if target.get("value_s") is None:
            return "-"
        bound = "+" if target.get("value_is_lower_bound") else ""
        return f"{_duration(target, target['value_s'])}{bound} (rank {target['rank']})"
    value = target.get("value")
    if value is None:
        return "-"
    if _duration_aggregate(target):
        return _duration(target, value)
    if kind == "count":
        return str(value)
    if kind == "aggregate":
        return present.number(value, _places(target))
    return present.percent(value, against=_threshold(target))


def _places(target: dict[str, Any]) -> int:
    """A mean or sum with two decimals, more where two would make it look equal to the
    objective."""
    value, threshold = present.exact(target.get("value")), present.exact(_threshold(target))
    return 2 if value is None else present.places_needed(value, threshold)


def _margin(target: dict[str, Any]) -> str:
    kind = target["kind"]
    if kind == "percentile":
        return "-" if target.get("margin_s") is None else _duration(target, target["margin_s"])
    margin = target.get("margin")
    if margin is None:
        return "-"
    if _duration_aggregate(target):
        return _duration(target, margin)
    if kind in ("percent", "availability"):
        return present.points(margin, target.get("value"), _threshold(target))
    return str(margin) if kind == "count" else present.number(margin, _places(target))


def _budget(target: dict[str, Any]) -> str:
    budget = target.get("budget")
    if not budget:
        return "-"
    if budget["unit"] == "seconds":
        return f"{_duration(target, budget['left'])} of {_duration(target, budget['total'])}"
    return f"{budget['left']} of {budget['total']}"


def _records(target: dict[str, Any]) -> str:
    kind = target["kind"]
    if kind in ("percent", "percentile"):
        pending = f", {target['pending']} pending" if target.get("pending") else ""
        return f"{target['met']} met, {target['breached']} breached{pending}"
    if kind == "availability":
        down, scheduled = target["downtime_s"], target["scheduled_s"]
        return f"{_duration(target, down)} down of {_duration(target, scheduled)}"
    return f"{target.get('count', 0)} records"


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
    places = present.minor_units_of(period["credits_owed"])
    owed = present.money(period["credits_owed"], currency, places)
    bonuses = present.money(period.get("bonus_total", "0"), currency, places)
    lines = [f"  credits owed {owed}, bonuses {bonuses}"]
    for line in period["lines"]:
        kind = line["kind"]
        if kind == "cap":  # its arithmetic reads "cap 20% x ..."
            lines.append(f"    {line['arithmetic']}")
        elif kind == "annual_cap":
            lines.append(f"    annual cap: {line['arithmetic']}")
        else:
            lines.append(f"    {_LINE_PREFIX[kind]} {line['rule']}: {line['arithmetic']}")
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
