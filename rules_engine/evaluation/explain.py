"""Explanations in words: the objective as written, what the verdict rests on, and the
smallest change that would flip it."""

from __future__ import annotations

from typing import Any

from rules_engine.evaluation.scope import scope_text
from rules_engine.language import model
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


def flip_text(target: model.Target, doc: dict[str, Any]) -> str | None:
    """The smallest change that flips the verdict, in words; None when nothing is decided."""
    objective = target.objective
    verdict = doc.get("verdict")
    to_flip = doc.get("to_flip")
    if verdict == "no_data":
        return None
    goal = objective_text(objective)
    if isinstance(objective, model.PercentWithin | model.PercentileAtMost | model.RateWhere):
        if not isinstance(to_flip, int):
            return None
        if isinstance(objective, model.RateWhere):
            ok = "meeting the condition"
        else:
            ok = f"within {duration_text(objective.limit_s)}"
        if verdict == "breached":
            if isinstance(objective, model.PercentWithin | model.RateWhere):
                goal = percent_text(objective.percent)
            return f"{to_flip} more {noun(target.dataset, to_flip)} {ok} would have met {goal}"
        return f"{to_flip} more breached {noun(target.dataset, to_flip)} would break {goal}"
    if isinstance(objective, model.AvailabilityAtLeast):
        left = doc.get("budget", {}).get("left")
        if verdict == "breached":
            return f"{_neg(left)} s less downtime would have met {goal}"
        return f"more than {left} s more downtime would break {goal}"
    if isinstance(objective, model.AggregateCompare):
        return f"the {objective.aggregate} is {doc.get('value')}; the objective is {goal}"
    if isinstance(objective, model.CountCompare):
        return f"the count is {doc.get('count')}; the objective is {goal}"
    return None  # pragma: no cover


def _neg(value: Any) -> str:
    text = str(value)
    return text[1:] if text.startswith("-") else text


def explanation_text(target: model.Target, doc: dict[str, Any], period_label: str) -> str:
    """A paragraph a person can read: which rule, which numbers, what would change it."""
    head = f"{target.name}"
    if target.title:
        head += f' "{target.title}"'
    parts = [f"{head} ({target.span}) in {period_label}: {doc['verdict']}"]
    scope = scope_text(target.scope)
    parts.append(f"of {target.dataset}" + (f" where {scope}" if scope else ""))
    goal = objective_text(target.objective)
    if "downtime_s" in doc:
        parts.append(
            f"downtime {doc['downtime_s']} s of {doc['scheduled_s']} s scheduled "
            f"on {doc['clock']} = {doc['value']}% against {goal} (margin {doc['margin']} points)"
        )
    elif "count" in doc and "met" not in doc:
        parts.append(f"{doc['count']} in scope, value {doc.get('value')} against {goal}")
    else:
        parts.append(
            f"{doc['in_scope']} in scope: {doc['met']} met, {doc['breached']} breached, "
            f"{doc['pending']} pending"
        )
        if doc.get("value") is not None:
            parts.append(f"{doc['value']}% against {goal} (margin {doc['margin']} points)")
        elif doc.get("value_s") is not None:
            bound = " (a lower bound)" if doc.get("value_is_lower_bound") else ""
            parts.append(
                f"rank {doc['rank']} value {doc['value_s']} s{bound} against {goal} "
                f"(margin {doc['margin_s']} s)"
            )
        if doc.get("paused_s_total"):
            parts.append(f"{doc['paused_s_total']} s of pauses excluded")
    budget = doc.get("budget")
    if budget:
        parts.append(
            f"budget {budget['total']} {budget['unit']}, used {budget['used']}, left {budget['left']}"
        )
    flip = flip_text(target, doc)
    if flip:
        parts.append(flip)
    return "; ".join(parts)
