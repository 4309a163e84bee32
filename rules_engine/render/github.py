"""``--format github``: GitHub Actions workflow commands, one annotation per shortfall.

A provider-owned breach is an ``::error``, a customer-owned breach or an ``at_risk``
verdict a ``::warning``, each placed at the target's span in the policy so the pull
request shows it on the clause; a final ``::notice`` sums the run up.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Mapping
from typing import Any

from rules_engine.render.report.document import iter_targets, normalize, shortfall_sentence, span_of

_BREAKS = re.compile("[\x00-\x09\x0b\x0c\x0e-\x1f\x7f-\x9f\u2028\u2029]")


def _data(text: str) -> str:
    """Escape a command's message (GitHub's toolkit escapes ``%``, CR and LF); other
    control characters, some of which end a line for some readers, become spaces."""
    text = _BREAKS.sub(" ", text)
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _prop(text: str) -> str:
    """Escape a command property (also ``:`` and ``,``, which delimit properties)."""
    return _data(text).replace(":", "%3A").replace(",", "%2C")


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
            props += [f"file={_prop(span.file)}", f"line={span.line}", f"col={span.column}"]
            if span.end_line:
                props.append(f"endLine={span.end_line}")
            if span.end_column and span.end_line == span.line:
                props.append(f"endColumn={span.end_column}")
        owner = " (customer-owned)" if target["owner"] == "customer" else ""
        title = f"SLA {verdict.replace('_', ' ')}{owner}: {name} in {label}"
        props.append(f"title={_prop(title)}")
        message = shortfall_sentence(label, name, target)
        lines.append(f"::{level} {','.join(props)}::{_data(message)}")
    summary = ", ".join(
        f"{counts.get(v, 0)} {v.replace('_', ' ')}"
        for v in ("met", "at_risk", "breached", "no_data")
    )
    as_of = doc.get("as_of") or "-"
    title = _prop(f"SLA {doc['policy']['name']}")
    lines.append(f"::notice title={title}::{_data(f'{summary} (as of {as_of})')}")
    return "\n".join(lines) + "\n"
