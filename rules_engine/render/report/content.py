"""What a performance report says, independent of how it is drawn.

:func:`build_report` reads a normalized evaluation document and decides the content of
every section (issues 6 and 12): the executive summary (this period's verdicts counted
per owner, the amount owed as the sum of its lines, exit rights, the change from the
period before in words), each target's trend (over the range and the ``history``
periods before it), error budget and shortfalls, the money of every period line by line,
the customer's share, escalations with their compliance, disputed exclusions,
data-quality warnings, holidays and the audit footer. The HTML and Markdown renderers
only lay it out, so the two formats always say the same thing.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from fractions import Fraction
from typing import Any

from rules_engine import present
from rules_engine.render.report.document import (
    VERDICTS,
    Doc,
    Objective,
    all_warnings,
    elapsed_fraction,
    exact,
    fmt_duration,
    fmt_money,
    fmt_value,
    headroom,
    money,
    normalize,
    parse_instant,
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


CHANGE_KINDS = (
    "recovered",  # breached before, met or at risk now
    "improved",  # at risk to met, or met both times with more margin
    "new_breach",  # breached now, not before
    "declined",  # met to at risk, or met both times with less margin
    "still_breached",  # breached both times (closer to or further from the objective)
    "no_data",  # decided before, no data now: neither better nor worse
    "measured",  # no data before, decided now
    "unchanged",
)


@dataclass(frozen=True)
class Change:
    """How a target moved from the previous period to the latest: from the verdicts, and
    for an unchanged verdict from the value's distance to the objective (headroom)."""

    target: TargetInfo
    kind: str  # one of CHANGE_KINDS
    before: str  # verdict in the previous period
    after: str  # verdict in the latest period
    text: str


@dataclass(frozen=True)
class LatestRow:
    """One target in the executive summary: this period's verdict, value and change."""

    target: TargetInfo
    verdict: str
    value: str
    change: str


@dataclass(frozen=True)
class BudgetCell:
    unit: str
    total: Any
    used: Any
    left: Any
    burned: Fraction | None  # used / total; None when there is no budget
    rate: Fraction | None  # burned / elapsed share of the period (1 = on pace)
    clock: present.ClockKind = "wall"  # what a budget of time is counted on


@dataclass(frozen=True)
class AmountLine:
    """One line of a period's account: its text (rule, tier, arithmetic) and its signed
    amount (a cap's reduction and a credit earned back are negative)."""

    kind: str  # credit | cap | annual_cap | earn_back | bonus | ...
    text: str
    amount: Decimal | None
    shown: str


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
    lines: list[AmountLine] = field(default_factory=list)  # the credit side, in order
    bonuses: list[AmountLine] = field(default_factory=list)
    owed_amount: Decimal | None = None
    bonus_amount: Decimal | None = None

    @property
    def owed_arithmetic(self) -> str:
        """``2,500.00 - 500.00 - 1,700.00 = 300.00 EUR``: the owed amount as its lines' sum."""
        return _sum_text([line.amount for line in self.lines], self.owed_amount, self.owed)


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
    # by owner ("provider", "customer"): verdict counts in the latest / in every period
    latest_by_owner: dict[str, dict[str, int]] = field(default_factory=dict)
    all_by_owner: dict[str, dict[str, int]] = field(default_factory=dict)
    owed_latest: str = "-"
    owed_latest_arithmetic: str = ""
    credits_arithmetic: str = ""  # the range's total as the sum of the periods' amounts
    previous: str | None = None  # the period the latest is compared with
    change_words: str = ""  # "2 targets recovered, 1 new breach"
    rows: list[LatestRow] = field(default_factory=list)
    exit_count: int = 0  # exit rights in the report's periods


@dataclass(frozen=True)
class Report:
    title: str
    parties: str
    range_text: str
    as_of: str
    currency: str
    timezone: str  # the contract's zone: every instant shown is in it, with its offset
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
    changes: list[Change] = field(default_factory=list)
    history: list[str] = field(default_factory=list)  # periods before the range, trends only
    escalation_blocks: list[Doc] = field(default_factory=list)  # with compliance


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
    changes = _changes(doc, infos)
    money_rows = [_money_row(p, currency) for p in doc["periods"]]
    blocks, rows = _escalation_parts(doc["escalations"], doc.get("timezone"))
    return Report(
        title=str(policy["name"]),
        parties=_parties(policy),
        range_text=periods[0]
        if len(periods) == 1
        else f"{periods[0]} to {periods[-1]}"
        if periods
        else "",
        as_of=present.instant(doc.get("as_of"), doc.get("timezone")),
        currency=currency,
        timezone=str(doc.get("timezone") or ""),
        summary=_summary(doc, infos, shortfalls, at_risk, currency, money_rows, changes),
        targets=list(infos.values()),
        periods=periods,
        matrix=matrix,
        trends=trends,
        wins=_wins(doc, infos),
        improvements=[
            Improvement(c.target, _previous_label(doc) or "-", periods[-1], c.text)
            for c in changes
            if c.kind in ("recovered", "improved")
        ],
        shortfalls=shortfalls,
        at_risk=at_risk,
        budget=_budget(doc, infos),
        pauses=_pauses(doc, infos),
        customer_targets=[i for i in infos.values() if i.owner == "customer"],
        money_rows=money_rows,
        escalations=rows,
        disputed=doc["disputed"],
        warnings=all_warnings(doc),
        holidays={str(k): dict(v) for k, v in doc["calendars"].items() if isinstance(v, Mapping)},
        audit=_audit(doc),
        versions=[
            VersionInForce(str(p["period"]), str(p["version"]), str(p.get("version_effective")))
            for p in doc["periods"]
            if p.get("version")
        ],
        changes=changes,
        history=[str(p["period"]) for p in doc["history"]],
        escalation_blocks=blocks,
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
    shown = [*doc["history"], *doc["periods"]]  # the trend reaches back before the range
    for p in shown:
        t = p["targets"].get(info.name)
        values.append(None if t is None else target_value(t, info.objective))
        verdicts.append("-" if t is None else str(t["verdict"]))
    return Trend(info, [str(p["period"]) for p in shown], values, verdicts, at_risk_fraction)


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
    money_rows: list[MoneyRow],
    changes: list[Change],
) -> Summary:
    latest: Doc = doc["periods"][-1] if doc["periods"] else {"period": "-", "targets": {}}
    latest_counts = Counter(str(t["verdict"]) for t in latest["targets"].values())
    all_counts = Counter(str(t["verdict"]) for p in doc["periods"] for t in p["targets"].values())
    # The headline is the sum of the money table's "Credits owed" column: periods that
    # are over (a running period's amount is not shown, so it is not counted either).
    over = [m for m in money_rows if m.over and m.owed_amount is not None]
    if over:
        credits = sum((m.owed_amount for m in over if m.owed_amount is not None), Decimal(0))
        bonuses = sum((m.bonus_amount for m in over if m.bonus_amount is not None), Decimal(0))
    else:
        credits = _sum_money(doc, "credits_owed", doc["totals"].get("credits"))
        bonuses = _sum_money(doc, "bonus_total", doc["totals"].get("bonuses"))
    exit_right = doc.get("exit_right")
    exit_text = None
    if isinstance(exit_right, Mapping) and exit_right.get("period"):
        rules = ", ".join(str(r) for r in exit_right.get("rules") or [])
        exit_text = (
            f"exit right since {exit_right['period']} ({rules}; notice {exit_right.get('notice')})"
        )
    latest_label = str(latest["period"])
    # one screen: this period's shortfalls (every period's are in the targets' sections)
    recent = [s.sentence for s in shortfalls + at_risk if s.period == latest_label]
    last_row = money_rows[-1] if money_rows else None
    owed_latest, owed_arithmetic = "not yet due", ""
    if last_row is not None and last_row.over:
        owed_latest, owed_arithmetic = last_row.owed, last_row.owed_arithmetic
    elif last_row is not None:
        owed_arithmetic = f"{last_row.period} is running: its amount is computed when it is over"
    by_name = {c.target.name: c for c in changes}
    rows = []
    for name, t in latest["targets"].items():
        info = infos[name]
        change = by_name.get(name)
        rows.append(
            LatestRow(
                info,
                str(t["verdict"]),
                fmt_value(t, info.objective),
                change.text if change else "-",
            )
        )
    previous = _previous_label(doc)
    labels = [m.period for m in over]
    return Summary(
        latest=latest_label,
        latest_over=bool(latest.get("over")),
        latest_counts={v: latest_counts.get(v, 0) for v in VERDICTS},
        all_counts={v: all_counts.get(v, 0) for v in VERDICTS},
        credits_total=fmt_money(credits, currency),
        bonus_total=fmt_money(bonuses, currency),
        exit_right=exit_text,
        sentences=recent,
        latest_by_owner=_by_owner([latest]),
        all_by_owner=_by_owner(doc["periods"]),
        owed_latest=owed_latest,
        owed_latest_arithmetic=owed_arithmetic,
        credits_arithmetic=_sum_text(
            [m.owed_amount for m in over], credits, fmt_money(credits, currency), labels
        )
        if len(over) > 1
        else "",
        previous=previous,
        change_words=_change_words(changes, previous),
        rows=rows,
        exit_count=sum(len(p["exit"]) for p in doc["periods"]),
    )


def _by_owner(periods: list[Doc]) -> dict[str, dict[str, int]]:
    """Verdict counts per owner, provider first (a customer's own late approval is not
    the provider's breach)."""
    out: dict[str, dict[str, int]] = {}
    for owner in ("provider", "customer"):
        counts = Counter(
            str(t["verdict"])
            for p in periods
            for t in p["targets"].values()
            if str(t.get("owner") or "provider") == owner
        )
        out[owner] = {v: counts.get(v, 0) for v in VERDICTS}
    return out


def _sum_text(
    amounts: list[Decimal | None],
    total: Decimal | None,
    total_text: str,
    labels: list[str] | None = None,
) -> str:
    """``a + b - c = total``: every term signed, each labelled when ``labels`` are given."""
    if total is None:
        return ""
    terms: list[str] = []
    for i, amount in enumerate(amounts):
        if amount is None:
            continue
        text = f"{abs(amount):,}" + (f" ({labels[i]})" if labels else "")
        if not terms:
            terms.append(f"-{text}" if amount < 0 else text)
        else:
            terms.append(f"{'-' if amount < 0 else '+'} {text}")
    if not terms:
        return "no credits in this period"
    return f"{' '.join(terms)} = {total_text}"


def _previous_label(doc: Doc) -> str | None:
    if len(doc["periods"]) >= 2:
        return str(doc["periods"][-2]["period"])
    if doc["history"]:
        return str(doc["history"][-1]["period"])
    return None


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
    if objective.unit == "seconds":
        return fmt_duration(t.get("margin_s", t.get("margin")), objective.clock)
    margin = t.get("margin")
    if margin is None:
        return "-"
    if objective.unit == "percent":
        return present.points(margin, t.get("value"), objective.threshold)
    if objective.unit == "count":
        return str(margin)
    value = exact(t.get("value"))
    places = 2 if value is None else present.places_needed(value, objective.threshold)
    return present.number(margin, places)


_RANK = {"breached": 0, "at_risk": 1, "met": 2, "not_due": 2}


def _changes(doc: Doc, infos: dict[str, TargetInfo]) -> list[Change]:
    """Each target of the latest period against the period before (the report's, or the
    last history period for a one-period report). Better or worse only from the verdict
    and, for an unchanged verdict, the value's headroom against its objective; a target
    with no data now is "no data", never an improvement."""
    periods = [*doc["history"], *doc["periods"]]
    if len(periods) < 2 or not doc["periods"]:
        return []
    before_p, after_p = periods[-2], periods[-1]
    out: list[Change] = []
    for name, after in after_p["targets"].items():
        before = before_p["targets"].get(name)
        if before is None:
            continue
        info = infos[name]
        kind, text = _change(before, after, info.objective, str(before_p["period"]))
        out.append(Change(info, kind, str(before["verdict"]), str(after["verdict"]), text))
    return out


def _change(before: Doc, after: Doc, objective: Objective, previous: str) -> tuple[str, str]:
    b, a = str(before["verdict"]), str(after["verdict"])
    now, then = a.replace("_", " "), b.replace("_", " ")
    was = f"{then} in {previous}"
    if a == "no_data" or b == "no_data":
        if a == b:
            return "unchanged", f"no data, as in {previous}"
        if a == "no_data":
            return "no_data", f"no data ({was})"
        return "measured", f"{now} (no data in {previous})"
    if a not in _RANK or b not in _RANK:
        return "unchanged", f"{now} ({was})"
    if _RANK[a] > _RANK[b]:
        return ("recovered" if b == "breached" else "improved"), f"{now} ({was})"
    if _RANK[a] < _RANK[b]:
        return ("new_breach" if a == "breached" else "declined"), f"{now} ({was})"
    room_b, room_a = headroom(before, objective), headroom(after, objective)
    if room_a is None or room_b is None or room_a == room_b:
        return ("still_breached" if a == "breached" else "unchanged"), f"still {now}"
    closer = room_a > room_b
    values = f"{_show_value(before, objective)} to {_show_value(after, objective)}"
    if a == "breached":
        side = "closer to" if closer else "further from"
        return "still_breached", f"still breached, {side} the objective ({values})"
    if a == "met":
        more = "more" if closer else "less"
        return ("improved" if closer else "declined"), f"still met, {more} margin ({values})"
    return "unchanged", f"still {now} ({values})"


def _show_value(target: Doc, objective: Objective) -> str:
    value = target_value(target, objective)
    return "-" if value is None else _show(value, objective)


_CHANGE_WORDS = (
    ("recovered", "target recovered", "targets recovered"),
    ("new_breach", "new breach", "new breaches"),
    ("improved", "improved", "improved"),
    ("declined", "declined", "declined"),
    ("still_breached", "still breached", "still breached"),
    ("no_data", "without data now", "without data now"),
    ("measured", "newly measured", "newly measured"),
)


def _change_words(changes: list[Change], previous: str | None) -> str:
    """``2 targets recovered, 1 new breach`` against the previous period."""
    if previous is None:
        return "no earlier period to compare with"
    counts = Counter(c.kind for c in changes)
    theirs = Counter(c.kind for c in changes if c.target.owner == "customer")
    parts = []
    for kind, one, many in _CHANGE_WORDS:
        if not counts[kind]:
            continue
        part = f"{counts[kind]} {one if counts[kind] == 1 else many}"
        if theirs[kind]:  # whose: a customer's own late approval is not the provider's
            part += f" ({theirs[kind]} customer-owned)"
        parts.append(part)
    return f"since {previous}: " + (", ".join(parts) if parts else "no verdict changed")


def _show(value: Fraction, objective: Objective) -> str:
    if objective.unit == "percent":
        return present.percent(value, against=objective.threshold)
    if objective.unit == "seconds":
        return fmt_duration(value, objective.clock)
    if objective.unit == "count":
        return str(value)
    return present.number(value, present.places_needed(value, objective.threshold))


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
                clock=infos[name].objective.clock if name in infos else "wall",
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


def _money_line(line: Doc, currency: str, tiers: Mapping[str, str]) -> str:
    """``rule (tier): arithmetic`` where the arithmetic states the amount (a credit, a
    bonus, a credit earned back); a cap's reduction also shows its signed amount."""
    rule, arithmetic = str(line.get("rule")), str(line.get("arithmetic") or "")
    amount = fmt_money(line.get("amount"), currency)
    if line.get("kind") in ("credit", "bonus") and tiers.get(rule):
        rule = f"{rule} ({tiers[rule]})"
    if line.get("kind") in ("credit", "bonus", "earn_back"):
        return f"{rule}: {arithmetic or amount}"
    return f"{rule}: {amount} ({arithmetic})" if arithmetic else f"{rule}: {amount}"


def _amount_line(line: Doc, currency: str, tiers: Mapping[str, str]) -> AmountLine:
    return AmountLine(
        kind=str(line.get("kind")),
        text=_money_line(line, currency, tiers),
        amount=money(line.get("amount")),
        shown=fmt_money(line.get("amount"), currency),
    )


def _money_row(p: Doc, currency: str) -> MoneyRow:
    tiers = {
        str(c.get("rule")): str(c["tier"])
        for c in [*p["credits"], *p["bonuses"]]
        if isinstance(c, Mapping) and c.get("tier")
    }
    credit = [_amount_line(x, currency, tiers) for x in p["lines"] if x.get("kind") != "bonus"]
    bonus = [_amount_line(x, currency, tiers) for x in p["lines"] if x.get("kind") == "bonus"]
    owed = money(p.get("credits_owed"))
    if owed is None and (credit or bonus):  # the lines are the account: owed is their sum
        owed = sum((line.amount for line in credit if line.amount is not None), Decimal(0))
    bonus_total = money(p.get("bonus_total"))
    if bonus_total is None and bonus:
        bonus_total = sum((line.amount for line in bonus if line.amount is not None), Decimal(0))
    credit += _unitemized(credit, owed, currency)
    bonus += _unitemized(bonus, bonus_total, currency)
    return MoneyRow(
        period=str(p["period"]),
        over=bool(p.get("over")),
        fee=fmt_money(p.get("fee"), currency),
        credit_lines=[line.text for line in credit],
        owed=fmt_money(owed, currency),
        bonus_lines=[line.text for line in bonus],
        bonus_total=fmt_money(bonus_total, currency),
        exits=list(p["exit"]),
        lines=credit,
        bonuses=bonus,
        owed_amount=owed,
        bonus_amount=bonus_total,
    )


def _unitemized(lines: list[AmountLine], total: Decimal | None, currency: str) -> list[AmountLine]:
    """The part of ``total`` no line accounts for (a document from an older engine, or
    one edited by hand), as a line of its own: the page's figures still add up, and the
    reader sees that the document did not itemize it."""
    if total is None:
        return []
    rest = total - sum((line.amount for line in lines if line.amount is not None), Decimal(0))
    if rest == 0:
        return []
    return [
        AmountLine(
            kind="unitemized",
            text="not itemized in the evaluation document",
            amount=rest,
            shown=fmt_money(rest, currency),
        )
    ]


def _in_zone(value: Any, zone: str | None) -> Any:
    """``sla escalations``' JSON with every instant (``*_at``, UTC) shown in the
    contract's zone with its offset."""
    if isinstance(value, Mapping):
        return {
            k: present.instant(v, zone)
            if k.endswith("_at") and isinstance(v, str)
            else _in_zone(v, zone)
            for k, v in value.items()
        }
    if isinstance(value, list):
        return [_in_zone(v, zone) for v in value]
    return value


def _escalation_parts(items: list[Any], zone: str | None = None) -> tuple[list[Doc], list[Any]]:
    """The escalation blocks (``sla escalations``' JSON: open records past a step and the
    compliance of every step) and the flat rows of records past a step, their instants in
    the contract's zone. A document kept from before blocks were written has rows only."""
    items = _in_zone(list(items), zone)
    if not items or not all(isinstance(i, Mapping) and "escalated" in i for i in items):
        return [], list(items)
    blocks = [dict(i) for i in items]
    rows: list[Any] = []
    for block in blocks:
        for rec in block.get("escalated") or []:
            top = (rec.get("crossed") or [{}])[-1]
            nxt = rec.get("next_step") or None
            rows.append(
                {
                    "escalation": block.get("name"),
                    "id": rec.get("id"),
                    "step": f"{top.get('step')}. at {top.get('at')}",
                    "due_at": top.get("due_at"),
                    "notify": ", then ".join(rec.get("notify") or []),
                    "after_hours": rec.get("after_hours"),
                    "next_step": None if nxt is None else f"{nxt['step']}. at {nxt['at']}",
                    "next_due_at": None if nxt is None else nxt.get("due_at"),
                }
            )
    return blocks, rows


def _audit(doc: Doc) -> list[tuple[str, str]]:
    policy, data = doc["policy"], doc["data"]
    rows = [
        ("Policy", str(policy.get("path") or policy.get("name"))),
        ("Policy SHA-256", str(policy.get("sha256") or "-")),
        ("Git revision", str(policy.get("git_revision") or "not in a git repository")),
        *_data_rows(data),
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


def _data_rows(data: Mapping[str, Any]) -> list[tuple[str, str]]:
    """The data's fingerprints: one row per dataset (``dataset: sha256``) when the engine
    writes them per dataset, and its sources as ``dataset (path)``."""
    sha, sources = data.get("sha256"), data.get("sources") or []
    rows: list[tuple[str, str]] = []
    if isinstance(sha, Mapping) and sha:
        rows += [(f"Data SHA-256 ({name})", str(digest)) for name, digest in sha.items()]
    else:
        rows.append(("Data SHA-256", str(sha or "-")))
    if isinstance(sources, Mapping):
        text = ", ".join(f"{name} ({path})" for name, path in sources.items())
    else:
        text = ", ".join(_source_text(s) for s in sources)
    rows.append(("Data sources", text or "-"))
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


def record_row(record: Mapping[str, Any], clock: present.ClockKind = "wall") -> list[str]:
    """A breached record as the shortfall tables show it (plain text; the layout escapes),
    its durations on the target's clock, or in business days for a limit in ``bd``."""
    measured, limit = _measured_and_limit(record)

    def show(value: Fraction | None) -> str:
        if record.get("measured_bd") is not None:
            return present.business_days(value)
        return fmt_duration(value, clock)

    over = show(measured - limit) if measured is not None and limit is not None else "-"
    return [
        str(record.get("id")),
        show(measured),
        show(limit),
        over,
        "open" if record.get("open") else "closed",
    ]


def downtime_rows(
    target: Mapping[str, Any], zone: str, clock: present.ClockKind = "wall"
) -> list[list[str]]:
    """An availability target's downtime, interval by interval (plain text; the layout
    escapes): from and until in the contract's zone, and how long on the target's clock."""
    rows = []
    for a, b in target.get("downtime_intervals") or []:
        start, end = parse_instant(a), parse_instant(b)
        seconds = None if start is None or end is None else int((end - start).total_seconds())
        rows.append(
            [present.instant(a, zone), present.instant(b, zone), fmt_duration(seconds, clock)]
        )
    return rows


def planned_rows(
    target: Mapping[str, Any], zone: str, clock: present.ClockKind = "wall"
) -> list[list[str]]:
    """An availability target's planned time, stretch by stretch (plain text), with what a
    maintenance rule counted as downtime and why."""
    return [
        [
            present.instant(p["start"], zone),
            present.instant(p["end"], zone),
            f"{p['source']} {p['id']} (outage {p['outage_id']})",
            f"{fmt_duration(p['downtime_s'], clock)}: {p['counted_as_downtime']}"
            if p["counted_as_downtime"]
            else "-",
        ]
        for p in target.get("planned_time") or []
    ]


def budget_text(value: Any, unit: str, clock: present.ClockKind = "wall") -> str:
    """A budget amount in its unit: seconds as a duration on its clock, records as a count."""
    if value is None:
        return "-"
    amount = exact(value)
    if amount is not None and amount < 0:  # "left" past the budget: say so, not "-1"
        return f"over by {fmt_duration(-amount, clock) if unit == 'seconds' else -amount}"
    return fmt_duration(value, clock) if unit == "seconds" else str(value)


def escalation_compliance_text(compliance: Mapping[str, Any]) -> str:
    """``compliance: breached (17 steps required: 3 on time, 2 late, 12 missed)``, as
    ``sla escalations`` says it."""
    required = compliance.get("required")
    return (
        f"compliance: {str(compliance.get('verdict')).replace('_', ' ')} "
        f"({required} step{'' if required == 1 else 's'} required: "
        f"{compliance.get('on_time')} on time, {compliance.get('late')} late, "
        f"{compliance.get('missed')} missed)"
    )


def span_text(labels: list[str]) -> str:
    """``2026-01 to 2026-03``, or the one label."""
    return labels[0] if len(labels) == 1 else f"{labels[0]} to {labels[-1]}"
