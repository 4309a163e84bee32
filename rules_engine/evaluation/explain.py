"""Explanations in words: the objective as written, what the verdict rests on, and the
smallest change that would flip it."""

from __future__ import annotations

from fractions import Fraction

from rules_engine import present
from rules_engine.evaluation.result import (
    AggregateFigures,
    AvailabilityFigures,
    CountFigures,
    Judgement,
    PercentFigures,
    PercentileFigures,
)
from rules_engine.evaluation.scope import scope_text
from rules_engine.language import model
from rules_engine.language.model import Verdict
from rules_engine.language.policy_text import (
    business_days_text,
    limit_text,
    objective_text,
    percent_text,
)
from rules_engine.present import ClockKind

_NOUNS = {
    "tickets": ("ticket", "tickets"),
    "outages": ("outage", "outages"),
    "vulnerabilities": ("vulnerability", "vulnerabilities"),
    "surveys": ("survey", "surveys"),
    "restore_tests": ("restore test", "restore tests"),
    "security_incidents": ("security incident", "security incidents"),
    "projects": ("project", "projects"),
    "meetings": ("meeting", "meetings"),
}


def noun(dataset: str, count: int) -> str:
    one, many = _NOUNS.get(dataset, ("record", "records"))
    return one if count == 1 else many


def flip_text(target: model.Target, judged: Judgement, clock: ClockKind = "wall") -> str | None:
    """The smallest change that flips the verdict, in words, its durations on the target's
    ``clock``; None when nothing is decided."""
    objective = target.objective
    verdict = judged.verdict
    figures = judged.figures
    if verdict in (Verdict.NO_DATA, Verdict.NOT_DUE):
        return None
    goal = objective_text(objective)
    if isinstance(figures, PercentFigures | PercentileFigures):
        to_flip = figures.to_flip
        if to_flip is None:
            return None
        if isinstance(objective, model.RateWhere):
            ok = "meeting the condition"
        elif isinstance(objective, model.PercentWithin | model.PercentileAtMost):
            ok = f"within {limit_text(objective)}"
        if verdict == Verdict.BREACHED:
            if isinstance(objective, model.PercentWithin | model.RateWhere):
                goal = percent_text(objective.percent)
            return f"{to_flip} more {noun(target.dataset, to_flip)} {ok} would have met {goal}"
        return f"{to_flip} more breached {noun(target.dataset, to_flip)} would break {goal}"
    if isinstance(figures, AvailabilityFigures):
        left = present.duration(abs(figures.budget.left), clock)
        if verdict == Verdict.BREACHED:
            return f"{left} less downtime would have met {goal}"
        return f"more than {left} more downtime would break {goal}"
    if isinstance(figures, AggregateFigures):
        value = _aggregate_text(target.objective, figures, clock)
        return f"the {figures.aggregate} is {value}; the objective is {goal}"
    return f"the count is {figures.count}; the objective is {goal}"


def _aggregate_text(
    objective: model.Objective, figures: AggregateFigures, clock: ClockKind
) -> str | None:
    """A mean or sum in the objective's unit: ``35m`` for a mean of durations, ``4.33``
    for a score (more decimals only where two would look equal to the objective)."""
    if figures.value is None:
        return None
    if isinstance(objective, model.AggregateCompare) and objective.unit == "duration":
        return present.duration(figures.value, clock)
    against = objective.value if isinstance(objective, model.AggregateCompare) else None
    return present.number(figures.value, present.places_needed(figures.value, against))


def _percent(value: Fraction, objective: model.Objective) -> str:
    """A fraction of 1 as a percentage at the precision that tells it from the objective."""
    return present.percent(value * 100, _percent_goal(objective))


def _percent_goal(objective: model.Objective) -> Fraction | None:
    """The objective's percentage (0..100), for objectives stated as one."""
    if isinstance(objective, model.PercentWithin | model.RateWhere | model.AvailabilityAtLeast):
        return objective.percent * 100
    return None


def _points(margin: Fraction, value: Fraction, target: model.Target) -> str:
    return present.points(margin * 100, value * 100, _percent_goal(target.objective))


def _in_business_days(target: model.Target) -> bool:
    objective = target.objective
    return isinstance(objective, model.PercentWithin | model.PercentileAtMost) and (
        objective.business_days
    )


def planned_text(figures: AvailabilityFigures, clock: ClockKind = "wall") -> str | None:
    """The planned time of an availability target in a period, item by item, and what of
    it counted as downtime under the policy's maintenance rule (DESIGN "Maintenance")."""
    if not figures.planned and figures.maintenance is None:
        return None
    items: dict[tuple[str, str], list[Fraction]] = {}
    reasons: dict[tuple[str, str], set[str]] = {}
    for stretch in figures.planned:
        key = (stretch.source, stretch.id)
        totals = items.setdefault(key, [Fraction(0), Fraction(0)])
        totals[0] += stretch.planned_s
        totals[1] += stretch.downtime_s
        if stretch.reason is not None:
            reasons.setdefault(key, set()).add(stretch.reason)
    shown = []
    for (source, item), (planned_s, down_s) in items.items():
        text = f"{source} {item} {present.duration(planned_s, clock)}"
        if down_s:
            why = ", ".join(sorted(reasons.get((source, item), set())))
            text += f" ({present.duration(down_s, clock)} counted as downtime: {why})"
        shown.append(text)
    total = sum((s.planned_s for s in figures.planned), Fraction(0))
    counted = sum((s.downtime_s for s in figures.planned), Fraction(0))
    out = f"planned time {present.duration(total, clock)}"
    if shown:
        out += " in " + ", ".join(shown)
    rule = figures.maintenance
    if rule is not None and rule.limit_s is not None:
        out += (
            f"; maintenance limit {rule.limit_text} per period, "
            f"{present.duration(figures.limit_used_s, clock)} used"
        )
    if rule is not None and rule.notice_s is not None:
        out += f"; notice {rule.notice_text}"
    if counted:
        out += f"; {present.duration(counted, clock)} of planned time counted as downtime"
    return out


def explanation_text(
    target: model.Target,
    judged: Judgement,
    period_label: str,
    target_period: str | None = None,
    clock: ClockKind = "wall",
) -> str:
    """A paragraph a person can read: which rule, which numbers, what would change it;
    durations on the target's ``clock`` (the exact values stay in the document).
    ``target_period`` labels the target's own period when it says ``every quarter``."""
    figures = judged.figures
    head = f"{target.name}"
    if target.title:
        head += f' "{target.title}"'
    verdict = judged.verdict.value
    if judged.verdict is Verdict.NO_DATA and target.no_data_counts_as is not None:
        verdict += f" (counts as {target.no_data_counts_as})"
    parts = [f"{head} ({target.span}) in {period_label}: {verdict}"]
    if target.every is not None and target_period is not None:
        if judged.verdict is Verdict.NOT_DUE:
            parts.append(
                f"judged every {target.every}: {target_period} has not ended, figures so far"
            )
        else:
            parts.append(f"judged every {target.every}: over {target_period}")
    scope = scope_text(target.scope)
    parts.append(f"of {target.dataset}" + (f" where {scope}" if scope else ""))
    goal = objective_text(target.objective)
    if isinstance(figures, AvailabilityFigures):
        available = _percent(figures.value, target.objective)
        parts.append(
            f"downtime {present.duration(figures.downtime_s, clock)} of "
            f"{present.duration(figures.scheduled_s, clock)} scheduled on {figures.clock} = "
            f"{available} against {goal} (margin {_points(figures.margin, figures.value, target)})"
        )
        planned = planned_text(figures, clock)
        if planned:
            parts.append(planned)
    elif isinstance(figures, AggregateFigures):
        shown = _aggregate_text(target.objective, figures, clock)
        bound = " (a lower bound: an open record takes part)" if figures.lower_bound else ""
        parts.append(f"{figures.count} in scope, value {shown}{bound} against {goal}")
    elif isinstance(figures, CountFigures):
        parts.append(f"{figures.count} in scope, value {figures.count} against {goal}")
    else:
        parts.append(
            f"{figures.in_scope} in scope: {figures.met} met, {figures.breached} breached, "
            f"{figures.pending} pending"
        )
        if isinstance(figures, PercentFigures) and figures.value is not None:
            margin = figures.margin
            assert margin is not None
            parts.append(
                f"{_percent(figures.value, target.objective)} against {goal} "
                f"(margin {_points(margin, figures.value, target)})"
            )
        elif isinstance(figures, PercentileFigures) and figures.value_s is not None:
            margin_s = figures.margin_s
            assert margin_s is not None
            bound = " (a lower bound)" if figures.lower_bound else ""
            if figures.business_days:
                parts.append(
                    f"rank {figures.rank} value {business_days_text(figures.value_s)}{bound} "
                    f"against {goal} (margin {business_days_text(margin_s)})"
                )
            else:
                parts.append(
                    f"rank {figures.rank} value {present.duration(figures.value_s, clock)}"
                    f"{bound} against {goal} (margin {present.duration(margin_s, clock)})"
                )
        paused = figures.records.paused_s
        if paused and _in_business_days(target):
            parts.append(f"{business_days_text(paused)} of pauses excluded")
        elif paused:
            parts.append(f"{present.duration(paused, clock)} of pauses excluded")
    budget = (
        figures.budget
        if isinstance(figures, PercentFigures | PercentileFigures | AvailabilityFigures)
        else None  # means and counts have no error budget
    )
    if budget is not None:
        if budget.unit == "seconds":
            total, used, left = (
                present.duration(amount, clock)
                for amount in (budget.total, budget.used, budget.left)
            )
            parts.append(f"budget {total}, used {used}, left {left}")
        else:
            shown_budget = budget.to_json()
            parts.append(
                f"budget {shown_budget['total']} {budget.unit}, used {shown_budget['used']}, "
                f"left {shown_budget['left']}"
            )
    flip = flip_text(target, judged, clock)
    if flip:
        parts.append(flip)
    return "; ".join(parts)
