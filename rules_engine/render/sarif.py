"""``--format sarif``: breaches as SARIF 2.1.0 results located at the target's span.

Code-scanning tools (GitHub code scanning, IDE SARIF viewers) then show a breached target
on the policy line that defines it. One rule per target (its objective as the
description); one result per breached or at-risk (target, period): ``error`` for a
provider-owned breach, ``warning`` for a customer-owned breach, ``note`` for at risk.
``partialFingerprints`` identify a result by target and period, so the same breach seen
twice is one alert.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import PurePath
from typing import Any
from urllib.parse import quote

from rules_engine.render.report.document import (
    iter_targets,
    normalize,
    shortfall_sentence,
    span_of,
    target_label,
)

SARIF_SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
"""The ``$schema`` URI written into the log (an identifier; nothing is fetched)."""


def _uri(path: str) -> str:
    """A path as a URI reference: relative stays relative (code scanning resolves it
    against the repository), absolute becomes a ``file://`` URI."""
    posix = PurePath(path).as_posix()
    encoded = quote(posix, safe="/._-~")
    return f"file://{encoded}" if posix.startswith("/") else encoded


def render_sarif(raw: Mapping[str, Any]) -> str:
    """The evaluation document as a SARIF 2.1.0 log (JSON text)."""
    doc = normalize(raw)
    rules: dict[str, dict[str, Any]] = {}
    results: list[dict[str, Any]] = []
    for period, name, target in iter_targets(doc):
        if name not in rules:
            rules[name] = {
                "id": name,
                "name": name,
                "shortDescription": {
                    "text": f"{target_label(name, target)}: {target.get('objective') or '-'}"
                },
                "defaultConfiguration": {"level": "error"},
                "properties": {"owner": target["owner"]},
            }
        verdict = str(target["verdict"])
        if verdict not in ("breached", "at_risk"):
            continue
        if verdict == "at_risk":
            level = "note"
        else:
            level = "warning" if target["owner"] == "customer" else "error"
        label = str(period["period"])
        result: dict[str, Any] = {
            "ruleId": name,
            "ruleIndex": list(rules).index(name),
            "level": level,
            "kind": "fail",
            "message": {"text": shortfall_sentence(label, name, target)},
            "partialFingerprints": {"slaTargetPeriod/v1": f"{name}/{label}"},
            "properties": {
                "period": label,
                "verdict": verdict,
                "owner": target["owner"],
                "explanation": str(target.get("explanation") or ""),
            },
        }
        span = span_of(target)
        if span is not None:
            region: dict[str, int] = {"startLine": span.line, "startColumn": span.column}
            if span.end_line:
                region["endLine"] = span.end_line
                if span.end_column:
                    region["endColumn"] = span.end_column
            result["locations"] = [
                {
                    "physicalLocation": {
                        "artifactLocation": {"uri": _uri(span.file)},
                        "region": region,
                    }
                }
            ]
        results.append(result)
    driver: dict[str, Any] = {
        "name": "sla",
        "fullName": "sla rules engine",
        "rules": list(rules.values()),
    }
    if doc.get("engine_version"):
        driver["version"] = str(doc["engine_version"])
    run: dict[str, Any] = {
        "tool": {"driver": driver},
        "results": results,
        "properties": {
            "policy": str(doc["policy"]["name"]),
            "as_of": str(doc.get("as_of") or ""),
            "periods": [str(p["period"]) for p in doc["periods"]],
        },
    }
    policy_path = doc["policy"].get("path")
    if policy_path and doc["policy"].get("sha256"):
        run["artifacts"] = [
            {
                "location": {"uri": _uri(str(policy_path))},
                "hashes": {"sha-256": str(doc["policy"]["sha256"])},
            }
        ]
    log = {"$schema": SARIF_SCHEMA, "version": "2.1.0", "runs": [run]}
    return json.dumps(log, indent=2, ensure_ascii=False) + "\n"
