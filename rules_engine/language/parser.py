"""Text to :class:`rules_engine.language.ast.Policy`: the only module that imports Lark.

The grammar is ``rules_engine/language/grammar/sla.lark`` (LALR, contextual lexer, strict), loaded
once with :mod:`importlib.resources`; the analysed tables are cached by Lark (in a
private per-user folder, keyed by the grammar's hash) and the parser object by :func:`functools.cache`. The AST is
built by callbacks inside the LALR parser, so there is no intermediate parse tree and no
recursion. Lark's objects never leave this module: :func:`parse` returns the typed AST,
and every failure is a :class:`ParseError` with a span, the expected tokens in words and
a hint, never a Lark exception.

>>> policy = parse('policy "Demo"  target t { of tickets  require 95% within 15m }')
>>> policy.items[1].objective.limit.seconds
900
"""

from __future__ import annotations

import contextlib
import contextvars
import difflib
import functools
import os
import re
import stat
import sys
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from fractions import Fraction
from importlib import resources
from pathlib import Path
from typing import Any, Literal, NoReturn

import lark
from lark import Token
from lark.exceptions import UnexpectedCharacters, UnexpectedInput, UnexpectedToken

from rules_engine.language import ast
from rules_engine.language.spans import Span

__all__ = [
    "MAX_NESTING",
    "MAX_SOURCE_BYTES",
    "ParseError",
    "decode_source",
    "normalize_newlines",
    "parse",
    "read_source",
    "reserved_words",
    "tokenize",
]

MAX_SOURCE_BYTES = 4 * 1024 * 1024
"""A policy is a contract, not a data file: larger input is refused before parsing."""

MAX_NESTING = 64
"""Deepest nesting of and/or/not accepted: deeper input is refused with a span, so no later
stage that walks the tree recursively can hit Python's recursion limit."""


_HIDING_CHARACTERS = {
    "\u0085": "a next-line control character (U+0085)",
    "\u2028": "a line separator (U+2028)",
    "\u2029": "a paragraph separator (U+2029)",
    **{
        chr(c): f"a bidirectional text control (U+{c:04X})"
        for c in (*range(0x202A, 0x202F), *range(0x2066, 0x206A))
    },
    **{
        chr(c): f"a control character (U+{c:04X})"
        for c in (*range(0x01, 0x09), 0x0B, 0x0C, *range(0x0E, 0x20), *range(0x7F, 0x85))
    },
    **{chr(c): f"a control character (U+{c:04X})" for c in range(0x86, 0xA0)},
}
"""Characters that make an editor or a terminal show text other than what the parser
reads: a line break the grammar does not know (a ``#`` comment would run on past it,
hiding the clauses after it), a bidirectional override that reorders what is displayed,
or a control character (an escape sequence in a label rewrites the terminal that prints
it). Tab, line feed and carriage return are text; NUL marks a binary file (SLA105)."""

_HIDING = re.compile("[" + "".join(_HIDING_CHARACTERS) + "]")


def normalize_newlines(text: str) -> str:
    """CR LF and a lone CR become LF, so every line ending reads alike.

    >>> normalize_newlines("a\r\nb\rc\n")
    'a\nb\nc\n'
    """
    return text.replace("\r\n", "\n").replace("\r", "\n")


class ParseError(Exception):
    """A policy that is not well-formed text of the language.

    ``code`` is the diagnostic code (``SLA100``..``SLA107``, see
    :mod:`rules_engine.language.diagnostics`), ``message`` one line in words, ``span`` where it
    happened, ``expected`` what would have fitted (in words: ``a duration``, `` `{` ``),
    ``hint`` a suggestion or None.
    """

    def __init__(
        self,
        message: str,
        span: Span,
        *,
        code: str = "SLA101",
        expected: list[str] | None = None,
        hint: str | None = None,
    ) -> None:
        super().__init__(f"{span}: {message}")
        self.message = message
        self.span = span
        self.code = code
        self.expected: list[str] = expected or []
        self.hint = hint


# --------------------------------------------------------------------------- the Lark parser


@functools.cache
def _lark() -> lark.Lark:
    text = resources.files("rules_engine.language").joinpath("grammar/sla.lark").read_text("utf-8")
    return lark.Lark(
        text,
        parser="lalr",
        lexer="contextual",
        strict=True,
        maybe_placeholders=True,
        keep_all_tokens=True,
        transformer=_Builder(),
        postlex=_NamesEverywhere(),
        lexer_callbacks={"COMMENT": _collect_comment},
        cache=_cache_file(),
    )


class _NamesEverywhere:
    """Let every lexer state match names, so a keyword glued to more letters is one name
    (``capcredits`` is an unknown word, not ``cap credits``). Keywords still win where the
    parser expects them; elsewhere they stay names (``owner customer``)."""

    always_accept = ("NAME",)

    def process(self, stream: Iterator[Token]) -> Iterator[Token]:
        return stream


def _cache_file() -> str | bool:
    """Where Lark keeps the analysed grammar between runs: a private per-user folder, never
    the shared temp dir. The cache is a pickle, and Lark unpickles it before it compares
    the grammar's hash, so loading a planted one runs code: the file is used only when no
    one but the user (and root) can have written it. The folder must be the user's and
    writable by no one else; so must every folder above it, unless sticky like ``/tmp``
    (else another user could swap the folder for theirs); the file must be the user's own
    regular file with no other link, writable by no one else (a file with group write,
    as a umask of 002 makes it, is still private when the folder lets no one else in).
    Otherwise there is no cache, only a slower start (about 0.3 s)."""
    import stat

    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    folder = os.path.join(base, "sla-rules-engine")
    version = f"lark{lark.__version__}-py{sys.version_info[0]}{sys.version_info[1]}"
    path = os.path.join(folder, f"sla-grammar-{version}.cache")
    others_write = stat.S_IWGRP | stat.S_IWOTH
    try:
        uid = os.getuid()
        os.makedirs(folder, mode=0o700, exist_ok=True)
        own = os.lstat(folder)
        if not stat.S_ISDIR(own.st_mode) or own.st_uid != uid or own.st_mode & others_write:
            return False
        above = os.path.dirname(os.path.realpath(folder))
        while True:
            info = os.stat(above)
            shared = info.st_mode & others_write and not info.st_mode & stat.S_ISVTX
            if info.st_uid not in (uid, 0) or shared:
                return False
            if os.path.dirname(above) == above:
                break
            above = os.path.dirname(above)
        try:
            cached = os.lstat(path)
        except FileNotFoundError:
            return path  # Lark writes it, in the folder checked above
        closed = not own.st_mode & 0o077
        if (
            not stat.S_ISREG(cached.st_mode)
            or cached.st_uid != uid
            or cached.st_nlink != 1
            or (cached.st_mode & others_write and not closed)
        ):
            return False
    except (OSError, AttributeError):  # AttributeError: no getuid on Windows
        return False
    return path


_NAME_RE = re.compile(r"[A-Za-z_][A-Za-z0-9_]*\Z")


@functools.cache
def reserved_words() -> frozenset[str]:
    """Every keyword of the grammar; a field named like one is written `` `open` ``."""
    words = set()
    for terminal in _lark().terminals:
        pattern = terminal.pattern
        if pattern.type == "str" and _NAME_RE.match(pattern.value):
            words.add(pattern.value)
    return frozenset(words)


_TERMINAL_WORDS = {
    "NAME": "a name",
    "ESCAPED_NAME": "a name",
    "STRING": "a quoted string",
    "NUMBER": "a number",
    "PERCENT": "a percentage (like `95%`)",
    "DURATION": "a duration (like `15m`)",
    "DATE": "a date (YYYY-MM-DD)",
    "TIME": "a time of day (HH:MM)",
    "CLOCK_24X7": "`24x7`",
    "$END": "the end of the file",
}


@functools.cache
def _terminal_words() -> dict[str, str]:
    words = dict(_TERMINAL_WORDS)
    for terminal in _lark().terminals:
        if terminal.pattern.type == "str":
            words[terminal.name] = f"`{terminal.pattern.value}`"
    return words


_COMPARISONS = frozenset({"`=`", "`!=`", "`<`", "`<=`", "`>`", "`>=`"})


def _expected_words(names: set[str] | frozenset[str]) -> list[str]:
    """Terminal names to words: kinds of token first, then keywords, then punctuation."""
    table = _terminal_words()
    words = {table.get(name, name) for name in names if name not in ("COMMENT", "WS")}
    if words >= _COMPARISONS:
        words = (words - _COMPARISONS) | {"a comparison (`=`, `<`, `<=`, ...)"}

    def order(word: str) -> tuple[int, str]:
        if not word.startswith("`"):
            return (0, word)
        return (1 if word[1:2].isalpha() else 2, word)

    return sorted(words, key=order)


def tokenize(text: str) -> list[tuple[str, str]]:
    """The tokens of ``text`` as ``(kind, text)`` pairs, without context (for tests and
    debugging: the parser itself lexes in context, where keywords may be names).

    >>> tokenize("95% within 1h30m")
    [('PERCENT', '95%'), ('WITHIN', 'within'), ('DURATION', '1h30m')]
    """
    try:
        return [(t.type, str(t)) for t in _lark().lex(text)]
    except UnexpectedInput as exc:
        raise _translate(exc, text, "<memory>") from None


# --------------------------------------------------------------------------- reading bytes


def decode_source(data: bytes, path: str = "<memory>") -> str:
    """Bytes of a policy file to text, refusing what cannot be a policy.

    Raises :class:`ParseError` for a file over :data:`MAX_SOURCE_BYTES` (``SLA106``),
    NUL bytes (``SLA105``, binary) and invalid UTF-8 (``SLA104``, with the line and
    column of the first bad byte). A UTF-8 byte-order mark is dropped, and line endings
    are normalized (CR LF and CR become LF: :func:`normalize_newlines`).
    """
    if len(data) > MAX_SOURCE_BYTES:
        raise ParseError(
            f"the file is {len(data) / 1_048_576:.1f} MB, more than a policy can be "
            f"({MAX_SOURCE_BYTES // 1_048_576} MB)",
            Span(path, 1, 1, 1, 1),
            code="SLA106",
            hint="split the contract, or check that this is the right file",
        )
    nul = data.find(b"\x00")
    if nul >= 0:
        line, column = _byte_position(data, nul)
        raise ParseError(
            "the file is binary (it contains a NUL byte), not policy text",
            Span(path, line, column, line, column + 1),
            code="SLA105",
            hint="a policy is a UTF-8 text file ending in .sla",
        )
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line, column = _byte_position(data, exc.start)
        raise ParseError(
            f"the file is not UTF-8 text (byte 0x{data[exc.start]:02x})",
            Span(path, line, column, line, column + 1),
            code="SLA104",
            hint="save the policy as UTF-8",
        ) from None
    return normalize_newlines(text.removeprefix("\ufeff"))


def read_source(path: str | Path) -> str:
    """Read and decode a policy file; an unreadable path is a ``SLA100`` :class:`ParseError`.

    Only a regular file (or a symlink to one) is read: a FIFO would block forever and a
    device such as ``/dev/zero`` never ends. At most :data:`MAX_SOURCE_BYTES` and one more
    byte are read, so a file that grows while being read is still refused as too large.
    """
    name = str(path)
    try:
        info = os.stat(path)
        if stat.S_ISDIR(info.st_mode):
            raise IsADirectoryError
        if not stat.S_ISREG(info.st_mode):
            raise ParseError(
                f"cannot read the policy: it is {_file_kind(info.st_mode)}, not a regular file",
                Span(name, 1, 1, 1, 1),
                code="SLA100",
                hint="name a .sla file",
            )
        with open(path, "rb") as handle:
            data = handle.read(MAX_SOURCE_BYTES + 1)
    except IsADirectoryError:
        raise ParseError(
            "cannot read the policy: it is a directory",
            Span(name, 1, 1, 1, 1),
            code="SLA100",
            hint="name a .sla file, or a folder where the command accepts folders",
        ) from None
    except OSError as exc:
        reason = exc.strerror or type(exc).__name__
        raise ParseError(
            f"cannot read the policy: {reason.lower()}",
            Span(name, 1, 1, 1, 1),
            code="SLA100",
            hint="check the path and its permissions",
        ) from None
    return decode_source(data, name)


def _file_kind(mode: int) -> str:
    if stat.S_ISFIFO(mode):
        return "a named pipe (FIFO)"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device"
    if stat.S_ISSOCK(mode):
        return "a socket"
    return "not a file"


def _byte_position(data: bytes, offset: int) -> tuple[int, int]:
    before = data[:offset]
    line = before.count(b"\n") + 1
    column = offset - (before.rfind(b"\n") + 1) + 1
    return line, column


# --------------------------------------------------------------------------- parse


def parse(text: str, path: str = "<memory>") -> ast.Policy:
    """Parse policy text into the AST; every failure is a :class:`ParseError`.

    CR LF and CR end lines like LF (spans count lines that way); a character that would
    show the reader other text than the parser reads is refused (``SLA111``).
    """
    text = normalize_newlines(text)
    if "\x00" in text:
        offset = text.index("\x00")
        line, column = _text_position(text, offset)
        raise ParseError(
            "the file is binary (it contains a NUL byte), not policy text",
            Span(path, line, column, line, column + 1),
            code="SLA105",
            hint="a policy is a UTF-8 text file ending in .sla",
        )
    if len(text) > MAX_SOURCE_BYTES:
        raise ParseError(
            f"the policy is {len(text):,} characters, more than a policy can be",
            Span(path, 1, 1, 1, 1),
            code="SLA106",
            hint="split the contract, or check that this is the right file",
        )
    hidden = _HIDING.search(text)
    if hidden is not None:
        line, column = _text_position(text, hidden.start())
        raise ParseError(
            f"the policy contains {_HIDING_CHARACTERS[hidden.group()]}, "
            "which can hide or reorder the text around it",
            Span(path, line, column, line, column + 1),
            code="SLA111",
            hint="delete the character; end lines with a plain line break",
        )
    state = _ParseState(path)
    reset = _STATE.set(state)
    try:
        children: list[Any] = _lark().parse(text)  # type: ignore[assignment]
    except UnexpectedInput as exc:
        raise _translate(exc, text, path) from None
    finally:
        _STATE.reset(reset)
    imports = tuple(c for c in children if isinstance(c, ast.ImportDecl))
    items: list[ast.Item] = []
    overrides: list[int] = []
    for child in children:
        if isinstance(child, _Tagged):  # `override ITEM`
            overrides.append(len(items))
            items.append(child.value)
        elif not isinstance(child, ast.ImportDecl):
            items.append(child)
    comments = state.comments
    if not items and not imports:
        what = "only comments" if comments else "nothing"
        raise ParseError(
            f"the policy is empty (the file holds {what})",
            Span(path, 1, 1, 1, 1),
            code="SLA105",
            hint='a policy starts with `policy "NAME"`',
        )
    end_line, end_column = _text_position(text, len(text))
    return ast.Policy(
        items=tuple(items),
        comments=tuple(ast.Comment(str(c).rstrip(), _token_span(c, path)) for c in comments),
        span=Span(path, 1, 1, end_line, end_column),
        imports=imports,
        overrides=tuple(overrides),
    )


def _text_position(text: str, offset: int) -> tuple[int, int]:
    line = text.count("\n", 0, offset) + 1
    column = offset - (text.rfind("\n", 0, offset) + 1) + 1
    return line, column


def _significant_chars(text: str) -> Iterator[tuple[int, str]]:
    """Characters outside strings, comments and backtick names, with their offsets."""
    i, n = 0, len(text)
    while i < n:
        ch = text[i]
        if ch == "#":
            end = text.find("\n", i)
            i = n if end < 0 else end
            continue
        if ch == '"' or ch == "`":
            j = i + 1
            while j < n and text[j] != ch and text[j] != "\n":
                j += 2 if text[j] == "\\" and ch == '"' else 1
            i = j + 1
            continue
        yield i, ch
        i += 1


def _token_span(token: Token, path: str) -> Span:
    return Span(
        path,
        token.line or 1,
        token.column or 1,
        token.end_line or token.line or 1,
        token.end_column or (token.column or 1) + len(token),
    )


# --------------------------------------------------------------------------- error translation

_COMPARE_TOKENS = frozenset({"EQUAL", "LESSTHAN", "MORETHAN", "__ANON_1", "__ANON_2", "__ANON_3"})
_KEYWORD_SUGGESTION_LIMIT = 0.6


def _translate(exc: UnexpectedInput, text: str, path: str) -> ParseError:
    if isinstance(exc, UnexpectedToken):
        return _unexpected_token(exc, text, path)
    if isinstance(exc, UnexpectedCharacters):
        return _unexpected_character(exc, text, path)
    line = getattr(exc, "line", 1) or 1
    column = getattr(exc, "column", 1) or 1
    return ParseError("syntax error", Span(path, line, column, line, column + 1))


def _unexpected_token(exc: UnexpectedToken, text: str, path: str) -> ParseError:
    token = exc.token
    expected_names = set(exc.expected or ())
    if exc.interactive_parser is not None:
        with contextlib.suppress(Exception):  # a nicety: keep Lark's own list on failure
            accepts: set[str] = exc.interactive_parser.accepts()  # type: ignore[no-untyped-call]
            expected_names = accepts or expected_names
    expected = _expected_words(expected_names)
    if token.type == "$END":
        line, column = _text_position(text, len(text))
        span = Span(path, line, column, line, column)
        hint = None
        unclosed = _unclosed_brace(text)
        if "RBRACE" in expected_names and unclosed is not None:
            bl, bc = _text_position(text, unclosed)
            hint = f"the `{{` at line {bl}, column {bc} is never closed: add `}}`"
            span = Span(path, bl, bc, bl, bc + 1)
        return ParseError(
            f"unexpected end of file, expected {_summary(expected)}",
            span,
            code="SLA103",
            expected=expected,
            hint=hint,
        )
    span = _token_span(token, path)
    value = str(token)
    found = f"`{value}`"
    code = "SLA101"
    hint = _token_hint(token, expected_names, text)
    if value in reserved_words() and expected_names & {"NAME", "ESCAPED_NAME"}:
        code = "SLA107"
        hint = hint or f"`{value}` is a keyword: write `` `{value}` `` to use it as a name"
    if hint is None and token.type == "NAME":
        keywords = [w.strip("`") for w in expected if w.startswith("`") and w[1:-1].isalpha()]
        close = difflib.get_close_matches(value, keywords, n=1, cutoff=_KEYWORD_SUGGESTION_LIMIT)
        if close:
            hint = f"did you mean `{close[0]}`?"
    return ParseError(
        f"unexpected {found}, expected {_summary(expected)}",
        span,
        code=code,
        expected=expected,
        hint=hint,
    )


def _token_hint(token: Token, expected: set[str], text: str) -> str | None:
    value = str(token)
    start = token.start_pos or 0
    before = text[:start].rstrip(" \t")
    if token.type == "EQUAL" and before.endswith(("=", "!", "<", ">")):
        return "compare with a single `=` (not `==`)"
    if value == "import" and before.strip() and before.endswith(("\n", "}")):
        return "`import` lines come first in a file: move it above the first clause"
    if value == "override" and re.search(r"\boverride\s*$", before):
        return "write `override` once"
    if token.type == "NUMBER" and "DURATION" in expected:
        return f"a duration needs a unit: `{value}m`, `{value}h` or `{value}d` (s, m, h, d, w)"
    if token.type == "NUMBER" and "DATE" in expected:
        return "dates are `YYYY-MM-DD`, with two-digit month and day"
    if token.type == "NUMBER" and "PERCENT" in expected:
        return f"a percentage needs `%`: `{value}%`"
    share = re.search(r"(\d+(?:\.\d+)?)\s+of\s*$", before)
    if (token.type == "OF" and re.search(r"\d\s*$", before)) or (value == "fee" and share):
        number = re.search(r"(\d+(?:\.\d+)?)\s*(?:of\s*)?$", before)
        shown = number.group(1) if number else "25"
        return f"a share of the fee needs `%`: `{shown}% of fee`"
    if token.type == "STRING" and "NAME" in expected and "STRING" not in expected:
        return f"names are written without quotes: {value[1:-1]!s}"
    if token.type == "NAME" and "STRING" in expected and "NAME" not in expected:
        return f'text is quoted: `"{value}"`'
    keyword = re.search(r"\b([a-z]+)\s*$", before)
    if token.type in _COMPARE_TOKENS and keyword and keyword.group(1) in reserved_words():
        word = keyword.group(1)
        return f"`{word}` is a keyword: write `` `{word}` `` for a field named {word}"
    return None


def _unexpected_character(exc: UnexpectedCharacters, text: str, path: str) -> ParseError:
    offset = exc.pos_in_stream or 0
    line, column = exc.line or 1, exc.column or 1
    char = text[offset] if offset < len(text) else ""
    rest = text[offset : offset + 40]
    expected = _expected_words(_acceptable(exc))
    hint: str | None = None
    word = re.match(r"[0-9][0-9A-Za-z_.:%-]*", rest)
    found = f"`{char}`"
    if char in '"`':
        what = "string" if char == '"' else "backtick name"
        return ParseError(
            f"this {what} is not closed on its line",
            Span(path, line, column, line, column + 1),
            code="SLA102",
            expected=expected,
            hint="close it with a " + ('`"`' if char == '"' else "backtick") + " on the same line",
        )
    elif word:
        found = f"`{word.group(0)}`"
        hint = _number_hint(word.group(0))
    elif char == "=" and rest.startswith("=="):
        hint = "compare with a single `=` (not `==`)"
    elif char in "\u201c\u201d\u2018\u2019":
        hint = 'use straight quotes `"`, not typographic ones'
    elif char.isalpha():
        start = offset
        while start > 0 and (text[start - 1].isalnum() or text[start - 1] == "_"):
            start -= 1
        whole = re.match(r"\w+", text[start:])
        shown = whole.group(0) if whole else char
        hint = f"names are ASCII letters, digits and `_`: write `` `{shown}` `` in backticks"
    elif char.isspace() or char in "\u200b\ufeff":
        found = f"invisible character U+{ord(char):04X}"
        hint = "replace it with an ordinary space"
    length = len(word.group(0)) if word else 1
    return ParseError(
        f"unexpected {found}, expected {_summary(expected)}" if expected else f"unexpected {found}",
        Span(path, line, column, line, column + length),
        code="SLA102",
        expected=expected,
        hint=hint,
    )


def _acceptable(exc: UnexpectedCharacters) -> set[str]:
    """The terminals the parser could shift at the error (the lexer's own list also holds
    NAME, which every state lexes; see :class:`_NamesEverywhere`)."""
    allowed = set(exc.allowed or ())
    state = getattr(exc, "state", None)
    try:
        actions = state.parse_conf.parse_table.states[state.position]  # type: ignore[union-attr]
    except (AttributeError, KeyError, TypeError):
        return allowed - {"NAME"}
    return {name for name in actions if name.isupper() or name.startswith("$")} or allowed


def _number_hint(word: str) -> str | None:
    """Recognise the usual ways a number-like word goes wrong (by its beginning)."""
    if re.match(r"\d{1,2}:\d{2}:\d{2}", word):
        return "times of day are `HH:MM`, without seconds"
    if re.match(r"\d+\.\d+[wdhms]", word):
        return "durations use whole units: write `1h30m`, not `1.5h`"
    m = re.match(r"(\d+)(min|mins|minutes?|hrs?|hours?|days?|weeks?|secs?|seconds?)\b", word)
    if m:
        unit = {"mi": "m", "mn": "m", "hr": "h", "ho": "h", "da": "d", "we": "w", "se": "s"}
        return f"write durations as `{m.group(1)}{unit.get(m.group(2)[:2], 'm')}`"
    if re.fullmatch(r"\d+[wdhms]\d+", word):
        return "every number in a duration needs a unit: `1h30m`"
    if re.match(r"\d{4}-\d{1,2}-\d{1,2}", word):
        return "dates are `YYYY-MM-DD`, with two-digit month and day"
    if re.fullmatch(r"[0-9]+[A-Za-z_]\w*", word):
        return "a name cannot start with a digit"
    return None


def _summary(expected: list[str], limit: int = 6) -> str:
    if not expected:
        return "nothing more"
    if len(expected) == 1:
        return expected[0]
    if len(expected) <= limit:
        return "one of " + ", ".join(expected)
    return "one of " + ", ".join(expected[:limit]) + f" (or {len(expected) - limit} more)"


def _unclosed_brace(text: str) -> int | None:
    stack: list[int] = []
    for offset, ch in _significant_chars(text):
        if ch == "{":
            stack.append(offset)
        elif ch == "}" and stack:
            stack.pop()
    return stack[-1] if stack else None


# --------------------------------------------------------------------------- tree -> AST
#
# The builder runs inside the LALR parser (Lark's inline transformer): each rule's
# callback gets its children as they are reduced and returns an AST node, so no parse
# tree is built and nothing recurses, however deep the input nests. The grammar keeps all
# tokens, so a node's span runs from its first token (its keyword) to its last.


@dataclass
class _ParseState:
    """What one call of :func:`parse` collects while Lark runs the callbacks."""

    path: str
    comments: list[Token] = field(default_factory=list)
    depth: dict[int, int] = field(default_factory=dict)


_STATE: contextvars.ContextVar[_ParseState | None] = contextvars.ContextVar(
    "sla_parse_state", default=None
)


def _collect_comment(token: Token) -> Token:
    """Lexer callback: comments are ignored by the grammar but kept for the formatter."""
    state = _STATE.get()
    if state is not None:
        state.comments.append(token)
    return token


@dataclass(frozen=True)
class _Tagged:
    """A clause value on its way into its parent node, with the keyword that introduced it."""

    tag: str
    value: Any
    span: Span


_VALUE_TOKENS = frozenset(
    {"NAME", "ESCAPED_NAME", "STRING", "NUMBER", "PERCENT", "DURATION", "DATE", "TIME"}
)
_DURATION_UNITS = {"w": 604800, "d": 86400, "h": 3600, "m": 60, "s": 1}
_DURATION_PART = re.compile(r"(\d+)(bd|[wdhms])")
_STRING_ESCAPES = {'"': '"', "\\": "\\", "n": "\n", "r": "\r", "t": "\t"}

Callback = Callable[["_Builder", Span, list[Any]], Any]


def _span_of(children: list[Any], path: str) -> Span:
    """From the first child's start to the last child's end (tokens and nodes alike)."""
    if not children:
        return Span(path, 1, 1, 1, 1)
    first, last = children[0], children[-1]
    if first is None or last is None:  # an empty optional part ([] in a list)
        present = [c for c in children if c is not None]
        if not present:
            return Span(path, 1, 1, 1, 1)
        first, last = present[0], present[-1]
    # tokens from the lexer always carry positions (Lark types them as optional)
    if type(first) is Token:
        line, column = first.line, first.column
    else:
        line, column = first.span.line, first.span.column
    if type(last) is Token:
        return Span(path, line, column, last.end_line, last.end_column)  # type: ignore[arg-type]
    end = last.span
    return Span(path, line, column, end.end_line, end.end_column)  # type: ignore[arg-type]


def _path() -> str:
    state = _STATE.get()
    return state.path if state is not None else "<memory>"


def _rule(fn: Callback) -> Callable[[_Builder, list[Any]], Any]:
    """A rule callback that gets its span and its children minus keywords and punctuation."""

    @functools.wraps(fn)
    def callback(self: _Builder, children: list[Any]) -> Any:
        span = _span_of(children, _path())
        kept = [c for c in children if type(c) is not Token or c.type in _VALUE_TOKENS]
        return fn(self, span, kept)

    return callback


def _raw(fn: Callback) -> Callable[[_Builder, list[Any]], Any]:
    """A rule callback that gets its span and every child, tokens included."""

    @functools.wraps(fn)
    def callback(self: _Builder, children: list[Any]) -> Any:
        return fn(self, _span_of(children, _path()), children)

    return callback


class _Builder:
    """Builds AST nodes bottom-up; raises :class:`ParseError` for what the grammar lets by."""

    @property
    def state(self) -> _ParseState:
        state = _STATE.get()
        if state is None:  # pragma: no cover - parse() always sets it
            raise RuntimeError("the policy builder runs only inside parse()")
        return state

    @property
    def path(self) -> str:
        return self.state.path

    def _tok(self, token: Token) -> Span:
        return _token_span(token, self.path)

    def _fail(self, message: str, span: Span, hint: str | None = None) -> NoReturn:
        raise ParseError(message, span, hint=hint)

    def _int(self, token: Token, what: str) -> int:
        if not str(token).isdigit():
            self._fail(f"{what} must be a whole number, not `{token}`", self._tok(token))
        return int(Decimal(str(token)))  # any length; the checker bounds it

    def _nested(self, node: Any, operands: Iterable[Any]) -> Any:
        """Record the nesting depth of an and/or/not node; refuse absurd depths (the
        checker, the formatter and the evaluator all walk these trees recursively)."""
        depth_of = self.state.depth
        depth = 1 + max((depth_of.get(id(o), 0) for o in operands), default=0)
        if depth > MAX_NESTING:
            self._fail(
                f"the condition is nested more than {MAX_NESTING} deep",
                node.span,
                hint="split the condition into simpler parts (or remove repeated `not`)",
            )
        depth_of[id(node)] = depth
        return node

    # ------------------------------------------------------------------ tokens

    def start(self, children: list[Any]) -> list[Any]:
        """Import lines, items and ``override`` markers (sorted out by :func:`parse`)."""
        return children

    @_rule
    def import_decl(self, span: Span, c: list[Any]) -> ast.ImportDecl:
        return ast.ImportDecl(c[0], span)

    @_raw
    def override_decl(self, span: Span, c: list[Any]) -> _Tagged:
        return _Tagged("override", c[-1], span)

    @_rule
    def name(self, span: Span, c: list[Token]) -> ast.Name:
        token = c[0]
        value = str(token)
        if token.type == "ESCAPED_NAME":
            value = value[1:-1]
        return ast.Name(value, span)

    @_rule
    def string(self, span: Span, c: list[Token]) -> ast.StringLit:
        token = c[0]
        raw = str(token)[1:-1]
        if "\\" not in raw:
            return ast.StringLit(raw, span)
        out: list[str] = []
        i = 0
        while i < len(raw):
            ch = raw[i]
            if ch == "\\":
                nxt = raw[i + 1] if i + 1 < len(raw) else ""
                if nxt not in _STRING_ESCAPES:
                    col = (token.column or 1) + 1 + i
                    line = token.line or 1
                    self._fail(
                        f"unknown escape `\\{nxt}` in a string",
                        Span(self.path, line, col, line, col + 2),
                        hint='the escapes are `\\"`, `\\\\`, `\\n` and `\\t`',
                    )
                out.append(_STRING_ESCAPES[nxt])
                i += 2
                continue
            out.append(ch)
            i += 1
        return ast.StringLit("".join(out), span)

    @_raw
    def number(self, span: Span, c: list[Token]) -> ast.NumberLit:
        text = "".join(str(t) for t in c)
        return ast.NumberLit(Decimal(text), text, span)

    @_raw
    def money(self, span: Span, c: list[Token]) -> ast.MoneyLit:
        currency = None
        if c and c[-1].type == "NAME":
            currency = str(c[-1])
            c = c[:-1]
        text = "".join(str(t) for t in c)
        return ast.MoneyLit(Decimal(text), currency, text, span)

    money_with_currency = money

    @_rule
    def percent(self, span: Span, c: list[Token]) -> ast.PercentLit:
        text = str(c[0])
        return ast.PercentLit(Fraction(Decimal(text[:-1])) / 100, text, span)

    @_rule
    def duration(self, span: Span, c: list[Token]) -> ast.DurationLit:
        text = str(c[0])
        parts = _DURATION_PART.findall(text)
        units = [unit for _, unit in parts if unit != "bd"]
        business = [n for n, unit in parts if unit == "bd"]
        if len(business) > 1:
            self._fail(
                f"the unit `bd` of duration `{text}` is repeated",
                span,
                hint="write business days once: `3bd`",
            )
        if units != [u for u in "wdhms" if u in units]:
            self._fail(
                f"the units of duration `{text}` are out of order or repeated",
                span,
                hint="write units from largest to smallest, each once: `1d2h30m`",
            )
        # through Decimal: int() refuses strings of over 4,300 digits; the checker bounds it
        seconds = sum(int(Decimal(n)) * _DURATION_UNITS[u] for n, u in parts if u != "bd")
        days = int(Decimal(business[0])) if business else None
        return ast.DurationLit(seconds, text, span, business_days=days)

    @_rule
    def date(self, span: Span, c: list[Token]) -> ast.DateLit:
        text = str(c[0])
        year, month, day = (int(p) for p in text.split("-"))
        return ast.DateLit(year, month, day, text, span)

    @_rule
    def time(self, span: Span, c: list[Token]) -> ast.TimeLit:
        text = str(c[0])
        hour, minute = (int(p) for p in text.split(":"))
        return ast.TimeLit(hour, minute, text, span)

    @_raw
    def bool_lit(self, span: Span, c: list[Token]) -> ast.BoolLit:
        return ast.BoolLit(str(c[0]) == "true", span)

    @_raw
    def clock_24x7(self, span: Span, c: list[Token]) -> ast.Name:
        return ast.Name("24x7", span)

    @_raw
    def _word(self, span: Span, c: list[Token]) -> _Tagged:
        """A keyword or operator whose text is the value (`<=`, `mean`, `breached`)."""
        return _Tagged("word", str(c[-1]), span)

    compare_op = agg_fn = verdict = _word

    @_raw
    def periods(self, span: Span, c: list[Token]) -> _Tagged:
        return _Tagged("periods", None, span)

    @_raw
    def first(self, span: Span, c: list[Token]) -> _Tagged:
        return _Tagged("first", True, span)

    # ------------------------------------------------------------------ header

    @_rule
    def policy_decl(self, span: Span, c: list[Any]) -> ast.PolicyDecl:
        return ast.PolicyDecl(c[0], span)

    @_rule
    def provider_decl(self, span: Span, c: list[Any]) -> ast.ProviderDecl:
        return ast.ProviderDecl(c[0], span)

    @_rule
    def customer_decl(self, span: Span, c: list[Any]) -> ast.CustomerDecl:
        return ast.CustomerDecl(c[0], span)

    @_rule
    def effective_decl(self, span: Span, c: list[Any]) -> ast.EffectiveDecl:
        return ast.EffectiveDecl(c[0], span)

    @_rule
    def timezone_decl(self, span: Span, c: list[Any]) -> ast.TimezoneDecl:
        return ast.TimezoneDecl(c[0], span)

    @_rule
    def currency_decl(self, span: Span, c: list[Any]) -> ast.CurrencyDecl:
        return ast.CurrencyDecl(c[0], span)

    @_raw
    def fee_per(self, span: Span, c: list[Token]) -> _Tagged:
        return _Tagged("per", str(c[-1]), span)

    @_rule
    def fee_from(self, span: Span, c: list[Any]) -> _Tagged:
        return _Tagged("from", c[0], span)

    @_rule
    def fee_decl(self, span: Span, c: list[Any]) -> ast.FeeDecl:
        tags = {t.tag: t.value for t in c[1:]}
        return ast.FeeDecl(c[0], tags.get("per"), tags.get("from"), span)

    @_rule
    def period_decl(self, span: Span, c: list[Any]) -> ast.PeriodDecl:
        return ast.PeriodDecl(c[0], span)

    @_rule
    def at_risk_decl(self, span: Span, c: list[Any]) -> ast.AtRiskDecl:
        return ast.AtRiskDecl(c[0], span)

    # ------------------------------------------------------------------ calendars

    @_rule
    def calendar_decl(self, span: Span, c: list[Any]) -> ast.CalendarDecl:
        return ast.CalendarDecl(c[0], tuple(c[1:]), span)

    @_rule
    def open_clause(self, span: Span, c: list[Any]) -> ast.OpenClause:
        days = tuple(x for x in c if isinstance(x, ast.DayRange))
        windows = tuple(x for x in c if isinstance(x, ast.TimeWindow))
        return ast.OpenClause(days, windows, span)

    @_rule
    def day_range(self, span: Span, c: list[Any]) -> ast.DayRange:
        return ast.DayRange(c[0], c[1] if len(c) > 1 else None, span)

    @_rule
    def window(self, span: Span, c: list[Any]) -> ast.TimeWindow:
        return ast.TimeWindow(c[0], c[1], span)

    @_rule
    def holidays_subdivision(self, span: Span, c: list[Any]) -> _Tagged:
        return _Tagged("subdivision", c[0], span)

    @_rule
    def holidays_except(self, span: Span, c: list[Any]) -> _Tagged:
        return _Tagged("except", tuple(c), span)

    @_rule
    def holidays_clause(self, span: Span, c: list[Any]) -> ast.HolidaysClause:
        tags = {t.tag: t.value for t in c[1:]}
        return ast.HolidaysClause(c[0], tags.get("subdivision"), tags.get("except", ()), span)

    @_rule
    def closed_clause(self, span: Span, c: list[Any]) -> ast.ClosedClause:
        return ast.ClosedClause(tuple(c), span)

    # ------------------------------------------------------------------ tiers, data

    @_rule
    def tier_coverage(self, span: Span, c: list[Any]) -> _Tagged:
        return _Tagged("coverage", c[0], span)

    @_rule
    def tier_decl(self, span: Span, c: list[Any]) -> ast.TierDecl:
        label = next((x for x in c[1:] if isinstance(x, ast.StringLit)), None)
        coverage = next((x.value for x in c[1:] if isinstance(x, _Tagged)), None)
        return ast.TierDecl(c[0], label, coverage, span)

    @_rule
    def dataset_by(self, span: Span, c: list[Any]) -> _Tagged:
        return _Tagged("by", c[0], span)

    @_rule
    def field_decl(self, span: Span, c: list[Any]) -> ast.FieldDecl:
        return ast.FieldDecl(c[0], c[1], span)

    @_rule
    def dataset_decl(self, span: Span, c: list[Any]) -> ast.DatasetDecl:
        anchor = next((x.value for x in c[1:] if isinstance(x, _Tagged)), None)
        fields = tuple(x for x in c[1:] if isinstance(x, ast.FieldDecl))
        return ast.DatasetDecl(c[0], anchor, fields, span)

    @_rule
    def pause_reason(self, span: Span, c: list[Any]) -> _Tagged:
        return _Tagged("reason", c[0], span)

    @_rule
    def pause_decl(self, span: Span, c: list[Any]) -> ast.PauseDecl:
        names = [x for x in c if isinstance(x, ast.Name)]
        statuses = tuple(x for x in c if isinstance(x, ast.StringLit))
        reason = next((x.value for x in c if isinstance(x, _Tagged)), None)
        dataset, status = (names[0], names[1]) if len(names) == 2 else (None, names[0])
        return ast.PauseDecl(dataset, status, statuses, reason, span)

    # ------------------------------------------------------------------ targets

    @_rule
    def owner_clause(self, span: Span, c: list[Any]) -> _Tagged:
        return _Tagged("owner", c[0], span)

    @_rule
    def scope_where(self, span: Span, c: list[Any]) -> _Tagged:
        return _Tagged("where", c[0], span)

    @_rule
    def scope_by(self, span: Span, c: list[Any]) -> _Tagged:
        return _Tagged("by", c[0], span)

    @_rule
    def scope_clause(self, span: Span, c: list[Any]) -> _Tagged:
        parts = {t.tag: t.value for t in c[1:]}
        return _Tagged("of", (c[0], parts.get("where"), parts.get("by")), span)

    @_rule
    def measure_name(self, span: Span, c: list[Any]) -> ast.MeasureName:
        return ast.MeasureName(c[0], span)

    @_rule
    def time_between(self, span: Span, c: list[Any]) -> ast.TimeBetween:
        return ast.TimeBetween(c[0], c[1], span)

    @_rule
    def aggregate_measure(self, span: Span, c: list[Any]) -> ast.AggregateMeasure:
        return ast.AggregateMeasure(c[0].value, c[1], span)

    @_rule
    def count_measure(self, span: Span, c: list[Any]) -> ast.AggregateMeasure:
        return ast.AggregateMeasure("count", None, span)

    @_rule
    def measure_clock(self, span: Span, c: list[Any]) -> _Tagged:
        return _Tagged("on", c[0], span)

    @_rule
    def pause_reasons(self, span: Span, c: list[Any]) -> _Tagged:
        return _Tagged("reasons", tuple(c), span)

    @_rule
    def measure_excluding(self, span: Span, c: list[Any]) -> _Tagged:
        reasons = c[0].value if c else None
        return _Tagged("excluding", ast.PauseExclusion(reasons, span), span)

    @_rule
    def measure_clause(self, span: Span, c: list[Any]) -> _Tagged:
        options = self._unique(c[1:], "measure")
        clock = options.get("on")
        excluding = options.get("excluding")
        measure = ast.Measure(
            c[0],
            clock.value if clock else None,
            excluding.value if excluding else None,
            span,
        )
        return _Tagged("measure", measure, span)

    @_rule
    def require_clause(self, span: Span, c: list[Any]) -> _Tagged:
        return _Tagged("require", c[0], span)

    @_rule
    def percent_within(self, span: Span, c: list[Any]) -> ast.PercentWithin:
        return ast.PercentWithin(c[0], c[1], span)

    @_rule
    def all_within(self, span: Span, c: list[Any]) -> ast.AllWithin:
        return ast.AllWithin(c[0], span)

    @_rule
    def percentile_objective(self, span: Span, c: list[Any]) -> ast.PercentileObjective:
        return ast.PercentileObjective(c[0], c[1].value, c[2], span)

    @_rule
    def aggregate_objective(self, span: Span, c: list[Any]) -> ast.AggregateObjective:
        return ast.AggregateObjective(c[0].value, c[1].value, c[2], span)

    @_rule
    def count_objective(self, span: Span, c: list[Any]) -> ast.AggregateObjective:
        return ast.AggregateObjective("count", c[0].value, c[1], span)

    @_rule
    def value_objective(self, span: Span, c: list[Any]) -> ast.ValueObjective:
        return ast.ValueObjective(c[0].value, c[1], span)

    @_rule
    def rate_objective(self, span: Span, c: list[Any]) -> ast.RateObjective:
        return ast.RateObjective(c[0], c[1], span)

    @_raw
    def every_clause(self, span: Span, c: list[Token]) -> _Tagged:
        unit: Literal["quarter", "year"] = "quarter" if str(c[-1]) == "quarter" else "year"
        return _Tagged("every", ast.TargetPeriod(unit, span), span)

    @_raw
    def no_data_clause(self, span: Span, c: list[Token]) -> _Tagged:
        counts_as: Literal["met", "breached"] = "met" if str(c[-1]) == "met" else "breached"
        return _Tagged("no data", ast.NoDataRule(counts_as, span), span)

    def _unique(self, clauses: list[_Tagged], where: str) -> dict[str, _Tagged]:
        seen: dict[str, _Tagged] = {}
        for clause in clauses:
            if clause.tag in seen:
                first = seen[clause.tag].span
                self._fail(
                    f"`{clause.tag}` is given twice in this {where}",
                    clause.span,
                    hint=f"the first `{clause.tag}` is at line {first.line}; keep one",
                )
            seen[clause.tag] = clause
        return seen

    @_rule
    def target_decl(self, span: Span, c: list[Any]) -> ast.TargetDecl:
        title = c[1] if len(c) > 1 and isinstance(c[1], ast.StringLit) else None
        clauses = self._unique([x for x in c[1:] if isinstance(x, _Tagged)], "target")
        scope = clauses["of"].value if "of" in clauses else (None, None, None)
        return ast.TargetDecl(
            name=c[0],
            title=title,
            owner=clauses["owner"].value if "owner" in clauses else None,
            dataset=scope[0],
            where=scope[1],
            by=scope[2],
            measure=clauses["measure"].value if "measure" in clauses else None,
            objective=clauses["require"].value if "require" in clauses else None,
            span=span,
            every=clauses["every"].value if "every" in clauses else None,
            no_data=clauses["no data"].value if "no data" in clauses else None,
        )

    # ------------------------------------------------------------------ escalation

    @_rule
    def step_after(self, span: Span, c: list[Any]) -> ast.EscalationStep:
        return ast.EscalationStep(c[0], c[1], span)

    @_rule
    def step_fraction(self, span: Span, c: list[Any]) -> ast.EscalationStep:
        at = ast.PercentOf(c[0], c[1], _span_of([c[0], c[1]], self.path))
        return ast.EscalationStep(at, c[2], span)

    @_rule
    def after_hours(self, span: Span, c: list[Any]) -> ast.AfterHoursClause:
        return ast.AfterHoursClause(c[0], c[1], len(c) > 2, span)

    @_rule
    def escalation_decl(self, span: Span, c: list[Any]) -> ast.EscalationDecl:
        scope = self._unique([x for x in c[1:] if isinstance(x, _Tagged)], "escalation")
        dataset, where, by = scope["of"].value if "of" in scope else (None, None, None)
        if by is not None:
            self._fail(
                "an escalation takes no `by`",
                by.span,
                hint="escalations look at open records as of now, not at periods",
            )
        return ast.EscalationDecl(
            c[0],
            dataset,
            where,
            tuple(x for x in c[1:] if isinstance(x, ast.EscalationStep)),
            tuple(x for x in c[1:] if isinstance(x, ast.AfterHoursClause)),
            span,
        )

    # ------------------------------------------------------------------ consequences

    @_rule
    def percent_of_fee(self, span: Span, c: list[Any]) -> ast.PercentOfFee:
        return ast.PercentOfFee(c[0], span)

    @_rule
    def credit_tier(self, span: Span, c: list[Any]) -> ast.CreditTier:
        return ast.CreditTier(c[0], c[1], len(c) > 2, span)

    @_rule
    def credit_decl(self, span: Span, c: list[Any]) -> ast.CreditDecl:
        return ast.CreditDecl(c[0], tuple(c[1:]), span)

    @_rule
    def bonus_tier(self, span: Span, c: list[Any]) -> ast.BonusTier:
        return ast.BonusTier(c[0], c[1], len(c) > 2, span)

    @_rule
    def bonus_decl(self, span: Span, c: list[Any]) -> ast.BonusDecl:
        return ast.BonusDecl(c[0], tuple(c[1:]), span)

    @_rule
    def exit_when(self, span: Span, c: list[Any]) -> _Tagged:
        return _Tagged("when", c[0], span)

    @_rule
    def exit_notice(self, span: Span, c: list[Any]) -> _Tagged:
        return _Tagged("notice", c[0], span)

    @_rule
    def exit_decl(self, span: Span, c: list[Any]) -> ast.ExitDecl:
        clauses = self._unique(c[1:], "exit rule")
        when = clauses.get("when")
        notice = clauses.get("notice")
        return ast.ExitDecl(
            c[0],
            when.value if when else None,
            notice.value if notice else None,
            span,
        )

    @_raw
    def cap_per(self, span: Span, c: list[Token]) -> _Tagged:
        return _Tagged("per", " ".join(str(t) for t in c[1:]), span)

    @_rule
    def cap_decl(self, span: Span, c: list[Any]) -> ast.CapDecl:
        return ast.CapDecl(c[0], c[1].value if len(c) > 1 else None, span)

    @_rule
    def earn_back_decl(self, span: Span, c: list[Any]) -> ast.EarnBackDecl:
        return ast.EarnBackDecl(c[0], self._int(c[1], "a number of periods"), span)

    # maintenance windows and `once` (issue 13)

    @_rule
    def maintenance_limit(self, span: Span, c: list[Any]) -> _Tagged:
        return _Tagged("limit", c[0], span)

    @_rule
    def maintenance_notice(self, span: Span, c: list[Any]) -> _Tagged:
        return _Tagged("notice", c[0], span)

    @_rule
    def maintenance_decl(self, span: Span, c: list[Any]) -> ast.MaintenanceDecl:
        clauses = {t.tag: t.value for t in c}
        return ast.MaintenanceDecl(clauses.get("limit"), clauses.get("notice"), span)

    @_raw
    def once(self, span: Span, c: list[Token]) -> _Tagged:
        return _Tagged("once", True, span)

    @_rule
    def all_targets(self, span: Span, c: list[Any]) -> _Tagged:
        return _Tagged("all targets", None, span)

    @staticmethod
    def _subject(value: object) -> ast.Name | None:
        return value if isinstance(value, ast.Name) else None

    @_rule
    def value_condition(self, span: Span, c: list[Any]) -> ast.ValueCondition:
        return ast.ValueCondition(c[0], c[1].value, c[2], span)

    @_rule
    def verdict_condition(self, span: Span, c: list[Any]) -> ast.VerdictCondition:
        return ast.VerdictCondition(self._subject(c[0]), c[1].value, span)

    @_rule
    def in_last_condition(self, span: Span, c: list[Any]) -> ast.InLastCondition:
        return ast.InLastCondition(
            self._subject(c[0]),
            c[1].value,
            self._int(c[2], "a count of periods"),
            self._int(c[3], "a number of periods"),
            span,
        )

    @_rule
    def consecutive_condition(self, span: Span, c: list[Any]) -> ast.ConsecutiveCondition:
        return ast.ConsecutiveCondition(
            self._subject(c[0]), c[1].value, self._int(c[2], "a count of periods"), span
        )

    @_rule
    def breach_count_condition(self, span: Span, c: list[Any]) -> ast.BreachCountCondition:
        return ast.BreachCountCondition(
            self._int(c[0], "a count of breaches"), self._int(c[1], "a number of periods"), span
        )

    @_rule
    def cond_or(self, span: Span, c: list[Any]) -> ast.AnyOf:
        return self._nested(ast.AnyOf(_flatten(c, ast.AnyOf), span), c)  # type: ignore[no-any-return]

    @_rule
    def cond_and(self, span: Span, c: list[Any]) -> ast.AllOf:
        return self._nested(ast.AllOf(_flatten(c, ast.AllOf), span), c)  # type: ignore[no-any-return]

    @_rule
    def cond_atom(self, span: Span, c: list[Any]) -> ast.Condition:
        """``( condition )``: the parentheses are not part of the tree."""
        return c[0]  # type: ignore[no-any-return]

    # ------------------------------------------------------------------ expressions

    @_rule
    def or_expr(self, span: Span, c: list[Any]) -> ast.Or:
        return self._nested(ast.Or(_flatten(c, ast.Or), span), c)  # type: ignore[no-any-return]

    @_rule
    def and_expr(self, span: Span, c: list[Any]) -> ast.And:
        return self._nested(ast.And(_flatten(c, ast.And), span), c)  # type: ignore[no-any-return]

    @_rule
    def not_expr(self, span: Span, c: list[Any]) -> ast.Not:
        return self._nested(ast.Not(c[0], span), c)  # type: ignore[no-any-return]

    @_rule
    def atom_expr(self, span: Span, c: list[Any]) -> ast.Expr:
        """``( expr )``: the parentheses are not part of the tree."""
        return c[0]  # type: ignore[no-any-return]

    @_rule
    def compare(self, span: Span, c: list[Any]) -> ast.Compare:
        return ast.Compare(c[0], c[1].value, c[2], span)

    @_rule
    def value_list(self, span: Span, c: list[Any]) -> _Tagged:
        return _Tagged("list", tuple(x for x in c if x is not None), span)

    @_rule
    def in_list(self, span: Span, c: list[Any]) -> ast.InList:
        return ast.InList(c[0], c[1].value, False, span)

    @_rule
    def not_in_list(self, span: Span, c: list[Any]) -> ast.InList:
        return ast.InList(c[0], c[1].value, True, span)

    @_rule
    def is_set(self, span: Span, c: list[Any]) -> ast.IsSet:
        return ast.IsSet(c[0], False, span)

    @_rule
    def is_not_set(self, span: Span, c: list[Any]) -> ast.IsSet:
        return ast.IsSet(c[0], True, span)

    @_rule
    def is_open(self, span: Span, c: list[Any]) -> ast.IsOpen:
        return ast.IsOpen(span)

    @_rule
    def truthy(self, span: Span, c: list[Any]) -> ast.Expr:
        operand = c[0]
        if isinstance(operand, ast.Name | ast.BoolLit):
            return operand
        kind = type(operand).__name__.removesuffix("Lit").lower()
        self._fail(
            f"a {kind} is not a condition",
            operand.span,
            hint="compare it with a field: `field <= value`",
        )


def _flatten(children: list[Any], kind: type[Any]) -> tuple[Any, ...]:
    out: list[Any] = []
    for child in children:
        if isinstance(child, kind):
            out.extend(child.operands)
        else:
            out.append(child)
    return tuple(out)


# --------------------------------------------------------------------------- completion


def expected_next(prefix: str) -> frozenset[str] | None:
    """What may come after ``prefix`` (policy text up to an editor's cursor): keywords and
    punctuation as written (``measure``, ``{``), other tokens by kind (``NAME``, ``STRING``,
    ``DURATION``, ``$END``); None when ``prefix`` already fails to parse. The language
    server's completion asks this, so it offers what the grammar accepts and nothing else.

    >>> sorted(expected_next("target t {\\n  measure ") or [])
    ['ESCAPED_NAME', 'NAME', 'count', 'mean', 'sum', 'time']
    """
    words = {t.name: str(t.pattern.value) for t in _lark().terminals if t.pattern.type == "str"}
    reset = _STATE.set(_ParseState("<memory>"))
    try:
        interactive = _lark().parse_interactive(normalize_newlines(prefix))
        interactive.exhaust_lexer()
        accepted: set[str] = interactive.accepts()  # type: ignore[no-untyped-call]
    except (UnexpectedInput, ParseError):
        return None
    finally:
        _STATE.reset(reset)
    return frozenset(words.get(name, name) for name in accepted)
