"""The benchmark generator: seeded, in the loader's dtypes, and loadable back."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

from rules_engine.data import dataset_dtypes, load_data

_PATH = Path(__file__).resolve().parents[2] / "bench" / "gen_tickets.py"
_spec = importlib.util.spec_from_file_location("gen_tickets", _PATH)
assert _spec is not None and _spec.loader is not None
gen_tickets = importlib.util.module_from_spec(_spec)
sys.modules["gen_tickets"] = gen_tickets
_spec.loader.exec_module(gen_tickets)


def test_same_seed_same_tickets_in_normalized_dtypes() -> None:
    a = gen_tickets.generate(3000, 5)
    assert a.equals(gen_tickets.generate(3000, 5))
    assert not a.equals(gen_tickets.generate(3000, 6))
    assert dict(a.schema) == dataset_dtypes("tickets")
    assert set(a["priority"].unique()) == {"P1", "P2", "P3", "P4"}
    assert 0 < a["resolved_at"].null_count() < 300  # about 5% open
    assert a["id"].n_unique() == 3000


def test_written_files_load_back_equal_and_clean(tmp_path: Path) -> None:
    frame = gen_tickets.generate(2000, 9)
    for name in ("tickets.parquet", "tickets.jsonl", "tickets.jsonl.gz"):
        path = tmp_path / name
        gen_tickets.write(frame, path, 9)
        bundle = load_data(path)
        assert bundle.warnings == [], name
        assert bundle.tables["tickets"].equals(frame), name
