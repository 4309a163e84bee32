"""Typing fast publishes once: each change restarts the debounce (rules_engine/lsp/server.py)."""

from __future__ import annotations

import asyncio

import pytest

from rules_engine.lsp.server import PolicyServer


@pytest.mark.asyncio
async def test_a_burst_of_changes_is_checked_once_after_the_pause() -> None:
    server = PolicyServer()
    server.debounce = 0.05
    checked: list[str] = []
    server.publish = checked.append  # type: ignore[method-assign]
    for _ in range(5):  # five keystrokes, far quicker than the debounce
        server.schedule("file:///a.sla")
    server.schedule("file:///b.sla")
    assert checked == []  # nothing while typing
    await asyncio.sleep(0.3)
    assert sorted(checked) == ["file:///a.sla", "file:///b.sla"]  # once per document
