"""Diagnostics: what the front end tells a policy author, and how it is rendered.

A :class:`Diagnostic` has a stable code, a severity, a one-line message, the span of
policy text it is about and an optional help line. Wording follows Cedar's style guide:
lowercase start, no final period, user input in backticks, "did you mean" where a name
is unknown. Codes never change meaning once released; this table is the diagnostic
index of the documentation.

======  =======  ==============================================================
code    level    meaning
======  =======  ==============================================================
SLA100  error    the policy file cannot be read (missing, a directory, no access)
SLA101  error    syntax error: a token that does not fit here
SLA102  error    syntax error: a character that starts no token
SLA103  error    syntax error: the file ends too early (an unclosed brace, a cut clause)
SLA104  error    the file is not UTF-8 text
SLA105  error    the file is empty or binary
SLA106  error    the file is too large to be a policy
SLA107  error    a keyword used where a name is expected
SLA108  error    an imported file that is missing or cannot be read
SLA109  error    an import that leads out of the top-level policy's folder
SLA110  error    an import cycle (a file that imports itself, directly or not)
SLA111  error    a character that hides or reorders text (U+2028, a bidi or control character)
SLA201  error    unknown target
SLA202  error    unknown calendar
SLA203  error    unknown priority tier
SLA204  error    unknown dataset
SLA205  error    unknown field of a dataset
SLA206  error    a name declared twice
SLA207  error    a bare name that is neither a field nor a tier
SLA208  error    a required policy clause is missing
SLA209  error    a policy clause given twice
SLA210  error    an unknown word: period unit, owner, weekday or field type
SLA211  error    an `override` of a declaration that no imported file makes
SLA212  error    a declaration that clashes with an imported one (no `override`)
SLA301  error    comparison of values of different types or units
SLA302  error    percentage out of range
SLA303  error    time of day out of range
SLA304  error    calendar windows out of order or overlapping
SLA305  error    unknown IANA timezone
SLA306  error    unknown holiday country or subdivision
SLA307  error    an `except` name that is not a holiday of that country
SLA308  error    a negative or malformed amount of money
SLA309  error    the policy has no fee
SLA310  error    a percentile name that is not `p1` .. `p100`
SLA311  error    unknown currency
SLA312  error    a measure that does not fit the dataset
SLA313  error    an objective that does not fit the measure
SLA314  error    an invalid date or a zero duration where a limit is needed
SLA315  error    money with more decimals than the currency allows
SLA316  error    money in a currency other than the policy's
SLA317  error    two fee lines from the same date, or a fee schedule that starts late
SLA318  error    a count that must be positive is zero
SLA319  error    a literal out of the range a policy may state (a date, duration, amount)
SLA325  error    business days (`bd`) where a record's clock is not a business calendar
SLA326  error    business days mixed with other units in one literal (`1bd4h`)
SLA327  error    a target period that does not fit the policy's period (`every quarter`)
SLA401  error    a look-back that needs more periods than its window (`4 of last 3`)
SLA402  error    a credit rule naming a customer-owned target
SLA403  error    a bonus, exit or earn-back naming a customer-owned target
SLA404  error    a threshold whose unit does not fit the target's value
SLA405  error    a condition or clause the engine cannot evaluate (`all targets breached`)
SLA406  error    `once` on a condition that is not a look-back or streak, or on some tiers only
SLA501  warning  a priority tier with no response or resolution target
SLA502  warning  two targets with overlapping scope and different limits
SLA503  warning  a pause status that is also the start state (the clock never runs)
SLA504  warning  credit tiers out of order
SLA505  warning  credit tiers that overlap (the same threshold twice)
SLA506  warning  a cap below a single credit tier
SLA507  warning  a look-back longer than the contract's first year
SLA508  warning  a calendar with no open hours
SLA509  warning  a `d` or `w` duration on a business clock
SLA510  warning  a credit tier that pays while its target is met
SLA511  warning  an earn-back for a target no credit rule names
SLA512  warning  a `maintenance` rule with no availability target to apply to
SLA520  warning  `no data counts as` on an objective that is always decided
======  =======  ==============================================================
"""

from __future__ import annotations

import difflib
import json
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from rules_engine.escape import terminal
from rules_engine.language.spans import NO_SPAN, Span

Severity = Literal["error", "warning"]

_LINE_ENDS = re.compile(r"\r\n?|\n")
"""Line ends as the parser counts them (CR LF, CR, LF), not ``str.splitlines``'s list."""

CODES: dict[str, tuple[Severity, str]] = {
    "SLA100": ("error", "the policy file cannot be read"),
    "SLA101": ("error", "syntax error: unexpected token"),
    "SLA102": ("error", "syntax error: unexpected character"),
    "SLA103": ("error", "syntax error: unexpected end of file"),
    "SLA104": ("error", "the file is not UTF-8 text"),
    "SLA105": ("error", "the file is empty or binary"),
    "SLA106": ("error", "the file is too large to be a policy"),
    "SLA107": ("error", "a keyword used where a name is expected"),
    "SLA108": ("error", "an imported file is missing or cannot be read"),
    "SLA109": ("error", "an import outside the policy's folder"),
    "SLA110": ("error", "an import cycle"),
    "SLA111": ("error", "a character that hides or reorders policy text"),
    "SLA201": ("error", "unknown target"),
    "SLA202": ("error", "unknown calendar"),
    "SLA203": ("error", "unknown priority tier"),
    "SLA204": ("error", "unknown dataset"),
    "SLA205": ("error", "unknown field"),
    "SLA206": ("error", "a name declared twice"),
    "SLA207": ("error", "a bare name that is neither a field nor a tier"),
    "SLA208": ("error", "a required policy clause is missing"),
    "SLA209": ("error", "a policy clause given twice"),
    "SLA210": ("error", "an unknown word: period unit, owner, weekday or field type"),
    "SLA211": ("error", "an override of nothing imported"),
    "SLA212": ("error", "a declaration that clashes with an imported one"),
    "SLA301": ("error", "comparison of different types or units"),
    "SLA302": ("error", "percentage out of range"),
    "SLA303": ("error", "time of day out of range"),
    "SLA304": ("error", "calendar windows out of order or overlapping"),
    "SLA305": ("error", "unknown IANA timezone"),
    "SLA306": ("error", "unknown holiday country or subdivision"),
    "SLA307": ("error", "not a holiday name of that country"),
    "SLA308": ("error", "a negative or malformed amount of money"),
    "SLA309": ("error", "the policy has no fee"),
    "SLA310": ("error", "a percentile name that is not p1..p100"),
    "SLA311": ("error", "unknown currency"),
    "SLA312": ("error", "a measure that does not fit the dataset"),
    "SLA313": ("error", "an objective that does not fit the measure"),
    "SLA314": ("error", "an invalid date or a zero limit"),
    "SLA315": ("error", "money with more decimals than the currency allows"),
    "SLA316": ("error", "money in a currency other than the policy's"),
    "SLA317": ("error", "a fee schedule with clashing or late lines"),
    "SLA318": ("error", "a count that must be positive is zero"),
    "SLA319": ("error", "a literal out of range"),
    # business days and target periods (issue 13)
    "SLA325": ("error", "business days where a record's clock is not a business calendar"),
    "SLA326": ("error", "business days mixed with other units"),
    "SLA327": ("error", "a target period that does not fit the policy's period"),
    "SLA401": ("error", "a look-back that needs more periods than its window"),
    "SLA402": ("error", "a credit rule naming a customer-owned target"),
    "SLA403": ("error", "a bonus, exit or earn-back naming a customer-owned target"),
    "SLA404": ("error", "a threshold whose unit does not fit the target's value"),
    "SLA405": ("error", "a condition or clause the engine cannot evaluate"),
    "SLA406": ("error", "a `once` on a condition that is not a look-back or streak"),
    "SLA501": ("warning", "a priority tier with no response or resolution target"),
    "SLA502": ("warning", "overlapping targets with different limits"),
    "SLA503": ("warning", "a pause status that is also the start state"),
    "SLA504": ("warning", "credit tiers out of order"),
    "SLA505": ("warning", "credit tiers that overlap"),
    "SLA506": ("warning", "a cap below a single credit tier"),
    "SLA507": ("warning", "a look-back longer than the contract's first year"),
    "SLA508": ("warning", "a calendar with no open hours"),
    "SLA509": ("warning", "a day or week duration on a business clock"),
    "SLA510": ("warning", "a credit tier that pays while its target is met"),
    "SLA511": ("warning", "an earn-back for a target no credit rule names"),
    # empty periods (issue 13)
    "SLA512": ("warning", "a maintenance rule with no availability target"),
    "SLA520": ("warning", "an empty-period rule on an objective that is always decided"),
}

TOOL_NAME = "sla"
SARIF_SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"


@dataclass(frozen=True)
class Diagnostic:
    """One problem found in a policy. ``help`` is None when there is nothing to add."""

    code: str
    severity: Severity
    message: str
    span: Span
    help: str | None = None

    def sort_key(self) -> tuple[str, int, int, str, str]:
        return (self.span.file, self.span.line, self.span.column, self.code, self.message)

    def to_json(self) -> dict[str, Any]:
        return {
            "code": self.code,
            "severity": self.severity,
            "message": self.message,
            "help": self.help,
            "file": self.span.file,
            "line": self.span.line,
            "column": self.span.column,
            "end_line": self.span.end_line,
            "end_column": self.span.end_column,
        }


def diagnostic(code: str, message: str, span: Span, help: str | None = None) -> Diagnostic:
    """A diagnostic with the severity its code has in :data:`CODES`."""
    severity, _ = CODES[code]
    return Diagnostic(code, severity, message, span, help)


class PolicyError(Exception):
    """A policy that did not check: carries every diagnostic, errors and warnings."""

    def __init__(self, diagnostics: Sequence[Diagnostic]) -> None:
        self.diagnostics: tuple[Diagnostic, ...] = tuple(sorted(diagnostics, key=_key))
        errors = [d for d in self.diagnostics if d.severity == "error"]
        first = errors[0] if errors else (self.diagnostics[0] if self.diagnostics else None)
        summary = "policy has errors" if first is None else _headline(first)
        more = len(errors) - 1
        if more > 0:
            summary += f" (and {more} more error{'s' if more > 1 else ''})"
        super().__init__(summary)

    @property
    def errors(self) -> tuple[Diagnostic, ...]:
        return tuple(d for d in self.diagnostics if d.severity == "error")


def _key(d: Diagnostic) -> tuple[str, int, int, str, str]:
    return d.sort_key()


def sort_diagnostics(diagnostics: Iterable[Diagnostic]) -> list[Diagnostic]:
    """By file, position and code; exact duplicates are dropped."""
    return sorted(set(diagnostics), key=_key)


def did_you_mean(name: str, candidates: Iterable[str]) -> str | None:
    """``did you mean `x`?`` for the closest candidate, or None.

    >>> did_you_mean("p1_respons", ["p1_response", "p2_resolution"])
    'did you mean `p1_response`?'
    """
    close = difflib.get_close_matches(name, sorted(set(candidates)), n=1, cutoff=0.6)
    return f"did you mean `{close[0]}`?" if close else None


def has_errors(diagnostics: Iterable[Diagnostic]) -> bool:
    return any(d.severity == "error" for d in diagnostics)


# --------------------------------------------------------------------------- text


def _location(span: Span) -> str:
    if span.line <= 0:
        return span.file
    return f"{span.file}:{span.line}:{span.column}"


def _headline(d: Diagnostic) -> str:
    return f"{_location(d.span)}: {d.severity}[{d.code}]: {d.message}"


def render_text(diagnostics: Iterable[Diagnostic], sources: Mapping[str, str] | None = None) -> str:
    """Compiler-style text: the location line, the source line, a caret underline, help.

    ``sources`` maps a span's file to the policy text; without it only headlines and
    help lines are printed.
    """
    lines_cache: dict[str, list[str]] = {}
    out: list[str] = []
    for d in diagnostics:
        out.append(_headline(d))
        text = (sources or {}).get(d.span.file)
        if text is not None and d.span.line > 0:
            if d.span.file not in lines_cache:
                lines_cache[d.span.file] = _source_lines(text)
            lines = lines_cache[d.span.file]
            if d.span.line <= len(lines):
                out.extend(_snippet(lines[d.span.line - 1], d.span))
        if d.help:
            out.append(f"  = help: {d.help}")
    return terminal("\n".join(out) + ("\n" if out else ""))


def _source_lines(text: str) -> list[str]:
    """The lines of ``text`` as the parser counts them (a final line end opens no line)."""
    lines = _LINE_ENDS.split(text)
    return lines[:-1] if lines[-1] == "" else lines


def _snippet(raw: str, span: Span) -> list[str]:
    line = raw.replace("\t", " ").rstrip()
    number = str(span.line)
    gutter = " " * len(number)
    start = max(span.column, 1)
    if span.end_line == span.line and span.end_column > start:
        end = span.end_column
    else:
        end = max(len(line) + 1, start + 1)
    end = min(end, max(len(line) + 1, start + 1))
    # the line is shown with control characters as escapes (`\x1b`): widen to match
    before = len(terminal(line[: start - 1])) - len(line[: start - 1])
    under = len(terminal(line[start - 1 : end - 1])) - len(line[start - 1 : end - 1])
    caret = " " * (start - 1 + before) + "^" * (end - start + under)
    return [f" {number} | {line}", f" {gutter} | {caret}"]


# --------------------------------------------------------------------------- json


def render_json(diagnostics: Iterable[Diagnostic]) -> str:
    """A JSON list of objects, one per diagnostic (stable keys, see :meth:`to_json`)."""
    return json.dumps([d.to_json() for d in diagnostics], indent=2, ensure_ascii=False) + "\n"


# --------------------------------------------------------------------------- sarif


def _artifact_uri(file: str) -> str:
    path = Path(file)
    if path.is_absolute():
        return path.as_uri()
    return path.as_posix()


def sarif_log(diagnostics: Iterable[Diagnostic], version: str = "0") -> dict[str, Any]:
    """A SARIF 2.1.0 log: one run, every code of :data:`CODES` as a rule."""
    codes = list(CODES)
    rules = [
        {
            "id": code,
            "shortDescription": {"text": CODES[code][1]},
            "defaultConfiguration": {"level": CODES[code][0]},
        }
        for code in codes
    ]
    results: list[dict[str, Any]] = []
    for d in diagnostics:
        message = d.message if not d.help else f"{d.message}\nhelp: {d.help}"
        physical: dict[str, Any] = {"artifactLocation": {"uri": _artifact_uri(d.span.file)}}
        if d.span.line > 0:
            region: dict[str, int] = {"startLine": d.span.line}
            if d.span.column > 0:
                region["startColumn"] = d.span.column
            if d.span.end_line >= d.span.line:
                region["endLine"] = d.span.end_line
                if d.span.end_column > 0 and (
                    d.span.end_line > d.span.line or d.span.end_column > d.span.column
                ):
                    region["endColumn"] = d.span.end_column
            physical["region"] = region
        results.append(
            {
                "ruleId": d.code,
                "ruleIndex": codes.index(d.code),
                "level": d.severity,
                "message": {"text": message},
                "locations": [{"physicalLocation": physical}],
            }
        )
    return {
        "$schema": SARIF_SCHEMA,
        "version": "2.1.0",
        "runs": [
            {
                "tool": {
                    "driver": {
                        "name": TOOL_NAME,
                        "semanticVersion": version,
                        "rules": rules,
                    }
                },
                "columnKind": "unicodeCodePoints",
                "results": results,
            }
        ],
    }


def render_sarif(diagnostics: Iterable[Diagnostic], version: str = "0") -> str:
    return json.dumps(sarif_log(diagnostics, version), indent=2, ensure_ascii=False) + "\n"


__all__ = [
    "CODES",
    "NO_SPAN",
    "Diagnostic",
    "PolicyError",
    "Severity",
    "diagnostic",
    "did_you_mean",
    "has_errors",
    "render_json",
    "render_sarif",
    "render_text",
    "sarif_log",
    "sort_diagnostics",
]
