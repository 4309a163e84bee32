"""Semantic diff of two checked policies: what a contract change means, not what text moved.

The diff compares :class:`~rules_engine.language.model.CheckedPolicy` objects, never text or syntax
trees, so a formatting-only change (spacing, comments, clause order inside a dict such as
targets) yields no change at all: model equality already ignores spans.

Each :class:`Change` says which clause changed and in which *direction*, always from the
provider's point of view:

- ``stricter`` / ``looser``: the provider must do more (a higher percent, a shorter limit,
  a credit tier that fires more often, an exit that is easier to reach) or less;
- ``higher`` / ``lower``: an amount of money or a count moved (a fee, a credit amount,
  a cap, a bonus, a notice period);
- ``added`` / ``removed`` / ``changed``: a clause appeared, disappeared or changed in a way
  that has no single direction (a scope, a clock, a calendar's windows).
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction
from typing import Any, Literal

from rules_engine.escape import terminal
from rules_engine.language import model as m
from rules_engine.language.policy_text import (
    amount_text,
    clock_text,
    condition_text,
    duration_text,
    fee_text,
    holiday_text,
    measure_text,
    number_text,
    objective_text,
    percent_text,
    step_text,
    threshold_text,
    windows_text,
)
from rules_engine.language.policy_text import expr_text as _expr_text
from rules_engine.language.spans import NO_SPAN, Span


def expr_text(expr: m.Expr | None) -> str:
    """A scope condition in policy syntax; a target with no `where` scopes every record."""
    return "(all records)" if expr is None else _expr_text(expr)


__all__ = [
    "amount_text",
    "clock_text",
    "condition_text",
    "duration_text",
    "expr_text",
    "fee_text",
    "holiday_text",
    "measure_text",
    "number_text",
    "objective_text",
    "percent_text",
    "step_text",
    "threshold_text",
    "windows_text",
]

Direction = Literal["added", "removed", "stricter", "looser", "higher", "lower", "changed"]

DIRECTIONS: tuple[Direction, ...] = (
    "added",
    "removed",
    "stricter",
    "looser",
    "higher",
    "lower",
    "changed",
)


@dataclass(frozen=True)
class Change:
    """One semantic difference between OLD and NEW.

    ``clause`` names the clause (``target p1_response``, ``calendar business``, ``fee``);
    ``aspect`` the part of it that changed (``objective``, ``scope``, ``holidays``);
    ``old``/``new`` are the clause texts in policy syntax (None when added or removed).
    """

    clause: str
    aspect: str
    direction: Direction
    old: str | None
    new: str | None
    detail: str = ""
    old_span: Span | None = None
    new_span: Span | None = None

    def to_json(self) -> dict[str, Any]:
        return {
            "clause": self.clause,
            "aspect": self.aspect,
            "direction": self.direction,
            "old": self.old,
            "new": self.new,
            "detail": self.detail,
            "old_location": str(self.old_span) if self.old_span else None,
            "new_location": str(self.new_span) if self.new_span else None,
        }


@dataclass(frozen=True)
class PolicyDiff:
    """All semantic changes from ``old`` to ``new``, in a stable order."""

    old_label: str
    new_label: str
    changes: tuple[Change, ...]

    @property
    def changed(self) -> bool:
        return bool(self.changes)

    def counts(self) -> dict[str, int]:
        return {d: sum(1 for c in self.changes if c.direction == d) for d in DIRECTIONS}

    def to_json(self) -> dict[str, Any]:
        return {
            "old": self.old_label,
            "new": self.new_label,
            "changed": self.changed,
            "summary": {k: v for k, v in self.counts().items() if v},
            "changes": [c.to_json() for c in self.changes],
        }

    def render_json(self) -> str:
        return json.dumps(self.to_json(), indent=2, sort_keys=False) + "\n"

    def render_text(self) -> str:
        if not self.changes:
            return terminal(f"no semantic changes between {self.old_label} and {self.new_label}\n")
        lines = [f"--- {self.old_label}", f"+++ {self.new_label}"]
        for change in self.changes:
            head = f"{change.clause}: {change.aspect} {change.direction}"
            if change.detail:
                head += f" ({change.detail})"
            lines.append(head)
            if change.old is not None:
                lines.append(f"  - {change.old}")
            if change.new is not None:
                lines.append(f"  + {change.new}")
        summary = ", ".join(f"{n} {d}" for d, n in self.counts().items() if n)
        lines.append(f"{len(self.changes)} semantic change(s): {summary}")
        return terminal("\n".join(lines) + "\n")


# --------------------------------------------------------------------------- directions


Sign = Literal[-1, 0, 1]


def _sign(old: Fraction | int | Decimal, new: Fraction | int | Decimal) -> Sign:
    return 1 if new > old else -1 if new < old else 0


def _combine(*signs: Sign) -> Sign | None:
    """One direction when every moving part agrees; None when they pull both ways."""
    moving = {s for s in signs if s != 0}
    if len(moving) > 1:
        return None
    return moving.pop() if moving else 0


def objective_direction(old: m.Objective, new: m.Objective) -> Sign | None:
    """+1 when NEW demands more of the owner, -1 less, 0 equal, None when not comparable
    (a limit in business days and one in time are not: ``3bd`` is no fixed length)."""
    if (
        isinstance(old, m.PercentWithin | m.PercentileAtMost)
        and isinstance(new, m.PercentWithin | m.PercentileAtMost)
        and old.business_days != new.business_days
    ):
        return None
    if isinstance(old, m.PercentWithin) and isinstance(new, m.PercentWithin):
        return _combine(_sign(old.percent, new.percent), _sign(new.limit_s, old.limit_s))
    if isinstance(old, m.PercentileAtMost) and isinstance(new, m.PercentileAtMost):
        return _combine(_sign(old.percentile, new.percentile), _sign(new.limit_s, old.limit_s))
    if isinstance(old, m.AvailabilityAtLeast) and isinstance(new, m.AvailabilityAtLeast):
        return _sign(old.percent, new.percent)
    if isinstance(old, m.RateWhere) and isinstance(new, m.RateWhere):
        return _sign(old.percent, new.percent) if old.condition == new.condition else None
    if isinstance(old, m.AggregateCompare) and isinstance(new, m.AggregateCompare):
        if old.aggregate != new.aggregate or old.unit != new.unit:
            return None
        return _bound_direction(old.op, old.value, new.op, new.value)
    if isinstance(old, m.CountCompare) and isinstance(new, m.CountCompare):
        if "=" in (old.op, new.op) and old.op != new.op:
            return None
        if old.op == "=":
            return None if old.value != new.value else 0
        return _bound_direction(old.op, Fraction(old.value), new.op, Fraction(new.value))
    return None


def _bound_direction(
    old_op: str, old_value: Fraction, new_op: str, new_value: Fraction
) -> Sign | None:
    """Direction of a one-sided bound (``>= 4.2`` -> ``> 4.5`` is stricter)."""
    lower = {">", ">="}
    if (old_op in lower) != (new_op in lower):
        return None
    value_sign = _sign(old_value, new_value) if old_op in lower else _sign(new_value, old_value)
    strict_sign: Sign = 0
    if old_op != new_op:
        strict_sign = 1 if new_op in {">", "<"} else -1
    return _combine(value_sign, strict_sign)


def condition_direction(old: m.Condition, new: m.Condition) -> Sign | None:
    """+1 when NEW fires in more situations than OLD, -1 fewer, None when not comparable."""
    if old == new:
        return 0
    if isinstance(old, m.ValueBelow) and isinstance(new, m.ValueBelow):
        if old.target != new.target:
            return None
        return _fires_direction(old.op, old.threshold, new.op, new.threshold)
    if isinstance(old, m.InLastPeriods) and isinstance(new, m.InLastPeriods):
        if (old.target, old.verdict) != (new.target, new.verdict):
            return None
        return _combine(_sign(new.count, old.count), _sign(old.window, new.window))
    if isinstance(old, m.Consecutive) and isinstance(new, m.Consecutive):
        if (old.target, old.verdict) != (new.target, new.verdict):
            return None
        return _sign(new.count, old.count)
    if isinstance(old, m.BreachCount) and isinstance(new, m.BreachCount):
        return _combine(_sign(new.at_least, old.at_least), _sign(old.window, new.window))
    if isinstance(old, m.AnyOf | m.AllOf) and type(old) is type(new):
        return _junction_direction(old, new)  # type: ignore[arg-type]
    return None


def _fires_direction(old_op: str, old_t: Fraction, new_op: str, new_t: Fraction) -> Sign | None:
    """``x < 99.5%`` -> ``x < 99.9%`` fires for more values (+1)."""
    below = {"<", "<="}
    if (old_op in below) != (new_op in below):
        return None
    value_sign = _sign(old_t, new_t) if old_op in below else _sign(new_t, old_t)
    inclusive_sign: Sign = 0
    if old_op != new_op:
        inclusive_sign = 1 if new_op in {"<=", ">="} else -1
    return _combine(value_sign, inclusive_sign)


def _junction_direction(old: m.AnyOf | m.AllOf, new: m.AnyOf | m.AllOf) -> Sign | None:
    old_ops, new_ops = list(old.operands), list(new.operands)
    more: Sign = 1 if isinstance(old, m.AnyOf) else -1  # an extra "or" branch fires more
    if len(old_ops) == len(new_ops):
        signs = [condition_direction(a, b) for a, b in zip(old_ops, new_ops, strict=True)]
        if any(s is None for s in signs):
            return None
        return _combine(*[s for s in signs if s is not None])
    if all(op in new_ops for op in old_ops):
        return more
    if all(op in old_ops for op in new_ops):
        return -more  # type: ignore[return-value]
    return None


def _strictness(sign: Sign | None) -> Direction:
    return "changed" if sign is None or sign == 0 else "stricter" if sign > 0 else "looser"


def _amount_direction(old: m.Amount, new: m.Amount) -> Direction:
    if isinstance(old, m.PercentOfFee) and isinstance(new, m.PercentOfFee):
        return "higher" if new.percent > old.percent else "lower"
    if isinstance(old, m.FixedAmount) and isinstance(new, m.FixedAmount):
        return "higher" if new.amount > old.amount else "lower"
    return "changed"


# --------------------------------------------------------------------------- the diff


class _Differ:
    def __init__(self, old: m.CheckedPolicy, new: m.CheckedPolicy) -> None:
        self.old = old
        self.new = new
        self.changes: list[Change] = []

    def add(
        self,
        clause: str,
        aspect: str,
        direction: Direction,
        old: str | None,
        new: str | None,
        detail: str = "",
        old_span: Span | None = None,
        new_span: Span | None = None,
    ) -> None:
        self.changes.append(Change(clause, aspect, direction, old, new, detail, old_span, new_span))

    # ----------------------------------------------------------------- helpers

    def keyed(
        self,
        kind: str,
        old: Mapping[str, Any],
        new: Mapping[str, Any],
        text: Callable[[Any], str],
        compare: Callable[[str, Any, Any], None],
    ) -> None:
        """Added, removed, then changed entries of two name-keyed collections."""
        for name, item in new.items():
            if name not in old:
                self.add(f"{kind} {name}", kind, "added", None, text(item), new_span=_span(item))
        for name, item in old.items():
            if name not in new:
                self.add(f"{kind} {name}", kind, "removed", text(item), None, old_span=_span(item))
        for name, item in old.items():
            if name in new and item != new[name]:
                compare(name, item, new[name])

    def residual(self, clause: str, old: Any, new: Any, handled: Iterable[str]) -> None:
        """Any dataclass field not compared by a specific rule still shows up, generically."""
        skip = set(handled) | {"span"}
        for f in dataclasses.fields(old):
            if f.name in skip or not f.compare:
                continue
            a, b = getattr(old, f.name), getattr(new, f.name)
            if a != b:
                self.add(
                    clause, f.name, "changed", _plain(a), _plain(b), "", _span(old), _span(new)
                )

    # ----------------------------------------------------------------- header

    def header(self) -> None:
        o, n = self.old, self.new
        for name in ("name", "provider", "customer", "timezone", "period"):
            a, b = getattr(o, name), getattr(n, name)
            if a != b:
                self.add("policy", name, "changed", _plain(a), _plain(b))
        if o.effective != n.effective:
            self.add(
                "policy", "effective", "changed", o.effective.isoformat(), n.effective.isoformat()
            )
        if o.currency != n.currency:
            self.add("policy", "currency", "changed", o.currency.code, n.currency.code)
        if o.at_risk_fraction != n.at_risk_fraction:
            # a higher threshold flags at_risk earlier: more warning, no money
            self.add(
                "policy",
                "at risk threshold",
                "higher" if n.at_risk_fraction > o.at_risk_fraction else "lower",
                f"at risk below {percent_text(o.at_risk_fraction)} budget",
                f"at risk below {percent_text(n.at_risk_fraction)} budget",
            )

    def fees(self) -> None:
        old = {f.start: f for f in self.old.fees}
        new = {f.start: f for f in self.new.fees}
        oc, nc = self.old.currency.code, self.new.currency.code
        for start in sorted(set(old) | set(new)):
            a, b = old.get(start), new.get(start)
            if a == b:
                continue
            if a is None and b is not None:
                self.add("fee", f"from {start}", "added", None, fee_text(b, nc), new_span=b.span)
            elif b is None and a is not None:
                self.add("fee", f"from {start}", "removed", fee_text(a, oc), None, old_span=a.span)
            elif a is not None and b is not None:
                direction: Direction = "changed"
                detail = ""
                if a.per == b.per and a.amount != b.amount:
                    direction = "higher" if b.amount > a.amount else "lower"
                    detail = f"{'+' if b.amount > a.amount else ''}{number_text(b.amount - a.amount)} {nc} per {b.per}"
                self.add(
                    "fee",
                    f"from {start}",
                    direction,
                    fee_text(a, oc),
                    fee_text(b, nc),
                    detail,
                    a.span,
                    b.span,
                )

    # ----------------------------------------------------------------- calendars, tiers, data

    def calendars(self) -> None:
        self.keyed(
            "calendar", self.old.calendars, self.new.calendars, _calendar_text, self._calendar
        )

    def _calendar(self, name: str, a: m.Calendar, b: m.Calendar) -> None:
        clause = f"calendar {name}"
        if a.timezone != b.timezone:
            self.add(clause, "timezone", "changed", a.timezone, b.timezone, "", a.span, b.span)
        days = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
        pairs = [
            (
                a.windows[i] if i < len(a.windows) else (),
                b.windows[i] if i < len(b.windows) else (),
            )
            for i in range(7)
        ]
        i = 0
        while i < 7:
            j = i
            while j + 1 < 7 and pairs[j + 1] == pairs[i]:
                j += 1  # consecutive days with the same change read as one (`mon-fri`)
            wa, wb = pairs[i]
            if wa != wb:
                day = days[i] if i == j else f"{days[i]}-{days[j]}"
                before = sum(w.end - w.start for w in wa)
                after = sum(w.end - w.start for w in wb)
                direction: Direction = (
                    "higher" if after > before else "lower" if after < before else "changed"
                )
                detail = f"open {duration_text(before)} -> {duration_text(after)} a day"
                self.add(
                    clause,
                    f"open {day}",
                    direction,
                    windows_text(wa),
                    windows_text(wb),
                    detail,
                    a.span,
                    b.span,
                )
            i = j + 1
        self._holidays(clause, a.holidays, b.holidays)
        ca, cb = set(a.closed), set(b.closed)
        for day_ in sorted(cb - ca):
            self.add(clause, "closed", "added", None, f"closed {day_.isoformat()}", new_span=b.span)
        for day_ in sorted(ca - cb):
            self.add(
                clause, "closed", "removed", f"closed {day_.isoformat()}", None, old_span=a.span
            )
        self.residual(clause, a, b, ("name", "timezone", "windows", "holidays", "closed"))

    def _holidays(
        self, clause: str, old: Sequence[m.HolidaySpec], new: Sequence[m.HolidaySpec]
    ) -> None:
        """Lists of one country and subdivision pair up, so an `except` edit reads as
        the days that open or close rather than a list removed and another added."""
        removed = [h for h in old if h not in new]
        added = [h for h in new if h not in old]
        for spec in list(removed):
            same = next(
                (
                    h
                    for h in added
                    if (h.country, h.subdivision) == (spec.country, spec.subdivision)
                ),
                None,
            )
            if same is None:
                continue
            removed.remove(spec)
            added.remove(same)
            opened = [n for n in same.except_names if n not in spec.except_names]
            closed = [n for n in spec.except_names if n not in same.except_names]
            parts = []
            if opened:
                parts.append("open again on " + ", ".join(opened))
            if closed:
                parts.append("closed again on " + ", ".join(closed))
            # more open days is more time on a business clock
            direction: Direction = (
                "higher"
                if opened and not closed
                else "lower"
                if closed and not opened
                else "changed"
            )
            self.add(
                clause, "holidays", direction, holiday_text(spec), holiday_text(same),
                "; ".join(parts), spec.span, same.span,
            )  # fmt: skip
        for spec in sorted(added, key=holiday_text):
            self.add(clause, "holidays", "added", None, holiday_text(spec), new_span=spec.span)
        for spec in sorted(removed, key=holiday_text):
            self.add(clause, "holidays", "removed", holiday_text(spec), None, old_span=spec.span)

    def tiers(self) -> None:
        self.keyed("tier", self.old.tiers, self.new.tiers, _tier_text, self._tier)

    def _tier(self, name: str, a: m.Tier, b: m.Tier) -> None:
        clause = f"tier {name}"
        if a.coverage != b.coverage:
            self.add(
                clause,
                "coverage",
                "changed",
                f"coverage {a.coverage}",
                f"coverage {b.coverage}",
                "the clock of every target measured on this tier's coverage",
                a.span,
                b.span,
            )
        if a.label != b.label:
            self.add(
                clause, "label", "changed", _plain(a.label), _plain(b.label), "", a.span, b.span
            )

    def datasets(self) -> None:
        self.keyed(
            "dataset",
            self.old.datasets,
            self.new.datasets,
            _dataset_text,
            lambda n, a, b: self.add(
                f"dataset {n}",
                "fields",
                "changed",
                _dataset_text(a),
                _dataset_text(b),
                "",
                a.span,
                b.span,
            ),
        )

    def pauses(self) -> None:
        old = {_pause_text(p): p for p in self.old.pauses}
        new = {_pause_text(p): p for p in self.new.pauses}
        for text in sorted(set(new) - set(old)):
            self.add("pause", "pause rule", "added", None, text, new_span=new[text].span)
        for text in sorted(set(old) - set(new)):
            self.add("pause", "pause rule", "removed", text, None, old_span=old[text].span)

    # ----------------------------------------------------------------- targets

    def targets(self) -> None:
        self.keyed("target", self.old.targets, self.new.targets, _target_text, self._target)

    def _target(self, name: str, a: m.Target, b: m.Target) -> None:
        clause = f"target {name}"
        sp = (a.span, b.span)
        if a.owner != b.owner:
            self.add(clause, "owner", "changed", f"owner {a.owner}", f"owner {b.owner}", "", *sp)
        if a.dataset != b.dataset or a.anchor != b.anchor:
            self.add(
                clause,
                "dataset",
                "changed",
                f"of {a.dataset} by {a.anchor}",
                f"of {b.dataset} by {b.anchor}",
                "",
                *sp,
            )
        if a.scope != b.scope:
            self.add(clause, "scope", "changed", expr_text(a.scope), expr_text(b.scope), "", *sp)
        if a.measure != b.measure:
            self._measure(clause, a.measure, b.measure, sp)
        if a.objective != b.objective:
            sign = objective_direction(a.objective, b.objective)
            self.add(
                clause,
                "objective",
                _strictness(sign),
                objective_text(a.objective),
                objective_text(b.objective),
                "",
                *sp,
            )
        if a.title != b.title:
            self.add(clause, "title", "changed", _plain(a.title), _plain(b.title), "", *sp)
        self._target_periods(clause, a, b, sp)

    def _target_periods(self, clause: str, a: m.Target, b: m.Target, sp: tuple[Span, Span]) -> None:
        """``every quarter`` and ``no data counts as`` (issue 13). Counting an empty period
        as met asks less of the provider than leaving it undecided, and that less than
        counting it breached; a target period changed is not comparable."""
        if a.every != b.every:
            self.add(
                clause,
                "target period",
                "changed",
                f"every {a.every}" if a.every else "(the policy's period)",
                f"every {b.every}" if b.every else "(the policy's period)",
                "",
                *sp,
            )
        if a.no_data_counts_as != b.no_data_counts_as:
            rank = {"met": -1, None: 0, "breached": 1}
            sign = _sign(rank[a.no_data_counts_as], rank[b.no_data_counts_as])
            self.add(
                clause,
                "no data",
                _strictness(sign),
                f"no data counts as {a.no_data_counts_as}" if a.no_data_counts_as else "(no rule)",
                f"no data counts as {b.no_data_counts_as}" if b.no_data_counts_as else "(no rule)",
                "",
                *sp,
            )

    def _measure(self, clause: str, a: m.Measure, b: m.Measure, sp: tuple[Span, Span]) -> None:
        if isinstance(a, m.Elapsed) and isinstance(b, m.Elapsed):
            if (a.start, a.stop, a.builtin) != (b.start, b.stop, b.builtin):
                self.add(clause, "measure", "changed", measure_text(a), measure_text(b), "", *sp)
                return
            if a.clock != b.clock:
                self.add(
                    clause,
                    "clock",
                    "changed",
                    a.clock or "(tier coverage)",
                    b.clock or "(tier coverage)",
                    "",
                    *sp,
                )
            if a.exclude_pauses != b.exclude_pauses:
                sign = _pause_direction(a.exclude_pauses, b.exclude_pauses)
                self.add(
                    clause,
                    "pause exclusion",
                    _strictness(sign),
                    measure_text(a),
                    measure_text(b),
                    "",
                    *sp,
                )
            return
        if isinstance(a, m.Availability) and isinstance(b, m.Availability):
            self.add(clause, "clock", "changed", a.clock, b.clock, "", *sp)
            return
        self.add(clause, "measure", "changed", measure_text(a), measure_text(b), "", *sp)

    # ----------------------------------------------------------------- escalations

    def escalations(self) -> None:
        self.keyed(
            "escalation",
            self.old.escalations,
            self.new.escalations,
            _escalation_text,
            self._escalation,
        )

    def _escalation(self, name: str, a: m.Escalation, b: m.Escalation) -> None:
        clause = f"escalation {name}"
        sp = (a.span, b.span)
        if (a.dataset, a.scope) != (b.dataset, b.scope):
            self.add(
                clause,
                "scope",
                "changed",
                f"of {a.dataset} where {expr_text(a.scope)}",
                f"of {b.dataset} where {expr_text(b.scope)}",
                "",
                *sp,
            )
        old_steps = {s.contact: s for s in a.steps}
        new_steps = {s.contact: s for s in b.steps}
        for contact, step in new_steps.items():
            if contact not in old_steps:
                self.add(clause, "step", "added", None, step_text(step), new_span=step.span)
        for contact, step in old_steps.items():
            if contact not in new_steps:
                self.add(clause, "step", "removed", step_text(step), None, old_span=step.span)
            elif step != new_steps[contact]:
                other = new_steps[contact]
                direction: Direction = "changed"
                if step.after_s is not None and other.after_s is not None:
                    direction = _strictness(_sign(other.after_s, step.after_s))
                elif step.of_target == other.of_target and step.fraction and other.fraction:
                    direction = _strictness(_sign(other.fraction, step.fraction))
                self.add(
                    clause,
                    "step",
                    direction,
                    step_text(step),
                    step_text(other),
                    "",
                    step.span,
                    other.span,
                )
        if a.after_hours != b.after_hours:
            self.add(
                clause,
                "after hours",
                "changed",
                _after_hours_text(a.after_hours),
                _after_hours_text(b.after_hours),
                "",
                *sp,
            )

    # ----------------------------------------------------------------- money

    def credits(self) -> None:
        old = {r.name: r for r in self.old.credits}
        new = {r.name: r for r in self.new.credits}
        cur = self.new.currency.code
        self.keyed(
            "credit", old, new, lambda r: _credit_text(r, cur, self.new.targets), self._credit_rule
        )

    def _credit_rule(self, name: str, a: m.CreditRule, b: m.CreditRule) -> None:
        self._tiered(f"credit {name}", a.tiers, b.tiers, fires_more_is="stricter")
        if a.once != b.once:
            # `once` pays a credit once per run instead of every period: looser on the provider
            self.add(
                f"credit {name}",
                "once",
                "looser" if b.once else "stricter",
                "once" if a.once else "every period",
                "once" if b.once else "every period",
                "",
                a.span,
                b.span,
            )

    def _tiered(
        self,
        clause: str,
        old: Sequence[m.CreditTier],
        new: Sequence[m.CreditTier],
        fires_more_is: Direction,
    ) -> None:
        oc, nc = self.old.currency.code, self.new.currency.code
        new_left = list(new)
        unmatched_old: list[m.CreditTier] = []
        for tier in old:
            same = next((t for t in new_left if t.condition == tier.condition), None)
            if same is None:
                unmatched_old.append(tier)
                continue
            new_left.remove(same)
            if same.amount != tier.amount:
                self.add(
                    clause,
                    f"tier `{condition_text(tier.condition, self.old.targets)}`",
                    _amount_direction(tier.amount, same.amount),
                    amount_text(tier.amount, oc),
                    amount_text(same.amount, nc),
                    "",
                    tier.span,
                    same.span,
                )
        # tiers whose condition moved: pair them in order, as a reviewer reads them
        for a, b in zip(unmatched_old, new_left, strict=False):
            sign = condition_direction(a.condition, b.condition)
            direction = _fires(sign, fires_more_is)
            self.add(
                clause,
                "tier condition",
                direction,
                f"when {condition_text(a.condition, self.old.targets)} {_pay(a.amount, oc)}",
                f"when {condition_text(b.condition, self.new.targets)} {_pay(b.amount, nc)}",
                "" if a.amount == b.amount else f"amount {_amount_direction(a.amount, b.amount)}",
                a.span,
                b.span,
            )
        for a in unmatched_old[len(new_left) :]:
            self.add(
                clause,
                "tier",
                "removed",
                f"when {condition_text(a.condition, self.old.targets)} {_pay(a.amount, oc)}",
                None,
                old_span=a.span,
            )
        for b in new_left[len(unmatched_old) :]:
            self.add(
                clause,
                "tier",
                "added",
                None,
                f"when {condition_text(b.condition, self.new.targets)} {_pay(b.amount, nc)}",
                new_span=b.span,
            )

    def caps(self) -> None:
        oc, nc = self.old.currency.code, self.new.currency.code
        old = {c.per: c for c in self.old.caps}
        new = {c.per: c for c in self.new.caps}
        for per in ("period", "year", "contract year"):
            a, b = old.get(per), new.get(per)  # type: ignore[call-overload]
            if a == b:
                continue
            text_a = f"cap credits at {amount_text(a.amount, oc)} per {per}" if a else None
            text_b = f"cap credits at {amount_text(b.amount, nc)} per {per}" if b else None
            if a is None:
                self.add(
                    f"cap per {per}", "cap", "added", None, text_b, new_span=b.span if b else None
                )
            elif b is None:
                self.add(f"cap per {per}", "cap", "removed", text_a, None, old_span=a.span)
            else:
                self.add(
                    f"cap per {per}",
                    "cap",
                    _amount_direction(a.amount, b.amount),
                    text_a,
                    text_b,
                    "",
                    a.span,
                    b.span,
                )

    def earn_backs(self) -> None:
        old = {e.target: e for e in self.old.earn_backs}
        new = {e.target: e for e in self.new.earn_backs}

        def text(e: m.EarnBack) -> str:
            return f"earn back {e.target} credits after {e.periods} met periods"

        self.keyed(
            "earn back",
            old,
            new,
            text,
            lambda n, a, b: self.add(
                f"earn back {n}",
                "periods",
                # more periods to earn a credit back is harder on the provider
                "stricter" if b.periods > a.periods else "looser",
                text(a),
                text(b),
                "",
                a.span,
                b.span,
            ),
        )

    def bonuses(self) -> None:
        old = {r.name: r for r in self.old.bonuses}
        new = {r.name: r for r in self.new.bonuses}
        cur = self.new.currency.code
        self.keyed("bonus", old, new, lambda r: _bonus_text(r, cur, self.new.targets), self._bonus)

    def _bonus(self, name: str, a: m.Bonus, b: m.Bonus) -> None:
        clause = f"bonus {name}"
        oc, nc = self.old.currency.code, self.new.currency.code
        if a.once != b.once:
            # a bonus paid once per run instead of every period is stricter on the provider
            self.add(
                clause,
                "once",
                "stricter" if b.once else "looser",
                "once" if a.once else "every period",
                "once" if b.once else "every period",
                "",
                a.span,
                b.span,
            )
        if a.condition != b.condition:
            # a bonus is paid to the provider: easier to earn is looser on it
            self.add(
                clause,
                "condition",
                _fires(condition_direction(a.condition, b.condition), "looser"),
                condition_text(a.condition, self.old.targets),
                condition_text(b.condition, self.new.targets),
                "",
                a.span,
                b.span,
            )
        if a.amount != b.amount:
            self.add(
                clause,
                "amount",
                _amount_direction(a.amount, b.amount),
                amount_text(a.amount, oc),
                amount_text(b.amount, nc),
                "",
                a.span,
                b.span,
            )

    def exits(self) -> None:
        old = {r.name: r for r in self.old.exits}
        new = {r.name: r for r in self.new.exits}
        self.keyed("exit", old, new, lambda r: _exit_text(r, self.new.targets), self._exit)

    def _exit(self, name: str, a: m.ExitRule, b: m.ExitRule) -> None:
        clause = f"exit {name}"
        if a.condition != b.condition:
            self.add(
                clause,
                "condition",
                _fires(condition_direction(a.condition, b.condition), "stricter"),
                condition_text(a.condition, self.old.targets),
                condition_text(b.condition, self.new.targets),
                "",
                a.span,
                b.span,
            )
        if a.notice_s != b.notice_s:
            self.add(
                clause,
                "notice",
                "higher" if b.notice_s > a.notice_s else "lower",
                f"notice {a.notice_text}",
                f"notice {b.notice_text}",
                "",
                a.span,
                b.span,
            )

    def maintenance(self) -> None:
        """A maintenance limit or notice binds the provider: a lower limit or a longer
        notice is stricter, a higher limit or a shorter notice looser (none = unlimited)."""
        a, b = self.old.maintenance, self.new.maintenance
        if a == b:
            return
        spans = (a.span if a else None, b.span if b else None)
        aspects: tuple[tuple[str, int | None, int | None, str | None, str | None, Direction], ...]
        aspects = (
            (
                "limit",
                a.limit_s if a else None,
                b.limit_s if b else None,
                a.limit_text if a else None,
                b.limit_text if b else None,
                "looser",
            ),
            (
                "notice",
                a.notice_s if a else None,
                b.notice_s if b else None,
                a.notice_text if a else None,
                b.notice_text if b else None,
                "stricter",
            ),
        )
        for aspect, old_s, new_s, old_t, new_t, more_is in aspects:
            if old_s == new_s:
                continue
            old_text = _maintenance_text(aspect, old_t)
            new_text = _maintenance_text(aspect, new_t)
            direction: Direction
            if old_s is None:
                direction = "added"
            elif new_s is None:
                direction = "removed"
            else:
                direction = more_is if new_s > old_s else _opposite(more_is)
            self.add("maintenance", aspect, direction, old_text, new_text, "", *spans)

    # ----------------------------------------------------------------- all

    def run(self) -> list[Change]:
        self.header()
        self.fees()
        self.calendars()
        self.tiers()
        self.datasets()
        self.pauses()
        self.targets()
        self.escalations()
        self.credits()
        self.caps()
        self.earn_backs()
        self.bonuses()
        self.exits()
        self.maintenance()
        if not self.changes and _semantic(self.old) != _semantic(self.new):
            # a model field this module does not know yet: never report "no change" wrongly
            self.add("policy", "model", "changed", None, None, "a clause the diff cannot describe")
        return self.changes


def _maintenance_text(aspect: str, text: str | None) -> str | None:
    if text is None:
        return None
    return (
        f"maintenance at most {text} per period"
        if aspect == "limit"
        else f"maintenance notice {text}"
    )


def _opposite(direction: Direction) -> Direction:
    return "stricter" if direction == "looser" else "looser"


def _semantic(policy: m.CheckedPolicy) -> m.CheckedPolicy:
    return dataclasses.replace(policy, source_path="", source_sha256="")


def _fires(sign: Sign | None, more: Direction) -> Direction:
    if sign is None or sign == 0:
        return "changed"
    less: Direction = "looser" if more == "stricter" else "stricter"
    return more if sign > 0 else less


def _pause_direction(
    a: Literal["all"] | tuple[str, ...] | None, b: Literal["all"] | tuple[str, ...] | None
) -> Sign | None:
    """Excluding more pause time is looser on the provider (-1)."""

    def rank(x: Literal["all"] | tuple[str, ...] | None) -> set[str] | None:
        return None if x == "all" else set(x or ())

    ra, rb = rank(a), rank(b)
    if ra is None and rb is None:
        return 0
    if rb is None:
        return -1
    if ra is None:
        return 1
    if ra < rb:
        return -1
    if rb < ra:
        return 1
    return None


def _span(item: Any) -> Span | None:
    span = getattr(item, "span", None)
    return span if isinstance(span, Span) and span != NO_SPAN else None


def _plain(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, Fraction):
        return number_text(value)
    return str(value)


def _pay(amount: m.Amount, currency: str) -> str:
    return f"credit {amount_text(amount, currency)}"


def _calendar_text(cal: m.Calendar) -> str:
    days = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
    opens = "; ".join(
        f"{d} {windows_text(w)}" for d, w in zip(days, cal.windows, strict=False) if w
    )
    parts = [f"calendar {cal.name} ({cal.timezone}): {opens or 'never open'}"]
    parts += [holiday_text(h) for h in cal.holidays]
    if cal.closed:
        parts.append("closed " + ", ".join(d.isoformat() for d in cal.closed))
    return "; ".join(parts)


def _tier_text(tier: m.Tier) -> str:
    label = f" {json.dumps(tier.label)}" if tier.label else ""
    return f"tier {tier.name}{label} coverage {tier.coverage}"


def _dataset_text(ds: m.DatasetDecl) -> str:
    fields = ", ".join(f"{f.name} {f.type}" for f in ds.fields)
    by = f" by {ds.anchor}" if ds.anchor else ""
    return f"dataset {ds.name}{by} {{{fields}}}"


def _pause_text(rule: m.PauseRule) -> str:
    statuses = ", ".join(json.dumps(s) for s in rule.statuses)
    return f"pause {rule.dataset} while status in [{statuses}] reason {json.dumps(rule.reason)}"


def _target_text(t: m.Target) -> str:
    scope = f" where {expr_text(t.scope)}" if t.scope is not None else ""
    text = f"of {t.dataset}{scope} measure {measure_text(t.measure)} require {objective_text(t.objective)}"
    if t.every is not None:
        text += f" every {t.every}"
    if t.no_data_counts_as is not None:
        text += f" no data counts as {t.no_data_counts_as}"
    return text


def _escalation_text(e: m.Escalation) -> str:
    return f"of {e.dataset} where {expr_text(e.scope)}: " + "; ".join(step_text(s) for s in e.steps)


def _after_hours_text(ah: m.AfterHours | None) -> str | None:
    if ah is None:
        return None
    return f"outside {ah.calendar} notify {json.dumps(ah.contact)}{' first' if ah.first else ''}"


def _credit_text(rule: m.CreditRule, currency: str, targets: Mapping[str, m.Target]) -> str:
    return "; ".join(
        f"when {condition_text(t.condition, targets)} {_pay(t.amount, currency)}"
        for t in rule.tiers
    )


def _bonus_text(rule: m.Bonus, currency: str, targets: Mapping[str, m.Target]) -> str:
    return (
        f"when {condition_text(rule.condition, targets)} pay {amount_text(rule.amount, currency)}"
    )


def _exit_text(rule: m.ExitRule, targets: Mapping[str, m.Target]) -> str:
    return f"when {condition_text(rule.condition, targets)} notice {rule.notice_text}"


def diff_policies(
    old: m.CheckedPolicy, new: m.CheckedPolicy, old_label: str = "OLD", new_label: str = "NEW"
) -> PolicyDiff:
    """The semantic changes from ``old`` to ``new``; empty when only formatting differs."""
    return PolicyDiff(old_label, new_label, tuple(_Differ(old, new).run()))
