"""What a performance report says, independent of how it is drawn.

:func:`build_report` reads a normalized evaluation document and decides the content of
every section (issue 6): the executive summary, trends, wins and shortfalls, error-budget
burn, the customer's share, escalations, disputed exclusions, data-quality warnings,
holidays and the audit footer. The HTML and Markdown renderers only lay it out, so the
two formats always say the same thing.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from fractions import Fraction
from typing import Any

from rules_engine.evaluation.numbers import fixed
from rules_engine.render.report.document import (
    VERDICTS,
    Doc,
    Objective,
    all_warnings,
    elapsed_fraction,
    exact,
    fmt_duration,
    fmt_money,
    fmt_percent,
    fmt_value,
    headroom,
    money,
    normalize,
    severity,
    shortfall_sentence,
    span_of,
    target_label,
    target_names,
    target_objective,
    target_value,
)


@dataclass(frozen=True)
class TargetInfo:
    name: str
    label: str
    owner: str
    objective_text: str
    objective: Objective
    span: str | None
    scope: str | None = None  # "of tickets where priority = P1", when the engine says


@dataclass(frozen=True)
class Trend:
    """A target's value in each period, for its chart."""

    target: TargetInfo
    periods: list[str]
    values: list[Fraction | None]
    verdicts: list[str]
    at_risk_fraction: Fraction


@dataclass(frozen=True)
class Shortfall:
    period: str
    target: TargetInfo
    verdict: str
    sentence: str
    severity: Fraction
    detail: Doc
    explanation: str | None


@dataclass(frozen=True)
class Win:
    period: str
    target: TargetInfo
    value: str
    margin: str
    headroom: Fraction


@dataclass(frozen=True)
class Improvement:
    target: TargetInfo
    before_period: str
    after_period: str
    text: str


@dataclass(frozen=True)
class BudgetCell:
    unit: str
    total: Any
    used: Any
    left: Any
    burned: Fraction | None  # used / total; None when there is no budget
    rate: Fraction | None  # burned / elapsed share of the period (1 = on pace)


@dataclass(frozen=True)
class MoneyRow:
    """One period's account as shown: every line with its arithmetic, so ``owed`` is the
    sum of ``credit_lines`` (credits, cap reductions, credits earned back) and
    ``bonus_total`` the sum of ``bonus_lines``."""

    period: str
    over: bool
    fee: str
    credit_lines: list[str]
    owed: str
    bonus_lines: list[str]
    bonus_total: str
    exits: list[Doc]


@dataclass(frozen=True)
class VersionInForce:
    """For an evaluation over a series of policy versions: the version that judged and
    priced a period, and the date it took effect."""

    period: str
    version: str
    effective: str


@dataclass(frozen=True)
class Summary:
    latest: str
    latest_over: bool
    latest_counts: dict[str, int]
    all_counts: dict[str, int]
    credits_total: str
    bonus_total: str
    exit_right: str | None
    sentences: list[str]


@dataclass(frozen=True)
class Report:
    title: str
    parties: str
    range_text: str
    as_of: str
    currency: str
    summary: Summary
    targets: list[TargetInfo]
    periods: list[str]
    matrix: dict[str, dict[str, str]]  # target -> period -> verdict
    trends: list[Trend]
    wins: list[Win]
    improvements: list[Improvement]
    shortfalls: list[Shortfall]
    at_risk: list[Shortfall]
    budget: dict[str, dict[str, BudgetCell]]  # target -> period -> cell
    pauses: dict[str, dict[str, Any]]  # target -> period -> paused seconds
    customer_targets: list[TargetInfo]
    money_rows: list[MoneyRow]
    escalations: list[Any]
    disputed: list[Any]
    warnings: list[Any]
    holidays: dict[str, Doc]
    audit: list[tuple[str, str]]
    notes: list[str] = field(default_factory=list)
    versions: list[VersionInForce] = field(default_factory=list)  # empty for one policy


def build_report(raw: Mapping[str, Any]) -> Report:
    """The content of the report for an evaluation document (normalized here)."""
    doc = normalize(raw)
    policy = doc["policy"]
    currency = str(policy.get("currency") or "")
    periods = [str(p["period"]) for p in doc["periods"]]
    infos = _target_infos(doc)
    matrix = {
        name: {str(p["period"]): p["targets"][name]["verdict"] for p in doc["periods"]}
        for name in infos
        if any(name in p["targets"] for p in doc["periods"])
    }
    for name in infos:
        for p in doc["periods"]:
            if name not in p["targets"]:
                matrix[name][str(p["period"])] = "-"
    at_risk_fraction = exact(policy.get("at_risk_fraction")) or Fraction(1, 4)
    trends = [_trend(doc, info, at_risk_fraction) for info in infos.values()]
    shortfalls, at_risk = _shortfalls(doc, infos)
    return Report(
        title=str(policy["name"]),
        parties=_parties(policy),
        range_text=periods[0]
        if len(periods) == 1
        else f"{periods[0]} to {periods[-1]}"
        if periods
        else "",
        as_of=str(doc.get("as_of") or "-"),
        currency=currency,
        summary=_summary(doc, infos, shortfalls, at_risk, currency),
        targets=list(infos.values()),
        periods=periods,
        matrix=matrix,
        trends=trends,
        wins=_wins(doc, infos),
        improvements=_improvements(trends),
        shortfalls=shortfalls,
        at_risk=at_risk,
        budget=_budget(doc, infos),
        pauses=_pauses(doc, infos),
        customer_targets=[i for i in infos.values() if i.owner == "customer"],
        money_rows=[_money_row(p, currency) for p in doc["periods"]],
        escalations=doc["escalations"],
        disputed=doc["disputed"],
        warnings=all_warnings(doc),
        holidays={str(k): dict(v) for k, v in doc["calendars"].items() if isinstance(v, Mapping)},
        audit=_audit(doc),
        versions=[
            VersionInForce(str(p["period"]), str(p["version"]), str(p.get("version_effective")))
            for p in doc["periods"]
            if p.get("version")
        ],
    )


def _parties(policy: Mapping[str, Any]) -> str:
    provider, customer = policy.get("provider"), policy.get("customer")
    if provider and customer:
        return f"{provider} for {customer}"
    return str(provider or customer or "")


def _span_text(target: Mapping[str, Any]) -> str | None:
    span = span_of(target)
    return None if span is None else str(span)


def _target_infos(doc: Doc) -> dict[str, TargetInfo]:
    infos: dict[str, TargetInfo] = {}
    for name in target_names(doc):
        latest = next(p["targets"][name] for p in reversed(doc["periods"]) if name in p["targets"])
        text = str(latest.get("objective") or "")
        infos[name] = TargetInfo(
            name=name,
            label=target_label(name, latest),
            owner=str(latest.get("owner") or "provider"),
            objective_text=text,
            objective=target_objective(latest),
            span=_span_text(latest),
            scope=_scope_text(latest),
        )
    return infos


def _scope_text(target: Mapping[str, Any]) -> str | None:
    dataset, scope = target.get("dataset"), target.get("scope")
    if not dataset:
        return None
    return f"of {dataset} where {scope}" if scope else f"of {dataset}"


def _trend(doc: Doc, info: TargetInfo, at_risk_fraction: Fraction) -> Trend:
    values: list[Fraction | None] = []
    verdicts: list[str] = []
    for p in doc["periods"]:
        t = p["targets"].get(info.name)
        values.append(None if t is None else target_value(t, info.objective))
        verdicts.append("-" if t is None else str(t["verdict"]))
    return Trend(
        info, [str(p["period"]) for p in doc["periods"]], values, verdicts, at_risk_fraction
    )


def _shortfalls(doc: Doc, infos: dict[str, TargetInfo]) -> tuple[list[Shortfall], list[Shortfall]]:
    breached: list[Shortfall] = []
    at_risk: list[Shortfall] = []
    for p in doc["periods"]:
        for name, t in p["targets"].items():
            if t["verdict"] not in ("breached", "at_risk"):
                continue
            info = infos[name]
            item = Shortfall(
                period=str(p["period"]),
                target=info,
                verdict=str(t["verdict"]),
                sentence=shortfall_sentence(str(p["period"]), name, t),
                severity=severity(t, info.objective),
                detail=t,
                explanation=t.get("explanation"),
            )
            (breached if t["verdict"] == "breached" else at_risk).append(item)
    order = {str(p["period"]): i for i, p in enumerate(doc["periods"])}
    # The provider's first (they cost money), worst first; among equals the most recent
    # period first, then the policy's order.
    names = list(infos)

    def key(s: Shortfall) -> tuple[bool, Fraction, int, int]:
        customer = s.target.owner == "customer"
        return (customer, -s.severity, -order[s.period], names.index(s.target.name))

    return sorted(breached, key=key), sorted(at_risk, key=key)


def _summary(
    doc: Doc,
    infos: dict[str, TargetInfo],
    shortfalls: list[Shortfall],
    at_risk: list[Shortfall],
    currency: str,
) -> Summary:
    latest: Doc = doc["periods"][-1] if doc["periods"] else {"period": "-", "targets": {}}
    latest_counts = Counter(str(t["verdict"]) for t in latest["targets"].values())
    all_counts = Counter(str(t["verdict"]) for p in doc["periods"] for t in p["targets"].values())
    credits = _sum_money(doc, "credits_owed", doc["totals"].get("credits"))
    bonuses = _sum_money(doc, "bonus_total", doc["totals"].get("bonuses"))
    exit_right = doc.get("exit_right")
    exit_text = None
    if isinstance(exit_right, Mapping) and exit_right.get("period"):
        rules = ", ".join(str(r) for r in exit_right.get("rules") or [])
        exit_text = (
            f"exit right since {exit_right['period']} ({rules}; notice {exit_right.get('notice')})"
        )
    recent = [s.sentence for s in shortfalls] + [s.sentence for s in at_risk]
    return Summary(
        latest=str(latest["period"]),
        latest_over=bool(latest.get("over")),
        latest_counts={v: latest_counts.get(v, 0) for v in VERDICTS},
        all_counts={v: all_counts.get(v, 0) for v in VERDICTS},
        credits_total=fmt_money(credits, currency),
        bonus_total=fmt_money(bonuses, currency),
        exit_right=exit_text,
        sentences=recent,
    )


def _sum_money(doc: Doc, key: str, fallback: Any) -> Decimal:
    """Sum a per-period amount over the report's periods (the document's ``totals`` may
    cover a longer history than the range shown); falls back to ``totals``."""
    amounts = [money(p.get(key)) for p in doc["periods"]]
    present = [a for a in amounts if a is not None]
    if present:
        return sum(present, Decimal(0))
    return money(fallback) or Decimal(0)


def _wins(doc: Doc, infos: dict[str, TargetInfo]) -> list[Win]:
    """Met targets of the latest period, most headroom first (at most five)."""
    if not doc["periods"]:
        return []
    latest = doc["periods"][-1]
    wins: list[Win] = []
    for name, t in latest["targets"].items():
        info = infos[name]
        room = headroom(t, info.objective)
        if t["verdict"] != "met" or room is None:
            continue
        wins.append(
            Win(
                period=str(latest["period"]),
                target=info,
                value=fmt_value(t, info.objective),
                margin=_margin_text(t, info.objective),
                headroom=room,
            )
        )
    wins.sort(key=lambda w: (-w.headroom, w.target.name))
    return wins[:5]


def _margin_text(t: Mapping[str, Any], objective: Objective) -> str:
    if "margin_s" in t:
        return fmt_duration(t["margin_s"])
    margin = t.get("margin")
    if margin is None:
        return "-"
    return f"{margin} points" if objective.unit == "percent" else str(margin)


_RANK = {"breached": 0, "at_risk": 1, "no_data": 1, "met": 2, "not_due": 2}


def _improvements(trends: list[Trend]) -> list[Improvement]:
    """Targets better in the latest period than in the one before: a verdict that rose,
    or a value that moved the right way."""
    out: list[Improvement] = []
    for trend in trends:
        if len(trend.periods) < 2:
            continue
        before_v, after_v = trend.verdicts[-2], trend.verdicts[-1]
        before, after = trend.values[-2], trend.values[-1]
        info = trend.target
        if before_v in _RANK and after_v in _RANK and _RANK[after_v] > _RANK[before_v]:
            text = f"{before_v.replace('_', ' ')} in {trend.periods[-2]}, {after_v.replace('_', ' ')} in {trend.periods[-1]}"
        elif before is not None and after is not None and before != after:
            better = after > before if info.objective.higher_is_better else after < before
            if not better:
                continue
            text = f"from {_show(before, info.objective)} to {_show(after, info.objective)}"
        else:
            continue
        out.append(Improvement(info, trend.periods[-2], trend.periods[-1], text))
    return out


def _show(value: Fraction, objective: Objective) -> str:
    if objective.unit == "percent":
        return fmt_percent(value / 100, 4)
    if objective.unit == "seconds":
        return fmt_duration(value)
    return str(value) if value.denominator == 1 else f"{float(value):.2f}"


def _budget(doc: Doc, infos: dict[str, TargetInfo]) -> dict[str, dict[str, BudgetCell]]:
    out: dict[str, dict[str, BudgetCell]] = {}
    as_of = doc.get("as_of")
    for p in doc["periods"]:
        share = elapsed_fraction(p, as_of)
        for name, t in p["targets"].items():
            budget = t.get("budget")
            if not isinstance(budget, Mapping):
                continue
            total, used = exact(budget.get("total")), exact(budget.get("used"))
            burned = used / total if total and used is not None else None
            if total == 0 and used:
                burned = None
            rate = burned / share if burned is not None and share else None
            out.setdefault(name, {})[str(p["period"])] = BudgetCell(
                unit=str(budget.get("unit") or ""),
                total=budget.get("total"),
                used=budget.get("used"),
                left=budget.get("left"),
                burned=burned,
                rate=rate,
            )
    return {name: out[name] for name in infos if name in out}


def _pauses(doc: Doc, infos: dict[str, TargetInfo]) -> dict[str, dict[str, Any]]:
    out: dict[str, dict[str, Any]] = {}
    for p in doc["periods"]:
        for name, t in p["targets"].items():
            paused = exact(t.get("paused_s_total"))
            if paused:
                out.setdefault(name, {})[str(p["period"])] = t.get("paused_s_total")
    return {name: out[name] for name in infos if name in out}


def _money_line(line: Doc, currency: str) -> str:
    """``rule: arithmetic`` where the arithmetic states the amount (a credit, a bonus, a
    credit earned back); a cap's reduction also shows its signed amount."""
    rule, arithmetic = str(line.get("rule")), str(line.get("arithmetic") or "")
    amount = fmt_money(line.get("amount"), currency)
    if line.get("kind") in ("credit", "bonus", "earn_back"):
        return f"{rule}: {arithmetic or amount}"
    return f"{rule}: {amount} ({arithmetic})" if arithmetic else f"{rule}: {amount}"


def _money_row(p: Doc, currency: str) -> MoneyRow:
    lines = list(p["lines"])
    return MoneyRow(
        period=str(p["period"]),
        over=bool(p.get("over")),
        fee=fmt_money(p.get("fee"), currency),
        credit_lines=[_money_line(x, currency) for x in lines if x.get("kind") != "bonus"],
        owed=fmt_money(p.get("credits_owed"), currency),
        bonus_lines=[_money_line(x, currency) for x in lines if x.get("kind") == "bonus"],
        bonus_total=fmt_money(p.get("bonus_total"), currency),
        exits=list(p["exit"]),
    )


def _audit(doc: Doc) -> list[tuple[str, str]]:
    policy, data = doc["policy"], doc["data"]
    rows = [
        ("Policy", str(policy.get("path") or policy.get("name"))),
        ("Policy SHA-256", str(policy.get("sha256") or "-")),
        ("Git revision", str(policy.get("git_revision") or "not in a git repository")),
        ("Data SHA-256", str(data.get("sha256") or "-")),
        ("Data sources", ", ".join(_source_text(s) for s in data.get("sources") or []) or "-"),
        ("As of", str(doc.get("as_of") or "-")),
        ("Engine version", str(doc.get("engine_version") or "-")),
        ("Document schema", str(doc.get("schema_version") or "-")),
    ]
    if doc.get("holidays_package_version"):
        rows.append(("holidays package", str(doc["holidays_package_version"])))
    for version in doc.get("series") or []:
        if not isinstance(version, Mapping):
            continue
        rows.append(
            (
                f"Version {version.get('version')}",
                f"effective {version.get('effective')}, {version.get('path')}, "
                f"SHA-256 {version.get('sha256') or '-'}",
            )
        )
    return rows


def _source_text(source: Any) -> str:
    if isinstance(source, Mapping):
        return str(source.get("path") or source.get("file") or source.get("dataset") or source)
    return str(source)


RECORDS_SHOWN = 10
"""Breached records listed per shortfall, worst first. A report is read by people (and
printed: thousands of rows make Chromium take minutes); `sla explain` lists them all."""


def worst_records(target: Mapping[str, Any], limit: int = RECORDS_SHOWN) -> tuple[list[Doc], int]:
    """The ``limit`` breached records furthest over their limit, and how many are left out."""
    records = [r for r in target.get("breached_records") or [] if isinstance(r, Mapping)]

    def over(record: Mapping[str, Any]) -> Fraction:
        measured, cap = _measured_and_limit(record)
        return measured - cap if measured is not None and cap is not None else Fraction(0)

    ranked = sorted(records, key=lambda r: (-over(r), str(r.get("id"))))
    return [dict(r) for r in ranked[:limit]], max(len(ranked) - limit, 0)


RECORD_COLUMNS = ("Record", "Measured", "Limit", "Over by", "State")


def _measured_and_limit(record: Mapping[str, Any]) -> tuple[Fraction | None, Fraction | None]:
    """Seconds, or business days for a target limited in ``bd`` (``measured_bd``)."""
    if record.get("measured_bd") is not None:
        return exact(record.get("measured_bd")), exact(record.get("limit_bd"))
    return exact(record.get("measured_s")), exact(record.get("limit_s"))


def _days(value: Fraction | None) -> str:
    return "-" if value is None else f"{fixed(value).rstrip('0').rstrip('.')}bd"


def record_row(record: Mapping[str, Any]) -> list[str]:
    """A breached record as the shortfall tables show it (plain text; the layout escapes)."""
    measured, limit = _measured_and_limit(record)
    show = _days if record.get("measured_bd") is not None else fmt_duration
    over = show(measured - limit) if measured is not None and limit is not None else "-"
    return [
        str(record.get("id")),
        show(measured),
        show(limit),
        over,
        "open" if record.get("open") else "closed",
    ]


def budget_text(value: Any, unit: str) -> str:
    """A budget amount in its unit: seconds as a duration, records as a count."""
    if value is None:
        return "-"
    return fmt_duration(value) if unit == "seconds" else str(value)
