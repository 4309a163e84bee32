"""Explanations in words: the objective as written, what the verdict rests on, and the
smallest change that would flip it."""

from __future__ import annotations

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
from rules_engine.language.policy_text import (
    business_days_text,
    limit_text,
    objective_text,
    percent_text,
)

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
        left = num.seconds(abs(figures.budget.left))
        if verdict == Verdict.BREACHED:
            return f"{left} s less downtime would have met {goal}"
        return f"more than {left} s more downtime would break {goal}"
    if isinstance(figures, AggregateFigures):
        value = num.fixed(figures.value) if figures.value is not None else None
        return f"the {figures.aggregate} is {value}; the objective is {goal}"
    return f"the count is {figures.count}; the objective is {goal}"


def _in_business_days(target: model.Target) -> bool:
    objective = target.objective
    return isinstance(objective, model.PercentWithin | model.PercentileAtMost) and (
        objective.business_days
    )


def explanation_text(
    target: model.Target, judged: Judgement, period_label: str, target_period: str | None = None
) -> str:
    """A paragraph a person can read: which rule, which numbers, what would change it.
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
        parts.append(
            f"downtime {num.seconds(figures.downtime_s)} s of {num.seconds(figures.scheduled_s)} s "
            f"scheduled on {figures.clock} = {num.percent(figures.value)}% against {goal} "
            f"(margin {num.percent(figures.margin)} points)"
        )
    elif isinstance(figures, AggregateFigures):
        shown = None if figures.value is None else num.fixed(figures.value)
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
                f"{num.percent(figures.value)}% against {goal} "
                f"(margin {num.percent(margin)} points)"
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
                    f"rank {figures.rank} value {num.seconds(figures.value_s)} s{bound} "
                    f"against {goal} (margin {num.seconds(margin_s)} s)"
                )
        paused = figures.records.paused_s
        if paused and _in_business_days(target):
            parts.append(f"{business_days_text(paused)} of pauses excluded")
        elif paused:
            parts.append(f"{num.seconds(paused)} s of pauses excluded")
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
