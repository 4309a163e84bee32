"""Formatter goldens (``format/x.sla`` -> ``format/x.formatted.sla``) and layout rules."""

from __future__ import annotations

from pathlib import Path

import pytest

from rules_engine.language import ast
from rules_engine.language.formatter import format_policy, print_policy
from rules_engine.language.parser import parse

FORMAT = Path(__file__).parent / "format"
CASES = sorted(p for p in FORMAT.glob("*.sla") if not p.name.endswith(".formatted.sla"))


def test_there_are_enough_goldens() -> None:
    assert len(CASES) >= 6


@pytest.mark.parametrize("source", CASES, ids=[p.stem for p in CASES])
def test_golden(source: Path) -> None:
    text = source.read_text("utf-8")
    expected = source.with_name(source.stem + ".formatted.sla").read_text("utf-8")
    formatted = format_policy(text, str(source))
    assert formatted == expected
    assert format_policy(expected) == expected  # idempotent
    assert parse(expected) == parse(text)  # meaning unchanged
    # every comment survives, in the same order unless its clause moved
    assert sorted(c.text for c in parse(expected).comments) == sorted(
        c.text for c in parse(text).comments
    )


ROOT = Path(__file__).parents[2]
BUNDLED = sorted(ROOT.glob("examples/**/*.sla")) + sorted(ROOT.glob("tests/conformance/*.sla"))


@pytest.mark.parametrize("path", BUNDLED, ids=[p.name for p in BUNDLED])
def test_bundled_policies_format_without_changing_meaning(path: Path) -> None:
    text = path.read_text("utf-8")
    formatted = format_policy(text, str(path))
    assert parse(formatted) == parse(text)
    assert format_policy(formatted) == formatted
    assert len(parse(formatted).comments) == len(parse(text).comments)


def test_canonical_target_layout() -> None:
    text = 'policy "p" target t{require 95% within 15m of tickets where a=1 owner customer}'
    assert format_policy(text) == (
        'policy "p"\n'
        "\n"
        "target t {\n"
        "  owner customer\n"
        "  of tickets where a = 1\n"
        "  require 95% within 15m\n"
        "}\n"
    )


def test_blank_lines_collapse_to_one_and_blocks_get_one() -> None:
    text = 'policy "p"\n\n\n\ncurrency USD\ncap credits at 5% of fee\ncredit c { }\nperiod month\n'
    assert format_policy(text) == (
        'policy "p"\n\ncurrency USD\ncap credits at 5% of fee\n\ncredit c {\n}\n\nperiod month\n'
    )


def test_trailing_comments_of_consecutive_lines_align() -> None:
    text = 'policy "p" # one\nperiod month # two\ncurrency USD\nfee 5 # three\n'
    assert format_policy(text) == (
        'policy "p"    # one\n'  # `period month` is 12 wide, `policy "p"` 10: two more
        "period month  # two\n"
        "currency USD\n"
        "fee 5  # three\n"
    )


def test_parentheses_only_where_needed() -> None:
    text = 'policy "p" target t { of x where (a = 1 and b = 2) or not (c = 3 or (d = 4)) }'
    assert "of x where a = 1 and b = 2 or not (c = 3 or d = 4)" in format_policy(text)


def test_keywords_as_names_get_backticks_only_where_needed() -> None:
    tree = ast.Policy(
        (
            ast.TargetDecl(
                ast.Name("open"),  # after `target`: no keyword fits, so no backticks
                owner=ast.Name("customer"),
                dataset=ast.Name("x"),
                where=ast.Compare(ast.Name("open"), "<=", ast.Name("budget")),
                measure=ast.Measure(ast.MeasureName(ast.Name("count"))),
            ),
        )
    )
    printed = print_policy(tree)
    assert printed == (
        "target open {\n  owner customer\n  of x where `open` <= budget\n  measure `count`\n}\n"
    )
    assert parse(printed) == tree


def test_strings_are_escaped() -> None:
    tree = ast.Policy((ast.PolicyDecl(ast.StringLit('say "hi"\\\n\t')),))
    assert print_policy(tree) == 'policy "say \\"hi\\"\\\\\\n\\t"\n'
    assert parse(print_policy(tree)) == tree


def test_crlf_input_formats_to_lf() -> None:
    text = 'policy "p"\r\n# note\r\ncurrency USD  # code\r\n'
    assert format_policy(text) == 'policy "p"\n# note\ncurrency USD  # code\n'
