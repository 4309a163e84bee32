"""``sla schema [DATASET|evaluation]``: the JSON Schema (Draft 2020-12) of the normalized
data, or of the evaluation document ``sla eval --format json`` writes."""

from __future__ import annotations

import difflib
import json

import click

from rules_engine import document
from rules_engine.data.schema import DATASET_MODELS, json_schema

EVALUATION = "evaluation"


@click.command(name="schema")
@click.argument("dataset", required=False)
def schema(dataset: str | None) -> None:
    """Print the JSON Schema of one dataset's records, of a whole data bundle, or (with
    `evaluation`) of the evaluation document."""
    if dataset == EVALUATION:
        click.echo(json.dumps(document.json_schema(), indent=2, ensure_ascii=False))
        return
    if dataset is not None and dataset not in DATASET_MODELS:
        names = [*DATASET_MODELS, EVALUATION]
        close = difflib.get_close_matches(dataset, names, n=1)
        hint = f"did you mean `{close[0]}`?" if close else f"one of: {', '.join(names)}"
        click.echo(f"error: unknown dataset `{dataset}`; help: {hint}", err=True)
        raise SystemExit(2)
    click.echo(json.dumps(json_schema(dataset), indent=2, sort_keys=False))
