"""Lint: warnings about policies that are legal but almost certainly wrong (SLA5xx).

The rules run on the checked model, after every name has resolved, so each one is a
small function from :class:`~rules_engine.language.model.CheckedPolicy` to diagnostics. Choices
that the DESIGN leaves open:

- SLA501 warns when a tier has *neither* a response nor a resolution target (a tier
  with only one of them is a common, deliberate contract).
- SLA502 warns when two targets on the same dataset and measure, with scopes that can
  overlap, have objectives of the same kind and percentage but different limits ("90%
  within 4h" next to "100% within 8h" is a layered objective, not a contradiction).
- SLA507 warns when a look-back (or a streak, or an earn-back) spans more periods than
  the contract's first year holds (12 months or 4 quarters): contracts have no end date
  in the language, so the first year stands in for "the contract".

The ``d``/``w``-on-a-business-clock warning (SLA509) needs the literal's unit and is
raised by the checker.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from fractions import Fraction

from rules_engine.language.diagnostics import Diagnostic, diagnostic
from rules_engine.language.model import (
    AggregateCompare,
    AllOf,
    And,
    AnyOf,
    Availability,
    AvailabilityAtLeast,
    BreachCount,
    CheckedPolicy,
    Compare,
    Condition,
    Consecutive,
    CountCompare,
    CreditTier,
    Elapsed,
    Expr,
    FieldRef,
    FixedAmount,
    InLastPeriods,
    InList,
    Literal_,
    Objective,
    Or,
    PercentileAtMost,
    PercentOfFee,
    PercentWithin,
    RateWhere,
    Target,
    ValueBelow,
)
from rules_engine.language.policy_text import duration_text, percent_text

START_STATES = frozenset({"new", "open"})
"""Statuses a ticket starts in; a pause on one of them stops the clock from the start."""


def lint(policy: CheckedPolicy) -> list[Diagnostic]:
    """Every lint warning of a checked policy (unsorted)."""
    found: list[Diagnostic] = []
    for rule in RULES:
        found.extend(rule(policy))
    return found


# --------------------------------------------------------------------------- helpers


def _pct(value: Fraction) -> str:
    """``Fraction(999, 1000)`` -> ``99.9%``: the policy's own literal, exactly."""
    return percent_text(value)


def _duration(seconds: int) -> str:
    """A limit as the policy writes it: ``27h``, ``14d``."""
    return duration_text(seconds)


def _conjuncts(expr: Expr | None) -> Iterator[Expr]:
    if expr is None:
        return
    if isinstance(expr, And):
        for operand in expr.operands:
            yield from _conjuncts(operand)
    else:
        yield expr


def _allowed_values(expr: Expr | None) -> dict[str, frozenset[object]]:
    """Per field, the values a top-level ``field = v`` / ``field in [...]`` allows."""
    allowed: dict[str, frozenset[object]] = {}
    for part in _conjuncts(expr):
        values: frozenset[object] | None = None
        field: str | None = None
        if (
            isinstance(part, Compare)
            and part.op == "="
            and isinstance(part.left, FieldRef)
            and isinstance(part.right, Literal_)
        ):
            field, values = part.left.name, frozenset({part.right.value})
        elif isinstance(part, InList) and not part.negated and isinstance(part.left, FieldRef):
            field, values = part.left.name, frozenset(v.value for v in part.values)
        if field is not None and values is not None:
            allowed[field] = allowed[field] & values if field in allowed else values
    return allowed


def scope_tiers(expr: Expr | None, tiers: frozenset[str]) -> frozenset[str]:
    """The tiers a scope can select (all of them when it does not constrain ``priority``)."""
    if expr is None:
        return tiers
    if isinstance(expr, And):
        result = tiers
        for operand in expr.operands:
            result &= scope_tiers(operand, tiers)
        return result
    if isinstance(expr, Compare) and isinstance(expr.left, FieldRef):
        if expr.left.name == "priority" and isinstance(expr.right, Literal_):
            if expr.op == "=":
                return tiers & {str(expr.right.value)}
            if expr.op == "!=":
                return tiers - {str(expr.right.value)}
        return tiers
    if isinstance(expr, InList) and isinstance(expr.left, FieldRef):
        if expr.left.name == "priority":
            values = {str(v.value) for v in expr.values}
            return tiers - values if expr.negated else tiers & values
        return tiers
    if isinstance(expr, Or):
        result = frozenset[str]()
        for operand in expr.operands:
            result |= scope_tiers(operand, tiers)
        return result
    return tiers


def _overlap(left: dict[str, frozenset[object]], right: dict[str, frozenset[object]]) -> bool:
    """False only when some field is pinned to disjoint value sets in the two scopes."""
    return all(not left[f].isdisjoint(right[f]) for f in left.keys() & right)


def _measure_key(target: Target) -> object:
    m = target.measure
    if isinstance(m, Elapsed):
        return ("elapsed", m.start, m.stop, m.clock, m.exclude_pauses)
    return m


# --------------------------------------------------------------------------- rules


def tier_without_targets(policy: CheckedPolicy) -> Iterator[Diagnostic]:
    """SLA501: a tier no response or resolution target covers."""
    tiers = frozenset(policy.tiers)
    covered: set[str] = set()
    for target in policy.targets.values():
        m = target.measure
        if (
            target.dataset == "tickets"
            and isinstance(m, Elapsed)
            and m.stop in ("first_response_at", "resolved_at")
        ):
            covered |= scope_tiers(target.scope, tiers)
    for name, tier in policy.tiers.items():
        if name not in covered:
            yield diagnostic(
                "SLA501",
                f"tier `{name}` has no response or resolution target",
                tier.span,
                f"add a target `of tickets where priority = {name}` that measures "
                "`response_time` or `resolution_time`",
            )


def conflicting_targets(policy: CheckedPolicy) -> Iterator[Diagnostic]:
    """SLA502: overlapping scopes, same measure and percentage, different limits.

    One warning per target, at the target, naming the earlier targets it conflicts with
    (at most :data:`_NAMED` of them, then a count): a policy of 2,000 overlapping targets
    warned once per pair, two million times. Targets with the same scope are compared
    once as a class, so identical scopes cost nothing per pair.
    """
    tiers = frozenset(policy.tiers)
    groups: dict[object, list[Target]] = {}
    for target in policy.targets.values():
        objective = target.objective
        if isinstance(objective, PercentWithin):
            kind: tuple[str, object] = ("within", objective.percent)
        elif isinstance(objective, PercentileAtMost):
            kind = ("percentile", objective.percentile)
        else:
            continue
        key = (target.dataset, _measure_key(target), kind)
        groups.setdefault(key, []).append(target)
    for members in groups.values():
        yield from _conflicts_in_group(members, tiers)


_NAMED = 5
"""Earlier targets named in one SLA502 warning; the rest are counted."""


def _limit(target: Target) -> int:
    """The limit, business days told apart from time (negative: no time equals them)."""
    objective = target.objective
    assert isinstance(objective, PercentWithin | PercentileAtMost)
    return -objective.limit_s if objective.business_days else objective.limit_s


def _conflicts_in_group(members: list[Target], tiers: frozenset[str]) -> Iterator[Diagnostic]:
    """SLA502 for targets of one dataset, measure and objective kind."""
    classes: dict[tuple[object, frozenset[str]], int] = {}
    scoped: list[_ScopedTarget] = []  # one representative per scope class, first seen first
    class_of: list[int] = []
    for target in members:
        allowed = _allowed_values(target.scope)
        selected = scope_tiers(target.scope, tiers)
        signature = (frozenset(allowed.items()), selected)
        if signature not in classes:
            classes[signature] = len(scoped)
            scoped.append((target, allowed, selected))
        class_of.append(classes[signature])
    neighbours = _overlapping_classes(scoped, bool(tiers))
    limits = [_limit(target) for target in members]
    position = {target.name: index for index, target in enumerate(members)}
    first_seen = [position[target.name] for target, _, _ in scoped]
    seen = [_Seen() for _ in scoped]
    for index, (target, klass) in enumerate(zip(members, class_of, strict=True)):
        limit = limits[index]
        count = sum(seen[other].other_than(limit) for other in neighbours[klass])
        if count:
            named: list[Target] = []
            for other in neighbours[klass]:  # in order of first appearance
                if len(named) >= _NAMED and first_seen[other] > position[named[-1].name]:
                    break
                named.extend(t for t in seen[other].head if limits[position[t.name]] != limit)
                named.sort(key=lambda t: position[t.name])
                del named[_NAMED:]
            yield _conflict(target, named, count)
        seen[klass].add(target, limit)


def _overlapping_classes(scoped: list[_ScopedTarget], by_tier: bool) -> list[list[int]]:
    """For each scope class, the classes (itself included) whose scopes can overlap it,
    in ascending order. Only pairs that share a pinned value of the most selective field
    are compared, so scopes pinned to different services cost nothing."""
    n = len(scoped)
    fields = {f for _, allowed, _ in scoped for f in allowed}

    def buckets_of(pinned: str) -> tuple[dict[object, list[int]], list[int]]:
        buckets: dict[object, list[int]] = {}
        free: list[int] = []
        for index, (_, allowed, _) in enumerate(scoped):
            if pinned in allowed:
                for value in allowed[pinned]:
                    buckets.setdefault(value, []).append(index)
            else:
                free.append(index)
        return buckets, free

    def cost(pinned: str) -> int:
        buckets, free = buckets_of(pinned)
        return sum(len(b) ** 2 for b in buckets.values()) + len(free) * n

    if not fields:
        candidates: list[Iterable[int]] = [range(n)] * n
    else:
        buckets, free = buckets_of(min(sorted(fields), key=cost))
        if len(free) == n:
            candidates = [range(n)] * n
        else:
            sets: list[set[int]] = [set(free) for _ in range(n)]
            for bucket in buckets.values():
                for i in bucket:
                    sets[i].update(bucket)
            candidates = [range(n) if i in free else sorted(sets[i]) for i in range(n)]
    out: list[list[int]] = [[] for _ in range(n)]
    for i in range(n):
        _, allowed_a, tiers_a = scoped[i]
        for j in candidates[i]:
            if j < i:
                continue
            _, allowed_b, tiers_b = scoped[j]
            if _overlap(allowed_a, allowed_b) and not (by_tier and tiers_a.isdisjoint(tiers_b)):
                out[i].append(j)
                if j != i:
                    out[j].append(i)
    return out


@dataclass
class _Seen:
    """The earlier targets of one scope class: how many per limit, and the few that can be
    named. ``head`` keeps the first :data:`_NAMED` targets of each of the first
    ``_NAMED + 1`` limits seen, which holds the first :data:`_NAMED` targets whose limit
    differs from any given one."""

    total: int = 0
    per_limit: dict[int, int] = field(default_factory=dict)
    head: list[Target] = field(default_factory=list)

    def other_than(self, limit: int) -> int:
        return self.total - self.per_limit.get(limit, 0)

    def add(self, target: Target, limit: int) -> None:
        count = self.per_limit.get(limit, 0)
        if count < _NAMED and (count or len(self.per_limit) <= _NAMED):
            self.head.append(target)
        self.per_limit[limit] = count + 1
        self.total += 1


def _conflict(target: Target, named: list[Target], count: int) -> Diagnostic:
    help = "narrow one scope so that they do not overlap, or use one limit"
    if count == 1:
        earlier = named[0]
        return diagnostic(
            "SLA502",
            f"targets `{earlier.name}` and `{target.name}` can select the same records "
            f"but allow {_duration(_limit(earlier))} and {_duration(_limit(target))}",
            target.span,
            help,
        )
    listed = ", ".join(f"`{t.name}` ({_duration(_limit(t))})" for t in named)
    more = f" and {count - len(named):,} more" if count > len(named) else ""
    return diagnostic(
        "SLA502",
        f"target `{target.name}` allows {_duration(_limit(target))}, but {count:,} earlier "
        f"targets that can select the same records allow other limits: {listed}{more}",
        target.span,
        help,
    )


_ScopedTarget = tuple[Target, dict[str, frozenset[object]], frozenset[str]]


def pause_on_start_state(policy: CheckedPolicy) -> Iterator[Diagnostic]:
    """SLA503: a pause on ``New``/``Open`` stops the clock from the moment a ticket opens."""
    for pause in policy.pauses:
        for status in pause.statuses:
            if status.lower() in START_STATES:
                yield diagnostic(
                    "SLA503",
                    f"pause status `{status}` is the state records start in, "
                    "so their clock never runs",
                    pause.span,
                    'pause only on waiting states such as "Awaiting User Info"',
                )


def _amount_value(tier: CreditTier) -> tuple[str, Fraction]:
    if isinstance(tier.amount, PercentOfFee):
        return "percent", tier.amount.percent
    assert isinstance(tier.amount, FixedAmount)
    return "fixed", Fraction(tier.amount.amount)


def credit_tier_order(policy: CheckedPolicy) -> Iterator[Diagnostic]:
    """SLA504 (a tier that never pays) and SLA505 (the same threshold twice)."""
    for rule in policy.credits:
        simple = [t for t in rule.tiers if isinstance(t.condition, ValueBelow)]
        for i, tier in enumerate(simple):
            cond = tier.condition
            assert isinstance(cond, ValueBelow)
            for other in simple[:i]:
                prior = other.condition
                assert isinstance(prior, ValueBelow)
                if prior.target != cond.target or (prior.op in "<=") != (cond.op in "<="):
                    continue
                if prior.threshold == cond.threshold and prior.op == cond.op:
                    yield diagnostic(
                        "SLA505",
                        f"credit tier `{tier.label}` repeats the threshold of the tier at "
                        f"line {other.span.line}",
                        tier.span,
                        "tiers do not add up (the largest credit applies): "
                        "give each tier its own threshold",
                    )
                    continue
                kind_a, pay_a = _amount_value(other)
                kind_b, pay_b = _amount_value(tier)
                if kind_a != kind_b:
                    continue
                # For "<" tiers the lower threshold is the stricter one; it must pay more.
                below = cond.op in "<="
                if (prior.threshold < cond.threshold) == below:
                    strict, loose, strict_pay, loose_pay = other, tier, pay_a, pay_b
                else:
                    strict, loose, strict_pay, loose_pay = tier, other, pay_b, pay_a
                if strict_pay <= loose_pay:
                    yield diagnostic(
                        "SLA504",
                        f"credit tier `{strict.label}` never pays: whenever it matches, "
                        f"`{loose.label}` matches too and pays as much or more",
                        strict.span,
                        "the stricter threshold should pay the larger credit",
                    )


def cap_below_tier(policy: CheckedPolicy) -> Iterator[Diagnostic]:
    """SLA506: a per-period cap smaller than one credit tier on its own."""
    for cap in policy.caps:
        if cap.per != "period":
            continue
        for rule in policy.credits:
            for tier in rule.tiers:
                if isinstance(cap.amount, PercentOfFee) and isinstance(tier.amount, PercentOfFee):
                    if tier.amount.percent > cap.amount.percent:
                        yield diagnostic(
                            "SLA506",
                            f"the cap of {_pct(cap.amount.percent)} of fee is below credit "
                            f"tier `{tier.label}` ({_pct(tier.amount.percent)} of fee)",
                            cap.span,
                            "raise the cap or lower the tier",
                        )
                elif (
                    isinstance(cap.amount, FixedAmount)
                    and isinstance(tier.amount, FixedAmount)
                    and tier.amount.amount > cap.amount.amount
                ):
                    yield diagnostic(
                        "SLA506",
                        f"the cap of {cap.amount.amount} {policy.currency.code} is below "
                        f"credit tier `{tier.label}` ({tier.amount.amount} "
                        f"{policy.currency.code})",
                        cap.span,
                        "raise the cap or lower the tier",
                    )


def _conditions(cond: Condition) -> Iterator[Condition]:
    yield cond
    if isinstance(cond, AllOf | AnyOf):
        for operand in cond.operands:
            yield from _conditions(operand)


def _all_conditions(policy: CheckedPolicy) -> Iterator[Condition]:
    for rule in policy.credits:
        for tier in rule.tiers:
            yield from _conditions(tier.condition)
    for bonus in policy.bonuses:
        yield from _conditions(bonus.condition)
    for exit_rule in policy.exits:
        yield from _conditions(exit_rule.condition)


def long_lookback(policy: CheckedPolicy) -> Iterator[Diagnostic]:
    """SLA507: more periods than the contract's first year holds."""
    per_year = 12 if policy.period == "month" else 4
    unit = policy.period
    for cond in _all_conditions(policy):
        length = None
        if isinstance(cond, InLastPeriods):
            length = cond.window
        elif isinstance(cond, Consecutive):
            length = cond.count
        elif isinstance(cond, BreachCount):
            length = cond.window
        if length is not None and length > per_year:
            yield diagnostic(
                "SLA507",
                f"look-back of {length} periods is longer than the contract's first year "
                f"({per_year} {unit}s)",
                cond.span,
                "near the start of the contract the window is simply shorter; "
                "check that this is meant",
            )
    for earn in policy.earn_backs:
        if earn.periods > per_year:
            yield diagnostic(
                "SLA507",
                f"earn-back after {earn.periods} periods is longer than the contract's first "
                f"year ({per_year} {unit}s)",
                earn.span,
                None,
            )


def closed_calendar(policy: CheckedPolicy) -> Iterator[Diagnostic]:
    """SLA508: a calendar that is never open makes every business-time target pend."""
    for cal in policy.calendars.values():
        if not any(w.end > w.start for day in cal.windows for w in day):
            yield diagnostic(
                "SLA508",
                f"calendar `{cal.name}` has no open hours",
                cal.span,
                "add `open mon-fri 09:00-17:00` or similar",
            )


def _met_region(objective: Objective) -> tuple[str, Fraction] | None:
    """The objective as ``value OP bound`` on the value credit tiers compare against."""
    if isinstance(objective, PercentWithin | AvailabilityAtLeast | RateWhere):
        return ">=", objective.percent
    if isinstance(objective, AggregateCompare):
        return objective.op, objective.value
    if isinstance(objective, PercentileAtMost):
        return "<=", Fraction(objective.limit_s)
    if isinstance(objective, CountCompare):
        return (">=" if objective.op == "=" else objective.op), Fraction(objective.value)
    return None


def _interval(op: str, bound: Fraction) -> tuple[Fraction | None, bool, Fraction | None, bool]:
    """``value OP bound`` as (low, low inclusive, high, high inclusive); None is unbounded."""
    if op == "<":
        return None, False, bound, False
    if op == "<=":
        return None, False, bound, True
    if op == ">":
        return bound, False, None, False
    return bound, True, None, False


def _intersects(a: tuple[str, Fraction], b: tuple[str, Fraction]) -> bool:
    lo1, li1, hi1, hi_i1 = _interval(*a)
    lo2, li2, hi2, hi_i2 = _interval(*b)
    lows = [(x, inc) for x, inc in ((lo1, li1), (lo2, li2)) if x is not None]
    highs = [(x, inc) for x, inc in ((hi1, hi_i1), (hi2, hi_i2)) if x is not None]
    if not lows or not highs:
        return True
    low = max(x for x, _ in lows)
    high = min(x for x, _ in highs)
    if low < high:
        return True
    if low > high:
        return False
    low_inc = all(inc for x, inc in lows if x == low)
    high_inc = all(inc for x, inc in highs if x == high)
    return low_inc and high_inc


def tier_pays_while_met(policy: CheckedPolicy) -> Iterator[Diagnostic]:
    """SLA510: a value can both meet the objective and match the credit tier."""
    for rule in policy.credits:
        for tier in rule.tiers:
            for cond in _conditions(tier.condition):
                if not isinstance(cond, ValueBelow):
                    continue
                target = policy.targets.get(cond.target)
                if target is None:
                    continue
                met = _met_region(target.objective)
                if met is not None and _intersects(met, (cond.op, cond.threshold)):
                    yield diagnostic(
                        "SLA510",
                        f"credit tier `{tier.label}` pays while `{cond.target}` is met",
                        cond.span,
                        "a credit threshold should lie outside the objective "
                        f"(`{target.name}` is met at {_describe(met)})",
                    )


def _describe(region: tuple[str, Fraction]) -> str:
    op, bound = region
    if bound <= 1:
        return f"{op} {_pct(bound)}"
    return f"{op} {bound}"


def earn_back_without_credit(policy: CheckedPolicy) -> Iterator[Diagnostic]:
    """SLA511: an earn-back for a target that earns no credit."""
    credited: set[str] = set()
    for rule in policy.credits:
        for tier in rule.tiers:
            for cond in _conditions(tier.condition):
                name = getattr(cond, "target", None)
                if isinstance(name, str):
                    credited.add(name)
    for earn in policy.earn_backs:
        if earn.target not in credited:
            yield diagnostic(
                "SLA511",
                f"earn-back for `{earn.target}`, but no credit rule names it",
                earn.span,
                "earn-back returns credits; add a credit rule on the target or drop this line",
            )


def maintenance_without_availability(policy: CheckedPolicy) -> Iterator[Diagnostic]:
    """SLA512: a maintenance limit or notice, but no availability target it could apply to."""
    rule = policy.maintenance
    if rule is None:
        return
    if not any(isinstance(t.measure, Availability) for t in policy.targets.values()):
        yield diagnostic(
            "SLA512",
            "`maintenance` applies to availability targets, and the policy has none",
            rule.span,
            "add a target with `measure availability`, or remove the `maintenance` line",
        )


RULES: tuple[Callable[[CheckedPolicy], Iterator[Diagnostic]], ...] = (
    tier_without_targets,
    conflicting_targets,
    pause_on_start_state,
    credit_tier_order,
    cap_below_tier,
    long_lookback,
    closed_calendar,
    tier_pays_while_met,
    earn_back_without_credit,
    maintenance_without_availability,
)
"""Every lint rule, in the order they run; each is independent of the others."""
