"""Semantic diff on hand-built checked models: direction of every kind of change."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
from decimal import Decimal
from fractions import Fraction

from rules_engine.language import model as m
from rules_engine.workflow.policy_diff import (
    diff_policies,
    duration_text,
    number_text,
    percent_text,
)

from .models import AVAIL, BUSINESS, P1, policy, span, target, tier, weekdays


def only(old: m.CheckedPolicy, new: m.CheckedPolicy):  # type: ignore[no-untyped-def]
    changes = diff_policies(old, new).changes
    assert len(changes) == 1, changes
    return changes[0]


def test_spans_and_source_do_not_count() -> None:
    old = policy()
    moved = dataclasses.replace(
        target(),
        span=span(40),
        objective=m.PercentWithin(Fraction(19, 20), 900, span=span(41)),
    )
    # the same policy written elsewhere, targets in another order
    new = policy(
        targets={"email_availability": AVAIL, "p1_response": moved},
        source_path="other.sla",
        source_sha256="abc",
        span=span(1),
    )
    result = diff_policies(old, new)
    assert not result.changed
    assert result.render_text().startswith("no semantic changes")


def test_higher_percent_is_stricter() -> None:
    new = policy(targets={"p1_response": target(objective=m.PercentWithin(Fraction(98, 100), 900))})
    new = dataclasses.replace(new, targets={**new.targets, "email_availability": AVAIL})
    c = only(policy(), new)
    assert (c.clause, c.aspect, c.direction) == ("target p1_response", "objective", "stricter")
    assert (c.old, c.new) == ("95% within 15m", "98% within 15m")


def test_shorter_limit_is_stricter_and_mixed_moves_are_changed() -> None:
    base = policy()
    shorter = dataclasses.replace(
        base,
        targets={
            **base.targets,
            "p1_response": target(objective=m.PercentWithin(Fraction(95, 100), 600)),
        },
    )
    assert only(base, shorter).direction == "stricter"
    assert only(shorter, base).direction == "looser"
    # 95% -> 90% is looser, 15m -> 10m is stricter: no single direction
    mixed = dataclasses.replace(
        base,
        targets={
            **base.targets,
            "p1_response": target(objective=m.PercentWithin(Fraction(9, 10), 600)),
        },
    )
    assert only(base, mixed).direction == "changed"


def test_lower_availability_is_looser() -> None:
    base = policy()
    lower = dataclasses.replace(AVAIL, objective=m.AvailabilityAtLeast(Fraction(995, 1000)))
    c = only(base, dataclasses.replace(base, targets={**base.targets, "email_availability": lower}))
    assert c.direction == "looser"
    assert (c.old, c.new) == (">= 99.9%", ">= 99.5%")


def test_means_counts_and_percentiles() -> None:
    base = policy()

    def with_objective(obj: m.Objective) -> m.CheckedPolicy:
        return dataclasses.replace(
            base, targets={**base.targets, "p1_response": target(objective=obj)}
        )

    def direction(a: m.Objective, b: m.Objective) -> str:
        return only(with_objective(a), with_objective(b)).direction

    assert (
        direction(
            m.AggregateCompare("mean", ">=", Fraction(21, 5)),
            m.AggregateCompare("mean", ">=", Fraction(9, 2)),
        )
        == "stricter"
    )
    assert (
        direction(
            m.AggregateCompare("mean", "<=", Fraction(1800), "duration"),
            m.AggregateCompare("mean", "<=", Fraction(1200), "duration"),
        )
        == "stricter"
    )
    # same bound, strict instead of inclusive: stricter
    assert (
        direction(
            m.AggregateCompare("mean", ">=", Fraction(4)),
            m.AggregateCompare("mean", ">", Fraction(4)),
        )
        == "stricter"
    )
    assert direction(m.CountCompare(">=", 1), m.CountCompare(">=", 2)) == "stricter"
    assert direction(m.CountCompare("<=", 3), m.CountCompare("<=", 5)) == "looser"
    assert (
        direction(m.PercentileAtMost(90, 27 * 3600), m.PercentileAtMost(95, 27 * 3600))
        == "stricter"
    )
    assert (
        direction(m.PercentileAtMost(90, 27 * 3600), m.PercentWithin(Fraction(9, 10), 27 * 3600))
        == "changed"
    )


def test_target_added_and_removed() -> None:
    base = policy()
    fewer = dataclasses.replace(base, targets={"p1_response": target()})
    c = only(base, fewer)
    assert (c.clause, c.direction, c.new) == ("target email_availability", "removed", None)
    assert c.old is not None and "require >= 99.9%" in c.old
    assert only(fewer, base).direction == "added"


def test_scope_change_prints_both_scopes() -> None:
    base = policy()
    wider = m.InList(m.FieldRef("priority"), (m.Literal_("P1", "tier"), m.Literal_("P2", "tier")))
    new = dataclasses.replace(base, targets={**base.targets, "p1_response": target(scope=wider)})
    c = only(base, new)
    assert (c.aspect, c.direction) == ("scope", "changed")
    assert (c.old, c.new) == ("priority = P1", "priority in [P1, P2]")
    text = diff_policies(base, new).render_text()
    assert "  - priority = P1\n  + priority in [P1, P2]\n" in text
    scoped = m.And(
        (P1, m.InList(m.FieldRef("status"), (m.Literal_("cancelled", "string"),), negated=True))
    )
    c2 = only(
        base,
        dataclasses.replace(base, targets={**base.targets, "p1_response": target(scope=scoped)}),
    )
    assert c2.new == 'priority = P1 and status not in ["cancelled"]'


def test_clock_and_pause_exclusion() -> None:
    base = policy()
    on_business = target(
        measure=m.Elapsed(
            "created_at", "first_response_at", clock="business", builtin="response_time"
        )
    )
    c = only(base, dataclasses.replace(base, targets={**base.targets, "p1_response": on_business}))
    assert (c.aspect, c.old, c.new) == ("clock", "(tier coverage)", "business")
    excluding = target(
        measure=m.Elapsed(
            "created_at", "first_response_at", exclude_pauses=("customer",), builtin="response_time"
        )
    )
    c = only(base, dataclasses.replace(base, targets={**base.targets, "p1_response": excluding}))
    # excluding the customer's pauses takes time off the provider's clock
    assert (c.aspect, c.direction) == ("pause exclusion", "looser")
    assert c.new == 'response_time excluding pauses where reason in ["customer"]'


def test_credit_tier_amount_and_threshold() -> None:
    base = policy()
    rule = base.credits[0]
    bigger = dataclasses.replace(rule, tiers=(*rule.tiers[:2], tier(7, Fraction(999, 1000))))
    c = only(base, dataclasses.replace(base, credits=(bigger,)))
    assert (c.clause, c.aspect, c.direction) == (
        "credit availability_credits",
        "tier `email_availability < 99.9%`",
        "higher",
    )
    assert (c.old, c.new) == ("5% of fee", "7% of fee")
    # 10% below 99.5% -> 10% below 99.7%: fires for more values, stricter on the provider
    moved = dataclasses.replace(
        rule, tiers=(rule.tiers[0], tier(10, Fraction(997, 1000)), rule.tiers[2])
    )
    c = only(base, dataclasses.replace(base, credits=(moved,)))
    assert (c.aspect, c.direction) == ("tier condition", "stricter")
    assert c.old == "when email_availability < 99.5% credit 10% of fee"
    assert c.new == "when email_availability < 99.7% credit 10% of fee"
    dropped = dataclasses.replace(rule, tiers=rule.tiers[1:])
    c = only(base, dataclasses.replace(base, credits=(dropped,)))
    assert (c.aspect, c.direction) == ("tier", "removed")


def test_caps_and_fees() -> None:
    base = policy()
    c = only(
        base, dataclasses.replace(base, caps=(m.Cap(m.PercentOfFee(Fraction(1, 5)), "period"),))
    )
    assert (c.clause, c.direction, c.old, c.new) == (
        "cap per period",
        "lower",
        "cap credits at 30% of fee per period",
        "cap credits at 20% of fee per period",
    )
    yearly = (*base.caps, m.Cap(m.PercentOfFee(Fraction(1, 10)), "year"))
    c = only(base, dataclasses.replace(base, caps=yearly))
    assert (c.clause, c.direction) == ("cap per year", "added")
    fee = (m.FeeLine(Decimal("12500.00"), "month", dt.date(2026, 1, 1)),)
    c = only(base, dataclasses.replace(base, fees=fee))
    # 12,500 - 12,000 = 500 more per month
    assert (c.clause, c.direction, c.detail) == ("fee", "higher", "+500 USD per month")
    schedule = (*base.fees, m.FeeLine(Decimal("12345.30"), "month", dt.date(2027, 1, 1)))
    c = only(base, dataclasses.replace(base, fees=schedule))
    assert (c.aspect, c.direction, c.new) == (
        "from 2027-01-01",
        "added",
        "fee 12345.30 USD per month from 2027-01-01",
    )


def test_calendar_windows_holidays_closed() -> None:
    base = policy()
    shorter = dataclasses.replace(BUSINESS, windows=weekdays(m.Window(9 * 3600, 17 * 3600)))
    changes = diff_policies(
        base, dataclasses.replace(base, calendars={"business": shorter})
    ).changes
    # 08:00-18:00 is 10h, 09:00-17:00 is 8h, the same change mon..fri reads as one
    assert [(c.aspect, c.direction) for c in changes] == [("open mon-fri", "lower")]
    assert changes[0].detail == "open 10h -> 8h a day"
    assert (changes[0].old, changes[0].new) == ("08:00-18:00", "09:00-17:00")
    saturday = dataclasses.replace(
        BUSINESS, windows=(*BUSINESS.windows[:5], (m.Window(9 * 3600, 13 * 3600),), ())
    )
    changes = diff_policies(
        base, dataclasses.replace(base, calendars={"business": saturday})
    ).changes
    # sat: closed -> 09:00-13:00 = 4h more
    assert [(c.aspect, c.direction, c.old, c.new) for c in changes] == [
        ("open sat", "higher", "closed", "09:00-13:00")
    ]
    other = dataclasses.replace(
        BUSINESS,
        holidays=(m.HolidaySpec("US", except_names=("Columbus Day",)),),
        closed=(dt.date(2026, 12, 24), dt.date(2026, 12, 31)),
    )
    changes = diff_policies(base, dataclasses.replace(base, calendars={"business": other})).changes
    got = [(c.aspect, c.direction, c.old, c.new) for c in changes]
    assert got == [
        ("holidays", "higher", 'holidays "US"', 'holidays "US" except "Columbus Day"'),
        ("closed", "added", None, "closed 2026-12-31"),
    ]
    assert changes[0].detail == "open again on Columbus Day"
    other_country = dataclasses.replace(BUSINESS, holidays=(m.HolidaySpec("GB", "ENG"),))
    changes = diff_policies(
        base, dataclasses.replace(base, calendars={"business": other_country})
    ).changes
    assert [(c.direction, c.old, c.new) for c in changes] == [
        ("added", None, 'holidays "GB" subdivision "ENG"'),
        ("removed", 'holidays "US"', None),
    ]


def test_tier_coverage() -> None:
    base = policy()
    c = only(base, dataclasses.replace(base, tiers={"P1": m.Tier("P1", None, "business")}))
    assert (c.clause, c.aspect, c.old, c.new) == (
        "tier P1",
        "coverage",
        "coverage 24x7",
        "coverage business",
    )


def test_bonus_easier_is_looser_exit_easier_is_stricter() -> None:
    base = policy()
    easier = dataclasses.replace(base.bonuses[0], condition=m.Consecutive(None, "met", 2))
    c = only(base, dataclasses.replace(base, bonuses=(easier,)))
    assert (c.clause, c.direction) == ("bonus excellence", "looser")
    assert (c.old, c.new) == (
        "all targets met in 3 consecutive periods",
        "all targets met in 2 consecutive periods",
    )
    exit_ = base.exits[0]
    sooner = dataclasses.replace(
        exit_,
        condition=m.AnyOf(
            (m.Consecutive("email_availability", "breached", 2), m.BreachCount(5, 6))
        ),
    )
    c = only(base, dataclasses.replace(base, exits=(sooner,)))
    assert (c.clause, c.aspect, c.direction) == ("exit for_cause", "condition", "stricter")
    longer = dataclasses.replace(exit_, notice_s=60 * 86400, notice_text="60d")
    c = only(base, dataclasses.replace(base, exits=(longer,)))
    assert (c.aspect, c.direction, c.old, c.new) == ("notice", "higher", "notice 30d", "notice 60d")


def test_json_and_text_outputs() -> None:
    base = policy()
    new = dataclasses.replace(base, targets={"p1_response": target()}, caps=())
    result = diff_policies(base, new, "HEAD~1:x.sla", "x.sla")
    doc = json.loads(result.render_json())
    assert doc["changed"] is True
    assert doc["summary"] == {"removed": 2}
    assert {c["clause"] for c in doc["changes"]} == {"target email_availability", "cap per period"}
    text = result.render_text()
    assert text.splitlines()[0] == "--- HEAD~1:x.sla"
    assert text.splitlines()[-1] == "2 semantic change(s): 2 removed"


def test_value_threshold_of_a_mean_is_a_number() -> None:
    base = policy()
    sat = target(
        "satisfaction",
        dataset="surveys",
        scope=None,
        anchor="submitted_at",
        measure=m.Aggregate("mean", "score"),
        objective=m.AggregateCompare("mean", ">=", Fraction(21, 5)),
    )
    rule = m.CreditRule(
        "sat",
        (
            m.CreditTier(
                m.ValueBelow("satisfaction", "<", Fraction(4)), m.FixedAmount(Decimal(500)), "x"
            ),
        ),
    )
    new = dataclasses.replace(
        base, targets={**base.targets, "satisfaction": sat}, credits=(*base.credits, rule)
    )
    changes = diff_policies(base, new).changes
    assert [c.new for c in changes if c.clause == "credit sat"] == [
        "when satisfaction < 4 credit 500 USD"
    ]


def test_number_formatting() -> None:
    assert percent_text(Fraction(999, 1000)) == "99.9%"
    assert percent_text(Fraction(19, 20)) == "95%"
    # no policy literal has this value; written to 9 places it stays a valid literal
    assert percent_text(Fraction(1, 3)) == "33.333333333%"
    assert number_text(Fraction(-1, 8)) == "-0.125"
    assert number_text(Decimal("12000.00")) == "12000"
    assert duration_text(5400) == "1h30m"
    assert duration_text(14 * 86400) == "14d"
    assert duration_text(0) == "0s"


def test_escalation_steps() -> None:
    esc = m.Escalation(
        "p1_open",
        "tickets",
        P1,
        (m.EscalationStep("Lead", after_s=1800), m.EscalationStep("CIO", after_s=4 * 3600)),
    )
    base = policy(escalations={"p1_open": esc})
    sooner = dataclasses.replace(
        esc,
        steps=(
            m.EscalationStep("Lead", after_s=900),
            esc.steps[1],
            m.EscalationStep("CEO", after_s=8 * 3600),
        ),
    )
    changes = diff_policies(
        base, dataclasses.replace(base, escalations={"p1_open": sooner})
    ).changes
    got = [(c.aspect, c.direction, c.old, c.new) for c in changes]
    # notifying the lead after 15m instead of 30m asks more of the provider
    assert got == [
        ("step", "added", None, 'at 8h notify "CEO"'),
        ("step", "stricter", 'at 30m notify "Lead"', 'at 15m notify "Lead"'),
    ]


def test_header_owner_earn_back_pauses_and_datasets() -> None:
    base = policy()
    other = dataclasses.replace(
        base,
        timezone="Europe/London",
        at_risk_fraction=Fraction(1, 3),
        targets={**base.targets, "p1_response": target(owner=m.Owner.CUSTOMER)},
        earn_backs=(m.EarnBack("email_availability", 3),),
        pauses=(m.PauseRule("tickets", ("Waiting Customer",), "customer"),),
        datasets={
            "change_approvals": m.DatasetDecl(
                "change_approvals", (m.FieldDecl("approved_at", "timestamp"),), "requested_at"
            )
        },
    )
    got = [(c.clause, c.aspect, c.direction) for c in diff_policies(base, other).changes]
    assert got == [
        ("policy", "timezone", "changed"),
        ("policy", "at risk threshold", "higher"),
        ("dataset change_approvals", "dataset", "added"),
        ("pause", "pause rule", "added"),
        ("target p1_response", "owner", "changed"),
        ("earn back email_availability", "earn back", "added"),
    ]
    later = dataclasses.replace(other, earn_backs=(m.EarnBack("email_availability", 6),))
    [change] = diff_policies(other, later).changes
    # six met periods to earn a credit back instead of three: harder on the provider
    assert (change.direction, change.new) == (
        "stricter",
        "earn back email_availability credits after 6 met periods",
    )


# --------------------------------------------------------------------------- issue 13


def _with(objective: m.Objective, **fields: object) -> m.CheckedPolicy:
    base = policy()
    changed = dataclasses.replace(target(objective=objective), **fields)  # type: ignore[arg-type]
    return dataclasses.replace(base, targets={**base.targets, "p1_response": changed})


def test_a_longer_business_day_limit_is_looser() -> None:
    three = m.PercentWithin(Fraction(19, 20), 3 * m.BD_SECONDS, business_days=True)
    five = m.PercentWithin(Fraction(19, 20), 5 * m.BD_SECONDS, business_days=True)
    c = only(_with(three), _with(five))
    assert (c.aspect, c.direction, c.old, c.new) == (
        "objective",
        "looser",
        "95% within 3bd",
        "95% within 5bd",
    )


def test_business_days_and_time_are_not_comparable() -> None:
    # 3bd is no fixed length: 3d (72h) is neither stricter nor looser than it
    days = m.PercentWithin(Fraction(19, 20), 3 * m.BD_SECONDS, business_days=True)
    hours = m.PercentWithin(Fraction(19, 20), 3 * m.BD_SECONDS)
    c = only(_with(days), _with(hours))
    assert (c.direction, c.old, c.new) == ("changed", "95% within 3bd", "95% within 3d")


def test_no_data_counts_as_met_is_looser_than_no_rule_and_breached_stricter() -> None:
    plain = target().objective
    c = only(_with(plain), _with(plain, no_data_counts_as="met"))
    assert (c.aspect, c.direction) == ("no data", "looser")
    assert (c.old, c.new) == ("(no rule)", "no data counts as met")
    c = only(_with(plain, no_data_counts_as="met"), _with(plain, no_data_counts_as="breached"))
    assert c.direction == "stricter"


def test_a_target_period_change_is_reported() -> None:
    plain = target().objective
    c = only(_with(plain), _with(plain, every="quarter"))
    assert (c.aspect, c.direction, c.old, c.new) == (
        "target period",
        "changed",
        "(the policy's period)",
        "every quarter",
    )


def test_an_added_target_states_its_period_and_empty_period_rule() -> None:
    base = policy()
    added = dataclasses.replace(
        target(), name="restore", every="quarter", no_data_counts_as="breached"
    )
    new = dataclasses.replace(base, targets={**base.targets, "restore": added})
    c = only(base, new)
    assert c.direction == "added"
    assert c.new is not None
    assert c.new.endswith("every quarter no data counts as breached")
