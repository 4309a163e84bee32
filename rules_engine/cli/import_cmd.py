"""``sla import --mapping NAME_OR_FILE INPUT -o OUTPUT.parquet|.jsonl``.

Prints what happened: rows read, records written, rows and records rejected with
reasons. Exit codes: 0 everything imported, 1 some rows or records rejected (the output
holds the rest), 2 nothing could be imported (unreadable input, a bad mapping).
"""

from __future__ import annotations

import io
import os
from pathlib import Path

import click

from rules_engine.cli.output import Inputs, OutputRefused, check_output, write_output
from rules_engine.data.importer import ImportFailure, import_export, write_table
from rules_engine.data.mapping import MappingError, load_mapping


@click.command(name="import")
@click.option(
    "--mapping", "mapping_name", required=True, help="A shipped mapping name or a YAML file."
)
@click.argument("input_path", metavar="INPUT", type=click.Path())
@click.option(
    "-o", "--output", "output", required=True, type=click.Path(), help="OUT.parquet or OUT.jsonl"
)
@click.option("--timezone", help="Zone of the export's times (overrides the mapping's).")
@click.option(
    "--max-errors",
    type=click.IntRange(min=1),
    default=20,
    show_default=True,
    help="Rejected rows to list one by one.",
)
def import_(
    mapping_name: str, input_path: str, output: str, timezone: str | None, max_errors: int
) -> None:
    """Import a ticket-system export into the normalized ticket table."""
    out = Path(output)
    if not out.name.lower().endswith((".parquet", ".jsonl", ".ndjson")):
        click.echo(f"error: {output}: the output must end in .parquet or .jsonl", err=True)
        raise SystemExit(2)
    mapping_file = (mapping_name,) if os.path.exists(mapping_name) else ()
    inputs = Inputs(paths=(input_path, *mapping_file))
    try:
        check_output(output, inputs, stdout=False)
        mapping, origin = load_mapping(mapping_name)
        table, summary = import_export(
            input_path, mapping, origin=origin, timezone=timezone, max_errors=max_errors
        )
        buffer = io.BytesIO()
        write_table(table, out, buffer)
        write_output(output, buffer.getvalue(), inputs, stdout=False)
    except OutputRefused as exc:
        click.echo(exc.one_line(), err=True)
        raise SystemExit(2) from None
    except (MappingError, ImportFailure) as exc:
        click.echo(f"error: {exc}", err=True)
        raise SystemExit(2) from None
    except OSError as exc:
        click.echo(f"error: {output}: cannot write: {exc.strerror or exc}", err=True)
        raise SystemExit(2) from None
    for line in summary.lines():
        click.echo(line)
    click.echo(f"wrote {summary.records} records to {out}")
    raise SystemExit(1 if summary.rejected_rows or summary.rejected_records else 0)
