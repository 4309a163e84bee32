"""Tokens in isolation: the lexer priorities DESIGN.md's grammar notes warn about."""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction

import pytest

from rules_engine.language import ast
from rules_engine.language.parser import ParseError, parse, reserved_words, tokenize


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        ("2026-12-24", "DATE"),  # not NUMBER 2026 then -12
        ("08:00", "TIME"),
        ("24:00", "TIME"),
        ("8:00", "TIME"),
        ("15m", "DURATION"),
        ("1h30m", "DURATION"),
        ("2d", "DURATION"),
        ("45s", "DURATION"),
        ("2w", "DURATION"),
        ("3bd", "DURATION"),  # business days
        ("99.9%", "PERCENT"),
        ("25%", "PERCENT"),
        ("12345.30", "NUMBER"),
        ("4.2", "NUMBER"),
        ("p90", "NAME"),  # checked by the checker, not a terminal of its own
        ("p1_response", "NAME"),  # a p[0-9]+ terminal would split this
        ("24x7", "CLOCK_24X7"),
        ("`open`", "ESCAPED_NAME"),
        ('"a \\"quoted\\" word"', "STRING"),
    ],
)
def test_single_token(text: str, kind: str) -> None:
    assert tokenize(text) == [(kind, text)]


def test_money_is_a_number_and_a_currency() -> None:
    assert tokenize("500 USD") == [("NUMBER", "500"), ("NAME", "USD")]


def test_window_and_day_range_lex_around_the_minus() -> None:
    assert tokenize("mon-fri 08:00-12:00") == [
        ("NAME", "mon"),
        ("MINUS", "-"),
        ("NAME", "fri"),
        ("TIME", "08:00"),
        ("MINUS", "-"),
        ("TIME", "12:00"),
    ]


def _objective(text: str) -> ast.Objective | None:
    policy = parse(f'policy "p" target t {{ require {text} }}')
    target = policy.items[1]
    assert isinstance(target, ast.TargetDecl)
    return target.objective


@pytest.mark.parametrize(
    ("text", "seconds"),
    [
        ("15m", 900),  # 15 x 60
        ("1h30m", 5400),  # 3600 + 30 x 60
        ("2d", 172800),  # 2 x 86400
        ("45s", 45),
        ("2w", 1209600),  # 2 x 7 x 86400
        ("1w2d3h4m5s", 788645),  # 604800 + 172800 + 10800 + 240 + 5
    ],
)
def test_duration_values(text: str, seconds: int) -> None:
    objective = _objective(f"95% within {text}")
    assert isinstance(objective, ast.PercentWithin)
    assert objective.limit == ast.DurationLit(seconds, text)


def test_percent_is_an_exact_fraction_of_one() -> None:
    objective = _objective(">= 99.9%")
    assert isinstance(objective, ast.ValueObjective)
    assert objective.value == ast.PercentLit(Fraction(999, 1000), "99.9%")  # 99.9 / 100


def test_money_keeps_its_written_form() -> None:
    fee = parse('policy "p" fee 12345.30 USD per month').items[1]
    assert fee == ast.FeeDecl(ast.MoneyLit(Decimal("12345.30"), "USD", "12345.30"), "month")
    assert isinstance(fee, ast.FeeDecl)
    assert str(fee.amount.amount) == "12345.30"  # the trailing zero is kept


def test_time_and_date_literals_are_not_validated_by_the_parser() -> None:
    calendar = parse('policy "p" calendar c { open mon 25:00-24:00 closed 2026-02-30 }').items[1]
    assert isinstance(calendar, ast.CalendarDecl)
    window = calendar.clauses[0]
    assert isinstance(window, ast.OpenClause)
    assert window.windows[0].start.seconds == 90000  # 25 x 3600, the checker rejects it
    assert window.windows[0].end.seconds == 86400  # 24:00 is the next midnight
    closed = calendar.clauses[1]
    assert isinstance(closed, ast.ClosedClause)
    assert closed.dates[0].value is None  # no 30 February


def test_units_out_of_order_are_a_parse_error() -> None:
    with pytest.raises(ParseError) as info:
        parse('policy "p" target t { require 95% within 30m1h }')
    assert "out of order" in info.value.message
    assert info.value.hint == "write units from largest to smallest, each once: `1d2h30m`"


def test_reserved_words_come_from_the_grammar() -> None:
    words = reserved_words()
    assert {"open", "target", "within", "breached", "budget", "count"} <= words
    assert "p90" not in words and "tickets" not in words and "24x7" not in words
