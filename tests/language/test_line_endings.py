"""Line endings and characters that hide text (issue 14).

A `#` comment runs to the end of its line. Before line endings were normalized, a file
saved with CR-only endings had a single "line" for the grammar, so a comment swallowed
every clause after it while an editor showed them all; U+2028 did the same in editors
that break lines there. CR, CR LF and LF now end lines alike, and characters that make an
editor show other text than the parser reads are refused with a location (SLA111).
"""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from rules_engine.api import check_file, check_source
from rules_engine.cli import cli
from rules_engine.language.diagnostics import render_text
from rules_engine.language.parser import ParseError, parse

POLICY = """\
policy "p"
effective 2026-01-01
timezone "UTC"
currency USD
fee 1000 per month # the clauses below must not vanish into this comment
target t {
  of tickets
  measure response_time
  require 95% within 15m
}
credit c {
  when t breached credit 500 USD
}
"""


@pytest.mark.parametrize("ending", ["\r", "\r\n"])
def test_other_line_endings_read_like_lf(ending: str) -> None:
    lf = check_source(POLICY, "p.sla")
    other = check_source(POLICY.replace("\n", ending), "p.sla")
    assert lf.ok and other.ok
    assert lf.policy is not None and other.policy is not None
    assert list(other.policy.targets) == ["t"]
    assert len(other.policy.credits) == 1
    assert other.policy.targets == lf.policy.targets
    assert other.policy.fees == lf.policy.fees


def test_a_cr_only_file_locates_errors_by_line(tmp_path: Path) -> None:
    path = tmp_path / "p.sla"
    text = POLICY.replace("15m", "15 m").replace("\n", "\r")
    path.write_bytes(text.encode())
    result = check_file(path)
    assert [d.code for d in result.diagnostics] == ["SLA101"]
    span = result.diagnostics[0].span
    # `  require 95% within 15 m` is line 9; `15` starts at column 22
    assert (span.line, span.column) == (9, 22)
    rendered = render_text(result.diagnostics, {str(path): text})
    assert " 9 |   require 95% within 15 m" in rendered


@pytest.mark.parametrize(
    ("char", "words"),
    [
        ("\u2028", "a line separator (U+2028)"),
        ("\u2029", "a paragraph separator (U+2029)"),
        ("\u0085", "a next-line control character (U+0085)"),
        ("\u202e", "a bidirectional text control (U+202E)"),
        ("\u2066", "a bidirectional text control (U+2066)"),
        ("\u2069", "a bidirectional text control (U+2069)"),
    ],
)
@pytest.mark.parametrize("where", ["comment", "string"])
def test_hiding_characters_are_refused_with_a_location(char: str, words: str, where: str) -> None:
    if where == "comment":
        text = POLICY.replace("# the clauses", "# the" + char + "clauses")
        column = len("fee 1000 per month # the") + 1
        line = 5
    else:
        text = POLICY.replace('policy "p"', 'policy "p' + char + '"')
        column = len('policy "p') + 1
        line = 1
    with pytest.raises(ParseError) as info:
        parse(text, "p.sla")
    error = info.value
    assert error.code == "SLA111"
    assert (error.span.line, error.span.column) == (line, column)
    assert words in error.message
    result = check_source(text, "p.sla")
    assert [d.code for d in result.diagnostics] == ["SLA111"]


def test_fmt_reads_a_cr_only_file(tmp_path: Path) -> None:
    path = tmp_path / "p.sla"
    path.write_bytes(POLICY.replace("\n", "\r").encode())
    result = CliRunner().invoke(cli, ["fmt", str(path)])
    assert result.exit_code == 0, result.output
    assert "credit c {" in result.stdout
    assert "\r" not in result.stdout


@pytest.mark.parametrize("char", ["\x1b", "\x07", "\x7f", "\x9b"])
def test_a_control_character_in_a_label_is_refused_where_it_stands(char: str) -> None:
    # issue 14: a label carrying an escape sequence rewrote the terminal of whoever ran
    # `sla explain`; the policy is refused at the character instead
    text = f'policy "x"\ntarget t "late{char}[2J" {{ of tickets require count >= 1 }}\n'
    result = check_source(text, "p.sla")
    (error,) = [d for d in result.diagnostics if d.severity == "error"]
    assert error.code == "SLA111"
    assert (error.span.line, error.span.column) == (2, 15)
    assert f"U+{ord(char):04X}" in error.message
