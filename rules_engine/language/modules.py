"""Policy modules: ``import "standard_terms.sla"`` and ``override``.

A provider keeps its standard terms in one file; each customer's policy imports it and
states only what differs. The rules, which ``docs/language.md`` ("Modules") repeats for
policy authors:

- ``import "PATH"`` lines come first in a file. ``PATH`` is relative to the folder of the
  file that imports it. Every file a policy imports, directly or through other imports,
  must lie in the folder of the top-level policy or below it (symlinks resolved):
  ``../`` out of it is SLA109. A missing file is SLA108; a file that imports itself,
  directly or through others, is SLA110 naming the cycle (``a.sla -> b.sla -> a.sla``).
  A file reached twice (two paths, or two imports of a shared file) is read once.
- The merged policy holds the imported declarations, then the file's own. A file's own
  declaration with the same kind and name as an imported one REPLACES it, and must say
  so: ``override target p1_response { ... }``. Without ``override`` the clash is SLA212
  ("did you mean `override target p1_response`?"); ``override`` of something no import
  declares is SLA211. A replacement takes the place of what it replaces, so the imported
  order of targets and credit rules is kept; new declarations follow.
- Header clauses (``policy``, ``provider``, ``customer``, ``effective``, ``timezone``,
  ``currency``, ``period``, ``at risk``) and the fee schedule (all ``fee`` lines together)
  of the importing file win over the imported ones without ``override``. ``cap credits``
  is keyed by its ``per`` (``period`` or ``year``) and ``earn back`` by its target; both
  need ``override`` like named declarations. Pauses have no name: they add up.
- Two imported files that declare the same thing (not the same file reached twice) clash
  (SLA212) unless the importing file overrides it.

The checker then checks the merged item list as one policy, so imported names are
checked like local ones, and a diagnostic about an imported declaration points at the
imported file (its path as reached from the top-level file).
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import os
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from rules_engine.language import ast
from rules_engine.language.checker import CheckResult, check
from rules_engine.language.diagnostics import (
    CODES,
    Diagnostic,
    diagnostic,
    did_you_mean,
    has_errors,
    sort_diagnostics,
)
from rules_engine.language.parser import ParseError, parse, read_source
from rules_engine.language.spans import Span

Key = tuple[str, ...]
"""What a declaration is about: ``("target", "p1_response")``, ``("fee",)``, ..."""

Reader = Callable[[str], str]
"""Reads an imported file by its path (as composed from the top-level path); raises
``OSError`` when there is no such file. For policies that are not in the working tree
(``sla diff REV:PATH``): paths are then resolved lexically, without symlinks."""

HEADER_KINDS: dict[type, str] = {
    ast.PolicyDecl: "policy",
    ast.ProviderDecl: "provider",
    ast.CustomerDecl: "customer",
    ast.EffectiveDecl: "effective",
    ast.TimezoneDecl: "timezone",
    ast.CurrencyDecl: "currency",
    ast.PeriodDecl: "period",
    ast.AtRiskDecl: "at risk",
    ast.FeeDecl: "fee",
    ast.MaintenanceDecl: "maintenance",
}
"""Clauses the importing file replaces without ``override``."""

NAMED_KINDS: dict[type, str] = {
    ast.CalendarDecl: "calendar",
    ast.TierDecl: "tier",
    ast.DatasetDecl: "dataset",
    ast.TargetDecl: "target",
    ast.EscalationDecl: "escalation",
    ast.CreditDecl: "credit",
    ast.BonusDecl: "bonus",
    ast.ExitDecl: "exit",
}


def declaration_key(item: ast.Item) -> Key | None:
    """The key under which ``item`` replaces an imported declaration; None for a pause."""
    kind = HEADER_KINDS.get(type(item))
    if kind is not None:
        return (kind,)
    kind = NAMED_KINDS.get(type(item))
    if kind is not None:
        name = getattr(item, "name", None)
        return (kind, name.name if isinstance(name, ast.Name) else "")
    if isinstance(item, ast.CapDecl):
        return ("cap", item.per or "period")
    if isinstance(item, ast.EarnBackDecl):
        return ("earn back", item.target.name)
    return None


def _is_header(key: Key) -> bool:
    return len(key) == 1


def describe(key: Key) -> str:
    """``target `p1_response```, ``cap credits per year``, ``the `fee` lines``."""
    if key == ("fee",):
        return "the `fee` lines"
    if _is_header(key):
        return f"`{key[0]}`"
    if key[0] == "cap":
        return f"`cap credits ... per {key[1]}`"
    if key[0] == "earn back":
        return f"`earn back {key[1]}`"
    return f"{key[0]} `{key[1]}`"


def _override_text(key: Key) -> str:
    if key[0] == "cap":
        return f"override cap credits at ... per {key[1]}"
    return f"override {key[0]} {key[1]}"


def _name_span(item: ast.Item) -> Span:
    name = getattr(item, "name", None)
    if isinstance(name, ast.Name):
        return name.span
    if isinstance(item, ast.EarnBackDecl):
        return item.target.span
    return item.span


def _shown(path: str) -> str:
    """A path as a message shows it: on one line (control characters escaped)."""
    return json.dumps(path, ensure_ascii=False)[1:-1]


def _relative_to(importer: str) -> str:
    if importer == "<memory>":
        return "the path is relative to the current folder"
    return f"the path is relative to the folder of `{_shown(importer)}`"


def _where(span: Span) -> str:
    where = f"{span.file}:{span.line}:{span.column}" if span.line > 0 else span.file
    return _shown(where)


def _origin(item: ast.Item) -> tuple[str, int, int]:
    """Where a declaration was written: the same declaration reached twice is one."""
    return item.span.file, item.span.line, item.span.column


@dataclass(frozen=True)
class ModuleFile:
    """One file of a policy: its path as diagnostics show it, its path relative to the
    top-level policy's folder (for the hash), and its text."""

    path: str
    relpath: str
    text: str

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.text.encode("utf-8")).hexdigest()


@dataclass
class Modules:
    """A policy with its imports followed: the merged tree (None when an import failed),
    every file read (the top-level one first) and what went wrong."""

    tree: ast.Policy | None
    files: list[ModuleFile] = field(default_factory=list)
    diagnostics: list[Diagnostic] = field(default_factory=list)

    @property
    def sources(self) -> dict[str, str]:
        return {f.path: f.text for f in self.files}

    @property
    def sha256(self) -> str:
        """The hash of the sorted ``(relpath, sha256)`` list: it changes when any file does."""
        return combined_sha256((f.relpath, f.sha256) for f in self.files)


def combined_sha256(pairs: Iterable[tuple[str, str]]) -> str:
    """``sha256`` over ``"relpath sha256\\n"`` lines, sorted by path."""
    lines = sorted(f"{rel} {sha}\n" for rel, sha in pairs)
    return hashlib.sha256("".join(lines).encode("utf-8")).hexdigest()


class _Loader:
    def __init__(self, path: str, read: Reader | None = None) -> None:
        folder = os.path.dirname(path) or "."
        self.read = read
        self.root = self.resolve(folder)
        self.top = path
        self.diagnostics: list[Diagnostic] = []
        self.files: dict[str, ModuleFile] = {}
        self.memo: dict[str, list[ast.Item]] = {}
        self.stack: list[str] = []

    def resolve(self, path: str) -> str:
        """The file a path names: symlinks resolved on disk, lexically for a reader."""
        return os.path.realpath(path) if self.read is None else os.path.abspath(path)

    def rel(self, real: str) -> str:
        return os.path.relpath(real, self.root).replace(os.sep, "/")

    def error(self, code: str, message: str, span: Span, help: str | None = None) -> None:
        self.diagnostics.append(diagnostic(code, message, span, help))

    # ------------------------------------------------------------------ reading

    def run(self, tree: ast.Policy, text: str) -> list[ast.Item]:
        real = self.resolve(self.top)
        self.files[real] = ModuleFile(self.top, self.rel(real), text)
        self.stack.append(real)
        items = self.merge(tree, self.top, real)
        self.stack.pop()
        return items

    def load(self, decl: ast.ImportDecl, importer: str, importer_real: str) -> list[ast.Item]:
        """The merged items of an imported file; [] (and a diagnostic) when it fails."""
        raw = decl.path.value
        span = decl.path.span
        if not raw.strip():
            self.error("SLA108", "the import names no file", span, 'write `import "terms.sla"`')
            return []
        display = os.path.normpath(os.path.join(os.path.dirname(importer), raw))
        real = self.resolve(os.path.join(os.path.dirname(importer_real), raw))
        if os.path.commonpath([real, self.root]) != self.root:
            self.error(
                "SLA109",
                f"`{_shown(raw)}` is outside the policy's folder",
                span,
                f"imports stay in the folder of `{_shown(self.top)}` and below; "
                "copy the shared terms into it",
            )
            return []
        if real in self.stack:
            cycle = [self.rel(r) for r in self.stack[self.stack.index(real) :]]
            self.error(
                "SLA110",
                f"import cycle: {_shown(' -> '.join([*cycle, self.rel(real)]))}",
                span,
                "a file cannot import itself, directly or through other imports",
            )
            return []
        if real in self.memo:  # reached before: read once
            return self.memo[real]
        text = self._read_file(real, raw, display, importer, span)
        if text is None:
            self.memo[real] = []
            return []
        self.files[real] = ModuleFile(display, self.rel(real), text)
        try:
            tree = parse(text, display)
        except ParseError as error:
            code = error.code if error.code in CODES else "SLA101"
            self.error(code, error.message, error.span, error.hint)
            self.memo[real] = []
            return []
        self.stack.append(real)
        items = self.merge(tree, display, real)
        self.stack.pop()
        self.memo[real] = items
        return items

    def _read_file(
        self, real: str, raw: str, display: str, importer: str, span: Span
    ) -> str | None:
        """The text of an imported file, or None after a diagnostic saying why not."""
        if self.read is not None:
            try:
                return self.read(display)
            except OSError as error:
                self.error(
                    "SLA108",
                    f"cannot import `{_shown(raw)}`: {_shown(str(error.strerror or error))}",
                    span,
                    _relative_to(importer),
                )
                return None
        try:
            return read_source(real)
        except ParseError as error:
            if error.code == "SLA100":
                self.error(
                    "SLA108",
                    f"cannot import `{_shown(raw)}`: "
                    f"{error.message.removeprefix('cannot read the policy: ')}",
                    span,
                    _relative_to(importer),
                )
            else:
                where = error.span
                self.error(
                    error.code,
                    error.message,
                    Span(display, where.line, where.column, where.end_line, where.end_column),
                    error.hint,
                )
            return None

    # ------------------------------------------------------------------ merging

    def merge(self, tree: ast.Policy, path: str, real: str) -> list[ast.Item]:
        """The items of ``tree`` with its imports' items merged in (see the module doc)."""
        local_keys = {k for k in map(declaration_key, tree.items) if k is not None}
        base: list[ast.Item] = []
        base_origin: dict[Key, set[tuple[str, int, int]]] = {}
        first_of: dict[Key, ast.Item] = {}
        seen: set[tuple[str, int, int]] = set()
        for decl in tree.imports:
            imported = self.load(decl, path, real)
            by_key: dict[Key | None, list[ast.Item]] = {}
            for item in imported:
                by_key.setdefault(declaration_key(item), []).append(item)
            for key, group in by_key.items():
                origins = {_origin(i) for i in group}
                if key is None:
                    base.extend(i for i in group if _origin(i) not in seen)
                    seen |= origins
                    continue
                if key in base_origin:
                    if origins == base_origin[key] or key in local_keys:
                        continue  # the same declaration twice, or replaced here anyway
                    first, other = first_of[key], group[0]
                    self.error(
                        "SLA212",
                        f"{describe(key)} is declared by two imported files",
                        decl.path.span,
                        f"`{_where(_name_span(first))}` and `{_where(_name_span(other))}`; "
                        f"choose here with `{_override_text(key)}`",
                    )
                    continue
                base_origin[key] = origins
                first_of[key] = group[0]
                base.extend(group)
                seen |= origins

        overrides = set(tree.overrides)
        replacing: dict[Key, list[ast.Item]] = {}
        new: list[ast.Item] = []
        for index, item in enumerate(tree.items):
            key = declaration_key(item)
            marked = index in overrides
            if key is None:
                if marked:
                    self.error(
                        "SLA211",
                        "a pause cannot be overridden: pauses have no name and add up",
                        item.span,
                        "remove `override`",
                    )
                new.append(item)
            elif key in base_origin:
                if not marked and not _is_header(key) and key not in replacing:
                    before = first_of[key]
                    self.error(
                        "SLA212",
                        f"{describe(key)} is already declared in an imported file, "
                        f"at {_where(_name_span(before))}",
                        _name_span(item),
                        f"did you mean `{_override_text(key)}`? "
                        "(a declaration here replaces the imported one)",
                    )
                replacing.setdefault(key, []).append(item)
            else:
                if marked:
                    kind_names = [k[1] for k in base_origin if len(k) == 2 and k[0] == key[0]]
                    close = did_you_mean(key[1], kind_names) if len(key) == 2 else None
                    self.error(
                        "SLA211",
                        f"`override` of {describe(key)}, which no imported file declares",
                        _name_span(item),
                        close or "remove `override`, or import the file that declares it",
                    )
                new.append(item)

        merged: list[ast.Item] = []
        placed: set[Key] = set()
        for item in base:
            key = declaration_key(item)
            if key is not None and key in replacing:
                if key not in placed:
                    merged.extend(replacing[key])
                    placed.add(key)
                continue
            merged.append(item)
        merged.extend(new)
        return merged


def resolve_imports(tree: ast.Policy, text: str, path: str, read: Reader | None = None) -> Modules:
    """Follow the imports of a parsed file and merge them (see the module doc).

    ``path`` is the file's path as diagnostics show it; its folder is the root no import
    may leave and the base of relative import paths. ``read`` reads imported files from
    elsewhere than the disk (a git revision); by default they are read from the disk.
    """
    loader = _Loader(path, read)
    items = loader.run(tree, text)
    files = list(loader.files.values())
    diagnostics = sort_diagnostics(loader.diagnostics)
    if has_errors(diagnostics):
        return Modules(None, files, diagnostics)
    merged = ast.Policy(items=tuple(items), comments=tree.comments, span=tree.span)
    return Modules(merged, files, diagnostics)


def check_modules(
    tree: ast.Policy, text: str, path: str, read: Reader | None = None
) -> CheckResult:
    """Check a parsed file that imports others: merge, then check the merged policy.

    The checked policy's ``source_sha256`` is :attr:`Modules.sha256` (every file).
    """
    modules = resolve_imports(tree, text, path, read)
    sources = modules.sources
    if modules.tree is None:
        return CheckResult(None, modules.diagnostics, sources)
    result = check(modules.tree, text, path, sources)
    found = sort_diagnostics([*modules.diagnostics, *result.diagnostics])
    if result.policy is None:
        return CheckResult(None, found, sources)
    policy = dataclasses.replace(result.policy, source_path=path, source_sha256=modules.sha256)
    return CheckResult(policy, found, sources)


__all__ = [
    "HEADER_KINDS",
    "NAMED_KINDS",
    "Key",
    "ModuleFile",
    "Modules",
    "Reader",
    "check_modules",
    "combined_sha256",
    "declaration_key",
    "describe",
    "resolve_imports",
]
