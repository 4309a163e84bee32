"""The evaluation as a table for people: per period, worst targets first.

It reads the typed document (:mod:`rules_engine.document`): each target's ``kind`` says
which figures it has, its ``goal`` the threshold and the clock its durations are counted
on; every number goes through :mod:`rules_engine.present`.
"""

from __future__ import annotations

from fractions import Fraction
from typing import Any

from rules_engine import document as d
from rules_engine import present
from rules_engine.escape import terminal, terminal_field

_SEVERITY = {"breached": 0, "at_risk": 1, "no_data": 2, "met": 3, "not_due": 4}
_COLUMNS = ("verdict", "target", "owner", "objective", "value", "margin", "budget left", "records")


def _clock(target: d.Target) -> present.ClockKind:
    """The clock the target's durations are counted on (``wall`` for a document written
    before the goal named it)."""
    return target.goal.clock or "wall"


def _duration(target: d.Target, seconds: d.Seconds | Fraction | None) -> str:
    return present.duration(seconds, _clock(target))


def _places(target: d.AggregateTarget) -> int:
    """A mean or sum with two decimals, more where two would make it look equal to the
    objective."""
    value = present.exact(target.value)
    return 2 if value is None else present.places_needed(value, d.fraction(target.goal.threshold))


def _value(target: d.Target) -> str:
    match target:
        case d.PercentileTarget(value_bd=str(days)):  # a limit in business days
            bound = "+" if target.value_is_lower_bound else ""
            return f"{present.business_days(days)}{bound} (rank {target.rank})"
        case d.PercentileTarget(value_s=None):
            return "-"
        case d.PercentileTarget():
            bound = "+" if target.value_is_lower_bound else ""
            return f"{_duration(target, target.value_s)}{bound} (rank {target.rank})"
        case d.AggregateTarget(value=None) | d.CountTarget(value=None):
            return "-"
        case d.AggregateTarget(unit="duration"):
            return _duration(target, target.value)
        case d.AggregateTarget():
            return present.number(target.value, _places(target))
        case d.CountTarget():
            return str(target.value)
        case d.PercentTarget(value=None):
            return "-"
        case _:
            return present.percent(target.value, against=target.goal.threshold)


def _margin(target: d.Target) -> str:
    match target:
        case d.PercentileTarget(margin_bd=str(days)):
            return present.business_days(days)
        case d.PercentileTarget():
            return "-" if target.margin_s is None else _duration(target, target.margin_s)
        case d.AggregateTarget(margin=None) | d.CountTarget(margin=None):
            return "-"
        case d.AggregateTarget(unit="duration"):
            return _duration(target, target.margin)
        case d.AggregateTarget():
            return present.number(target.margin, _places(target))
        case d.CountTarget():
            return str(target.margin)
        case d.PercentTarget(margin=None):
            return "-"
        case _:
            return present.points(target.margin, target.value, target.goal.threshold)


def _budget(target: d.Target) -> str:
    if isinstance(target, d.AggregateTarget | d.CountTarget) or target.budget is None:
        return "-"
    budget = target.budget
    if budget.unit == "seconds":
        return f"{_duration(target, budget.left)} of {_duration(target, budget.total)}"
    return f"{budget.left} of {budget.total}"


def _planned(target: d.AvailabilityTarget) -> str:
    """Planned time (maintenance windows, planned outages) and the part of it a
    maintenance rule counted as downtime; empty without planned time."""
    if not target.planned_time:
        return ""
    planned = sum((Fraction(p.planned_s) for p in target.planned_time), Fraction(0))
    counted = sum((Fraction(p.downtime_s) for p in target.planned_time), Fraction(0))
    text = f", {_duration(target, planned)} planned"
    if counted:
        text += f" ({_duration(target, counted)} counted as downtime)"
    return text


def _records(target: d.Target) -> str:
    match target:
        case d.PercentTarget() | d.PercentileTarget():
            pending = f", {target.pending} pending" if target.pending else ""
            return f"{target.met} met, {target.breached} breached{pending}"
        case d.AvailabilityTarget():
            down, scheduled = target.downtime_s, target.scheduled_s
            shown = f"{_duration(target, down)} down of {_duration(target, scheduled)}"
            return shown + _planned(target)
        case _:
            return f"{target.count} records"


def _table(rows: list[tuple[str, ...]]) -> list[str]:
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    return [
        "  " + "  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)).rstrip()
        for row in rows
    ]


_LINE_PREFIX = {"credit": "credit", "earn_back": "earned back", "bonus": "bonus"}


def _money_lines(period: d.Period, currency: str) -> list[str]:
    """The period's account: what is owed each way, then every line behind it."""
    if not period.over or period.credits_owed is None:
        return []
    places = present.minor_units_of(period.credits_owed)
    owed = present.money(period.credits_owed, currency, places)
    bonuses = present.money(period.bonus_total or "0", currency, places)
    lines = [f"  credits owed {owed}, bonuses {bonuses}"]
    for line in period.lines:
        if line.kind == "cap":  # its arithmetic reads "cap 20% x ..."
            lines.append(f"    {line.arithmetic}")
        elif line.kind == "annual_cap":
            lines.append(f"    annual cap: {line.arithmetic}")
        elif line.kind == "contract_year_cap":
            lines.append(f"    contract-year cap: {line.arithmetic}")
        else:
            lines.append(f"    {_LINE_PREFIX[line.kind]} {line.rule}: {line.arithmetic}")
    for held in period.once_held:
        lines.append(f"    once {terminal_field(held)}")
    for exit_right in period.exit:
        lines.append(f"    exit right {exit_right.rule} (notice {exit_right.notice})")
    return lines


def _dispute_lines(exclusions: d.Exclusions | None, currency: str) -> list[str]:
    """Disputed (unapproved) exclusions, and what approving them would change: the
    verdicts above are decided without them (DESIGN "Exclusions")."""
    if exclusions is None or not exclusions.disputed:
        return []
    out = ["", "disputed exclusions (not applied above):"]
    for entry in exclusions.disputed:
        what = entry.record_id or f"{entry.service} {entry.start} to {entry.end}"
        ident, reason = terminal_field(entry.id), terminal_field(entry.reason)
        out.append(f"  {ident} ({reason}): {terminal_field(what)}")
    effect = exclusions.dispute_effect
    for period in effect.periods if effect is not None else []:
        for change in period.targets:
            out.append(
                f"  if approved, {period.period} {change.target}: "
                f"{change.verdict} {change.value} -> "
                f"{change.verdict_if_excluded} {change.value_if_excluded}"
            )
        credits = period.credits_total
        if credits is not None and credits.agreed != credits.if_excluded:
            out.append(
                f"  if approved, {period.period} credits: {credits.agreed} -> "
                f"{credits.if_excluded} {currency}"
            )
    return out


def render_text(document: dict[str, Any] | d.Evaluation) -> str:
    evaluation = document if isinstance(document, d.Evaluation) else d.read(document)
    source = "now" if evaluation.as_of_source == "now" else "given"
    out = [f"{evaluation.policy.name}: verdicts as of {evaluation.as_of} ({source})"]
    data_warnings = evaluation.data.warnings
    if data_warnings:  # loading changed or doubted some values: never out of sight
        out += ["", f"data warnings ({len(data_warnings)}):"]
        out += [f"  {warning}" for warning in data_warnings]
    currency = evaluation.currency
    for period in evaluation.periods:
        state = "over" if period.over else "running"
        out.append("")
        out.append(f"{period.period} ({state}, {period.start} to {period.end})")
        if period.version:
            # a series of versions: the one that judged and priced this period
            out.append(f"  version {period.version}, effective {period.version_effective}")
        order = list(period.targets)
        targets = sorted(
            period.targets.items(),
            key=lambda item: (_SEVERITY.get(item[1].verdict, 9), order.index(item[0])),
        )
        rows: list[tuple[str, ...]] = [tuple(c.upper() for c in _COLUMNS)]
        for name, target in targets:
            rows.append(
                (
                    target.verdict
                    + (f" (counts as {target.counts_as})" if target.counts_as else ""),
                    name,
                    target.owner,
                    target.objective,
                    _value(target),
                    _margin(target),
                    _budget(target),
                    _records(target),
                )
            )
        out.extend(_table(rows))
        for name, target in targets:
            if target.verdict in ("breached", "at_risk") and target.flip:
                out.append(f"  {name}: {target.flip}")
        out.extend(_money_lines(period, currency))
    exit_right = evaluation.exit_right
    if exit_right is not None:
        out.append("")
        out.append(
            f"exit right from {exit_right.period}: {', '.join(exit_right.rules)} "
            f"(notice {exit_right.notice})"
        )
    out.extend(_dispute_lines(evaluation.exclusions, currency))
    summary = evaluation.summary.verdicts.model_dump(exclude_none=True)
    if summary:
        out.append("")
        out.append(", ".join(f"{count} {verdict}" for verdict, count in summary.items()))
    return terminal("\n".join(out) + "\n")
