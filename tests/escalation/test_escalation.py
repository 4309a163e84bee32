"""Escalation ladders as of an instant, hand-computed on small ticket tables."""

from __future__ import annotations

import dataclasses
import datetime as dt
from fractions import Fraction

import polars as pl
import pytest
from consequences.builders import make_policy

from rules_engine.consequences.escalation import EscalationError, escalations_due
from rules_engine.language.model import (
    AfterHours,
    And,
    AvailabilityAtLeast,
    Calendar,
    Compare,
    Elapsed,
    Escalation,
    EscalationStep,
    FieldRef,
    IsOpen,
    Literal_,
    Owner,
    PercentWithin,
    Target,
    Tier,
    Verdict,
    Window,
)

TS = pl.Datetime("us", "UTC")
EVENTS = pl.List(pl.Struct({"at": TS, "contact": pl.String}))
NINE_TO_FIVE = (Window(9 * 3600, 17 * 3600),)
BUSINESS = Calendar("business", "UTC", (NINE_TO_FIVE,) * 5 + ((), ()))


def ts(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text).astimezone(dt.UTC)


def resolution(name: str, priority: str, limit_s: int) -> Target:
    return Target(
        name=name,
        title=None,
        owner=Owner.PROVIDER,
        dataset="tickets",
        scope=Compare(FieldRef("priority"), "=", Literal_(priority, "tier")),
        anchor="created_at",
        measure=Elapsed("created_at", "resolved_at", builtin="resolution_time"),
        objective=PercentWithin(Fraction(9, 10), limit_s),
    )


def of_priority(priority: str) -> And:
    return And((Compare(FieldRef("priority"), "=", Literal_(priority, "tier")), IsOpen()))


P1_LADDER = Escalation(
    "p1_open",
    "tickets",
    of_priority("P1"),
    (
        EscalationStep("Service desk lead", after_s=30 * 60),
        EscalationStep("Account director", fraction=Fraction(1, 2), of_target="p1_resolution"),
        EscalationStep("Customer CIO", after_s=4 * 3600),
    ),
    AfterHours("business", "On-call engineer", first=True),
)
P3_LADDER = Escalation(
    "p3_open",
    "tickets",
    of_priority("P3"),
    (EscalationStep("Team lead", fraction=Fraction(1, 2), of_target="p3_resolution"),),
)


def policy(*ladders: Escalation) -> object:
    base = make_policy()
    return dataclasses.replace(
        base,
        calendars={"business": BUSINESS},
        tiers={
            "P1": Tier("P1", None, "24x7"),
            "P2": Tier("P2", None, "24x7"),
            "P3": Tier("P3", None, "business"),
        },
        targets={
            "p1_resolution": resolution("p1_resolution", "P1", 4 * 3600),
            "p3_resolution": resolution("p3_resolution", "P3", 8 * 3600),
        },
        escalations={e.name: e for e in ladders},
    )


def tickets() -> pl.DataFrame:
    rows = [
        # id, priority, created_at, resolved_at, escalation events
        ("T1", "P1", "2026-04-08T09:00Z", None, [("2026-04-08T09:20Z", "service desk lead ")]),
        (
            "T2",
            "P1",
            "2026-04-08T05:00Z",
            None,
            [("2026-04-08T05:35Z", "Service desk lead"), ("2026-04-08T06:50Z", "Account director")],
        ),
        ("T3", "P1", "2026-04-08T09:45Z", None, []),
        ("T4", "P1", "2026-04-08T06:00Z", "2026-04-08T07:00Z", []),
        ("T5", "P2", "2026-04-08T01:00Z", None, []),
        ("T6", "P3", "2026-04-07T15:00Z", None, []),
        ("T7", "P1", "2026-04-08T11:00Z", None, []),  # created after as-of 10:00
    ]
    return pl.DataFrame(
        {
            "id": [r[0] for r in rows],
            "priority": [r[1] for r in rows],
            "created_at": [ts(r[2]) for r in rows],
            "resolved_at": [None if r[3] is None else ts(r[3]) for r in rows],
            "escalations": [[{"at": ts(a), "contact": c} for a, c in r[4]] for r in rows],
        },
        schema={
            "id": pl.String,
            "priority": pl.String,
            "created_at": TS,
            "resolved_at": TS,
            "escalations": EVENTS,
        },
    )


def test_open_records_that_crossed_a_step() -> None:
    report = escalations_due(policy(P1_LADDER), {"tickets": tickets()}, ts("2026-04-08T10:00Z"))  # type: ignore[arg-type]
    [p1] = report.results
    # open P1 tickets anchored by 10:00: T1, T2, T3 (T4 resolved 07:00, T7 created 11:00)
    assert p1.open_in_scope == 3
    by_id = {r.record_id: r for r in p1.records}
    assert sorted(by_id) == ["T1", "T2"]  # T3 is 15 minutes old: nothing crossed
    t1 = by_id["T1"]
    # T1 09:00: 30m -> 09:30 crossed; 50% of 4h = 2h on 24x7 -> 11:00 next
    assert [(s.index, s.due_at) for s in t1.crossed] == [(1, ts("2026-04-08T09:30Z"))]
    assert t1.notify == ("Service desk lead",)
    assert t1.next_step is not None
    assert (t1.next_step.index, t1.next_step.due_at) == (2, ts("2026-04-08T11:00Z"))
    assert t1.after_hours is False  # Wednesday 10:00 is inside 09:00-17:00
    t2 = by_id["T2"]
    # T2 05:00: 05:30, 07:00, 09:00 all crossed; the latest contact is the CIO
    assert [s.due_at for s in t2.crossed] == [
        ts("2026-04-08T05:30Z"),
        ts("2026-04-08T07:00Z"),
        ts("2026-04-08T09:00Z"),
    ]
    assert t2.notify == ("Customer CIO",) and t2.next_step is None


def test_after_hours_path_notifies_on_call_first() -> None:
    report = escalations_due(policy(P1_LADDER), {"tickets": tickets()}, ts("2026-04-08T20:00Z"))  # type: ignore[arg-type]
    [p1] = report.results
    assert p1.after_hours is not None and p1.after_hours.applies is True
    t1 = next(r for r in p1.records if r.record_id == "T1")
    # T1 at 20:00: 11 h old, every step crossed; the CIO step (13:00) is the latest
    assert t1.notify == ("On-call engineer", "Customer CIO")
    assert t1.after_hours is True


def test_fraction_of_a_business_clock_limit() -> None:
    pol = policy(P3_LADDER)
    tables = {"tickets": tickets()}
    # T6 P3 created Tue 15:00; 50% of 8h = 4h business: Tue 15-17 (2h) + Wed 09-11 (2h)
    before = escalations_due(pol, tables, ts("2026-04-08T10:00Z"))  # type: ignore[arg-type]
    assert before.results[0].records == ()
    after = escalations_due(pol, tables, ts("2026-04-08T11:00Z"))  # type: ignore[arg-type]
    [t6] = after.results[0].records
    assert t6.crossed[0].due_at == ts("2026-04-08T11:00Z")  # exactly at the due instant
    assert t6.crossed[0].clock == "business"
    assert t6.crossed[0].label == "50% of p3_resolution"


def test_compliance_late_and_missed_steps() -> None:
    report = escalations_due(policy(P1_LADDER), {"tickets": tickets()}, ts("2026-04-08T10:00Z"))  # type: ignore[arg-type]
    compliance = report.results[0].compliance
    assert compliance is not None
    # required (due by 10:00 while open):
    #   T2 s1 05:30 (notified 05:35: late 300 s), T2 s2 07:00 (06:50: on time),
    #   T4 s1 06:30 (resolved 07:00, never notified: missed), T2 s3 09:00 (missed),
    #   T1 s1 09:30 (09:20, contact matched ignoring case and spaces: on time)
    #   T4 s2 would be due 08:00, after T4 was resolved: not required
    assert (compliance.required, compliance.on_time, compliance.late, compliance.missed) == (
        5,
        2,
        1,
        2,
    )
    assert compliance.verdict is Verdict.BREACHED
    assert [(p.record_id, p.step, p.status, p.late_s) for p in compliance.problems] == [
        ("T2", 1, "late", 300),
        ("T4", 1, "missed", None),
        ("T2", 3, "missed", None),
    ]
    assert report.breached


def test_grace_turns_a_late_step_on_time() -> None:
    report = escalations_due(
        policy(P1_LADDER),  # type: ignore[arg-type]
        {"tickets": tickets()},
        ts("2026-04-08T10:00Z"),
        grace_s=300,
    )
    compliance = report.results[0].compliance
    assert compliance is not None and (compliance.on_time, compliance.late) == (3, 0)


def test_json_and_text_forms() -> None:
    report = escalations_due(policy(P1_LADDER), {"tickets": tickets()}, ts("2026-04-08T10:00Z"))  # type: ignore[arg-type]
    data = report.to_json()
    assert data["as_of"] == "2026-04-08T10:00:00Z"
    first = data["escalations"][0]
    assert first["steps"] == ["30m", "50% of p1_resolution", "4h"]
    assert first["escalated"][0]["id"] == "T2"  # ordered by creation
    assert first["escalated"][0]["level"] == 3
    text = report.to_text()
    assert "escalations as of 2026-04-08 10:00 +00:00" in text
    assert "T1: step 1 (at 30m) due 2026-04-08 09:30 +00:00; notify Service desk lead" in text
    assert "compliance: breached (5 steps required: 2 on time, 1 late, 2 missed)" in text


def test_step_on_a_target_without_a_time_limit_is_an_error() -> None:
    ladder = Escalation(
        "bad",
        "tickets",
        None,
        (EscalationStep("x", fraction=Fraction(1, 2), of_target="p1_resolution"),),
    )
    pol = policy(ladder)
    target = pol.targets["p1_resolution"]  # type: ignore[attr-defined]
    broken = dataclasses.replace(
        pol,  # type: ignore[type-var]
        targets={
            "p1_resolution": dataclasses.replace(
                target, objective=AvailabilityAtLeast(Fraction(999, 1000))
            )
        },
    )
    with pytest.raises(EscalationError, match="needs a target with a time limit"):
        escalations_due(broken, {"tickets": tickets()}, ts("2026-04-08T10:00Z"))


def test_no_table_means_nothing_due() -> None:
    report = escalations_due(policy(P1_LADDER), {}, ts("2026-04-08T10:00Z"))  # type: ignore[arg-type]
    assert report.results[0].records == () and report.results[0].compliance is None


def test_flat_rows_for_reports() -> None:
    report = escalations_due(policy(P1_LADDER), {"tickets": tickets()}, ts("2026-04-08T10:00Z"))  # type: ignore[arg-type]
    assert report.to_rows() == [
        {
            "escalation": "p1_open",
            "id": "T2",
            "step": "3. at 4h",
            "due_at": "2026-04-08T09:00:00Z",
            "notify": "Customer CIO",
            "after_hours": False,
            "next_step": None,
            "next_due_at": None,
        },
        {
            "escalation": "p1_open",
            "id": "T1",
            "step": "1. at 30m",
            "due_at": "2026-04-08T09:30:00Z",
            "notify": "Service desk lead",
            "after_hours": False,
            "next_step": "2. at 50% of p1_resolution",
            "next_due_at": "2026-04-08T11:00:00Z",
        },
    ]


PAUSES = pl.List(pl.Struct({"start": TS, "end": TS, "reason": pl.String}))


def paused_tickets() -> pl.DataFrame:
    rows = [
        # id, created_at, pauses (start, end, reason)
        ("T8", "2026-04-08T08:00Z", [("2026-04-08T08:30Z", "2026-04-08T09:30Z", "customer")]),
        ("T9", "2026-04-08T08:00Z", [("2026-04-08T08:30Z", None, "customer")]),
        ("T10", "2026-04-08T08:00Z", [("2026-04-08T08:30Z", "2026-04-08T09:30Z", "vendor")]),
        (
            "T11",
            "2026-04-08T06:00Z",
            [
                ("2026-04-08T06:30Z", "2026-04-08T07:00Z", "customer"),
                ("2026-04-08T06:45Z", "2026-04-08T07:30Z", "customer"),
                ("2026-04-08T08:15Z", "2026-04-08T08:45Z", "customer"),
            ],
        ),
    ]
    return pl.DataFrame(
        {
            "id": [r[0] for r in rows],
            "priority": ["P1"] * len(rows),
            "created_at": [ts(r[1]) for r in rows],
            "resolved_at": [None] * len(rows),
            "pauses": [
                [
                    {"start": ts(a), "end": None if b is None else ts(b), "reason": c}
                    for a, b, c in r[2]
                ]
                for r in rows
            ],
        },
        schema={
            "id": pl.String,
            "priority": pl.String,
            "created_at": TS,
            "resolved_at": TS,
            "pauses": PAUSES,
        },
    )


def test_steps_on_a_target_that_excludes_pauses_wait_for_them() -> None:
    pol = policy(P1_LADDER)
    target = pol.targets["p1_resolution"]  # type: ignore[attr-defined]
    measure = dataclasses.replace(target.measure, exclude_pauses=("customer",))
    pol = dataclasses.replace(
        pol,  # type: ignore[type-var]
        targets={"p1_resolution": dataclasses.replace(target, measure=measure)},
    )
    report = escalations_due(pol, {"tickets": paused_tickets()}, ts("2026-04-08T10:30Z"))
    by_id = {r.record_id: r for r in report.results[0].records}
    # step 2 = 50% of 4h = 2h of counted time from created_at
    # T8: 08:00 + 2h + the customer pause 08:30-09:30 (1h) = 11:00, not yet crossed
    assert by_id["T8"].next_step is not None and by_id["T8"].next_step.index == 2
    assert by_id["T8"].next_step.due_at == ts("2026-04-08T11:00Z")
    # T9: paused since 08:30 with no end: step 2 waits (no due instant), so the next
    # step to fall due is step 3, 4h of wall time after creation (12:00)
    assert [s.index for s in by_id["T9"].crossed] == [1]
    assert by_id["T9"].next_step is not None and by_id["T9"].next_step.index == 3
    assert by_id["T9"].next_step.due_at == ts("2026-04-08T12:00Z")
    # T10: a vendor pause is not excluded: 08:00 + 2h = 10:00, crossed
    assert [s.index for s in by_id["T10"].crossed] == [1, 2]
    assert by_id["T10"].crossed[1].due_at == ts("2026-04-08T10:00Z")
    # T11: pauses 06:30-07:00 and 06:45-07:30 merge to 06:30-07:30 (1h); 06:00 + 2h + 1h
    # = 09:00 lands after 08:15, so 08:15-08:45 (30m) counts too: due 09:30, crossed
    assert by_id["T11"].crossed[1].due_at == ts("2026-04-08T09:30Z")
    # the duration steps stay on 24x7 wall time: 30m after creation whatever the pauses
    assert by_id["T9"].crossed[0].due_at == ts("2026-04-08T08:30Z")


def test_no_escalation_events_anywhere_means_no_compliance_check() -> None:
    empty = tickets().with_columns(pl.lit([], dtype=EVENTS).alias("escalations"))
    report = escalations_due(policy(P1_LADDER), {"tickets": empty}, ts("2026-04-08T10:00Z"))  # type: ignore[arg-type]
    assert report.results[0].compliance is None
    assert report.breached is False
    assert len(report.results[0].records) == 2  # the ladder itself still works
    assert "compliance: not checked (the data records no escalation events)" in report.to_text()
