"""Only regular files are read as policies or imports (issue 14).

`sla check /dev/zero` read without bound, and a FIFO as a policy or an import blocked
forever. Both are now refused before they are opened, with SLA100 (SLA108 for an import).
"""

from __future__ import annotations

import errno
import os
import threading
import time
from pathlib import Path

import pytest

from rules_engine.api import check_file, read_policy_text

POLICY = 'policy "p"\n'

needs_fifo = pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no named pipes here")


def _feed(fifo: Path, text: str, seconds: float = 2.0) -> threading.Thread:
    """Write ``text`` into ``fifo`` if a reader opens it within ``seconds`` (so a reader
    that wrongly opens the pipe gets a policy instead of blocking the test forever)."""

    def run() -> None:
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            try:
                fd = os.open(fifo, os.O_WRONLY | os.O_NONBLOCK)
            except OSError as exc:
                if exc.errno != errno.ENXIO:  # ENXIO: no reader yet
                    return
                time.sleep(0.01)
                continue
            with os.fdopen(fd, "w") as handle:
                handle.write(text)
            return

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    return thread


@needs_fifo
def test_a_fifo_is_not_read_as_a_policy(tmp_path: Path) -> None:
    fifo = tmp_path / "policy.sla"
    os.mkfifo(fifo)
    feeder = _feed(fifo, POLICY)
    text, problems = read_policy_text(fifo)
    feeder.join()
    assert text is None
    assert [d.code for d in problems] == ["SLA100"]
    assert problems[0].message == (
        "cannot read the policy: it is a named pipe (FIFO), not a regular file"
    )


@needs_fifo
def test_a_fifo_is_not_read_as_an_import(tmp_path: Path) -> None:
    fifo = tmp_path / "terms.sla"
    os.mkfifo(fifo)
    top = tmp_path / "policy.sla"
    top.write_text('import "terms.sla"\n' + POLICY)
    feeder = _feed(fifo, "currency USD\n")
    result = check_file(top)
    feeder.join()
    imports = [d for d in result.diagnostics if d.code == "SLA108"]
    assert len(imports) == 1
    assert "named pipe (FIFO), not a regular file" in imports[0].message
    assert (imports[0].span.line, imports[0].span.column) == (1, 8)


@pytest.mark.skipif(not Path("/dev/zero").exists(), reason="no /dev/zero here")
def test_a_device_is_not_read_as_a_policy() -> None:
    text, problems = read_policy_text("/dev/zero")
    assert text is None
    assert [d.code for d in problems] == ["SLA100"]
    assert "it is a device, not a regular file" in problems[0].message


def test_a_symlink_to_a_policy_is_read(tmp_path: Path) -> None:
    real = tmp_path / "real.sla"
    real.write_text(POLICY)
    link = tmp_path / "link.sla"
    link.symlink_to(real)
    assert read_policy_text(link) == (POLICY, [])
