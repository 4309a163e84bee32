"""Checked-policy and verdict-history builders for the consequences tests (no parser)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from decimal import Decimal
from fractions import Fraction

from rules_engine.evaluation.outcomes import PeriodOutcome, TargetOutcome
from rules_engine.evaluation.periods import Period, parse_period
from rules_engine.language.model import (
    Bonus,
    Cap,
    CheckedPolicy,
    Condition,
    Consecutive,
    CreditRule,
    CreditTier,
    Currency,
    EarnBack,
    ExitRule,
    FeeLine,
    Owner,
    PercentOfFee,
    ValueBelow,
    Verdict,
)

USD = Currency("USD", 2)
JPY = Currency("JPY", 0)


def pct(text: str) -> Fraction:
    """``"99.5"`` -> Fraction(199, 200)."""
    return Fraction(text) / 100


def fees(*lines: tuple[str, str, str]) -> tuple[FeeLine, ...]:
    """``("12000", "month", "2026-01-01")`` lines."""
    return tuple(
        FeeLine(Decimal(amount), per, dt.date.fromisoformat(start))  # type: ignore[arg-type]
        for amount, per, start in lines
    )


def make_policy(
    *,
    credits: Sequence[CreditRule] = (),
    caps: Sequence[Cap] = (),
    bonuses: Sequence[Bonus] = (),
    exits: Sequence[ExitRule] = (),
    earn_backs: Sequence[EarnBack] = (),
    fee_lines: tuple[FeeLine, ...] | None = None,
    currency: Currency = USD,
    effective: str = "2026-01-01",
    period: str = "month",
) -> CheckedPolicy:
    return CheckedPolicy(
        name="test",
        provider=None,
        customer=None,
        effective=dt.date.fromisoformat(effective),
        timezone="UTC",
        currency=currency,
        fees=fee_lines if fee_lines is not None else fees(("12000", "month", effective)),
        period=period,  # type: ignore[arg-type]
        at_risk_fraction=Fraction(1, 4),
        calendars={},
        tiers={},
        datasets={},
        pauses=(),
        targets={},
        escalations={},
        credits=tuple(credits),
        caps=tuple(caps),
        earn_backs=tuple(earn_backs),
        bonuses=tuple(bonuses),
        exits=tuple(exits),
        source_path="test.sla",
    )


def value_tiers(rule: str, target: str, *tiers: tuple[str, str]) -> CreditRule:
    """``value_tiers("r", "email", ("99.0", "25"), ("99.5", "10"))``: below X% credit Y%."""
    return CreditRule(
        rule,
        tuple(
            CreditTier(
                ValueBelow(target, "<", pct(below)),
                PercentOfFee(pct(percent)),
                f"{target} < {below}%",
            )
            for below, percent in tiers
        ),
    )


def tier_rule(rule: str, condition: Condition, percent: str, label: str = "") -> CreditRule:
    return CreditRule(rule, (CreditTier(condition, PercentOfFee(pct(percent)), label or rule),))


def cap_percent(percent: str, per: str = "period") -> Cap:
    return Cap(PercentOfFee(pct(percent)), per)  # type: ignore[arg-type]


def all_met_bonus(count: int, percent: str, name: str = "excellence") -> Bonus:
    return Bonus(name, Consecutive(None, "met", count), PercentOfFee(pct(percent)))


TargetSpec = tuple[str, str | None] | tuple[str, str | None, str]
"""(verdict, value percent or None[, owner])."""


def outcome(period: Period, over: bool, targets: Mapping[str, TargetSpec]) -> PeriodOutcome:
    built: dict[str, TargetOutcome] = {}
    for name, spec in targets.items():
        verdict, value = spec[0], spec[1]
        owner = Owner(spec[2]) if len(spec) == 3 else Owner.PROVIDER  # type: ignore[misc]
        built[name] = TargetOutcome(Verdict(verdict), None if value is None else pct(value), owner)
    return PeriodOutcome(period, over, built)


def history(
    rows: Sequence[Mapping[str, TargetSpec]],
    *,
    start: str = "2026-01",
    kind: str = "month",
    running_last: bool = False,
) -> list[PeriodOutcome]:
    """One PeriodOutcome per row, consecutive periods from ``start`` (UTC)."""
    period = parse_period(start, kind, "UTC")  # type: ignore[arg-type]
    out: list[PeriodOutcome] = []
    for i, row in enumerate(rows):
        over = not (running_last and i == len(rows) - 1)
        out.append(outcome(period, over, row))
        period = period.next()
    return out


MET = ("met", "100")
BREACHED = ("breached", "50")
NO_DATA: TargetSpec = ("no_data", None)
