"""Loading performance data: files -> typed, validated Polars tables."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import polars as pl

from rules_engine.data.checks import check_table
from rules_engine.data.coerce import check_timezone, coerce_table
from rules_engine.data.dtypes import DatasetSpec, dataset_spec
from rules_engine.data.formats import EXTENSIONS, ROW, SourceFile, Unreadable, describe, read_raw
from rules_engine.data.issues import DataIssue, IssueLog
from rules_engine.data.offsets import fixed_offset
from rules_engine.data.schema import DATASET_MODELS
from rules_engine.language.model import CheckedPolicy


@dataclass
class DataBundle:
    """Typed tables by dataset name, the warnings found loading them, and where each
    came from (path and SHA-256 of the file's bytes, for reproducible reports)."""

    tables: dict[str, pl.DataFrame]
    warnings: list[DataIssue] = field(default_factory=list)
    sources: dict[str, str] = field(default_factory=dict)
    sha256: dict[str, str] = field(default_factory=dict)
    rows: dict[str, pl.Series] = field(default_factory=dict)
    """The file row (line for JSON Lines and CSV) of each record, aligned with the table."""


DataPaths = str | Path | Sequence[str | Path]
"""One data path or several; each a file, a folder, or ``NAME=PATH`` (a file of dataset
NAME, whatever it is called)."""


def split_named(item: str | Path) -> tuple[str | None, Path]:
    """``NAME=PATH`` -> (NAME, PATH); anything else (including an existing path with an
    ``=`` in its name) -> (None, path)."""
    text = str(item)
    name, sep, rest = text.partition("=")
    if isinstance(item, str) and sep and name.isidentifier() and rest and not Path(text).exists():
        return name, Path(rest)
    return None, Path(item)


def load_data(
    path: DataPaths,
    *,
    policy: CheckedPolicy | None = None,
    timezone: str | None = None,
    max_errors: int = 100,
    name: str | None = None,
) -> DataBundle:
    """Load a data file (its dataset named by the file, ``tickets.jsonl`` -> tickets, or
    by ``name`` or ``NAME=PATH``) or a folder with one file per dataset; several paths
    are merged, and two files for one dataset are refused.

    Raises :class:`DataError` with every issue found (up to ``max_errors`` errors) when
    any is an error; warnings travel in the bundle.

    >>> import tempfile, pathlib
    >>> folder = pathlib.Path(tempfile.mkdtemp())
    >>> _ = (folder / "outages.jsonl").write_text(
    ...     '{"id": "O1", "service": "email", "started_at": "2026-01-12T04:00:00-05:00"}')
    >>> bundle = load_data(folder)
    >>> bundle.tables["outages"]["started_at"][0]
    datetime.datetime(2026, 1, 12, 9, 0, tzinfo=zoneinfo.ZoneInfo(key='UTC'))
    >>> bundle.tables["outages"]["ended_at"][0] is None, bundle.rows["outages"].to_list()
    (True, [1])
    """
    log = IssueLog(max_errors=max_errors)
    items = [path] if isinstance(path, str | Path) else list(path)
    if timezone is not None:
        try:
            check_timezone(timezone)
        except ValueError as exc:
            log.unreadable_file("--timezone", str(exc), "use an IANA name such as America/New_York")
            log.raise_if_errors()
    files: list[SourceFile] = []
    for item in items:
        named, root = split_named(item)
        if named is not None and root.is_dir():
            log.unreadable_file(
                str(item),
                f"`{named}=` names the dataset of one file, but `{root}` is a folder",
                "give the folder alone (its files are named after their datasets)",
            )
            log.raise_if_errors()
        files += _files(root, named or name, log)
    bundle = DataBundle(tables={})
    for src in files:
        if src.dataset in bundle.tables:
            hint = (
                "give one file per dataset; to combine two, concatenate them"
                if len(items) > 1
                else "keep one file per dataset"
            )
            log.unreadable_file(
                str(src.path),
                f"a second file for dataset `{src.dataset}` (first: {bundle.sources[src.dataset]})",
                hint,
            )
            continue
        table = _load_file(src, policy, timezone, log)
        if table is None:
            continue
        bundle.rows[src.dataset] = table[ROW]
        bundle.tables[src.dataset] = table.drop(ROW)
        bundle.sources[src.dataset] = str(src.path)
        bundle.sha256[src.dataset] = _sha256(src.path)
    log.raise_if_errors()
    bundle.warnings = log.grouped()
    return bundle


def load_dataset(
    path: str | Path,
    name: str,
    *,
    policy: CheckedPolicy | None = None,
    timezone: str | None = None,
    max_errors: int = 100,
) -> pl.DataFrame:
    """One dataset's typed table from one file, whatever the file is called."""
    bundle = load_data(path, policy=policy, timezone=timezone, max_errors=max_errors, name=name)
    return bundle.tables[name]


def _files(root: Path, name: str | None, log: IssueLog) -> list[SourceFile]:
    if not root.exists():
        log.unreadable_file(str(root), "no such file or folder")
        log.raise_if_errors()
    if not root.is_dir():
        if not root.is_file():
            log.unreadable_file(
                str(root),
                "not a regular file (a device, pipe or socket cannot be read as data)",
                "give a data file or a folder of them",
            )
            log.raise_if_errors()
        try:
            return [describe(root, name)]
        except Unreadable as exc:
            log.unreadable_file(str(root), str(exc), exc.hint)
            log.raise_if_errors()
    found: list[SourceFile] = []
    for child in sorted(root.iterdir()):
        if child.name.startswith("."):
            continue
        try:
            src = describe(child)
        except Unreadable:
            continue  # README.md and friends
        if child.is_dir():
            log.unreadable_file(
                str(child),
                "is a folder, but its name says it is a data file",
                "put the data file itself here, or rename the folder",
            )
            continue
        found.append(src)  # a pipe or device is refused when read, without blocking
    if not found and not log.errors:
        log.unreadable_file(
            str(root),
            "folder holds no data files",
            f"add one file per dataset, e.g. tickets.jsonl ({', '.join(sorted(EXTENSIONS))})",
        )
        log.raise_if_errors()
    return found


def _load_file(
    src: SourceFile, policy: CheckedPolicy | None, timezone: str | None, log: IssueLog
) -> pl.DataFrame | None:
    file = str(src.path)
    spec = dataset_spec(src.dataset, policy)
    if spec is None:
        known = sorted(set(DATASET_MODELS) | set(policy.datasets if policy else ()))
        declare = (
            "declare it in the policy"
            if policy is not None
            else "pass the policy that declares it with `--policy`"
        )
        log.unreadable_file(
            file,
            f"unknown dataset `{src.dataset}`",
            f"name the file after a dataset ({', '.join(known)}), give it as "
            f"`--data NAME={file}`, or {declare}",
        )
        return None
    try:
        raw = read_raw(src, spec, log)
    except Unreadable as exc:
        log.unreadable_file(file, str(exc), exc.hint)
        return None
    except OSError as exc:
        log.unreadable_file(file, f"cannot read: {exc.strerror or exc}")
        return None
    if policy is not None:
        _warn_fixed_offsets(raw, spec, policy.timezone, file, log)
    typed = coerce_table(raw, spec, file, timezone, log)
    return check_table(typed, spec, file, policy, log)


def _warn_fixed_offsets(
    raw: pl.DataFrame, spec: DatasetSpec, zone: str, file: str, log: IssueLog
) -> None:
    """A timestamp column written with one offset throughout while the policy's zone
    changes its offset within the column's range: probably local wall times stamped
    with a fixed offset (an export writing ``+01:00`` all summer). Warned once per file,
    since it shifts every summer time by an hour."""
    for column in spec.columns:
        if column.kind != "timestamp" or column.name not in raw.columns:
            continue
        written = fixed_offset(raw[column.name], zone)
        if written is not None:
            log.warning(
                file,
                f"every `{column.name}` is written `{written}`, although the policy's zone "
                f"{zone} changes its offset for daylight saving within their range",
                field=column.name,
                hint="if these are local wall times, re-import the export with "
                "`timestamps.offsets: wall_time` in its mapping",
            )
            return


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        while chunk := fh.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()
