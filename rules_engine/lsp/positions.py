"""Positions: the front end counts 1-based lines and code points; LSP counts 0-based lines
and, by default, UTF-16 code units (a client may offer UTF-8 bytes or UTF-32 code points
instead, and pygls picks one). Everything crossing the wire goes through here."""

from __future__ import annotations

from lsprotocol import types

from rules_engine.language.parser import normalize_newlines
from rules_engine.language.spans import Span


class Lines:
    """A text's lines as the parser counts them (CR LF, CR and LF end a line)."""

    def __init__(self, text: str, encoding: str = "utf-16") -> None:
        self.text = normalize_newlines(text)
        self.lines = self.text.split("\n")
        self.encoding = encoding if encoding in ("utf-8", "utf-32") else "utf-16"
        self._starts: list[int] | None = None

    def line(self, index: int) -> str:
        """The text of 0-based line ``index`` ("" past the end)."""
        return self.lines[index] if 0 <= index < len(self.lines) else ""

    def to_lsp(self, line: int, column: int) -> types.Position:
        """A 1-based line and code-point column to an LSP position."""
        index = max(line - 1, 0)
        text = self.line(index)
        chars = max(column - 1, 0)
        return types.Position(index, self._units(text[:chars]) + max(chars - len(text), 0))

    def _units(self, text: str) -> int:
        if self.encoding == "utf-32" or text.isascii():
            return len(text)
        if self.encoding == "utf-8":
            return len(text.encode("utf-8", "surrogatepass"))
        return len(text.encode("utf-16-le", "surrogatepass")) // 2

    def column(self, position: types.Position) -> int:
        """The 0-based code-point column of an LSP position on its line."""
        text = self.line(position.line)
        if self.encoding == "utf-32" or text.isascii():
            return min(position.character, len(text))
        units = 0
        for i, ch in enumerate(text):
            if units >= position.character:
                return i
            units += self._units(ch)
        return len(text)

    def offset(self, position: types.Position) -> int:
        """The offset into :attr:`text` of an LSP position."""
        if self._starts is None:
            starts = [0]
            for line in self.lines[:-1]:
                starts.append(starts[-1] + len(line) + 1)
            self._starts = starts
        if position.line >= len(self._starts):
            return len(self.text)
        return self._starts[position.line] + self.column(position)

    def range(self, span: Span) -> types.Range:
        """A span of this text as an LSP range (a span with no position is the first line)."""
        if span.line <= 0:
            return types.Range(types.Position(0, 0), types.Position(0, 0))
        end_line, end_column = span.end_line, span.end_column
        if end_line < span.line or (end_line == span.line and end_column < span.column):
            end_line, end_column = span.line, span.column
        return types.Range(self.to_lsp(span.line, span.column), self.to_lsp(end_line, end_column))

    def whole(self) -> types.Range:
        """The range of the whole text (to replace it)."""
        last = len(self.lines) - 1
        return types.Range(
            types.Position(0, 0), types.Position(last, self._units(self.lines[last]))
        )


def contains(span: Span, line: int, column: int) -> bool:
    """Whether a 1-based line and column lies in the span (end inclusive, so a cursor just
    after a name is still on it)."""
    if span.line <= 0 or line < span.line or line > span.end_line:
        return False
    if line == span.line and column < span.column:
        return False
    return not (line == span.end_line and column > span.end_column)
