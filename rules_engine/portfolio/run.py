"""Running a portfolio's contracts: in this process, on a local Dask cluster of worker
processes, or on an existing Dask scheduler.

Every engine runs the same task, :func:`~rules_engine.portfolio.contract.evaluate_contract`,
with the same clock, and the results come back in manifest order, so the documents are
the same bytes whichever engine ran them. Dask is imported only when a cluster is used.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from rules_engine.portfolio.contract import FAILED, ContractResult, evaluate_contract, failed_result
from rules_engine.portfolio.manifest import ContractSpec, Manifest

Progress = Callable[[int, int, int], None]
"""Called after each contract: (done, total, failed so far)."""


@dataclass(frozen=True)
class Engine:
    """Where the contracts run: ``sequential`` in this process, a local cluster of
    ``workers`` processes (one thread each), or the scheduler at ``scheduler``."""

    sequential: bool = False
    workers: int | None = None
    scheduler: str | None = None

    def describe(self) -> str:
        if self.sequential:
            return "sequential"
        if self.scheduler is not None:
            return f"scheduler {self.scheduler}"
        return f"local cluster, {self.workers} worker processes"


class EngineError(Exception):
    """The cluster could not be started or reached; the message is one line."""


def run_portfolio(
    manifest: Manifest,
    engine: Engine,
    now: dt.datetime,
    progress: Progress | None = None,
    reports: bool = False,
) -> list[ContractResult]:
    """Every contract's result, in manifest order (with its HTML report if ``reports``)."""
    specs = list(manifest.contracts)
    if engine.sequential:
        return list(_sequential(specs, now, progress, reports))
    return _on_dask(specs, engine, now, progress, reports)


def _sequential(
    specs: list[ContractSpec], now: dt.datetime, progress: Progress | None, reports: bool
) -> Iterator[ContractResult]:
    failed = 0
    for done, spec in enumerate(specs, start=1):
        result = evaluate_contract(spec, now, reports)
        failed += result.status == FAILED
        if progress is not None:
            progress(done, len(specs), failed)
        yield result


def _on_dask(
    specs: list[ContractSpec],
    engine: Engine,
    now: dt.datetime,
    progress: Progress | None,
    reports: bool,
) -> list[ContractResult]:
    from distributed import Client, LocalCluster, as_completed

    cluster: LocalCluster | None = None
    try:
        if engine.scheduler is not None:
            client = Client(engine.scheduler, timeout="10s")  # type: ignore[no-untyped-call]
        else:
            cluster = LocalCluster(  # type: ignore[no-untyped-call]
                n_workers=engine.workers or 1,
                processes=True,
                threads_per_worker=1,
                dashboard_address=None,
                worker_dashboard_address=None,
                silence_logs=logging.ERROR,
            )
            client = Client(cluster)  # type: ignore[no-untyped-call]
    except (OSError, TimeoutError, ValueError, RuntimeError) as exc:
        if cluster is not None:
            cluster.close()
        where = engine.scheduler or "a local cluster"
        raise EngineError(
            f"error: cannot reach {where} ({exc}); help: check the address, or use --workers N"
        ) from None
    try:
        # pure=False: each contract is its own task, even if two specs are equal
        futures = client.map(evaluate_contract, specs, now=now, report=reports, pure=False)
        index = {future.key: i for i, future in enumerate(futures)}
        results: list[ContractResult | None] = [None] * len(specs)
        failed = 0
        for done, future in enumerate(as_completed(futures), start=1):  # type: ignore[no-untyped-call]
            at = index[future.key]
            try:
                result: ContractResult = future.result()
            except Exception as exc:  # the worker died (out of memory, killed)
                result = failed_result(
                    specs[at],
                    f"error: the worker evaluating `{specs[at].id}` failed ({type(exc).__name__}: "
                    f"{exc}); help: check the workers' memory and logs",
                )
            results[at] = result
            failed += result.status == FAILED
            if progress is not None:
                progress(done, len(specs), failed)
        return [r for r in results if r is not None]
    finally:
        client.close()  # type: ignore[no-untyped-call]
        if cluster is not None:
            cluster.close()
