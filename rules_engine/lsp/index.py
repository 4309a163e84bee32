"""Every declaration and reference of a policy's names, with spans, across its modules.

The checker resolves names but keeps no table of where each was written; the editor needs
exactly that (go to definition, references, rename, the outline, semantic tokens). This
index walks the syntax tree of each file of a policy (the file itself and every file it
imports) and records each name by what it names. Identity is ``(kind, name)`` across the
files: a module's ``target p1_response`` and the importer's ``override target
p1_response`` are the same symbol, as they are to the checker.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Literal

from rules_engine.language import ast
from rules_engine.language.fieldtypes import FIELD_TYPES
from rules_engine.language.spans import Span

Kind = Literal[
    "target",
    "tier",
    "calendar",
    "dataset",
    "field",
    "measure",
    "credit",
    "bonus",
    "exit",
    "escalation",
]

NAVIGABLE: frozenset[str] = frozenset({"target", "tier", "calendar", "dataset"})
"""Kinds with references elsewhere in the policy: definition, references and rename."""

BUILTIN_MEASURES = frozenset({"response_time", "resolution_time"})

_DEFINES: dict[tuple[type, str], Kind] = {
    (ast.TargetDecl, "name"): "target",
    (ast.TierDecl, "name"): "tier",
    (ast.CalendarDecl, "name"): "calendar",
    (ast.DatasetDecl, "name"): "dataset",
    (ast.CreditDecl, "name"): "credit",
    (ast.BonusDecl, "name"): "bonus",
    (ast.ExitDecl, "name"): "exit",
    (ast.EscalationDecl, "name"): "escalation",
    (ast.FieldDecl, "name"): "field",
}

_REFERS: dict[tuple[type, str], Kind] = {
    (ast.PercentOf, "target"): "target",
    (ast.ValueCondition, "target"): "target",
    (ast.VerdictCondition, "target"): "target",
    (ast.InLastCondition, "target"): "target",
    (ast.ConsecutiveCondition, "target"): "target",
    (ast.EarnBackDecl, "target"): "target",
    (ast.TierDecl, "coverage"): "calendar",
    (ast.Measure, "clock"): "calendar",
    (ast.AfterHoursClause, "clock"): "calendar",
    (ast.TargetDecl, "dataset"): "dataset",
    (ast.EscalationDecl, "dataset"): "dataset",
    (ast.PauseDecl, "dataset"): "dataset",
    (ast.MeasureName, "name"): "field",
    (ast.TimeBetween, "start"): "field",
    (ast.TimeBetween, "stop"): "field",
    (ast.AggregateMeasure, "field"): "field",
    (ast.TargetDecl, "by"): "field",
    (ast.DatasetDecl, "anchor"): "field",
    (ast.PauseDecl, "field"): "field",
}

_EXPR_PARENTS = (ast.Compare, ast.InList, ast.IsSet, ast.And, ast.Or, ast.Not)
_EXPR_FIELDS = frozenset({(ast.TargetDecl, "where"), (ast.EscalationDecl, "where")})
_EXPR_FIELDS |= {(ast.RateObjective, "condition")}
_VALUE_SIDE = frozenset({(ast.Compare, "right"), (ast.InList, "values")})


@dataclass(frozen=True)
class Occurrence:
    """One name as written: what it names, where, and whether it declares it.

    ``dataset`` is the dataset in scope for a field (None elsewhere); ``value_side`` marks a
    name on the right of a comparison or in a list (where a tier name is a value).
    """

    kind: Kind
    name: str
    span: Span
    definition: bool = False
    dataset: str | None = None
    value_side: bool = False


@dataclass(frozen=True)
class Declaration:
    """A top-level declaration for the outline: its item, kind word, name and name span."""

    item: ast.Item
    kind: str
    name: str
    name_span: Span
    detail: str | None
    children: tuple[tuple[str, str, Span], ...] = ()


@dataclass
class Index:
    """The occurrences of every file of a policy, in source order per file."""

    occurrences: list[Occurrence] = dataclasses.field(default_factory=list)
    declarations: dict[str, list[Declaration]] = dataclasses.field(default_factory=dict)

    def names(self, kind: str) -> list[str]:
        """The declared names of one kind, in first-declared order, once each."""
        seen: dict[str, None] = {}
        for occ in self.occurrences:
            if occ.definition and occ.kind == kind:
                seen.setdefault(occ.name)
        return list(seen)

    def at(self, file: str, line: int, column: int) -> Occurrence | None:
        """The occurrence under a 1-based line and column of ``file`` (end inclusive)."""
        best: Occurrence | None = None
        for occ in self.occurrences:
            span = occ.span
            if span.file != file or not span.line <= line <= span.end_line:
                continue
            if line == span.line and column < span.column:
                continue
            if line == span.end_line and column > span.end_column:
                continue
            if best is None or (column < span.end_column or best.span.end_column == column):
                best = occ
        return best

    def definitions(self, kind: str, name: str) -> list[Occurrence]:
        return [o for o in self.occurrences if o.definition and o.kind == kind and o.name == name]

    def references(self, kind: str, name: str) -> list[Occurrence]:
        """Every occurrence of the symbol, its declarations included."""
        return [o for o in self.occurrences if o.kind == kind and o.name == name]

    def fields(self, dataset: str) -> dict[str, str]:
        """A dataset's fields with their types: the schema's, then the declared ones."""
        fields: dict[str, str] = dict(FIELD_TYPES.get(dataset, {}))
        for decls in self.declarations.values():
            for decl in decls:
                if isinstance(decl.item, ast.DatasetDecl) and decl.name == dataset:
                    fields.update({f.name.name: f.type.name for f in decl.item.fields})
        return fields


def build(trees: Iterable[ast.Policy]) -> Index:
    """The index of a policy's files (each tree as parsed from its own file)."""
    index = Index()
    raw: list[Occurrence] = []
    for tree in trees:
        for item in tree.items:
            raw.extend(_walk(item, None, "", _dataset_of(item)))
            decl = _declaration(item)
            if decl is not None:
                index.declarations.setdefault(decl.name_span.file, []).append(decl)
    tiers = {o.name for o in raw if o.definition and o.kind == "tier"}
    declared: dict[str, set[str]] = {}
    for o in raw:
        if o.definition and o.kind == "field" and o.dataset is not None:
            declared.setdefault(o.dataset, set()).add(o.name)
    for occ in raw:
        if occ.kind == "field" and not occ.definition and occ.name in tiers:
            fields = set(FIELD_TYPES.get(occ.dataset or "", {})) | declared.get(
                occ.dataset or "", set()
            )
            if occ.name not in fields and occ.value_side:
                occ = dataclasses.replace(occ, kind="tier")
        elif occ.kind == "field" and occ.name in BUILTIN_MEASURES and not occ.definition:
            fields = set(FIELD_TYPES.get(occ.dataset or "", {})) | declared.get(
                occ.dataset or "", set()
            )
            if occ.name not in fields:
                occ = dataclasses.replace(occ, kind="measure")
        index.occurrences.append(occ)
    return index


def _dataset_of(item: ast.Item) -> str | None:
    if isinstance(item, ast.TargetDecl | ast.EscalationDecl):
        return item.dataset.name if item.dataset is not None else None
    if isinstance(item, ast.PauseDecl):
        return item.dataset.name if item.dataset is not None else "tickets"
    if isinstance(item, ast.DatasetDecl):
        return item.name.name
    return None


def _walk(node: object, parent: object, field: str, dataset: str | None) -> Iterator[Occurrence]:
    if isinstance(node, tuple):
        for child in node:
            yield from _walk(child, parent, field, dataset)
        return
    if isinstance(node, ast.Name):
        occ = _classify(node, parent, field, dataset)
        if occ is not None:
            yield occ
        return
    if not dataclasses.is_dataclass(node) or isinstance(node, type | Span):
        return
    for f in dataclasses.fields(node):
        if f.name != "span":
            yield from _walk(getattr(node, f.name), node, f.name, dataset)


def _classify(name: ast.Name, parent: object, field: str, dataset: str | None) -> Occurrence | None:
    key = (type(parent), field)
    kind = _DEFINES.get(key)
    if kind is not None:
        return Occurrence(kind, name.name, name.span, True, dataset if kind == "field" else None)
    kind = _REFERS.get(key)
    if kind is not None:
        if kind == "calendar" and name.name == "24x7":
            return None
        return Occurrence(kind, name.name, name.span, False, dataset if kind == "field" else None)
    if isinstance(parent, _EXPR_PARENTS) or key in _EXPR_FIELDS:
        return Occurrence("field", name.name, name.span, False, dataset, key in _VALUE_SIDE)
    return None


_OUTLINE_KIND: dict[type, str] = {
    ast.PolicyDecl: "policy",
    ast.ProviderDecl: "provider",
    ast.CustomerDecl: "customer",
    ast.EffectiveDecl: "effective",
    ast.TimezoneDecl: "timezone",
    ast.CurrencyDecl: "currency",
    ast.FeeDecl: "fee",
    ast.PeriodDecl: "period",
    ast.AtRiskDecl: "at risk",
    ast.CalendarDecl: "calendar",
    ast.TierDecl: "tier",
    ast.DatasetDecl: "dataset",
    ast.PauseDecl: "pause",
    ast.TargetDecl: "target",
    ast.EscalationDecl: "escalation",
    ast.CreditDecl: "credit",
    ast.CapDecl: "cap",
    ast.EarnBackDecl: "earn back",
    ast.BonusDecl: "bonus",
    ast.ExitDecl: "exit",
}


def _declaration(item: ast.Item) -> Declaration | None:
    kind = _OUTLINE_KIND.get(type(item))
    if kind is None:
        return None
    name = getattr(item, "name", None)
    children: list[tuple[str, str, Span]] = []
    detail: str | None = None
    if isinstance(name, ast.Name):
        label = name.name
        span = name.span
        title = getattr(item, "title", None) or getattr(item, "label", None)
        if isinstance(title, ast.StringLit):
            detail = title.value
    elif isinstance(name, ast.StringLit):  # policy "..."
        label, span = name.value, name.span
    else:
        label, span = _header_label(item), item.span
    if isinstance(item, ast.DatasetDecl):
        children = [(f.name.name, f.type.name, f.name.span) for f in item.fields]
    if isinstance(item, ast.CreditDecl | ast.BonusDecl):
        children = [("when", "tier", t.span) for t in item.tiers]
    return Declaration(item, kind, label, span, detail, tuple(children))


def _header_label(item: ast.Item) -> str:
    if isinstance(item, ast.ProviderDecl | ast.CustomerDecl):
        return item.name.value
    if isinstance(item, ast.EffectiveDecl):
        return item.date.text
    if isinstance(item, ast.TimezoneDecl):
        return item.zone.value
    if isinstance(item, ast.CurrencyDecl):
        return item.code.name
    if isinstance(item, ast.FeeDecl):
        return f"{item.amount.text} per {item.per or 'period'}"
    if isinstance(item, ast.PeriodDecl):
        return item.unit.name
    if isinstance(item, ast.AtRiskDecl):
        return item.percent.text
    if isinstance(item, ast.PauseDecl):
        return f"while {item.field.name}"
    if isinstance(item, ast.CapDecl):
        return f"per {item.per or 'period'}"
    if isinstance(item, ast.EarnBackDecl):
        return item.target.name
    return _OUTLINE_KIND.get(type(item), "")
