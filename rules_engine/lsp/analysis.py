"""One document, analysed: its parse, ``sla check``'s result and the name index.

:class:`Workspace` keeps an analysis per open document and the last one that parsed
(completion and semantic colours keep working while the line being typed is broken).
Imported files are read from the disk, as ``sla check`` reads them; saving one re-checks
the open documents that import it.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field

from rules_engine.language import ast
from rules_engine.language.checker import CheckResult
from rules_engine.language.load import check_tree, parse_diagnostic
from rules_engine.language.parser import ParseError, normalize_newlines, parse
from rules_engine.lsp.incremental import ItemParser
from rules_engine.lsp.index import Index, build
from rules_engine.lsp.positions import Lines


@dataclass
class Analysis:
    """What the server knows about one version of one document."""

    path: str
    version: int | None
    text: str
    lines: Lines
    tree: ast.Policy | None
    """This file's own syntax tree (None when it does not parse)."""
    result: CheckResult
    index: Index
    sources: dict[str, str] = field(default_factory=dict)
    """The text of every file of the policy by path, this one included."""
    uri: str | None = None
    """The client's URI of the document (None: the ``file://`` URI of :attr:`path`)."""

    @property
    def files(self) -> list[str]:
        return list(self.sources)


class Workspace:
    """Analyses by path, with a per-document item parser and a cache of imported trees."""

    def __init__(self) -> None:
        self.parsers: dict[str, ItemParser] = {}
        self.current: dict[str, Analysis] = {}
        self.last_good: dict[str, Analysis] = {}
        self._module_trees: dict[tuple[str, str], ast.Policy | None] = {}

    def analyze(
        self,
        path: str,
        text: str,
        version: int | None = None,
        encoding: str = "utf-16",
        uri: str | None = None,
    ) -> Analysis:
        text = normalize_newlines(text)
        parser = self.parsers.setdefault(path, ItemParser(path))
        tree: ast.Policy | None = None
        try:
            tree = parser.parse(text)
        except ParseError as error:  # parse's own error: the one check_source reports
            result = CheckResult(None, [parse_diagnostic(error)])
        else:
            result = check_tree(tree, text, path)
        sources = {path: text}
        sources.update({p: t for p, t in result.sources.items() if p != path})
        trees = [tree] if tree is not None else []
        for other, other_text in sources.items():
            if other != path:
                module = self.module_tree(other, other_text)
                if module is not None:
                    trees.append(module)
        analysis = Analysis(
            path, version, text, Lines(text, encoding), tree, result, build(trees), sources, uri
        )
        self.current[path] = analysis
        if tree is not None:
            self.last_good[path] = analysis
        return analysis

    def module_tree(self, path: str, text: str) -> ast.Policy | None:
        key = (path, text)
        if key not in self._module_trees:
            if len(self._module_trees) > 256:
                self._module_trees.clear()
            try:
                self._module_trees[key] = parse(text, path)
            except ParseError:
                self._module_trees[key] = None
        return self._module_trees[key]

    def names_source(self, path: str) -> Analysis | None:
        """The analysis to take names from: the current one if it parsed, else the last
        that did (the line being typed is usually what does not parse)."""
        current = self.current.get(path)
        if current is not None and current.tree is not None:
            return current
        return self.last_good.get(path, current)

    def forget(self, path: str) -> None:
        self.current.pop(path, None)
        self.last_good.pop(path, None)
        self.parsers.pop(path, None)

    def importers(self, path: str) -> list[str]:
        """Open documents whose policy includes the file ``path``."""
        real = os.path.realpath(path)
        return [
            p
            for p, a in self.current.items()
            if p != path and any(os.path.realpath(f) == real for f in a.sources)
        ]
