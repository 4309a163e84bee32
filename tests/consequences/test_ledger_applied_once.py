"""Tables with the ledger applied no longer carry it, so nothing applies it twice."""

import datetime as dt

import polars as pl

from rules_engine.evaluation.exclusions import EXCLUSIONS, split_exclusions


def _utc(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text).astimezone(dt.UTC)


def test_applied_tables_drop_the_ledger_and_the_excluded_record() -> None:
    tickets = pl.DataFrame({"id": ["T-1", "T-2"], "priority": ["P1", "P1"]})
    ledger = pl.DataFrame(
        {
            "id": ["X-1", "X-2"],
            "record_id": ["T-1", "T-2"],
            "service": [None, None],
            "start": pl.Series([None, None], dtype=pl.Datetime("us", "UTC")),
            "end": pl.Series([None, None], dtype=pl.Datetime("us", "UTC")),
            "reason": ["customer", "customer"],
            "approved": [True, False],
        }
    )
    split = split_exclusions({"tickets": tickets, EXCLUSIONS: ledger})
    assert EXCLUSIONS not in split.approved_tables
    assert EXCLUSIONS not in split.all_tables
    # approved X-1 removes T-1; the disputed X-2 removes T-2 only in the claimed view
    assert split.approved_tables["tickets"]["id"].to_list() == ["T-2"]
    assert split.all_tables["tickets"]["id"].to_list() == []
    assert [entry["id"] for entry in split.disputed] == ["X-2"]
    # applying the split again finds no ledger, rather than complaining that T-1 is gone
    again = split_exclusions(split.approved_tables)
    assert again.approved_tables["tickets"]["id"].to_list() == ["T-2"]
