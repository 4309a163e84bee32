"""Bad input: one ParseError in words, with a span and a hint; never a Lark exception."""

from __future__ import annotations

import pytest

from rules_engine.language import ast
from rules_engine.language.parser import MAX_SOURCE_BYTES, ParseError, decode_source, parse


def _error(text: str) -> ParseError:
    with pytest.raises(ParseError) as info:
        parse(text, "bad.sla")
    error = info.value
    assert "__ANON" not in error.message and "$END" not in error.message
    return error


# (name, source, code, (line, column), message, hint)
CASES = [
    (
        "missing percent sign",
        'policy "p"\ntarget t {\n  require 95 within 15m\n}\n',
        "SLA101",
        (3, 11),
        "unexpected `95`, expected one of a comparison (`=`, `<`, `<=`, ...), a name, "
        "a percentage (like `95%`), `all`, `count`, `mean` (or 1 more)",
        "a percentage needs `%`: `95%`",
    ),
    (
        "a number where a duration needs a unit",
        'policy "p"\ntarget t {\n  require 95% within 15\n}\n',
        "SLA101",
        (3, 22),
        "unexpected `15`, expected a duration (like `15m`)",
        "a duration needs a unit: `15m`, `15h` or `15d` (s, m, h, d, w)",
    ),
    (
        "double equals",
        'policy "p"\ntarget t {\n  of tickets where priority == P1\n}\n',
        "SLA101",
        (3, 30),  # the second `=`: `  of tickets where priority =` is 29 characters
        None,
        "compare with a single `=` (not `==`)",
    ),
    (
        "unclosed brace",
        'policy "p"\ntarget t {\n  of tickets\n',
        "SLA103",
        (2, 10),  # points at the `{` that is never closed
        None,
        "the `{` at line 2, column 10 is never closed: add `}`",
    ),
    (
        "unknown keyword",
        'policy "p"\ntargt t {\n}\n',
        "SLA101",
        (2, 1),
        None,
        "did you mean `target`?",
    ),
    (
        "misspelt calendar clause",
        'policy "p"\ncalendar c { opne mon 09:00-17:00 }',
        "SLA101",
        (2, 14),
        "unexpected `opne`, expected one of `closed`, `holidays`, `open`, `timezone`, `}`",
        "did you mean `open`?",
    ),
    (
        "share of fee without percent",
        'policy "p"\ncredit c {\n  when t breached credit 25 of fee\n}\n',
        "SLA101",
        (3, 32),
        "unexpected `fee`, expected one of `once`, `when`, `}`",
        "a share of the fee needs `%`: `25% of fee`",
    ),
    (
        "unterminated string",
        'policy "p\n',
        "SLA102",
        (1, 8),
        "this string is not closed on its line",
        'close it with a `"` on the same line',
    ),
    (
        "a spelled-out unit",
        'policy "p"\ntarget t { require 95% within 15min }',
        "SLA102",
        (2, 31),
        "unexpected `15min`, expected a duration (like `15m`)",
        "write durations as `15m`",
    ),
    (
        "a fractional duration",
        'policy "p"\ntarget t { require 95% within 1.5h }',
        "SLA102",
        (2, 31),
        "unexpected `1.5h`, expected a duration (like `15m`)",
        "durations use whole units: write `1h30m`, not `1.5h`",
    ),
    (
        "a keyword used as a field",
        'policy "p"\ntarget t { of x where open = 1 }',
        "SLA101",
        (2, 28),
        None,
        "`open` is a keyword: write `` `open` `` for a field named open",
    ),
    (
        "a keyword where a name must be",
        'policy "p"\ndataset d { a timestamp owner string }',
        "SLA107",
        (2, 25),
        "unexpected `owner`, expected one of a name, `}`",
        "`owner` is a keyword: write `` `owner` `` to use it as a name",
    ),
    (
        "quoted name",
        'policy "p"\ncurrency "USD"',
        "SLA101",
        (2, 10),
        'unexpected `"USD"`, expected a name',
        "names are written without quotes: USD",
    ),
    (
        "unquoted text",
        "policy Acme",
        "SLA101",
        (1, 8),
        "unexpected `Acme`, expected a quoted string",
        'text is quoted: `"Acme"`',
    ),
    (
        "a literal as a condition",
        'policy "p"\ntarget t { of x where 5% }',
        "SLA101",
        (2, 23),
        "a percent is not a condition",
        "compare it with a field: `field <= value`",
    ),
    (
        "unknown string escape",
        'policy "a\\q"',
        "SLA101",
        (1, 10),
        "unknown escape `\\q` in a string",
        'the escapes are `\\"`, `\\\\`, `\\n` and `\\t`',
    ),
    (
        "seconds in a time of day",
        'policy "p"\ncalendar c { open mon 09:00:00-17:00 }',
        "SLA102",
        (2, 23),
        None,
        "times of day are `HH:MM`, without seconds",
    ),
    (
        "a date without leading zeros",
        'policy "p"\ncalendar c { closed 2026-1-05 }',
        "SLA101",
        (2, 21),
        "unexpected `2026`, expected a date (YYYY-MM-DD)",
        "dates are `YYYY-MM-DD`, with two-digit month and day",
    ),
    (
        "typographic quotes",
        "policy \u201cp\u201d",
        "SLA102",
        (1, 8),
        "unexpected `\u201c`, expected a quoted string",
        'use straight quotes `"`, not typographic ones',
    ),
    (
        "a non-breaking space",
        'policy "p"\u00a0currency USD',
        "SLA102",
        (1, 11),
        None,
        "replace it with an ordinary space",
    ),
    (
        "a non-ASCII name",
        'policy "p"\ntarget café { }',
        "SLA102",
        (2, 11),
        None,
        "names are ASCII letters, digits and `_`: write `` `café` `` in backticks",
    ),
    (
        "a clause given twice",
        'policy "p"\nexit e { notice 30d notice 20d }',
        "SLA101",
        (2, 21),
        "`notice` is given twice in this exit rule",
        "the first `notice` is at line 2; keep one",
    ),
    (
        "empty file",
        "",
        "SLA105",
        (1, 1),
        "the policy is empty (the file holds nothing)",
        'a policy starts with `policy "NAME"`',
    ),
    (
        "only comments",
        "# nothing yet\n\n",
        "SLA105",
        (1, 1),
        "the policy is empty (the file holds only comments)",
        'a policy starts with `policy "NAME"`',
    ),
    (
        "a NUL byte",
        'policy "a\x00"',
        "SLA105",
        (1, 10),
        "the file is binary (it contains a NUL byte), not policy text",
        "a policy is a UTF-8 text file ending in .sla",
    ),
]


@pytest.mark.parametrize(
    ("source", "code", "position", "message", "hint"),
    [case[1:] for case in CASES],
    ids=[case[0] for case in CASES],
)
def test_bad_snippet(
    source: str, code: str, position: tuple[int, int], message: str | None, hint: str
) -> None:
    error = _error(source)
    assert error.code == code
    assert (error.span.line, error.span.column) == position
    assert error.span.file == "bad.sla"
    if message is not None:
        assert error.message == message
    assert error.hint == hint


def test_expected_tokens_are_words() -> None:
    error = _error('policy "p"\ntarget t { require 95% within }')
    assert error.expected == ["a duration (like `15m`)"]
    error = _error('policy "p"\ncalendar c { open mon 09:00 }')
    assert error.expected == ["`-`"]


def test_redundant_parentheses_nest_freely() -> None:
    policy = parse('policy "p"\ntarget t { of x where ' + "(" * 500 + "a" + ")" * 500 + " }")
    target = policy.items[1]
    assert isinstance(target, ast.TargetDecl)
    assert target.where == ast.Name("a")


def test_a_long_chain_of_not_is_refused_at_the_65th() -> None:
    error = _error('policy "p"\ntarget t { of x where ' + "not " * 5000 + "a }")
    assert error.message == "the condition is nested more than 64 deep"
    # the innermost `not` (the 5000th) has depth 1, so the 5000 - 64 = 4936th has depth 65;
    # `target t { of x where ` is 22 characters, the k-th `not` starts at 23 + 4 (k - 1)
    assert (error.span.line, error.span.column) == (2, 23 + 4 * 4935)


def test_deeply_alternating_and_or_is_refused() -> None:
    expr = "a = 1"
    for level in range(100):
        expr = f"(b = 1 {'and' if level % 2 else 'or'} {expr})"
    error = _error('policy "p"\ntarget t { of x where ' + expr + " }")
    assert error.message == "the condition is nested more than 64 deep"


def test_a_moderate_chain_of_not_still_parses() -> None:
    policy = parse('policy "p"\ntarget t { of x where ' + "not " * 50 + "a }")
    assert len(policy.items) == 2


def test_huge_text_is_refused() -> None:
    error = _error('policy "p"\n' + "# x\n" * (MAX_SOURCE_BYTES // 4 + 1))
    assert error.code == "SLA106"


@pytest.mark.parametrize(
    ("data", "code", "position", "message"),
    [
        (b'policy "caf\xe9"', "SLA104", (1, 12), "the file is not UTF-8 text (byte 0xe9)"),
        (
            b"\x7fELF\x02\x01\x00\x00",
            "SLA105",
            (1, 7),
            "the file is binary (it contains a NUL byte), not policy text",
        ),
        (
            b"#" * (MAX_SOURCE_BYTES + 1),
            "SLA106",
            (1, 1),
            "the file is 4.0 MB, more than a policy can be (4 MB)",
        ),
    ],
)
def test_bytes_that_are_no_policy(
    data: bytes, code: str, position: tuple[int, int], message: str
) -> None:
    with pytest.raises(ParseError) as info:
        decode_source(data, "bad.sla")
    assert info.value.code == code
    assert (info.value.span.line, info.value.span.column) == position
    assert info.value.message == message


def test_byte_order_mark_is_dropped() -> None:
    assert decode_source(b'\xef\xbb\xbfpolicy "p"') == 'policy "p"'
