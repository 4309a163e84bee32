"""Reading data files into raw tables, before any typing.

A raw table has the file's columns as the file holds them (strings for text formats,
native types for Parquet) plus ``__row__``: the 1-based row to report (the line number
for JSON Lines and CSV, the record's position otherwise). Bulk formats go straight into
Polars; whole-document formats (JSON, YAML) and JSON Lines with a problem go through a
per-record path that can say which line is wrong.
"""

from __future__ import annotations

import datetime as dt
import io
import json
import os
import zlib
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import polars as pl
import yaml
from polars.datatypes import DataTypeClass

from rules_engine.data.dtypes import DatasetSpec
from rules_engine.data.issues import IssueLog

Format = Literal["json", "jsonl", "yaml", "csv", "parquet"]

ROW = "__row__"

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
_SNIFF = 64 * 1024

AnyDtype = pl.DataType | DataTypeClass


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


def _check_size(src: SourceFile) -> int:
    size = src.path.stat().st_size
    limit = MAX_BYTES[src.format]
    if size > limit:
        raise Unreadable(
            f"file is {size / 2**30:.1f} GiB, over the {limit / 2**20:.0f} MiB limit for {src.format}",
            "convert it to JSON Lines or Parquet, which are read in bulk",
        )
    if size == 0:
        raise Unreadable(
            "file is empty", "a dataset with no records needs `[]` (JSON) or a header (CSV)"
        )
    return size


def read_bytes(src: SourceFile) -> bytes:
    """The (decompressed) content, refusing binary junk before reading it all."""
    with open(src.path, "rb") as fh:
        head = fh.read(_SNIFF)
        if src.gzipped:
            if not head.startswith(b"\x1f\x8b"):
                raise Unreadable("not a gzip file", "remove the .gz suffix or compress the file")
        elif src.format != "parquet":
            _sniff_text(head, src.format)
        fh.seek(0)
        if not src.gzipped:
            return fh.read()
        out = bytearray()
        decompressor = zlib.decompressobj(16 + zlib.MAX_WBITS)
        try:
            while chunk := fh.read(1 << 20):
                out += decompressor.decompress(chunk)
                if len(out) > MAX_GZIP_BYTES:
                    raise Unreadable(
                        f"decompressed size exceeds {MAX_GZIP_BYTES // 2**30} GiB",
                        "split the file or use Parquet",
                    )
                if len(out) <= _SNIFF + len(chunk) and src.format != "parquet":
                    _sniff_text(bytes(out[:_SNIFF]), src.format)
            out += decompressor.flush()
        except zlib.error as exc:
            raise Unreadable(f"corrupt gzip data: {exc}", "re-create the archive") from None
        if not decompressor.eof:
            raise Unreadable(
                "truncated gzip file (the compressed stream ends early)",
                "the download or copy was cut short; fetch the file again",
            )
        return bytes(out)


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


# ----------------------------------------------------------------------------- raw dtypes


def raw_dtype(kind: str, dtype: pl.DataType) -> pl.DataType:
    """How a column is read from JSON before typing: text for timestamps, dates and
    durations (they are parsed and checked afterwards), native otherwise."""
    if kind in ("number", "boolean"):
        return dtype
    if isinstance(dtype, pl.List):
        inner = dtype.inner
        assert isinstance(inner, pl.Struct)
        return pl.List(pl.Struct({f.name: _raw_scalar(f.dtype) for f in inner.fields}))
    return pl.String()


def _raw_scalar(dtype: AnyDtype) -> pl.DataType:
    return dtype if isinstance(dtype, pl.Float64 | pl.Boolean) else pl.String()


def _raw_overrides(spec: DatasetSpec) -> dict[str, pl.DataType]:
    return {c.name: raw_dtype(c.kind, c.dtype) for c in spec.columns}


# ----------------------------------------------------------------------------- readers


def read_raw(src: SourceFile, spec: DatasetSpec, log: IssueLog) -> pl.DataFrame:
    """The raw table of one file, or :class:`Unreadable`. Per-record problems found while
    reading (a JSON Lines line that is not an object) go to ``log``."""
    _check_size(src)
    if src.format == "parquet":
        return _read_parquet(src)
    data = read_bytes(src)
    if src.format == "jsonl":
        return _read_jsonl(data, src, spec, log)
    if src.format == "csv":
        return _read_csv(data, src, spec)
    if src.format == "json":
        return _read_json(data, src, spec, log)
    return _read_yaml(data, src, spec, log)


def _read_parquet(src: SourceFile) -> pl.DataFrame:
    try:
        if src.gzipped:
            frame = pl.read_parquet(io.BytesIO(read_bytes(src)))
        else:
            frame = pl.read_parquet(src.path)
    except Exception as exc:  # polars raises several kinds for a corrupt file
        raise Unreadable(
            f"not a readable Parquet file: {_first_line(exc)}", "re-export the file"
        ) from None
    return frame.with_row_index(ROW, offset=1)


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return text[0] if text else type(exc).__name__


def _read_jsonl(data: bytes, src: SourceFile, spec: DatasetSpec, log: IssueLog) -> pl.DataFrame:
    stripped = data.lstrip()
    if stripped.startswith(b"["):
        return _read_json(data, src, spec, log)
    body = data.rstrip()  # blank lines at the end are harmless
    blank_lines = b"\n\n" in body or b"\n\r\n" in body or data.startswith((b"\n", b"\r\n"))
    if not blank_lines:
        # Polars reads with a fixed schema: the dataset's columns, plus any other key
        # seen in the first lines (kept as text). Keys first seen later are not read.
        schema: dict[str, AnyDtype] = {
            name: pl.String() if isinstance(dtype, pl.List) else dtype
            for name, dtype in _raw_overrides(spec).items()
        }
        for key in _sample_keys(data):
            schema.setdefault(key, pl.String())
        try:
            frame = pl.read_ndjson(io.BytesIO(data), schema=schema)
        except Exception:
            pass  # a bad line or a mistyped value: the per-line path says which
        else:
            return frame.with_row_index(ROW, offset=1)
    records: list[tuple[int, Any]] = []
    for number, line in enumerate(data.split(b"\n"), start=1):
        if not line.strip():
            continue
        try:
            records.append((number, json.loads(line)))
        except (json.JSONDecodeError, UnicodeDecodeError) as exc:
            log.error(
                str(src.path),
                f"line is not valid JSON: {exc}",
                row=number,
                value=line[:60].decode("utf-8", "replace"),
                hint="JSON Lines holds one complete JSON object per line",
            )
    if not records and not log.errors:
        raise Unreadable("no records in the file", None)
    return records_frame(records, src, spec, log)


def _sample_keys(data: bytes, lines: int = 1000) -> list[str]:
    keys: dict[str, None] = {}
    for line in data[: 1 << 20].split(b"\n")[:lines]:
        try:
            record = json.loads(line)
        except (json.JSONDecodeError, UnicodeDecodeError):
            continue
        if isinstance(record, dict):
            keys.update(dict.fromkeys(map(str, record)))
    return list(keys)


def _read_json(data: bytes, src: SourceFile, spec: DatasetSpec, log: IssueLog) -> pl.DataFrame:
    try:
        document = json.loads(data)
    except json.JSONDecodeError as exc:
        if exc.msg == "Extra data":  # several documents: JSON Lines under a .json name
            return _read_jsonl(data, src, spec, log)
        raise Unreadable(
            f"not valid JSON: {exc.msg} at line {exc.lineno} column {exc.colno}",
            "the file must be a JSON array of records, or JSON Lines",
        ) from None
    except UnicodeDecodeError:
        raise Unreadable("file is not UTF-8 text", "re-export the file as UTF-8") from None
    return records_frame(_records_of(document, src), src, spec, log)


def _read_yaml(data: bytes, src: SourceFile, spec: DatasetSpec, log: IssueLog) -> pl.DataFrame:
    try:
        document = yaml.safe_load(data)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1} column {mark.column + 1}" if mark else ""
        problem = getattr(exc, "problem", None) or "syntax error"
        raise Unreadable(f"not valid YAML: {problem}{where}", None) from None
    return records_frame(_records_of(document, src), src, spec, log)


def _records_of(document: Any, src: SourceFile) -> list[tuple[int, Any]]:
    if isinstance(document, dict) and len(document) == 1:
        ((key, value),) = document.items()
        if key == src.dataset and isinstance(value, list):
            document = value
    if not isinstance(document, list):
        got = type(document).__name__ if document is not None else "nothing"
        raise Unreadable(
            f"expected a list of records, got {got}",
            f'write `[{{"id": ...}}, ...]`, `{{"{src.dataset}": [...]}}`, or JSON Lines',
        )
    return list(enumerate(document, start=1))


def _read_csv(data: bytes, src: SourceFile, spec: DatasetSpec) -> pl.DataFrame:
    try:
        frame = pl.read_csv(io.BytesIO(data), infer_schema=False, empty_string_is_null=True)
    except Exception as exc:
        raise Unreadable(f"not readable as CSV: {_first_line(exc)}", None) from None
    if frame.width == 1 and len(spec.columns) > 1:
        header = frame.columns[0]
        for sep in (";", "\t", "|"):
            if sep in header:
                shown = "tab" if sep == "\t" else f"`{sep}`"
                raise Unreadable(
                    f"the header has a single column `{header[:60]}`: the file looks {shown}-separated",
                    "write comma-separated values (RFC 4180), or import it with a mapping that names the delimiter",
                )
    frame = frame.with_columns(  # a quoted "" is empty too
        pl.when(pl.col(c) == "").then(None).otherwise(pl.col(c)).alias(c) for c in frame.columns
    )
    return frame.with_row_index(ROW, offset=2)


# ----------------------------------------------------------------------------- records


def _text(value: Any) -> str | None:
    """Text for a text-typed field: strings as they are, YAML's parsed timestamps and
    dates back to ISO 8601, integers (YAML ids) as digits; None for anything else."""
    if isinstance(value, str):
        return value
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    return None


_EXPECTED = {"number": "a number", "boolean": "true or false"}


def records_frame(
    records: Iterable[tuple[int, Any]], src: SourceFile, spec: DatasetSpec, log: IssueLog
) -> pl.DataFrame:
    """A raw table from Python records, reporting values of the wrong JSON type."""
    file = str(src.path)
    overrides = _raw_overrides(spec)
    kinds = {c.name: c.kind for c in spec.columns}
    columns: dict[str, list[Any]] = {name: [] for name in overrides}
    extra: dict[str, list[Any]] = {}
    rows: list[int] = []
    for number, record in records:
        if not isinstance(record, dict):
            log.error(
                file,
                "record is not an object",
                row=number,
                value=record,
                hint="each record is a JSON object of field: value",
            )
            continue
        index = len(rows)
        rows.append(number)
        for key, value in record.items():
            key = str(key)
            kind = kinds.get(key)
            if kind is None:
                column = extra.setdefault(key, [None] * index)
                if len(column) < index:
                    column.extend([None] * (index - len(column)))
                column.append(
                    value
                    if value is None or isinstance(value, str)
                    else json.dumps(value, default=str)
                )
                continue
            columns[key].append(_raw_value(value, kind, overrides[key], file, number, key, log))
        for column in columns.values():
            if len(column) == index:
                column.append(None)
    n = len(rows)
    for column in extra.values():
        column.extend([None] * (n - len(column)))
    frame = pl.DataFrame(
        {**columns, **extra, ROW: rows},
        schema={**overrides, **dict.fromkeys(extra, pl.String()), ROW: pl.Int64()},
    )
    return frame


def _raw_value(
    value: Any, kind: str, dtype: pl.DataType, file: str, row: int, field: str, log: IssueLog
) -> Any:
    if value is None:
        return None
    if kind == "number":
        if isinstance(value, int | float) and not isinstance(value, bool):
            return float(value)
        log.error(file, "expected a number", row=row, field=field, value=value)
        return None
    if kind == "boolean":
        if isinstance(value, bool):
            return value
        log.error(file, "expected true or false", row=row, field=field, value=value)
        return None
    if isinstance(dtype, pl.List):
        return _raw_items(value, dtype, file, row, field, log)
    text = _text(value)
    if text is None:
        log.error(file, f"expected a {kind} written as a string", row=row, field=field, value=value)
    return text


def _raw_items(
    value: Any, dtype: pl.List, file: str, row: int, field: str, log: IssueLog
) -> list[dict[str, Any]] | None:
    inner = dtype.inner
    assert isinstance(inner, pl.Struct)
    names = [f.name for f in inner.fields]
    if not isinstance(value, list):
        log.error(
            file,
            f"expected a list of {{{', '.join(names)}}} objects",
            row=row,
            field=field,
            value=value,
        )
        return None
    out: list[dict[str, Any]] = []
    for position, item in enumerate(value, start=1):
        if not isinstance(item, dict):
            log.error(
                file,
                f"item {position} is not an object with {', '.join(names)}",
                row=row,
                field=field,
                value=item,
            )
            return None
        unknown = sorted(set(map(str, item)) - set(names))
        if unknown:
            log.error(
                file,
                f"item {position} has unknown key `{unknown[0]}`",
                row=row,
                field=field,
                value=item,
                hint=f"the keys are {', '.join(names)}",
            )
            return None
        entry: dict[str, Any] = {}
        for f in inner.fields:
            raw = item.get(f.name)
            if raw is None or isinstance(f.dtype, pl.Boolean | pl.Float64):
                entry[f.name] = raw
                continue
            text = _text(raw)
            if text is None:
                log.error(
                    file,
                    f"item {position}: `{f.name}` must be a string",
                    row=row,
                    field=field,
                    value=raw,
                )
                return None
            entry[f.name] = text
        out.append(entry)
    return out
