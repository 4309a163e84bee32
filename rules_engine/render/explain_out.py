"""``sla explain`` as text: one target in one period, down to each record's clock time,
wall time and pauses, every figure in the unit its clock counts."""

from __future__ import annotations

from typing import Any

from rules_engine import present
from rules_engine.escape import terminal, terminal_field


def render_explanation(document: dict[str, Any], name: str) -> str:
    """One target in one period, as text."""
    period = document["periods"][0]
    target = period["targets"][name]
    lines = [
        f"target {name}"
        + (f' "{terminal_field(target["title"])}"' if target.get("title") else "")
        + f" at {target['span']}",
        f"period {period['period']} ({'over' if period['over'] else 'running'}) "
        f"{period['start']} to {period['end']}, as of {document['as_of']} ({document['as_of_source']})",
        f"scope: of {target['dataset']}" + (f" where {target['scope']}" if target["scope"] else ""),
        f"objective: {target['objective']} ({target['owner']}-owned)",
        f"verdict: {target['verdict']}",
        "",
        target["explanation"],
    ]
    if target.get("flip"):
        lines.append(f"to flip: {target['flip']}")
    if "downtime_intervals" in target:
        lines.append("")
        counted = ", ".join(map(terminal_field, target["outage_ids"])) or "none"
        dropped = ", ".join(map(terminal_field, target["planned_excluded_ids"])) or "none"
        lines.append(f"outages counted: {counted}")
        lines.append(f"planned, dropped: {dropped}")
        zone = document.get("timezone")
        for start, end in target["downtime_intervals"]:
            lines.append(f"  down {present.instant(start, zone)} to {present.instant(end, zone)}")
        for stretch in target.get("planned_time") or []:
            counted = stretch["counted_as_downtime"]
            down = present.duration(stretch["downtime_s"])
            lines.append(
                f"  planned {present.instant(stretch['start'], zone)} to "
                f"{present.instant(stretch['end'], zone)}: {stretch['source']} "
                f"{terminal_field(stretch['id'])} (outage {terminal_field(stretch['outage_id'])})"
                + (f", {down} counted as downtime: {counted}" if counted else "")
            )
    records = target.get("records")
    if records:
        lines.append("")
        header = ("ID", "STATUS", "CLOCK", "WALL TIME", "ON CLOCK", "PAUSED", "MEASURED", "OPEN")
        rows = [header]
        for rid, rec in records.items():
            # each record's time on its own clock: business hours on a calendar
            clock: present.ClockKind = "wall" if rec["clock"] in (None, "24x7") else "business"
            rows.append(
                (
                    terminal_field(rid),
                    terminal_field(rec["status"]),
                    terminal_field(rec["clock"] or "-"),
                    present.duration(rec.get("wall_s")),
                    present.duration(rec["gross_s"], clock),
                    present.duration(rec["paused_s"], clock),
                    present.duration(rec["measured_s"], clock),
                    "open" if rec["open"] else "",
                )
            )
        widths = [max(len(r[i]) for r in rows) for i in range(len(header))]
        lines.extend(
            "  " + "  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)).rstrip()
            for r in rows
        )
    return terminal("\n".join(lines) + "\n")
