"""``--format github``: GitHub Actions workflow commands, one annotation per shortfall.

A provider-owned breach is an ``::error``, a customer-owned breach or an ``at_risk``
verdict a ``::warning``, each placed at the target's span in the policy so the pull
request shows it on the clause; a final ``::notice`` sums the run up.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from typing import Any

from rules_engine.escape import github_data, github_property
from rules_engine.render.report.document import iter_targets, normalize, shortfall_sentence, span_of


def render_github(raw: Mapping[str, Any]) -> str:
    """The evaluation document as workflow commands, one per line."""
    doc = normalize(raw)
    lines: list[str] = []
    counts: Counter[str] = Counter()
    for period, name, target in iter_targets(doc):
        verdict = str(target["verdict"])
        counts[verdict] += 1
        if verdict not in ("breached", "at_risk"):
            continue
        level = "error" if verdict == "breached" and target["owner"] != "customer" else "warning"
        label = str(period["period"])
        props = []
        span = span_of(target)
        if span is not None:
            props += [
                f"file={github_property(span.file)}",
                f"line={span.line}",
                f"col={span.column}",
            ]
            if span.end_line:
                props.append(f"endLine={span.end_line}")
            if span.end_column and span.end_line == span.line:
                props.append(f"endColumn={span.end_column}")
        owner = " (customer-owned)" if target["owner"] == "customer" else ""
        title = f"SLA {verdict.replace('_', ' ')}{owner}: {name} in {label}"
        props.append(f"title={github_property(title)}")
        message = shortfall_sentence(label, name, target)
        lines.append(f"::{level} {','.join(props)}::{github_data(message)}")
    summary = ", ".join(
        f"{counts.get(v, 0)} {v.replace('_', ' ')}"
        for v in ("met", "at_risk", "breached", "no_data")
    )
    as_of = doc.get("as_of") or "-"
    title = github_property(f"SLA {doc['policy']['name']}")
    lines.append(f"::notice title={title}::{github_data(f'{summary} (as of {as_of})')}")
    return "\n".join(lines) + "\n"
