"""Replay two policy versions over the same history and say what would have changed.

This is the contract-negotiation view of ``sla diff --data``: both versions are evaluated
over the same data, periods and as-of, and the two evaluation documents (the JSON shape of
``conformance/*/expected.json``) are compared: every period/target whose verdict or value
changed, every record whose status changed, every amount of money that changed, and the
totals per year ("under NEW, 2026 credits would have been 4,200.00 USD lower").

:func:`compare_documents` works on the documents alone, so it is independent of how they
were produced; :func:`replay` evaluates both policies first.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from rules_engine.escape import terminal
from rules_engine.language.model import CheckedPolicy

Document = Mapping[str, Any]
"""One evaluation document: ``{"as_of", "currency", "periods": [{"period", "targets", ...}],
"exit_right", "totals"}``."""


@dataclass(frozen=True)
class VerdictChange:
    period: str
    target: str
    old: str | None  # None: the target does not exist on that side
    new: str | None
    old_value: str | None
    new_value: str | None

    def to_json(self) -> dict[str, Any]:
        return {
            "period": self.period,
            "target": self.target,
            "old": self.old,
            "new": self.new,
            "old_value": self.old_value,
            "new_value": self.new_value,
        }


@dataclass(frozen=True)
class RecordChange:
    period: str
    target: str
    record: str
    old: str | None  # None: not in scope on that side
    new: str | None

    def to_json(self) -> dict[str, Any]:
        return {
            "period": self.period,
            "target": self.target,
            "record": self.record,
            "old": self.old,
            "new": self.new,
        }


@dataclass(frozen=True)
class MoneyChange:
    """``item`` is ``fee``, ``credit RULE``, ``credits total``, ``bonus RULE``, ``bonus total``,
    ``earned back RULE``."""

    period: str
    item: str
    old: Decimal
    new: Decimal

    @property
    def delta(self) -> Decimal:
        return self.new - self.old

    def to_json(self) -> dict[str, Any]:
        return {
            "period": self.period,
            "item": self.item,
            "old": str(self.old),
            "new": str(self.new),
            "delta": str(self.delta),
        }


@dataclass(frozen=True)
class ExitChange:
    period: str
    rule: str
    old: bool
    new: bool

    def to_json(self) -> dict[str, Any]:
        return {"period": self.period, "rule": self.rule, "old": self.old, "new": self.new}


@dataclass(frozen=True)
class YearTotal:
    """Credits (net of earn-back when the document has it) or bonuses over one year's
    periods that are over."""

    year: str
    kind: str  # "credits" | "bonuses"
    old: Decimal
    new: Decimal

    @property
    def delta(self) -> Decimal:
        return self.new - self.old

    def to_json(self) -> dict[str, Any]:
        return {
            "year": self.year,
            "kind": self.kind,
            "old": str(self.old),
            "new": str(self.new),
            "delta": str(self.delta),
        }


@dataclass(frozen=True)
class ReplayResult:
    old_label: str
    new_label: str
    as_of: str
    currency: str
    periods: tuple[str, ...]
    verdicts: tuple[VerdictChange, ...] = ()
    records: tuple[RecordChange, ...] = ()
    money: tuple[MoneyChange, ...] = ()
    exits: tuple[ExitChange, ...] = ()
    totals: tuple[YearTotal, ...] = ()
    exit_right: tuple[str | None, str | None] = (None, None)
    notes: tuple[str, ...] = field(default=())

    @property
    def changed(self) -> bool:
        return bool(
            self.verdicts
            or self.records
            or self.money
            or self.exits
            or self.exit_right[0] != self.exit_right[1]
        )

    def sentences(self) -> list[str]:
        """``under NEW, 2026 credits would have been 4,200.00 USD lower``, one per total."""
        out = []
        for total in self.totals:
            if total.delta == 0:
                continue
            word = "higher" if total.delta > 0 else "lower"
            out.append(
                f"under {self.new_label}, {total.year} {total.kind} would have been "
                f"{money_text(abs(total.delta), self.currency)} {word} "
                f"({money_text(total.old, self.currency)} -> "
                f"{money_text(total.new, self.currency)})"
            )
        return out

    def to_json(self) -> dict[str, Any]:
        return {
            "old": self.old_label,
            "new": self.new_label,
            "as_of": self.as_of,
            "currency": self.currency,
            "periods": list(self.periods),
            "changed": self.changed,
            "verdicts": [c.to_json() for c in self.verdicts],
            "records": [c.to_json() for c in self.records],
            "money": [c.to_json() for c in self.money],
            "exits": [c.to_json() for c in self.exits],
            "exit_right": {"old": self.exit_right[0], "new": self.exit_right[1]},
            "totals": [t.to_json() for t in self.totals],
            "summary": self.sentences(),
            "notes": list(self.notes),
        }

    def render_text(self) -> str:
        cur = self.currency
        span = f"{self.periods[0]}..{self.periods[-1]}" if self.periods else "no periods"
        lines = [f"replay {self.old_label} -> {self.new_label} over {span}, as of {self.as_of}"]
        lines += [f"note: {n}" for n in self.notes]
        if not self.changed:
            lines.append("no verdict, record or amount would have changed")
            return terminal("\n".join(lines) + "\n")
        if self.verdicts:
            lines.append("verdicts:")
            for v in self.verdicts:
                value = ""
                if v.old_value != v.new_value:
                    value = f"value {v.old_value or '-'} -> {v.new_value or '-'}"
                if v.old == v.new:
                    lines.append(f"  {v.period} {v.target}: {v.new}, {value}")
                    continue
                verdict = f"{v.old or 'absent'} -> {v.new or 'absent'}"
                lines.append(
                    f"  {v.period} {v.target}: {verdict}" + (f" ({value})" if value else "")
                )
        if self.records:
            lines.append("records:")
            for r in self.records:
                lines.append(
                    f"  {r.period} {r.target} {r.record}: "
                    f"{r.old or 'out of scope'} -> {r.new or 'out of scope'}"
                )
        if self.money:
            lines.append("money:")
            for mc in self.money:
                sign = "+" if mc.delta > 0 else "-"
                lines.append(
                    f"  {mc.period} {mc.item}: {money_text(mc.old, cur)} -> "
                    f"{money_text(mc.new, cur)} ({sign}{money_text(abs(mc.delta), cur)})"
                )
        if self.exits:
            lines.append("exit rights:")
            for e in self.exits:
                lines.append(
                    f"  {e.period} {e.rule}: {'holds' if e.old else 'no'} -> "
                    f"{'holds' if e.new else 'no'}"
                )
        if self.exit_right[0] != self.exit_right[1]:
            lines.append(
                f"first exit right: {self.exit_right[0] or 'none'} -> {self.exit_right[1] or 'none'}"
            )
        sentences = self.sentences()
        if sentences:
            lines.append("totals:")
            lines += [f"  {s}" for s in sentences]
        return terminal("\n".join(lines) + "\n")

    def render_json(self) -> str:
        return json.dumps(self.to_json(), indent=2) + "\n"


def money_text(amount: Decimal, currency: str) -> str:
    """``4,200.00 USD``: the amount as the document gave it, with thousands separators."""
    return f"{amount:,} {currency}".strip()


def _money(value: Any) -> Decimal | None:
    if value is None:
        return None
    try:
        return Decimal(str(value))
    except InvalidOperation:
        return None


def _by_rule(items: Any) -> dict[str, Decimal]:
    out: dict[str, Decimal] = {}
    for item in items or ():
        if not isinstance(item, Mapping):
            continue
        amount = _money(item.get("amount"))
        rule = str(item.get("rule", "?"))
        if amount is not None:
            out[rule] = out.get(rule, Decimal(0)) + amount
    return out


def _record_statuses(target: Mapping[str, Any]) -> dict[str, str]:
    """Per-record status; from ``records`` when the document keeps them, else from the
    breached and pending lists (a record in neither is reported as ``met``)."""
    records = target.get("records")
    if isinstance(records, Mapping):
        return {str(k): str(v.get("status")) for k, v in records.items()}
    out: dict[str, str] = {}
    for item in target.get("breached_records") or ():
        out[str(item.get("id"))] = "breached"
    for item in target.get("pending_records") or ():
        out[str(item.get("id"))] = "pending"
    return out


def _has_records(target: Mapping[str, Any]) -> bool:
    return isinstance(target.get("records"), Mapping)


def _exit_rules(period: Mapping[str, Any]) -> set[str]:
    return {str(e.get("rule")) for e in period.get("exit") or () if isinstance(e, Mapping)}


def _exit_period(doc: Document) -> str | None:
    right = doc.get("exit_right")
    if isinstance(right, Mapping):
        return str(right.get("period")) if right.get("period") else None
    return None


_MONEY_FIELDS = (("fee", "fee"), ("credits total", "credits_total"), ("bonus total", "bonus_total"))
_NET_FIELD = "credits_net"


def compare_documents(
    old: Document, new: Document, old_label: str = "OLD", new_label: str = "NEW"
) -> ReplayResult:
    """Every difference that matters between two evaluations of the same data."""
    old_periods = {str(p["period"]): p for p in old.get("periods", ())}
    new_periods = {str(p["period"]): p for p in new.get("periods", ())}
    labels = [label for label in old_periods if label in new_periods]
    notes = []
    only = sorted(set(old_periods) ^ set(new_periods))
    if only:
        notes.append("periods on one side only are not compared: " + ", ".join(only))
    verdicts: list[VerdictChange] = []
    records: list[RecordChange] = []
    money: list[MoneyChange] = []
    exits: list[ExitChange] = []
    year_old: dict[tuple[str, str], Decimal] = {}
    year_new: dict[tuple[str, str], Decimal] = {}
    for label in labels:
        po, pn = old_periods[label], new_periods[label]
        _compare_targets(label, po.get("targets", {}), pn.get("targets", {}), verdicts, records)
        if not (po.get("over") and pn.get("over")):
            continue
        for item, key in _MONEY_FIELDS:
            a, b = _money(po.get(key)), _money(pn.get(key))
            if a is not None and b is not None and a != b:
                money.append(MoneyChange(label, item, a, b))
        for kind, key in (
            ("credit", "credits"),
            ("bonus", "bonuses"),
            ("earned back", "earned_back"),
        ):
            a_rules, b_rules = _by_rule(po.get(key)), _by_rule(pn.get(key))
            for rule in sorted(set(a_rules) | set(b_rules)):
                # a rule absent on one side paid zero, in the other side's minor unit
                a_amt = a_rules.get(rule, 0 * b_rules.get(rule, Decimal(0)))
                b_amt = b_rules.get(rule, 0 * a_amt)
                if a_amt != b_amt:
                    money.append(MoneyChange(label, f"{kind} {rule}", a_amt, b_amt))
        for rule in sorted(_exit_rules(po) | _exit_rules(pn)):
            held_old, held_new = rule in _exit_rules(po), rule in _exit_rules(pn)
            if held_old != held_new:
                exits.append(ExitChange(label, rule, held_old, held_new))
        year = label[:4]
        for period, acc in ((po, year_old), (pn, year_new)):
            net = _money(period.get(_NET_FIELD))
            credit = net if net is not None else _money(period.get("credits_total"))
            for kind, amount in (
                ("credits", credit),
                ("bonuses", _money(period.get("bonus_total"))),
            ):
                if amount is not None:
                    acc[(year, kind)] = (
                        acc[(year, kind)] + amount if (year, kind) in acc else amount
                    )
    totals = tuple(
        YearTotal(year, kind, year_old[(year, kind)], year_new[(year, kind)])
        for (year, kind) in year_old
        if (year, kind) in year_new
    )
    currency = str(new.get("currency") or old.get("currency") or "")
    if isinstance(new.get("currency"), Mapping):
        currency = str(new["currency"].get("code", ""))
    return ReplayResult(
        old_label,
        new_label,
        str(new.get("as_of") or old.get("as_of") or ""),
        currency,
        tuple(labels),
        tuple(verdicts),
        tuple(records),
        tuple(money),
        tuple(exits),
        totals,
        (_exit_period(old), _exit_period(new)),
        tuple(notes),
    )


def _compare_targets(
    label: str,
    old: Mapping[str, Any],
    new: Mapping[str, Any],
    verdicts: list[VerdictChange],
    records: list[RecordChange],
) -> None:
    names = list(old) + [n for n in new if n not in old]
    for name in names:
        to, tn = old.get(name), new.get(name)
        vo = str(to.get("verdict")) if to is not None else None
        vn = str(tn.get("verdict")) if tn is not None else None
        val_o = _value(to)
        val_n = _value(tn)
        if vo != vn or (val_o != val_n and to is not None and tn is not None):
            verdicts.append(VerdictChange(label, name, vo, vn, val_o, val_n))
        if to is None or tn is None:
            continue
        so, sn = _record_statuses(to), _record_statuses(tn)
        full = _has_records(to) and _has_records(tn)
        for rid in sorted(set(so) | set(sn)):
            a = so.get(rid, None if full else "met")
            b = sn.get(rid, None if full else "met")
            if a != b:
                records.append(RecordChange(label, name, rid, a, b))


def _value(target: Mapping[str, Any] | None) -> str | None:
    if target is None:
        return None
    if target.get("value") is not None:
        return str(target["value"])
    if target.get("value_s") is not None:
        return f"{target['value_s']}s"
    if target.get("count") is not None:
        return str(target["count"])
    return None


# --------------------------------------------------------------------------- evaluation

Evaluator = Callable[[CheckedPolicy, Any, Sequence[Any], dt.datetime], Document]
"""(policy, data bundle, periods, as_of) -> evaluation document."""


def default_evaluator() -> Evaluator:
    """The engine's evaluation, as a document (imported late: the engine pulls in Polars)."""
    from rules_engine import pipeline

    def run(
        policy: CheckedPolicy, bundle: Any, periods: Sequence[Any], as_of: dt.datetime
    ) -> Document:
        return as_document(pipeline.evaluate(policy, bundle, list(periods), as_of))

    return run


def as_document(result: Any) -> Document:
    """The engine's result as a plain JSON document, whatever object carries it."""
    if isinstance(result, Mapping):
        return result
    document = getattr(result, "document", None)  # the engine's Evaluation
    if isinstance(document, Mapping):
        return document
    to_json = getattr(result, "to_json", None)
    if callable(to_json):
        value = to_json()
        if isinstance(value, Mapping):
            return value
    raise TypeError(f"cannot read an evaluation document from {type(result).__name__}")


def period_range(policy: CheckedPolicy, first: str, last: str) -> list[Any]:
    """The periods ``first..last`` in ``policy``'s kind and zone; ValueError when reversed."""
    from rules_engine.evaluation.periods import parse_period, period_containing, periods_between

    start = parse_period(first, policy.period, policy.timezone)
    end = parse_period(last, policy.period, policy.timezone)
    if end.start < start.start:
        raise ValueError(f"`--to {last}` comes before `--from {first}`")
    opening = period_containing(policy.effective, policy.period, policy.timezone)
    if start.start < opening.start:
        raise ValueError(
            f"period {start.label} starts before `{policy.source_path}` takes effect "
            f"({policy.effective.isoformat()})"
        )
    return periods_between(start, end)


def replay(
    old: CheckedPolicy,
    new: CheckedPolicy,
    bundle: Any,
    first: str,
    last: str,
    as_of: dt.datetime,
    old_label: str = "OLD",
    new_label: str = "NEW",
    evaluator: Evaluator | None = None,
) -> ReplayResult:
    """Evaluate both versions over the same data and periods, and compare.

    The two versions must count the same kind of period (months or quarters), since the
    comparison is per period label; ValueError otherwise.
    """
    if old.period != new.period:
        raise ValueError(
            f"{old_label} counts {old.period}s and {new_label} counts {new.period}s; "
            "a replay compares the same periods"
        )
    run = evaluator or default_evaluator()
    doc_old = run(old, bundle, period_range(old, first, last), as_of)
    doc_new = run(new, bundle, period_range(new, first, last), as_of)
    return compare_documents(doc_old, doc_new, old_label, new_label)
