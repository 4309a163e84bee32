"""Short record lists take a Python path (a Polars query per short list made a
portfolio's contracts four times slower); it must spell every value as the columnar path
does, so the JSON document is the same bytes either way."""

from __future__ import annotations

import polars as pl
from hypothesis import given
from hypothesis import strategies as st

from rules_engine.evaluation import numbers as num
from rules_engine.evaluation.rows import RowTable
from rules_engine.render.json_out import render_json

MICROSECONDS = st.one_of(
    st.none(),
    st.integers(min_value=-(10**15), max_value=10**15),
    # around a half millisecond, where half-even rounding decides
    st.integers(min_value=-3, max_value=3).map(lambda k: k * 1000 + 500),
    st.integers(min_value=0, max_value=10**6).map(lambda k: k * num.US_PER_S),
)


@given(st.lists(MICROSECONDS, max_size=num.SMALL))
def test_short_columns_convert_as_the_columnar_path_does(values: list[int | None]) -> None:
    column = pl.Series("us", values, dtype=pl.Int64)
    assert num.seconds_list(column) == num.seconds_list_columnar(column)


def test_the_half_millisecond_rounds_to_even_on_both_paths() -> None:
    # 1.0005 s -> 1.000 (0 is even), 1.0015 s -> 1.002, -0.0005 s -> "-0.000"
    column = pl.Series("us", [1_000_500, 1_001_500, -500, 2_000_000], dtype=pl.Int64)
    expected = ["1.000", "1.002", "-0.000", 2]
    assert num.seconds_list(column) == expected
    assert num.seconds_list_columnar(column) == expected


@given(
    st.lists(
        st.tuples(st.integers(min_value=0, max_value=10**12), st.booleans()),
        min_size=0,
        max_size=num.SMALL + 3,
    )
)
def test_a_record_list_is_the_same_json_short_or_long(rows: list[tuple[int, bool]]) -> None:
    frame = pl.DataFrame(
        {
            "id": [f"T{i}" for i in range(len(rows))],
            "measured_us": [r[0] for r in rows],
            "open": [r[1] for r in rows],
        },
        schema={"id": pl.String, "measured_us": pl.Int64, "open": pl.Boolean},
    )
    table = RowTable(frame, "breached", 3600)
    columnar = table.json_items()
    assert columnar is not None
    written = render_json({"records": table})
    assert written == render_json({"records": table.to_python()})
    # what the columnar path writes: one item per line, indented inside the list
    body = "[\n    " + ",\n    ".join(columnar) + "\n  ]" if columnar else "[]"
    assert written == '{\n  "records": ' + body + "\n}\n"
