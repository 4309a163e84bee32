"""Compare the engine's per-incident resolution verdicts with ServiceNow's ``made_sla``.

    python examples/servicenow/compare_made_sla.py [EXPORT.zip]

Imports the event log with the shipped ``servicenow_event_log`` mapping (times read as
UTC), evaluates ``policy.sla`` month by month through :func:`rules_engine.pipeline.evaluate`
(the code path ``sla eval`` uses), and compares each resolved incident's verdict
(met / breached) with the ``made_sla`` flag of its last update. The SLA behind
``made_sla`` is unpublished, so agreement is a sanity check: the script prints the rate
per priority and the main patterns behind the disagreements.
"""

from __future__ import annotations

import datetime as dt
import sys
from pathlib import Path

import polars as pl

from rules_engine.api import load_policy
from rules_engine.data.importer import import_export
from rules_engine.data.mapping import load_mapping
from rules_engine.evaluation.periods import parse_period, periods_between
from rules_engine.pipeline import EvaluationOptions, evaluate

HERE = Path(__file__).resolve().parent
DEFAULT_EXPORT = HERE / "export" / "servicenow-incident-event-log.csv.zip"
AS_OF = dt.datetime(2017, 3, 1, tzinfo=dt.UTC)  # after the last event (2017-02-15); as README


class Bundle:
    def __init__(self, tickets: pl.DataFrame) -> None:
        self.tables = {"tickets": tickets}


def verdicts(tickets: pl.DataFrame, policy_path: Path) -> pl.DataFrame:
    """Per incident: the resolution target's record status and measured hours."""
    policy = load_policy(policy_path)
    periods = periods_between(
        parse_period("2016-02", "month", policy.timezone),
        parse_period("2016-05", "month", policy.timezone),
    )
    evaluation = evaluate(
        policy, Bundle(tickets), periods, AS_OF, EvaluationOptions(detail_limit=10**9)
    )
    rows = []
    for period in evaluation.document["periods"]:
        for name, target in period["targets"].items():
            if not name.endswith("_resolution"):
                continue
            for rid, rec in target["records"].items():
                rows.append(
                    {
                        "id": rid,
                        "period": period["period"],
                        "status": rec["status"],
                        "hours": float(rec["measured_s"]) / 3600,
                        "paused_h": float(rec["paused_s"]) / 3600,
                    }
                )
    return pl.DataFrame(rows)


def main() -> None:
    export = Path(sys.argv[1]) if len(sys.argv) > 1 else DEFAULT_EXPORT
    mapping, origin = load_mapping("servicenow_event_log")
    tickets, summary = import_export(export, mapping, origin=origin)
    print(f"imported {summary.records} incidents ({summary.rejected_rows} rows rejected)")
    ours = verdicts(tickets, HERE / "policy.sla")
    facts = tickets.select(
        "id",
        "priority",
        "made_sla",
        pl.col("pauses").list.len().alias("pauses"),
        pl.col("status_history").list.len().alias("updates"),
        pl.col("resolved_at").is_null().alias("no_resolution"),
    )
    joined = ours.join(facts, on="id").filter(pl.col("status") != "pending")
    joined = joined.with_columns((pl.col("status") == "met").alias("ours_met"))
    joined = joined.with_columns((pl.col("ours_met") == pl.col("made_sla")).alias("agree"))
    total = joined.height
    agree = int(joined["agree"].sum())
    print(f"decided incidents compared: {total}; agreement {agree}/{total} = {agree / total:.1%}")
    print(
        joined.group_by("priority")
        .agg(
            pl.len().alias("n"),
            pl.col("agree").mean().round(3).alias("agreement"),
            pl.col("made_sla").mean().round(3).alias("sn_made_sla"),
            pl.col("ours_met").mean().round(3).alias("ours_met"),
        )
        .sort("priority")
    )
    print("confusion (ours_met x made_sla):")
    print(joined.group_by("ours_met", "made_sla").len().sort("ours_met", "made_sla"))
    disagree = joined.filter(~pl.col("agree"))
    print("disagreements by kind:")
    print(
        disagree.with_columns(
            pl.when(pl.col("ours_met"))
            .then(pl.lit("we met, ServiceNow breached"))
            .otherwise(pl.lit("we breached, ServiceNow met"))
            .alias("kind")
        )
        .group_by("kind", "priority")
        .agg(
            pl.len().alias("n"),
            pl.col("hours").median().round(1).alias("median_h"),
            (pl.col("hours") < 1).mean().round(3).alias("share_under_1h"),
            (pl.col("pauses") > 0).mean().round(3).alias("share_paused"),
            pl.col("no_resolution").mean().round(3).alias("share_unresolved"),
            pl.col("updates").median().alias("median_updates"),
        )
        .sort("kind", "priority")
    )


if __name__ == "__main__":
    main()
