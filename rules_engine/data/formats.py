"""Reading data files into raw tables, before any typing: one strict reader per format.

A raw table has the file's columns as text (native types for Parquet) plus ``__row__``:
the row to report, which is the line for JSON Lines, the physical line a record starts
on for CSV, and the record's position otherwise. Every reader applies the same rules
(:mod:`rules_engine.data.records`): a key given twice, a value of the wrong JSON type, a
near-miss field name, nesting too deep are located errors, and a file is read only if
it is a regular file within the size limit, counted after decompression.
"""

from __future__ import annotations

import csv
import io
import json
import os
import re
import stat
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import polars as pl
import yaml

from rules_engine.data.dtypes import DatasetSpec
from rules_engine.data.issues import IssueLog
from rules_engine.data.records import (
    DECODER,
    MAX_DEPTH,
    ROW,
    Number,
    Object,
    Problem,
    near_miss,
    record_problems,
    records_frame,
    report,
)

__all__ = ["ROW", "Format", "SourceFile", "Unreadable", "describe", "read_bytes", "read_raw"]

Format = Literal["json", "jsonl", "yaml", "csv", "parquet"]

EXTENSIONS: dict[str, Format] = {
    ".json": "json",
    ".jsonl": "jsonl",
    ".ndjson": "jsonl",
    ".yaml": "yaml",
    ".yml": "yaml",
    ".csv": "csv",
    ".parquet": "parquet",
    ".pq": "parquet",
}

# Whole-document formats are parsed in memory by Python: refuse sizes that cannot work
# before reading a byte. Line formats stream through Polars and have a higher ceiling.
MAX_BYTES: dict[Format, int] = {
    "json": 512 * 2**20,
    "yaml": 64 * 2**20,
    "jsonl": 8 * 2**30,
    "csv": 8 * 2**30,
    "parquet": 8 * 2**30,
}
MAX_GZIP_BYTES = 4 * 2**30
"""Decompressed ceiling for any gzip file, whatever its format allows."""
_SNIFF = 64 * 1024


LOADER_RULES: tuple[str, ...] = (
    "Only regular files are read: a folder named like a data file (`tickets.jsonl/`), a pipe, "
    "a device or `/dev/null` is an error, and reading one never blocks.",
    "Size limits count the content after decompression and are enforced while reading: JSON "
    "512 MiB, YAML 64 MiB, JSON Lines, CSV and Parquet 8 GiB, any gzip-compressed file 4 GiB.",
    "A gzip file may hold several members (`cat a.gz b.gz > tickets.jsonl.gz`); all are read. "
    "Bytes after the last member, or a stream cut short, are an error naming the byte offset.",
    "A key given twice in one object is an error naming the row and the key (and the line, "
    "in YAML), in JSON, JSON Lines and YAML, inside list items too.",
    "A JSON value must have its field's type: a string for text, timestamps, dates and "
    "durations, a number for numbers, `true`/`false` for booleans, an array of objects for "
    "list fields. An id or priority written as a number, an array where one value belongs, "
    "`NaN` or `Infinity` is an error; nothing is turned into text silently.",
    "Numbers are kept as the digits written, never read through binary floating point; a "
    "JSON Lines number too long for the bulk reader is an error at its line.",
    "A key or CSV header that differs from a known field only in case, `_`, `-` or spaces "
    "(`Resolved_At`, `resolvedAt`, `resolved-at`) is an error that names the field it "
    "probably means.",
    "Every other unknown key counts, wherever in the file it first appears: its column is "
    "kept as text, with a warning.",
    "An item of a list field (a pause, a status change, an escalation) may only have that "
    "item's keys; any other key is an error.",
    f"Records nest at most {MAX_DEPTH} levels deep.",
    "JSON Lines: one object per line; blank lines are skipped; a line that is not JSON, or "
    "not an object, is an error at its line.",
    "YAML: every plain scalar is text, so `0012` stays `0012` and `2026-02-30` is checked "
    "(and refused) as a timestamp; only `null`, `~` and an empty value are null. Anchors "
    "and aliases are refused with their line.",
    "CSV: every row has as many fields as the header (a short row is an error, never filled "
    "with nulls); an unclosed quote or bytes that are not UTF-8 are an error naming the "
    "line; a record is reported at the line it starts on, even when a quoted field spans "
    "lines; blank lines are skipped.",
    "CSV header: a name given twice, or an empty one, is an error; spaces around a name are "
    "removed, with a warning.",
    "Parquet: a binary column is text only if it holds UTF-8.",
)
"""What the readers refuse, one rule per line (the data reference lists them)."""


class Unreadable(Exception):
    """The file cannot be read at all; the message names the problem, ``hint`` the fix."""

    def __init__(self, message: str, hint: str | None = None) -> None:
        super().__init__(message)
        self.hint = hint


@dataclass(frozen=True)
class SourceFile:
    path: Path
    dataset: str
    format: Format
    gzipped: bool


def describe(path: Path, dataset: str | None = None) -> SourceFile:
    """The dataset and format of a file from its name (``tickets.jsonl.gz``)."""
    name = path.name
    gzipped = name.lower().endswith(".gz")
    if gzipped:
        name = name[:-3]
    stem, ext = os.path.splitext(name)
    fmt = EXTENSIONS.get(ext.lower())
    if fmt is None:
        known = ", ".join(sorted(EXTENSIONS))
        raise Unreadable(
            f"unknown data format `{ext or name}`",
            f"name files by dataset and format, e.g. tickets.jsonl ({known}, optionally .gz)",
        )
    return SourceFile(path, dataset or stem, fmt, gzipped)


def size_limit(src: SourceFile) -> int:
    """The most bytes the file may hold, decompressed."""
    limit = MAX_BYTES[src.format]
    return min(limit, MAX_GZIP_BYTES) if src.gzipped else limit


def _size_text(n: int) -> str:
    return f"{n / 2**30:.1f} GiB" if n >= 2**30 else f"{n / 2**20:.0f} MiB"


def _over_limit(src: SourceFile, size: int | None) -> Unreadable:
    limit = size_limit(src)
    if size is None:
        message = (
            f"decompressed content is over the {_size_text(limit)} limit for {src.format}"
            " (the limit counts bytes after decompression)"
        )
    else:
        message = f"file is {_size_text(size)}, over the {_size_text(limit)} limit for {src.format}"
    return Unreadable(
        message, "split the file, or convert it to JSON Lines or Parquet, which are read in bulk"
    )


def open_regular(path: Path) -> io.BufferedReader:
    """Open a data file for reading, refusing anything but a regular file (a FIFO, a
    device, ``/dev/null``, a folder) without blocking on it."""
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
    except IsADirectoryError:
        raise Unreadable("is a folder, not a data file", "name the file itself") from None
    try:
        mode = os.fstat(fd).st_mode
        if stat.S_ISDIR(mode):
            raise Unreadable("is a folder, not a data file", "give the path of a data file")
        if not stat.S_ISREG(mode):
            raise Unreadable(
                "is not a regular file (a device, pipe or socket cannot be read as data)",
                "give the path of a data file",
            )
        if hasattr(os, "set_blocking"):
            os.set_blocking(fd, True)
        return open(fd, "rb", closefd=True)
    except BaseException:
        os.close(fd)
        raise


def read_bytes(src: SourceFile) -> bytes:
    """The (decompressed) content, refusing binary junk before reading it all. A gzip
    file may hold several members (``cat a.gz b.gz``); bytes after the last member, and
    content past the size limit, are refused while streaming."""
    with open_regular(src.path) as fh:
        size = os.fstat(fh.fileno()).st_size
        if not src.gzipped and size > size_limit(src):
            raise _over_limit(src, size)
        if size == 0:
            raise Unreadable(
                "file is empty", "a dataset with no records needs `[]` (JSON) or a header (CSV)"
            )
        head = fh.read(_SNIFF)
        if src.gzipped:
            if not head.startswith(b"\x1f\x8b"):
                raise Unreadable("not a gzip file", "remove the .gz suffix or compress the file")
        elif src.format != "parquet":
            _sniff_text(head, src.format)
        fh.seek(0)
        if not src.gzipped:
            return fh.read()
        out = _gunzip(fh, size_limit(src), src)
    if not out:
        raise Unreadable("file is empty once decompressed", None)
    if src.format != "parquet":
        _sniff_text(bytes(out[:_SNIFF]), src.format)
    return bytes(out)


def _gunzip(fh: io.BufferedReader, limit: int, src: SourceFile) -> bytearray:
    out = bytearray()
    decompressor = zlib.decompressobj(16 + zlib.MAX_WBITS)
    offset = 0  # compressed bytes before the current member
    sniffed = False
    pending = b""
    try:
        while True:
            chunk = pending or fh.read(1 << 20)
            pending = b""
            if not chunk:
                break
            data = chunk
            while data:
                room = limit - len(out) + 1
                out += decompressor.decompress(data, room)
                if not sniffed and len(out) >= _SNIFF:  # binary junk: refuse it early
                    sniffed = True
                    if src.format != "parquet":
                        _sniff_text(bytes(out[:_SNIFF]), src.format)
                if len(out) > limit:
                    raise _over_limit(src, None)
                data = decompressor.unconsumed_tail
            if decompressor.eof:
                rest = decompressor.unused_data
                offset += len(chunk) - len(rest)
                if len(rest) < 2:
                    rest += fh.read(1 << 20)
                    if not rest:
                        return out
                if not rest.startswith(b"\x1f\x8b"):
                    raise Unreadable(
                        f"unexpected bytes after the gzip data, at byte {offset}",
                        "the file is damaged or has something appended; re-create it",
                    )
                decompressor = zlib.decompressobj(16 + zlib.MAX_WBITS)
                pending = rest
            else:
                offset += len(chunk)
    except zlib.error as exc:
        raise Unreadable(f"corrupt gzip data: {exc}", "re-create the archive") from None
    if not decompressor.eof:
        raise Unreadable(
            "truncated gzip file (the compressed stream ends early)",
            "the download or copy was cut short; fetch the file again",
        )
    return out


def _sniff_text(head: bytes, fmt: Format) -> None:
    if b"\x00" in head:
        raise Unreadable(
            f"file holds binary data (NUL bytes), not {fmt}",
            "check the file name's extension matches its content",
        )
    try:
        head.decode("utf-8")
    except UnicodeDecodeError as exc:
        if exc.start < len(head) - 4:  # a multi-byte character cut by the sniff is fine
            raise Unreadable(
                f"file is not UTF-8 text (bad byte at offset {exc.start})",
                "re-export the file as UTF-8",
            ) from None


# ----------------------------------------------------------------------------- readers


def read_raw(src: SourceFile, spec: DatasetSpec, log: IssueLog) -> pl.DataFrame:
    """The raw table of one file, or :class:`Unreadable`. Records that break a rule are
    reported to ``log`` with their row and left out."""
    file = str(src.path)
    if src.format == "parquet" and not src.gzipped:
        with open_regular(src.path) as fh:  # Polars maps the file itself
            size = os.fstat(fh.fileno()).st_size
        if size > size_limit(src):
            raise _over_limit(src, size)
        return _read_parquet(src.path, file, log)
    data = read_bytes(src)
    if src.format == "parquet":
        return _read_parquet(io.BytesIO(data), file, log)
    if src.format == "jsonl":
        return _read_jsonl(data, file, spec, log)
    if src.format == "csv":
        return _read_csv(data, file, spec, log)
    if src.format == "json":
        return _read_json(data, file, src.dataset, spec, log)
    return _read_yaml(data, file, src.dataset, spec, log)


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return text[0] if text else type(exc).__name__


# ----------------------------------------------------------------------------- Parquet


def _read_parquet(source: Path | io.BytesIO, file: str, log: IssueLog) -> pl.DataFrame:
    try:
        frame = pl.read_parquet(source)
    except Exception as exc:  # polars raises several kinds for a corrupt file
        raise Unreadable(
            f"not a readable Parquet file: {_first_line(exc)}", "re-export the file"
        ) from None
    return parquet_frame(frame, file, log)


def parquet_frame(frame: pl.DataFrame, file: str, log: IssueLog) -> pl.DataFrame:
    """A table read from Parquet, numbered by row and with its byte columns as UTF-8 text
    (each value that is not reported where it is); a partition of a shared dataset
    (:mod:`rules_engine.data.partitioned`) is read through here too."""
    frame = frame.with_row_index(ROW, offset=1).with_columns(pl.col(ROW).cast(pl.Int64))
    binary = [name for name, dtype in frame.schema.items() if dtype == pl.Binary]
    refused = pl.zeros(len(frame), dtype=pl.Boolean, eager=True)
    for name in binary:  # bytes are text only if they are UTF-8
        try:
            text = frame[name].cast(pl.String)
        except Exception:
            values: list[str | None] = []
            for row, value in zip(frame[ROW].to_list(), frame[name].to_list(), strict=True):
                try:
                    values.append(None if value is None else value.decode("utf-8"))
                except UnicodeDecodeError:
                    values.append(None)
                    log.error(
                        file,
                        "value is bytes that are not UTF-8 text",
                        row=int(row),
                        field=name,
                        shown=repr(value[:20]),
                        hint="store text columns as UTF-8 strings",
                    )
            text = pl.Series(name, values, pl.String)
            refused = refused | (text.is_null() & frame[name].is_not_null())
        frame = frame.with_columns(text.alias(name))
    if refused.any():  # reported once, here, not again as an empty required field
        frame = frame.filter(~refused)
    return frame


# ----------------------------------------------------------------------------- JSON Lines

# One token of a JSON line: a key (a string followed by `:`), any other string, a
# bracket, a number, a word (true, false, null; anything else is not JSON). Scanning
# from the left, every string is matched from its opening quote, so the tokens of a
# valid line are exact; commas and spaces are skipped.
_TOKEN = r'"(?:[^"\\]|\\.)*"(?:\s*:)?|[\[\]{}]|-?[0-9][0-9.eE+\-]*|[A-Za-z]+'


def _read_jsonl(data: bytes, file: str, spec: DatasetSpec, log: IssueLog) -> pl.DataFrame:
    """JSON Lines through one reader: Polars parses every line, after a check that each
    line obeys the rules JSON and YAML documents obey (:func:`record_problems`).

    The check has two tiers, both exact. Most lines match :func:`_plain_pattern`, a
    regular expression that only matches an object whose keys are distinct (each
    appears in one slot, in the order of the file's first line), known or scalar, with
    values of the right JSON type: such a line breaks no rule. Every other line is cut
    into tokens and its *shape* (keys, brackets, value types; string contents and digits
    blanked) is checked once per distinct shape; the rules depend on nothing a shape
    blanks, so a line passes exactly when its shape does. A line that fails is parsed on
    its own to report its real values, and left out. Numbers are taken as written,
    never through float."""
    if data.lstrip()[:1] == b"[":
        return _read_json(data, file, None, spec, log)
    numbers, lines, exact = _lines(data, file, log)
    if not len(lines):
        if log.errors:
            return _empty_raw(spec)
        raise Unreadable("no records in the file", "JSON Lines holds one JSON object per line")
    number_fields = [c.name for c in spec.columns if c.kind == "number"]
    plain, order = _plain_lines(lines, spec)
    extra: dict[str, None] = dict.fromkeys(k for k in order if spec.column(k) is None)
    texts = {
        name: lines.str.extract(rf'"{re.escape(name)}"{_WS}:{_WS}({_NUMBER})', 1).zip_with(
            plain, pl.Series([None], dtype=pl.String)
        )
        for name in number_fields
    }
    good = pl.Series([True] * len(lines), dtype=pl.Boolean)
    others = (~plain).arg_true()
    if len(others):
        other_lines = lines.gather(others)
        tokens = other_lines.str.extract_all(_TOKEN)
        shape = _shapes(tokens)
        verdicts = {s: _shape_verdict(s, spec, number_fields) for s in shape.unique().to_list()}
        for verdict in verdicts.values():
            if verdict.keys is not None:
                extra.update(dict.fromkeys(k for k in verdict.keys if spec.column(k) is None))
        bad = shape.replace_strict(
            {s: v.keys is None for s, v in verdicts.items()}, return_dtype=pl.Boolean
        )
        for number, line in zip(
            numbers.gather(others).filter(bad).to_list(),
            other_lines.filter(bad).to_list(),
            strict=True,
        ):
            _report_line(file, number, line, spec, log)
        good = good.scatter(others.filter(bad), False)
        for name in number_fields:
            index = shape.replace_strict(
                {s: v.number_at.get(name) for s, v in verdicts.items() if v.keys is not None},
                default=None,
                return_dtype=pl.Int64,
            )
            taken = pl.DataFrame({"t": tokens, "i": index}).select(
                pl.col("t").list.get(pl.col("i"), null_on_oob=True)
            )
            texts[name] = texts[name].scatter(others, taken.to_series())
    if not good.all():
        lines, numbers = lines.filter(good), numbers.filter(good)
        texts = {name: text.filter(good) for name, text in texts.items()}
    whole = data if exact and good.all() else None
    parsed = _parse_lines(lines, numbers, whole, file, spec, extra, log)
    if parsed is None:
        return _empty_raw(spec)
    frame, positions = parsed
    if len(positions) != len(lines):
        lines = lines.gather(positions)
        texts = {name: text.gather(positions) for name, text in texts.items()}
    frame = _escape_list_text(frame, lines, spec)
    return frame.with_columns(text.alias(name) for name, text in texts.items())


# Strict JSON pieces for the plain-line pattern. A string excludes raw control
# characters and bad escapes, so a line it matches is one Polars reads as written.
_WS = r"[ \t\r]*"
_STRING = r'"(?:[^"\\\x00-\x1f]|\\["\\/bfnrt]|\\u[0-9a-fA-F]{4})*"'
_NUMBER = r"-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?"


def _plain_lines(lines: pl.Series, spec: DatasetSpec) -> tuple[pl.Series, list[str]]:
    """Which lines match the plain-line pattern built from the first line's key order
    (all False when there is no usable first line), and that order."""
    try:
        first = DECODER.decode(lines[0])
    except (json.JSONDecodeError, RecursionError):
        first = None
    if not isinstance(first, dict) or not first or record_problems(first, spec):
        return pl.Series([False] * len(lines), dtype=pl.Boolean), []
    order = list(first)
    pattern = _plain_pattern(order, first, spec)
    if pattern is None:
        return pl.Series([False] * len(lines), dtype=pl.Boolean), []
    return lines.str.contains(pattern), order


def _plain_pattern(order: list[str], first: dict[str, Any], spec: DatasetSpec) -> str | None:
    """A regular expression matching exactly the objects whose members come in
    ``order`` (the first one present, any other absent or present once), each known
    field with a value of its JSON type (or null), each other key with a scalar. A key
    has one slot, so a line it matches has no key twice; None when a key is written in
    a way the pattern cannot pin down (an escape) or is one a list item also uses."""
    item_keys: set[str] = set()
    for listed in spec.columns:
        if isinstance(listed.dtype, pl.List):
            inner = listed.dtype.inner
            assert isinstance(inner, pl.Struct)
            if any(isinstance(f.dtype, pl.Boolean | pl.Float64) for f in inner.fields):
                return None  # items here hold only text; anything else takes the token path
            item_keys.update(f.name for f in inner.fields)
    members: list[str] = []
    for key in order:
        if not re.fullmatch(r"[A-Za-z0-9_\-. ]+", key):
            return None
        column = spec.column(key)
        if column is None:
            if key in item_keys:
                return None
            value = rf"(?:{_STRING}|{_NUMBER}|true|false|null)"
        elif isinstance(column.dtype, pl.List):
            value = _list_pattern(column.dtype, first.get(key))
        elif column.kind == "number":
            if key in item_keys:
                return None
            value = rf"(?:{_NUMBER}|null)"
        elif column.kind == "boolean":
            value = r"(?:true|false|null)"
        else:
            value = rf"(?:{_STRING}|null)"
        members.append(rf'"{re.escape(key)}"{_WS}:{_WS}{value}')
    body = members[0] + "".join(rf"(?:{_WS},{_WS}{m})?" for m in members[1:])
    return rf"^{_WS}\{{{_WS}{body}{_WS}\}}{_WS}$"


def _list_pattern(dtype: pl.List, sample: object) -> str:
    inner = dtype.inner
    assert isinstance(inner, pl.Struct)
    names = [f.name for f in inner.fields]
    if isinstance(sample, list) and sample and isinstance(sample[0], dict):
        written = [k for k in sample[0] if k in names]
        names = written + [n for n in names if n not in written]
    members = [rf'"{re.escape(n)}"{_WS}:{_WS}(?:{_STRING}|null)' for n in names]
    body = members[0] + "".join(rf"(?:{_WS},{_WS}{m})?" for m in members[1:])
    item = rf"\{{{_WS}{body}{_WS}\}}"
    return rf"(?:null|\[{_WS}(?:{item}(?:{_WS},{_WS}{item})*)?{_WS}\])"


def _shapes(tokens: pl.Series) -> pl.Series:
    """Each line's tokens with string contents blanked and numbers as 0, joined."""
    return (
        pl.DataFrame({"t": tokens})
        .select(
            pl.col("t")
            .list.eval(
                pl.when(pl.element().str.ends_with('"'))
                .then(pl.lit('""'))
                .when(pl.element().str.contains(r"^-?[0-9]"))
                .then(pl.lit("0"))
                .otherwise(pl.element())
            )
            .list.join("\x1f")
        )
        .to_series()
    )


def _escape_list_text(frame: pl.DataFrame, lines: pl.Series, spec: DatasetSpec) -> pl.DataFrame:
    """Polars writes a list it read as text without escaping control characters,
    quotes or backslashes inside strings (a pause reason with a line break or a `\\`),
    which is not JSON; those few cells are written again from the line itself."""
    escaped = lines.str.contains("\\", literal=True)
    for column in spec.columns:
        if not isinstance(column.dtype, pl.List) or column.name not in frame.columns:
            continue
        cells = frame[column.name]
        broken = (cells.is_not_null() & (escaped | cells.str.contains(r"[\x00-\x1f]"))).fill_null(
            False
        )
        if not broken.any():
            continue
        index = broken.arg_true()
        fixed = [
            json.dumps(DECODER.decode(line)[column.name], ensure_ascii=False)
            for line in lines.gather(index).to_list()
        ]
        frame = frame.with_columns(cells.scatter(index, pl.Series(fixed, dtype=pl.String)))
    return frame


@dataclass(frozen=True)
class _Verdict:
    keys: list[str] | None
    """The record's top-level keys, or None when the shape breaks a rule."""
    number_at: dict[str, int]
    """Token index of each top-level number field's value."""


def _shape_verdict(shape: str, spec: DatasetSpec, number_fields: list[str]) -> _Verdict:
    tokens = shape.split("\x1f") if shape else []
    try:
        record, _ = _build(tokens, 0, 0)
    except (_BadShape, RecursionError):
        return _Verdict(None, {})
    if record_problems(record, spec):
        return _Verdict(None, {})
    assert isinstance(record, dict)
    number_at: dict[str, int] = {}
    if number_fields:
        for index, token in enumerate(tokens):  # top-level keys sit at depth 1
            if token.endswith(":") and _depth_at(tokens, index) == 1:
                key = json.loads(token[: token.rindex('"') + 1])
                if key in number_fields and tokens[index + 1] == "0":
                    number_at[key] = index + 1
    return _Verdict(list(record), number_at)


def _depth_at(tokens: list[str], index: int) -> int:
    level = 0
    for token in tokens[:index]:
        if token in ("{", "["):
            level += 1
        elif token in ("}", "]"):
            level -= 1
    return level


class _BadShape(Exception):
    pass


def _build(tokens: list[str], i: int, level: int) -> tuple[Any, int]:
    """A value from shape tokens (strings blanked, numbers 0), as the JSON decoder would
    build it: objects keep their duplicate keys, numbers are :class:`Number`."""
    if i >= len(tokens) or level > MAX_DEPTH + 1:
        raise _BadShape
    token = tokens[i]
    if token == "{":
        obj = Object()
        i += 1
        while i < len(tokens) and tokens[i] != "}":
            key_token = tokens[i]
            if not key_token.endswith(":"):
                raise _BadShape
            key = json.loads(key_token[: key_token.rindex('"') + 1])
            value, i = _build(tokens, i + 1, level + 1)
            if key in obj:
                obj.duplicates.append((key, None))
            obj[key] = value
        return obj, i + 1
    if token == "[":
        items: list[Any] = []
        i += 1
        while i < len(tokens) and tokens[i] != "]":
            value, i = _build(tokens, i, level + 1)
            items.append(value)
        return items, i + 1
    if token == '""':
        return "", i + 1
    if token == "0":
        return Number("0"), i + 1
    if token in ("true", "false"):
        return token == "true", i + 1
    if token == "null":
        return None, i + 1
    raise _BadShape


def _lines(data: bytes, file: str, log: IssueLog) -> tuple[pl.Series, pl.Series, bool]:
    """Line numbers and text of the non-blank lines; a line that is not UTF-8 is
    reported and left out. The flag says whether every line was read as it is."""
    exact = True
    try:
        frame = pl.read_csv(
            data,
            has_header=False,
            separator="\x1f",  # never in valid JSON text: one column, the line
            quote_char=None,
            new_columns=["line"],
            infer_schema=False,
        )
        if frame.width != 1:
            raise ValueError("a line holds a control character")
        lines = frame["line"]
    except Exception:  # not UTF-8, or a stray control character: go line by line
        exact = False
        texts: list[str | None] = []
        for number, raw in enumerate(data.split(b"\n"), start=1):
            try:
                texts.append(raw.decode("utf-8").rstrip("\r"))
            except UnicodeDecodeError as exc:
                log.error(
                    file,
                    f"line is not UTF-8 text (bad byte at column {exc.start + 1})",
                    row=number,
                    hint="re-export the file as UTF-8",
                )
                texts.append(None)
        lines = pl.Series("line", texts, pl.String)
    numbers = pl.int_range(1, len(lines) + 1, eager=True).cast(pl.Int64)
    keep = lines.is_not_null() & (lines.str.strip_chars() != "")
    return numbers.filter(keep), lines.filter(keep), exact


def _report_line(file: str, number: int, line: str, spec: DatasetSpec, log: IssueLog) -> None:
    try:
        record = DECODER.decode(line)
    except json.JSONDecodeError as exc:
        log.error(
            file,
            f"line is not valid JSON: {exc.msg} (column {exc.colno})",
            row=number,
            shown=repr(line[:57] + "..." if len(line) > 60 else line),
            hint="JSON Lines holds one complete JSON object per line",
        )
        return
    except RecursionError:
        record = None
        problems = [Problem(f"record is nested more than {MAX_DEPTH} levels deep")]
    else:
        problems = record_problems(record, spec)
    unjson = Problem("line holds a value that is not JSON (NaN, Infinity or a bare word)")
    report(log, file, number, problems or [unjson])


def _parse_lines(
    lines: pl.Series,
    numbers: pl.Series,
    data: bytes | None,
    file: str,
    spec: DatasetSpec,
    extra: dict[str, None],
    log: IssueLog,
) -> tuple[pl.DataFrame, pl.Series] | None:
    """The table of the lines Polars reads, and their positions in ``lines`` (a line it
    refuses after all is reported and left out)."""
    schema: dict[str, pl.DataType] = {}
    for c in spec.columns:
        if c.kind == "number":
            continue  # taken from the tokens, as written
        schema[c.name] = pl.Boolean() if c.kind == "boolean" else pl.String()
    schema.update(dict.fromkeys(extra, pl.String()))
    source = data
    positions = pl.int_range(0, len(lines), eager=True)
    for _attempt in range(2):
        if not len(lines):
            return None
        body = source if source is not None else "\n".join(lines.to_list()).encode()
        try:
            frame = pl.read_ndjson(io.BytesIO(body), schema=schema)
        except Exception as exc:
            failed = _diagnose(lines, numbers, file, log)
            if not failed.any():
                failed = _refused_by_polars(lines, numbers, schema, file, log)
            if not failed.any():
                raise Unreadable(f"not readable as JSON Lines: {_first_line(exc)}", None) from None
            lines, numbers, source = lines.filter(~failed), numbers.filter(~failed), None
            positions = positions.filter(~failed)
            continue
        if len(frame) != len(lines):
            raise Unreadable("could not match records to lines", "report this file as a bug")
        return frame.with_columns(numbers.alias(ROW)), positions
    raise Unreadable("not readable as JSON Lines", None)


def _diagnose(lines: pl.Series, numbers: pl.Series, file: str, log: IssueLog) -> pl.Series:
    """The lines Python's json refuses (each reported), after Polars refused the file."""
    failed: list[bool] = []
    for number, line in zip(numbers.to_list(), lines.to_list(), strict=True):
        try:
            DECODER.decode(line)
        except (json.JSONDecodeError, RecursionError) as exc:
            message = exc.msg if isinstance(exc, json.JSONDecodeError) else "nested too deeply"
            log.error(
                file,
                f"line is not valid JSON: {message}",
                row=number,
                hint="JSON Lines holds one complete JSON object per line",
            )
            failed.append(True)
        else:
            failed.append(False)
    return pl.Series(failed, dtype=pl.Boolean)


def _refused_by_polars(
    lines: pl.Series, numbers: pl.Series, schema: dict[str, pl.DataType], file: str, log: IssueLog
) -> pl.Series:
    """The valid JSON lines the bulk reader still refuses (a number beyond 64-bit
    range, say), found by halving, each reported; the file is not read past them."""
    failed = [False] * len(lines)

    def search(start: int, stop: int) -> None:
        body = "\n".join(lines.slice(start, stop - start).to_list()).encode()
        try:
            pl.read_ndjson(io.BytesIO(body), schema=schema)
        except Exception as exc:
            if stop - start == 1:
                failed[start] = True
                log.error(
                    file,
                    f"line cannot be read: {_first_line(exc)}",
                    row=int(numbers[start]),
                    hint="the bulk reader cannot read a number this long; write it with fewer digits",
                )
                return
            middle = (start + stop) // 2
            search(start, middle)
            search(middle, stop)

    search(0, len(lines))
    return pl.Series(failed, dtype=pl.Boolean)


def _empty_raw(spec: DatasetSpec) -> pl.DataFrame:
    return pl.DataFrame(schema={**{c.name: pl.String() for c in spec.columns}, ROW: pl.Int64()})


# ----------------------------------------------------------------------------- JSON


def _read_json(
    data: bytes, file: str, dataset: str | None, spec: DatasetSpec, log: IssueLog
) -> pl.DataFrame:
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise Unreadable(
            f"file is not UTF-8 text (bad byte at line {line})", "re-export the file as UTF-8"
        ) from None
    try:
        document = DECODER.decode(text)
    except json.JSONDecodeError as exc:
        if exc.msg == "Extra data" and dataset is not None:  # JSON Lines under a .json name
            return _read_jsonl(data, file, spec, log)
        raise Unreadable(
            f"not valid JSON: {exc.msg} at line {exc.lineno} column {exc.colno}",
            "the file must be a JSON array of records, or JSON Lines",
        ) from None
    except RecursionError:
        raise Unreadable(
            f"nested too deeply{_deep_at(text)}",
            f"records may nest at most {MAX_DEPTH} levels",
        ) from None
    return records_frame(_records_of(document, dataset or "records"), spec, file, log)


def _deep_at(text: str) -> str:
    """Where ``text`` first nests deeper than the limit, as `` at line N``."""
    level = 0
    for match in re.finditer(r'"(?:[^"\\]|\\.)*"|[\[\]{}]', text):
        token = match.group()
        if token in ("[", "{"):
            level += 1
            if level > MAX_DEPTH:
                return f" at line {text.count(chr(10), 0, match.start()) + 1}"
        elif token in ("]", "}"):
            level -= 1
    return ""


def _records_of(document: Any, dataset: str) -> list[tuple[int, Any]]:
    if isinstance(document, dict) and len(document) == 1:
        ((key, value),) = document.items()
        if key == dataset and isinstance(value, list):
            document = value
    if not isinstance(document, list):
        got = type(document).__name__ if document is not None else "nothing"
        if isinstance(document, dict):
            got = "dict"
        raise Unreadable(
            f"expected a list of records, got {got}",
            f'write `[{{"id": ...}}, ...]`, `{{"{dataset}": [...]}}`, or JSON Lines',
        )
    return list(enumerate(document, start=1))


# ----------------------------------------------------------------------------- YAML


class _DataLoader(yaml.SafeLoader):
    """YAML for data: every plain scalar is text except null (as in CSV, the field's type
    decides what the text means: `0012` stays `0012`, `2026-02-30` is reported by the
    timestamp check, not by the YAML parser); no anchors or aliases (they let a few
    bytes expand without bound); keys given twice and nesting deeper than the limit
    are refused with their line."""

    def __init__(self, stream: Any) -> None:
        super().__init__(stream)
        self._level = 0

    def compose_node(self, parent: Any, index: Any) -> Any:
        event: Any = self.peek_event()  # type: ignore[no-untyped-call]
        line = event.start_mark.line + 1
        if type(event).__name__ == "AliasEvent":
            raise _YamlRefused(
                f"YAML alias `*{event.anchor}` at line {line}",
                "anchors and aliases are not read in data files; write the values out",
            )
        anchor = getattr(event, "anchor", None)
        if anchor is not None:
            raise _YamlRefused(
                f"YAML anchor `&{anchor}` at line {line}",
                "anchors and aliases are not read in data files; write the values out",
            )
        self._level += 1
        try:
            if self._level > MAX_DEPTH + 1:
                raise _YamlRefused(
                    f"value nested more than {MAX_DEPTH} levels deep at line {line}",
                    "data records are flat, with lists of flat objects",
                )
            return super().compose_node(parent, index)
        finally:
            self._level -= 1


_DataLoader.yaml_implicit_resolvers = {}  # no ints, floats, booleans or timestamps
_DataLoader.add_implicit_resolver(
    "tag:yaml.org,2002:null", re.compile(r"^(?:~|null|Null|NULL|)$"), ["~", "n", "N", ""]
)


class _YamlRefused(Exception):
    def __init__(self, message: str, hint: str) -> None:
        super().__init__(message)
        self.hint = hint


def _construct_mapping(loader: _DataLoader, node: yaml.MappingNode) -> Iterator[Object]:
    obj = Object()
    yield obj
    for key_node, value_node in node.value:
        key = loader.construct_object(key_node, deep=True)
        if not isinstance(key, str):
            raise _YamlRefused(
                f"YAML key that is not text at line {key_node.start_mark.line + 1}",
                "keys are field names",
            )
        if key in obj:
            obj.duplicates.append((key, key_node.start_mark.line + 1))
        obj[key] = loader.construct_object(value_node, deep=True)


def _construct_scalar_text(loader: _DataLoader, node: yaml.ScalarNode) -> str:
    return str(loader.construct_scalar(node))


_DataLoader.add_constructor("tag:yaml.org,2002:map", _construct_mapping)
for _tag in ("int", "float", "bool", "timestamp", "str"):
    _DataLoader.add_constructor(f"tag:yaml.org,2002:{_tag}", _construct_scalar_text)


def _read_yaml(
    data: bytes, file: str, dataset: str, spec: DatasetSpec, log: IssueLog
) -> pl.DataFrame:
    try:
        document = yaml.load(data, Loader=_DataLoader)  # a safe loader
    except _YamlRefused as exc:
        raise Unreadable(str(exc), exc.hint) from None
    except RecursionError:
        raise Unreadable(
            "nested too deeply", f"records may nest at most {MAX_DEPTH} levels"
        ) from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1} column {mark.column + 1}" if mark else ""
        problem = getattr(exc, "problem", None) or "syntax error"
        raise Unreadable(f"not valid YAML: {problem}{where}", None) from None
    except UnicodeDecodeError:
        raise Unreadable("file is not UTF-8 text", "re-export the file as UTF-8") from None
    return records_frame(_records_of(document, dataset), spec, file, log, typed=False)


# ----------------------------------------------------------------------------- CSV


def _read_csv(data: bytes, file: str, spec: DatasetSpec, log: IssueLog) -> pl.DataFrame:
    """CSV (RFC 4180) through Python's csv module, the one reader that can say where
    each record starts: a row with fewer or more fields than the header, an unbalanced
    quote, bytes that are not UTF-8 are errors naming the line; a record spanning lines
    is reported at the line it starts on. Header names are stripped of surrounding
    spaces (with a warning); a name given twice, or a near-miss of a known field
    (``Resolved_At``, ``resolvedAt``), is an error."""
    try:
        data.decode("utf-8")  # checked whole first, to name the line of a bad byte
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise Unreadable(
            f"file is not UTF-8 text (bad byte at line {line})", "re-export the file as UTF-8"
        ) from None
    text = io.TextIOWrapper(io.BytesIO(data), encoding="utf-8-sig", newline="")
    reader = csv.reader(text, strict=True)
    try:
        header = next(reader)
    except StopIteration:
        raise Unreadable("file is empty", "a dataset with no records needs a header") from None
    except csv.Error as exc:
        raise Unreadable(f"not readable as CSV: {exc} (line {reader.line_num})", None) from None
    if len(header) == 1 and len(spec.columns) > 1:
        for sep in (";", "\t", "|"):
            if sep in header[0]:
                shown = "tab" if sep == "\t" else f"`{sep}`"
                raise Unreadable(
                    f"the header has a single column `{header[0][:60]}`: the file looks {shown}-separated",
                    "write comma-separated values (RFC 4180), or import it with a mapping that names the delimiter",
                )
    names = _header_names(header, file, spec, log)
    width = len(header)
    positional = {f"c{i}": pl.String() for i in range(width)}
    chunks: list[pl.DataFrame] = []
    batch: list[list[str]] = []
    rows: list[int] = []
    start = reader.line_num + 1
    while True:
        try:
            record = next(reader)
        except StopIteration:
            break
        except csv.Error as exc:
            raise Unreadable(
                f"not readable as CSV at line {start}: {exc}",
                "quote fields that hold commas, quotes or line breaks, and close every quote",
            ) from None
        if not record:  # a blank line
            start = reader.line_num + 1
            continue
        if len(record) != width:
            few = len(record) < width
            log.error(
                file,
                f"row has {len(record)} fields, the header has {width}",
                row=start,
                hint="a missing field is written as an empty one (`a,,c`)"
                if few
                else "quote a field that holds a comma",
            )
        else:
            rows.append(start)
            batch.append(record)
            if len(batch) == 100_000:  # into columns as we go: Python lists are large
                chunks.append(pl.DataFrame(batch, schema=positional, orient="row"))
                batch = []
        start = reader.line_num + 1
    if names is None:
        return _empty_raw(spec)
    chunks.append(pl.DataFrame(batch, schema=positional, orient="row"))
    frame = pl.concat(chunks).rename(dict(zip(positional, names, strict=True)))
    frame = frame.with_columns(  # an empty field, quoted or not, is no value
        pl.when(pl.col(name) != "").then(pl.col(name)).alias(name) for name in names
    )
    return frame.with_columns(pl.Series(ROW, rows, pl.Int64))


def _header_names(
    header: list[str], file: str, spec: DatasetSpec, log: IssueLog
) -> list[str] | None:
    known = [c.name for c in spec.columns]
    names: list[str] = []
    ok = True
    for position, raw in enumerate(header, start=1):
        name = raw.strip()
        if name != raw:
            log.warning(
                file,
                f"header `{raw}` has spaces around it; read as `{name}`",
                row=1,
                field=name,
                hint="remove the spaces from the header",
            )
        if not name:
            log.error(file, f"column {position} has no name in the header", row=1)
            ok = False
        elif name in names:
            log.error(
                file,
                f"column `{name}` appears twice in the header (columns {names.index(name) + 1} and {position})",
                row=1,
                field=name,
                hint="keep one column per field",
            )
            ok = False
        elif spec.column(name) is None and (guess := near_miss(name, known)) is not None:
            log.error(
                file,
                f"unknown column `{name}`",
                row=1,
                field=name,
                hint=f"did you mean `{guess}`? names are matched exactly",
            )
            ok = False
        names.append(name)
    return names if ok else None
