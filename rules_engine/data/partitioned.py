"""One customer's slice of a shared, hive-partitioned Parquet dataset.

A provider keeps one ticket database for all its customers; exported as Parquet
partitioned by customer it looks like::

    warehouse/
      tickets/customer=contoso/part-0.parquet
      tickets/customer=fabrikam/part-0.parquet
      outages/customer=contoso/part-0.parquet

Each dataset is a folder under the root, named after the dataset. A customer's bundle
holds the datasets that have a partition for it, read with Polars ``scan_parquet`` and a
filter on the partition key, so only that customer's files are opened (predicate
pushdown onto the hive partitions). The partition column is dropped; from there each
table goes through the same typing and checks as a file ``sla eval --data`` reads.
"""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

import polars as pl

from rules_engine.data.checks import check_table
from rules_engine.data.coerce import coerce_table
from rules_engine.data.dtypes import dataset_spec
from rules_engine.data.formats import ROW, parquet_frame
from rules_engine.data.issues import IssueLog
from rules_engine.data.loader import DataBundle
from rules_engine.language.model import CheckedPolicy

SAFE_VALUE = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]*")
"""A partition value that names one folder: no separator, no `..`, no leading dot."""


def partition_folder(root: str | Path, dataset: str, key: str, value: str) -> Path:
    """Where dataset ``dataset``'s partition ``key=value`` lives under ``root``."""
    return Path(root) / dataset / f"{key}={value}"


def partition_sha256(folder: Path) -> str:
    """A digest of a partition's files: each file's path inside the partition and its
    bytes, in path order, so the same files give the same digest wherever they live."""
    digest = hashlib.sha256()
    for file in sorted(p for p in folder.rglob("*.parquet") if p.is_file()):
        digest.update(file.relative_to(folder).as_posix().encode("utf-8") + b"\0")
        digest.update(file.read_bytes())
    return digest.hexdigest()


def load_partition(
    root: str | Path,
    key: str,
    value: str,
    *,
    policy: CheckedPolicy | None = None,
    timezone: str | None = None,
    max_errors: int = 100,
) -> DataBundle:
    """The bundle of customer ``value``: every dataset under ``root`` with a ``key=value``
    partition. Raises :class:`rules_engine.data.DataError` with located issues (the
    partition folder as the file, the row counted across its files in path order)."""
    log = IssueLog(max_errors=max_errors)
    base = Path(root)
    if not base.is_dir():
        log.unreadable_file(
            str(base), "no such folder", "give the root of the hive-partitioned dataset"
        )
        log.raise_if_errors()
    bundle = DataBundle(tables={})
    for folder in sorted(p for p in base.iterdir() if p.is_dir() and not p.name.startswith(".")):
        dataset = folder.name
        partition = partition_folder(base, dataset, key, value)
        if not partition.is_dir():
            continue  # the customer has no records of this dataset
        file = str(partition)
        spec = dataset_spec(dataset, policy)
        if spec is None:
            log.unreadable_file(
                str(folder),
                f"unknown dataset `{dataset}`",
                "name each folder of the shared dataset after a dataset, or declare it in the policy",
            )
            continue
        try:
            # partitions may differ in columns (one customer's export has a field
            # another's lacks): the schema is this customer's own first file's
            files = sorted(p for p in partition.rglob("*.parquet") if p.is_file())
            schema = pl.read_parquet_schema(files[0]) if files else None
            frame = (
                pl.scan_parquet(
                    folder,
                    schema=schema,
                    hive_partitioning=True,
                    hive_schema={key: pl.String},
                    missing_columns="insert",
                )
                .filter(pl.col(key) == value)
                .drop(key)
                .collect()
            )
        except Exception as exc:  # polars raises several kinds for a corrupt file
            first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
            log.unreadable_file(
                file, f"not a readable Parquet partition: {first}", "re-export the partition"
            )
            continue
        raw = parquet_frame(frame, file, log)
        typed = coerce_table(raw, spec, file, timezone, log)
        table = check_table(typed, spec, file, policy, log)
        bundle.rows[dataset] = table[ROW]
        bundle.tables[dataset] = table.drop(ROW)
        bundle.sources[dataset] = file
        bundle.sha256[dataset] = partition_sha256(partition)
    if not bundle.tables and not log.errors:
        log.unreadable_file(
            str(base),
            f"no dataset has a partition `{key}={value}`",
            f"check the customer; partitions look like `tickets/{key}=VALUE/`",
        )
    log.raise_if_errors()
    bundle.warnings = log.summarized()
    return bundle
