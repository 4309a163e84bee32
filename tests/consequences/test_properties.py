"""Properties of :func:`assess` over random verdict histories."""

from __future__ import annotations

from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from rules_engine.consequences.assess import assess
from rules_engine.language.model import (
    AnyOf,
    BreachCount,
    Consecutive,
    EarnBack,
    ExitRule,
    InLastPeriods,
)

from .builders import (
    TargetSpec,
    all_met_bonus,
    cap_percent,
    history,
    make_policy,
    tier_rule,
    value_tiers,
)

VERDICTS = ["met", "breached", "no_data"]

row_strategy = st.fixed_dictionaries(
    {
        "email": st.tuples(
            st.sampled_from(VERDICTS),
            st.sampled_from([None, "97", "98.99", "99.0", "99.5", "99.95"]),
        ),
        "p1": st.tuples(st.sampled_from(VERDICTS), st.sampled_from([None, "80", "95", "100"])),
    }
)


def _policy(cap: str, annual: bool, earn_back: int) -> object:
    caps = [cap_percent(cap)] + ([cap_percent("5", "year")] if annual else [])
    return make_policy(
        credits=[
            value_tiers("email", "email", ("99.0", "25"), ("99.5", "10"), ("99.9", "5")),
            value_tiers("p1v", "p1", ("95", "7.5")),
            tier_rule("repeat", InLastPeriods("p1", "breached", 2, 3), "10"),
            tier_rule("streak", Consecutive("email", "breached", 2), "3.333"),
        ],
        caps=caps,
        bonuses=[all_met_bonus(2, "2")],
        exits=[
            ExitRule("x", AnyOf((Consecutive("email", "breached", 2), BreachCount(3, 4))), 0, "0d")
        ],
        earn_backs=[EarnBack("p1", earn_back)] if earn_back else [],
        fee_lines=None,
    )


@settings(max_examples=150, deadline=None)
@given(
    rows=st.lists(row_strategy, min_size=1, max_size=14),
    cap=st.sampled_from(["0", "10", "30", "47.5", "100"]),
    annual=st.booleans(),
    earn_back=st.integers(0, 3),
)
def test_caps_never_exceeded_and_credits_never_negative(
    rows: list[dict[str, TargetSpec]], cap: str, annual: bool, earn_back: int
) -> None:
    policy = _policy(cap, annual, earn_back)
    for result in assess(policy, history(rows)):  # type: ignore[arg-type]
        assert result.settlement is not None
        s = result.settlement
        assert s.cap is not None
        assert Decimal(0) <= s.credits_total <= s.cap
        assert s.credits_total <= s.credits_before_cap
        assert all(line.amount >= 0 for line in s.credits)
        assert all(line.amount <= 0 for line in s.earned_back)
        if s.annual_cap is not None:
            assert s.credits_total <= s.annual_cap.remaining
            assert s.annual_cap.remaining >= 0
        assert s.cap_applied == (s.credits_before_cap > s.cap)


@settings(max_examples=100, deadline=None)
@given(
    rows=st.lists(row_strategy, min_size=1, max_size=14),
    cut=st.integers(1, 14),
    annual=st.booleans(),
    earn_back=st.integers(0, 3),
)
def test_a_shorter_run_gives_the_same_periods(
    rows: list[dict[str, TargetSpec]], cut: int, annual: bool, earn_back: int
) -> None:
    """Evaluating up to month k equals month k inside the longer run (history always
    starts at ``effective``)."""
    policy = _policy("30", annual, earn_back)
    full = assess(policy, history(rows))  # type: ignore[arg-type]
    short = assess(policy, history(rows[:cut]))  # type: ignore[arg-type]
    assert [r.to_json() for r in short] == [r.to_json() for r in full[: len(short)]]
