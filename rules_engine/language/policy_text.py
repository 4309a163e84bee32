"""The checked model written back in policy syntax.

Explanations (``95% within 15m``, ``priority = P1 and status not in ["cancelled"]``), the
semantic diff and the test coverage report all quote clauses of a
:class:`~rules_engine.language.model.CheckedPolicy`; they share these functions so a clause reads
the same everywhere. Numbers are exact: a terminating fraction is written as a plain
decimal, anything else to 9 places (still a valid literal).
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Mapping, Sequence
from decimal import ROUND_HALF_EVEN, Decimal, localcontext
from fractions import Fraction

from rules_engine.language import model as m


def number_text(value: Fraction | Decimal | int) -> str:
    """``21``, ``21.5``, ``4.2``; a non-terminating fraction to 9 places. A money
    ``Decimal`` keeps its written places (``12345.30``) unless it is whole."""
    if isinstance(value, Decimal):
        return format(value.normalize(), "f") if value == value.to_integral() else str(value)
    frac = Fraction(value)
    den = frac.denominator
    while den % 2 == 0:
        den //= 2
    while den % 5 == 0:
        den //= 5
    with localcontext() as ctx:
        ctx.prec = 60
        exact = Decimal(frac.numerator) / Decimal(frac.denominator)
        if den != 1:
            return str(exact.quantize(Decimal("1e-9"), rounding=ROUND_HALF_EVEN))
        text = format(exact, "f")
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return text


def percent_text(value: Fraction) -> str:
    """A fraction of 1 as a policy percentage: ``Fraction(999, 1000)`` -> ``99.9%``."""
    return f"{number_text(value * 100)}%"


def duration_text(total_s: int) -> str:
    """A duration literal: ``15m``, ``1h30m``, ``14d``; whole days only from 2 days up, so
    ``27h`` and ``24h`` read as contracts write them rather than ``1d3h`` and ``1d``."""
    if total_s == 0:
        return "0s"
    sign = "-" if total_s < 0 else ""
    rest = abs(total_s)
    parts = []
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60), ("s", 1)):
        if unit == "d" and (rest % 86400 or rest < 2 * 86400):
            continue
        count, rest = divmod(rest, size)
        if count:
            parts.append(f"{count}{unit}")
    return sign + "".join(parts)


_DURATION_LITERAL = re.compile(r"(?:\d+[dhms])+")
_DURATION_UNITS = {"d": 86400, "h": 3600, "m": 60, "s": 1}


def duration_seconds(text: str) -> int | None:
    """A duration literal as policies write it, in seconds: ``31h`` -> 111600,
    ``1h30m`` -> 5400; None for anything else (a plain number is not a duration).

    >>> duration_seconds("1h30m"), duration_seconds("14d"), duration_seconds("90")
    (5400, 1209600, None)
    """
    text = text.strip()
    if not _DURATION_LITERAL.fullmatch(text):
        return None
    return sum(
        int(count) * _DURATION_UNITS[unit] for count, unit in re.findall(r"(\d+)([dhms])", text)
    )


def business_days_text(scaled: Fraction | int) -> str:
    """A value in business days from the :data:`~rules_engine.language.model.BD_SECONDS`
    scale: ``3bd``, ``2.5bd``, ``1.333333bd`` (6 decimals, half-even, zeros dropped)."""
    days = Fraction(scaled) / m.BD_SECONDS
    if days.denominator == 1:
        return f"{days.numerator}bd"
    scaled_6 = round(days * 10**6)
    sign = "-" if scaled_6 < 0 else ""
    whole, frac = divmod(abs(scaled_6), 10**6)
    return f"{sign}{whole}.{frac:06d}".rstrip("0").rstrip(".") + "bd"


def limit_text(objective: m.PercentWithin | m.PercentileAtMost) -> str:
    """An objective's time limit as written: ``15m``, or ``3bd`` in business days."""
    if objective.business_days:
        return business_days_text(objective.limit_s)
    return duration_text(objective.limit_s)


def clock_text(seconds: int) -> str:
    """A time of day: ``08:00``; ``86400`` is ``24:00``."""
    return f"{seconds // 3600:02d}:{seconds % 3600 // 60:02d}"


def literal_text(lit: m.Literal_) -> str:
    value = lit.value
    if lit.kind == "string" and isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)
    if lit.kind == "duration" and isinstance(value, int):
        return duration_text(value)
    if lit.kind == "percent" and isinstance(value, Fraction | int):
        return percent_text(Fraction(value))
    if lit.kind == "time" and isinstance(value, int):
        return clock_text(value)
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dt.date | dt.datetime):
        return value.isoformat()
    if isinstance(value, Fraction | Decimal | int):
        return number_text(value)
    return str(value)


def operand_text(operand: m.Operand) -> str:
    return operand.name if isinstance(operand, m.FieldRef) else literal_text(operand)


def expr_text(expr: m.Expr) -> str:
    """A scope condition: ``priority = P1 and status not in ["cancelled"]``."""
    return _expr(expr, top=True)


def _expr(expr: m.Expr, top: bool = False) -> str:
    if isinstance(expr, m.Compare):
        return f"{operand_text(expr.left)} {expr.op} {operand_text(expr.right)}"
    if isinstance(expr, m.InList):
        values = ", ".join(literal_text(v) for v in expr.values)
        word = "not in" if expr.negated else "in"
        return f"{operand_text(expr.left)} {word} [{values}]"
    if isinstance(expr, m.IsSet):
        return f"{expr.field.name} is {'not ' if expr.negated else ''}set"
    if isinstance(expr, m.IsOpen):
        return "open"
    if isinstance(expr, m.Truthy):
        return expr.field.name
    if isinstance(expr, m.Not):
        return f"not {_expr(expr.operand)}"
    word = " and " if isinstance(expr, m.And) else " or "
    text = word.join(_expr(op) for op in expr.operands)
    return text if top else f"({text})"


def measure_text(measure: m.Measure) -> str:
    if isinstance(measure, m.Elapsed):
        text = measure.builtin or f"time from {measure.start} to {measure.stop}"
        if measure.clock is not None:
            text += f" on {measure.clock}"
        if measure.exclude_pauses == "all":
            text += " excluding pauses"
        elif measure.exclude_pauses is not None:
            reasons = ", ".join(json.dumps(r, ensure_ascii=False) for r in measure.exclude_pauses)
            text += f" excluding pauses where reason in [{reasons}]"
        return text
    if isinstance(measure, m.DurationField):
        return measure.field
    if isinstance(measure, m.Availability):
        return f"availability on {measure.clock}"
    if isinstance(measure, m.Aggregate):
        return measure.kind if measure.field is None else f"{measure.kind} {measure.field}"
    return "(none)"


def objective_text(objective: m.Objective) -> str:
    """``95% within 15m``, ``p90 <= 27h``, ``>= 99.9%``, ``mean >= 4.2``, ``count >= 1``.
    ``all within 4h`` reads ``100% within 4h``, as reports state it."""
    if isinstance(objective, m.PercentWithin):
        return f"{percent_text(objective.percent)} within {limit_text(objective)}"
    if isinstance(objective, m.PercentileAtMost):
        return f"p{objective.percentile} <= {limit_text(objective)}"
    if isinstance(objective, m.AvailabilityAtLeast):
        return f">= {percent_text(objective.percent)}"
    if isinstance(objective, m.AggregateCompare):
        value = (
            duration_text(int(objective.value))
            if objective.unit == "duration" and objective.value.denominator == 1
            else number_text(objective.value)
        )
        return f"{objective.aggregate} {objective.op} {value}"
    if isinstance(objective, m.CountCompare):
        return f"count {objective.op} {objective.value}"
    return f"{percent_text(objective.percent)} where {expr_text(objective.condition)}"


def amount_text(amount: m.Amount, currency: str = "") -> str:
    if isinstance(amount, m.PercentOfFee):
        return f"{percent_text(amount.percent)} of fee"
    return f"{number_text(amount.amount)} {currency}".rstrip()


def threshold_text(objective: m.Objective | None, value: Fraction) -> str:
    """A target's value in its own unit: a percent, a duration (percentiles), a number."""
    if isinstance(objective, m.PercentileAtMost) and objective.business_days:
        return business_days_text(value)
    if isinstance(objective, m.PercentileAtMost) and value.denominator == 1:
        return duration_text(int(value))
    if isinstance(objective, m.AggregateCompare | m.CountCompare):
        if getattr(objective, "unit", "number") == "duration" and value.denominator == 1:
            return duration_text(int(value))
        return number_text(value)
    return percent_text(value)


def condition_text(cond: m.Condition, targets: Mapping[str, m.Target] | None = None) -> str:
    """A credit, bonus or exit condition; ``targets`` gives the value units."""
    if isinstance(cond, m.ValueBelow):
        target = (targets or {}).get(cond.target)
        objective = target.objective if target is not None else None
        return f"{cond.target} {cond.op} {threshold_text(objective, cond.threshold)}"
    if isinstance(cond, m.VerdictIs):
        return f"{cond.target} {cond.verdict}"
    if isinstance(cond, m.InLastPeriods):
        return f"{cond.target} {cond.verdict} in {cond.count} of last {cond.window} periods"
    if isinstance(cond, m.Consecutive):
        who = "all targets" if cond.target is None else cond.target
        return f"{who} {cond.verdict} in {cond.count} consecutive periods"
    if isinstance(cond, m.BreachCount):
        return f"at least {cond.at_least} breaches in last {cond.window} periods"
    word = " and " if isinstance(cond, m.AllOf) else " or "
    return word.join(condition_text(c, targets) for c in cond.operands)


def fee_text(fee: m.FeeLine, currency: str = "") -> str:
    amount = f"{number_text(fee.amount)} {currency}".rstrip()
    return f"fee {amount} per {fee.per} from {fee.start.isoformat()}"


def windows_text(windows: Sequence[m.Window]) -> str:
    if not windows:
        return "closed"
    return ", ".join(f"{clock_text(w.start)}-{clock_text(w.end)}" for w in windows)


def holiday_text(spec: m.HolidaySpec) -> str:
    text = f"holidays {json.dumps(spec.country, ensure_ascii=False)}"
    if spec.subdivision:
        text += f" subdivision {json.dumps(spec.subdivision, ensure_ascii=False)}"
    if spec.except_names:
        text += " except " + ", ".join(json.dumps(n, ensure_ascii=False) for n in spec.except_names)
    return text


def step_text(step: m.EscalationStep) -> str:
    if step.after_s is not None:
        at = duration_text(step.after_s)
    else:
        at = f"{percent_text(step.fraction or Fraction(0))} of {step.of_target}"
    return f"at {at} notify {json.dumps(step.contact, ensure_ascii=False)}"
