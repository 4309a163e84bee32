"""Parsing item by item, so a keystroke reparses one declaration, not the whole file.

A policy is a list of top-level items, each starting with a keyword at the start of a line
outside braces. :func:`chunks` cuts the text there; :class:`ItemParser` parses each piece
with :func:`rules_engine.language.parser.parse` and keeps the result by the piece's text,
moving spans when the piece moved (a line typed above it). The tree is the one ``parse``
builds for the whole text, spans included (``tests/lsp/test_incremental.py`` checks it on
every shipped policy and on random edits). Whenever a piece does not parse, or an
``import`` follows an item, the whole text is parsed instead, so every error is the one
``sla check`` reports.
"""

from __future__ import annotations

import dataclasses
import re
from collections import OrderedDict

from rules_engine.language import ast
from rules_engine.language.parser import MAX_SOURCE_BYTES, normalize_newlines, parse
from rules_engine.language.spans import Span

_ITEM_START = re.compile(
    r"(?:import|override|policy|provider|customer|effective|timezone|currency|fee|period|at"
    r"|calendar|tier|dataset|pause|target|escalation|credit|cap|earn|bonus|exit)(?![\w])"
)
"""Words that start a top-level item (a word missing here only makes pieces larger)."""


def chunks(text: str) -> list[tuple[int, str]]:
    """``(first line, text)`` pieces of ``text`` (LF line ends), each starting at a line that
    begins, outside braces, with a word that starts an item; joined they are ``text``."""
    lines = text.split("\n")
    pieces: list[tuple[int, str]] = []
    start = 0
    depth = 0
    started = False  # the piece holds an item's first line (not only comments)
    for number, line in enumerate(lines):
        if depth == 0 and _ITEM_START.match(line):
            if started:
                pieces.append((start + 1, "\n".join(lines[start:number]) + "\n"))
                start = number
            started = True
        depth += _depth_change(line)
    pieces.append((start + 1, "\n".join(lines[start:])))
    return pieces


def _depth_change(line: str) -> int:
    change = 0
    quote: str | None = None
    escaped = False
    for ch in line:
        if quote is not None:
            if escaped:
                escaped = False
            elif ch == "\\" and quote == '"':
                escaped = True
            elif ch == quote:
                quote = None
        elif ch in '"`':
            quote = ch
        elif ch == "#":
            break
        elif ch == "{":
            change += 1
        elif ch == "}":
            change -= 1
    return change


@dataclasses.dataclass(frozen=True)
class _Piece:
    line: int
    tree: ast.Policy


class ItemParser:
    """A parser for one document that remembers its pieces (at most ``keep`` of them)."""

    def __init__(self, path: str, keep: int = 4096) -> None:
        self.path = path
        self.keep = keep
        self._cache: OrderedDict[str, _Piece] = OrderedDict()
        self.whole = False
        """Whether the last :meth:`parse` fell back to parsing the whole text."""
        self.reparsed = 0
        """Pieces parsed by the last :meth:`parse` (for the benchmark and tests)."""

    def parse(self, text: str) -> ast.Policy:
        """``parse(text, path)``; raises its :class:`ParseError` for text that does not parse."""
        text = normalize_newlines(text)
        self.reparsed = 0
        self.whole = False
        if len(text) > MAX_SOURCE_BYTES or "\x00" in text:
            return parse(text, self.path)
        items: list[ast.Item] = []
        comments: list[ast.Comment] = []
        imports: list[ast.ImportDecl] = []
        overrides: list[int] = []
        for line, piece in chunks(text):
            tree = self._piece(line, piece)
            if tree is None or (tree.imports and items):
                self.whole = True
                return parse(text, self.path)
            overrides.extend(len(items) + i for i in tree.overrides)
            items.extend(tree.items)
            comments.extend(tree.comments)
            imports.extend(tree.imports)
        end_line = text.count("\n") + 1
        end_column = len(text) - (text.rfind("\n") + 1) + 1
        return ast.Policy(
            items=tuple(items),
            comments=tuple(comments),
            span=Span(self.path, 1, 1, end_line, end_column),
            imports=tuple(imports),
            overrides=tuple(overrides),
        )

    def _piece(self, line: int, text: str) -> ast.Policy | None:
        cached = self._cache.get(text)
        if cached is not None:
            self._cache.move_to_end(text)
            if cached.line != line:
                moved = _shift(cached.tree, line - cached.line)
                assert isinstance(moved, ast.Policy)
                cached = _Piece(line, moved)
                self._cache[text] = cached
            return cached.tree
        self.reparsed += 1
        try:
            tree = parse("\n" * (line - 1) + text, self.path)
        except Exception:
            return None
        self._cache[text] = _Piece(line, tree)
        while len(self._cache) > self.keep:
            self._cache.popitem(last=False)
        return tree


def _shift(node: object, lines: int) -> object:
    """``node`` with every span moved down by ``lines`` lines."""
    kind = type(node)
    if kind is Span:
        span: Span = node  # type: ignore[assignment]
        if span.line <= 0:
            return span
        return Span(
            span.file, span.line + lines, span.column, span.end_line + lines, span.end_column
        )
    if kind is tuple:
        return tuple([_shift(x, lines) for x in node])  # type: ignore[attr-defined]
    names = _FIELDS.get(kind)
    if names is None:
        if not dataclasses.is_dataclass(node):
            return node
        names = _FIELDS[kind] = tuple(f.name for f in dataclasses.fields(node))
    return kind(*[_shift(getattr(node, name), lines) for name in names])


_FIELDS: dict[type, tuple[str, ...]] = {}
