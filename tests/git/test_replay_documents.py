"""Comparing two evaluation documents, without the engine: hand-made documents."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from rules_engine.workflow.replay import compare_documents, money_text


def period(label: str, verdict: str, credits: list[dict[str, str]], **kw: Any) -> dict[str, Any]:
    total = sum((Decimal(c["amount"]) for c in credits), Decimal("0.00"))
    doc: dict[str, Any] = {
        "period": label,
        "over": True,
        "fee": "12000.00",
        "targets": {
            "email": {"verdict": verdict, "value": kw.pop("value", "99.950000")},
        },
        "credits": credits,
        "credits_total": str(total),
        "bonuses": [],
        "bonus_total": "0.00",
        "exit": kw.pop("exit", []),
    }
    doc.update(kw)
    return doc


def doc(*periods: dict[str, Any], exit_right: Any = None) -> dict[str, Any]:
    return {
        "as_of": "2027-01-01T00:00:00+00:00",
        "currency": "USD",
        "periods": list(periods),
        "exit_right": exit_right,
    }


def test_year_totals_sentence() -> None:
    five = {"rule": "availability", "amount": "600.00"}
    ten = {"rule": "availability", "amount": "1200.00"}
    old = doc(
        period("2026-11", "breached", [ten], value="99.400000"),
        period("2026-12", "breached", [five], value="99.800000"),
        period("2027-01", "met", []),
    )
    new = doc(
        period("2026-11", "breached", [five], value="99.400000"),
        period("2026-12", "breached", [], value="99.800000"),
        period("2027-01", "met", []),
    )
    result = compare_documents(old, new, "OLD", "NEW")
    # 2026: OLD 1,200 + 600 = 1,800.00; NEW 600 + 0 = 600.00; 1,200.00 lower
    assert result.sentences() == [
        "under NEW, 2026 credits would have been 1,200.00 USD lower (1,800.00 USD -> 600.00 USD)"
    ]
    assert [(m.period, m.item, str(m.delta)) for m in result.money] == [
        ("2026-11", "credits total", "-600.00"),
        ("2026-11", "credit availability", "-600.00"),
        ("2026-12", "credits total", "-600.00"),
        ("2026-12", "credit availability", "-600.00"),
    ]
    assert result.verdicts == ()  # same verdicts and values
    assert result.changed


def test_records_from_breached_lists_when_detail_is_not_kept() -> None:
    a = period("2026-01", "breached", [])
    b = period("2026-01", "breached", [])
    a["targets"]["email"]["breached_records"] = [{"id": "T1"}, {"id": "T2"}]
    b["targets"]["email"]["breached_records"] = [{"id": "T2"}]
    b["targets"]["email"]["pending_records"] = [{"id": "T3"}]
    result = compare_documents(doc(a), doc(b))
    assert [(r.record, r.old, r.new) for r in result.records] == [
        ("T1", "breached", "met"),
        ("T3", "met", "pending"),
    ]


def test_exit_rights_and_targets_on_one_side() -> None:
    held = [{"rule": "for_cause", "reasons": ["x"], "notice": "30d"}]
    a = period("2026-06", "breached", [], exit=held)
    b = period("2026-06", "met", [], value="99.950000")
    b["targets"]["chat"] = {"verdict": "met", "value": "100.000000"}
    result = compare_documents(
        doc(a, exit_right={"period": "2026-06", "rules": ["for_cause"]}), doc(b)
    )
    assert [(e.period, e.rule, e.old, e.new) for e in result.exits] == [
        ("2026-06", "for_cause", True, False)
    ]
    assert result.exit_right == ("2026-06", None)
    assert [(v.target, v.old, v.new) for v in result.verdicts] == [
        ("email", "breached", "met"),
        ("chat", None, "met"),
    ]
    text = result.render_text()
    assert "  2026-06 for_cause: holds -> no" in text
    assert "first exit right: 2026-06 -> none" in text
    assert "  2026-06 chat: absent -> met" in text


def test_running_periods_carry_no_money() -> None:
    a = period("2026-07", "breached", [])
    b = period("2026-07", "breached", [])
    a.update(over=False, credits_total=None, fee="12000.00")
    b.update(over=False, credits_total=None, fee="13000.00")
    assert compare_documents(doc(a), doc(b)).money == ()


def test_money_text() -> None:
    assert money_text(Decimal("4200.00"), "USD") == "4,200.00 USD"
    assert money_text(Decimal("1234567"), "JPY") == "1,234,567 JPY"


amounts = st.integers(min_value=0, max_value=10**7).map(lambda c: str(Decimal(c) / 100))
verdicts = st.sampled_from(["met", "breached", "at_risk", "no_data"])


@st.composite
def documents(draw: st.DrawFn) -> dict[str, Any]:
    months = draw(st.integers(min_value=1, max_value=6))
    periods = []
    for i in range(1, months + 1):
        credits = [{"rule": "r", "amount": draw(amounts)}] if draw(st.booleans()) else []
        periods.append(period(f"2026-{i:02d}", draw(verdicts), credits))
    return doc(*periods)


@settings(max_examples=50, deadline=None)
@given(a=documents(), b=documents())
def test_replay_properties(a: dict[str, Any], b: dict[str, Any]) -> None:
    assert not compare_documents(a, a).changed
    forward, backward = compare_documents(a, b), compare_documents(b, a)
    assert sorted((m.period, m.item, m.delta) for m in forward.money) == sorted(
        (m.period, m.item, -m.delta) for m in backward.money
    )
    for total in forward.totals:
        # the yearly total moves by the sum of the per-period credit totals that moved
        moved = sum(
            (
                m.delta
                for m in forward.money
                if m.item == "credits total" and m.period[:4] == total.year
            ),
            Decimal(0),
        )
        if total.kind == "credits":
            assert total.delta == moved
