"""A real LSP client (pytest-lsp) talking to ``sla lsp`` over stdio."""

from __future__ import annotations

import asyncio
import sys
from collections.abc import AsyncIterator
from pathlib import Path

import pytest_lsp
from lsprotocol import types
from paths import ROOT
from pytest_lsp import ClientServerConfig, LanguageClient

SERVER = [sys.executable, "-c", "from rules_engine.cli import main; main()", "lsp"]

INIT = types.InitializeParams(
    capabilities=types.ClientCapabilities(),
    root_uri=ROOT.as_uri(),
    # a short debounce keeps the tests quick; a fixed day makes hovers reproducible
    initialization_options={"debounce": 0.05, "today": "2026-06-15"},
)


@pytest_lsp.fixture(config=ClientServerConfig(server_command=SERVER))
async def client(lsp_client: LanguageClient) -> AsyncIterator[LanguageClient]:
    await lsp_client.initialize_session(INIT)
    yield lsp_client
    await lsp_client.shutdown_session()


async def open_document(client: LanguageClient, path: Path, text: str | None = None) -> str:
    """Open ``path`` (with ``text``, else its content) and wait for its diagnostics."""
    uri = path.as_uri()
    client.text_document_did_open(
        types.DidOpenTextDocumentParams(
            types.TextDocumentItem(uri, "sla", 1, path.read_text("utf-8") if text is None else text)
        )
    )
    while True:
        params = await asyncio.wait_for(
            client.wait_for_notification(types.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS), 60
        )
        if params.uri == uri:
            return uri


def position_of(text: str, marker: str, offset: int = 0) -> types.Position:
    """The position of the first ``marker`` in ``text`` (plus ``offset`` characters)."""
    index = text.index(marker) + offset
    line = text.count("\n", 0, index)
    return types.Position(line, index - (text.rfind("\n", 0, index) + 1))


UTF8_INIT = types.InitializeParams(
    capabilities=types.ClientCapabilities(
        general=types.GeneralClientCapabilities(
            position_encodings=[types.PositionEncodingKind.Utf8, types.PositionEncodingKind.Utf16]
        )
    ),
    root_uri=ROOT.as_uri(),
    initialization_options={"debounce": 0.05},
)


@pytest_lsp.fixture(config=ClientServerConfig(server_command=SERVER))
async def utf8_client(lsp_client: LanguageClient) -> AsyncIterator[LanguageClient]:
    """A client that counts columns in UTF-8 bytes (as Neovim prefers)."""
    result = await lsp_client.initialize_session(UTF8_INIT)
    assert result.capabilities.position_encoding == types.PositionEncodingKind.Utf8
    yield lsp_client
    await lsp_client.shutdown_session()
