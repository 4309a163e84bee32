"""``sla portfolio eval MANIFEST [--workers N | --scheduler ADDRESS | --sequential] --out DIR``.

Exit codes: 0 when every contract was evaluated and none has a provider-owned target
breached, 1 when one has, 2 when a contract could not be evaluated (its located error is
printed and written into the portfolio's outputs; the other contracts are still
evaluated) or the manifest is bad.
"""

from __future__ import annotations

import datetime as dt
import os
import sys
from pathlib import Path

import click

from rules_engine.escape import terminal

EXIT_OK, EXIT_BAD, EXIT_INPUT = 0, 1, 2


@click.group(name="portfolio", help="Evaluate a provider's whole portfolio of contracts.")
def portfolio() -> None:
    """Evaluate a provider's whole portfolio of contracts."""


def _progress(done: int, total: int, failed: int) -> None:
    sys.stderr.write(f"\rcontracts {done}/{total} done, {failed} failed")
    if done == total:
        sys.stderr.write("\n")
    sys.stderr.flush()


@portfolio.command(
    name="eval",
    help="Evaluate every contract of MANIFEST: one evaluation document per contract (the "
    "JSON of `sla eval --format json`), a portfolio table (Parquet and CSV) and a "
    "portfolio report (HTML) in --out. By default on a local Dask cluster with one worker "
    "process per core.",
)
@click.argument("manifest_path", metavar="MANIFEST", type=click.Path())
@click.option(
    "--out", "out", required=True, type=click.Path(file_okay=False), help="Output folder."
)
@click.option("--workers", type=click.IntRange(min=1), help="Local Dask worker processes.")
@click.option("--scheduler", help="Address of an existing Dask scheduler, e.g. tcp://host:8786.")
@click.option("--sequential", is_flag=True, help="Evaluate in this process, without Dask.")
@click.option(
    "--contract-reports/--no-contract-reports",
    default=True,
    show_default=True,
    help="Also write each contract's HTML report (as `sla eval --format html`).",
)
def eval_(
    manifest_path: str,
    out: str,
    workers: int | None,
    scheduler: str | None,
    sequential: bool,
    contract_reports: bool,
) -> None:
    """Evaluate every contract of a portfolio manifest."""
    from rules_engine.portfolio import ManifestError, read_manifest, run_portfolio, write_outputs
    from rules_engine.portfolio.contract import BREACHED, FAILED
    from rules_engine.portfolio.run import Engine, EngineError

    chosen = sum([workers is not None, scheduler is not None, sequential])
    if chosen > 1:
        raise click.UsageError("--workers, --scheduler and --sequential exclude each other")
    try:
        manifest = read_manifest(manifest_path)
    except ManifestError as exc:
        click.echo(terminal(str(exc)), err=True)
        sys.exit(EXIT_INPUT)
    engine = Engine(
        sequential=sequential,
        workers=workers if workers is not None else (os.cpu_count() or 1),
        scheduler=scheduler,
    )
    now = dt.datetime.now(dt.UTC)
    progress = _progress if sys.stderr.isatty() else None
    try:
        results = run_portfolio(manifest, engine, now, progress, reports=contract_reports)
    except EngineError as exc:
        click.echo(terminal(str(exc)), err=True)
        sys.exit(EXIT_INPUT)
    try:
        write_outputs(manifest, results, Path(out))
    except OSError as exc:
        click.echo(
            f"error: {out}: cannot write ({exc.strerror}); help: check the folder and free space",
            err=True,
        )
        sys.exit(EXIT_INPUT)
    failed = [r for r in results if r.status == FAILED]
    for result in failed:
        click.echo(terminal(f"contract `{result.id}`:\n{result.error}"), err=True)
    if failed:
        sys.exit(EXIT_INPUT)
    sys.exit(EXIT_BAD if any(r.status == BREACHED for r in results) else EXIT_OK)
