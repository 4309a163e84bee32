"""Language-server latency (issue 17): a keystroke's reparse and a completion on a
generated 2,000-line policy (the one ``bench_parse.py`` generates).

Run: ``.venv/bin/python bench/bench_lsp.py [--lines 2000] [--runs 15]``. Each keystroke
types into a target in the middle of the policy; its reparse is what the server does after
the debounce: parse item by item (one piece reparsed), ``check_tree``, the name index and
the diagnostics in LSP form. Text that does not parse costs the piece and one whole parse
(the error must be the one ``sla check`` reports), and no check. "Enter" adds a line, so every later piece
moves (spans shifted, nothing reparsed). Completion asks the grammar what may follow the
cursor and lists the names that fit. Goal: under 100 ms per keystroke's reparse.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from lsprotocol import types

sys.path.insert(0, str(Path(__file__).parent))
from bench_parse import policy_text, show, timed

from rules_engine.language.load import check_source
from rules_engine.lsp import features
from rules_engine.lsp.analysis import Workspace
from rules_engine.lsp.completion import complete


def main() -> None:
    options = argparse.ArgumentParser(description=__doc__)
    options.add_argument("--lines", type=int, default=2000)
    options.add_argument("--runs", type=int, default=15)
    ns = options.parse_args()

    text = policy_text(ns.lines)
    path = os.path.abspath("bench.sla")
    print(f"policy: {text.count(chr(10))} lines; load avg {os.getloadavg()[0]:.2f}")
    workspace = Workspace()
    workspace.analyze(path, text)  # the document as opened

    middle = text.index("require", len(text) // 2)
    title = text.index('"Resolution', len(text) // 2) + len('"Resolution')
    state = {"n": 0}

    def keystroke() -> None:  # a letter typed in a target's title: the text still parses
        state["n"] += 1
        typed = text[:title] + "x" * (state["n"] % 7 + 1) + text[title:]
        features.diagnostics(workspace.analyze(path, typed))

    def broken() -> None:  # a letter glued to `require`: the text no longer parses
        state["n"] += 1
        typed = text[:middle] + "x" * (state["n"] % 7 + 1) + text[middle:]
        features.diagnostics(workspace.analyze(path, typed))

    def enter() -> None:  # a line added: every later item moves (spans shifted)
        state["n"] += 1
        typed = text[:middle] + "\n" * (state["n"] % 2 + 1) + text[middle:]
        features.diagnostics(workspace.analyze(path, typed))

    show("whole parse + check", timed(lambda: check_source(text, path), max(3, ns.runs // 3)))
    show("keystroke, still parses", timed(keystroke, ns.runs))
    show("keystroke, does not parse", timed(broken, ns.runs))
    show("enter (lines move)", timed(enter, ns.runs))

    analysis = workspace.analyze(path, text)
    where = text.index("where priority", len(text) // 2) + len("where ")
    line = text.count("\n", 0, where)
    position = types.Position(line, where - (text.rfind("\n", 0, where) + 1))
    items = complete(analysis, analysis, position, 2026)
    assert any(i.label == "priority" for i in items), "completion found no field"
    show(
        "completion (fields)", timed(lambda: complete(analysis, analysis, position, 2026), ns.runs)
    )
    show("semantic tokens", timed(lambda: features.semantic_tokens(analysis), max(3, ns.runs // 3)))


if __name__ == "__main__":
    main()
