"""``sla schema [DATASET]``: the JSON Schema (Draft 2020-12) of the normalized data."""

from __future__ import annotations

import difflib
import json

import click

from rules_engine.data.schema import DATASET_MODELS, json_schema


@click.command(name="schema")
@click.argument("dataset", required=False)
def schema(dataset: str | None) -> None:
    """Print the JSON Schema of one dataset's records, or of a whole data bundle."""
    if dataset is not None and dataset not in DATASET_MODELS:
        close = difflib.get_close_matches(dataset, DATASET_MODELS, n=1)
        hint = f"did you mean `{close[0]}`?" if close else f"datasets: {', '.join(DATASET_MODELS)}"
        click.echo(f"error: unknown dataset `{dataset}`; help: {hint}", err=True)
        raise SystemExit(2)
    click.echo(json.dumps(json_schema(dataset), indent=2, sort_keys=False))
