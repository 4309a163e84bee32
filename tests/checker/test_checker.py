"""The checked model the checker builds: units normalized, defaults filled, names resolved.

Expected values are worked out by hand from the policy text (the arithmetic is in the
comments), never copied from the checker's output.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from fractions import Fraction
from pathlib import Path

import pytest

from rules_engine.api import check_source, load_policy
from rules_engine.language import model as m

SKETCH = Path(__file__).parent.parent / "language" / "fixtures" / "design_sketch.sla"
HEAD = """policy "Unit"
effective 2026-03-01
timezone "Europe/London"
currency JPY
fee 100000 per month
"""


def checked(body: str, head: str = HEAD) -> m.CheckedPolicy:
    result = check_source(head + body, "unit.sla")
    assert result.errors == [], result.errors
    assert result.policy is not None
    return result.policy


def codes(body: str, head: str = HEAD) -> list[str]:
    return [d.code for d in check_source(head + body, "unit.sla").diagnostics]


@pytest.fixture(scope="module")
def sketch() -> m.CheckedPolicy:
    return load_policy(SKETCH)


def test_header_and_fee_schedule(sketch: m.CheckedPolicy) -> None:
    assert sketch.currency == m.Currency("USD", 2)
    assert sketch.effective == dt.date(2026, 1, 1)
    assert sketch.period == "month"
    assert sketch.at_risk_fraction == Fraction(1, 4)  # "at risk below 25% budget"
    # the line without `from` starts at `effective`; the schedule is sorted by start
    assert [(f.amount, f.per, f.start) for f in sketch.fees] == [
        (Decimal("12000"), "month", dt.date(2026, 1, 1)),
        (Decimal("12345.30"), "month", dt.date(2027, 1, 1)),
    ]


def test_calendar_windows_per_weekday(sketch: m.CheckedPolicy) -> None:
    business = sketch.calendars["business"]
    # mon-fri 08:00-12:00, 13:00-18:00: 8 h = 28800 s, 12 h = 43200, 13 h = 46800, 18 h = 64800
    weekday = (m.Window(28800, 43200), m.Window(46800, 64800))
    # sat 09:00-13:00: 32400 .. 46800; sunday closed
    assert business.windows == (weekday,) * 5 + ((m.Window(32400, 46800),), ())
    assert business.holidays[0].except_names == ("Columbus Day", "Veterans Day")
    assert business.closed == (dt.date(2026, 4, 3), dt.date(2026, 12, 24))
    london = sketch.calendars["london_office"]
    assert (london.timezone, london.holidays[0].subdivision) == ("Europe/London", "ENG")
    # 09:00-17:30 = 32400 .. 63000
    assert london.windows[0] == (m.Window(32400, 63000),)


def test_targets_resolve_measures_and_objectives(sketch: m.CheckedPolicy) -> None:
    t = sketch.targets
    assert t["p1_response"].measure == m.Elapsed(
        "created_at", "first_response_at", None, None, "response_time"
    )
    assert t["p1_response"].objective == m.PercentWithin(Fraction(95, 100), 15 * 60)
    assert t["p1_resolution"].measure == m.Elapsed(
        "created_at", "resolved_at", None, ("customer",), "resolution_time"
    )
    # p90 <= 27h = 97200 s, on the business clock, all pauses excluded
    assert t["p3_resolution"].objective == m.PercentileAtMost(90, 27 * 3600)
    assert t["p3_resolution"].measure == m.Elapsed(
        "created_at", "resolved_at", "business", "all", "resolution_time"
    )
    assert t["email_availability"].objective == m.AvailabilityAtLeast(Fraction(999, 1000))
    assert t["email_availability"].measure == m.Availability("24x7")
    assert t["critical_patching"].objective.limit_s == 14 * 86400  # type: ignore[union-attr]
    assert t["restore_time"].measure == m.DurationField("recovery_time")
    assert t["restore_time"].objective == m.PercentWithin(Fraction(1), 4 * 3600)  # all within
    assert t["detection"].objective == m.AggregateCompare("mean", "<=", Fraction(1800), "duration")
    assert t["satisfaction"].objective == m.AggregateCompare("mean", ">=", Fraction(42, 10))
    assert t["monthly_review"].objective == m.CountCompare(">=", 1)
    assert isinstance(t["monthly_review"].measure, m.NoMeasure)


def test_owner_anchor_and_scope_defaults(sketch: m.CheckedPolicy) -> None:
    t = sketch.targets
    assert t["p1_response"].owner is m.Owner.PROVIDER
    assert t["change_turnaround"].owner is m.Owner.CUSTOMER
    assert t["change_turnaround"].anchor == "requested_at"
    assert t["critical_patching"].anchor == "published_at"  # schema default
    assert t["projects_on_time"].anchor == "due"
    # `priority = P1`: P1 is no field of tickets, so it is the tier P1
    assert t["p1_resolution"].scope == m.Compare(
        m.FieldRef("priority"), "=", m.Literal_("P1", "tier")
    )
    assert t["onsite_attendance"].scope == m.Truthy(m.FieldRef("onsite_required"))
    rate = t["projects_on_time"].objective
    assert isinstance(rate, m.RateWhere)
    # `delivered_at <= due`: `due` is a field of projects, so both sides are fields
    assert rate.condition == m.And(
        (
            m.Compare(m.FieldRef("delivered_at"), "<=", m.FieldRef("due")),
            m.Compare(m.FieldRef("actual_cost"), "<=", m.FieldRef("budget")),
        )
    )


def test_consequences(sketch: m.CheckedPolicy) -> None:
    tiers = sketch.credits[0].tiers
    assert [t.condition for t in tiers] == [
        m.ValueBelow("email_availability", "<", Fraction(99, 100)),
        m.ValueBelow("email_availability", "<", Fraction(995, 1000)),
        m.ValueBelow("email_availability", "<", Fraction(999, 1000)),
    ]
    assert [t.amount for t in tiers] == [
        m.PercentOfFee(Fraction(1, 4)),
        m.PercentOfFee(Fraction(1, 10)),
        m.PercentOfFee(Fraction(1, 20)),
    ]
    assert tiers[0].label == "email_availability < 99.0%"
    assert sketch.credits[1].tiers[0].condition == m.InLastPeriods("p1_response", "breached", 3, 3)
    assert sketch.credits[2].tiers[0].amount == m.FixedAmount(Decimal("500"))
    assert sketch.caps == (
        m.Cap(m.PercentOfFee(Fraction(3, 10)), "period"),
        m.Cap(m.PercentOfFee(Fraction(1, 10)), "year"),
    )
    assert sketch.earn_backs == (m.EarnBack("p1_response", 3),)
    assert sketch.bonuses[0].condition == m.Consecutive(None, "met", 3)
    assert sketch.bonuses[0].amount == m.PercentOfFee(Fraction(2, 100))
    [exit_rule] = sketch.exits
    assert exit_rule.condition == m.AnyOf(
        (m.Consecutive("email_availability", "breached", 2), m.BreachCount(6, 6))
    )
    assert (exit_rule.notice_s, exit_rule.notice_text) == (30 * 86400, "30d")


def test_escalation_steps(sketch: m.CheckedPolicy) -> None:
    esc = sketch.escalations["p1_open"]
    assert esc.steps == (
        m.EscalationStep("Service desk lead", after_s=1800),
        m.EscalationStep("Account director", fraction=Fraction(1, 2), of_target="p1_resolution"),
        m.EscalationStep("Customer CIO", after_s=4 * 3600),
    )
    assert esc.after_hours == m.AfterHours("business", "On-call engineer", True)
    assert esc.scope == m.And(
        (m.Compare(m.FieldRef("priority"), "=", m.Literal_("P1", "tier")), m.IsOpen())
    )


def test_pause_rule_and_dataset_declaration(sketch: m.CheckedPolicy) -> None:
    assert sketch.pauses == (
        m.PauseRule("tickets", ("Awaiting User Info", "Waiting Customer"), "customer"),
    )
    decl = sketch.datasets["change_approvals"]
    assert decl.anchor == "requested_at"
    assert [(f.name, f.type) for f in decl.fields] == [
        ("requested_at", "timestamp"),
        ("approved_at", "timestamp"),
    ]


def test_defaults_for_a_minimal_policy() -> None:
    policy = checked(
        "tier P1\n"
        "calendar office { open mon 09:00-17:00 }\n"
        'pause while status in ["On Hold"]\n'
        "target p1 { of tickets where priority = P1 measure response_time require 90% within 1h }\n"
    )
    assert policy.period == "month"
    assert policy.at_risk_fraction == Fraction(1, 4)
    assert policy.currency == m.Currency("JPY", 0)
    assert policy.fees[0].start == dt.date(2026, 3, 1)  # effective
    assert policy.tiers["P1"].coverage == "24x7"
    assert policy.calendars["office"].timezone == "Europe/London"  # the policy's zone
    assert policy.pauses == (m.PauseRule("tickets", ("On Hold",), "customer"),)


def test_window_to_midnight_is_86400() -> None:
    policy = checked("calendar late { open sun 22:00-24:00 }\n")
    assert policy.calendars["late"].windows[6] == (m.Window(79200, 86400),)


def test_fee_in_jpy_cannot_have_decimals() -> None:
    assert codes("", HEAD.replace("100000", "100000.5")) == ["SLA315"]


def test_declared_dataset_fields_resolve_in_scopes() -> None:
    policy = checked(
        "dataset tickets { region string }\n"
        'target eu { of tickets where region = "EU" measure resolution_time '
        "require 90% within 8h }\n"
    )
    assert policy.targets["eu"].scope == m.Compare(
        m.FieldRef("region"), "=", m.Literal_("EU", "string")
    )


def test_date_compares_with_timestamp_and_literal_values_are_exact() -> None:
    policy = checked(
        "target t { of tickets where created_at >= 2026-03-15 and priority in "
        '["P1", "P2"] measure resolution_time require 99.5% within 90m }\n'
    )
    scope = policy.targets["t"].scope
    assert isinstance(scope, m.And)
    first = scope.operands[0]
    assert isinstance(first, m.Compare)
    assert first.right == m.Literal_(dt.date(2026, 3, 15), "date")
    # 99.5% = 995/1000 = 199/200; 90m = 5400 s
    assert policy.targets["t"].objective == m.PercentWithin(Fraction(199, 200), 5400)


def test_mean_of_a_duration_field_takes_a_duration() -> None:
    policy = checked(
        "target rto { of restore_tests measure mean recovery_time require mean <= 2h }\n"
    )
    assert policy.targets["rto"].objective == m.AggregateCompare(
        "mean", "<=", Fraction(7200), "duration"
    )


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        # every problem is reported, not just the first
        (
            "target a { of tickest measure response_time require 95% within 1h }\n"
            "target b { of tickets measure response_time require 101% within 1h }\n",
            ["SLA204", "SLA302"],
        ),
        ("target a { of outages measure availability require >= 99.9% }\n" * 2, ["SLA206"]),
        ("target a { of tickets measure response_time require mean >= 4 }\n", ["SLA301"]),
        ("target a { of tickets measure response_time require p90 >= 4h }\n", ["SLA313"]),
        ("target a { of outages measure availability require 95% within 1h }\n", ["SLA313"]),
        ("target a { of surveys measure mean score require sum >= 4 }\n", ["SLA313"]),
        ("target a { of tickets measure response_time require p101 <= 4h }\n", ["SLA310"]),
        ("target a { of tickets measure response_time require pp <= 4h }\n", ["SLA310"]),
        (
            "target a { of tickets where status > 3 measure response_time "
            "require 90% within 1h }\n",
            ["SLA301"],
        ),
        (
            "target a { of tickets where priority in [P7] measure response_time "
            "require 90% within 1h }\n",
            ["SLA203"],
        ),
        (
            "target a { of tickets where pauses is set measure response_time "
            "require 90% within 1h }\n",
            [],
        ),
        (
            "target a { of tickets by status measure response_time require 90% within 1h }\n",
            ["SLA301"],
        ),
        (
            "target a { of surveys measure mean score excluding pauses require mean >= 4 }\n",
            ["SLA312"],
        ),
        (
            "target a { of restore_tests measure recovery_time on 24x7 require 90% within 1h }\n",
            ["SLA312"],
        ),
        ('escalation e { of tickets at 50% of nope notify "x" }\n', ["SLA201"]),
        ('escalation e { of tickets at 1h notify "x" outside 24x7 notify "y" }\n', ["SLA202"]),
        ("calendar 24x7 { open mon 09:00-10:00 }\n", ["SLA101"]),
        ("calendar c { open mon 09:00-10:00, 10:00-11:00 }\n", []),  # touching is fine
        ("calendar c { open mon 24:00-24:00 }\n", ["SLA303"]),
        ("calendar c { open mon 09:60-10:00 }\n", ["SLA303"]),
        ('calendar c { holidays "US" subdivision "CA" except "Cesar Chavez Day" }\n', ["SLA508"]),
        ("calendar c { closed 2026-13-01 }\n", ["SLA314"]),
    ],
)
def test_checks(body: str, expected: list[str]) -> None:
    assert codes(body) == expected


def test_holiday_names_include_observed_days_and_subdivisions() -> None:
    # "Cesar Chavez Day" is a California holiday only: accepted with subdivision CA,
    # rejected for the whole US
    assert codes(
        'calendar c { open mon 09:00-10:00 holidays "US" except "Cesar Chavez Day" }\n'
    ) == ["SLA307"]


def test_an_unknown_dataset_hides_no_other_problem_of_the_target() -> None:
    body = "target a { of tickest measure response_time require 101% within 0m }\n"
    assert codes(body) == ["SLA204", "SLA302", "SLA314"]


def test_a_tier_on_the_wrong_side_of_a_comparison() -> None:
    body = "tier P1\ntarget a { of tickets where 4h < P1 measure response_time require 90% within 1h }\n"
    result = check_source(HEAD + body, "unit.sla")
    [only] = result.diagnostics
    assert (only.code, only.help) == ("SLA207", "write `priority = P1`")


def test_holiday_country_aliases_the_package_accepts() -> None:
    # alpha-3 codes come from the registry; "UK" is an alias the package resolves itself
    for code in ("US", "USA", "UK"):
        assert codes(f'calendar c {{ open mon 09:00-10:00 holidays "{code}" }}\n') == [], code
