"""Parsing item by item gives ``parse``'s tree, spans included, whatever the edit
(rules_engine/lsp/incremental.py), and a one-item edit reparses one item."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from paths import ROOT

from rules_engine.language import ast
from rules_engine.language.parser import ParseError, parse
from rules_engine.lsp.incremental import ItemParser, chunks

POLICIES = sorted((ROOT / "policies").glob("*.sla")) + sorted(
    (ROOT / "tests" / "conformance").glob("*.sla")
)


def _same(parser: ItemParser, text: str, path: str) -> None:
    """The item parser's tree (or error) is exactly ``parse``'s."""
    try:
        expected = ast.to_data(parse(text, path))
    except ParseError as error:
        with pytest.raises(ParseError) as raised:
            parser.parse(text)
        assert (raised.value.code, raised.value.span, raised.value.message) == (
            error.code,
            error.span,
            error.message,
        )
        return
    assert ast.to_data(parser.parse(text)) == expected


@pytest.mark.parametrize("policy", POLICIES, ids=lambda p: p.name)
def test_pieces_join_to_the_text_and_parse_to_the_same_tree(policy: Path) -> None:
    text = policy.read_text("utf-8")
    pieces = chunks(text)
    assert "".join(piece for _, piece in pieces) == text
    assert len(pieces) > 5
    parser = ItemParser(str(policy))
    _same(parser, text, str(policy))
    assert not parser.whole  # every piece parsed on its own
    # a line typed at the top moves every piece: none is parsed again, all are moved
    _same(parser, "# a new first line\n" + text, str(policy))
    assert parser.reparsed == 1  # the first piece, which now holds the comment
    # an edit inside one target reparses that target only
    edited = text.replace("require", "require ", 1)
    _same(parser, edited, str(policy))
    assert parser.reparsed == 1 and not parser.whole


EDITS = st.lists(
    st.tuples(
        st.integers(min_value=0, max_value=10_000),
        st.integers(min_value=0, max_value=12),
        st.sampled_from(
            [
                "",
                "\n",
                "}",
                "{",
                "target x {",
                '"',
                "#",
                " ",
                'import "a.sla"\n',
                "\ntier",
                "per\nperiod",
            ]
        ),
    ),
    min_size=1,
    max_size=3,
)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(edits=EDITS, which=st.integers(min_value=0, max_value=len(POLICIES) - 1))
def test_any_edit_parses_as_the_whole_text_does(
    edits: list[tuple[int, int, str]], which: int
) -> None:
    policy = POLICIES[which]
    text = policy.read_text("utf-8")
    parser = ItemParser(str(policy))
    parser.parse(text)  # warm: the edited text reuses the pieces it keeps
    for at, cut, insert in edits:
        at %= len(text) + 1
        text = text[:at] + insert + text[at + cut :]
        _same(parser, text, str(policy))


@settings(max_examples=30, deadline=None)
@given(
    at=st.integers(min_value=0, max_value=10_000),
    insert=st.sampled_from(["}", "{", "@", '"', "x ="]),
)
def test_a_broken_document_gets_the_diagnostic_sla_check_gives(at: int, insert: str) -> None:
    from rules_engine.language.load import check_source
    from rules_engine.lsp.analysis import Workspace

    text = POLICIES[0].read_text("utf-8")
    at %= len(text) + 1
    broken = text[:at] + insert + text[at:]
    path = str(POLICIES[0])
    assert (
        Workspace().analyze(path, broken).result.diagnostics
        == check_source(broken, path).diagnostics
    )
