"""Completion by context: what the grammar accepts next (``expected_next``), and for a
name or a string, the names that fit there: datasets after ``of``, the dataset's fields
(with their types) in a condition, tier names after ``priority =``, targets in credit
conditions, calendars after ``on``/``coverage``/``outside``, weekdays in ``open``, country
codes after ``holidays``, subdivisions, and after ``except`` the holiday names of that
country as the checker knows them.
"""

from __future__ import annotations

import re

from lsprotocol import types

from rules_engine.language.checker import holiday_countries, holiday_names
from rules_engine.language.currency import COMMON
from rules_engine.language.fieldtypes import FIELD_TYPES
from rules_engine.language.limits import iana_zones
from rules_engine.language.parser import expected_next, reserved_words
from rules_engine.lsp.analysis import Analysis
from rules_engine.lsp.incremental import chunks
from rules_engine.lsp.index import Index
from rules_engine.lsp.positions import Lines

_WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_FIELD_TYPES = ("string", "number", "boolean", "date", "timestamp", "duration")
_WORD = re.compile(r"[A-Za-z_][A-Za-z0-9_]*\Z")
_TOKENS = re.compile(r'"(?:[^"\\\n]|\\.)*"|`[^`\n]*`|[A-Za-z_][A-Za-z0-9_]*|\S')

SNIPPETS: dict[str, tuple[str, str]] = {
    "target": (
        "a target",
        'target ${1:name} "${2:title}" {\n  of ${3:tickets} where ${4:priority = P1}\n'
        "  measure ${5:response_time}\n  require ${6:95%} within ${7:15m}\n}",
    ),
    "calendar": (
        "a calendar",
        'calendar ${1:business} {\n  timezone "${2:America/New_York}"\n'
        '  open ${3:mon-fri} ${4:08:00-18:00}\n  holidays "${5:US}"\n}',
    ),
    "credit": (
        "a credit rule",
        "credit ${1:name} {\n  when ${2:target} < ${3:99.5%} credit ${4:10%} of fee\n}",
    ),
}


def complete(
    analysis: Analysis, names: Analysis, position: types.Position, year: int
) -> list[types.CompletionItem]:
    """Completions at ``position`` of ``analysis``'s text; names come from ``names`` (the
    last analysis that parsed when the current text does not)."""
    lines = analysis.lines
    offset = lines.offset(position)
    text = lines.text
    line_text = lines.line(position.line)
    column = lines.column(position)
    before_on_line = line_text[:column]
    in_string = _open_string(before_on_line)
    if in_string is not None:
        cut = offset - (column - in_string)
    else:
        partial = re.search(r"[A-Za-z_0-9`]*\Z", before_on_line)
        cut = offset - (len(partial.group()) if partial else 0)
    prefix = _piece_before(text, cut)
    expected = expected_next(prefix)
    if expected is None:
        return []
    tokens = _TOKENS.findall(prefix)
    items: list[types.CompletionItem] = []
    if in_string is not None:
        if "STRING" in expected:
            items += _strings(tokens, line_text, year)
        return _replace_string(items, position, column - in_string, line_text[column:], lines)
    index = names.index
    keywords = sorted(w for w in expected if w in reserved_words())
    for word in keywords:
        items.append(types.CompletionItem(word, kind=types.CompletionItemKind.Keyword))
    if "CLOCK_24X7" in expected or "24x7" in expected:
        items.append(types.CompletionItem("24x7", kind=types.CompletionItemKind.Constant))
    if "NAME" in expected:
        items += _names(tokens, prefix, index)
    if "STRING" in expected:
        items += _strings(tokens, line_text, year, quote=True)
    if not tokens or (_top_level(prefix) and "target" in expected):
        for label, (detail, body) in SNIPPETS.items():
            items.append(
                types.CompletionItem(
                    f"{label} …",
                    kind=types.CompletionItemKind.Snippet,
                    detail=detail,
                    insert_text=body,
                    insert_text_format=types.InsertTextFormat.Snippet,
                    filter_text=label,
                )
            )
    return items


def _piece_before(text: str, offset: int) -> str:
    """The text of the top-level item the offset is in, up to the offset (the grammar
    needs no more, and it keeps completion fast on a long policy)."""
    head = text[:offset]
    pieces = chunks(head)
    return pieces[-1][1] if pieces else head


def _top_level(prefix: str) -> bool:
    return prefix.count("{") <= prefix.count("}")


def _open_string(before: str) -> int | None:
    """The column of an unclosed ``"`` before the cursor on this line, or None."""
    quote: int | None = None
    i = 0
    while i < len(before):
        ch = before[i]
        if quote is None and ch == "#":
            return None
        if ch == '"':
            quote = i if quote is None else None
        elif ch == "\\" and quote is not None:
            i += 1
        i += 1
    return quote


def _names(tokens: list[str], prefix: str, index: Index) -> list[types.CompletionItem]:
    last = tokens[-1] if tokens else ""
    previous = tokens[-2] if len(tokens) > 1 else ""
    block = _block_keyword(tokens)
    dataset = _dataset_in_scope(prefix)

    def named(
        kind: str, labels: list[str], detail: str | None = None
    ) -> list[types.CompletionItem]:
        item_kind = {
            "target": types.CompletionItemKind.Function,
            "tier": types.CompletionItemKind.EnumMember,
            "calendar": types.CompletionItemKind.Module,
            "dataset": types.CompletionItemKind.Struct,
            "field": types.CompletionItemKind.Field,
        }.get(kind, types.CompletionItemKind.Value)
        return [types.CompletionItem(n, kind=item_kind, detail=detail or kind) for n in labels]

    if last == "of" and block in ("target", "escalation") and previous != "%":
        datasets = sorted(set(FIELD_TYPES) | set(index.names("dataset")))
        return named("dataset", datasets)
    if (
        last == "of"
        or last == "back"
        or (block in ("credit", "bonus", "exit") and last in ("when", "or", "and", "("))
    ):
        return named("target", index.names("target"))
    if last == "measure":
        builtin = ["response_time", "resolution_time"] if dataset == "tickets" else []
        builtin += ["availability"] if dataset == "outages" else []
        fields = index.fields(dataset) if dataset is not None else {}
        return named("measure", builtin) + [
            types.CompletionItem(n, kind=types.CompletionItemKind.Field, detail=f"{k} ({dataset})")
            for n, k in fields.items()
            if k == "duration"
        ]
    if last in ("on", "coverage", "outside"):
        return named("calendar", index.names("calendar"))
    if (
        last == "open"
        or (last == "-" and block == "calendar")
        or (last == "," and block == "calendar")
    ):
        return named("weekday", list(_WEEKDAYS))
    if last == "currency":
        return named("currency", sorted(COMMON))
    if last == "owner":
        return named("owner", ["provider", "customer"])
    if (
        block == "dataset"
        and re.fullmatch(r"[A-Za-z_]\w*|`[^`]+`", last)
        and previous in ("{", *_field_names(tokens))
    ):
        return named("type", list(_FIELD_TYPES))
    fields = index.fields(dataset) if dataset is not None else {}
    if last in ("=", "!=", "in", "[", ",") and _compared_field(tokens) == "priority":
        return named("tier", index.names("tier"))
    if block in ("target", "escalation", "pause") and fields:
        return [
            types.CompletionItem(
                name, kind=types.CompletionItemKind.Field, detail=f"{kind} ({dataset})"
            )
            for name, kind in fields.items()
        ]
    return []


def _field_names(tokens: list[str]) -> tuple[str, ...]:
    return tuple(t for t in tokens if _WORD.match(t))


def _block_keyword(tokens: list[str]) -> str | None:
    """The keyword of the innermost open ``{ ... }`` (its item's first word)."""
    depth = 0
    for i in range(len(tokens) - 1, -1, -1):
        if tokens[i] == "}":
            depth += 1
        elif tokens[i] == "{":
            if depth == 0:
                j = i
                while j > 0 and tokens[j - 1] not in ("}", "{"):
                    j -= 1
                word = tokens[j]
                return tokens[j + 1] if word == "override" and j + 1 < len(tokens) else word
            depth -= 1
    if tokens and tokens[0] == "pause":
        return "pause"
    return None


def _dataset_in_scope(prefix: str) -> str | None:
    found = re.findall(r"\bof\s+([A-Za-z_]\w*)", prefix)
    if found:
        return str(found[-1])
    pause = re.match(r"\s*pause\s+([A-Za-z_]\w*)?\s*(while)?", prefix)
    if pause is not None:
        return pause.group(1) if pause.group(1) and pause.group(1) != "while" else "tickets"
    return None


def _compared_field(tokens: list[str]) -> str | None:
    for i in range(len(tokens) - 1, -1, -1):
        if tokens[i] in ("=", "!=", "in") and i > 0:
            left = tokens[i - 1]
            if left == "not" and i > 1:
                left = tokens[i - 2]
            return left.strip("`")
        if tokens[i] in ("where", "and", "or", "{"):
            return None
    return None


def _strings(
    tokens: list[str], line: str, year: int, quote: bool = False
) -> list[types.CompletionItem]:
    """Country codes, subdivisions, holiday names or time zones for the string being typed."""
    last = tokens[-1] if tokens else ""
    labels: list[tuple[str, str]] = []
    countries = holiday_countries()
    if last == "holidays":
        labels = [(code, "holiday country") for code in sorted(countries)]
    elif last == "subdivision":
        country = _country(tokens)
        labels = [(code, f"subdivision of {country}") for code in countries.get(country or "", [])]
    elif last == "except" or (last == "," and "except" in tokens):
        country = _country(tokens)
        subdivision = _subdivision(tokens)
        if country is not None:
            names = holiday_names(country, subdivision, year) or frozenset()
            labels = [
                (n, f"a holiday of {country}")
                for n in sorted(names)
                if not n.endswith("(observed)")
            ]
    elif last == "timezone":
        labels = [(zone, "time zone") for zone in sorted(iana_zones())]
    return [
        types.CompletionItem(
            f'"{label}"' if quote else label,
            kind=types.CompletionItemKind.Value,
            detail=detail,
        )
        for label, detail in labels
    ]


def _country(tokens: list[str]) -> str | None:
    for i in range(len(tokens) - 1, 0, -1):
        if tokens[i - 1] == "holidays" and tokens[i].startswith('"'):
            return tokens[i][1:-1]
    return None


def _subdivision(tokens: list[str]) -> str | None:
    for i in range(len(tokens) - 1, 0, -1):
        if tokens[i - 1] == "subdivision" and tokens[i].startswith('"'):
            return tokens[i][1:-1]
        if tokens[i] == "holidays":
            return None
    return None


def _replace_string(
    items: list[types.CompletionItem],
    position: types.Position,
    typed: int,
    after: str,
    lines: Lines,
) -> list[types.CompletionItem]:
    """Items for a string being typed: each replaces it from its opening quote, closing
    quote included when the editor already put one after the cursor."""
    start = types.Position(position.line, position.character - _units(typed, lines, position))
    end = types.Position(position.line, position.character + (1 if after.startswith('"') else 0))
    out = []
    for item in items:
        text = f'"{item.label}"'
        out.append(
            types.CompletionItem(
                item.label,
                kind=item.kind,
                detail=item.detail,
                filter_text=f'"{item.label}',
                text_edit=types.TextEdit(types.Range(start, end), text),
            )
        )
    return out


def _units(chars: int, lines: Lines, position: types.Position) -> int:
    """The UTF-16 width of the ``chars`` code points before the cursor."""
    column = lines.column(position)
    return position.character - lines.to_lsp(position.line + 1, column - chars + 1).character
