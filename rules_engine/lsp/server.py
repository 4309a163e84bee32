"""``sla lsp``: the language server (pygls, over stdio).

Diagnostics are published after the author pauses typing (``debounce`` seconds, 0.2 by
default, set with the ``debounce`` initialization option) and at once on open and save.
Requests use the analysis of the document's current version, computing it first when the
debounce has not yet run, so answers never lag the text. ``today`` (an ISO date in the
initialization options) fixes the date hovers compute "this year" and "the current fee"
from; by default it is the server's clock (only hovers read it).
"""

from __future__ import annotations

import asyncio
import datetime as dt
from typing import Any

from lsprotocol import types
from pygls.lsp.server import LanguageServer

from rules_engine import __version__
from rules_engine.language.parser import normalize_newlines
from rules_engine.lsp import completion, features
from rules_engine.lsp.analysis import Analysis, Workspace
from rules_engine.lsp.features import path_of, uri_of


class PolicyServer(LanguageServer):
    """The server: pygls's, with the analyses of the open documents."""

    def __init__(self) -> None:
        super().__init__(
            "sla", __version__, text_document_sync_kind=types.TextDocumentSyncKind.Incremental
        )
        self.policies = Workspace()
        self.debounce = 0.2
        self.today: dt.date | None = None
        self.pending: dict[str, asyncio.TimerHandle] = {}
        self.published: dict[str, dict[str, list[types.Diagnostic]]] = {}
        """Per checked document, the diagnostics it published per file URI."""

    @property
    def encoding(self) -> str:
        """The position encoding agreed with the client (UTF-16 unless it offered another)."""
        kind = self.workspace.position_encoding
        return str(getattr(kind, "value", kind) or "utf-16")  # an enum of str, or a str

    def date(self) -> dt.date:
        return self.today or dt.date.today()

    def analysis(self, uri: str) -> Analysis:
        """The analysis of the document's current text (computed now if stale)."""
        document = self.workspace.get_text_document(uri)
        path = path_of(uri)
        current = self.policies.current.get(path)
        if current is not None and current.text == normalize_newlines(document.source):
            return current
        return self.policies.analyze(path, document.source, document.version, self.encoding, uri)

    def publish(self, uri: str) -> None:
        """Check the document and publish ``sla check``'s diagnostics, in its own file and
        in the files it imports (merged with what other open documents found there)."""
        self.pending.pop(uri, None)
        analysis = self.analysis(uri)
        found = {
            features.file_uri(analysis, path): items
            for path, items in features.diagnostics(analysis).items()
        }
        found.setdefault(uri, [])
        before = self.published.get(uri, {})
        self.published[uri] = found
        for target in sorted(set(found) | set(before)):
            merged: list[types.Diagnostic] = []
            for files in self.published.values():
                merged.extend(d for d in files.get(target, []) if d not in merged)
            version = analysis.version if target == uri else None
            self.text_document_publish_diagnostics(
                types.PublishDiagnosticsParams(uri=target, diagnostics=merged, version=version)
            )

    def schedule(self, uri: str) -> None:
        handle = self.pending.pop(uri, None)
        if handle is not None:
            handle.cancel()
        loop = asyncio.get_running_loop()
        self.pending[uri] = loop.call_later(self.debounce, self.publish, uri)

    def recheck_importers(self, uri: str) -> None:
        for path in self.policies.importers(path_of(uri)):
            other = uri_of(path)
            if other in self.workspace.text_documents:
                self.policies.current.pop(path, None)
                self.publish(other)


server = PolicyServer()


@server.feature(types.INITIALIZE)
def _initialize(ls: PolicyServer, params: types.InitializeParams) -> None:
    options: Any = params.initialization_options
    if isinstance(options, dict):
        if isinstance(options.get("debounce"), int | float):
            ls.debounce = max(float(options["debounce"]), 0.0)
        if isinstance(options.get("today"), str):
            try:
                ls.today = dt.date.fromisoformat(options["today"])
            except ValueError:
                ls.today = None


@server.feature(types.TEXT_DOCUMENT_DID_OPEN)
def _did_open(ls: PolicyServer, params: types.DidOpenTextDocumentParams) -> None:
    ls.publish(params.text_document.uri)


@server.feature(types.TEXT_DOCUMENT_DID_CHANGE)
async def _did_change(ls: PolicyServer, params: types.DidChangeTextDocumentParams) -> None:
    ls.schedule(params.text_document.uri)


@server.feature(types.TEXT_DOCUMENT_DID_SAVE)
def _did_save(ls: PolicyServer, params: types.DidSaveTextDocumentParams) -> None:
    ls.policies.current.pop(path_of(params.text_document.uri), None)  # its imports may have changed
    ls.publish(params.text_document.uri)
    ls.recheck_importers(params.text_document.uri)


@server.feature(types.TEXT_DOCUMENT_DID_CLOSE)
def _did_close(ls: PolicyServer, params: types.DidCloseTextDocumentParams) -> None:
    uri = params.text_document.uri
    handle = ls.pending.pop(uri, None)
    if handle is not None:
        handle.cancel()
    ls.policies.forget(path_of(uri))
    before = ls.published.pop(uri, {})
    for target in before:
        merged = [d for checked, files in ls.published.items() for d in files.get(target, [])]
        ls.text_document_publish_diagnostics(
            types.PublishDiagnosticsParams(uri=target, diagnostics=merged)
        )


@server.feature(types.TEXT_DOCUMENT_FORMATTING)
def _formatting(
    ls: PolicyServer, params: types.DocumentFormattingParams
) -> list[types.TextEdit] | None:
    return features.formatting(ls.analysis(params.text_document.uri))


@server.feature(types.TEXT_DOCUMENT_DOCUMENT_SYMBOL)
def _symbols(ls: PolicyServer, params: types.DocumentSymbolParams) -> list[types.DocumentSymbol]:
    uri = params.text_document.uri
    analysis = ls.analysis(uri)
    if analysis.tree is None:
        analysis = ls.policies.names_source(path_of(uri)) or analysis
    return features.document_symbols(analysis)


@server.feature(types.TEXT_DOCUMENT_HOVER)
def _hover(ls: PolicyServer, params: types.HoverParams) -> types.Hover | None:
    uri = params.text_document.uri
    analysis = ls.analysis(uri)
    good = ls.policies.names_source(path_of(uri))
    policy = analysis.result.policy or (good.result.policy if good is not None else None)
    return features.hover(analysis, params.position, policy, ls.date())


@server.feature(types.TEXT_DOCUMENT_DEFINITION)
def _definition(ls: PolicyServer, params: types.DefinitionParams) -> list[types.Location]:
    return features.definition(ls.analysis(params.text_document.uri), params.position)


@server.feature(types.TEXT_DOCUMENT_REFERENCES)
def _references(ls: PolicyServer, params: types.ReferenceParams) -> list[types.Location]:
    analysis = ls.analysis(params.text_document.uri)
    return features.references(analysis, params.position, params.context.include_declaration)


@server.feature(types.TEXT_DOCUMENT_PREPARE_RENAME)
def _prepare_rename(ls: PolicyServer, params: types.PrepareRenameParams) -> types.Range | None:
    return features.prepare_rename(ls.analysis(params.text_document.uri), params.position)


@server.feature(types.TEXT_DOCUMENT_RENAME)
def _rename(ls: PolicyServer, params: types.RenameParams) -> types.WorkspaceEdit:
    from pygls.exceptions import JsonRpcInvalidParams

    try:
        return features.rename(
            ls.analysis(params.text_document.uri), params.position, params.new_name
        )
    except features.RenameRefused as refused:
        raise JsonRpcInvalidParams(str(refused)) from None


@server.feature(
    types.TEXT_DOCUMENT_COMPLETION,
    types.CompletionOptions(trigger_characters=[" ", '"', ",", "["]),
)
def _completion(ls: PolicyServer, params: types.CompletionParams) -> types.CompletionList:
    uri = params.text_document.uri
    analysis = ls.analysis(uri)
    names = ls.policies.names_source(path_of(uri)) or analysis
    good = names.result.policy
    year = good.effective.year if good is not None else ls.date().year
    items = completion.complete(analysis, names, params.position, year)
    return types.CompletionList(is_incomplete=False, items=items)


@server.feature(
    types.TEXT_DOCUMENT_CODE_ACTION,
    types.CodeActionOptions(code_action_kinds=[types.CodeActionKind.QuickFix]),
)
def _code_action(ls: PolicyServer, params: types.CodeActionParams) -> list[types.CodeAction]:
    uri = params.text_document.uri
    return features.code_actions(ls.analysis(uri), uri, list(params.context.diagnostics))


@server.feature(
    types.TEXT_DOCUMENT_SEMANTIC_TOKENS_FULL,
    types.SemanticTokensLegend(
        token_types=features.TOKEN_TYPES, token_modifiers=features.TOKEN_MODIFIERS
    ),
)
def _semantic_tokens(ls: PolicyServer, params: types.SemanticTokensParams) -> types.SemanticTokens:
    uri = params.text_document.uri
    analysis = ls.analysis(uri)
    names = None if analysis.tree is not None else ls.policies.names_source(path_of(uri))
    return types.SemanticTokens(data=features.semantic_tokens(analysis, names))


def main() -> None:
    """Serve over stdin and stdout until the client says exit."""
    server.start_io()
