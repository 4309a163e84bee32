"""On a real local Dask cluster (two worker processes): the same documents, table and
report as the sequential run, byte for byte, and failing contracts isolated there too."""

from __future__ import annotations

import dataclasses
import datetime as dt
from pathlib import Path

from rules_engine.portfolio import Engine, Manifest, read_manifest, run_portfolio, write_outputs

from .test_portfolio import EXAMPLE, failing_manifest

NOW = dt.datetime(2026, 6, 1, tzinfo=dt.UTC)


def _files(out: Path) -> dict[str, bytes]:
    return {str(p.relative_to(out)): p.read_bytes() for p in sorted(out.rglob("*")) if p.is_file()}


def test_two_workers_write_what_the_sequential_run_writes(tmp_path: Path) -> None:
    (tmp_path / "in").mkdir()
    failing = read_manifest(str(failing_manifest(tmp_path / "in")))
    example = read_manifest(str(EXAMPLE / "portfolio.yaml"))
    # one run over the example's shared-dataset contract (renamed) and the failing
    # manifest's three (kept few: starting two worker processes is most of the time)
    tailspin = dataclasses.replace(example.contracts[2], id="example-tailspin")
    both = Manifest(failing.path, "both", (tailspin, *failing.contracts))
    written = {}
    for name, engine in (("sequential", Engine(sequential=True)), ("cluster", Engine(workers=2))):
        results = run_portfolio(both, engine, NOW)
        # manifest order, whatever order the workers finished in
        assert [(r.id, r.status) for r in results] == [
            ("example-tailspin", "breached"),
            ("broken", "failed"),
            ("contoso", "breached"),
            ("baddata", "failed"),
        ]
        write_outputs(both, results, tmp_path / name)
        written[name] = _files(tmp_path / name)
    assert "contracts/example-tailspin.json" in written["cluster"]
    assert written["cluster"] == written["sequential"]
