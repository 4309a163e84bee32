"""JUnit XML, SARIF and GitHub annotations: valid against their schemas, and saying the
right things about the fixture (counts worked out by hand)."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from functools import cache
from typing import Any

import jsonschema
import pytest
import xmlschema

from rules_engine.render.github import render_github
from rules_engine.render.junit import render_junit
from rules_engine.render.sarif import render_sarif

from .conftest import SCHEMAS


@cache
def junit_schema() -> xmlschema.XMLSchema:
    return xmlschema.XMLSchema(str(SCHEMAS / "junit-10.xsd"))


@cache
def sarif_validator() -> jsonschema.protocols.Validator:
    schema = json.loads((SCHEMAS / "sarif-schema-2.1.0.json").read_text(encoding="utf-8"))
    assert schema["title"].startswith("Static Analysis Results Format (SARIF) Version 2.1.0")
    validator_cls = jsonschema.validators.validator_for(schema)
    return validator_cls(schema, format_checker=validator_cls.FORMAT_CHECKER)


def test_junit_valid_and_counts(sample: dict[str, Any]) -> None:
    text = render_junit(sample)
    junit_schema().validate(text)
    root = ET.fromstring(text)
    # 3 periods x 5 targets; failures: p1 and email in Feb (the customer's breach passes)
    assert (root.get("tests"), root.get("failures"), root.get("errors")) == ("15", "2", "0")
    suites = root.findall("testsuite")
    assert [s.get("failures") for s in suites] == ["0", "2", "0"]
    # skipped: p3 in Feb, satisfaction in Mar (no data)
    assert [s.get("skipped") for s in suites] == ["0", "1", "1"]
    feb = {c.get("name"): c for c in suites[1].findall("testcase")}
    failure = feb["p1_response"].find("failure")
    assert failure is not None
    assert failure.get("message", "").startswith(
        "p1_response (P1 response) missed `95% within 15m`"
    )
    assert failure.text == "p1_response in 2026-02: breached; 8 of 10 within 15m = 80% against 95%"
    jan = {c.get("name"): c for c in suites[0].findall("testcase")}
    assert jan["change_turnaround"].find("failure") is None
    out = jan["change_turnaround"].find("system-out")
    assert out is not None and (out.text or "").startswith("breached (customer-owned)")


def test_junit_survives_control_characters(sample: dict[str, Any]) -> None:
    sample["periods"][1]["targets"]["p1_response"]["explanation"] = "bad \x07 bell & <tag>"
    text = render_junit(sample)
    junit_schema().validate(text)
    assert "bad  bell &amp; &lt;tag&gt;" in text


def test_junit_validates_for_conformance(conformance_doc: dict[str, Any]) -> None:
    junit_schema().validate(render_junit(conformance_doc))


def test_sarif_valid_and_located(sample: dict[str, Any]) -> None:
    log = json.loads(render_sarif(sample))
    sarif_validator().validate(log)
    results = log["runs"][0]["results"]
    # breaches: change (Jan, customer), p1 and email (Feb); at risk: p1 (Mar)
    assert [(r["ruleId"], r["properties"]["period"], r["level"]) for r in results] == [
        ("change_turnaround", "2026-01", "warning"),
        ("p1_response", "2026-02", "error"),
        ("email_availability", "2026-02", "error"),
        ("p1_response", "2026-03", "note"),
    ]
    p1 = results[1]["locations"][0]["physicalLocation"]
    assert p1["artifactLocation"]["uri"] == "policies/fixture.sla"
    assert p1["region"] == {"startLine": 20, "startColumn": 1, "endLine": 24, "endColumn": 2}
    email = results[2]["locations"][0]["physicalLocation"]["region"]
    assert email == {"startLine": 26, "startColumn": 1}
    rules = log["runs"][0]["tool"]["driver"]["rules"]
    assert [r["id"] for r in rules] == [
        "p1_response",
        "email_availability",
        "p3_resolution",
        "satisfaction",
        "change_turnaround",
    ]
    assert all(rules[r["ruleIndex"]]["id"] == r["ruleId"] for r in results)


def test_sarif_absolute_paths_become_file_uris(sample: dict[str, Any]) -> None:
    sample["periods"][1]["targets"]["email_availability"]["span"] = "/srv/my policies/a.sla:3:1"
    log = json.loads(render_sarif(sample))
    sarif_validator().validate(log)
    uri = log["runs"][0]["results"][2]["locations"][0]["physicalLocation"]["artifactLocation"][
        "uri"
    ]
    assert uri == "file:///srv/my%20policies/a.sla"


def test_sarif_validates_for_conformance(conformance_doc: dict[str, Any]) -> None:
    sarif_validator().validate(json.loads(render_sarif(conformance_doc)))


def test_sarif_schema_rejects_a_broken_log(sample: dict[str, Any]) -> None:
    log = json.loads(render_sarif(sample))
    log["runs"][0]["results"][0]["level"] = "fatal"  # not a SARIF level
    with pytest.raises(jsonschema.ValidationError):
        sarif_validator().validate(log)


def test_github_annotations(sample: dict[str, Any]) -> None:
    lines = render_github(sample).splitlines()
    assert len(lines) == 5  # 3 breaches + 1 at risk + the summary notice
    assert lines[0].startswith(
        "::warning file=policies/fixture.sla,line=41,col=1,"
        "title=SLA breached (customer-owned)%3A change_turnaround in 2026-01::"
    )
    assert lines[1].startswith(
        "::error file=policies/fixture.sla,line=20,col=1,endLine=24,"
        "title=SLA breached%3A p1_response in 2026-02::p1_response (P1 response) missed `95%25 within 15m`"
    )
    assert lines[3].startswith("::warning ") and "at risk" in lines[3]
    assert lines[4] == (
        "::notice title=SLA Fixture services::9 met, 1 at risk, 3 breached, 2 no data "
        "(as of 2026-03-16T12:00:00+00:00)"
    )


def test_github_escapes_newlines_and_delimiters(sample: dict[str, Any]) -> None:
    target = sample["periods"][1]["targets"]["email_availability"]
    target["span"] = "dir,with:odd.sla:3:1"
    line = render_github(sample).splitlines()[2]
    assert line.startswith("::error file=dir%2Cwith%3Aodd.sla,line=3,col=1,")
    assert "\n" not in line
