"""``sla lsp`` end to end: a real client over stdio on the shipped policies and on a
module that imports another (issue 17)."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from lsprotocol import types
from paths import ROOT
from pytest_lsp import LanguageClient

from lsp.conftest import open_document, position_of
from rules_engine.language.load import check_source

MANAGED_IT = ROOT / "policies" / "managed_it.sla"
POLICIES = sorted((ROOT / "policies").glob("*.sla"))


def _change(client: LanguageClient, uri: str, version: int, text: str) -> None:
    client.text_document_did_change(
        types.DidChangeTextDocumentParams(
            types.VersionedTextDocumentIdentifier(uri=uri, version=version),
            [types.TextDocumentContentChangeWholeDocument(text=text)],
        )
    )


async def _diagnostics_for(client: LanguageClient, uri: str) -> list[types.Diagnostic]:
    while True:
        params = await asyncio.wait_for(
            client.wait_for_notification(types.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS), 60
        )
        if params.uri == uri:
            return list(params.diagnostics)


@pytest.mark.asyncio
async def test_typing_an_error_publishes_the_checkers_diagnostic(client: LanguageClient) -> None:
    text = MANAGED_IT.read_text("utf-8")
    uri = await open_document(client, MANAGED_IT)
    assert list(client.diagnostics[uri]) == []  # the shipped policy checks clean
    broken = text.replace("when p1_response breached", "when p1_respons breached")
    _change(client, uri, 2, broken)
    found = await _diagnostics_for(client, uri)
    assert [d.code for d in found] == ["SLA201"]
    where = position_of(broken, "p1_respons breached")
    # the span of the unknown name: 10 characters, `p1_respons`
    assert found[0].range == types.Range(where, types.Position(where.line, where.character + 10))
    assert found[0].severity == types.DiagnosticSeverity.Error
    assert "did you mean `p1_response`?" in found[0].message
    # the same code, span and help as `sla check` (check_source) reports
    (expected,) = check_source(broken, str(MANAGED_IT)).diagnostics
    assert (expected.code, expected.span.line, expected.span.column) == (
        "SLA201",
        where.line + 1,
        where.character + 1,
    )
    assert found[0].message == f"{expected.message}\nhelp: {expected.help}"

    # the quick fix the help already names
    actions = await client.text_document_code_action_async(
        types.CodeActionParams(
            types.TextDocumentIdentifier(uri), found[0].range, types.CodeActionContext(found)
        )
    )
    assert actions is not None and len(actions) == 1
    action = actions[0]
    assert isinstance(action, types.CodeAction) and action.edit is not None
    assert action.edit.changes is not None
    assert list(action.edit.changes[uri]) == [types.TextEdit(found[0].range, "p1_response")]


@pytest.mark.asyncio
async def test_a_syntax_error_then_its_fix(client: LanguageClient) -> None:
    text = MANAGED_IT.read_text("utf-8")
    uri = await open_document(client, MANAGED_IT)
    broken = text.replace("require 95% within 15m", "require 95% withn 15m", 1)
    _change(client, uri, 2, broken)
    found = await _diagnostics_for(client, uri)
    assert [d.code for d in found] == ["SLA101"]
    assert found[0].range.start == position_of(broken, "withn")
    _change(client, uri, 3, text)
    assert await _diagnostics_for(client, uri) == []


@pytest.mark.asyncio
async def test_keyword_as_field_gets_backticks(client: LanguageClient) -> None:
    text = MANAGED_IT.read_text("utf-8").replace("of surveys\n", "of surveys where open = 1\n", 1)
    uri = await open_document(client, MANAGED_IT, text)
    found = list(client.diagnostics[uri])
    assert [d.code for d in found] == ["SLA101"]
    actions = await client.text_document_code_action_async(
        types.CodeActionParams(
            types.TextDocumentIdentifier(uri), found[0].range, types.CodeActionContext(list(found))
        )
    )
    assert actions is not None and len(actions) == 1
    edit = actions[0].edit
    assert isinstance(actions[0], types.CodeAction) and edit is not None and edit.changes
    start = position_of(text, "open = 1")
    assert list(edit.changes[uri]) == [
        types.TextEdit(
            types.Range(start, types.Position(start.line, start.character + 4)), "`open`"
        )
    ]


@pytest.mark.asyncio
async def test_shipped_policies_check_clean_with_an_outline_and_format(
    client: LanguageClient,
) -> None:
    assert len(POLICIES) == 5
    for policy in POLICIES:  # one server for all five (starting one takes a second)
        text = policy.read_text("utf-8")
        uri = await open_document(client, policy)
        assert list(client.diagnostics[uri]) == [], policy.name
        symbols = await client.text_document_document_symbol_async(
            types.DocumentSymbolParams(types.TextDocumentIdentifier(uri))
        )
        assert symbols is not None
        names = [s.name for s in symbols if isinstance(s, types.DocumentSymbol)]
        # every target of the file is in the outline, once, in order
        targets = [line.split()[1] for line in text.splitlines() if line.startswith("target ")]
        assert targets
        assert [n.removeprefix("target ") for n in names if n.startswith("target ")] == targets
        edits = await client.text_document_formatting_async(
            types.DocumentFormattingParams(
                types.TextDocumentIdentifier(uri), types.FormattingOptions(2, True)
            )
        )
        assert edits is not None and list(edits) == []  # `sla fmt --check` passes on them


@pytest.mark.asyncio
async def test_formatting_replaces_the_text_with_sla_fmt(client: LanguageClient) -> None:
    from rules_engine.language.formatter import format_policy

    text = MANAGED_IT.read_text("utf-8").replace("period month", "period    month")
    uri = await open_document(client, MANAGED_IT, text)
    edits = await client.text_document_formatting_async(
        types.DocumentFormattingParams(
            types.TextDocumentIdentifier(uri), types.FormattingOptions(2, True)
        )
    )
    assert edits is not None and len(edits) == 1
    assert edits[0].new_text == format_policy(text) == MANAGED_IT.read_text("utf-8")


@pytest.mark.asyncio
async def test_hovers_in_plain_words(client: LanguageClient) -> None:
    text = MANAGED_IT.read_text("utf-8")
    uri = await open_document(client, MANAGED_IT)

    async def hover(marker: str, offset: int = 0) -> str:
        found = await client.text_document_hover_async(
            types.HoverParams(types.TextDocumentIdentifier(uri), position_of(text, marker, offset))
        )
        assert found is not None and isinstance(found.contents, types.MarkupContent)
        return found.contents.value

    words = await hover("target p1_response", 8)
    assert '95% of tickets (priority = P1 and status not in ["cancelled"]) get a first ' in words
    assert "within 15 minutes, counted on 24x7; customer pauses not excluded" in words
    # P3 runs on the business calendar (its tier's coverage): 27h there
    words = await hover("require p90 <= 27h", 15)
    assert "27 open hours" in words
    # business is open 10 hours a day, Monday to Friday: 27 h / 10 h = 2.7, about 3 days
    assert "about 3 working days" in words
    words = await hover("calendar business", 10)
    assert "50 open hours a week" in words  # 5 days x 10 hours
    assert "2026-07-03 Independence Day (observed)" in words
    assert "2026-11-26 Thanksgiving Day" in words
    # 25% of the monthly fee of 15,000 USD = 3,750 USD
    words = await hover("credit 25% of fee", 8)
    assert "25% x 15,000.00 USD = 3,750.00 USD" in words
    words = await hover("where priority = P1", 7)
    assert "**priority**: string (a field of `tickets`)" in words


@pytest.mark.asyncio
async def test_completion_by_context(client: LanguageClient) -> None:
    text = MANAGED_IT.read_text("utf-8")
    uri = await open_document(client, MANAGED_IT)

    async def labels(edited: str, marker: str) -> dict[str, str | None]:
        _change(client, uri, 2, edited)
        result = await client.text_document_completion_async(
            types.CompletionParams(
                types.TextDocumentIdentifier(uri), position_of(edited, marker, len(marker))
            )
        )
        assert isinstance(result, types.CompletionList)
        return {item.label: item.detail for item in result.items}

    found = await labels(text, "of tickets where ")
    assert found["priority"] == "string (tickets)"
    assert found["onsite_required"] == "boolean (tickets)"
    assert "not" in found and "measure" not in found
    found = await labels(text, "where priority = ")
    assert {"P1", "P2", "P3", "P4"} <= set(found)
    edited = text.replace('holidays "US"', 'holidays "US" except "', 1)
    found = await labels(edited, 'except "')
    assert "Juneteenth National Independence Day" in found and "Christmas Day" in found
    edited = text.replace('holidays "US"', 'holidays "', 1)
    found = await labels(edited, 'holidays "')
    assert "US" in found and "DE" in found
    found = await labels(text, "credit repeated_response_breach {\n  when ")
    assert "p1_response" in found and "email_availability" in found
    found = await labels(text, "measure availability on ")
    assert set(found) == {"24x7", "business"}


@pytest.mark.asyncio
async def test_definition_references_and_rename(client: LanguageClient) -> None:
    text = MANAGED_IT.read_text("utf-8")
    uri = await open_document(client, MANAGED_IT)
    use = position_of(text, "when email_availability < 99.0%", 5)
    found = await client.text_document_definition_async(
        types.DefinitionParams(types.TextDocumentIdentifier(uri), use)
    )
    assert isinstance(found, list) and len(found) == 1
    assert isinstance(found[0], types.Location)
    assert found[0].range.start == position_of(text, 'email_availability "Email')
    refs = await client.text_document_references_async(
        types.ReferenceParams(
            context=types.ReferenceContext(include_declaration=True),
            text_document=types.TextDocumentIdentifier(uri),
            position=use,
        )
    )
    # declared once, named by three credit tiers and the exit rule: five
    assert refs is not None and len(refs) == 5 == text.count("email_availability ")
    edit = await client.text_document_rename_async(
        types.RenameParams(types.TextDocumentIdentifier(uri), use, "mail_availability")
    )
    assert edit is not None and edit.changes is not None
    assert len(edit.changes[uri]) == 5
    with pytest.raises(Exception, match="target `p1_response` is already declared"):
        await client.text_document_rename_async(
            types.RenameParams(types.TextDocumentIdentifier(uri), use, "p1_response")
        )
    tier = position_of(text, "priority = P2", 11)
    refs = await client.text_document_references_async(
        types.ReferenceParams(
            context=types.ReferenceContext(include_declaration=True),
            text_document=types.TextDocumentIdentifier(uri),
            position=tier,
        )
    )
    # `tier P2` and the two P2 targets' scopes
    assert refs is not None and len(refs) == 3


@pytest.mark.asyncio
async def test_semantic_tokens_colour_names_by_what_they_name(client: LanguageClient) -> None:
    text = MANAGED_IT.read_text("utf-8")
    uri = await open_document(client, MANAGED_IT)
    tokens = await client.text_document_semantic_tokens_full_async(
        types.SemanticTokensParams(types.TextDocumentIdentifier(uri))
    )
    assert tokens is not None
    data = tokens.data
    decoded: dict[tuple[int, int], int] = {}
    line = column = 0
    for i in range(0, len(data), 5):
        line = line + data[i]
        column = data[i + 1] if data[i] else column + data[i + 1]
        decoded[(line, column)] = data[i + 3]
    from rules_engine.lsp.features import TOKEN_TYPES

    def kind(marker: str, offset: int = 0) -> str:
        p = position_of(text, marker, offset)
        return TOKEN_TYPES[decoded[(p.line, p.character)]]

    assert kind("target p1_response") == "keyword"
    assert kind("target p1_response", 7) == "function"
    assert kind("priority = P1", 11) == "enumMember"
    assert kind("priority = P1") == "property"
    assert kind("onsite_arrival_at on business", 21) == "namespace"
    assert kind('"Example MSP"') == "string"
    assert kind("15m") == "number"
    assert kind("# Managed IT") == "comment"


MODULE = """policy "Standard terms"
provider "Northwind"
effective 2026-01-01
timezone "America/New_York"
currency USD
fee 5000 per month

calendar business {
  open mon-fri 09:00-17:00
}

tier P1 coverage business

target p1_response {
  of tickets where priority = P1
  measure response_time
  require 90% within 15m
}
"""

CUSTOMER = """import "terms.sla"

customer "Contoso"

credit slow {
  when p1_response < 90% credit 5% of fee
}
"""


@pytest.mark.asyncio
async def test_a_module_that_imports_another(client: LanguageClient, tmp_path: Path) -> None:
    (tmp_path / "terms.sla").write_text(MODULE, "utf-8")
    main = tmp_path / "main.sla"
    main.write_text(CUSTOMER, "utf-8")
    uri = await open_document(client, main)
    assert list(client.diagnostics[uri]) == []
    use = position_of(CUSTOMER, "p1_response <")
    found = await client.text_document_definition_async(
        types.DefinitionParams(types.TextDocumentIdentifier(uri), use)
    )
    assert isinstance(found, list) and len(found) == 1 and isinstance(found[0], types.Location)
    assert found[0].uri == (tmp_path / "terms.sla").as_uri()
    assert found[0].range.start == position_of(MODULE, "p1_response {")
    hover = await client.text_document_hover_async(
        types.HoverParams(types.TextDocumentIdentifier(uri), use)
    )
    assert hover is not None and isinstance(hover.contents, types.MarkupContent)
    assert "90% of tickets (priority = P1) get a first response within 15 minutes" in (
        hover.contents.value
    )
    edit = await client.text_document_rename_async(
        types.RenameParams(types.TextDocumentIdentifier(uri), use, "p1_first_response")
    )
    assert edit is not None and edit.changes is not None
    assert sorted(edit.changes) == sorted([uri, (tmp_path / "terms.sla").as_uri()])
    # an error in the imported file is published on that file, as `sla check` places it
    (tmp_path / "terms.sla").write_text(MODULE.replace("coverage business", "coverage busines"))
    client.text_document_did_save(
        types.DidSaveTextDocumentParams(types.TextDocumentIdentifier(uri))
    )
    module_uri = (tmp_path / "terms.sla").as_uri()
    for _ in range(600):  # the notification may come before a wait for it starts: poll
        if client.diagnostics.get(module_uri):
            break
        await asyncio.sleep(0.05)
    found_module = list(client.diagnostics[module_uri])
    assert [d.code for d in found_module] == ["SLA202"]
    assert found_module[0].range.start == position_of(MODULE, "business\n\ntarget", 0)


@pytest.mark.asyncio
async def test_diagnostics_go_to_the_uri_the_client_used(client: LanguageClient) -> None:
    # the same file, its `_` percent-encoded as some clients write it
    uri = MANAGED_IT.as_uri().replace("managed_it", "managed%5Fit")
    text = MANAGED_IT.read_text("utf-8").replace("when p1_response breached", "when p1_x breached")
    client.text_document_did_open(
        types.DidOpenTextDocumentParams(types.TextDocumentItem(uri, "sla", 1, text))
    )
    found = await _diagnostics_for(client, uri)
    assert [d.code for d in found] == ["SLA201"]
    definition = await client.text_document_definition_async(
        types.DefinitionParams(
            types.TextDocumentIdentifier(uri), position_of(text, "repeated_response_breach")
        )
    )
    assert definition == [] or all(loc.uri == uri for loc in definition)  # type: ignore[union-attr]


@pytest.mark.asyncio
async def test_a_utf8_client_gets_byte_columns(utf8_client: LanguageClient) -> None:
    text = MANAGED_IT.read_text("utf-8").replace(
        'target p1_response "P1 first response within 15 minutes" {\n'
        "  of tickets where priority = P1 ",
        'target p1_response "P1 réponse 🎉" { of tickets where priority = P9 ',
    )
    uri = await open_document(utf8_client, MANAGED_IT, text)
    (found,) = utf8_client.diagnostics[uri]
    line = text.splitlines()[found.range.start.line]
    before = line[: line.index("P9")]
    # `é` is 2 bytes and the emoji 4, each one code point: 3 + 1 = 4 more than characters
    assert len(before.encode("utf-8")) == len(before) + 4
    assert found.range.start.character == len(before.encode("utf-8"))
    assert found.range.end.character == found.range.start.character + 2  # `P9`
    # and a position in bytes is read back as one: `priority`, after the emoji
    at = len(line[: line.index("priority")].encode("utf-8")) + 1
    hover = await utf8_client.text_document_hover_async(
        types.HoverParams(
            types.TextDocumentIdentifier(uri), types.Position(found.range.start.line, at)
        )
    )
    assert hover is not None and isinstance(hover.contents, types.MarkupContent)
    assert hover.contents.value == "**priority**: string (a field of `tickets`)"
