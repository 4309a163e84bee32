"""Excluded pause time is the length of the union of a record's pauses: the running
maximum of earlier ends (by doubling shifts, not a window per record) and the pieces it
cuts each pause into, checked by hand and against plain Python."""

from __future__ import annotations

import polars as pl
from hypothesis import given
from hypothesis import strategies as st

from rules_engine.evaluation.periods import parse_period
from rules_engine.evaluation.records import _max_before
from rules_engine.pipeline import evaluate

from .helpers import Bundle, policy, t, tickets
from .test_engine import _resolution

JAN = [parse_period("2026-01", "month", "UTC")]


@given(st.lists(st.lists(st.integers(-5, 50), min_size=1, max_size=9), max_size=6))
def test_max_before_is_the_running_maximum_of_earlier_rows(groups: list[list[int]]) -> None:
    frame = pl.DataFrame(
        {"g": [i for i, g in enumerate(groups) for _ in g], "v": [v for g in groups for v in g]},
        schema={"g": pl.Int64, "v": pl.Int64},
    )
    want: list[int | None] = []
    for g in groups:
        want += [None] + [max(g[:k]) for k in range(1, len(g))]
    assert _max_before(frame, "v", "g").to_list() == want


def test_a_pause_hidden_behind_a_short_one_is_not_counted_twice() -> None:
    # created 10:00, resolved 20:00: gross 10h. Customer pauses 11-17, 12-13, 13:30-14
    # and 14:30-15: the last starts after both short ones ended but inside 11-17 (three
    # pauses back), so the union is 11-17 = 6h, plus 18-19 apart = 7h excluded;
    # measured 10h - 7h = 3h.
    data = tickets(
        [
            {
                "id": "A",
                "created_at": "2026-01-05T10:00:00Z",
                "resolved_at": "2026-01-05T20:00:00Z",
                "pauses": [
                    ("2026-01-05T14:30:00Z", "2026-01-05T15:00:00Z", "customer"),
                    ("2026-01-05T13:30:00Z", "2026-01-05T14:00:00Z", "customer"),
                    ("2026-01-05T11:00:00Z", "2026-01-05T17:00:00Z", "customer"),
                    ("2026-01-05T18:00:00Z", "2026-01-05T19:00:00Z", "customer"),
                    ("2026-01-05T12:00:00Z", "2026-01-05T13:00:00Z", "customer"),
                ],
            }
        ]
    )
    doc = evaluate(
        policy(_resolution()), Bundle({"tickets": data}), JAN, t("2026-02-01T00:00:00Z")
    ).document
    record = doc["periods"][0]["targets"]["res"]["records"]["A"]
    assert (record["gross_s"], record["paused_s"], record["measured_s"]) == (
        36000,
        7 * 3600,
        3 * 3600,
    )
