"""Source spans: where in policy text a node, a diagnostic or a verdict comes from.

The first module of the pipeline: the parser, the syntax tree, the checker and every later
stage point back at policy text through it. Spans never take part in equality.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, order=True)
class Span:
    """A region of policy text: 1-based lines and columns, end exclusive."""

    file: str
    line: int
    column: int
    end_line: int
    end_column: int

    def __str__(self) -> str:
        return f"{self.file}:{self.line}:{self.column}"


NO_SPAN = Span("<builtin>", 0, 0, 0, 0)
