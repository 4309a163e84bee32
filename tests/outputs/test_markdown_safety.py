"""Text from a policy or from data cannot change the structure of Markdown output: a label
with a newline and `<img onerror>` stays inside its cell, heading or code span (issue 14).

The checks read the Markdown as CommonMark/GFM does: fenced code blocks, code spans (a run
of n backticks closed by the next run of exactly n), backslash escapes, and table cells
split on unescaped pipes."""

from __future__ import annotations

import copy
import json
import re
from pathlib import Path
from typing import Any

from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from rules_engine.cli import cli
from rules_engine.escape import markdown_code, markdown_fence, markdown_text
from rules_engine.render.report import render_html, render_markdown

REPO = Path(__file__).resolve().parents[2]
SAMPLE = REPO / "tests" / "report" / "fixtures" / "sample_eval.json"
QUICKSTART = REPO / "examples" / "quickstart"
PIPE = re.compile(r"(?<!\\)\|")
INJECTION = "x`\n\n<img src=x onerror=alert(1)>\n\n`y"


def sample() -> dict[str, Any]:
    doc: dict[str, Any] = json.loads(SAMPLE.read_text(encoding="utf-8"))
    return doc


def poisoned(text: str) -> dict[str, Any]:
    """The fixture with ``text`` in every policy- or data-derived string a report shows."""
    doc = sample()
    doc["policy"].update(name=f"N{text}", provider=f"P{text}", customer=f"C{text}")
    doc["policy"]["path"] = f"policies/{text}.sla"
    doc["data"]["sources"] = [f"data/{text}.jsonl"]
    doc["data"]["warnings"] = [f"data/{text}.jsonl:1: id `{text}` is odd"]
    doc["escalations"][0]["record"] = text
    doc["escalations"][0]["contact"] = text
    for number, period in enumerate(doc["periods"]):
        period["period"] = f"{number}{text}"
        for target in period["targets"].values():
            target["title"] = f"T{text}"
            target["explanation"] = f"E{text}"
            if target.get("flip"):
                target["flip"] = f"F{text}"
            for record in target.get("breached_records") or []:
                record["id"] = f"R{text}"
    return doc


def code_spans_removed(line: str) -> str:
    """``line`` with each code span replaced by ``CODE`` (backslash escapes kept)."""
    out: list[str] = []
    i = 0
    while i < len(line):
        if line[i] == "\\" and i + 1 < len(line):
            out.append(line[i : i + 2])
            i += 2
            continue
        if line[i] != "`":
            out.append(line[i])
            i += 1
            continue
        run = re.match("`+", line[i:])
        assert run is not None
        n = len(run.group())
        closing = next((m for m in re.finditer("`+", line[i + n :]) if len(m.group()) == n), None)
        if closing is None:
            out.append(run.group())
            i += n
        else:
            out.append("CODE")
            i += n + closing.end()
    return "".join(out)


def structure(markdown: str) -> list[str]:
    """What a Markdown reader sees outside code blocks, line by line: the line's kind
    (blank, heading level, table row with its cell count, list item, paragraph) and the
    markup characters left unescaped outside code spans."""
    kinds: list[str] = []
    fence: str | None = None
    for line in markdown.split("\n"):
        if fence is not None:
            if re.fullmatch(f" {{0,3}}{fence[0]}{{{len(fence)},}}\\s*", line):
                fence = None
                kinds.append("fence end")
            continue
        opening = re.match(r" {0,3}(`{3,}|~{3,})", line)
        if opening:
            fence = opening.group(1)
            kinds.append("fence")
            continue
        plain = code_spans_removed(line)
        markup = "".join(re.findall(r"(?<!\\)[<>\[\]`*]", plain.replace("<br>", "")))
        if not line.strip():
            kind = "blank"
        elif re.match(r"#{1,6} ", line):
            kind = "heading " + line.split(" ")[0]
        elif line.startswith("|"):
            kind = f"row of {len(PIPE.findall(line))}"
        elif line.startswith("- "):
            kind = "item"
        else:
            kind = "paragraph"
        kinds.append(f"{kind} {markup}")
    return kinds


def test_a_label_with_a_newline_and_html_stays_in_its_place() -> None:
    baseline = structure(render_markdown(poisoned("X")))
    text = render_markdown(poisoned(INJECTION))
    assert structure(text) == baseline


def test_eval_markdown_escapes_a_label(tmp_path: Path) -> None:
    policy = (QUICKSTART / "policy.sla").read_text(encoding="utf-8")
    label = '"P1 first response within 15 minutes"'
    # (a raw escape character in a label is refused by the checker, SLA111)
    evil = '"P1 `\\n\\n<img src=x onerror=alert(1)>\\n\\n` [2J"'
    (tmp_path / "policy.sla").write_text(policy.replace(label, evil), encoding="utf-8")
    args = ["eval", str(tmp_path / "policy.sla"), "--data", str(QUICKSTART / "data")]
    args += ["--from", "2026-01", "--to", "2026-03", "--as-of", "2026-04-02T00:00:00Z"]
    args += ["--format", "markdown", "--output", str(tmp_path / "out.md")]
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 1, result.output  # February is breached
    text = (tmp_path / "out.md").read_text(encoding="utf-8")
    outside = [k for k in structure(text) if "<" in k.split(" ", 1)[-1]]
    assert outside == []


NASTY = st.text(
    alphabet=st.sampled_from(list("ab `<>|*_[]!#-=~\\\n\r\t\x1b\x00\u2028\u202e&;:.1")),
    min_size=1,
    max_size=12,
)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(NASTY)
def test_no_text_changes_the_structure_of_the_markdown_report(text: str) -> None:
    baseline = structure(render_markdown(poisoned("X")))
    rendered = render_markdown(poisoned(text))
    assert structure(rendered) == baseline
    assert "\x1b" not in rendered and "\x00" not in rendered


@given(NASTY)
def test_markdown_text_is_one_line_without_markup(text: str) -> None:
    out = markdown_text(text, line_start=True)
    assert "\n" not in out and "\r" not in out
    assert structure(f"a{out}") == structure("ax")


@given(NASTY)
def test_markdown_code_is_one_code_span(text: str) -> None:
    span = markdown_code(text, in_table=True)
    assert "\n" not in span
    assert code_spans_removed(span) == "CODE"


@given(NASTY)
def test_markdown_fence_cannot_be_closed_from_inside(text: str) -> None:
    block = "\n".join(markdown_fence(text + "\n```\n<img>", "text"))
    assert structure(block)[0] == "fence" and structure(block)[1:] == ["fence end"]


def test_html_report_escapes_every_poisoned_field() -> None:
    html = render_html(poisoned(INJECTION))
    assert "<img" not in html
    assert html.count("&lt;img src=x onerror=alert(1)&gt;") > 10


def test_a_shortfall_sentence_keeps_its_code_spans() -> None:
    doc = copy.deepcopy(sample())
    text = render_markdown(doc)
    assert "missed `95% within 15m` in 2026-02" in text


def test_chart_files_are_well_formed_xml_whatever_the_labels() -> None:
    import xml.etree.ElementTree as ET

    from rules_engine.render.report.markdown import render_markdown_with_charts

    _, charts = render_markdown_with_charts(poisoned("\x01\x1b\ufffe<&>"), "charts")
    assert charts
    for svg in charts.values():
        ET.fromstring(svg)
