"""What the report says about the fixture document, worked out by hand from its numbers."""

from __future__ import annotations

from fractions import Fraction
from typing import Any

from rules_engine.render.report.content import build_report


def test_summary_counts_and_money(sample: dict[str, Any]) -> None:
    report = build_report(sample)
    s = report.summary
    # 2026-03: p1 at_risk; email, p3, change met; satisfaction no_data
    assert s.latest == "2026-03" and not s.latest_over
    assert s.latest_counts == {"met": 3, "at_risk": 1, "breached": 0, "no_data": 1}
    # 01: 4 met + change breached; 02: p1, email breached, p3 no_data, 2 met; 03 as above
    assert s.all_counts == {"met": 9, "at_risk": 1, "breached": 3, "no_data": 2}
    # credits: 0.00 (Jan) + 800.00 (Feb); March is running
    assert s.credits_total == "800.00 USD"
    assert s.bonus_total == "0.00 USD"
    assert s.exit_right is None
    assert report.title == "Fixture services"
    assert report.parties == "Northwind MSP for Contoso Ltd"
    assert report.range_text == "2026-01 to 2026-03"


def test_shortfalls_worst_first(sample: dict[str, Any]) -> None:
    report = build_report(sample)
    # provider's first: p1_response Feb: (95 - 80) / 5 = 3 budgets over;
    # email Feb: (99.9 - 99.776786) / 0.1 = 1.23214; then the customer's
    # change_turnaround Jan ((90 - 50) / 10 = 4, but customer-owned)
    assert [(s.target.name, s.period) for s in report.shortfalls] == [
        ("p1_response", "2026-02"),
        ("email_availability", "2026-02"),
        ("change_turnaround", "2026-01"),
    ]
    assert report.shortfalls[0].severity == 3
    assert report.shortfalls[2].severity == 4
    assert [(s.target.name, s.period) for s in report.at_risk] == [("p1_response", "2026-03")]
    # one per shortfall of the latest period (the summary is one screen): p1 at risk in March
    assert len(report.summary.sentences) == 1


def test_wins_and_improvements(sample: dict[str, Any]) -> None:
    report = build_report(sample)
    # March, met: change 100% (headroom 1), email 100% (1), p3 3h of 27h: (27 - 3) / 27 = 8/9
    assert [(w.target.name, w.headroom) for w in report.wins] == [
        ("change_turnaround", 1),
        ("email_availability", 1),
        ("p3_resolution", Fraction(8, 9)),
    ]
    texts = {i.target.name: i.text for i in report.improvements}
    # better only from the verdict, or from more margin on an unchanged verdict; p3 had no
    # data in February, so it is "measured again", not an improvement
    assert texts == {
        "p1_response": "at risk (breached in 2026-02)",
        "email_availability": "met (breached in 2026-02)",
        "change_turnaround": "still met, more margin (95.00% to 100.00%)",
    }
    kinds = {c.target.name: c.kind for c in report.changes}
    assert kinds["p3_resolution"] == "measured"
    assert report.summary.change_words == (
        "since 2026-02: 2 targets recovered, 1 improved (1 customer-owned), 1 without data now, "
        "1 newly measured"
    )


def test_budget_burn_and_pace(sample: dict[str, Any]) -> None:
    report = build_report(sample)
    feb = report.budget["email_availability"]["2026-02"]
    # 5400 s used of 2419.2 s: 5400 / 2419.2 = 2.232142857...
    assert feb.burned == Fraction(5400) / Fraction("2419.2")
    march = report.budget["p1_response"]["2026-03"]
    # 1 of 1 record used; as-of 03-16 12:00 UTC is 15.5 of 31 days = 1/2 of March,
    # so the burn rate is 1 / (1/2) = 2 (twice the sustainable pace)
    assert march.burned == 1
    assert march.rate == 2
    zero = report.budget["p1_response"]["2026-02"]
    assert zero.burned is None  # zero budget: no share to burn, only used records


def test_customer_share_and_listings(sample: dict[str, Any]) -> None:
    report = build_report(sample)
    assert report.pauses == {"p1_response": {"2026-02": 3600}}
    assert [t.name for t in report.customer_targets] == ["change_turnaround"]
    assert report.escalations[0]["record"] == "BR-9"
    assert report.disputed[0]["id"] == "EX-1"
    assert report.warnings and "P9" in report.warnings[0]
    assert report.holidays["business"]["closed"] == ["2026-03-02"]
    audit = dict(report.audit)
    assert audit["Git revision"] == "0123456789abcdef0123456789abcdef01234567"
    assert audit["Policy SHA-256"] == "ab" * 32
    assert audit["Data SHA-256"] == "cd" * 32
    assert audit["As of"] == "2026-03-16T12:00:00+00:00"
    assert audit["Engine version"] == "0.1.0"


def test_conformance_documents_report(conformance_doc: dict[str, Any]) -> None:
    report = build_report(conformance_doc)
    breached = sum(
        1
        for p in conformance_doc["periods"]
        for t in p["targets"].values()
        if t["verdict"] == "breached"
    )
    assert len(report.shortfalls) == breached
    assert len(report.trends) == len(conformance_doc["periods"][0]["targets"])


def test_shortfall_lists_the_worst_ten_records() -> None:
    from rules_engine.render.report.content import worst_records

    target = {
        "breached_records": [
            {"id": f"R{k:02d}", "measured_s": 900 + 60 * k, "limit_s": 900, "open": False}
            for k in range(1, 13)
        ]
    }
    shown, hidden = worst_records(target)
    # R12 is 12 minutes over, R11 11, ... R03 3: ten shown, R02 and R01 left out
    assert [r["id"] for r in shown] == [f"R{k:02d}" for k in range(12, 2, -1)]
    assert hidden == 2


def test_audit_lists_each_datasets_fingerprint_not_a_python_dict() -> None:
    """Issue 12: "Data SHA-256" showed `{'tickets': '4f50…', …}`; the engine writes one
    digest per dataset, so the audit has a row per dataset."""
    import json

    from paths import ROOT

    doc = json.loads((ROOT / "examples" / "accountability" / "expected.json").read_text())
    audit = dict(build_report(doc).audit)
    assert audit["Data SHA-256 (tickets)"] == doc["data"]["sha256"]["tickets"]
    assert len([k for k in audit if k.startswith("Data SHA-256")]) == 4  # four datasets
    assert audit["Data sources"].startswith(
        "change_approvals (examples/accountability/data/change_approvals.jsonl), "
    )
    assert not any("{" in value for value in audit.values())
