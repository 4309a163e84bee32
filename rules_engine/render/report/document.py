"""Reading an evaluation document: defaults for absent keys, exact values, display text.

Every renderer (HTML, Markdown, PDF, JUnit, SARIF, GitHub annotations) is a pure function
of the evaluation document ``sla eval --format json`` writes, so it runs equally on a fresh
evaluation or on a JSON file kept from last month. This module is the one place that knows
the document's shape: :func:`normalize` fills in every optional key, and the helpers here
turn its strings back into exact numbers (``Fraction``, ``Decimal``) and into words.

Numbers are never binary floats here; charts convert to float only for drawing.
"""

from __future__ import annotations

import copy
import datetime as dt
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from fractions import Fraction
from typing import Any, Literal

from rules_engine import present

MAX_PERIODS = 120
"""A report over more periods than ten years of months is refused: nobody reads it, and
its charts stop being legible."""

VERDICTS = ("met", "at_risk", "breached", "no_data")


class ReportError(ValueError):
    """Input a report cannot be made from: one line, with a hint."""

    def __init__(self, message: str, hint: str | None = None) -> None:
        self.message = message
        self.hint = hint
        super().__init__(f"{message} (help: {hint})" if hint else message)


Doc = dict[str, Any]


# --------------------------------------------------------------------------- defaults


def normalize(doc: Mapping[str, Any]) -> Doc:
    """A copy of ``doc`` with every key the renderers read present.

    Tolerates the conformance ``expected.json`` shape (top-level ``currency`` and
    ``scenario``) as well as the engine's full document.
    """
    if not isinstance(doc, Mapping):
        raise ReportError(
            "not an evaluation document (expected a JSON object)",
            "produce one with `sla eval --format json`",
        )
    periods = doc.get("periods")
    if not isinstance(periods, list):
        raise ReportError(
            "not an evaluation document: no `periods` list",
            "produce one with `sla eval --format json`",
        )
    out: Doc = copy.deepcopy(dict(doc))
    policy = dict(out.get("policy") or {})
    policy.setdefault("name", out.get("scenario") or "SLA policy")
    policy.setdefault("provider", None)
    policy.setdefault("customer", None)
    policy.setdefault("currency", out.get("currency") or "")
    policy.setdefault("period", _guess_period_kind(periods))
    policy.setdefault("path", None)
    policy.setdefault("sha256", None)
    policy.setdefault("git_revision", None)
    out["policy"] = policy
    data = dict(out.get("data") or {})
    data.setdefault("sources", [])
    data.setdefault("sha256", None)
    out["data"] = data
    out.setdefault("schema_version", None)
    out.setdefault("engine_version", None)
    out.setdefault("as_of", None)
    out["calendars"] = out.get("calendars") or {}
    out.setdefault("exit_right", None)
    out["totals"] = out.get("totals") or {}
    exclusions = out.get("exclusions") or {}
    if "disputed" not in out and isinstance(exclusions, Mapping):
        out["disputed"] = exclusions.get("disputed")  # where the engine writes it
    for key in ("warnings", "escalations", "disputed"):
        out[key] = list(out.get(key) or [])
    out["periods"] = [_normalize_period(p) for p in periods]
    # Periods before the report's range, evaluated only to draw trends and to compare the
    # first reported period with the one before it (``sla report --trend N``).
    history = out.get("history")
    out["history"] = [_normalize_period(p) for p in history] if isinstance(history, list) else []
    return out


def _guess_period_kind(periods: list[Any]) -> str:
    labels = [p.get("period", "") for p in periods if isinstance(p, Mapping)]
    return "quarter" if any("Q" in str(label) for label in labels) else "month"


def _normalize_period(raw: Any) -> Doc:
    if not isinstance(raw, Mapping):
        raise ReportError("not an evaluation document: a period is not an object")
    period: Doc = dict(raw)
    period.setdefault("period", period.get("label", "?"))
    period.setdefault("start", None)
    period.setdefault("end", None)
    period.setdefault("over", False)
    period.setdefault("fee", None)
    for key in ("credits", "bonuses", "exit"):
        period[key] = list(period.get(key) or [])
    for key in ("credits_total", "credits_before_cap", "cap", "bonus_total"):
        period.setdefault(key, None)
    period.setdefault("cap_applied", False)
    if "lines" not in period:  # a document from before the account was itemized
        period["lines"] = [{"kind": "credit", **c} for c in period["credits"]]
        period["lines"] += _cap_line(period)
        period["lines"] += [{"kind": "bonus", **b} for b in period["bonuses"]]
        period.setdefault("credits_owed", period.get("credits_net", period["credits_total"]))
    period.setdefault("credits_owed", None)
    targets: Doc = {}
    for name, target in (period.get("targets") or {}).items():
        t: Doc = dict(target)
        t.setdefault("owner", "provider")
        t.setdefault("title", None)
        t.setdefault("objective", "")
        t.setdefault("verdict", "no_data")
        t.setdefault("span", None)
        t.setdefault("explanation", None)
        t["breached_records"] = list(t.get("breached_records") or [])
        t["pending_records"] = list(t.get("pending_records") or [])
        t.setdefault("paused_s_total", 0)
        targets[str(name)] = t
    period["targets"] = targets
    return period


def _cap_line(period: Mapping[str, Any]) -> list[Doc]:
    """The period cap's reduction as a negative line, for a document without ``lines``
    (it states the credits before and after the cap, so the reduction is their difference)."""
    before, after = money(period.get("credits_before_cap")), money(period.get("credits_total"))
    if not period.get("cap_applied") or before is None or after is None or before == after:
        return []
    cap = period.get("cap_arithmetic") or period.get("cap")
    return [
        {
            "kind": "cap",
            "rule": "cap per period",
            "amount": str(after - before),
            "arithmetic": f"cap {cap} applied" if cap else "",
        }
    ]


def all_warnings(doc: Doc) -> list[Any]:
    """Data-quality warnings: the engine keeps loading warnings with the data they are
    about (``data.warnings``); a top-level ``warnings`` list is read as well."""
    return list(doc["data"].get("warnings") or []) + list(doc["warnings"])


def check_reportable(doc: Doc) -> None:
    """Refuse documents a report would be meaningless for (ReportError)."""
    periods = doc["periods"]
    if not periods:
        raise ReportError("the evaluation has no periods", "give a `--from`/`--to` range")
    if len(periods) > MAX_PERIODS:
        raise ReportError(
            f"a report covers at most {MAX_PERIODS} periods, this one has {len(periods)}",
            "split the range into several reports",
        )
    targets = [t for p in periods for t in p["targets"].values()]
    if targets and all(_int(t.get("in_scope")) == 0 for t in targets):
        first, last = periods[0]["period"], periods[-1]["period"]
        raise ReportError(
            f"no records fall in the periods {first} to {last}",
            "check the `--from`/`--to` range against the dates in the data",
        )


# --------------------------------------------------------------------------- accessors


def target_names(doc: Doc) -> list[str]:
    """Every target in first-seen order (the policy's source order)."""
    names: dict[str, None] = {}
    for period in doc["periods"]:
        for name in period["targets"]:
            names.setdefault(name, None)
    return list(names)


def iter_targets(doc: Doc) -> Iterator[tuple[Doc, str, Doc]]:
    """``(period, target name, target)`` for every target of every period, in order."""
    for period in doc["periods"]:
        for name, target in period["targets"].items():
            yield period, name, target


@dataclass(frozen=True)
class SpanInfo:
    """Where a target is written in the policy (1-based line and column)."""

    file: str
    line: int
    column: int
    end_line: int | None = None
    end_column: int | None = None

    def __str__(self) -> str:
        return f"{self.file}:{self.line}:{self.column}"


_SPAN_TEXT = re.compile(r"^(.*):(\d+):(\d+)$")


def span_of(target: Mapping[str, Any]) -> SpanInfo | None:
    """The target's span, written either as an object or as ``file:line:col``."""
    span = target.get("span")
    if isinstance(span, Mapping) and span.get("file"):
        line = _int(span.get("line"))
        if line <= 0:
            return None
        return SpanInfo(
            str(span["file"]),
            line,
            max(_int(span.get("column")), 1),
            _int(span.get("end_line")) or None,
            _int(span.get("end_column")) or None,
        )
    if isinstance(span, str) and (m := _SPAN_TEXT.match(span)) and int(m.group(2)) > 0:
        return SpanInfo(m.group(1), int(m.group(2)), max(int(m.group(3)), 1))
    return None


def target_label(name: str, target: Mapping[str, Any]) -> str:
    title = target.get("title")
    return f"{name} ({title})" if title else name


def _int(value: Any) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        return 0


def exact(value: Any) -> Fraction | None:
    """A number of the document (int, ``"2678.400"``, ``"19/20"``) as a Fraction."""
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, int):
        return Fraction(value)
    if isinstance(value, Fraction):
        return value
    try:
        return Fraction(str(value))
    except (ValueError, ZeroDivisionError):
        return None


def money(value: Any) -> Decimal | None:
    if value is None:
        return None
    try:
        return Decimal(str(value))
    except InvalidOperation:
        return None


# --------------------------------------------------------------------------- objectives

_DURATION_PART = re.compile(r"(\d+(?:\.\d+)?)([smhdw])")
_UNIT_S = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}
_NUMBER = r"(\d+(?:\.\d+)?)"


def parse_duration(text: str) -> Fraction | None:
    """``"1h30m"`` -> 5400; None when ``text`` is not a duration literal."""
    text = text.strip()
    if not text or _DURATION_PART.sub("", text):
        return None
    return sum(
        (Fraction(n) * _UNIT_S[u] for n, u in _DURATION_PART.findall(text)),
        Fraction(0),
    )


@dataclass(frozen=True)
class Objective:
    """What a target's objective text means for display: the threshold and its direction.

    ``unit`` says how ``threshold`` and the target's value are measured: ``percent``
    (0..100), ``seconds``, ``number`` (a mean score) or ``count``. ``banded`` objectives
    have an error budget and so an at-risk band above the threshold.
    """

    kind: Literal["percent", "availability", "percentile", "mean", "count", "other"]
    threshold: Fraction | None
    higher_is_better: bool
    unit: Literal["percent", "seconds", "number", "count"]
    banded: bool
    clock: present.ClockKind = "wall"
    """What the target's durations are counted on: business time is shown in hours."""


_OBJECTIVES: list[tuple[re.Pattern[str], str]] = [
    (re.compile(rf"^{_NUMBER}%\s+(within|where)\b"), "percent"),
    (re.compile(r"^all\s+within\b"), "all"),
    (re.compile(rf"^>=?\s*{_NUMBER}%$"), "availability"),
    (re.compile(r"^p(\d+)\s*<=?\s*(\S+)$"), "percentile"),
    (re.compile(r"^mean\s*(>=|>|<=|<)\s*(\S+)$"), "mean"),
    (re.compile(r"^count\s*(>=|>|<=|<|=)\s*(\d+)$"), "count"),
]


_GOAL_KINDS = {"percent", "availability", "percentile", "mean", "count"}


def target_objective(target: Mapping[str, Any]) -> Objective:
    """The target's objective from the ``goal`` the engine writes beside its text; a
    document kept from an engine before ``goal`` existed is read from the text."""
    goal = target.get("goal")
    if not isinstance(goal, Mapping):
        return parse_objective(str(target.get("objective") or ""))
    kind = str(goal.get("kind"))
    return Objective(
        kind if kind in _GOAL_KINDS else "other",  # type: ignore[arg-type]
        exact(goal.get("threshold")),
        str(goal.get("op", ">=")).startswith(">"),
        "number" if goal.get("unit") == "money" else goal.get("unit", "number"),
        bool(goal.get("banded")),
        goal["clock"] if goal.get("clock") in ("wall", "business", "mixed") else "wall",
    )


def parse_objective(text: str) -> Objective:
    """Read the objective as the engine writes it (``95% within 15m``, ``p90 <= 27h``,
    ``>= 99.9%``, ``mean >= 4.2``, ``count >= 1``); unknown text gives ``other``."""
    text = " ".join(str(text or "").split())
    for pattern, kind in _OBJECTIVES:
        m = pattern.match(text)
        if not m:
            continue
        if kind == "percent":
            x = Fraction(m.group(1))
            return Objective("percent", x, True, "percent", x < 100)
        if kind == "all":
            return Objective("percent", Fraction(100), True, "percent", False)
        if kind == "availability":
            x = Fraction(m.group(1))
            return Objective("availability", x, True, "percent", x < 100)
        if kind == "percentile":
            return Objective("percentile", parse_duration(m.group(2)), False, "seconds", False)
        if kind == "mean":
            op, right = m.group(1), m.group(2)
            seconds = parse_duration(right)
            higher = op.startswith(">")
            if seconds is not None:
                return Objective("mean", seconds, higher, "seconds", False)
            number = exact(right)
            return Objective("mean", number, higher, "number", False)
        op = m.group(1)
        return Objective("count", Fraction(m.group(2)), op.startswith(">"), "count", False)
    return Objective("other", None, True, "number", False)


def target_value(target: Mapping[str, Any], objective: Objective) -> Fraction | None:
    """The target's value in the objective's unit, exact; None when nothing was decided."""
    if "value_s" in target and target["value_s"] is not None:
        return exact(target["value_s"])
    if objective.kind == "count" and target.get("value") is None:
        return exact(target.get("count", target.get("in_scope")))
    return exact(target.get("value"))


def headroom(target: Mapping[str, Any], objective: Objective) -> Fraction | None:
    """How far a target is from failing, 0 at the threshold, 1 at perfection (percent
    objectives: the share of the allowed failure rate left unused). None if unknown."""
    value, x = target_value(target, objective), objective.threshold
    if value is None or x is None:
        return None
    if objective.unit == "percent":
        allowed = 100 - x
        return Fraction(1) if allowed == 0 else (value - x) / allowed
    if x == 0:
        return None
    return (value - x) / x if objective.higher_is_better else (x - value) / x


def severity(target: Mapping[str, Any], objective: Objective) -> Fraction:
    """How badly a breach missed, for ordering shortfalls worst first.

    Percent objectives: the shortfall over the allowed failure rate (99% against 99.9%
    is 9 budgets over); others: the gap relative to the threshold. Orders only; never
    shown as a number.
    """
    value, x = target_value(target, objective), objective.threshold
    if value is None or x is None:
        return Fraction(0)
    if objective.unit == "percent":
        return (x - value) / max(100 - x, Fraction(1, 100))
    gap = x - value if objective.higher_is_better else value - x
    return gap / x if x else gap


# --------------------------------------------------------------------------- words


def fmt_duration(seconds: Any, clock: present.ClockKind = "wall") -> str:
    """A duration on its clock (:func:`rules_engine.present.duration`): ``1h30m``,
    ``44m38.4s``, ``27h``, ``14d``; business time in hours, never 24-hour days."""
    return present.duration(exact(seconds), clock)


def fmt_money(amount: Any, currency: str) -> str:
    """An amount at the precision the document wrote it (its currency's minor units)."""
    places = present.minor_units_of(amount if isinstance(amount, str) else None)
    return present.money(money(amount), currency, places)


def fmt_number(value: Fraction | None, places: int = 2) -> str:
    """Half-even rounding to ``places`` decimals, trailing zeros kept."""
    if value is None:
        return "-"
    quantum = Decimal(1).scaleb(-places)
    result = (Decimal(value.numerator) / Decimal(value.denominator)).quantize(quantum)
    return f"{result:,}"


def fmt_value(target: Mapping[str, Any], objective: Objective) -> str:
    """The target's value as the objective reads: ``99.955197%``, ``6h``, ``4.40``."""
    value = target_value(target, objective)
    if value is None:
        if objective.kind == "availability" or target.get("verdict") != "no_data":
            return "-"
        return "no data"
    if objective.unit == "percent":
        return present.percent(value, against=objective.threshold)
    if objective.unit == "seconds":
        suffix = " (lower bound)" if target.get("value_is_lower_bound") else ""
        return fmt_duration(value, objective.clock) + suffix
    if objective.unit == "count":
        return str(int(value))
    return fmt_number(value, present.places_needed(value, objective.threshold))


def _counts(target: Mapping[str, Any]) -> str | None:
    if "met" in target and "breached" in target:
        met, breached = _int(target["met"]), _int(target["breached"])
        return f"{met} of {met + breached} met"
    return None


def shortfall_sentence(period_label: str, name: str, target: Mapping[str, Any]) -> str:
    """One sentence per breach, for the executive summary and CI annotations."""
    objective = target_objective(target)
    label = target_label(name, target)
    if target.get("owner") == "customer":
        label = f"{label}, owned by the customer,"
    verdict_word = "missed" if target.get("verdict") == "breached" else "is at risk on"
    head = f"{label} {verdict_word} `{target.get('objective', '')}` in {period_label}"
    value = fmt_value(target, objective)
    details: list[str] = []
    if objective.kind == "availability":
        budget = target.get("budget") or {}
        details.append(
            f"{value} available, {fmt_duration(target.get('downtime_s', 0), objective.clock)} "
            f"down against a budget of {fmt_duration(budget.get('total', 0), objective.clock)}"
        )
    elif objective.kind == "percentile":
        details.append(f"{value} at rank {target.get('rank', '?')}")
    elif objective.kind == "mean":
        below = target.get("below_objective_ids") or []
        details.append(f"mean {value} over {target.get('count', target.get('in_scope', '?'))}")
        if below:
            details.append(f"{len(below)} below the objective")
    else:
        counts = _counts(target)
        details.append(f"{value} ({counts})" if counts else value)
    breached = target.get("breached_records") or []
    if breached and objective.kind != "availability":
        count = f"{len(breached)} breached record{'s' if len(breached) != 1 else ''}"
        days = breached[0].get("measured_bd") is not None  # a limit in business days
        measured_key, limit_key = ("measured_bd", "limit_bd") if days else ("measured_s", "limit_s")
        # the worst is the one furthest over its limit; a record without a measured time
        # or a limit (an open one on a clock that never stops) has no "at ... against"
        timed = [
            r
            for r in breached
            if exact(r.get(measured_key)) is not None and exact(r.get(limit_key)) is not None
        ]
        if timed:
            worst = max(
                timed, key=lambda r: (exact(r[measured_key]) or 0) - (exact(r[limit_key]) or 0)
            )
            if days:
                at = present.business_days(worst.get("measured_bd"))
                against = present.business_days(worst.get("limit_bd"))
            else:
                at = fmt_duration(worst.get("measured_s"), objective.clock)
                against = fmt_duration(worst.get("limit_s"), objective.clock)
            count += f", worst {worst.get('id')} at {at} against {against}"
        details.append(count)
    return f"{head}: {'; '.join(details)}."


def parse_instant(text: Any) -> dt.datetime | None:
    if not isinstance(text, str):
        return None
    try:
        moment = dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None
    return moment if moment.tzinfo else None


def elapsed_fraction(period: Mapping[str, Any], as_of: Any) -> Fraction | None:
    """How much of a running period has passed at as-of (1 for a period that is over).

    Both ends go to UTC first: a New York March is 743 hours, not 744.
    """
    if period.get("over"):
        return Fraction(1)
    start, end, now = (
        parse_instant(period.get("start")),
        parse_instant(period.get("end")),
        parse_instant(as_of),
    )
    if start is None or end is None or now is None:
        return None
    total = (end.astimezone(dt.UTC) - start.astimezone(dt.UTC)).total_seconds()
    done = (now.astimezone(dt.UTC) - start.astimezone(dt.UTC)).total_seconds()
    if total <= 0:
        return None
    return min(max(Fraction(int(done)) / Fraction(int(total)), Fraction(0)), Fraction(1))


def fmt_percent(value: Fraction | None, places: int = 1) -> str:
    """A share (of a budget, of the period) as a rounded percentage: ``37%``."""
    return "-" if value is None else f"{fmt_number(value * 100, places)}%"


def location_text(item: Any) -> str:
    """A data-quality warning or an escalation as one line of text."""
    if not isinstance(item, Mapping):
        return str(item)
    where = [
        str(item[key])
        for key in ("file", "dataset", "row", "record", "id", "field")
        if item.get(key) not in (None, "")
    ]
    message = item.get("message") or item.get("text") or ""
    hint = item.get("hint") or item.get("help")
    text = f"{'/'.join(where)}: {message}" if where else str(message)
    return f"{text} (help: {hint})" if hint else text
