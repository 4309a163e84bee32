"""Normalized performance data: loading, typing and validating the tables the evaluator
reads, and importing real ticket-system exports through mapping files.

>>> from rules_engine.data import dataset_dtypes
>>> str(dataset_dtypes("outages")["started_at"])
"Datetime(time_unit='us', time_zone='UTC')"
"""

from rules_engine.data.dtypes import DatasetSpec, dataset_dtypes, dataset_spec
from rules_engine.data.issues import DataError, DataIssue
from rules_engine.data.loader import DataBundle, load_data, load_dataset

__all__ = [
    "DataBundle",
    "DataError",
    "DataIssue",
    "DatasetSpec",
    "dataset_dtypes",
    "dataset_spec",
    "load_data",
    "load_dataset",
]
