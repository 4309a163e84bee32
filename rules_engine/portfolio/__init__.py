"""A provider's whole portfolio: many contracts, each with its data, evaluated on Dask.

``manifest.py`` reads the portfolio manifest, ``contract.py`` evaluates one contract
exactly as ``sla eval`` does (the task a worker runs), ``run.py`` runs them sequentially,
on a local Dask cluster or on an existing scheduler, and ``outputs.py`` writes the
per-contract documents, the portfolio table and the portfolio report.
"""

from rules_engine.portfolio.contract import ContractResult, evaluate_contract
from rules_engine.portfolio.manifest import ContractSpec, Manifest, ManifestError, read_manifest
from rules_engine.portfolio.outputs import portfolio_table, write_outputs
from rules_engine.portfolio.run import Engine, EngineError, run_portfolio

__all__ = [
    "ContractResult",
    "ContractSpec",
    "Engine",
    "EngineError",
    "Manifest",
    "ManifestError",
    "evaluate_contract",
    "portfolio_table",
    "read_manifest",
    "run_portfolio",
    "write_outputs",
]
