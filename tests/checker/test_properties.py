"""Properties: whatever the text, checking ends in a result, never an exception.

Two sources of input: programs generated from the grammar itself (hypothesis'
``from_lark``, tokens padded with blanks so keywords and names stay apart), and
random selections and orderings of the DESIGN sketch's clauses, which keep the text
realistic while leaving references dangling.
"""

from __future__ import annotations

import re
from importlib import resources
from pathlib import Path

import hypothesis.strategies as st
import lark
from hypothesis import HealthCheck, given, settings
from hypothesis.extra.lark import from_lark

from rules_engine.api import check_source
from rules_engine.language.checker import CheckResult

SKETCH = Path(__file__).parent.parent / "language" / "fixtures" / "design_sketch.sla"

# Words the checker resolves, so that generated programs sometimes refer to real things.
WORDS = [
    "tickets", "outages", "surveys", "priority", "status", "created_at", "resolved_at",
    "score", "service", "P1", "P2", "business", "t", "u", "month", "quarter", "provider",
    "customer", "mon", "fri", "p90", "response_time", "resolution_time", "availability",
    "fee", "USD", "EUR", "string", "timestamp",
]  # fmt: skip


def _grammar() -> lark.Lark:
    text = resources.files("rules_engine.language").joinpath("grammar/sla.lark").read_text("utf-8")
    return lark.Lark(text, parser="lalr", lexer="contextual", maybe_placeholders=True)


def _padded(strategy: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
    return strategy.map(lambda token: f" {token} ")


def _explicit(grammar: lark.Lark) -> dict[str, st.SearchStrategy[str]]:
    explicit: dict[str, st.SearchStrategy[str]] = {}
    for terminal in grammar.terminals:
        pattern = terminal.pattern
        if terminal.name in ("WS", "COMMENT"):
            continue
        if pattern.type == "str":
            explicit[terminal.name] = st.just(f" {pattern.value} ")
        elif terminal.name == "NAME":
            explicit[terminal.name] = _padded(
                st.sampled_from(WORDS) | st.from_regex(r"\A[a-z][a-z0-9_]{0,6}\Z")
            )
        else:
            regex = pattern.to_regexp()
            explicit[terminal.name] = _padded(st.from_regex(rf"\A(?:{regex})\Z"))
    return explicit


GRAMMAR = _grammar()
HEADER = 'policy "Generated"\neffective 2026-01-01\ntimezone "UTC"\ncurrency USD\nfee 100\n'
# Half the programs get a valid header, so that the checker goes past the header checks.
PROGRAMS = st.tuples(st.booleans(), from_lark(GRAMMAR, explicit=_explicit(GRAMMAR))).map(
    lambda pair: (HEADER if pair[0] else "") + pair[1]
)


def _result(text: str) -> CheckResult:
    result = check_source(text, "gen.sla")
    # a result without errors must carry a policy, and a policy means no errors
    assert result.ok == (result.errors == [])
    for d in result.diagnostics:
        assert re.fullmatch(r"SLA[1-5]\d\d", d.code)
        assert d.message and not d.message.endswith(".")
        assert "\n" not in d.message
    return result


@settings(max_examples=300, deadline=None, suppress_health_check=list(HealthCheck))
@given(PROGRAMS)
def test_programs_from_the_grammar_never_crash_the_checker(text: str) -> None:
    _result(text)


def _sketch_items() -> list[str]:
    """The sketch split into top-level clauses (a clause starts at column 1)."""
    text = SKETCH.read_text(encoding="utf-8")
    items: list[str] = []
    for line in text.splitlines(keepends=True):
        if line[:1].isalpha() or not items:
            items.append(line)
        else:
            items[-1] += line
    return items


ITEMS = _sketch_items()


@settings(max_examples=150, deadline=None, suppress_health_check=list(HealthCheck))
@given(st.lists(st.sampled_from(ITEMS), max_size=len(ITEMS)))
def test_any_selection_of_sketch_clauses_never_crashes_the_checker(chosen: list[str]) -> None:
    result = _result("".join(chosen))
    if not chosen:
        assert [d.code for d in result.diagnostics] == ["SLA105"]


def test_the_whole_sketch_in_reverse_order_still_checks() -> None:
    """Declarations may come after their use: order of clauses carries no meaning."""
    assert _result("".join(reversed(ITEMS))).errors == []
