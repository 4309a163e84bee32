"""Credits, caps, bonuses, earn-back and exits on hand-built verdict histories."""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction

import pytest

from rules_engine.consequences.assess import NOT_OVER_NOTE, assess, summarize
from rules_engine.consequences.money import MoneyError
from rules_engine.language.model import (
    AllOf,
    AnyOf,
    Bonus,
    BreachCount,
    Cap,
    Consecutive,
    CreditRule,
    CreditTier,
    EarnBack,
    ExitRule,
    FixedAmount,
    InLastPeriods,
    PercentOfFee,
    VerdictIs,
)

from .builders import (
    BREACHED,
    JPY,
    MET,
    NO_DATA,
    all_met_bonus,
    cap_percent,
    fees,
    history,
    make_policy,
    pct,
    tier_rule,
    value_tiers,
)

EMAIL_TIERS = value_tiers(
    "availability_credits", "email", ("99.0", "25"), ("99.5", "10"), ("99.9", "5")
)


def test_tier_exactly_at_the_threshold_is_not_below_it() -> None:
    policy = make_policy(credits=[EMAIL_TIERS])
    [jan] = assess(policy, history([{"email": ("breached", "99.5")}]))
    # 99.5% is not < 99.5%, but is < 99.9%: 5% x 12,000.00 = 600.00
    assert [(c.tier, c.percent, c.amount) for c in jan.credits] == [
        ("email < 99.9%", Fraction(1, 20), Decimal("600.00"))
    ]
    assert jan.credits[0].arithmetic == "5% x 12,000.00 USD = 600.00 USD"


def test_most_severe_tier_only_no_adding_up() -> None:
    policy = make_policy(credits=[EMAIL_TIERS])
    [jan] = assess(policy, history([{"email": ("breached", "98.9")}]))
    # all three tiers match; only 25% x 12,000 = 3,000.00 applies (not 25+10+5 = 40%)
    assert [c.amount for c in jan.credits] == [Decimal("3000.00")]
    assert jan.credits_total == Decimal("3000.00")


def test_no_value_never_matches_a_tier() -> None:
    policy = make_policy(credits=[EMAIL_TIERS])
    [jan] = assess(policy, history([{"email": NO_DATA}]))
    assert jan.credits == () and jan.credits_total == Decimal(0)


def test_cap_equal_to_the_sum_is_not_applied() -> None:
    rules = [
        value_tiers("a", "email", ("99.0", "25")),
        value_tiers("b", "erp", ("99.0", "5")),
    ]
    policy = make_policy(credits=rules, caps=[cap_percent("30")])
    [jan] = assess(policy, history([{"email": ("breached", "98"), "erp": ("breached", "98")}]))
    # 25% x 12,000 = 3,000 + 5% x 12,000 = 600 -> 3,600 = cap 30% x 12,000 = 3,600: equal
    assert jan.credits_before_cap == Decimal("3600.00")
    assert jan.cap == Decimal("3600.00")
    assert jan.cap_applied is False
    assert jan.credits_total == Decimal("3600.00")
    assert jan.to_json()["cap_arithmetic"] == "cap 30% x 12,000.00 USD = 3,600.00 USD not reached"


def test_cap_above_the_sum_is_applied() -> None:
    rules = [
        value_tiers("a", "email", ("99.0", "25")),
        value_tiers("b", "erp", ("99.0", "10")),
    ]
    policy = make_policy(credits=rules, caps=[cap_percent("30")])
    [jan] = assess(policy, history([{"email": ("breached", "98"), "erp": ("breached", "98")}]))
    # 3,000 + 1,200 = 4,200 > 3,600 -> total 3,600
    assert jan.credits_before_cap == Decimal("4200.00")
    assert jan.cap_applied is True
    assert jan.credits_total == Decimal("3600.00")
    assert jan.to_json()["cap_arithmetic"] == "cap 30% x 12,000.00 USD = 3,600.00 USD applied"


def test_rounding_each_line_once_then_the_cap() -> None:
    rules = [value_tiers("a", "email", ("99.0", "25")), value_tiers("b", "erp", ("99.5", "10"))]
    fee = fees(("12345.30", "month", "2026-01-01"))
    policy = make_policy(credits=rules, caps=[cap_percent("30")], fee_lines=fee)
    [jan] = assess(policy, history([{"email": ("breached", "98"), "erp": ("breached", "99.4")}]))
    # 25% x 12,345.30 = 3,086.325 -> 3,086.32; 10% -> 1,234.53; sum 4,320.85
    # cap 30% x 12,345.30 = 3,703.59 exactly; 4,320.85 > 3,703.59
    assert [c.amount for c in jan.credits] == [Decimal("3086.32"), Decimal("1234.53")]
    assert jan.credits_before_cap == Decimal("4320.85")
    assert (jan.cap, jan.credits_total) == (Decimal("3703.59"), Decimal("3703.59"))


def test_lookback_at_the_start_of_the_contract_uses_a_shorter_window() -> None:
    rule = tier_rule("repeat", InLastPeriods("p1", "breached", 2, 3), "5")
    policy = make_policy(credits=[rule])
    results = assess(policy, history([{"p1": BREACHED}, {"p1": BREACHED}, {"p1": MET}]))
    # Jan: 1 of last 1 -> no; Feb: 2 of last 2 -> yes; Mar: Jan..Mar has 2 breached -> yes
    # (a month with the target met still pays: re-evaluated every period, C24)
    assert [len(r.credits) for r in results] == [0, 1, 1]
    assert results[1].credits[0].tier == "p1 breached in 2 of last 3 periods"
    assert results[1].credits[0].amount == Decimal("600.00")  # 5% x 12,000


def test_consecutive_needs_all_periods_since_effective() -> None:
    rule = tier_rule("streak", Consecutive("p1", "breached", 3), "10")
    policy = make_policy(credits=[rule])
    results = assess(policy, history([{"p1": BREACHED}] * 4))
    assert [r.credits_total for r in results] == [0, 0, Decimal("1200.00"), Decimal("1200.00")]


def test_rolling_bonus_and_a_streak_broken_by_no_data() -> None:
    policy = make_policy(bonuses=[all_met_bonus(3, "2")])
    rows = [
        {"a": MET, "b": MET},
        {"a": MET, "b": MET},
        {"a": MET, "b": MET},  # 3 met: pays
        {"a": MET, "b": MET},  # rolling: pays again
        {"a": MET, "b": NO_DATA},  # no_data breaks the chain
        {"a": MET, "b": MET},
        {"a": MET, "b": MET},
        {"a": MET, "b": MET},  # 3 again: pays
    ]
    results = assess(policy, history(rows))
    # 2% x 12,000 = 240.00
    assert [r.bonus_total for r in results] == [
        0, 0, Decimal("240.00"), Decimal("240.00"), 0, 0, 0, Decimal("240.00")
    ]  # fmt: skip
    assert results[2].bonuses[0].arithmetic == "2% x 12,000.00 USD = 240.00 USD"


def test_customer_owned_targets_block_no_bonus_and_earn_no_credit() -> None:
    credit = value_tiers("approvals", "approvals", ("90", "5"))
    exit_rule = ExitRule("out", BreachCount(1, 1), 30 * 86400, "30d")
    policy = make_policy(credits=[credit], bonuses=[all_met_bonus(1, "1")], exits=[exit_rule])
    row = {"a": MET, "approvals": ("breached", "50", "customer")}
    [jan] = assess(policy, history([row]))
    assert jan.credits == ()  # never earns a credit
    assert jan.exits == ()  # never counts toward an exit
    assert jan.bonus_total == Decimal("120.00")  # 1% x 12,000; customer breach ignored


def test_exit_rights_with_reasons_and_the_first_one() -> None:
    condition = AnyOf(
        (Consecutive("email", "breached", 2), BreachCount(3, 3)),
    )
    policy = make_policy(exits=[ExitRule("for_cause", condition, 30 * 86400, "30d")])
    rows = [
        {"email": BREACHED, "p1": MET},
        {"email": MET, "p1": BREACHED},
        {"email": BREACHED, "p1": MET},  # 3 breaches in Jan..Mar
        {"email": BREACHED, "p1": BREACHED},  # 2 consecutive and 4 in Feb..Apr
    ]
    results = assess(policy, history(rows))
    assert [[e.reasons for e in r.exits] for r in results] == [
        [],
        [],
        [("3 breached target-periods in last 3 periods",)],
        [
            (
                "email breached in 2 consecutive periods",
                "4 breached target-periods in last 3 periods",
            )
        ],
    ]
    summary = summarize(results, [r.period for r in results])
    assert summary["exit_right"] == {"period": "2026-03", "rules": ["for_cause"], "notice": "30d"}
    # asking only for April: the first exit right among the requested periods
    assert summarize(results, [results[3].period])["exit_right"]["period"] == "2026-04"


def test_earn_back_after_n_met_periods() -> None:
    policy = make_policy(
        credits=[value_tiers("p1_credits", "p1", ("95", "5"))],
        earn_backs=[EarnBack("p1", 2)],
    )
    rows = [{"p1": ("breached", "90")}, {"p1": MET}, {"p1": MET}, {"p1": MET}]
    results = assess(policy, history(rows))
    # Jan: 5% x 12,000 = 600 credited; met in Feb and Mar -> -600 in March; April nothing
    assert results[0].credits_total == Decimal("600.00")
    assert [e.amount for e in results[2].earned_back] == [Decimal("-600.00")]
    assert results[2].earned_back[0].earned_in == "2026-01"
    assert results[1].earned_back == () and results[3].earned_back == ()
    assert results[2].credits_net == Decimal("-600.00")
    summary = summarize(results, [r.period for r in results])
    assert summary["totals"]["credits"] == "0.00"  # 600 - 600
    assert summary["totals"]["earned_back"] == "-600.00"


def test_earn_back_lost_when_a_following_period_has_no_data() -> None:
    policy = make_policy(
        credits=[value_tiers("p1_credits", "p1", ("95", "5"))],
        earn_backs=[EarnBack("p1", 2)],
    )
    rows = [{"p1": ("breached", "90")}, {"p1": NO_DATA}, {"p1": MET}, {"p1": MET}]
    results = assess(policy, history(rows))
    assert all(r.earned_back == () for r in results)


def test_earn_back_of_a_capped_credit_is_its_granted_share() -> None:
    policy = make_policy(
        credits=[
            value_tiers("p1_credits", "p1", ("95", "20")),
            value_tiers("email_credits", "email", ("99", "20")),
        ],
        caps=[cap_percent("30")],
        earn_backs=[EarnBack("p1", 1)],
    )
    rows = [{"p1": ("breached", "90"), "email": ("breached", "98")}, {"p1": MET, "email": MET}]
    results = assess(policy, history(rows))
    # Jan: 2,400 + 2,400 = 4,800 > cap 3,600; p1's share 2,400 x 3,600 / 4,800 = 1,800
    assert [e.amount for e in results[1].earned_back] == [Decimal("-1800.00")]


def test_annual_cap_takes_earlier_credits_into_account() -> None:
    policy = make_policy(
        credits=[value_tiers("a", "email", ("99", "25"))],
        caps=[cap_percent("30"), cap_percent("4", "year")],
    )
    rows = [{"email": ("breached", "98")}] * 3
    results = assess(policy, history(rows))
    # Jan: limit 4% x 12,000 = 480; credit 3,000 -> 480
    # Feb: limit 4% x 24,000 = 960 - 480 granted = 480 -> 480
    # Mar: 4% x 36,000 = 1,440 - 960 = 480 -> 480
    assert [r.credits_total for r in results] == [Decimal("480.00")] * 3
    annual = results[1].settlement.annual_cap  # type: ignore[union-attr]
    assert annual is not None
    assert (annual.limit, annual.granted_before, annual.applied) == (
        Decimal("960.00"),
        Decimal("480.00"),
        True,
    )


def test_annual_cap_window_is_twelve_months() -> None:
    policy = make_policy(
        credits=[value_tiers("a", "email", ("99", "5"))],
        caps=[cap_percent("10", "year")],
    )
    rows = [{"email": ("breached", "98")}] + [{"email": MET}] * 11 + [{"email": ("breached", "98")}]
    results = assess(policy, history(rows))
    # month 13: fees of months 2..13 = 12 x 12,000 = 144,000 -> 14,400; Jan's 600 is out
    annual = results[12].settlement.annual_cap  # type: ignore[union-attr]
    assert annual is not None
    assert (annual.limit, annual.granted_before) == (Decimal("14400.00"), Decimal("0.00"))


def test_fixed_amount_credit_and_jpy() -> None:
    fixed = tier_rule("missed_review", Consecutive("review", "breached", 1), "0")
    fixed = type(fixed)(
        fixed.name,
        (type(fixed.tiers[0])(fixed.tiers[0].condition, FixedAmount(Decimal(500)), "x"),),
    )
    percent = value_tiers("a", "email", ("99", "10"))
    policy = make_policy(
        credits=[fixed, percent],
        currency=JPY,
        fee_lines=fees(("1234567", "month", "2026-01-01")),
    )
    [jan] = assess(policy, history([{"review": BREACHED, "email": ("breached", "98")}]))
    # fixed 500 JPY; 10% x 1,234,567 = 123,456.7 -> 123,457
    assert [c.amount for c in jan.credits] == [Decimal(500), Decimal(123457)]
    assert jan.to_json()["credits"][1]["amount"] == "123457"
    assert jan.credits[1].arithmetic == "10% x 1,234,567 JPY = 123,457 JPY"
    assert jan.credits[0].percent is None


def test_running_period_has_a_projection_and_no_money() -> None:
    policy = make_policy(credits=[EMAIL_TIERS], caps=[cap_percent("30")])
    rows = [{"email": ("breached", "99.4")}, {"email": ("breached", "98.5")}]
    results = assess(policy, history(rows, running_last=True))
    jun = results[1]
    assert jun.over is False and jun.credits_total is None
    data = jun.to_json()
    assert data["credits"] == [] and data["credits_total"] is None and data["cap"] is None
    assert data["note"] == NOT_OVER_NOTE
    assert data["fee"] == "12000.00"
    # the projection: 25% x 12,000 = 3,000, clearly marked and never in totals
    assert data["projection"]["credits_total"] == "3000.00"
    assert "projection" in data["projection"]["note"]
    assert summarize(results, [r.period for r in results])["totals"]["credits"] == "1200.00"


def test_json_keys_of_an_over_period_match_the_conformance_shape() -> None:
    policy = make_policy(credits=[EMAIL_TIERS], caps=[cap_percent("30")])
    [jan] = assess(policy, history([{"email": MET}]))
    assert set(jan.to_json()) == {
        "fee", "credits", "credits_before_cap", "cap", "cap_arithmetic", "cap_applied",
        "credits_total", "bonuses", "bonus_total", "exit",
        "lines", "credits_owed",  # the account line by line, beyond the conformance shape
    }  # fmt: skip
    assert jan.to_json()["credits_before_cap"] == "0.00"


def test_no_cap_means_the_sum() -> None:
    policy = make_policy(credits=[EMAIL_TIERS])
    [jan] = assess(policy, history([{"email": ("breached", "98")}]))
    assert (jan.cap, jan.cap_applied, jan.credits_total) == (None, False, Decimal("3000.00"))


def test_history_must_start_at_effective() -> None:
    policy = make_policy(effective="2026-01-01")
    with pytest.raises(ValueError, match="effective date 2026-01-01"):
        assess(policy, history([{"a": MET}], start="2026-02"))


def test_a_period_without_fee_is_an_error() -> None:
    policy = make_policy(fee_lines=fees(("100", "month", "2026-02-01")))
    with pytest.raises(MoneyError, match="no fee in force on 2026-01-01"):
        assess(policy, history([{"a": MET}]))


def test_fixed_cap_and_bonus_not_netted() -> None:
    policy = make_policy(
        credits=[value_tiers("a", "email", ("99", "25"))],
        caps=[Cap(FixedAmount(Decimal("1000")), "period")],
        bonuses=[Bonus("b", Consecutive("p1", "met", 1), PercentOfFee(pct("1")))],
    )
    [jan] = assess(policy, history([{"email": ("breached", "98"), "p1": MET}]))
    # 3,000 capped at the fixed 1,000; bonus 1% x 12,000 = 120 paid in full, not netted
    assert (jan.credits_total, jan.bonus_total) == (Decimal("1000.00"), Decimal("120.00"))


def test_exit_with_and_of_conditions() -> None:
    condition = AllOf((VerdictIs("email", "breached"), InLastPeriods("p1", "breached", 2, 2)))
    policy = make_policy(exits=[ExitRule("both", condition, 90 * 86400, "90d")])
    rows = [
        {"email": BREACHED, "p1": BREACHED},  # p1 1 of last 1: not yet
        {"email": MET, "p1": BREACHED},  # p1 2 of 2 but email met
        {"email": BREACHED, "p1": BREACHED},  # both
    ]
    results = assess(policy, history(rows))
    assert [len(r.exits) for r in results] == [0, 0, 1]
    assert results[2].exits[0].reasons == ("email breached", "p1 breached in 2 of last 2 periods")
    assert results[2].exits[0].to_json()["notice"] == "90d"


def test_fixed_credit_on_a_verdict() -> None:
    rule = CreditRule(
        "missed_review",
        (
            CreditTier(
                VerdictIs("review", "breached"), FixedAmount(Decimal("500")), "review breached"
            ),
        ),
    )
    policy = make_policy(credits=[rule])
    results = assess(policy, history([{"review": BREACHED}, {"review": MET}]))
    assert [r.credits_total for r in results] == [Decimal("500.00"), Decimal(0)]
    assert results[0].credits[0].arithmetic == "fixed 500.00 USD"
    assert results[0].to_json()["credits"][0]["percent"] is None


def test_quarterly_periods_with_a_monthly_fee() -> None:
    policy = make_policy(credits=[value_tiers("a", "email", ("99.9", "5"))], period="quarter")
    results = assess(
        policy, history([{"email": ("breached", "99.8")}], start="2026-Q1", kind="quarter")
    )
    # fee 12,000 per month x 3 months = 36,000.00; 5% = 1,800.00
    assert results[0].fee == Decimal("36000.00")
    assert results[0].credits_total == Decimal("1800.00")
