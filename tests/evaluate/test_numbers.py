from fractions import Fraction

from hypothesis import given
from hypothesis import strategies as st

from rules_engine.evaluation import numbers as num
from rules_engine.language.policy_text import duration_text, number_text, percent_text


def test_seconds_whole_and_fractional() -> None:
    assert num.seconds(1200) == 1200
    # (1 - 99.9%) x 31 days = 0.001 x 2,678,400 s = 2,678.4 s
    assert num.seconds(Fraction(1, 1000) * 2_678_400) == "2678.400"
    assert num.seconds(Fraction(-5808, 10)) == "-580.800"
    assert num.us_to_seconds(901_000_000) == 901
    assert num.us_to_seconds(1_500) == "0.002"  # 0.0015 s rounds half-even to 0.002


def test_percent_is_half_even_to_six_places() -> None:
    # 1 - 2678/2678400 = 1337861/1339200 = 99.90001493...% -> 99.900015
    assert num.percent(Fraction(1337861, 1339200)) == "99.900015"
    assert num.percent(Fraction(7, 9)) == "77.777778"
    assert num.fixed(Fraction(1, 2 * 10**6)) == "0.000000"  # exactly half: to even (0)
    assert num.fixed(Fraction(3, 2 * 10**6)) == "0.000002"  # exactly 1.5e-6: to even (2)
    assert num.fixed(Fraction(-1, 10**8)) == "0.000000"  # no negative zero


def test_exact_and_policy_numbers() -> None:
    assert num.exact(Fraction(22, 5)) == "22/5"
    assert num.exact(Fraction(4)) == "4"
    assert number_text(Fraction(43, 2)) == "21.5"
    assert number_text(Fraction(2, 3)) == "0.666666667"  # no finite decimal: 9 places
    assert percent_text(Fraction(999, 1000)) == "99.9%"


def test_policy_durations() -> None:
    assert duration_text(900) == "15m"
    assert duration_text(27 * 3600) == "27h"
    assert duration_text(24 * 3600) == "24h"
    assert duration_text(14 * 86400) == "14d"
    assert duration_text(5400) == "1h30m"
    assert duration_text(-5400) == "-1h30m"


@given(st.integers(min_value=-(10**15), max_value=10**15))
def test_whole_microseconds_round_trip(us: int) -> None:
    shown = num.us_to_seconds(us)
    if us % 1_000_000 == 0:
        assert shown == us // 1_000_000
    else:
        assert isinstance(shown, str)
        assert abs(Fraction(shown) - Fraction(us, 1_000_000)) <= Fraction(1, 2000)


@given(
    st.lists(st.one_of(st.none(), st.integers(min_value=-(10**13), max_value=10**13)), max_size=50)
)
def test_seconds_list_matches_the_exact_scalar_form(values: list[int | None]) -> None:
    import polars as pl

    got = num.seconds_list(pl.Series(values, dtype=pl.Int64))
    assert got == [None if v is None else num.us_to_seconds(v) for v in values]
