"""Money rules of issue 13: earn-back returns the credit as granted after caps (DESIGN
"Edge rules"), contract-year caps and their lines, `once` on credits and bonuses."""

from __future__ import annotations

import dataclasses
from decimal import Decimal

from rules_engine.consequences.assess import assess
from rules_engine.language.model import Consecutive, EarnBack

from .builders import (
    MET,
    all_met_bonus,
    cap_percent,
    history,
    make_policy,
    tier_rule,
    value_tiers,
)


def test_earn_back_returns_the_credit_as_granted_after_the_annual_cap() -> None:
    policy = make_policy(
        credits=[value_tiers("email_credits", "email", ("99", "25"))],
        caps=[cap_percent("30"), cap_percent("4", "year")],
        earn_backs=[EarnBack("email", 1)],
    )
    rows = [{"email": ("breached", "98")}, {"email": MET}, {"email": ("breached", "98")}]
    results = assess(policy, history(rows))
    jan, feb, mar = results
    # Jan: 25% x 12,000 = 3,000; per-period cap 30% x 12,000 = 3,600 not reached; annual
    # cap 4% x 12,000 = 480 -> 480 granted. Feb (met) gives back what was granted, -480,
    # not the 3,000 before caps.
    assert jan.credits_total == Decimal("480.00")
    assert [e.amount for e in feb.earned_back] == [Decimal("-480.00")]
    # Mar: the annual cap counts what was granted after caps and before earn-backs:
    # 4% x 36,000 = 1,440 - 480 (Jan) - 0 (Feb) = 960 -> 960 granted (3,000 > 960).
    assert mar.credits_total == Decimal("960.00")
    # each period's lines sum to what it owes
    for item in results:
        assert item.settlement is not None
        lines = sum((line.amount for line in item.settlement.credit_lines), Decimal(0))
        assert lines == item.settlement.credits_net


def test_a_contract_year_cap_in_month_11_counts_the_whole_contract_year() -> None:
    policy = make_policy(
        credits=[value_tiers("email_credits", "email", ("99", "25"))],
        caps=[cap_percent("12", "contract year")],
    )
    breached = {"email": ("breached", "98")}
    rows = [breached] * 5 + [{"email": MET}] * 5 + [breached] * 3
    results = assess(policy, history(rows))
    # Contract year 1 = Jan..Dec 2026: 12% x (12 x 12,000 = 144,000) = 17,280.
    # Jan..May: 25% x 12,000 = 3,000 each, 15,000 granted, never capped.
    assert [r.credits_total for r in results[:5]] == [Decimal("3000.00")] * 5
    nov, dec, jan27 = results[10], results[11], results[12]
    # Nov: 17,280 - 15,000 = 2,280 left < 3,000: the cap applies, a line of -720.
    assert nov.credits_total == Decimal("2280.00")
    assert nov.settlement is not None
    lines = [(line.kind, line.amount) for line in nov.settlement.credit_lines]
    assert lines == [("credit", Decimal("3000.00")), ("contract_year_cap", Decimal("-720.00"))]
    assert nov.settlement.credit_lines[1].arithmetic == (
        "12% x 144,000.00 USD (fees of contract year 1, 2026-01 to 2026-12) = 17,280.00 USD"
        " - 15,000.00 USD granted = 2,280.00 USD applied"
    )
    # Dec: 17,280 - 17,280 = 0 left: nothing is owed.
    assert dec.credits_total == Decimal("0.00")
    # Jan 2027 starts contract year 2: the full 3,000 again.
    assert jan27.credits_total == Decimal("3000.00")
    # a rolling `per year` cap counts only the fees so far: in Jan 12% x 12,000 = 1,440
    rolling = make_policy(
        credits=[value_tiers("email_credits", "email", ("99", "25"))],
        caps=[cap_percent("12", "year")],
    )
    assert assess(rolling, history(rows))[0].credits_total == Decimal("1440.00")


def test_caps_apply_per_period_then_per_year_then_per_contract_year_each_a_line() -> None:
    policy = make_policy(
        credits=[value_tiers("email_credits", "email", ("99", "25"))],
        caps=[
            cap_percent("0.5", "contract year"),
            cap_percent("10", "year"),
            cap_percent("20"),
        ],
    )
    (jan,) = assess(policy, history([{"email": ("breached", "98")}]))
    assert jan.settlement is not None
    # credit 25% x 12,000 = 3,000; per period 20% x 12,000 = 2,400 (-600); per year
    # 10% x 12,000 (one period so far) = 1,200 (-1,200); per contract year
    # 0.5% x 144,000 = 720 (-480). 3,000 - 600 - 1,200 - 480 = 720 owed.
    assert [(line.kind, line.amount) for line in jan.settlement.credit_lines] == [
        ("credit", Decimal("3000.00")),
        ("cap", Decimal("-600.00")),
        ("annual_cap", Decimal("-1200.00")),
        ("contract_year_cap", Decimal("-480.00")),
    ]
    assert jan.settlement.credits_net == Decimal("720.00")


def test_a_once_credit_pays_once_per_streak() -> None:
    streak = Consecutive("p1", "breached", 2)
    policy = make_policy(
        credits=[dataclasses.replace(tier_rule("p1_streak", streak, "10"), once=True)],
    )
    breached = {"p1": ("breached", "50")}
    rows = [breached, breached, breached, breached, {"p1": MET}, breached, breached]
    results = assess(policy, history(rows))
    # "breached in 2 consecutive periods" holds in Feb, Mar, Apr (a streak of Jan..Apr),
    # fails in May (met) and Jun (one breach), holds again in Jul. With `once` it pays
    # 10% x 12,000 = 1,200 in Feb and Jul only; without it Feb, Mar, Apr and Jul.
    assert [r.credits_total for r in results] == [
        Decimal("0"),
        Decimal("1200.00"),
        Decimal("0"),
        Decimal("0"),
        Decimal("0"),
        Decimal("0"),
        Decimal("1200.00"),
    ]
    mar = results[2].settlement
    assert mar is not None
    assert mar.once_held == (
        "p1_streak: holds since 2026-02, paid once then (`once`); "
        "pays again after a period in which it fails",
    )
    assert results[1].credits[0].tier.endswith("once: the run starts here")
    every = make_policy(credits=[tier_rule("p1_streak", streak, "10")])
    paid = [r.credits_total for r in assess(every, history(rows))]
    assert paid.count(Decimal("1200.00")) == 4


def test_a_once_bonus_pays_at_the_start_of_each_run() -> None:
    bonus = dataclasses.replace(all_met_bonus(3, "2"), once=True)
    policy = make_policy(bonuses=[bonus])
    rows = [{"p1": MET}] * 5 + [{"p1": ("breached", "50")}] + [{"p1": MET}] * 3
    results = assess(policy, history(rows))
    # all met in 3 consecutive periods holds in Mar, Apr, May (pays in Mar only), fails
    # in Jun, Jul, Aug, and holds again in Sep: 2% x 12,000 = 240 in Mar and Sep.
    assert [r.bonus_total for r in results] == [
        Decimal("0"),
        Decimal("0"),
        Decimal("240.00"),
        Decimal("0"),
        Decimal("0"),
        Decimal("0"),
        Decimal("0"),
        Decimal("0"),
        Decimal("240.00"),
    ]
