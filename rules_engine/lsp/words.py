"""Hover text: targets, durations, calendars and credit tiers in plain words.

Each function reads the checked policy (:mod:`rules_engine.language.model`) and quotes
clauses through :mod:`rules_engine.language.policy_text`, so a hover says what ``sla
explain`` and the report say. Money is worked out by the consequences stage's own
functions (the fee of the period in force, ``percent_of``).
"""

from __future__ import annotations

import datetime as dt
from fractions import Fraction

from rules_engine.consequences.money import format_money, percent_arithmetic, percent_of
from rules_engine.evaluation.fees import MoneyError, policy_fee
from rules_engine.evaluation.periods import period_containing
from rules_engine.language import model as m
from rules_engine.language import policy_text as pt
from rules_engine.language.lint import scope_tiers

_MEASURE_WORDS = {
    "response_time": "get a first response",
    "resolution_time": "are resolved",
}
_WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")


def span_words(seconds: int) -> str:
    """``15 minutes``, ``4 hours``, ``27 hours``, ``1 hour 30 minutes``, ``14 days``: whole
    days only from two days up, as :func:`~rules_engine.language.policy_text.duration_text`."""
    parts = []
    rest = seconds
    for unit, size in (("day", 86400), ("hour", 3600), ("minute", 60)):
        if unit == "day" and (rest % 86400 or rest < 2 * 86400):
            continue
        count, rest = divmod(rest, size)
        if count:
            parts.append(f"{count} {unit}{'s' if count != 1 else ''}")
    if rest or not parts:
        parts.append(f"{rest} second{'s' if rest != 1 else ''}")
    return " ".join(parts)


def target_clocks(policy: m.CheckedPolicy, target: m.Target) -> list[str]:
    """The clocks a target's records run on: the one it names, else its tiers' coverage."""
    measure = target.measure
    clock = getattr(measure, "clock", None)
    if isinstance(clock, str):
        return [clock]
    if target.dataset != "tickets":
        return [m.CLOCK_24X7]
    tiers = scope_tiers(target.scope, frozenset(policy.tiers))
    clocks = sorted({policy.tiers[t].coverage for t in tiers})
    return clocks or [m.CLOCK_24X7]


def target_words(policy: m.CheckedPolicy, target: m.Target) -> str:
    """A target in one sentence, then its clauses as written."""
    what = target.dataset
    scope = f" ({pt.expr_text(target.scope)})" if target.scope is not None else ""
    clocks = target_clocks(policy, target)
    counted = " or ".join(clocks)
    objective = target.objective
    measure = target.measure
    sentence: str
    if isinstance(objective, m.PercentWithin) and isinstance(measure, m.Elapsed):
        verb = _MEASURE_WORDS.get(
            measure.builtin or "", f"go from `{measure.start}` to `{measure.stop}`"
        )
        sentence = (
            f"{pt.percent_text(objective.percent)} of {what}{scope} {verb} within "
            f"{span_words(objective.limit_s)}, counted on {counted}"
        )
    elif isinstance(objective, m.PercentileAtMost) and isinstance(measure, m.Elapsed):
        verb = _MEASURE_WORDS.get(measure.builtin or "", "take")
        sentence = (
            f"{objective.percentile}% of {what}{scope} {verb} within "
            f"{span_words(objective.limit_s)} (the {objective.percentile}th percentile), "
            f"counted on {counted}"
        )
    elif isinstance(objective, m.AvailabilityAtLeast):
        sentence = (
            f"the service is available at least {pt.percent_text(objective.percent)} of the "
            f"period on {counted}, outages counted from {what}{scope}"
        )
    else:
        sentence = f"{what}{scope}: {pt.measure_text(measure)}, {pt.objective_text(objective)}"
    if isinstance(measure, m.Elapsed):
        if measure.exclude_pauses == "all":
            sentence += "; pauses excluded"
        elif measure.exclude_pauses is not None:
            sentence += "; " + ", ".join(measure.exclude_pauses) + " pauses excluded"
        elif any(p.dataset == target.dataset for p in policy.pauses):
            reasons = sorted({p.reason for p in policy.pauses if p.dataset == target.dataset})
            sentence += "; " + ", ".join(reasons) + " pauses not excluded"
    owner = "" if target.owner == m.Owner.PROVIDER else f" (owed by the {target.owner.value})"
    title = f"**{target.name}**" + (f" — {target.title}" if target.title else "")
    clauses = [
        f"of {target.dataset}" + (f" where {pt.expr_text(target.scope)}" if target.scope else ""),
        f"measure {pt.measure_text(measure)}",
        f"require {pt.objective_text(objective)}",
    ]
    block = "\n".join(clauses)
    return f"{title}{owner}\n\n{sentence}\n\n```sla\n{block}\n```"


def open_seconds(calendar: m.Calendar) -> int:
    """The calendar's open time in a week without holidays, in seconds."""
    return sum(w.end - w.start for day in calendar.windows for w in day)


def duration_words(
    seconds: int, text: str, clocks: list[str], policy: m.CheckedPolicy | None
) -> str:
    """``2d`` on its clock: ``48 open hours, about 5 working days`` on a business calendar."""
    lines = [f"`{text}` = {span_words(seconds)} ({seconds:,} s)"]
    for clock in clocks:
        if clock == m.CLOCK_24X7 or policy is None or clock not in policy.calendars:
            lines.append(f"on `24x7`: {span_words(seconds)} of wall-clock time")
            continue
        calendar = policy.calendars[clock]
        week = open_seconds(calendar)
        days = sum(1 for day in calendar.windows if day)
        hours = Fraction(seconds, 3600)
        line = f"on `{clock}`: {pt.number_text(hours)} open hours"
        if week and days:
            per_day = Fraction(week, days)
            working = Fraction(seconds) / per_day
            line += (
                f", about {round(working)} working day{'s' if round(working) != 1 else ''} "
                f"({pt.number_text(per_day / 3600)} open hours a day)"
            )
        lines.append(line)
    return "\n\n".join(lines)


def calendar_words(calendar: m.Calendar, year: int) -> str:
    """Weekly open hours, day by day, and the holidays that close it in ``year``."""
    week = open_seconds(calendar)
    lines = [
        f"**calendar {calendar.name}** ({calendar.timezone}): "
        f"{pt.number_text(Fraction(week, 3600))} open hours a week",
        "",
    ]
    for name, windows in zip(_WEEKDAYS, calendar.windows, strict=True):
        lines.append(f"- {name}: {pt.windows_text(windows)}")
    closed = holidays_in(calendar, year)
    lines.append("")
    if closed:
        lines.append(f"Closed in {year}:")
        lines.extend(f"- {day.isoformat()} {name}" for day, name in closed)
    else:
        lines.append(f"No holidays or closed days in {year}.")
    return "\n".join(lines)


def holidays_in(calendar: m.Calendar, year: int) -> list[tuple[dt.date, str]]:
    """The days the calendar closes in ``year``: its countries' holidays (minus the
    ``except`` names) and its ``closed`` dates."""
    import holidays

    days: dict[dt.date, list[str]] = {}
    for spec in calendar.holidays:
        try:
            found = holidays.country_holidays(spec.country, subdiv=spec.subdivision, years=year)
        except (NotImplementedError, KeyError, ValueError):
            continue
        for day, joined in sorted(found.items()):
            names = [
                n
                for n in str(joined).split("; ")
                if n.removesuffix(" (observed)") not in spec.except_names
            ]
            if names:
                days.setdefault(day, []).extend(names)
    for day in calendar.closed:
        if day.year == year:
            days.setdefault(day, []).append("closed")
    return [(day, "; ".join(names)) for day, names in sorted(days.items())]


def tier_arithmetic(policy: m.CheckedPolicy, amount: m.Amount, today: dt.date) -> str:
    """What a credit or bonus tier pays in the period containing ``today``."""
    if isinstance(amount, m.FixedAmount):
        return f"pays {format_money(amount.amount, policy.currency)}"
    day = max(today, policy.effective)
    period = period_containing(day, policy.period, policy.timezone)
    try:
        fee = policy_fee(policy, period)
    except MoneyError as error:
        return f"{pt.percent_text(amount.percent)} of fee: {error.message}"
    result = percent_of(amount.percent, fee, policy.currency)
    arithmetic = percent_arithmetic(amount.percent, fee, result, policy.currency)
    return f"at the fee of {period.label}: {arithmetic}"


def holiday_dates(country: str, subdivision: str | None, name: str, year: int) -> list[dt.date]:
    """The days in ``year`` a country's holiday called ``name`` falls on (an observed day
    included)."""
    import holidays

    try:
        found = holidays.country_holidays(country, subdiv=subdivision, years=year)
    except (NotImplementedError, KeyError, ValueError):
        return []
    return sorted(
        day
        for day, joined in found.items()
        if any(n.removesuffix(" (observed)") == name for n in str(joined).split("; "))
    )
