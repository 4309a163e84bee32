"""Renderers never crash on an odd but well-formed document, and CI outputs stay valid."""

from __future__ import annotations

import json
from typing import Any

import jsonschema
import xmlschema
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from rules_engine.render.github import render_github
from rules_engine.render.junit import render_junit
from rules_engine.render.report.content import build_report
from rules_engine.render.report.markdown import render_markdown_with_charts
from rules_engine.render.sarif import render_sarif

from .conftest import SCHEMAS

_JUNIT = xmlschema.XMLSchema(str(SCHEMAS / "junit-10.xsd"))
_SARIF_SCHEMA = json.loads((SCHEMAS / "sarif-schema-2.1.0.json").read_text(encoding="utf-8"))

OBJECTIVES = st.sampled_from(
    [
        "95% within 15m",
        ">= 99.9%",
        "p90 <= 27h",
        "mean >= 4.2",
        "mean <= 30m",
        "count >= 1",
        "all within 4h",
        "weird",
        "",
    ]
)
VERDICTS = st.sampled_from(["met", "breached", "at_risk", "no_data", "unknown"])
TEXT = st.text(min_size=0, max_size=12)


@st.composite
def targets(draw: st.DrawFn) -> dict[str, Any]:
    target: dict[str, Any] = {
        "objective": draw(OBJECTIVES),
        "verdict": draw(VERDICTS),
        "owner": draw(st.sampled_from(["provider", "customer"])),
        "in_scope": draw(st.integers(0, 50)),
    }
    if draw(st.booleans()):
        target["value"] = draw(st.one_of(st.none(), st.decimals(0, 100, places=6).map(str)))
    if draw(st.booleans()):
        target["value_s"] = draw(st.integers(0, 10**6))
    if draw(st.booleans()):
        target["budget"] = {
            "unit": draw(st.sampled_from(["records", "seconds"])),
            "total": draw(st.integers(0, 5)),
            "used": draw(st.integers(0, 9)),
            "left": draw(st.integers(-9, 5)),
        }
    if draw(st.booleans()):
        target["breached_records"] = [
            {
                "id": draw(TEXT),
                "measured_s": draw(st.integers(0, 99999)),
                "limit_s": 900,
                "open": draw(st.booleans()),
            }
        ]
    if draw(st.booleans()):
        target["explanation"] = draw(st.text(max_size=40))
    if draw(st.booleans()):
        target["span"] = draw(
            st.sampled_from(
                ["p.sla:3:1", "p.sla:0:0", {"file": "p.sla", "line": 2, "column": 4}, None]
            )
        )
    return target


@st.composite
def documents(draw: st.DrawFn) -> dict[str, Any]:
    names = draw(
        st.lists(
            st.from_regex(r"[a-z][a-z0-9_]{0,8}", fullmatch=True),
            min_size=1,
            max_size=4,
            unique=True,
        )
    )
    count = draw(st.integers(1, 4))
    periods = [
        {
            "period": f"2026-{i + 1:02d}",
            "over": draw(st.booleans()),
            "targets": {n: draw(targets()) for n in names},
            "credits_total": draw(st.one_of(st.none(), st.just("12.50"))),
        }
        for i in range(count)
    ]
    return {
        "policy": {"name": draw(st.text(min_size=1, max_size=20))},
        "as_of": "2026-06-01T00:00:00Z",
        "periods": periods,
        "warnings": draw(
            st.lists(
                st.one_of(
                    st.text(max_size=20), st.fixed_dictionaries({"message": st.text(max_size=10)})
                ),
                max_size=2,
            )
        ),
    }


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(documents())
def test_renderers_accept_any_document(doc: dict[str, Any]) -> None:
    build_report(doc)
    text, charts = render_markdown_with_charts(doc, "c")
    assert text.startswith("# ")
    assert len(charts) == len(doc["periods"][0]["targets"])
    _JUNIT.validate(render_junit(doc))
    jsonschema.validate(json.loads(render_sarif(doc)), _SARIF_SCHEMA)
    lines = render_github(doc).rstrip("\n").split("\n")
    assert lines[-1].startswith("::notice ")
    assert all(line.startswith("::") and len(line.splitlines()) == 1 for line in lines)
