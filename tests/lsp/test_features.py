"""The language features as functions (rules_engine/lsp/features.py, completion.py):
positions in UTF-16, rename refusals, durations on a business clock, the SLA509 quick fix,
semantic tokens in order, completion while the line being typed does not parse."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from lsprotocol import types
from paths import ROOT

from lsp.conftest import position_of
from rules_engine.lsp import features
from rules_engine.lsp.analysis import Workspace
from rules_engine.lsp.completion import complete
from rules_engine.lsp.positions import Lines

MANAGED_IT = ROOT / "policies" / "managed_it.sla"
POLICIES = sorted((ROOT / "policies").glob("*.sla"))


def test_columns_count_utf16_units_on_the_wire() -> None:
    lines = Lines('# 🎉 x\ntier P1 "é"\n')
    # `x` is the 5th code point of line 1; the emoji before it is 2 UTF-16 units: 4 + 1
    assert lines.to_lsp(1, 5) == types.Position(0, 5)
    assert lines.column(types.Position(0, 5)) == 4
    # no astral character on line 2: units and code points agree
    assert lines.to_lsp(2, 10) == types.Position(1, 9)
    assert Lines("# 🎉 x\n", "utf-32").to_lsp(1, 5) == types.Position(0, 4)
    # UTF-8 counts bytes: the emoji is 4, so `x` is at 2 + 4 + 1 = 7 and back at column 4
    utf8 = Lines('# 🎉 x\ntier P1 "é"\n', "utf-8")
    assert utf8.to_lsp(1, 5) == types.Position(0, 7)
    assert utf8.column(types.Position(0, 7)) == 4
    assert utf8.to_lsp(2, 11) == types.Position(1, 11)  # `é` is 2 bytes: 9 + 2


def test_a_diagnostic_after_an_emoji_lands_on_the_name(tmp_path: Path) -> None:
    text = MANAGED_IT.read_text("utf-8").replace(
        "credit missed_review {\n  when monthly_review breached",
        "credit missed_review { # 🎉\n  when monthly_reviews breached",
    )
    path = str(tmp_path / "p.sla")
    analysis = Workspace().analyze(path, text)
    (found,) = features.diagnostics(analysis)[path]
    assert found.code == "SLA201"
    assert found.range.start == position_of(text, "monthly_reviews breached")
    # `monthly_reviews`: 15 characters, all ASCII
    assert found.range.end.character - found.range.start.character == 15


def _workspace_with(text: str, tmp_path: Path) -> tuple[Workspace, str]:
    path = str(tmp_path / "p.sla")
    workspace = Workspace()
    workspace.analyze(path, text)
    return workspace, path


def test_rename_refuses_what_would_not_check(tmp_path: Path) -> None:
    text = MANAGED_IT.read_text("utf-8")
    workspace, path = _workspace_with(text, tmp_path)
    analysis = workspace.current[path]
    tier = position_of(text, "tier P2", 5)
    with pytest.raises(features.RenameRefused, match="tier `P3` is already declared"):
        features.rename(analysis, tier, "P3")
    with pytest.raises(features.RenameRefused, match="`2fast` is not a name"):
        features.rename(analysis, tier, "2fast")
    # a target may take a tier's name (different kinds): not a clash
    target = position_of(text, "target p2_response", 7)
    assert features.rename(analysis, target, "P3").changes
    # a keyword is written in backticks
    edit = features.rename(analysis, tier, "open")
    assert edit.changes is not None
    assert {e.new_text for edits in edit.changes.values() for e in edits} == {"`open`"}
    # `tier P2` and the two P2 targets' scopes
    assert sum(len(edits) for edits in edit.changes.values()) == 3


BUSINESS_2D = """policy "Two days"
provider "P"
effective 2026-01-01
timezone "America/New_York"
currency USD
fee 1000 per month

calendar business {
  open mon-fri 08:00-18:00
}

tier P3 coverage business

target p3_resolution {
  of tickets where priority = P3
  measure resolution_time
  require 90% within 2d
}
"""


def test_a_d_limit_on_a_business_clock(tmp_path: Path) -> None:
    workspace, path = _workspace_with(BUSINESS_2D, tmp_path)
    analysis = workspace.current[path]
    (warning,) = features.diagnostics(analysis)[path]
    assert warning.code == "SLA509"
    assert warning.severity == types.DiagnosticSeverity.Warning
    hover = features.hover(
        analysis, position_of(BUSINESS_2D, "2d"), analysis.result.policy, dt.date(2026, 6, 1)
    )
    assert hover is not None and isinstance(hover.contents, types.MarkupContent)
    # 2d = 48 h; business is open 10 h a day on 5 days: 48 / 10 = 4.8, about 5 working days
    assert "on `business`: 48 open hours, about 5 working days" in hover.contents.value
    uri = features.uri_of(path)
    # 2d = 2 x 86,400 s: two business days (preferred: what was meant) or 48 open hours
    days, hours = features.code_actions(analysis, uri, [warning])
    assert days.is_preferred and not hours.is_preferred
    assert days.edit is not None and days.edit.changes is not None
    assert days.edit.changes[uri] == [types.TextEdit(warning.range, "2bd")]
    assert hours.edit is not None and hours.edit.changes is not None
    assert hours.edit.changes[uri] == [types.TextEdit(warning.range, "48h")]


@pytest.mark.parametrize("policy", POLICIES, ids=lambda p: p.name)
def test_semantic_tokens_are_in_order_and_do_not_overlap(policy: Path, tmp_path: Path) -> None:
    text = policy.read_text("utf-8")
    workspace, path = _workspace_with(text, tmp_path)
    data = features.semantic_tokens(workspace.current[path])
    assert data and len(data) % 5 == 0
    line = start = end = 0
    lines = text.split("\n")
    for i in range(0, len(data), 5):
        delta_line, delta_start, length, kind, _ = data[i : i + 5]
        if delta_line:
            line, start, end = line + delta_line, delta_start, 0
        else:
            start += delta_start
        assert start >= end and length > 0 and kind < len(features.TOKEN_TYPES)
        assert start + length <= len(lines[line])
        end = start + length


def test_completion_while_the_line_does_not_parse(tmp_path: Path) -> None:
    text = MANAGED_IT.read_text("utf-8")
    workspace, path = _workspace_with(text, tmp_path)
    typing = text.replace("credit missed_review {\n", "credit missed_review {\n  when p1_\n", 1)
    current = workspace.analyze(path, typing)
    assert current.tree is None  # `when p1_` is not a policy yet
    names = workspace.names_source(path)
    assert names is not None and names.tree is not None
    items = complete(current, names, position_of(typing, "when p1_", 8), 2026)
    labels = {i.label for i in items}
    assert {"p1_response", "p1_resolution"} <= labels


MISSING = """policy "x"
provider "p"
effective 2026-01-01
timezone "UTC"
fee 100 per month

target t {
  of tickets
  require 95% within 1h
}
"""


def test_a_missing_clause_the_help_spells_out_is_one_click(tmp_path: Path) -> None:
    workspace, path = _workspace_with(MISSING, tmp_path)
    analysis = workspace.current[path]
    found = features.diagnostics(analysis)[path]
    assert [d.code for d in found] == ["SLA208", "SLA208"]
    uri = features.uri_of(path)
    edits = []
    for action in features.code_actions(analysis, uri, found):
        assert action.edit is not None and action.edit.changes is not None
        edits.extend(action.edit.changes[uri])
    # `currency USD` after the policy line; `measure ...` inside the target's block
    assert edits == [
        types.TextEdit(types.Range(types.Position(1, 0), types.Position(1, 0)), "currency USD\n"),
        types.TextEdit(
            types.Range(types.Position(7, 0), types.Position(7, 0)), "  measure resolution_time\n"
        ),
    ]
    fixed = MISSING.replace('policy "x"\n', 'policy "x"\ncurrency USD\n').replace(
        "target t {\n", "target t {\n  measure resolution_time\n"
    )
    assert workspace.analyze(path, fixed).result.ok


SAMPLED = [*POLICIES, ROOT / "examples" / "modules" / "contoso.sla"]


@pytest.mark.parametrize("policy", SAMPLED, ids=lambda p: p.name)
def test_every_feature_answers_anywhere_without_raising(policy: Path) -> None:
    """Hover, completion, definition, references and rename at every 5th character of
    the shipped policies (and a module importing another): an answer, never an error."""
    text = policy.read_text("utf-8")
    workspace = Workspace()
    analysis = workspace.analyze(str(policy), text)
    assert analysis.result.ok
    day = dt.date(2026, 6, 15)
    answered = 0
    for offset in range(0, len(text), 5):
        line = text.count("\n", 0, offset)
        position = types.Position(line, offset - (text.rfind("\n", 0, offset) + 1))
        if features.hover(analysis, position, analysis.result.policy, day) is not None:
            answered += 1
        complete(analysis, analysis, position, 2026)
        features.definition(analysis, position)
        features.references(analysis, position)
        if features.prepare_rename(analysis, position) is not None:
            features.rename(analysis, position, "renamed_name")
    assert answered > 10  # hovers are found on names, durations and credit tiers


def test_a_did_you_mean_inside_a_string_keeps_the_quotes(tmp_path: Path) -> None:
    text = MANAGED_IT.read_text("utf-8").replace(
        'holidays "US"', 'holidays "US" except "Christmas"', 1
    )
    workspace, path = _workspace_with(text, tmp_path)
    analysis = workspace.current[path]
    (found,) = features.diagnostics(analysis)[path]
    assert found.code == "SLA307"
    uri = features.uri_of(path)
    (action,) = features.code_actions(analysis, uri, [found])
    assert action.edit is not None and action.edit.changes is not None
    assert action.edit.changes[uri] == [types.TextEdit(found.range, '"Christmas Day"')]
    # the span is the whole literal, quotes included: 11 characters
    assert found.range.end.character - found.range.start.character == len('"Christmas"')


def test_an_except_name_hovers_with_its_dates_this_year(tmp_path: Path) -> None:
    text = MANAGED_IT.read_text("utf-8").replace(
        'holidays "US"', 'holidays "US" except "Independence Day"', 1
    )
    workspace, path = _workspace_with(text, tmp_path)
    analysis = workspace.current[path]
    hover = features.hover(
        analysis, position_of(text, '"Independence Day"', 3), None, dt.date(2026, 3, 1)
    )
    assert hover is not None and isinstance(hover.contents, types.MarkupContent)
    # 4 July 2026 is a Saturday, so the US observe it on Friday 3 July
    assert hover.contents.value == (
        "**Independence Day** in 2026: 2026-07-03 (Friday), 2026-07-04 (Saturday); "
        "the calendar stays open"
    )


def test_an_escalation_step_at_a_share_of_a_limit(tmp_path: Path) -> None:
    text = MANAGED_IT.read_text("utf-8")
    workspace, path = _workspace_with(text, tmp_path)
    analysis = workspace.current[path]
    where = position_of(text, "at 50% of p1_resolution", 4)
    hover = features.hover(analysis, where, analysis.result.policy, dt.date(2026, 3, 1))
    assert hover is not None and isinstance(hover.contents, types.MarkupContent)
    # p1_resolution: 90% within 4h; half of 4 h is 2 h, on P1's 24x7 coverage
    assert hover.contents.value == (
        "`50%` of `p1_resolution`'s limit `4h` = `2h` (2 hours) on 24x7"
    )
