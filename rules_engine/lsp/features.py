"""The language features, as plain functions of an :class:`~.analysis.Analysis`.

Nothing here talks to a client: :mod:`.server` calls these and sends what they return,
and the tests and the benchmark call them directly too.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import os
import re
from collections.abc import Iterator

from lsprotocol import types
from pygls import uris

from rules_engine.language import ast
from rules_engine.language import model as m
from rules_engine.language import policy_text as pt
from rules_engine.language.diagnostics import Diagnostic
from rules_engine.language.formatter import format_policy
from rules_engine.language.parser import ParseError, reserved_words
from rules_engine.language.spans import Span
from rules_engine.lsp import words
from rules_engine.lsp.analysis import Analysis
from rules_engine.lsp.index import NAVIGABLE, Occurrence
from rules_engine.lsp.positions import Lines, contains

SOURCE = "sla"


def uri_of(path: str) -> str:
    """The ``file://`` URI of a policy path (relative paths from the current folder)."""
    return uris.from_fs_path(os.path.abspath(path)) or path


def path_of(uri: str) -> str:
    return uris.to_fs_path(uri) or uri


# --------------------------------------------------------------------------- diagnostics


def diagnostics(analysis: Analysis) -> dict[str, list[types.Diagnostic]]:
    """``sla check``'s diagnostics by file: the document's own and those pointing into the
    files it imports (each in its own file's positions)."""
    found: dict[str, list[types.Diagnostic]] = {analysis.path: []}
    lines: dict[str, Lines] = {analysis.path: analysis.lines}
    for d in analysis.result.diagnostics:
        file = d.span.file if d.span.file in analysis.sources else analysis.path
        if file not in lines:
            lines[file] = Lines(analysis.sources[file], analysis.lines.encoding)
        found.setdefault(file, []).append(to_lsp(d, lines[file]))
    return found


def to_lsp(d: Diagnostic, lines: Lines) -> types.Diagnostic:
    severity = (
        types.DiagnosticSeverity.Error
        if d.severity == "error"
        else types.DiagnosticSeverity.Warning
    )
    message = d.message if not d.help else f"{d.message}\nhelp: {d.help}"
    return types.Diagnostic(
        range=lines.range(d.span),
        message=message,
        severity=severity,
        code=d.code,
        source=SOURCE,
        data={"help": d.help} if d.help else None,
    )


# --------------------------------------------------------------------------- formatting


def formatting(analysis: Analysis) -> list[types.TextEdit] | None:
    """``sla fmt`` as one edit of the whole text; None when the text does not parse."""
    try:
        formatted = format_policy(analysis.text, analysis.path)
    except ParseError:
        return None
    if formatted == analysis.text:
        return []
    return [types.TextEdit(analysis.lines.whole(), formatted)]


# --------------------------------------------------------------------------- outline

_SYMBOL_KINDS: dict[str, types.SymbolKind] = {
    "policy": types.SymbolKind.File,
    "calendar": types.SymbolKind.Namespace,
    "tier": types.SymbolKind.EnumMember,
    "dataset": types.SymbolKind.Struct,
    "pause": types.SymbolKind.Event,
    "target": types.SymbolKind.Function,
    "escalation": types.SymbolKind.Event,
    "credit": types.SymbolKind.Method,
    "bonus": types.SymbolKind.Method,
    "exit": types.SymbolKind.Method,
    "cap": types.SymbolKind.Constant,
    "earn back": types.SymbolKind.Method,
}


def document_symbols(analysis: Analysis) -> list[types.DocumentSymbol]:
    """The outline: every top-level declaration of this file, a dataset's fields inside it."""
    out: list[types.DocumentSymbol] = []
    lines = analysis.lines
    for decl in analysis.index.declarations.get(analysis.path, []):
        children = [
            types.DocumentSymbol(
                name=name,
                kind=types.SymbolKind.Field,
                range=lines.range(span),
                selection_range=lines.range(span),
                detail=detail,
            )
            for name, detail, span in decl.children
            if decl.kind == "dataset"
        ]
        out.append(
            types.DocumentSymbol(
                name=f"{decl.kind} {decl.name}",
                kind=_SYMBOL_KINDS.get(decl.kind, types.SymbolKind.Property),
                range=lines.range(decl.item.span),
                selection_range=lines.range(decl.name_span),
                detail=decl.detail,
                children=children or None,
            )
        )
    return out


# --------------------------------------------------------------------------- navigation


def occurrence_at(analysis: Analysis, position: types.Position) -> Occurrence | None:
    line = position.line + 1
    column = analysis.lines.column(position) + 1
    return analysis.index.at(analysis.path, line, column)


def file_uri(analysis: Analysis, file: str) -> str:
    """The URI of a file of the policy: the client's own for the document itself."""
    if file == analysis.path and analysis.uri is not None:
        return analysis.uri
    return uri_of(file)


def location(analysis: Analysis, span: Span) -> types.Location:
    text = analysis.sources.get(span.file)
    if span.file == analysis.path or text is None:
        lines = analysis.lines
    else:
        lines = Lines(text, analysis.lines.encoding)
    return types.Location(file_uri(analysis, span.file), lines.range(span))


def definition(analysis: Analysis, position: types.Position) -> list[types.Location]:
    """Where the name under the cursor is declared (this file's declaration first)."""
    occ = occurrence_at(analysis, position)
    if occ is None:
        return []
    defs = analysis.index.definitions(occ.kind, occ.name)
    if occ.kind == "field":
        defs = [d for d in defs if d.dataset == occ.dataset]
    defs.sort(key=lambda d: (d.span.file != analysis.path, d.span))
    return [location(analysis, d.span) for d in defs]


def references(
    analysis: Analysis, position: types.Position, include_declaration: bool = True
) -> list[types.Location]:
    occ = occurrence_at(analysis, position)
    if occ is None or occ.kind not in NAVIGABLE | {"credit", "bonus", "exit", "escalation"}:
        return []
    found = analysis.index.references(occ.kind, occ.name)
    if not include_declaration:
        found = [o for o in found if not o.definition]
    return [location(analysis, o.span) for o in found]


_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*\Z")


class RenameRefused(ValueError):
    """A rename that would break the policy: the message says why, in one line."""


def prepare_rename(analysis: Analysis, position: types.Position) -> types.Range | None:
    occ = occurrence_at(analysis, position)
    if occ is None or occ.kind not in NAVIGABLE | {"credit", "bonus", "exit", "escalation"}:
        return None
    return analysis.lines.range(occ.span)


def rename(analysis: Analysis, position: types.Position, new_name: str) -> types.WorkspaceEdit:
    """Every occurrence of the symbol renamed, across the policy's files.

    Refused (:class:`RenameRefused`): a name that is not a name, or one that another
    declaration of the same kind already has (the checker would call it SLA206/SLA212).
    """
    occ = occurrence_at(analysis, position)
    if occ is None or occ.kind not in NAVIGABLE | {"credit", "bonus", "exit", "escalation"}:
        raise RenameRefused("there is no target, tier, calendar or dataset name here to rename")
    bare = new_name[1:-1] if new_name.startswith("`") and new_name.endswith("`") else new_name
    if not _NAME.match(bare):
        raise RenameRefused(
            f"`{new_name}` is not a name: use letters, digits and `_`, starting with a letter"
        )
    if bare != occ.name and bare in analysis.index.names(occ.kind):
        raise RenameRefused(f"{occ.kind} `{bare}` is already declared: pick another name")
    if occ.kind == "dataset" and bare in _builtin_datasets() and bare != occ.name:
        raise RenameRefused(f"`{bare}` is a built-in dataset: pick another name")
    written = f"`{bare}`" if bare in reserved_words() else bare
    changes: dict[str, list[types.TextEdit]] = {}
    for o in analysis.index.references(occ.kind, occ.name):
        loc = location(analysis, o.span)
        changes.setdefault(loc.uri, []).append(types.TextEdit(loc.range, written))
    return types.WorkspaceEdit(changes=changes)


def _builtin_datasets() -> frozenset[str]:
    from rules_engine.language.fieldtypes import FIELD_TYPES

    return frozenset(FIELD_TYPES)


# --------------------------------------------------------------------------- hover


def hover(
    analysis: Analysis, position: types.Position, policy: m.CheckedPolicy | None, today: dt.date
) -> types.Hover | None:
    """Targets in plain words, durations on their clock, calendars' hours and holidays,
    credit tiers' arithmetic at the current fee, fields with their types."""
    line = position.line + 1
    column = analysis.lines.column(position) + 1
    text: str | None = None
    span: Span | None = None
    occ = analysis.index.at(analysis.path, line, column)
    if occ is not None:
        span = occ.span
        text = _name_hover(analysis, occ, policy, today)
    if text is None and analysis.tree is not None:
        nodes = list(_nodes_at(analysis.tree, line, column))
        for i, (node, item) in enumerate(nodes):
            parent = nodes[i + 1][0] if i + 1 < len(nodes) else None
            if (
                isinstance(node, ast.StringLit)
                and isinstance(parent, ast.HolidaysClause)
                and any(n.span == node.span for n in parent.except_names)
            ):
                subdivision = parent.subdivision.value if parent.subdivision else None
                found = words.holiday_dates(
                    parent.country.value, subdivision, node.value, today.year
                )
                when = ", ".join(f"{d.isoformat()} ({d:%A})" for d in found) or "no date"
                text, span = (
                    f"**{node.value}** in {today.year}: {when}; the calendar stays open",
                    node.span,
                )
                break
            if isinstance(node, ast.PercentOf) and policy is not None:
                text, span = _step_hover(node, policy), node.span
                if text is not None:
                    break
            if isinstance(node, ast.DurationLit):
                clocks = _clocks_of(item, policy)
                text, span = (
                    words.duration_words(node.seconds, node.text, clocks, policy),
                    node.span,
                )
                break
            if isinstance(node, ast.CreditTier | ast.BonusTier) and policy is not None:
                text, span = _tier_hover(node, item, policy, today), node.span
                break
    if text is None:
        return None
    return types.Hover(
        contents=types.MarkupContent(kind=types.MarkupKind.Markdown, value=text),
        range=analysis.lines.range(span)
        if span is not None and span.file == analysis.path
        else None,
    )


def _name_hover(
    analysis: Analysis, occ: Occurrence, policy: m.CheckedPolicy | None, today: dt.date
) -> str | None:
    if policy is not None:
        if occ.kind == "target" and occ.name in policy.targets:
            return words.target_words(policy, policy.targets[occ.name])
        if occ.kind == "calendar" and occ.name in policy.calendars:
            return words.calendar_words(policy.calendars[occ.name], today.year)
        if occ.kind == "tier" and occ.name in policy.tiers:
            tier = policy.tiers[occ.name]
            label = f" — {tier.label}" if tier.label else ""
            return f"**tier {tier.name}**{label}\n\ncovered on `{tier.coverage}`"
    if occ.kind == "field" and occ.dataset is not None:
        kind = analysis.index.fields(occ.dataset).get(occ.name)
        if kind is not None:
            return f"**{occ.name}**: {kind} (a field of `{occ.dataset}`)"
    if occ.kind == "measure":
        return f"**{occ.name}**: a built-in measure of tickets"
    if occ.kind == "dataset":
        fields = analysis.index.fields(occ.name)
        if fields:
            rows = "\n".join(f"- `{name}`: {kind}" for name, kind in fields.items())
            return f"**dataset {occ.name}**\n\n{rows}"
    return None


def _tier_hover(
    node: ast.CreditTier | ast.BonusTier, item: ast.Item, policy: m.CheckedPolicy, today: dt.date
) -> str | None:
    name = getattr(getattr(item, "name", None), "name", None)
    if isinstance(node, ast.CreditTier):
        for rule in policy.credits:
            if rule.name != name:
                continue
            for tier in rule.tiers:
                if (tier.span.line, tier.span.column) == (node.span.line, node.span.column):
                    arithmetic = words.tier_arithmetic(policy, tier.amount, today)
                    return f"**credit {rule.name}**: when `{tier.label}`\n\n{arithmetic}"
        return None
    for bonus in policy.bonuses:
        if bonus.name == name:
            arithmetic = words.tier_arithmetic(policy, bonus.amount, today)
            return f"**bonus {bonus.name}**\n\n{arithmetic}"
    return None


def _step_hover(node: ast.PercentOf, policy: m.CheckedPolicy) -> str | None:
    """``at 50% of p1_resolution``: the share of the target's limit, as a duration."""
    target = policy.targets.get(node.target.name)
    if target is None:
        return None
    limit = getattr(target.objective, "limit_s", None)
    if not isinstance(limit, int):
        return None
    share = node.percent.value * limit
    clocks = " or ".join(words.target_clocks(policy, target))
    after = pt.duration_text(int(share)) if share.denominator == 1 else f"{float(share):.0f}s"
    return (
        f"`{node.percent.text}` of `{target.name}`'s limit `{pt.duration_text(limit)}` = "
        f"`{after}` ({words.span_words(int(share))}) on {clocks}"
    )


def _clocks_of(item: ast.Item, policy: m.CheckedPolicy | None) -> list[str]:
    if policy is None:
        return [m.CLOCK_24X7]
    if isinstance(item, ast.TargetDecl) and item.name.name in policy.targets:
        return words.target_clocks(policy, policy.targets[item.name.name])
    return [m.CLOCK_24X7]


def _nodes_at(tree: ast.Policy, line: int, column: int) -> Iterator[tuple[object, ast.Item]]:
    """The nodes under a position, innermost first, each with its top-level item."""
    for item in tree.items:
        if contains(item.span, line, column):
            found: list[object] = []
            _collect(item, line, column, found)
            for node in reversed(found):
                yield node, item
            return


def _collect(node: object, line: int, column: int, found: list[object]) -> None:
    if isinstance(node, tuple):
        for child in node:
            _collect(child, line, column, found)
        return
    if not dataclasses.is_dataclass(node) or isinstance(node, type | Span):
        return
    span = getattr(node, "span", None)
    if isinstance(span, Span) and not contains(span, line, column):
        return
    found.append(node)
    for f in dataclasses.fields(node):
        if f.name != "span":
            _collect(getattr(node, f.name), line, column, found)


# --------------------------------------------------------------------------- code actions

_DID_YOU_MEAN = re.compile(r"did you mean `([^`]+)`\?")
_KEYWORD_FIELD = re.compile(r"`(\w+)` is a keyword: write `` `\1` ``")
_ADD_CLAUSE = re.compile(r"add `([^`]+)`")
_IN_HOURS = re.compile(r"write the limit in hours \(`(\d+h)`\)")
_BD_OR_HOURS = re.compile(r"write `(\d+bd)` for \d+ business days, or `(\d+h)` for open hours")


def code_actions(
    analysis: Analysis, uri: str, found: list[types.Diagnostic]
) -> list[types.CodeAction]:
    """Quick fixes for what a diagnostic's help already says: a did-you-mean name,
    backticks for a keyword used as a field, a `d` limit on a business clock in hours, a
    missing clause the help spells out (``add `currency USD```)."""
    actions: list[types.CodeAction] = []
    for d in found:
        help_text = (d.data or {}).get("help") if isinstance(d.data, dict) else None
        if not isinstance(help_text, str):
            continue
        choice = _BD_OR_HOURS.search(help_text)
        if choice is not None:  # SLA509: business days (what was meant, preferred) or hours
            for literal, preferred in ((choice.group(1), True), (choice.group(2), False)):
                actions.append(
                    types.CodeAction(
                        title=f"write the limit as `{literal}`",
                        kind=types.CodeActionKind.QuickFix,
                        diagnostics=[d],
                        is_preferred=preferred,
                        edit=types.WorkspaceEdit(changes={uri: [types.TextEdit(d.range, literal)]}),
                    )
                )
            continue
        fix = _fix(analysis, d, help_text)
        if fix is None:
            continue
        title, edit = fix
        actions.append(
            types.CodeAction(
                title=title,
                kind=types.CodeActionKind.QuickFix,
                diagnostics=[d],
                is_preferred=True,
                edit=types.WorkspaceEdit(changes={uri: [edit]}),
            )
        )
    return actions


def _fix(
    analysis: Analysis, d: types.Diagnostic, help_text: str
) -> tuple[str, types.TextEdit] | None:
    match = _DID_YOU_MEAN.search(help_text)
    if match is not None:
        word = match.group(1)
        line = analysis.lines.line(d.range.start.line)
        if line[analysis.lines.column(d.range.start) :].startswith('"'):  # a string: a holiday,
            return f'change to "{word}"', types.TextEdit(d.range, quoted(word))  # a zone, ...
        if _NAME.match(word) or word.startswith("`"):
            return f"change to `{word}`", types.TextEdit(d.range, word)
    match = _KEYWORD_FIELD.search(help_text)
    if match is not None:
        word = match.group(1)
        line = analysis.lines.line(d.range.start.line)
        before = line[: analysis.lines.column(d.range.start)]
        found = list(re.finditer(rf"(?<![\w`]){re.escape(word)}(?![\w`])", before))
        if found:
            start, end = found[-1].span()
            lines = analysis.lines
            target = types.Range(
                lines.to_lsp(d.range.start.line + 1, start + 1),
                lines.to_lsp(d.range.start.line + 1, end + 1),
            )
            return f"write `` `{word}` `` (a field named {word})", types.TextEdit(
                target, f"`{word}`"
            )
    match = _IN_HOURS.search(help_text)
    if match is not None:
        return f"write the limit as `{match.group(1)}`", types.TextEdit(d.range, match.group(1))
    match = _ADD_CLAUSE.match(help_text)
    if match is not None and d.code == "SLA208" and "..." not in match.group(1):
        # a missing clause: on the line after the one named, inside its block if it opens one
        line = analysis.lines.line(d.range.start.line)
        indent = line[: len(line) - len(line.lstrip())]
        if line.rstrip().endswith("{"):
            indent += "  "
        at = types.Position(d.range.start.line + 1, 0)
        return f"add `{match.group(1)}`", types.TextEdit(
            types.Range(at, at), f"{indent}{match.group(1)}\n"
        )
    return None


# --------------------------------------------------------------------------- semantic tokens

TOKEN_TYPES = [
    "keyword",
    "string",
    "number",
    "comment",
    "operator",
    "function",  # targets
    "enumMember",  # tiers
    "namespace",  # calendars
    "type",  # datasets
    "property",  # fields
    "variable",  # credits, bonuses, exits, escalations
]
TOKEN_MODIFIERS = ["declaration"]
_KIND_TOKEN = {
    "target": 5,
    "tier": 6,
    "calendar": 7,
    "dataset": 8,
    "field": 9,
    "measure": 9,
    "credit": 10,
    "bonus": 10,
    "exit": 10,
    "escalation": 10,
}
_LEX = re.compile(
    r"(?P<comment>#[^\n]*)"
    r"|(?P<string>\"(?:[^\"\\\n]|\\.)*\"?)"
    r"|(?P<number>\d{4}-\d{2}-\d{2}|\d{1,2}:\d{2}|\d+(?:\.\d+)?%|\d+[wdhms](?:\d+[wdhms])*|24x7|\d+(?:\.\d+)?)"
    r"|(?P<name>`[^`\n]+`|[A-Za-z_][A-Za-z0-9_]*)"
    r"|(?P<operator><=|>=|!=|[<>=])"
)


def semantic_tokens(analysis: Analysis, names: Analysis | None = None) -> list[int]:
    """Tokens of the text, names coloured by what they name (from ``names``' index, the
    last analysis that parsed, while the current text does not)."""
    source = names if names is not None else analysis
    by_span = {
        (o.span.line, o.span.column): o
        for o in source.index.occurrences
        if o.span.file == source.path
    }
    by_name: dict[str, str] = {}
    for o in source.index.occurrences:
        if o.definition and o.kind != "field":
            by_name.setdefault(o.name, o.kind)
    keywords = reserved_words()
    data: list[int] = []
    last_line = last_start = 0
    lines = analysis.lines
    for number, text in enumerate(lines.lines):
        for match in _LEX.finditer(text):
            group = match.lastgroup or ""
            column = match.start() + 1
            modifiers = 0
            if group == "name":
                word = match.group()
                occ = by_span.get((number + 1, column)) if source is analysis else None
                if occ is not None:
                    kind = _KIND_TOKEN[occ.kind]
                    modifiers = 1 if occ.definition else 0
                elif word in keywords:
                    kind = 0
                elif word.strip("`") in by_name:
                    kind = _KIND_TOKEN[by_name[word.strip("`")]]
                else:
                    continue
            else:
                kind = {"comment": 3, "string": 1, "number": 2, "operator": 4}[group]
            start = lines.to_lsp(number + 1, column).character
            end = lines.to_lsp(number + 1, match.end() + 1).character
            delta_line = number - last_line
            delta_start = start - last_start if delta_line == 0 else start
            data.extend([delta_line, delta_start, end - start, kind, modifiers])
            last_line, last_start = number, start
    return data


# --------------------------------------------------------------------------- helpers


def quoted(text: str) -> str:
    return json.dumps(text, ensure_ascii=False)
