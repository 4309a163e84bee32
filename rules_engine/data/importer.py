"""Importing a ticket-system export through a mapping into the normalized ticket table.

Every step is columnar: values are renamed and typed per column, rows that cannot be
typed are rejected with a reason (and counted), and event logs are grouped into one
record per ticket with the status sequence turned into pauses, a first response and a
status history. The result goes through the loader's checks, so an import reports the
same problems ``sla validate`` would.
"""

from __future__ import annotations

import io
import json
import zipfile
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

import polars as pl

from rules_engine.data.checks import ORDERED, check_table
from rules_engine.data.coerce import (
    FLOAT_DIGITS,
    check_timezone,
    coerce_table,
    localize,
    to_boolean,
    to_date,
    to_duration,
    to_number,
    to_timestamp,
)
from rules_engine.data.dtypes import TIMESTAMP, dataset_spec
from rules_engine.data.formats import ROW, SourceFile, Unreadable, describe, read_bytes
from rules_engine.data.issues import DataIssue, IssueLog, show_value
from rules_engine.data.mapping import FieldMap, Mapping
from rules_engine.data.offsets import fixed_offset
from rules_engine.data.schema import required_fields

MAX_MEMBER_BYTES = 2 * 2**30


@dataclass
class ImportSummary:
    """What an import did: rows read, records built, rows rejected (by reason, with the
    first examples), and the warnings of the checks on the result."""

    input: str
    mapping: str
    rows_read: int = 0
    records: int = 0
    rejected_rows: int = 0
    reasons: Counter[str] = field(default_factory=Counter)
    rejected_records: int = 0
    record_reasons: Counter[str] = field(default_factory=Counter)
    examples: list[DataIssue] = field(default_factory=list)
    warnings: list[DataIssue] = field(default_factory=list)
    changed_records: list[str] = field(default_factory=list)
    lost_records: list[str] = field(default_factory=list)
    without_first_response: int = 0
    without_resolution: int = 0

    def lines(self) -> list[str]:
        out = [
            f"{self.input} via {self.mapping}:",
            f"  rows read:        {self.rows_read}",
            f"  records written:  {self.records}",
            f"  rows rejected:    {self.rejected_rows}",
        ]
        for reason, count in self.reasons.most_common():
            out.append(f"    {count:>8}  {reason}")
        out.append(f"  records rejected: {self.rejected_records}")
        for reason, count in self.record_reasons.most_common():
            out.append(f"    {count:>8}  {reason}")
        if self.changed_records:
            out.append(
                f"  records changed by rejected rows: {len(self.changed_records)} "
                f"({_some(self.changed_records)}; their other rows were kept)"
            )
        if self.lost_records:
            out.append(
                f"  records with every row rejected: {len(self.lost_records)} "
                f"({_some(self.lost_records)})"
            )
        out.append(f"  records without a first response: {self.without_first_response}")
        out.append(f"  records without a resolution:     {self.without_resolution}")
        for issue in self.examples:
            out.append(f"  {issue}")
        for issue in self.warnings:
            out.append(f"  {issue}")
        return out


def _some(ids: list[str], shown: int = 5) -> str:
    """The first ``shown`` record ids in backticks, and how many more."""
    text = ", ".join(f"`{i}`" for i in ids[:shown])
    return text + (f" and {len(ids) - shown} more" if len(ids) > shown else "")


class ImportFailure(Exception):
    """The input cannot be imported at all (unreadable, or columns the mapping needs
    are missing); the message names the file and the problem."""


def import_export(
    path: str | Path,
    mapping: Mapping,
    *,
    origin: str = "<mapping>",
    timezone: str | None = None,
    max_errors: int = 100,
) -> tuple[pl.DataFrame, ImportSummary]:
    """Read ``path`` (CSV, JSON, JSON Lines; optionally .gz or inside a .zip) and
    build the normalized table the mapping describes."""
    path = Path(path)
    summary = ImportSummary(str(path), origin)
    zone = timezone or mapping.timestamps.timezone
    if zone is not None:
        try:
            check_timezone(zone)
        except ValueError as exc:
            raise ImportFailure(f"{origin}: {exc}") from None
    if mapping.timestamps.offsets == "wall_time" and zone is None:
        raise ImportFailure(
            f"{origin}: `timestamps.offsets: wall_time` needs a zone to read the wall times "
            "in; help: add `timestamps.timezone` or pass --timezone"
        )
    raw = _read_source(path, mapping)
    summary.rows_read = len(raw)
    _check_columns(raw, mapping, origin, str(path))
    raw = _blank_missing(raw, mapping.missing)
    log = IssueLog(max_errors=max_errors)
    notes = IssueLog(max_errors=max_errors)
    typed, rejected = _type_fields(raw, mapping, zone, str(path), log, summary)
    _warn_fixed_offsets(raw, mapping, zone, str(path), notes)
    if mapping.group is not None:
        _warn_statuses(typed["__status__"].filter(~rejected), mapping, origin, str(path), notes)
        _account_rejected_rows(typed["__by__"], rejected, summary)
        table = _group(typed.filter(~rejected), mapping)
    else:
        table = typed.filter(~rejected)
    summary.rejected_rows = int(rejected.sum())
    spec = dataset_spec(mapping.dataset)
    assert spec is not None
    known = {c.name for c in spec.columns}
    extras = [c for c in table.columns if c not in known and c != ROW]
    check_log = IssueLog(max_errors=max_errors)
    # typed already: this only adds the schema's missing columns (required ones missing
    # are rejected record by record just below, with their reason)
    normalized = coerce_table(table.drop(extras), spec, str(path), None, IssueLog())
    normalized = pl.concat([normalized, table.select(extras)], how="horizontal")
    normalized = _reject_records(normalized, mapping.dataset, str(path), log, summary)
    summary.examples = [i for i in log.summarized() if i.severity == "error"]
    normalized = check_table(normalized, spec, str(path), None, check_log)
    summary.warnings = notes.summarized() + check_log.grouped()
    out = normalized.drop(ROW)
    summary.records = len(out)
    summary.without_first_response = int(out["first_response_at"].is_null().sum())
    summary.without_resolution = int(out["resolved_at"].is_null().sum())
    return out, summary


def _account_rejected_rows(by: pl.Series, rejected: pl.Series, summary: ImportSummary) -> None:
    """Name the records a rejected row changed (their pauses, first response and
    history are derived without it) and those that lost every row."""
    hit = by.filter(rejected).drop_nulls().unique(maintain_order=True)
    kept = set(by.filter(~rejected).drop_nulls().unique().to_list())
    for record in hit.to_list():
        (summary.changed_records if record in kept else summary.lost_records).append(str(record))


def status_matches(status: pl.Expr, values: list[str], separator: str) -> pl.Expr:
    """Whether a status is one of ``values``: equal to one, or (a status of several
    columns) starting with one followed by the separator, so ``Completed`` names every
    ``Completed/...``."""
    match = status.is_in(values)
    for value in values:
        match = match | status.str.starts_with(value + separator)
    return match.fill_null(False)


def _status_sets(mapping: Mapping) -> list[tuple[str, list[str]]]:
    """Every set of statuses the mapping names, with where it is written."""
    sets: list[tuple[str, list[str]]] = []
    if mapping.first_response is not None:
        fr = mapping.first_response
        sets.append(
            ("first_response.in" if fr.in_ is not None else "first_response.not_in", fr.named())
        )
    if mapping.pauses is not None:
        sets.append(("pauses.reasons", list(mapping.pauses.reasons)))
    for name, fm in mapping.fields.items():
        if fm.from_status is not None:
            key = "in" if fm.from_status.in_ is not None else "not_in"
            sets.append((f"fields.{name}.from_status.{key}", fm.from_status.named()))
    return sets


def _warn_statuses(
    status: pl.Series, mapping: Mapping, origin: str, file: str, notes: IssueLog
) -> None:
    """A status the mapping names that never occurs in the export is a typo or the
    wrong export: it silently changes pauses and first responses, so it is warned with a
    did-you-mean. The export's statuses that no set (nor the status field's ``values``
    or ``map``) mentions are listed with their counts: with ``not_in`` they count as a
    response without anyone having decided so."""
    import difflib

    g = mapping.group
    assert g is not None
    sep = g.status_separator
    counts = status.drop_nulls().value_counts(sort=True)
    seen: list[str] = counts[status.name].to_list()
    heads = sorted({s.split(sep)[0] for s in seen} | set(seen))
    columns = g.status_columns()
    mentioned: list[str] = []
    for where, values in _status_sets(mapping):
        mentioned += values
        for value in values:
            if any(s == value or s.startswith(value + sep) for s in seen):
                continue
            close = difflib.get_close_matches(value, heads, n=1)
            hint = (
                f"did you mean `{close[0]}`?"
                if close
                else "check its spelling against the export's statuses"
            )
            notes.warning(
                file,
                f"{origin} `{where}` names status `{value}`, which never occurs in the export",
                field=" + ".join(columns),
                hint=hint,
            )
    for fm in mapping.fields.values():
        if fm.column in columns:
            mentioned += list(fm.values or []) + list(fm.map or {})
    if not mentioned:
        return
    frame = counts.filter(~status_matches(pl.col(status.name), mentioned, sep))
    if len(frame):
        listed = ", ".join(f"`{s}` ({n})" for s, n in frame.iter_rows())
        notes.warning(
            file,
            f"statuses the mapping does not mention: {listed}",
            field=" + ".join(columns),
            hint=f"name them in {origin} (`first_response`, `pauses`) if they matter",
        )


_TIME_THEN_OFFSET = r"^(.*\d{2}:\d{2}(?::\d{2}(?:[.,]\d+)?)?)\s*(?:Z|z|[+-]\d{2}(?::?\d{2})?)$"


def _warn_fixed_offsets(
    raw: pl.DataFrame, mapping: Mapping, zone: str | None, file: str, notes: IssueLog
) -> None:
    """Times written with one offset throughout, over a span in which ``zone`` changes
    its offset (a DST boundary), are probably local wall times stamped with a fixed
    offset: say so, and how to read them as wall time."""
    if zone is None or mapping.timestamps.offsets == "wall_time":
        return
    columns = [fm.column for fm in mapping.fields.values() if fm.type == "timestamp" and fm.column]
    if mapping.group is not None:
        columns.insert(0, mapping.group.at)
    for column in dict.fromkeys(columns):
        written = fixed_offset(raw[column], zone)
        if written is not None:
            notes.warning(
                file,
                f"every time in `{column}` is written `{written}`, although {zone} changes "
                "its offset for daylight saving within their range",
                field=column,
                hint="if these are local wall times, set `timestamps.offsets: wall_time` "
                "in the mapping",
            )
            return


def write_table(frame: pl.DataFrame, out: Path, sink: IO[bytes] | None = None) -> None:
    """Parquet or JSON Lines, by the output's name; into ``sink`` when given (``sla
    import`` then writes the bytes by the rules of every output file), else to ``out``."""
    name = out.name.lower()
    target: Path | IO[bytes] = out if sink is None else sink
    if name.endswith(".parquet"):
        frame.write_parquet(target)
    elif name.endswith((".jsonl", ".ndjson")):
        (_json_numbers(frame) if _decimals(frame) else frame).write_ndjson(target)
    else:
        raise ImportFailure(f"{out}: write .parquet or .jsonl")


def _decimals(frame: pl.DataFrame) -> list[str]:
    return [c for c, t in frame.schema.items() if isinstance(t, pl.Decimal)]


def _json_numbers(frame: pl.DataFrame) -> pl.DataFrame:
    """Exact decimals as JSON numbers (Polars would write them as strings, which the
    loader refuses for a number). The loader reads JSON numbers as binary floats and
    takes those of up to 15 significant digits exactly, so more cannot go to JSON Lines."""
    out = frame
    for name in _decimals(frame):
        digits = (
            frame[name]
            .cast(pl.String)
            .str.replace(r"\.?0*$", "")
            .str.replace_all(r"[-.]", "")
            .str.strip_chars_start("0")
            .str.strip_chars_end("0")
            .str.len_chars()
        )
        if (digits > FLOAT_DIGITS).any():
            raise ImportFailure(
                f"column `{name}` has numbers of more than {FLOAT_DIGITS} significant digits, "
                "which JSON Lines cannot carry exactly; help: write .parquet instead"
            )
        out = out.with_columns(out[name].cast(pl.Float64))
    return out


def _reject_records(
    table: pl.DataFrame, dataset: str, file: str, log: IssueLog, summary: ImportSummary
) -> pl.DataFrame:
    """Drop records whose stop events precede their start (real exports have a few:
    ServiceNow's editable ``opened_at`` can be later than the first update), so the
    output always validates; each is counted with its reason and row."""
    bad = pl.Series([], dtype=pl.Boolean).extend_constant(False, len(table))
    for name in sorted(required_fields(dataset)):
        mask = table[name].is_null()
        count = int(mask.sum())
        if not count:
            continue
        reason = f"`{name}` is missing"
        summary.record_reasons[reason] += count
        for row, record_id in table.filter(mask).select(ROW, "id").head(log.max_errors).iter_rows():
            log.error(file, f"record `{record_id}` rejected: {reason}", row=int(row), field=name)
        bad = bad | mask
    for start, stop in ORDERED.get(dataset, ()):
        if start not in table.columns or stop not in table.columns:
            continue
        mask = (table[stop] < table[start]).fill_null(False)
        count = int(mask.sum())
        if not count:
            continue
        reason = f"`{stop}` before `{start}`"
        summary.record_reasons[reason] += count
        for row, record_id in table.filter(mask).select(ROW, "id").head(log.max_errors).iter_rows():
            log.error(file, f"record `{record_id}` rejected: {reason}", row=int(row), field=stop)
        bad = bad | mask
    summary.rejected_records = int(bad.sum())
    return table.filter(~bad)


# ----------------------------------------------------------------------------- reading


def _read_source(path: Path, mapping: Mapping) -> pl.DataFrame:
    if not path.is_file():
        if path.exists():  # a folder, a pipe, a device: never opened, so never blocks
            raise ImportFailure(f"{path}: not a regular file; help: give the export file itself")
        raise ImportFailure(f"{path}: no such file")
    if path.suffix.lower() == ".zip":
        data = _zip_member(path, mapping)
    else:
        try:
            src = describe(path, "import")
        except Unreadable:
            src = SourceFile(path, "import", "csv", path.name.lower().endswith(".gz"))
        if path.stat().st_size > MAX_MEMBER_BYTES:
            raise ImportFailure(f"{path}: file is over {MAX_MEMBER_BYTES // 2**30} GiB; split it")
        try:
            data = read_bytes(src)
        except Unreadable as exc:
            raise ImportFailure(
                f"{path}: {exc}" + (f"; help: {exc.hint}" if exc.hint else "")
            ) from None
    encoding = mapping.source.encoding
    if encoding not in ("utf-8", "utf8"):
        data = data.decode(encoding).encode("utf-8")
    if mapping.source.format == "csv":
        return _csv(data, path, mapping)
    return _json(data, path, mapping)


def _zip_member(path: Path, mapping: Mapping) -> bytes:
    try:
        archive = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError) as exc:
        raise ImportFailure(f"{path}: not a readable zip archive ({exc})") from None
    with archive:
        members = [m for m in archive.infolist() if not m.is_dir()]
        wanted = mapping.source.zip_member
        if wanted is not None:
            members = [
                m for m in members if m.filename == wanted or m.filename.endswith("/" + wanted)
            ]
        if len(members) != 1:
            names = ", ".join(m.filename for m in archive.infolist())
            raise ImportFailure(
                f"{path}: expected one data file in the archive, found: {names or 'none'}; "
                "help: name it with `source.zip_member` in the mapping"
            )
        member = members[0]
        if member.file_size > MAX_MEMBER_BYTES:
            raise ImportFailure(
                f"{path}: {member.filename} is over {MAX_MEMBER_BYTES // 2**30} GiB"
            )
        try:
            return archive.read(member)
        except (zipfile.BadZipFile, EOFError, OSError) as exc:
            raise ImportFailure(f"{path}: {member.filename} is damaged ({exc})") from None


def _csv(data: bytes, path: Path, mapping: Mapping) -> pl.DataFrame:
    try:
        frame = pl.read_csv(
            io.BytesIO(data),
            separator=mapping.source.delimiter,
            infer_schema=False,
            empty_string_is_null=True,
        )
    except Exception as exc:
        raise ImportFailure(f"{path}: not readable as CSV: {str(exc).splitlines()[0]}") from None
    return frame.with_row_index(ROW, offset=2).with_columns(pl.col(ROW).cast(pl.Int64))


def _json(data: bytes, path: Path, mapping: Mapping) -> pl.DataFrame:
    records: list[object]
    try:
        if mapping.source.format == "jsonl":
            records = [json.loads(line) for line in data.splitlines() if line.strip()]
        else:
            document = json.loads(data)
            key = mapping.source.records
            if key is not None:
                if not isinstance(document, dict) or key not in document:
                    raise ImportFailure(f"{path}: expected a JSON object with a `{key}` list")
                document = document[key]
            if not isinstance(document, list):
                raise ImportFailure(f"{path}: expected a JSON list of records")
            records = document
    except json.JSONDecodeError as exc:
        raise ImportFailure(f"{path}: not valid JSON: {exc}") from None
    if not all(isinstance(r, dict) for r in records):
        raise ImportFailure(f"{path}: every record must be a JSON object")
    if not records:
        return pl.DataFrame({ROW: []}, schema={ROW: pl.Int64})
    frame = pl.json_normalize(records, separator=".", infer_schema_length=None)  # type: ignore[arg-type]
    frame = frame.select(
        [
            (pl.col(c) if frame.schema[c] == pl.String else _json_text(c, frame.schema[c]))
            for c in frame.columns
        ]
    )
    return frame.with_row_index(ROW, offset=1).with_columns(pl.col(ROW).cast(pl.Int64))


def _json_text(name: str, dtype: pl.DataType) -> pl.Expr:
    if dtype.is_nested():
        return pl.col(name).map_elements(
            lambda v: json.dumps(v.to_list() if hasattr(v, "to_list") else v, default=str),
            return_dtype=pl.String,
        )
    return pl.col(name).cast(pl.String)


def _needed_columns(mapping: Mapping) -> list[tuple[str, str]]:
    needed = []
    for name, fm in mapping.fields.items():
        if fm.column is not None:
            needed.append((fm.column, f"fields.{name}.column"))
        if fm.plus_minutes:
            needed.append((fm.plus_minutes, f"fields.{name}.plus_minutes"))
    if mapping.group is not None:
        g = mapping.group
        needed += [(g.by, "group.by"), *((c, "group.status") for c in g.status_columns())]
        needed.append((g.at, "group.at"))
        needed += [(k.column, "group.order_by") for k in g.order_by]
    return needed


def _check_columns(raw: pl.DataFrame, mapping: Mapping, origin: str, file: str) -> None:
    import difflib

    missing = [(c, where) for c, where in _needed_columns(mapping) if c not in raw.columns]
    if missing and mapping.source.format == "csv" and raw.width <= 2:
        header = ",".join(c for c in raw.columns if c != ROW)
        raise ImportFailure(
            f"{file}: the header has a single column `{header[:60]}`; help: check "
            f"`source.delimiter` in {origin} (it is `{mapping.source.delimiter}`)"
        )
    if missing:
        column, where = missing[0]
        close = difflib.get_close_matches(column, raw.columns, n=1)
        hint = f"did you mean `{close[0]}`?" if close else "is this the right export and mapping?"
        more = f" (and {len(missing) - 1} more)" if len(missing) > 1 else ""
        raise ImportFailure(
            f"{file}: no column `{column}`{more}, which {origin} `{where}` needs; help: {hint}"
        )


def _blank_missing(raw: pl.DataFrame, markers: list[str]) -> pl.DataFrame:
    """Missing-value markers and empty text (CSV's quoted ``""``) become null."""
    markers = [*markers, ""]
    return raw.with_columns(
        pl.when(pl.col(c).is_in(markers)).then(None).otherwise(pl.col(c)).alias(c)
        for c in raw.columns
        if raw.schema[c] == pl.String
    )


# ----------------------------------------------------------------------------- typing


def _status(raw: pl.DataFrame, columns: list[str], separator: str) -> pl.Series:
    """The status after each update: one column, or several joined by ``separator``
    (a missing trailing part is left out: `Completed` with no sub status)."""
    status = raw[columns[0]]
    for column in columns[1:]:
        part = raw[column]
        status = (
            pl.DataFrame({"s": status, "p": part})
            .select(
                pl.when(pl.col("p").is_null() | pl.col("s").is_null())
                .then(pl.col("s"))
                .otherwise(pl.col("s") + separator + pl.col("p"))
            )
            .to_series()
        )
    return status.alias("__status__")


def _wall_times(text: pl.Series, formats: list[str]) -> tuple[pl.Series, list[str]]:
    """``offsets: wall_time``: the text without its written offset, and the formats
    without ``%z``, so the times read as wall-clock times in the mapping's zone."""
    bare = text.str.replace(_TIME_THEN_OFFSET, "${1}")
    naive = [f.replace("%:z", "").replace("%z", "").rstrip() for f in formats]
    return bare, naive


def _parse_times(
    text: pl.Series, formats: list[str], zone: str | None, wall_time: bool = False
) -> tuple[pl.Series, str, pl.Series]:
    """Timestamps in the mapping's formats (``iso``, or chrono patterns), in ``zone``
    when the format has no offset (or, with ``wall_time``, whatever offset is written).
    Returns the values, the expected-format text and the mask of local times that do
    not exist in ``zone`` (the same rule as ``validate``:
    :func:`~rules_engine.data.coerce.localize`)."""
    expected = " or ".join(formats)
    if wall_time:
        text, formats = _wall_times(text, formats)
    result = pl.Series(text.name, [], TIMESTAMP).extend_constant(None, len(text))
    gaps = pl.Series([], dtype=pl.Boolean).extend_constant(False, len(text))
    for fmt in formats:
        if fmt == "iso":
            parsed, failures = to_timestamp(text, zone)
            for failure in failures:
                if failure.skipped_local_time:
                    gaps = gaps | (failure.mask.fill_null(False) & result.is_null())
        elif "%z" in fmt or "%:z" in fmt:
            parsed = text.str.to_datetime(fmt, time_zone="UTC", time_unit="us", strict=False)
        else:
            naive = text.str.to_datetime(fmt, time_unit="us", strict=False)
            if zone is None:
                raise ImportFailure(
                    f"timestamp format `{fmt}` has no offset and the mapping names no "
                    "`timestamps.timezone`; help: add one or pass --timezone"
                )
            parsed, skipped = localize(naive, zone)
            gaps = gaps | (skipped & result.is_null())
        result = result.fill_null(parsed)
    return result, expected, gaps & result.is_null()


Reject = Callable[[pl.Series, str, pl.Series, str], None]
"""Rejects the rows of a mask: (mask, column, values, reason)."""


def _reject_times(
    reject: Reject,
    parsed: tuple[pl.Series, str, pl.Series],
    column: str,
    value: pl.Series,
    zone: str | None,
) -> None:
    typed, expected, gaps = parsed
    reject(
        gaps,
        column,
        value,
        f"`{column}` is a local time that does not exist in {zone} "
        "(skipped by a daylight-saving change)",
    )
    reject(
        typed.is_null() & value.is_not_null() & ~gaps,
        column,
        value,
        f"`{column}` is not a timestamp ({expected})",
    )


def _type_fields(
    raw: pl.DataFrame,
    mapping: Mapping,
    zone: str | None,
    file: str,
    log: IssueLog,
    summary: ImportSummary,
) -> tuple[pl.DataFrame, pl.Series]:
    """One typed column per mapped field (and the grouping columns), and the mask of
    rows rejected because some value could not be mapped or typed."""
    rows = raw[ROW]
    out: dict[str, pl.Series] = {ROW: rows}
    rejected = pl.Series([], dtype=pl.Boolean).extend_constant(False, len(raw))

    records = (
        raw[mapping.group.by]
        if mapping.group is not None
        else pl.Series([], dtype=pl.String).extend_constant(None, len(raw))
    )

    def reject(mask: pl.Series, column: str, values: pl.Series, reason: str) -> None:
        nonlocal rejected
        mask = mask.fill_null(False)
        count = int(mask.sum())
        if not count:
            return
        summary.reasons[reason] += count
        room = max(0, log.max_errors - log.errors)
        for row, value, record in (
            pl.DataFrame({"r": rows, "v": values, "id": records})
            .filter(mask)
            .head(room)
            .iter_rows()
        ):
            of = "" if record is None else f" (an update of record `{record}`)"
            log.error(
                file,
                f"row rejected{of}: {reason}",
                row=int(row),
                field=column,
                shown=None if value is None else show_value(value),
            )
        log.dropped_errors += max(0, count - room)
        rejected = rejected | mask

    for name, fm in mapping.fields.items():
        if fm.column is None:  # from_status: derived when grouping
            continue
        source = raw[fm.column]
        out[name] = _type_one(name, fm, source, raw, mapping, zone, reject)
    if mapping.group is not None:
        g = mapping.group
        wall = mapping.timestamps.offsets == "wall_time"
        out["__by__"] = raw[g.by]
        out["__status__"] = _status(raw, g.status_columns(), g.status_separator)
        parsed = _parse_times(raw[g.at], mapping.timestamps.formats, zone, wall)
        at = parsed[0]
        _reject_times(reject, parsed, g.at, raw[g.at], zone)
        reject(raw[g.at].is_null(), g.at, raw[g.at], f"`{g.at}` is missing")
        reject(raw[g.by].is_null(), g.by, raw[g.by], f"`{g.by}` is missing")
        out["__at__"] = at
        for k, key in enumerate(g.order_by):
            column = raw[key.column]
            if key.type == "timestamp":
                typed = (
                    at
                    if key.column == g.at
                    else _parse_times(column, mapping.timestamps.formats, zone, wall)[0]
                )
            elif key.type == "number":
                typed = column.cast(pl.Float64, strict=False)
            else:
                typed = column
            out[f"__order{k}__"] = typed
    return pl.DataFrame([series.alias(key) for key, series in out.items()]), rejected


def _type_one(
    name: str,
    fm: FieldMap,
    source: pl.Series,
    raw: pl.DataFrame,
    mapping: Mapping,
    zone: str | None,
    reject: Reject,
) -> pl.Series:
    column = fm.column
    assert column is not None  # from_status fields are derived when grouping
    value = source
    if fm.values is not None:
        reject(
            ~source.is_in(fm.values) & source.is_not_null(),
            column,
            source,
            f"`{column}` is not one of {', '.join(fm.values)}",
        )
    if fm.default is not None:
        source = source.fill_null(fm.default)
        value = source
    if fm.map is not None:
        mapped = source.replace_strict(fm.map, default=None, return_dtype=pl.String)
        unmapped = mapped.is_null() & source.is_not_null()
        if fm.unmapped == "reject":
            reject(unmapped, column, source, f"`{column}` has a value the mapping does not map")
        elif fm.unmapped == "keep":
            mapped = mapped.fill_null(source)
        value = mapped
    kind = fm.type
    if kind == "timestamp":
        parsed = _parse_times(
            value, mapping.timestamps.formats, zone, mapping.timestamps.offsets == "wall_time"
        )
        typed = parsed[0]
        _reject_times(reject, parsed, column, value, zone)
        if fm.plus_minutes is not None:
            minutes = raw[fm.plus_minutes].cast(pl.Float64, strict=False)
            micros = (minutes * 60_000_000).round(0).cast(pl.Int64)
            typed = (typed + micros.cast(pl.Duration("us"))).alias(name)
        return typed.alias(name)
    converters = {
        "number": to_number,
        "boolean": to_boolean,
        "date": to_date,
        "duration": to_duration,
    }
    if kind in converters:
        typed, failures = converters[kind](value)
        for failure in failures:
            reject(failure.mask, column, value, f"`{column}`: {failure.message}")
        return typed.alias(name)
    return value.cast(pl.String).alias(name)


# ----------------------------------------------------------------------------- grouping


def _aggregate(name: str, fm: FieldMap) -> pl.Expr:
    col = pl.col(name)
    return {
        "first": col.first(),
        "last": col.last(),
        "first_set": col.drop_nulls().first(),
        "last_set": col.drop_nulls().last(),
        "min": col.min(),
        "max": col.max(),
    }[fm.aggregate].alias(name)


def _group(typed: pl.DataFrame, mapping: Mapping) -> pl.DataFrame:
    """One record per ``group.by``: updates in order, field values by their aggregate,
    first response, pauses and status history from the status sequence."""
    g = mapping.group
    assert g is not None
    order = ["__by__", *[f"__order{k}__" for k in range(len(g.order_by))]]
    events = typed.sort(order, nulls_last=True, maintain_order=True)
    sep = g.status_separator
    aggs = []
    for name, fm in mapping.fields.items():
        fs = fm.from_status
        if fs is None:
            aggs.append(_aggregate(name, fm))
            continue
        inside = status_matches(pl.col("__status__"), fs.named(), sep)
        if fs.not_in is not None:
            inside = ~inside
        before = inside.shift(1).over("__by__").fill_null(False)
        moved = (inside & ~before) if fs.change == "enters" else (~inside & before)
        times = pl.col("__at__").filter(moved)
        aggs.append((times.first() if fs.pick == "first" else times.last()).alias(name))
    aggs.append(pl.col(ROW).min().alias(ROW))
    if mapping.first_response is not None:
        fr = mapping.first_response
        answered = status_matches(pl.col("__status__"), fr.named(), sep)
        if fr.not_in is not None:
            answered = ~answered
        aggs.append(pl.col("__at__").filter(answered).first().alias("first_response_at"))
    if mapping.status_history:
        aggs.append(
            pl.struct(pl.col("__at__").alias("at"), pl.col("__status__").alias("status")).alias(
                "status_history"
            )
        )
    table = events.group_by("__by__", maintain_order=True).agg(aggs)
    if mapping.pauses is not None:
        table = table.join(_pauses(events, mapping.pauses.reasons, sep), on="__by__", how="left")
        table = table.with_columns(
            pl.col("pauses").fill_null(pl.lit([], dtype=table.schema["pauses"]))
        )
    return table.drop("__by__")


def _pauses(events: pl.DataFrame, reasons: dict[str, str], separator: str) -> pl.DataFrame:
    """Runs of consecutive updates in one status; a run in a pause state is a pause from
    its first update to the first update of the next run (open when none follows). A
    status takes the reason of the key equal to it, else of the longest key it starts
    with (followed by the separator)."""
    reason = pl.col("__status__").replace_strict(reasons, default=None, return_dtype=pl.String)
    for key in sorted(reasons, key=len, reverse=True):
        reason = reason.fill_null(
            pl.when(pl.col("__status__").str.starts_with(key + separator)).then(
                pl.lit(reasons[key])
            )
        )
    runs = (
        events.select("__by__", "__status__", "__at__")
        .with_columns(
            (
                (pl.col("__by__") != pl.col("__by__").shift(1))
                | (pl.col("__status__") != pl.col("__status__").shift(1))
            )
            .fill_null(True)
            .cum_sum()
            .alias("__run__")
        )
        .group_by("__run__", maintain_order=True)
        .agg(pl.col("__by__").first(), pl.col("__status__").first(), pl.col("__at__").first())
        .with_columns(
            pl.when(pl.col("__by__").shift(-1) == pl.col("__by__"))
            .then(pl.col("__at__").shift(-1))
            .otherwise(None)
            .alias("end"),
            reason.alias("reason"),
        )
        .filter(pl.col("reason").is_not_null())
    )
    return runs.group_by("__by__", maintain_order=True).agg(
        pl.struct(pl.col("__at__").alias("start"), "end", "reason").alias("pauses")
    )
