"""Hand-built checked policies, so the semantic diff is tested without the parser."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from fractions import Fraction
from typing import Any

from rules_engine.language import model as m
from rules_engine.language.spans import Span


def span(line: int) -> Span:
    return Span("x.sla", line, 1, line, 10)


def weekdays(*windows: m.Window) -> tuple[tuple[m.Window, ...], ...]:
    return (tuple(windows),) * 5 + ((), ())


BUSINESS = m.Calendar(
    name="business",
    timezone="America/New_York",
    windows=weekdays(m.Window(8 * 3600, 18 * 3600)),
    holidays=(m.HolidaySpec("US"),),
    closed=(dt.date(2026, 12, 24),),
)

P1 = m.Compare(m.FieldRef("priority"), "=", m.Literal_("P1", "tier"))


def target(name: str = "p1_response", **kw: Any) -> m.Target:
    base: dict[str, Any] = dict(
        name=name,
        title=None,
        owner=m.Owner.PROVIDER,
        dataset="tickets",
        scope=P1,
        anchor="created_at",
        measure=m.Elapsed("created_at", "first_response_at", builtin="response_time"),
        objective=m.PercentWithin(Fraction(95, 100), 15 * 60),
    )
    base.update(kw)
    return m.Target(**base)


AVAIL = target(
    "email_availability",
    dataset="outages",
    scope=m.Compare(m.FieldRef("service"), "=", m.Literal_("email", "string")),
    anchor="started_at",
    measure=m.Availability(),
    objective=m.AvailabilityAtLeast(Fraction(999, 1000)),
)


def tier(percent: int, below: Fraction, line: int = 0) -> m.CreditTier:
    cond = m.ValueBelow("email_availability", "<", below)
    return m.CreditTier(
        cond, m.PercentOfFee(Fraction(percent, 100)), f"email_availability < {below}", span(line)
    )


def policy(**kw: Any) -> m.CheckedPolicy:
    base: dict[str, Any] = dict(
        name="Acme",
        provider="Northwind",
        customer="Acme",
        effective=dt.date(2026, 1, 1),
        timezone="America/New_York",
        currency=m.Currency("USD", 2),
        fees=(m.FeeLine(Decimal("12000"), "month", dt.date(2026, 1, 1)),),
        period="month",
        at_risk_fraction=Fraction(1, 4),
        calendars={"business": BUSINESS},
        tiers={"P1": m.Tier("P1", None, "24x7")},
        datasets={},
        pauses=(),
        targets={"p1_response": target(), "email_availability": AVAIL},
        escalations={},
        credits=(
            m.CreditRule(
                "availability_credits",
                (
                    tier(25, Fraction(99, 100)),
                    tier(10, Fraction(995, 1000)),
                    tier(5, Fraction(999, 1000)),
                ),
            ),
        ),
        caps=(m.Cap(m.PercentOfFee(Fraction(30, 100)), "period"),),
        earn_backs=(),
        bonuses=(
            m.Bonus(
                "excellence",
                m.Consecutive(None, "met", 3),
                m.PercentOfFee(Fraction(2, 100)),
            ),
        ),
        exits=(
            m.ExitRule(
                "for_cause",
                m.AnyOf((m.Consecutive("email_availability", "breached", 2), m.BreachCount(6, 6))),
                30 * 86400,
                "30d",
            ),
        ),
    )
    base.update(kw)
    return m.CheckedPolicy(**base)
