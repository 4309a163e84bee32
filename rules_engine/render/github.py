"""``--format github``: GitHub Actions workflow commands, one annotation per shortfall.

A provider-owned breach is an ``::error``, a customer-owned breach or an ``at_risk``
verdict a ``::warning``. One annotation per target and verdict (its periods together),
at most ten of each level (what GitHub shows per step), placed on the data file the
target judged when the document names it, else on the target's clause in the policy; a
final ``::notice`` sums the run up. :func:`render_github_summary` is the full table for
the job summary.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from typing import Any

from rules_engine.escape import github_data, github_property
from rules_engine.render.report.document import iter_targets, normalize, shortfall_sentence, span_of

MAX_ANNOTATIONS = 10
"""GitHub shows at most 10 annotations of each level (error, warning) per step; more are
dropped silently, so the last one allowed says how many more there are."""


def render_github(raw: Mapping[str, Any]) -> str:
    """The evaluation document as workflow commands, one per line: one annotation per
    target and verdict (its periods together), at most :data:`MAX_ANNOTATIONS` of each
    level, each on the data file the target judged when the document names it (the
    breach is in the data; the message names the policy clause), else on the clause."""
    doc = normalize(raw)
    counts: Counter[str] = Counter()
    groups: dict[tuple[str, str, str], list[tuple[str, Mapping[str, Any]]]] = {}
    for period, name, target in iter_targets(doc):
        verdict = str(target["verdict"])
        counts[verdict] += 1
        if verdict not in ("breached", "at_risk"):
            continue
        level = "error" if verdict == "breached" and target["owner"] != "customer" else "warning"
        groups.setdefault((level, name, verdict), []).append((str(period["period"]), target))
    sources = doc.get("data", {}).get("sources")
    files = sources if isinstance(sources, Mapping) else {}
    lines: list[str] = []
    overflow: list[str] = []
    for level in ("error", "warning"):
        mine = [key for key in groups if key[0] == level]
        if len(mine) > MAX_ANNOTATIONS:
            rest = mine[MAX_ANNOTATIONS - 1 :]
            title = github_property(f"SLA: {len(rest)} more targets with shortfalls")
            message = (
                f"{sum(len(groups[key]) for key in rest)} more shortfalls ({level}s) are not "
                f"annotated here, GitHub shows {MAX_ANNOTATIONS} per step; the job summary "
                "has the full table"
            )
            overflow.append(f"::{level} title={title}::{github_data(message)}")
            for key in rest:
                del groups[key]
    for (level, name, verdict), found in groups.items():  # in the document's order
        lines.append(_annotation(level, name, verdict, found, files))
    lines += overflow
    summary = ", ".join(
        f"{counts.get(v, 0)} {v.replace('_', ' ')}"
        for v in ("met", "at_risk", "breached", "no_data")
    )
    as_of = doc.get("as_of") or "-"
    title = github_property(f"SLA {doc['policy']['name']}")
    lines.append(f"::notice title={title}::{github_data(f'{summary} (as of {as_of})')}")
    return "\n".join(lines) + "\n"


def _annotation(
    level: str,
    name: str,
    verdict: str,
    found: list[tuple[str, Mapping[str, Any]]],
    files: Mapping[str, Any],
) -> str:
    """One target's shortfalls (one verdict, every period with it) as one annotation."""
    label, target = found[0]
    props = []
    span = span_of(target)
    data_file = files.get(str(target.get("dataset") or ""))
    if data_file:
        props.append(f"file={github_property(str(data_file))}")
    elif span is not None:
        props += [f"file={github_property(span.file)}", f"line={span.line}", f"col={span.column}"]
        if span.end_line:
            props.append(f"endLine={span.end_line}")
        if span.end_column and span.end_line == span.line:
            props.append(f"endColumn={span.end_column}")
    owner = " (customer-owned)" if target["owner"] == "customer" else ""
    labels = [found_label for found_label, _ in found]
    title = f"SLA {verdict.replace('_', ' ')}{owner}: {name} in {', '.join(labels)}"
    props.append(f"title={github_property(title)}")
    message = shortfall_sentence(label, name, target).rstrip(".")
    if len(found) > 1:
        message += f"; also in {', '.join(labels[1:])}"
    breached = [
        str(r.get("id") if isinstance(r, Mapping) else r)
        for _, t in found
        for r in (t.get("breached_records") or [])
    ]
    if data_file and breached:
        more = f" and {len(breached) - 5} more" if len(breached) > 5 else ""
        message += f"; breached records {', '.join(breached[:5])}{more}"
    if data_file and span is not None:
        message += f" (target at {span.file}:{span.line}:{span.column})"
    message += "."
    return f"::{level} {','.join(props)}::{github_data(message)}"


def render_github_summary(raw: Mapping[str, Any]) -> str:
    """The full table of shortfalls in Markdown, for ``$GITHUB_STEP_SUMMARY`` (the job
    summary has no limit on rows, unlike annotations)."""
    doc = normalize(raw)
    rows = []
    for period, name, target in iter_targets(doc):
        verdict = str(target["verdict"])
        if verdict not in ("breached", "at_risk"):
            continue
        breached = len(target.get("breached_records") or [])
        rows.append(
            f"| {period['period']} | `{name}` | {verdict.replace('_', ' ')} | "
            f"{target.get('owner', '')} | {_cell(str(target.get('objective', '')))} | "
            f"{_cell(str(target.get('value') or '-'))} | {breached} |"
        )
    head = [f"### SLA {_cell(str(doc['policy']['name']))}: as of {doc.get('as_of') or '-'}", ""]
    if not rows:
        return "\n".join([*head, "No target breached or at risk.", ""])
    table = [
        "| period | target | verdict | owner | objective | value | breached records |",
        "| --- | --- | --- | --- | --- | --- | --- |",
        *rows,
    ]
    return "\n".join([*head, *table, ""])


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")
