"""``--format junit``: an evaluation as JUnit XML, so CI systems show SLA targets as tests.

One ``<testsuite>`` per period and one ``<testcase>`` per target. A provider-owned target
that is breached is a ``<failure>`` whose message is the one-sentence shortfall and whose
body is the explanation; ``no_data`` is ``<skipped>``. A customer-owned breach or an
``at_risk`` verdict passes (as the exit code does) and says so in ``<system-out>``. The
output validates against the widely used Jenkins/Surefire ``junit-10.xsd``.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections.abc import Mapping
from typing import Any

from rules_engine.escape import xml_text
from rules_engine.render.report.document import normalize, shortfall_sentence


def _slug(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9_]+", "_", text).strip("_").lower() or "policy"


def render_junit(raw: Mapping[str, Any]) -> str:
    """The evaluation document as a JUnit XML report."""
    doc = normalize(raw)
    policy = doc["policy"]
    name = str(policy["name"])
    classbase = f"sla.{_slug(name)}"
    root = ET.Element("testsuites", name=xml_text(f"SLA {name}"))
    total = failures = 0
    for period in doc["periods"]:
        label = str(period["period"])
        suite = ET.SubElement(root, "testsuite", name=xml_text(f"{name} {label}"))
        props = ET.SubElement(suite, "properties")
        for key, value in (
            ("period", label),
            ("start", period.get("start")),
            ("end", period.get("end")),
            ("over", str(bool(period.get("over"))).lower()),
            ("as_of", doc.get("as_of")),
            ("policy_sha256", policy.get("sha256")),
            ("engine_version", doc.get("engine_version")),
        ):
            if value is not None:
                ET.SubElement(props, "property", name=key, value=xml_text(value))
        tests = failed = skipped = 0
        for target_name, target in period["targets"].items():
            tests += 1
            case = ET.SubElement(
                suite,
                "testcase",
                name=xml_text(target_name),
                classname=xml_text(f"{classbase}.{label}"),
            )
            verdict = target["verdict"]
            sentence = shortfall_sentence(label, target_name, target)
            explanation = xml_text(target.get("explanation") or sentence)
            if verdict == "breached" and target["owner"] != "customer":
                failed += 1
                failure = ET.SubElement(
                    case, "failure", message=xml_text(sentence), type="breached"
                )
                failure.text = explanation
            elif verdict == "no_data":
                skipped += 1
                ET.SubElement(
                    case, "skipped", message=xml_text(f"no data: nothing decided in {label}")
                )
            elif verdict in ("breached", "at_risk"):
                out = ET.SubElement(case, "system-out")
                owner = " (customer-owned)" if target["owner"] == "customer" else ""
                out.text = xml_text(f"{verdict}{owner}: {sentence}\n{explanation}")
        suite.set("tests", str(tests))
        suite.set("failures", str(failed))
        suite.set("errors", "0")
        suite.set("skipped", str(skipped))
        if doc.get("as_of"):
            suite.set("timestamp", xml_text(doc["as_of"]))
        total += tests
        failures += failed
    root.set("tests", str(total))
    root.set("failures", str(failures))
    root.set("errors", "0")
    ET.indent(root, space="  ")
    body = ET.tostring(root, encoding="unicode")
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + body + "\n"
