"""Properties: printing and reading back, idempotent formatting, and fuzzing the parser.

Any outcome of ``parse`` other than a tree or a :class:`ParseError` is a failure
(a Lark exception, a RecursionError, an IndexError from a transformer...).
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path

import lark
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra.lark import from_lark

from rules_engine.language import ast
from rules_engine.language.formatter import format_policy, print_policy
from rules_engine.language.parser import ParseError, parse

from .strategies import policies

FIXTURES = Path(__file__).parent / "fixtures"
SEEDS = [
    (FIXTURES / "design_sketch.sla").read_text("utf-8"),
    *(p.read_text("utf-8") for p in sorted((Path(__file__).parent / "format").glob("*.sla"))),
]


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(policies)
def test_printed_tree_reads_back_equal(policy: ast.Policy) -> None:
    text = print_policy(policy)
    assert parse(text) == policy, text


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(policies)
def test_formatting_is_idempotent(policy: ast.Policy) -> None:
    once = print_policy(policy)
    assert format_policy(once) == once


def _formats_faithfully(text: str, policy: ast.Policy) -> None:
    """Same items; the same comments (clauses may move to canonical order, and their
    comments with them); idempotent."""
    formatted = format_policy(text)
    again = parse(formatted)
    assert again.items == policy.items
    assert sorted(c.text for c in again.comments) == sorted(c.text for c in policy.comments)
    assert format_policy(formatted) == formatted


def _parse_or_error(text: str) -> ast.Policy | None:
    try:
        return parse(text)
    except ParseError as error:
        assert error.message and "__ANON" not in error.message
        assert error.span.line >= 1 and error.span.column >= 1
        assert all("__ANON" not in w for w in error.expected)
        return None


# A fresh, uncached build: from_lark needs the grammar object the cache leaves out.
GRAMMAR = lark.Lark(
    resources.files("rules_engine.language").joinpath("grammar/sla.lark").read_text("utf-8"),
    parser="lalr",
    lexer="contextual",
    strict=True,
)


@settings(max_examples=200, deadline=None, suppress_health_check=list(HealthCheck))
@given(from_lark(GRAMMAR, start="start"))
def test_grammar_fuzz_never_crashes(text: str) -> None:
    policy = _parse_or_error(text)
    if policy is not None:
        _formats_faithfully(text, policy)


@st.composite
def mutated(draw: st.DrawFn) -> str:
    text = draw(st.sampled_from(SEEDS))
    for _ in range(draw(st.integers(1, 4))):
        i = draw(st.integers(0, len(text)))
        j = draw(st.integers(i, min(len(text), i + 12)))
        kind = draw(st.sampled_from(["delete", "insert", "duplicate", "swap"]))
        if kind == "delete":
            text = text[:i] + text[j:]
        elif kind == "insert":
            piece = draw(
                st.sampled_from(
                    [
                        "{",
                        "}",
                        "(",
                        ")",
                        "%",
                        "==",
                        '"',
                        "`",
                        "#",
                        "\n",
                        " not ",
                        " and ",
                        "1",
                        "15",
                        "x",
                        "open",
                        "-",
                        ",",
                        "[",
                        "]",
                        "\x00",
                        "é",
                        "\t",
                    ]
                )
            )
            text = text[:i] + piece + text[i:]
        elif kind == "duplicate":
            text = text[:j] + text[i:j] + text[j:]
        else:
            k = draw(st.integers(j, min(len(text), j + 12)))
            text = text[:i] + text[j:k] + text[i:j] + text[k:]
    return text


@settings(max_examples=300, deadline=None, suppress_health_check=list(HealthCheck))
@given(mutated())
def test_mutated_policies_parse_or_fail_cleanly(text: str) -> None:
    policy = _parse_or_error(text)
    if policy is not None:
        _formats_faithfully(text, policy)
