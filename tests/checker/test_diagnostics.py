"""The diagnostics module: codes, wording rules, and the three renderers."""

from __future__ import annotations

import json
import re
from pathlib import Path

import jsonschema
import pytest

from rules_engine.language import diagnostics as diag
from rules_engine.language.diagnostics import (
    CODES,
    Diagnostic,
    PolicyError,
    diagnostic,
    did_you_mean,
    render_json,
    render_sarif,
    render_text,
    sort_diagnostics,
)
from rules_engine.language.spans import Span

HERE = Path(__file__).parent
SARIF_SCHEMA = json.loads((HERE / "sarif-schema-2.1.0.json").read_text(encoding="utf-8"))

SOURCE = 'policy "x"\ncredit c {\n  when p1_respons breached credit 10% of fee\n}\n'
UNKNOWN = diagnostic(
    "SLA201",
    "unknown target `p1_respons`",
    Span("p.sla", 3, 8, 3, 18),
    "did you mean `p1_response`?",
)


def test_every_code_is_documented_in_the_module_index() -> None:
    doc = diag.__doc__ or ""
    for code, (severity, _) in CODES.items():
        assert re.search(rf"^{code}\s+{severity}\s+\S", doc, re.MULTILINE), code
    documented = set(re.findall(r"^(SLA\d{3})", doc, re.MULTILINE))
    assert documented == set(CODES)


def test_code_ranges_match_severities() -> None:
    for code, (severity, text) in CODES.items():
        assert re.fullmatch(r"SLA[1-5]\d\d", code)
        assert (severity == "warning") == code.startswith("SLA5")
        assert text[0].islower() and not text.endswith(".")


def test_text_rendering_points_at_the_span() -> None:
    out = render_text([UNKNOWN], {"p.sla": SOURCE})
    # column 8 is the `p` of `p1_respons` (two spaces + "when " = 7 characters before it);
    # the span is 10 characters long, so 10 carets after 7 spaces.
    assert out == (
        "p.sla:3:8: error[SLA201]: unknown target `p1_respons`\n"
        " 3 |   when p1_respons breached credit 10% of fee\n"
        "   |        ^^^^^^^^^^\n"
        "  = help: did you mean `p1_response`?\n"
    )


def test_text_rendering_without_source_or_position() -> None:
    missing = diagnostic("SLA100", "no such file", Span("gone.sla", 0, 0, 0, 0))
    assert render_text([missing]) == "gone.sla: error[SLA100]: no such file\n"
    assert render_text([]) == ""


def test_multiline_span_underlines_to_the_end_of_the_first_line() -> None:
    d = diagnostic("SLA206", "m", Span("p.sla", 2, 1, 4, 2))
    out = render_text([d], {"p.sla": SOURCE})
    # line 2 is "credit c {" (10 characters): carets from column 1 to its end
    assert " 2 | credit c {\n   | ^^^^^^^^^^\n" in out


def test_json_rendering_has_stable_keys() -> None:
    [obj] = json.loads(render_json([UNKNOWN]))
    assert obj == {
        "code": "SLA201",
        "severity": "error",
        "message": "unknown target `p1_respons`",
        "help": "did you mean `p1_response`?",
        "file": "p.sla",
        "line": 3,
        "column": 8,
        "end_line": 3,
        "end_column": 18,
    }


def test_sarif_validates_against_the_official_schema() -> None:
    warning = diagnostic("SLA508", "calendar `x` has no open hours", Span("p.sla", 2, 1, 2, 9))
    missing = diagnostic("SLA100", "no such file", Span("/abs/gone.sla", 0, 0, 0, 0))
    log = json.loads(render_sarif([UNKNOWN, warning, missing], "1.2.3"))
    jsonschema.Draft4Validator(SARIF_SCHEMA).validate(log)
    run = log["runs"][0]
    rule_ids = [r["id"] for r in run["tool"]["driver"]["rules"]]
    assert rule_ids == list(CODES)
    first = run["results"][0]
    assert first["ruleId"] == "SLA201"
    assert rule_ids[first["ruleIndex"]] == "SLA201"
    assert first["locations"][0]["physicalLocation"]["region"] == {
        "startLine": 3,
        "startColumn": 8,
        "endLine": 3,
        "endColumn": 18,
    }
    assert run["results"][1]["level"] == "warning"
    third = run["results"][2]["locations"][0]["physicalLocation"]
    assert third["artifactLocation"]["uri"] == "file:///abs/gone.sla"
    assert "region" not in third


def test_sarif_schema_rejects_a_broken_log() -> None:
    """The vendored schema is strict enough to catch a malformed result."""
    log = json.loads(render_sarif([UNKNOWN]))
    log["runs"][0]["results"][0]["level"] = "fatal"
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.Draft4Validator(SARIF_SCHEMA).validate(log)


def test_did_you_mean() -> None:
    assert did_you_mean("p1_respons", ["p1_response", "p2_resolution"]) == (
        "did you mean `p1_response`?"
    )
    assert did_you_mean("zzz", ["p1_response"]) is None


def test_sorting_by_position_and_dropping_duplicates() -> None:
    late = diagnostic("SLA201", "b", Span("p.sla", 9, 1, 9, 2))
    early = diagnostic("SLA508", "a", Span("p.sla", 2, 5, 2, 6))
    assert sort_diagnostics([late, early, late]) == [early, late]


def test_policy_error_summarises_the_first_error() -> None:
    warning = diagnostic("SLA508", "w", Span("p.sla", 1, 1, 1, 2))
    second = diagnostic("SLA202", "unknown calendar `b`", Span("p.sla", 5, 1, 5, 2))
    error = PolicyError([second, UNKNOWN, warning])
    assert str(error) == (
        "p.sla:3:8: error[SLA201]: unknown target `p1_respons` (and 1 more error)"
    )
    assert error.errors == (UNKNOWN, second)
    assert len(error.diagnostics) == 3


def test_diagnostic_is_frozen() -> None:
    with pytest.raises(AttributeError):
        UNKNOWN.code = "SLA999"  # type: ignore[misc]
    assert isinstance(UNKNOWN, Diagnostic)
