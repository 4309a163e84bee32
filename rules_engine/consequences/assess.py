"""Consequences: verdicts over periods turned into credits, caps, bonuses, earn-back and
exit rights (DESIGN "Money", "Credits, bonuses, exits", "Ownership"; conformance C16,
C21-C29).

:func:`assess` takes the verdict history from the period containing the policy's
``effective`` date, in order, and returns one :class:`PeriodConsequences` per period.
Only periods that are over get consequences; a running period carries a *projection*
(what would apply if it ended with the values so far), which never enters totals.

Rules, precisely:

- **Conditions.** A value tier (``x < 99.5%``) is strict and compares the exact value;
  no value (``no_data``) never matches. ``breached in N of last M periods`` counts the
  current period and the M-1 before it that exist since ``effective``.
  ``N consecutive periods`` needs N periods since ``effective``, each with the verdict;
  ``no_data`` breaks a chain. ``at least N breaches in last M periods`` counts
  (provider-owned target, period) pairs breached. "All targets met" means every
  provider-owned target ``met``. Windows are re-evaluated every period (no reset after
  paying), so a streak keeps paying.
- **Credits.** Of the tiers of one rule that match, the one with the largest amount
  applies (the first written on a tie); tiers never add up. Customer-owned targets never
  earn credits and never count toward exits: a condition on one is false there.
- **Rounding and caps.** Each line is rounded half-even once. The per-period cap is
  ``cap% x fee`` rounded the same way and applies only when the sum of rounded credits
  exceeds it (equal is not exceeds): ``cap 30% x 12,000.00 USD = 3,600.00 USD applied``
  (or ``not reached``). With an annual cap (``per year``) the limit is
  ``X% x (the fees of the periods in the 12 months ending with this one)``, rounded,
  minus the credits granted (after caps) in the earlier of those periods, never below
  zero; it applies after the per-period cap, when the credits still exceed it.
- **Bonuses** pay in every period whose condition holds (rolling), are neither capped
  nor netted against credits.
- **Earn-back** (``earn back T credits after N met periods``). A credit line *belongs*
  to target T when its matching tier's condition names T. The credit stays in the
  period it was earned (period k). If T is ``met`` in each of the N over periods
  k+1..k+N, a negative line of the credit's *granted share* goes into period k+N: the
  line's amount, or, when a cap cut period k's credits, the line's amount x
  (credits_total / credits_before_cap) rounded half-even. If T is not ``met`` in any of
  them (``no_data`` included) the credit is not earned back, ever. Earned-back lines are
  reported apart from the period's own credits (``earned_back``) and reduce the period's
  net credit (``credits_net``) and the totals; they do not change what the caps saw.
- **Exit rights** are reported for every over period whose condition holds, with the
  reasons that held and the notice as written; ``exit_right`` is the first such period.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from fractions import Fraction
from typing import Any, Literal

from rules_engine.consequences.money import (
    format_money,
    format_percent,
    percent_arithmetic,
    percent_of,
    round_money,
    to_minor_str,
)
from rules_engine.evaluation.fees import policy_fee
from rules_engine.evaluation.outcomes import PeriodOutcome
from rules_engine.evaluation.periods import Period
from rules_engine.language.model import (
    AllOf,
    Amount,
    AnyOf,
    BreachCount,
    Cap,
    CheckedPolicy,
    Condition,
    Consecutive,
    CreditRule,
    Currency,
    InLastPeriods,
    Owner,
    PercentOfFee,
    ValueBelow,
    Verdict,
    VerdictIs,
)
from rules_engine.language.policy_text import threshold_text

NOT_OVER_NOTE = "period not over at as-of: no consequences (C23)"
PROJECTION_NOTE = (
    "projection: what would apply if the period ended with the values so far; "
    "not granted, not in totals"
)


# --------------------------------------------------------------------------- lines


@dataclass(frozen=True)
class CreditLine:
    """One credit: the rule, the tier that matched (with what was observed), the amount."""

    rule: str
    tier: str
    percent: Fraction | None  # None for a fixed amount
    amount: Decimal
    arithmetic: str
    targets: tuple[str, ...] = ()  # the targets the tier's condition names (earn-back)

    def to_json(self, cur: Currency) -> dict[str, Any]:
        return {
            "rule": self.rule,
            "tier": self.tier,
            "percent": None if self.percent is None else format_percent(self.percent),
            "amount": to_minor_str(self.amount, cur),
            "arithmetic": self.arithmetic,
        }


@dataclass(frozen=True)
class BonusLine:
    rule: str
    percent: Fraction | None
    amount: Decimal
    arithmetic: str
    reasons: tuple[str, ...] = ()

    def to_json(self, cur: Currency) -> dict[str, Any]:
        return {
            "rule": self.rule,
            "percent": None if self.percent is None else format_percent(self.percent),
            "amount": to_minor_str(self.amount, cur),
            "arithmetic": self.arithmetic,
        }


@dataclass(frozen=True)
class EarnBackLine:
    """A credit of ``earned_in`` given back (``amount`` is negative) in this period."""

    rule: str
    target: str
    earned_in: str
    amount: Decimal
    arithmetic: str

    def to_json(self, cur: Currency) -> dict[str, Any]:
        return {
            "rule": self.rule,
            "target": self.target,
            "earned_in": self.earned_in,
            "amount": to_minor_str(self.amount, cur),
            "arithmetic": self.arithmetic,
        }


@dataclass(frozen=True)
class ExitLine:
    rule: str
    reasons: tuple[str, ...]
    notice: str
    notice_s: int

    def to_json(self) -> dict[str, Any]:
        return {"rule": self.rule, "reasons": list(self.reasons), "notice": self.notice}


@dataclass(frozen=True)
class AnnualCap:
    """The per-year cap as it stood in one period."""

    limit: Decimal  # X% of the fees of the 12 months ending with this period, rounded
    granted_before: Decimal  # credits granted in the earlier periods of those 12 months
    remaining: Decimal  # max(0, limit - granted_before)
    applied: bool
    arithmetic: str

    def to_json(self, cur: Currency) -> dict[str, Any]:
        return {
            "limit": to_minor_str(self.limit, cur),
            "granted_before": to_minor_str(self.granted_before, cur),
            "remaining": to_minor_str(self.remaining, cur),
            "applied": self.applied,
            "arithmetic": self.arithmetic,
        }


MoneyKind = Literal["credit", "cap", "annual_cap", "contract_year_cap", "earn_back", "bonus"]


@dataclass(frozen=True)
class MoneyLine:
    """One line of a period's account, signed: credits are positive, a cap's reduction
    and a credit earned back negative (all owed to the customer); bonuses positive
    (owed to the provider)."""

    kind: MoneyKind
    rule: str
    amount: Decimal
    arithmetic: str

    def to_json(self, cur: Currency) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "rule": self.rule,
            "amount": to_minor_str(self.amount, cur),
            "arithmetic": self.arithmetic,
        }


@dataclass(frozen=True)
class Settlement:
    """The money of one period: what is granted when the period is over, or projected."""

    credits: tuple[CreditLine, ...]
    credits_before_cap: Decimal
    cap: Decimal | None
    cap_arithmetic: str | None
    cap_applied: bool
    annual_cap: AnnualCap | None
    credits_total: Decimal
    bonuses: tuple[BonusLine, ...]
    bonus_total: Decimal
    earned_back: tuple[EarnBackLine, ...]
    exits: tuple[ExitLine, ...]
    contract_year_cap: AnnualCap | None = None
    once_held: tuple[str, ...] = ()
    """Rules with ``once`` whose condition still holds but already paid in this run."""

    def __post_init__(self) -> None:
        owed = sum((line.amount for line in self.credit_lines), Decimal(0))
        if owed != self.credits_net:  # pragma: no cover - a defect, never an input
            raise AssertionError(f"credit lines sum to {owed}, not {self.credits_net}")

    @property
    def credit_lines(self) -> tuple[MoneyLine, ...]:
        """What the provider owes the customer, line by line: each credit, then each cap's
        reduction (per period, then per year), then each credit earned back. They sum
        to :attr:`credits_net` by construction (checked when the settlement is made)."""
        lines = [MoneyLine("credit", c.rule, c.amount, c.arithmetic) for c in self.credits]
        after_cap = self.credits_before_cap
        if self.cap_applied and self.cap is not None:
            lines.append(
                MoneyLine("cap", "cap per period", self.cap - after_cap, self.cap_arithmetic or "")
            )
            after_cap = self.cap
        if self.annual_cap is not None and self.annual_cap.applied:
            cut = self.annual_cap.remaining - after_cap
            lines.append(MoneyLine("annual_cap", "cap per year", cut, self.annual_cap.arithmetic))
            after_cap = self.annual_cap.remaining
        contract = self.contract_year_cap
        if contract is not None and contract.applied:
            cut = contract.remaining - after_cap
            lines.append(
                MoneyLine("contract_year_cap", "cap per contract year", cut, contract.arithmetic)
            )
        lines.extend(
            MoneyLine("earn_back", e.rule, e.amount, e.arithmetic) for e in self.earned_back
        )
        return tuple(lines)

    @property
    def bonus_lines(self) -> tuple[MoneyLine, ...]:
        """What the customer owes the provider: each bonus (never capped or netted)."""
        return tuple(MoneyLine("bonus", b.rule, b.amount, b.arithmetic) for b in self.bonuses)

    @property
    def earned_back_total(self) -> Decimal:
        return sum((line.amount for line in self.earned_back), Decimal(0))

    @property
    def credits_net(self) -> Decimal:
        return self.credits_total + self.earned_back_total

    def to_json(self, cur: Currency) -> dict[str, Any]:
        out: dict[str, Any] = {
            "credits": [c.to_json(cur) for c in self.credits],
            "credits_before_cap": to_minor_str(self.credits_before_cap, cur),
            "cap": None if self.cap is None else to_minor_str(self.cap, cur),
            "cap_arithmetic": self.cap_arithmetic,
            "cap_applied": self.cap_applied,
            "credits_total": to_minor_str(self.credits_total, cur),
            "bonuses": [b.to_json(cur) for b in self.bonuses],
            "bonus_total": to_minor_str(self.bonus_total, cur),
            "exit": [e.to_json() for e in self.exits],
            "lines": [line.to_json(cur) for line in (*self.credit_lines, *self.bonus_lines)],
            "credits_owed": to_minor_str(self.credits_net, cur),
        }
        if self.annual_cap is not None:
            out["annual_cap"] = self.annual_cap.to_json(cur)
        if self.contract_year_cap is not None:
            out["contract_year_cap"] = self.contract_year_cap.to_json(cur)
        if self.once_held:
            out["once_held"] = list(self.once_held)
        if self.earned_back:
            out["earned_back"] = [e.to_json(cur) for e in self.earned_back]
            out["earned_back_total"] = to_minor_str(self.earned_back_total, cur)
            out["credits_net"] = to_minor_str(self.credits_net, cur)
        return out


@dataclass(frozen=True)
class PeriodConsequences:
    """The consequences of one period. For a period not over, every money field is None
    or empty and ``projection`` holds what would apply if it ended now."""

    period: Period
    over: bool
    fee: Decimal
    currency: Currency
    settlement: Settlement | None
    projection: Settlement | None = None

    # The flat view the brief's API names (None / empty for a period not over).
    @property
    def credits(self) -> tuple[CreditLine, ...]:
        return self.settlement.credits if self.settlement else ()

    @property
    def credits_before_cap(self) -> Decimal | None:
        return self.settlement.credits_before_cap if self.settlement else None

    @property
    def cap(self) -> Decimal | None:
        return self.settlement.cap if self.settlement else None

    @property
    def cap_applied(self) -> bool:
        return self.settlement.cap_applied if self.settlement else False

    @property
    def credits_total(self) -> Decimal | None:
        return self.settlement.credits_total if self.settlement else None

    @property
    def bonuses(self) -> tuple[BonusLine, ...]:
        return self.settlement.bonuses if self.settlement else ()

    @property
    def bonus_total(self) -> Decimal | None:
        return self.settlement.bonus_total if self.settlement else None

    @property
    def earned_back(self) -> tuple[EarnBackLine, ...]:
        return self.settlement.earned_back if self.settlement else ()

    @property
    def exits(self) -> tuple[ExitLine, ...]:
        return self.settlement.exits if self.settlement else ()

    @property
    def credits_net(self) -> Decimal | None:
        return self.settlement.credits_net if self.settlement else None

    def to_json(self) -> dict[str, Any]:
        """The money keys of a period in the conformance ``expected.json``, plus extras
        (``annual_cap``, ``earned_back``, ``credits_net``, ``projection``)."""
        cur = self.currency
        out: dict[str, Any] = {"fee": to_minor_str(self.fee, cur)}
        if self.settlement is not None:
            out.update(self.settlement.to_json(cur))
            return out
        out.update(
            {
                "credits": [],
                "credits_before_cap": None,
                "cap": None,
                "cap_arithmetic": None,
                "cap_applied": False,
                "credits_total": None,
                "bonuses": [],
                "bonus_total": None,
                "exit": [],
                "note": NOT_OVER_NOTE,
            }
        )
        if self.projection is not None:
            out["projection"] = {"note": PROJECTION_NOTE, **self.projection.to_json(cur)}
        return out


# --------------------------------------------------------------------------- conditions


@dataclass(frozen=True)
class _Context:
    """What a condition is evaluated against: the history up to and including ``index``."""

    policy: CheckedPolicy
    history: Sequence[PeriodOutcome]
    index: int
    allow_customer: bool  # False for credits and exits (customer targets never count)

    def window(self, size: int) -> Sequence[PeriodOutcome]:
        return self.history[max(0, self.index - size + 1) : self.index + 1]

    def own_window(self, target: str, size: int) -> Sequence[PeriodOutcome]:
        """The last ``size`` of the target's own periods up to now (DESIGN "Target
        periods": a look-back on a quarterly target counts quarters); empty when the
        current period does not end one (look-backs fire only where the target is due)."""
        if _verdict(self.history[self.index], target) is Verdict.NOT_DUE:
            return []
        own = [
            o for o in self.history[: self.index + 1] if _verdict(o, target) is not Verdict.NOT_DUE
        ]
        return own[-size:]

    def counts(self, target: str) -> bool:
        if self.allow_customer:
            return True
        outcome = self.history[self.index].targets.get(target)
        return outcome is None or outcome.owner is Owner.PROVIDER


def condition_holds(
    policy: CheckedPolicy,
    cond: Condition,
    history: Sequence[PeriodOutcome],
    index: int,
    allow_customer: bool,
) -> bool:
    """Whether ``cond`` holds in period ``index`` of ``history``: the one definition of
    "holds" that credits, bonuses, exits and policy-test coverage share."""
    return _holds(cond, _Context(policy, history, index, allow_customer))[0]


def _verdict(outcome: PeriodOutcome, target: str) -> Verdict | None:
    found = outcome.targets.get(target)
    return None if found is None else found.counted


def _provider_targets(outcome: PeriodOutcome) -> list[str]:
    return [name for name, t in outcome.targets.items() if t.owner is Owner.PROVIDER]


_OPS = {
    "<": lambda a, b: a < b,
    "<=": lambda a, b: a <= b,
    ">": lambda a, b: a > b,
    ">=": lambda a, b: a >= b,
}


def _holds(cond: Condition, ctx: _Context) -> tuple[bool, list[str]]:
    """Whether ``cond`` holds in the context's period, and the reasons (what held)."""
    current = ctx.history[ctx.index]
    if isinstance(cond, ValueBelow):
        found = current.targets.get(cond.target)
        if found is None or found.value is None or not ctx.counts(cond.target):
            return False, []
        ok = bool(_OPS[cond.op](found.value, cond.threshold))
        return ok, [_value_label(cond, ctx.policy)] if ok else []
    if isinstance(cond, VerdictIs):
        ok = ctx.counts(cond.target) and _verdict(current, cond.target) == cond.verdict
        return ok, [f"{cond.target} {cond.verdict}"] if ok else []
    if isinstance(cond, InLastPeriods):
        if not ctx.counts(cond.target):
            return False, []
        own = ctx.own_window(cond.target, cond.window)
        seen = sum(1 for o in own if _verdict(o, cond.target) == cond.verdict)
        ok = seen >= cond.count
        reason = f"{cond.target} {cond.verdict} in {seen} of last {cond.window} periods"
        return ok, [reason] if ok else []
    if isinstance(cond, Consecutive):
        if ctx.index + 1 < cond.count:
            return False, []
        chain = ctx.window(cond.count)
        if cond.target is None:
            ok = all(_all_targets(o, cond.verdict) for o in chain)
            reason = f"all targets {cond.verdict} in {cond.count} consecutive periods"
        else:
            chain = ctx.own_window(cond.target, cond.count)
            ok = (
                ctx.counts(cond.target)
                and len(chain) == cond.count
                and all(_verdict(o, cond.target) == cond.verdict for o in chain)
            )
            reason = f"{cond.target} {cond.verdict} in {cond.count} consecutive periods"
        return ok, [reason] if ok else []
    if isinstance(cond, BreachCount):
        seen = sum(
            1
            for o in ctx.window(cond.window)
            for name in _provider_targets(o)
            if o.targets[name].counted is Verdict.BREACHED
        )
        ok = seen >= cond.at_least
        return ok, [f"{seen} breached target-periods in last {cond.window} periods"] if ok else []
    if isinstance(cond, AllOf):
        reasons: list[str] = []
        for operand in cond.operands:
            ok, why = _holds(operand, ctx)
            if not ok:
                return False, []
            reasons.extend(why)
        return True, reasons
    if isinstance(cond, AnyOf):
        reasons = []
        for operand in cond.operands:
            ok, why = _holds(operand, ctx)
            if ok:
                reasons.extend(why)
        return bool(reasons), reasons
    raise TypeError(f"unknown condition {cond!r}")  # pragma: no cover


def _all_targets(outcome: PeriodOutcome, verdict: str) -> bool:
    """Every provider target due in the period has ``verdict`` (``not_due`` ones are not
    looked at; an empty period counts as its target says)."""
    names = [
        n for n in _provider_targets(outcome) if outcome.targets[n].verdict is not Verdict.NOT_DUE
    ]
    return bool(names) and all(outcome.targets[n].counted == verdict for n in names)


def _value_label(cond: ValueBelow, policy: CheckedPolicy) -> str:
    """The condition in the unit of its target's value: ``email_availability < 99.9%``,
    ``satisfaction < 4.5``, ``p3_resolution > 27h``."""
    target = policy.targets.get(cond.target)
    threshold = threshold_text(target.objective if target else None, cond.threshold)
    return f"{cond.target} {cond.op} {threshold}"


def _targets_named(cond: Condition) -> tuple[str, ...]:
    if isinstance(cond, AllOf | AnyOf):
        names: list[str] = []
        for operand in cond.operands:
            names.extend(n for n in _targets_named(operand) if n not in names)
        return tuple(names)
    if isinstance(cond, BreachCount):
        return ()
    return () if cond.target is None else (cond.target,)


# --------------------------------------------------------------------------- amounts


def _amount(amount: Amount, fee: Decimal, cur: Currency) -> tuple[Fraction | None, Decimal, str]:
    """(percent or None, the rounded amount, its arithmetic)."""
    if isinstance(amount, PercentOfFee):
        value = percent_of(amount.percent, fee, cur)
        return amount.percent, value, percent_arithmetic(amount.percent, fee, value, cur)
    value = round_money(amount.amount, cur)
    return None, value, f"fixed {format_money(value, cur)}"


@dataclass
class _Ledger:
    """What earlier periods granted, for the annual cap and earn-back."""

    fees: list[Decimal] = field(default_factory=list)
    granted: list[Decimal | None] = field(default_factory=list)  # None: not over
    settlements: list[Settlement | None] = field(default_factory=list)


def assess(policy: CheckedPolicy, history: Sequence[PeriodOutcome]) -> list[PeriodConsequences]:
    """The consequences of every period of ``history`` (which must start with the period
    containing ``policy.effective``); one result per entry, in order.

    Raises :class:`rules_engine.consequences.money.MoneyError` when a period has no fee in force.
    """
    if history:
        first = history[0].period
        if not first.first_day <= policy.effective < first.end.date():
            raise ValueError(
                f"the history starts with {first.label}, not with the period containing "
                f"the policy's effective date {policy.effective.isoformat()}"
            )
    cur = policy.currency
    ledger = _Ledger()
    results: list[PeriodConsequences] = []
    for index, outcome in enumerate(history):
        fee = policy_fee(policy, outcome.period)
        ledger.fees.append(fee)
        settlement = _settle(policy, history, index, fee, ledger)
        if outcome.over:
            ledger.granted.append(settlement.credits_total)
            ledger.settlements.append(settlement)
            results.append(PeriodConsequences(outcome.period, True, fee, cur, settlement))
        else:
            ledger.granted.append(None)
            ledger.settlements.append(None)
            results.append(
                PeriodConsequences(outcome.period, False, fee, cur, None, projection=settlement)
            )
    return results


def _settle(
    policy: CheckedPolicy,
    history: Sequence[PeriodOutcome],
    index: int,
    fee: Decimal,
    ledger: _Ledger,
) -> Settlement:
    cur = policy.currency
    strict = _Context(policy, history, index, allow_customer=False)
    loose = _Context(policy, history, index, allow_customer=True)

    credits: list[CreditLine] = []
    once_held: list[str] = []
    for rule in policy.credits:
        best: CreditLine | None = None
        for tier in rule.tiers:
            ok, reasons = _holds(tier.condition, strict)
            if not ok:
                continue
            percent, value, arithmetic = _amount(tier.amount, fee, cur)
            label = tier.label if isinstance(tier.condition, ValueBelow) else "; ".join(reasons)
            line = CreditLine(
                rule.name, label or tier.label, percent, value, arithmetic,
                _targets_named(tier.condition),
            )  # fmt: skip
            if best is None or line.amount > best.amount:
                best = line
        if best is not None and rule.once:
            since = _run_start(index, _credit_holds(rule, strict))
            if since < index:
                once_held.append(_once_note(rule.name, history, since))
                continue
            best = dataclasses.replace(best, tier=f"{best.tier}; once: the run starts here")
        if best is not None:
            credits.append(best)
    before_cap = sum((c.amount for c in credits), Decimal(0))

    cap, cap_arithmetic = _period_cap(policy.caps, fee, cur)
    total = before_cap
    cap_applied = cap is not None and before_cap > cap
    if cap is not None and cap_applied:
        total = cap
    if cap_arithmetic is not None:
        cap_arithmetic = f"cap {cap_arithmetic} {'applied' if cap_applied else 'not reached'}"

    annual = _annual_cap(policy, history, index, ledger, total)
    if annual is not None and annual.applied:
        total = annual.remaining
    contract = _contract_year_cap(policy, history, index, ledger, total)
    if contract is not None and contract.applied:
        total = contract.remaining

    bonuses: list[BonusLine] = []
    for bonus in policy.bonuses:
        ok, reasons = _holds(bonus.condition, loose)
        if ok and bonus.once:
            since = _run_start(index, _condition_holds_at(bonus.condition, loose))
            if since < index:
                once_held.append(_once_note(bonus.name, history, since))
                continue
            reasons = [*reasons, "once: the run starts here"]
        if ok:
            percent, value, arithmetic = _amount(bonus.amount, fee, cur)
            bonuses.append(BonusLine(bonus.name, percent, value, arithmetic, tuple(reasons)))

    exits: list[ExitLine] = []
    for exit_rule in policy.exits:
        ok, reasons = _holds(exit_rule.condition, strict)
        if ok:
            exits.append(
                ExitLine(exit_rule.name, tuple(reasons), exit_rule.notice_text, exit_rule.notice_s)
            )

    return Settlement(
        credits=tuple(credits),
        credits_before_cap=before_cap,
        cap=cap,
        cap_arithmetic=cap_arithmetic,
        cap_applied=cap_applied,
        annual_cap=annual,
        credits_total=total,
        bonuses=tuple(bonuses),
        bonus_total=sum((b.amount for b in bonuses), Decimal(0)),
        earned_back=tuple(_earn_back(policy, history, index, ledger)),
        exits=tuple(exits),
        contract_year_cap=contract,
        once_held=tuple(once_held),
    )


def _period_cap(
    caps: Sequence[Cap], fee: Decimal, cur: Currency
) -> tuple[Decimal | None, str | None]:
    """The tightest per-period cap and its arithmetic (``30% x 12,000.00 USD = 3,600.00
    USD``); (None, None) without one."""
    best: tuple[Decimal, str] | None = None
    for cap in caps:
        if cap.per != "period":
            continue
        _, value, arithmetic = _amount(cap.amount, fee, cur)
        if best is None or value < best[0]:
            best = (value, arithmetic)
    return (None, None) if best is None else best


def _annual_cap(
    policy: CheckedPolicy,
    history: Sequence[PeriodOutcome],
    index: int,
    ledger: _Ledger,
    credits: Decimal,
) -> AnnualCap | None:
    yearly = [c for c in policy.caps if c.per == "year"]
    if not yearly:
        return None
    cur = policy.currency
    span = 12 if history[index].period.kind == "month" else 4
    first = max(0, index - span + 1)
    fees = sum(ledger.fees[first : index + 1], Decimal(0))
    granted = sum((g for g in ledger.granted[first:index] if g is not None), Decimal(0))
    candidates: list[AnnualCap] = []
    for cap in yearly:
        if isinstance(cap.amount, PercentOfFee):
            limit = percent_of(cap.amount.percent, fees, cur)
            count = index + 1 - first
            basis = (
                f"{format_percent(cap.amount.percent)}% x {format_money(fees, cur)} "
                f"(fees of {count} period{'s' if count != 1 else ''}) = {format_money(limit, cur)}"
            )
        else:
            limit = round_money(cap.amount.amount, cur)
            basis = f"fixed {format_money(limit, cur)} per year"
        candidates.append(_year_cap(limit, basis, granted, credits, cur))
    return min(candidates, key=lambda c: c.remaining, default=None)  # the tightest, first


def _year_cap(
    limit: Decimal, basis: str, granted: Decimal, credits: Decimal, cur: Currency
) -> AnnualCap:
    """A yearly cap (rolling or contract year) as it stands: what is left of ``limit``
    after the credits ``granted`` earlier in the year, and whether this period's
    ``credits`` reach it, with the arithmetic."""
    remaining = round_money(max(Decimal(0), limit - granted), cur)
    applied = credits > remaining
    arithmetic = (
        f"{basis} - {format_money(granted, cur)} granted = {format_money(remaining, cur)}"
        + (" applied" if applied else "")
    )
    return AnnualCap(limit, granted, remaining, applied, arithmetic)


def _credit_holds(rule: CreditRule, ctx: _Context) -> Callable[[int], bool]:
    """Whether a credit rule's condition (some tier matches) holds in a period."""

    def holds(index: int) -> bool:
        at = dataclasses.replace(ctx, index=index)
        return any(_holds(tier.condition, at)[0] for tier in rule.tiers)

    return holds


def _condition_holds_at(cond: Condition, ctx: _Context) -> Callable[[int], bool]:
    def holds(index: int) -> bool:
        return _holds(cond, dataclasses.replace(ctx, index=index))[0]

    return holds


def _run_start(index: int, holds: Callable[[int], bool]) -> int:
    """The first period of the run of periods up to ``index`` in which the condition
    holds (``index`` itself when it failed in the period before)."""
    start = index
    while start > 0 and holds(start - 1):
        start -= 1
    return start


def _once_note(rule: str, history: Sequence[PeriodOutcome], since: int) -> str:
    return (
        f"{rule}: holds since {history[since].period.label}, paid once then (`once`); "
        "pays again after a period in which it fails"
    )


def _contract_year_cap(
    policy: CheckedPolicy,
    history: Sequence[PeriodOutcome],
    index: int,
    ledger: _Ledger,
    credits: Decimal,
) -> AnnualCap | None:
    """``cap credits at X% of fee per contract year``: X% of the fees of every period of
    the current contract year (from ``effective`` and each anniversary, which the checker
    keeps on a period's first day, so a contract year is 12 months or 4 quarters of the
    history), rounded, minus the credits granted in its earlier periods; never below zero."""
    caps = [c for c in policy.caps if c.per == "contract year"]
    if not caps:
        return None
    cur = policy.currency
    period = history[index].period
    size = 12 if period.kind == "month" else 4
    first = index - index % size
    year = index // size + 1
    # the fees of the whole contract year: those billed so far, then the later periods'
    # from the schedule in force now
    fees = Decimal(0)
    walk = history[first].period
    for i in range(first, first + size):
        fees += ledger.fees[i] if i <= index else policy_fee(policy, walk)
        walk = walk.next()
    granted = sum((g for g in ledger.granted[first:index] if g is not None), Decimal(0))
    candidates: list[AnnualCap] = []
    for cap in caps:
        if isinstance(cap.amount, PercentOfFee):
            limit = percent_of(cap.amount.percent, fees, cur)
            basis = (
                f"{format_percent(cap.amount.percent)}% x {format_money(fees, cur)} "
                f"(fees of contract year {year}, {history[first].period.label} to "
                f"{_last_label(history[first].period, size)}) = {format_money(limit, cur)}"
            )
        else:
            limit = round_money(cap.amount.amount, cur)
            basis = f"fixed {format_money(limit, cur)} per contract year"
        candidates.append(_year_cap(limit, basis, granted, credits, cur))
    return min(candidates, key=lambda c: c.remaining, default=None)  # the tightest, first


def _last_label(first: Period, size: int) -> str:
    last = first
    for _ in range(size - 1):
        last = last.next()
    return last.label


def _earn_back(
    policy: CheckedPolicy,
    history: Sequence[PeriodOutcome],
    index: int,
    ledger: _Ledger,
) -> list[EarnBackLine]:
    cur = policy.currency
    lines: list[EarnBackLine] = []
    for rule in policy.earn_backs:
        k = index - rule.periods
        if k < 0 or rule.periods < 1:
            continue
        earned = ledger.settlements[k]
        if earned is None:
            continue
        followers = history[k + 1 : index + 1]
        if not all(o.over and _verdict(o, rule.target) == Verdict.MET for o in followers):
            continue
        for credit in earned.credits:
            if rule.target not in credit.targets:
                continue
            share = credit.amount
            if earned.credits_total < earned.credits_before_cap:
                share = round_money(
                    Fraction(credit.amount)
                    * Fraction(earned.credits_total)
                    / Fraction(earned.credits_before_cap),
                    cur,
                )
            if share == 0:
                continue
            arithmetic = (
                f"-{format_money(share, cur)}: {credit.rule} credit of "
                f"{history[k].period.label} earned back ({rule.target} met in "
                f"{followers[0].period.label}..{followers[-1].period.label})"
            )
            lines.append(
                EarnBackLine(credit.rule, rule.target, history[k].period.label, -share, arithmetic)
            )
    return lines


# --------------------------------------------------------------------------- summary


def summarize(
    consequences: Sequence[PeriodConsequences], requested: Sequence[Period]
) -> dict[str, Any]:
    """``{"exit_right": {...} | None, "totals": {"credits": .., "bonuses": ..}}`` over the
    requested periods that are over; credits are net of earn-back."""
    wanted = {p.label for p in requested}
    chosen = [c for c in consequences if c.period.label in wanted]
    exit_right: dict[str, Any] | None = None
    credits = Decimal(0)
    bonuses = Decimal(0)
    earned_back = Decimal(0)
    cur: Currency | None = None
    for item in chosen:
        cur = item.currency
        if item.settlement is None:
            continue
        credits += item.settlement.credits_net
        bonuses += item.settlement.bonus_total
        earned_back += item.settlement.earned_back_total
        if exit_right is None and item.settlement.exits:
            exit_right = {
                "period": item.period.label,
                "rules": [e.rule for e in item.settlement.exits],
                "notice": item.settlement.exits[0].notice,
            }
    if cur is None:
        cur = consequences[0].currency if consequences else Currency("USD", 2)
    totals: dict[str, Any] = {
        "credits": to_minor_str(credits, cur),
        "bonuses": to_minor_str(bonuses, cur),
    }
    if earned_back:
        totals["earned_back"] = to_minor_str(earned_back, cur)
    return {"exit_right": exit_right, "totals": totals}
