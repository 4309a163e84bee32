"""The canonical layout of a policy (``sla fmt``): one way to write each program.

The layout: one clause per line, blocks indented by two spaces, a blank line around every
block, the author's other blank lines kept (at most one in a row), the labels and
``coverage`` of consecutive tier lines aligned, target clauses in the order ``owner``,
``of``, ``measure``, ``require``. Comments stay with the clause they precede (own-line
comments) or trail (end-of-line comments). Formatting is idempotent and never changes
meaning: ``parse(format_policy(x)) == parse(x)``.

>>> print(format_policy('policy "Demo" target t{of tickets require 95% within 15m}'), end="")
policy "Demo"
<BLANKLINE>
target t {
  of tickets
  require 95% within 15m
}
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Iterable
from dataclasses import dataclass, field

from rules_engine.language import ast
from rules_engine.language.parser import parse, reserved_words

__all__ = ["expr_text", "format_policy", "print_policy"]

INDENT = "  "
WIDTH = 100
"""Longer conditions break before each top-level ``or`` (or ``and``), indented once more."""
_NAME_RE = re.compile(r"[A-Za-z_][A-Za-z0-9_]*\Z")


def format_policy(text: str, path: str = "<memory>") -> str:
    """Parse ``text`` and print it in the canonical layout (raises ``ParseError``)."""
    return print_policy(parse(text, path), text)


def print_policy(policy: ast.Policy, source: str | None = None) -> str:
    """Print a policy tree; with its ``source`` text, comments and blank lines come back.

    Without the source (a tree built in code), comments are placed by their spans only
    and no author blank lines are kept.
    """
    printer = _Printer(source)
    printer.policy(policy)
    return printer.render(policy.comments)


# --------------------------------------------------------------------------- names, literals


# Keywords the parser would take instead of a name at a position (the lexer is contextual:
# elsewhere a keyword is an ordinary name, as in `owner customer` or `<= budget`). The
# sets hold for positions right after a keyword or punctuation, whose lexer state is
# specific; checked by the round-trip property in tests/language/test_properties.py.
_EXPR_START = frozenset({"not", "open", "true", "false"})
_OPERAND = frozenset({"true", "false"})
_MEASURE = frozenset({"time", "mean", "sum", "count"})
_OBJECTIVE = frozenset({"all", "mean", "sum", "count"})
_SUBJECT = frozenset({"all", "at"})
_PAUSE_DATASET = frozenset({"while"})


def _name(name: ast.Name, keywords: frozenset[str] = frozenset()) -> str:
    """A name as written: in backticks when it is no plain identifier, or when it is one of
    the ``keywords`` the parser would read at this position."""
    text = name.name
    if not _NAME_RE.match(text) or text in keywords:
        return f"`{text}`"
    return text


def _clock(name: ast.Name) -> str:
    return "24x7" if name.name == "24x7" else _name(name)


_ESCAPES = {"\\": "\\\\", '"': '\\"', "\n": "\\n", "\r": "\\r", "\t": "\\t"}


def _string(lit: ast.StringLit) -> str:
    return '"' + "".join(_ESCAPES.get(ch, ch) for ch in lit.value) + '"'


def _literal(lit: ast.Lit) -> str:
    match lit:
        case ast.StringLit():
            return _string(lit)
        case ast.MoneyLit(currency=None):
            return lit.text
        case ast.MoneyLit():
            return f"{lit.text} {lit.currency}"
        case ast.BoolLit():
            return "true" if lit.value else "false"
        case _:
            return lit.text


def _operand(operand: ast.Operand, keywords: frozenset[str] = _OPERAND) -> str:
    return _name(operand, keywords) if isinstance(operand, ast.Name) else _literal(operand)


def _strings(items: Iterable[ast.StringLit]) -> str:
    return ", ".join(_string(s) for s in items)


# --------------------------------------------------------------------------- expressions

_OR, _AND, _NOT, _ATOM = 0, 1, 2, 3


def expr_text(expr: ast.Expr, context: int = _OR) -> str:
    """An expression on one line, parenthesised only where precedence needs it."""
    match expr:
        case ast.Or(operands=operands):
            text, prec = " or ".join(expr_text(o, _AND) for o in operands), _OR
        case ast.And(operands=operands):
            text, prec = " and ".join(expr_text(o, _NOT) for o in operands), _AND
        case ast.Not(operand=operand):
            text, prec = "not " + expr_text(operand, _NOT), _NOT
        case ast.Compare(left=left, op=op, right=right):
            text, prec = f"{_operand(left, _EXPR_START)} {op} {_operand(right)}", _ATOM
        case ast.InList(left=left, values=values, negated=negated):
            word = "not in" if negated else "in"
            items = ", ".join(_operand(v) for v in values)
            text, prec = f"{_operand(left, _EXPR_START)} {word} [{items}]", _ATOM
        case ast.IsSet(operand=operand, negated=negated):
            text = f"{_operand(operand, _EXPR_START)} is {'not ' if negated else ''}set"
            prec = _ATOM
        case ast.IsOpen():
            text, prec = "open", _ATOM
        case ast.Name() | ast.BoolLit():
            text, prec = _operand(expr, _EXPR_START), _ATOM
    return f"({text})" if prec < context else text


def _periods(n: int) -> str:
    return "period" if n == 1 else "periods"


def _subject(target: ast.Name | None) -> str:
    return "all targets" if target is None else _name(target, _SUBJECT)


def condition_text(cond: ast.Condition, context: int = _OR) -> str:
    """A consequence condition on one line (``A breached in 2 consecutive periods or ...``)."""
    match cond:
        case ast.AnyOf(operands=operands):
            text, prec = " or ".join(condition_text(o, _AND) for o in operands), _OR
        case ast.AllOf(operands=operands):
            text, prec = " and ".join(condition_text(o, _ATOM) for o in operands), _AND
        case ast.ValueCondition(target=target, op=op, value=value):
            text, prec = f"{_name(target, _SUBJECT)} {op} {_literal(value)}", _ATOM
        case ast.VerdictCondition(target=target, verdict=verdict):
            text, prec = f"{_subject(target)} {verdict}", _ATOM
        case ast.InLastCondition(target=target, verdict=verdict, count=count, window=window):
            text = f"{_subject(target)} {verdict} in {count} of last {window} {_periods(window)}"
            prec = _ATOM
        case ast.ConsecutiveCondition(target=target, verdict=verdict, count=count):
            text = f"{_subject(target)} {verdict} in {count} consecutive {_periods(count)}"
            prec = _ATOM
        case ast.BreachCountCondition(at_least=at_least, window=window):
            text = f"at least {at_least} breaches in last {window} {_periods(window)}"
            prec = _ATOM
    return f"({text})" if prec < context else text


def _broken(parts: list[str], word: str) -> str:
    return parts[0] + "".join(f"\n{INDENT}{word} {part}" for part in parts[1:])


def _wrap_condition(prefix: str, cond: ast.Condition, suffix: str, depth: int) -> str:
    text = f"{prefix}{condition_text(cond)}{suffix}"
    if len(INDENT * depth + text) <= WIDTH:
        return text
    if isinstance(cond, ast.AnyOf):
        return prefix + _broken([condition_text(o, _AND) for o in cond.operands], "or") + suffix
    if isinstance(cond, ast.AllOf):
        return prefix + _broken([condition_text(o, _ATOM) for o in cond.operands], "and") + suffix
    return text


def _wrap_expr(prefix: str, expr: ast.Expr, suffix: str, depth: int) -> str:
    text = f"{prefix}{expr_text(expr)}{suffix}"
    if len(INDENT * depth + text) <= WIDTH:
        return text
    if isinstance(expr, ast.Or):
        return prefix + _broken([expr_text(o, _AND) for o in expr.operands], "or") + suffix
    if isinstance(expr, ast.And):
        return prefix + _broken([expr_text(o, _NOT) for o in expr.operands], "and") + suffix
    return text


def _amount(amount: ast.Amount) -> str:
    if isinstance(amount, ast.PercentOfFee):
        return f"{amount.percent.text} of fee"
    return _literal(amount)


def _once(once: bool) -> str:
    return " once" if once else ""


def _measure(measure: ast.Measure) -> str:
    match measure.kind:
        case ast.MeasureName(name=name):
            text = _name(name, _MEASURE)
        case ast.TimeBetween(start=start, stop=stop):
            text = f"time from {_name(start)} to {_name(stop)}"
        case ast.AggregateMeasure(function="count"):
            text = "count"
        case ast.AggregateMeasure(function=function, field=fld):
            text = f"{function} {_name(fld) if fld else ''}".rstrip()
    if measure.clock is not None:
        text += f" on {_clock(measure.clock)}"
    if measure.excluding is not None:
        text += " excluding pauses"
        reasons = measure.excluding.reasons
        if reasons is not None and len(reasons) == 1:
            text += f" where reason = {_string(reasons[0])}"
        elif reasons is not None:
            text += f" where reason in [{_strings(reasons)}]"
    return text


def _require(objective: ast.Objective) -> str:
    """The whole ``require ...`` clause."""
    match objective:
        case ast.PercentWithin(percent=percent, limit=limit):
            text = f"{percent.text} within {limit.text}"
        case ast.AllWithin(limit=limit):
            text = f"all within {limit.text}"
        case ast.PercentileObjective(percentile=name, op=op, limit=limit):
            text = f"{_name(name, _OBJECTIVE)} {op} {_literal(limit)}"
        case ast.AggregateObjective(function=function, op=op, value=value):
            text = f"{function} {op} {_literal(value)}"
        case ast.ValueObjective(op=op, value=value):
            text = f"{op} {_literal(value)}"
        case ast.RateObjective(percent=percent, condition=condition):
            return _wrap_expr(f"require {percent.text} where ", condition, "", 1)
    return f"require {text}"


def _scope(dataset: ast.Name, where: ast.Expr | None, by: ast.Name | None) -> str:
    head = f"of {_name(dataset)}"
    tail = f" by {_name(by)}" if by is not None else ""
    if where is None:
        return head + tail
    return _wrap_expr(f"{head} where ", where, tail, 1)


# --------------------------------------------------------------------------- layout


@dataclass
class _Unit:
    """One printed line, with the source lines it came from (0 when built in code)."""

    depth: int
    text: str
    first: int
    last: int
    cells: list[str] | None = None  # aligned columns (tier lines)
    top_block_start: bool = False  # the header of a top-level block
    top_block_end: bool = False  # the closing brace of a top-level block
    closes: bool = False  # a closing brace
    opens: bool = False  # a block header
    leading: list[ast.Comment] = field(default_factory=list)
    trailing: list[ast.Comment] = field(default_factory=list)


def _position(comment: ast.Comment) -> tuple[int, int]:
    return comment.span.line, comment.span.column


def _lines(span: ast.Span) -> tuple[int, int]:
    return span.line, span.end_line


class _Printer:
    def __init__(self, source: str | None) -> None:
        self.source_lines = source.split("\n") if source is not None else None
        self.units: list[_Unit] = []

    # ------------------------------------------------------------------ emit

    def line(self, depth: int, text: str, first: int, last: int | None = None) -> _Unit:
        unit = _Unit(depth, text, first, first if last is None else last)
        self.units.append(unit)
        return unit

    def block(
        self, depth: int, header: str, span: ast.Span, body: list[tuple[str, int, int]]
    ) -> None:
        head = self.line(depth, header + " {", span.line)
        head.opens = True
        head.top_block_start = depth == 0
        for text, first, last in body:
            self.line(depth + 1, text, first, last)
        close = self.line(depth, "}", span.end_line)
        close.closes = True
        close.top_block_end = depth == 0

    # ------------------------------------------------------------------ items

    def policy(self, policy: ast.Policy) -> None:
        for decl in policy.imports:
            self.line(0, f"import {_string(decl.path)}", *_lines(decl.span))
        overrides = frozenset(policy.overrides)
        for index, item in enumerate(policy.items):
            start = len(self.units)
            self.item(item)
            if index in overrides and start < len(self.units):
                head = self.units[start]
                head.text = "override " + head.text
                if head.cells:
                    head.cells[0] = "override " + head.cells[0]

    def item(self, item: ast.Item) -> None:
        first, last = _lines(item.span)
        match item:
            case ast.PolicyDecl(name=name):
                self.line(0, f"policy {_string(name)}", first, last)
            case ast.ProviderDecl(name=name):
                self.line(0, f"provider {_string(name)}", first, last)
            case ast.CustomerDecl(name=name):
                self.line(0, f"customer {_string(name)}", first, last)
            case ast.EffectiveDecl(date=date):
                self.line(0, f"effective {date.text}", first, last)
            case ast.TimezoneDecl(zone=zone):
                self.line(0, f"timezone {_string(zone)}", first, last)
            case ast.CurrencyDecl(code=code):
                self.line(0, f"currency {_name(code)}", first, last)
            case ast.FeeDecl(amount=amount, per=per, start=start):
                text = f"fee {_literal(amount)}"
                text += f" per {per}" if per else ""
                text += f" from {start.text}" if start else ""
                self.line(0, text, first, last)
            case ast.PeriodDecl(unit=unit):
                self.line(0, f"period {_name(unit)}", first, last)
            case ast.AtRiskDecl(percent=percent):
                self.line(0, f"at risk below {percent.text} budget", first, last)
            case ast.CalendarDecl():
                self.calendar(item)
            case ast.TierDecl():
                self.tier(item)
            case ast.DatasetDecl():
                self.dataset(item)
            case ast.PauseDecl():
                self.pause(item)
            case ast.TargetDecl():
                self.target(item)
            case ast.EscalationDecl():
                self.escalation(item)
            case ast.CreditDecl(name=name, tiers=tiers):
                body = [
                    (
                        _wrap_condition(
                            "when ", t.condition, f" credit {_amount(t.amount)}{_once(t.once)}", 1
                        ),
                        *_lines(t.span),
                    )
                    for t in tiers
                ]
                self.block(0, f"credit {_name(name)}", item.span, body)
            case ast.BonusDecl(name=name, tiers=bonus_tiers):
                body = [
                    (
                        _wrap_condition(
                            "when ", t.condition, f" pay {_amount(t.amount)}{_once(t.once)}", 1
                        ),
                        *_lines(t.span),
                    )
                    for t in bonus_tiers
                ]
                self.block(0, f"bonus {_name(name)}", item.span, body)
            case ast.ExitDecl(name=name, condition=condition, notice=notice):
                body = []
                if condition is not None:
                    text = _wrap_condition("when ", condition, "", 1)
                    body.append((text, *_lines(condition.span)))
                if notice is not None:
                    body.append((f"notice {notice.text}", *_lines(notice.span)))
                self.block(0, f"exit {_name(name)}", item.span, body)
            case ast.CapDecl(amount=amount, per=per):
                text = f"cap credits at {_amount(amount)}" + (f" per {per}" if per else "")
                self.line(0, text, first, last)
            case ast.EarnBackDecl(target=target, periods=periods):
                text = f"earn back {_name(target)} credits after {periods} met {_periods(periods)}"
                self.line(0, text, first, last)
            case ast.MaintenanceDecl(limit=limit, notice=notice):
                parts = ["maintenance"]
                if limit is not None:
                    parts.append(f"at most {limit.text} per period")
                if notice is not None:
                    parts.append(f"notice {notice.text}")
                self.line(0, " ".join(parts), first, last)

    def calendar(self, item: ast.CalendarDecl) -> None:
        body: list[tuple[str, int, int]] = []
        for clause in item.clauses:
            match clause:
                case ast.TimezoneDecl(zone=zone):
                    text = f"timezone {_string(zone)}"
                case ast.OpenClause(days=days, windows=windows):
                    day_text = ", ".join(
                        _name(d.first) + (f"-{_name(d.last)}" if d.last else "") for d in days
                    )
                    window_text = ", ".join(f"{w.start.text}-{w.end.text}" for w in windows)
                    text = f"open {day_text} {window_text}"
                case ast.HolidaysClause(country=country, subdivision=sub, except_names=names):
                    text = f"holidays {_string(country)}"
                    text += f" subdivision {_string(sub)}" if sub else ""
                    text += f" except {_strings(names)}" if names else ""
                case ast.ClosedClause(dates=dates):
                    text = "closed " + ", ".join(d.text for d in dates)
            body.append((text, *_lines(clause.span)))
        self.block(0, f"calendar {_name(item.name)}", item.span, body)

    def tier(self, item: ast.TierDecl) -> None:
        cells = [f"tier {_name(item.name)}"]
        cells.append(_string(item.label) if item.label else "")
        cells.append(f"coverage {_clock(item.coverage)}" if item.coverage else "")
        unit = self.line(0, " ".join(c for c in cells if c), *_lines(item.span))
        unit.cells = cells

    def dataset(self, item: ast.DatasetDecl) -> None:
        header = f"dataset {_name(item.name)}"
        if item.anchor is not None:
            header += f" by {_name(item.anchor)}"
        # a field line follows a name, where the lexer state is shared with every place a
        # name can end (LALR merges them), so there any keyword reads as a keyword
        words = reserved_words()
        body = [
            (f"{_name(f.name, words)} {_name(f.type, words)}", *_lines(f.span)) for f in item.fields
        ]
        self.block(0, header, item.span, body)

    def pause(self, item: ast.PauseDecl) -> None:
        text = "pause "
        text += f"{_name(item.dataset, _PAUSE_DATASET)} " if item.dataset else ""
        text += f"while {_name(item.field)} in [{_strings(item.statuses)}]"
        text += f" reason {_string(item.reason)}" if item.reason else ""
        self.line(0, text, *_lines(item.span))

    def target(self, item: ast.TargetDecl) -> None:
        header = f"target {_name(item.name)}"
        if item.title is not None:
            header += f" {_string(item.title)}"
        body: list[tuple[str, int, int]] = []
        if item.owner is not None:
            body.append((f"owner {_name(item.owner)}", *_lines(item.owner.span)))
        if item.dataset is not None:
            last = max(
                [item.dataset.span.end_line]
                + [n.span.end_line for n in (item.where, item.by) if n is not None]
            )
            body.append((_scope(item.dataset, item.where, item.by), item.dataset.span.line, last))
        if item.measure is not None:
            body.append((f"measure {_measure(item.measure)}", *_lines(item.measure.span)))
        if item.objective is not None:
            body.append((_require(item.objective), *_lines(item.objective.span)))
        if item.every is not None:
            body.append((f"every {item.every.unit}", *_lines(item.every.span)))
        if item.no_data is not None:
            body.append((f"no data counts as {item.no_data.counts_as}", *_lines(item.no_data.span)))
        self.block(0, header, item.span, body)

    def escalation(self, item: ast.EscalationDecl) -> None:
        body: list[tuple[str, int, int]] = []
        if item.dataset is not None:
            last = item.where.span.end_line if item.where else item.dataset.span.end_line
            body.append((_scope(item.dataset, item.where, None), item.dataset.span.line, last))
        for step in item.steps:
            if isinstance(step.at, ast.PercentOf):
                at = f"{step.at.percent.text} of {_name(step.at.target)}"
            else:
                at = step.at.text
            body.append((f"at {at} notify {_string(step.contact)}", *_lines(step.span)))
        for after in item.after_hours:
            text = f"outside {_clock(after.clock)} notify {_string(after.contact)}"
            text += " first" if after.first else ""
            body.append((text, *_lines(after.span)))
        self.block(0, f"escalation {_name(item.name)}", item.span, body)

    # ------------------------------------------------------------------ comments, output

    def _attach(self, comments: Iterable[ast.Comment]) -> list[ast.Comment]:
        """Give each comment to a unit; return the ones left for the end of the file.

        A comment after code on its line trails the last unit printed from that line; an
        own-line comment inside a unit's lines leads that unit; any other comment leads
        the unit that starts next in the source.
        """
        by_line: dict[int, list[_Unit]] = {}
        for unit in self.units:
            if unit.first > 0:
                for line in range(unit.first, unit.last + 1):
                    by_line.setdefault(line, []).append(unit)
        starts = sorted((u.first, i) for i, u in enumerate(self.units) if u.first > 0)
        firsts = [first for first, _ in starts]
        tail: list[ast.Comment] = []
        for comment in comments:
            line = comment.span.line
            holders = by_line.get(line, [])
            if holders and self._has_code_before(comment):
                holders[-1].trailing.append(comment)
                continue
            inner = [u for u in holders if u.first < line]
            if inner:
                inner[-1].leading.append(comment)
                continue
            at = bisect.bisect_right(firsts, line)
            if at < len(starts):
                self.units[starts[at][1]].leading.append(comment)
            else:
                tail.append(comment)
        return tail

    def _has_code_before(self, comment: ast.Comment) -> bool:
        if self.source_lines is None or comment.span.line < 1:
            return False
        if comment.span.line > len(self.source_lines):
            return False
        text = self.source_lines[comment.span.line - 1]
        return text[: comment.span.column - 1].strip() != ""

    def _blank_between(self, after_line: int, before_line: int) -> bool:
        """Did the author leave a blank line between these two source lines?"""
        if self.source_lines is None or after_line < 1 or before_line <= after_line + 1:
            return False
        return any(
            not self.source_lines[i - 1].strip()
            for i in range(after_line + 1, min(before_line, len(self.source_lines) + 1))
        )

    def render(self, comments: Iterable[ast.Comment]) -> str:
        ordered = sorted(comments, key=lambda c: (c.span.line, c.span.column))
        tail = self._attach(ordered)
        self._align_tiers()
        out: list[tuple[str, str]] = []  # (code, trailing comment); ("", "") is a blank line
        last_source = 0  # the source line of what was printed last
        after_top_block = False  # the last thing printed closed a top-level block
        after_header = False  # the last thing printed opened a block

        def emit(code: str, comment: str, first: int, last: int, forced_blank: bool) -> None:
            nonlocal last_source
            blank = forced_blank or self._blank_between(last_source, first)
            if out and not after_header and out[-1] != ("", "") and blank:
                out.append(("", ""))
            out.append((code, comment))
            last_source = last or last_source

        for unit in self.units:
            # comments keep their source order: only the last one may trail the line
            attached = sorted(unit.leading + unit.trailing, key=_position)
            trailing = attached[-1:] if attached and attached[-1] in unit.trailing else []
            leading = attached[: len(attached) - len(trailing)]
            force = unit.top_block_start or (after_top_block and unit.depth == 0)
            depth = unit.depth + 1 if unit.closes else unit.depth
            for comment in leading:
                line = comment.span.line
                emit(INDENT * depth + comment.text, "", line, line, force)
                force = False
                after_header = after_top_block = False
            if unit.closes and out and out[-1] == ("", ""):
                out.pop()
            code = INDENT * unit.depth + unit.text.replace("\n", "\n" + INDENT * unit.depth)
            comment_text = trailing[0].text if trailing else ""
            emit(code, comment_text, unit.first, unit.last, force and not unit.closes)
            after_top_block = unit.top_block_end
            after_header = unit.opens
        for comment in tail:
            line = comment.span.line
            emit(comment.text, "", line, line, after_top_block)
            after_top_block = after_header = False
        while out and out[-1] == ("", ""):
            out.pop()
        return "".join(line + "\n" for line in _align_comments(out))

    def _align_tiers(self) -> None:
        run: list[_Unit] = []
        for unit in [*self.units, None]:
            if (
                unit is not None
                and unit.cells is not None
                and (
                    not run
                    or (not unit.leading and not self._blank_between(run[-1].last, unit.first))
                )
            ):
                run.append(unit)
                continue
            if len(run) > 1:
                _align(run)
            run = [unit] if unit is not None and unit.cells is not None else []


def _align(run: list[_Unit]) -> None:
    columns = len(run[0].cells or [])
    widths = [max(len((u.cells or [])[i]) for u in run) for i in range(columns)]
    for unit in run:
        cells = unit.cells or []
        parts = []
        for i, cell in enumerate(cells):
            if i < columns - 1 and widths[i] == 0:
                continue
            parts.append(cell.ljust(widths[i]) if i < columns - 1 else cell)
        unit.text = " ".join(parts).rstrip()


def _align_comments(lines: list[tuple[str, str]]) -> list[str]:
    """Trailing comments of consecutive one-line clauses start in one column (as gofmt)."""
    out: list[str] = []
    run: list[tuple[str, str]] = []

    def flush() -> None:
        width = max((len(code) for code, _ in run), default=0)
        out.extend(f"{code.ljust(width)}  {comment}" for code, comment in run)
        run.clear()

    for code, comment in lines:
        if comment and code.strip() and "\n" not in code:
            run.append((code, comment))
            continue
        flush()
        out.append(f"{code}  {comment}" if comment else code)
    flush()
    return out
