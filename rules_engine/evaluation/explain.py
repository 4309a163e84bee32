"""Explanations in words: the objective as written, what the verdict rests on, and the
smallest change that would flip it."""

from __future__ import annotations

from fractions import Fraction

from rules_engine.evaluation import numbers as num
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
from rules_engine.language.policy_text import duration_text, objective_text, percent_text

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


def flip_text(target: model.Target, judged: Judgement) -> str | None:
    """The smallest change that flips the verdict, in words; None when nothing is decided."""
    objective = target.objective
    verdict = judged.verdict
    figures = judged.figures
    if verdict == Verdict.NO_DATA:
        return None
    goal = objective_text(objective)
    if isinstance(figures, PercentFigures | PercentileFigures):
        to_flip = figures.to_flip
        if to_flip is None:
            return None
        if isinstance(objective, model.RateWhere):
            ok = "meeting the condition"
        elif isinstance(objective, model.PercentWithin | model.PercentileAtMost):
            ok = f"within {duration_text(objective.limit_s)}"
        if verdict == Verdict.BREACHED:
            if isinstance(objective, model.PercentWithin | model.RateWhere):
                goal = percent_text(objective.percent)
            return f"{to_flip} more {noun(target.dataset, to_flip)} {ok} would have met {goal}"
        return f"{to_flip} more breached {noun(target.dataset, to_flip)} would break {goal}"
    if isinstance(figures, AvailabilityFigures):
        left = num.seconds(abs(figures.budget.left))
        if verdict == Verdict.BREACHED:
            return f"{left} s less downtime would have met {goal}"
        return f"more than {left} s more downtime would break {goal}"
    if isinstance(figures, AggregateFigures):
        value = num.fixed(figures.value) if figures.value is not None else None
        return f"the {figures.aggregate} is {value}; the objective is {goal}"
    return f"the count is {figures.count}; the objective is {goal}"


def planned_text(figures: AvailabilityFigures) -> str | None:
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
        text = f"{source} {item} {num.seconds(planned_s)} s"
        if down_s:
            why = ", ".join(sorted(reasons.get((source, item), set())))
            text += f" ({num.seconds(down_s)} s counted as downtime: {why})"
        shown.append(text)
    total = sum((s.planned_s for s in figures.planned), Fraction(0))
    counted = sum((s.downtime_s for s in figures.planned), Fraction(0))
    out = f"planned time {num.seconds(total)} s"
    if shown:
        out += " in " + ", ".join(shown)
    rule = figures.maintenance
    if rule is not None and rule.limit_s is not None:
        out += (
            f"; maintenance limit {rule.limit_text} per period, "
            f"{num.seconds(figures.limit_used_s)} s used"
        )
    if rule is not None and rule.notice_s is not None:
        out += f"; notice {rule.notice_text}"
    if counted:
        out += f"; {num.seconds(counted)} s of planned time counted as downtime"
    return out


def explanation_text(target: model.Target, judged: Judgement, period_label: str) -> str:
    """A paragraph a person can read: which rule, which numbers, what would change it."""
    figures = judged.figures
    head = f"{target.name}"
    if target.title:
        head += f' "{target.title}"'
    parts = [f"{head} ({target.span}) in {period_label}: {judged.verdict.value}"]
    scope = scope_text(target.scope)
    parts.append(f"of {target.dataset}" + (f" where {scope}" if scope else ""))
    goal = objective_text(target.objective)
    if isinstance(figures, AvailabilityFigures):
        parts.append(
            f"downtime {num.seconds(figures.downtime_s)} s of {num.seconds(figures.scheduled_s)} s "
            f"scheduled on {figures.clock} = {num.percent(figures.value)}% against {goal} "
            f"(margin {num.percent(figures.margin)} points)"
        )
        planned = planned_text(figures)
        if planned:
            parts.append(planned)
    elif isinstance(figures, AggregateFigures):
        shown = None if figures.value is None else num.fixed(figures.value)
        parts.append(f"{figures.count} in scope, value {shown} against {goal}")
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
                f"{num.percent(figures.value)}% against {goal} "
                f"(margin {num.percent(margin)} points)"
            )
        elif isinstance(figures, PercentileFigures) and figures.value_s is not None:
            margin_s = figures.margin_s
            assert margin_s is not None
            bound = " (a lower bound)" if figures.lower_bound else ""
            parts.append(
                f"rank {figures.rank} value {num.seconds(figures.value_s)} s{bound} against {goal} "
                f"(margin {num.seconds(margin_s)} s)"
            )
        if figures.records.paused_s:
            parts.append(f"{num.seconds(figures.records.paused_s)} s of pauses excluded")
    budget = (
        figures.budget
        if isinstance(figures, PercentFigures | PercentileFigures | AvailabilityFigures)
        else None  # means and counts have no error budget
    )
    if budget is not None:
        shown_budget = budget.to_json()
        parts.append(
            f"budget {shown_budget['total']} {budget.unit}, used {shown_budget['used']}, "
            f"left {shown_budget['left']}"
        )
    flip = flip_text(target, judged)
    if flip:
        parts.append(flip)
    return "; ".join(parts)
