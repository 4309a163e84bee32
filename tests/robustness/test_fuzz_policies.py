"""Fuzzing policies, bounded for CI (issue 14).

Shipped policies are mutated token by token (a token deleted, duplicated or swapped, a
number made huge, negative or long, a date moved out of range, a zone replaced, odd
characters inserted), and policies are generated from the grammar with a valid header.
Whatever comes out, `check` must answer with diagnostics, never an exception; and a
policy that checks clean must evaluate on a small fixed dataset through the CLI with an
exit code the README defines and no exception. Each test is bounded by
``max_examples`` (about 30 s together on one core).
"""

from __future__ import annotations

import re
import tempfile
import traceback
from pathlib import Path

from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from language.strategies import policies

from rules_engine.api import check_source
from rules_engine.cli import cli
from rules_engine.language import ast
from rules_engine.language.checker import CheckResult
from rules_engine.language.formatter import print_policy

ROOT = Path(__file__).resolve().parents[2]
DATA = ROOT / "examples" / "quickstart" / "data"
SHIPPED = [
    ROOT / "examples" / "quickstart" / "policy.sla",
    ROOT / "examples" / "accountability" / "policy.sla",
    *sorted((ROOT / "policies").glob("*.sla")),
    Path(__file__).parent / "corpus" / "ok_base.sla",
]
SOURCES = [p.read_text(encoding="utf-8") for p in SHIPPED if p.exists()]
TOKEN = re.compile(r'"(?:[^"\\\n]|\\.)*"|#[^\n]*|\s+|[^\s"#]+')

HUGE = ["9" * 40, "9" * 5000, "0", "-1", "1.0000000000001", "999999999999999", "1e9"]
ODD = ["\u2028", "\u202e", "\r", "\x0c", "\u00a0", "\ufeff", "\x85", "\u200b", "é", "\t"]
ZONES = ['"posixrules"', '"localtime"', '"UTC"', '"Etc/GMT+14"', '"right/UTC"', '""']
DATES = ["0001-01-01", "9999-12-31", "1969-12-31", "2200-12-31", "2026-02-30", "2026-13-01"]


def _tokens(text: str) -> list[str]:
    return TOKEN.findall(text)


@st.composite
def mutated(draw: st.DrawFn, most: int = 3) -> str:
    """A shipped policy with 1 to ``most`` token mutations."""
    tokens = _tokens(draw(st.sampled_from(SOURCES)))
    for _ in range(draw(st.integers(1, most))):
        words = [i for i, t in enumerate(tokens) if not t.isspace()]
        i = draw(st.sampled_from(words))
        token = tokens[i]
        action = draw(
            st.sampled_from(["delete", "duplicate", "swap", "number", "date", "zone", "odd"])
        )
        if action == "delete":
            tokens[i] = ""
        elif action == "duplicate":
            tokens[i] = f"{token} {token}"
        elif action == "swap":
            j = draw(st.sampled_from(words))
            tokens[i], tokens[j] = tokens[j], tokens[i]
        elif action == "number":
            digits = [k for k in words if re.match(r"\d", tokens[k])]
            k = draw(st.sampled_from(digits)) if digits else i
            tokens[k] = re.sub(r"^\d+(\.\d+)?", draw(st.sampled_from(HUGE)), tokens[k])
        elif action == "date":
            dates = [k for k in words if re.fullmatch(r"\d{4}-\d\d-\d\d", tokens[k])]
            tokens[draw(st.sampled_from(dates)) if dates else i] = draw(st.sampled_from(DATES))
        elif action == "zone":
            zones = [k for k in words if k > 0 and tokens[k - 2 : k - 1] == ["timezone"]]
            tokens[draw(st.sampled_from(zones)) if zones else i] = draw(st.sampled_from(ZONES))
        else:
            cut = draw(st.integers(0, len(token)))
            tokens[i] = token[:cut] + draw(st.sampled_from(ODD)) + token[cut:]
    return "".join(tokens)


def _checked(text: str) -> CheckResult:
    result = check_source(text, "fuzz.sla")
    assert result.ok == (result.errors == [])
    for d in result.diagnostics:
        assert d.message and "\n" not in d.message
    return result


def _eval(text: str) -> None:
    """`sla eval` of a policy that checks clean: an answer, never an exception."""
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "fuzz.sla"
        path.write_text(text, encoding="utf-8")
        args = ["eval", str(path), "--data", str(DATA), "--period", "2026-03"]
        result = CliRunner().invoke(cli, [*args, "--as-of", "2026-04-01T09:00:00-04:00"])
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        shown = "".join(traceback.format_exception(result.exception))
        raise AssertionError(f"eval raised on:\n{text}\n{shown}")
    assert result.exit_code in (0, 1, 2), result.output
    assert "Traceback" not in result.output


@settings(max_examples=250, deadline=None, suppress_health_check=list(HealthCheck))
@given(mutated())
def test_mutated_policies_never_crash_check(text: str) -> None:
    _checked(text)


@settings(max_examples=60, deadline=None, suppress_health_check=list(HealthCheck))
@given(mutated(most=1))
def test_mutated_policies_that_check_clean_evaluate(text: str) -> None:
    if _checked(text).ok:
        _eval(text)


def test_the_shipped_policies_evaluate() -> None:
    """The unmutated sources answer too (the baseline the mutations start from)."""
    for text in SOURCES[:2]:
        assert _checked(text).ok
        _eval(text)


HEADER = (
    'policy "Generated"\neffective 2026-01-01\ntimezone "America/New_York"\n'
    "currency USD\nfee 1000 per month\n"
)


@settings(max_examples=60, deadline=None, suppress_health_check=list(HealthCheck))
@given(policies)
def test_policies_from_the_grammar_never_crash_check_or_eval(policy: ast.Policy) -> None:
    text = HEADER + print_policy(policy)
    if _checked(text).ok:
        _eval(text)
