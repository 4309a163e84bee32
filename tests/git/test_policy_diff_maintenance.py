"""Semantic diff of the clauses of issue 13 part B: maintenance limit and notice, `once`,
contract-year caps."""

from __future__ import annotations

import dataclasses
from fractions import Fraction

from rules_engine.language import model as m
from rules_engine.workflow.policy_diff import diff_policies

from .models import policy


def only(
    old: m.CheckedPolicy, new: m.CheckedPolicy
) -> tuple[str, str, str, str | None, str | None]:
    changes = diff_policies(old, new).changes
    assert len(changes) == 1, changes
    c = changes[0]
    return (c.clause, c.aspect, c.direction, c.old, c.new)


def rule(limit_h: int | None, notice_d: int | None) -> m.MaintenanceRule:
    return m.MaintenanceRule(
        None if limit_h is None else limit_h * 3600,
        None if limit_h is None else f"{limit_h}h",
        None if notice_d is None else notice_d * 86400,
        None if notice_d is None else f"{notice_d}d",
    )


def test_raising_a_maintenance_limit_is_looser_lowering_it_stricter() -> None:
    base = policy(maintenance=rule(8, 5))
    assert only(base, policy(maintenance=rule(10, 5))) == (
        "maintenance",
        "limit",
        "looser",
        "maintenance at most 8h per period",
        "maintenance at most 10h per period",
    )
    assert only(base, policy(maintenance=rule(4, 5)))[2] == "stricter"


def test_a_longer_notice_is_stricter_and_a_new_clause_is_added() -> None:
    base = policy(maintenance=rule(8, 5))
    assert only(base, policy(maintenance=rule(8, 7)))[1:3] == ("notice", "stricter")
    assert only(base, policy(maintenance=rule(8, 2)))[1:3] == ("notice", "looser")
    assert only(policy(), policy(maintenance=rule(8, None)))[1:3] == ("limit", "added")
    assert only(base, policy(maintenance=rule(None, 5)))[1:3] == ("limit", "removed")


def test_once_on_a_credit_is_looser_and_a_contract_year_cap_is_a_cap_of_its_own() -> None:
    base = policy()
    credit = base.credits[0]
    once = dataclasses.replace(credit, once=True)
    assert only(base, dataclasses.replace(base, credits=(once, *base.credits[1:])))[1:] == (
        "once",
        "looser",
        "every period",
        "once",
    )
    capped = (*base.caps, m.Cap(m.PercentOfFee(Fraction(12, 100)), "contract year"))
    assert only(base, dataclasses.replace(base, caps=capped)) == (
        "cap per contract year",
        "cap",
        "added",
        None,
        "cap credits at 12% of fee per contract year",
    )
