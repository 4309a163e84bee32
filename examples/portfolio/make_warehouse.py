"""Writes warehouse/: the provider's shared ticket database, hive-partitioned by customer.

Run from the repository root: python examples/portfolio/make_warehouse.py. The Parquet
files it writes are committed; tests/portfolio checks that running it again gives the
same tables.
"""

from __future__ import annotations

import json
from pathlib import Path

import polars as pl

HERE = Path(__file__).resolve().parent
EXAMPLES = HERE.parent


def _records(path: Path) -> list[dict[str, object]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line]


def customers() -> dict[str, dict[str, list[dict[str, object]]]]:
    """Each customer's records per dataset: Fabrikam's are examples/versions' tickets;
    Tailspin's are the quick-start's, renumbered, with March's P1 answered late."""
    fabrikam = {"tickets": _records(EXAMPLES / "versions" / "data" / "tickets.jsonl")}
    tailspin: dict[str, list[dict[str, object]]] = {}
    for dataset in ("tickets", "outages", "surveys"):
        rows = _records(EXAMPLES / "quickstart" / "data" / f"{dataset}.jsonl")
        for row in rows:
            row["id"] = "TT-" + str(row["id"]).split("-", 1)[1]
            row.pop("pauses", None)  # Tailspin's export has no pause history
        tailspin[dataset] = rows
    for row in tailspin["tickets"]:
        if row["id"] == "TT-0302":
            row["first_response_at"] = "2026-03-19T10:40:00-04:00"
    return {"fabrikam": fabrikam, "tailspin": tailspin}


def main() -> None:
    for customer, datasets in customers().items():
        for dataset, rows in datasets.items():
            folder = HERE / "warehouse" / dataset / f"customer={customer}"
            folder.mkdir(parents=True, exist_ok=True)
            frame = pl.DataFrame(rows, infer_schema_length=None)
            frame.write_parquet(folder / "part-0.parquet", statistics=False)


if __name__ == "__main__":
    main()
