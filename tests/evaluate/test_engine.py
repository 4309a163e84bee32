"""The evaluator on hand-built policies and tables; every expected number worked by hand."""

from __future__ import annotations

import datetime as dt
import math
from fractions import Fraction

import polars as pl
from hypothesis import given, settings
from hypothesis import strategies as st

from rules_engine.evaluation import judge
from rules_engine.evaluation.periods import parse_period
from rules_engine.language import model
from rules_engine.pipeline import evaluate

from .helpers import Bundle, outages, policy, t, target, tickets

JAN = [parse_period("2026-01", "month", "UTC")]
CUSTOMER = ("customer",)


def _doc(pol: model.CheckedPolicy, bundle: Bundle, as_of: str, labels: list[str]) -> dict:
    periods = [parse_period(p, "month", pol.timezone) for p in labels]
    return evaluate(pol, bundle, periods, t(as_of)).document


def _resolution(exclude: object = CUSTOMER, limit_h: int = 8) -> model.Target:
    return target(
        "res",
        "tickets",
        model.Elapsed("created_at", "resolved_at", exclude_pauses=exclude),  # type: ignore[arg-type]
        model.PercentWithin(Fraction(9, 10), limit_h * 3600),
    )


PAUSED = tickets(
    [
        {
            # gross 10h; customer 11-13 and 12-14 merge to 3h; vendor 15-16 kept;
            # customer 19:00-open runs to the stop (20:00): 1h -> excluded 4h, measured 6h
            "id": "A",
            "created_at": "2026-01-05T10:00:00Z",
            "resolved_at": "2026-01-05T20:00:00Z",
            "pauses": [
                ("2026-01-05T11:00:00Z", "2026-01-05T13:00:00Z", "customer"),
                ("2026-01-05T12:00:00Z", "2026-01-05T14:00:00Z", "customer"),
                ("2026-01-05T15:00:00Z", "2026-01-05T16:00:00Z", "vendor"),
                ("2026-01-05T19:00:00Z", None, "customer"),
            ],
        },
        {
            # open at as-of 09:00: 9h elapsed, customer pause 08:00-open runs to as-of (1h)
            # -> 8h measured, not over 8h -> pending
            "id": "B",
            "created_at": "2026-01-06T00:00:00Z",
            "pauses": [("2026-01-06T08:00:00Z", None, "customer")],
        },
        {"id": "C", "created_at": "2026-01-06T10:00:00Z"},  # anchored after as-of: out of scope
        {
            # resolved after as-of: has not happened, open; 00:00 Jan 5 -> 09:00 Jan 6 = 33h
            "id": "D",
            "created_at": "2026-01-05T00:00:00Z",
            "resolved_at": "2026-01-06T10:00:00Z",
        },
    ]
)


def test_pauses_merge_clip_and_reasons() -> None:
    doc = _doc(
        policy(_resolution()), Bundle({"tickets": PAUSED}), "2026-01-06T09:00:00Z", ["2026-01"]
    )
    res = doc["periods"][0]["targets"]["res"]
    assert res["records"]["A"] == {
        "status": "met",
        "measured_s": 21600,
        "gross_s": 36000,
        "paused_s": 14400,
        "wall_s": 36000,
        "clock": "24x7",
        "open": False,
    }
    assert res["records"]["B"]["status"] == "pending"
    assert res["pending_records"] == [{"id": "B", "elapsed_s": 28800, "limit_s": 28800}]
    assert res["breached_records"] == [
        {"id": "D", "measured_s": 118800, "limit_s": 28800, "open": True}
    ]
    assert "C" not in res["records"]
    # decided 2 (A met, D breached): 1/2 = 50% < 90%; budget floor(0.1 x 2) = 0;
    # to flip: ceil(0.9 x 2) - 1 = 1 more met ticket
    assert (res["in_scope"], res["met"], res["breached"], res["pending"]) == (3, 1, 1, 1)
    assert res["value"] == "50.000000"
    assert res["verdict"] == "breached"
    assert res["budget"]["total"] == 0 and res["budget"]["left"] == -1
    assert res["to_flip"] == 1
    assert res["paused_s_total"] == 14400 + 3600  # A's 4h and B's 1h


def test_excluding_all_pauses_counts_the_vendor_too() -> None:
    doc = _doc(
        policy(_resolution("all")), Bundle({"tickets": PAUSED}), "2026-01-06T09:00:00Z", ["2026-01"]
    )
    # A: 4h customer + 1h vendor excluded = 5h -> 10h - 5h = 5h
    assert doc["periods"][0]["targets"]["res"]["records"]["A"]["measured_s"] == 18000


def test_no_exclusion_by_default() -> None:
    doc = _doc(
        policy(_resolution(None)), Bundle({"tickets": PAUSED}), "2026-01-06T09:00:00Z", ["2026-01"]
    )
    rec = doc["periods"][0]["targets"]["res"]["records"]
    assert rec["A"]["measured_s"] == 36000 and rec["A"]["paused_s"] == 0
    assert rec["B"]["status"] == "breached"  # 9h > 8h without the pause


def test_pauses_derived_from_status_history() -> None:
    rule = model.PauseRule("tickets", ("Waiting Customer",), "customer")
    data = tickets(
        [
            {
                "id": "E",
                "created_at": "2026-01-02T00:00:00Z",
                "resolved_at": "2026-01-02T08:00:00Z",
                "history": [
                    ("2026-01-02T00:00:00Z", "New"),
                    ("2026-01-02T02:00:00Z", "Waiting Customer"),
                    ("2026-01-02T05:00:00Z", "In Progress"),
                    ("2026-01-02T06:00:00Z", "Waiting Customer"),
                    ("2026-01-02T07:00:00Z", "Resolved"),
                ],
            }
        ]
    )
    doc = _doc(
        policy(_resolution(), pauses=(rule,)),
        Bundle({"tickets": data}),
        "2026-02-01T00:00:00Z",
        ["2026-01"],
    )
    # waiting 02-05 (3h) and 06-07 (1h): 8h gross - 4h = 4h
    rec = doc["periods"][0]["targets"]["res"]["records"]["E"]
    assert (rec["gross_s"], rec["paused_s"], rec["measured_s"]) == (28800, 14400, 14400)


def _batch(met: int, breached: int) -> pl.DataFrame:
    rows = []
    for i in range(met + breached):
        minutes = 30 if i < met else 90
        rows.append(
            {
                "id": f"T{i:03d}",
                "created_at": "2026-01-10T00:00:00Z",
                "resolved_at": f"2026-01-10T{minutes // 60:02d}:{minutes % 60:02d}:00Z",
            }
        )
    return tickets(rows)


def _verdict(met: int, breached: int, as_of: str) -> dict:
    pol = policy(_resolution(None, limit_h=1))
    return _doc(pol, Bundle({"tickets": _batch(met, breached)}), as_of, ["2026-01"])["periods"][0][
        "targets"
    ]["res"]


def test_at_risk_is_strictly_under_a_quarter_of_the_budget() -> None:
    running = "2026-01-20T00:00:00Z"
    # 36 of 40 = 90%: budget floor(0.1 x 40) = 4, used 4, left 0 < 1 -> at_risk
    assert _verdict(36, 4, running)["verdict"] == "at_risk"
    # 37 of 40: left 1 = exactly 25% of 4 -> met
    assert _verdict(37, 3, running)["verdict"] == "met"
    # the same 36 of 40 once January is over -> met
    assert _verdict(36, 4, "2026-02-01T00:00:00Z")["verdict"] == "met"
    # 2 of 2: budget floor(0.1 x 2) = 0: a zero budget is never at risk
    assert _verdict(2, 0, running)["verdict"] == "met"
    # 35 of 40 = 87.5% < 90% -> breached while running; to flip ceil(36) - 35 = 1
    res = _verdict(35, 5, running)
    assert res["verdict"] == "breached" and res["to_flip"] == 1


def test_burn_rate_against_elapsed_share() -> None:
    # as-of Jan 20 00:00 UTC: 19 of 31 days elapsed; 36/40 -> used 4 of 4:
    # burn = 4 / (4 x 19/31) = 31/19 = 1.631579
    assert _verdict(36, 4, "2026-01-20T00:00:00Z")["budget"]["burn_rate"] == "1.631579"


def test_availability_without_outages_is_met() -> None:
    avail = target(
        "mail",
        "outages",
        model.Availability(),
        model.AvailabilityAtLeast(Fraction(999, 1000)),
        scope=model.Compare(model.FieldRef("service"), "=", model.Literal_("email", "string")),
    )
    doc = _doc(policy(avail), Bundle({}), "2026-02-01T00:00:00Z", ["2026-01"])
    mail = doc["periods"][0]["targets"]["mail"]
    assert (mail["value"], mail["verdict"], mail["in_scope"]) == ("100.000000", "met", 0)
    assert mail["note"] == "no outages recorded"
    assert mail["scheduled_s"] == 31 * 86400


def test_availability_split_running_outage_and_planned() -> None:
    avail = target(
        "mail",
        "outages",
        model.Availability(),
        model.AvailabilityAtLeast(Fraction(999, 1000)),
        scope=model.Compare(model.FieldRef("service"), "=", model.Literal_("email", "string")),
    )
    data = outages(
        [
            ("O1", "email", "2026-01-31T23:00:00Z", None, False),  # still down at as-of
            ("O2", "email", "2026-01-15T00:00:00Z", "2026-01-15T04:00:00Z", True),  # planned
            ("O3", "crm", "2026-01-15T00:00:00Z", "2026-01-15T04:00:00Z", False),  # other service
        ]
    )
    doc = _doc(
        policy(avail), Bundle({"outages": data}), "2026-02-01T01:00:00Z", ["2026-01", "2026-02"]
    )
    jan, feb = (p["targets"]["mail"] for p in doc["periods"])
    assert jan["downtime_s"] == 3600 and jan["planned_excluded_ids"] == ["O2"]
    assert jan["downtime_intervals"] == [["2026-01-31T23:00:00+00:00", "2026-02-01T00:00:00+00:00"]]
    # February: 1h so far against the whole month: budget 0.1% x 28 x 86,400 = 2,419.2 s
    assert feb["downtime_s"] == 3600 and feb["scheduled_s"] == 2_419_200
    assert feb["budget"]["total"] == "2419.200" and feb["budget"]["left"] == "-1180.800"
    assert feb["verdict"] == "breached"  # final once it happens, though February runs


def test_count_is_always_decided_and_means_need_data() -> None:
    review = target(
        "review", "meetings", model.NoMeasure(), model.CountCompare(">=", 1), anchor="held_at"
    )
    mean = target(
        "sat",
        "surveys",
        model.Aggregate("mean", "score"),
        model.AggregateCompare("mean", ">=", Fraction(21, 5)),
        anchor="submitted_at",
    )
    empty_meetings = pl.DataFrame(
        schema={"id": pl.String, "kind": pl.String, "held_at": pl.Datetime("us", "UTC")}
    )
    doc = _doc(
        policy(review, mean),
        Bundle({"meetings": empty_meetings}),
        "2026-02-01T00:00:00Z",
        ["2026-01"],
    )
    targets = doc["periods"][0]["targets"]
    assert (targets["review"]["count"], targets["review"]["verdict"]) == (0, "breached")
    assert targets["sat"]["verdict"] == "no_data" and targets["sat"]["value"] is None


def test_mean_is_exact_decimal_arithmetic() -> None:
    mean = target(
        "sat",
        "surveys",
        model.Aggregate("mean", "score"),
        model.AggregateCompare("mean", ">=", Fraction(21, 5)),
        anchor="submitted_at",
    )
    surveys = pl.DataFrame(
        {
            "id": ["S1", "S2", "S3"],
            "submitted_at": [t("2026-01-02T00:00:00Z")] * 3,
            "score": [4.1, 4.2, 4.3],
        },
        schema={"id": pl.String, "submitted_at": pl.Datetime("us", "UTC"), "score": pl.Float64},
    )
    doc = _doc(policy(mean), Bundle({"surveys": surveys}), "2026-02-01T00:00:00Z", ["2026-01"])
    sat = doc["periods"][0]["targets"]["sat"]
    # (4.1 + 4.2 + 4.3) / 3 = 12.6 / 3 = 4.2 exactly (binary floats would give 4.199999...)
    assert (sat["sum"], sat["value_exact"], sat["verdict"]) == ("12.6", "21/5", "met")
    assert sat["below_objective_ids"] == ["S1"]


@settings(max_examples=60, deadline=None)
@given(
    st.lists(st.integers(min_value=0, max_value=10**6), min_size=1, max_size=60),
    st.integers(min_value=1, max_value=99),
)
def test_percentile_is_the_nearest_rank(values: list[int], p: int) -> None:
    frame = pl.DataFrame(
        {
            "_pidx": [0] * len(values),
            "measured_us": values,
            "open": [False] * len(values),
            "status": ["met"] * len(values),
        },
        schema={
            "_pidx": pl.Int32,
            "measured_us": pl.Int64,
            "open": pl.Boolean,
            "status": pl.String,
        },
    )
    n, rank, value, lower = judge.percentile_values(frame, p)[0]
    expected_rank = math.ceil(Fraction(p, 100) * len(values))
    assert (n, rank, lower) == (len(values), expected_rank, False)
    assert value == sorted(values)[expected_rank - 1]


def test_one_period_equals_the_same_period_of_a_longer_run() -> None:
    pol = policy(_resolution(None, limit_h=1))
    data = Bundle({"tickets": _batch(36, 4)})
    alone = _doc(pol, data, "2026-04-01T00:00:00Z", ["2026-01"])["periods"][0]
    within = _doc(pol, data, "2026-04-01T00:00:00Z", ["2026-01", "2026-02", "2026-03"])["periods"][
        0
    ]
    assert alone == within


def test_as_of_must_be_aware() -> None:
    pol = policy(_resolution())
    try:
        evaluate(pol, Bundle({}), JAN, dt.datetime(2026, 2, 1))
    except ValueError as exc:
        assert "time zone" in str(exc)
    else:  # pragma: no cover
        raise AssertionError("a naive as-of was accepted")


def test_data_starting_after_the_effective_period_is_reported() -> None:
    # effective 2026-01-01, first ticket 2026-03-05: January and February see no records
    data = tickets(
        [{"id": "A", "created_at": "2026-03-05T10:00:00Z", "resolved_at": "2026-03-05T11:00:00Z"}]
    )
    doc = _doc(
        policy(_resolution()), Bundle({"tickets": data}), "2026-04-01T00:00:00Z", ["2026-03"]
    )
    assert doc["data"]["late_start"] == [
        "data for `tickets` starts 2026-03-05 (2026-03), after the period of the policy's "
        "effective date 2026-01-01: earlier periods have no records"
    ]


def test_awkward_ids_and_fractional_seconds_render_identically() -> None:
    from rules_engine.render.json_out import render_json

    data = tickets(
        [
            # 1h 0.0015s: fractional seconds show as "3600.002" (half-even on 1.5 ms)
            {
                "id": 'Q"1\\x',
                "created_at": "2026-01-05T10:00:00Z",
                "resolved_at": "2026-01-05T11:00:00.001500Z",
            },
            {
                "id": "é-2",
                "created_at": "2026-01-05T10:00:00Z",
                "resolved_at": "2026-01-05T19:00:00Z",
            },
            {"id": "open-3", "created_at": "2026-01-05T10:00:00Z"},
        ]
    )
    periods = [parse_period("2026-01", "month", "UTC")]
    evaluation = evaluate(
        policy(_resolution(None, limit_h=1)),
        Bundle({"tickets": data}),
        periods,
        t("2026-01-06T00:00:00Z"),
    )
    res = evaluation.document["periods"][0]["targets"]["res"]
    assert res["breached_records"][0] == {
        "id": 'Q"1\\x',
        "measured_s": "3600.002",
        "limit_s": 3600,
        "open": False,
    }
    assert render_json(evaluation.skeleton) == render_json(evaluation.document)
    # without an id that needs escaping, the lists take the columnar path
    clean = data.filter(~data["id"].str.contains('"'))
    evaluation = evaluate(
        policy(_resolution(None, limit_h=1)),
        Bundle({"tickets": clean}),
        periods,
        t("2026-01-06T00:00:00Z"),
    )
    assert (
        evaluation.skeleton["periods"][0]["targets"]["res"]["breached_records"].json_items()
        is not None
    )
    assert render_json(evaluation.skeleton) == render_json(evaluation.document)
