"""The checker: from the syntax tree to the checked policy the evaluator consumes.

It resolves every name (targets, calendars, tiers, datasets, fields), normalizes units
(durations to seconds, percentages to ``Fraction`` of one, money to ``Decimal``), fills
in the defaults of DESIGN.md, and collects *every* problem as a diagnostic sorted by
position; it never stops at the first. When it found no error it also runs the lint
rules of :mod:`rules_engine.language.lint`.

Defaults: owner ``provider``; a target's anchor is its ``by`` field, else the declared
dataset's ``by``, else :data:`rules_engine.data.schema.DEFAULT_ANCHORS`; at-risk 25%; period
``month``; a fee without ``per`` is per period and without ``from`` starts at
``effective``; a tier without ``coverage`` runs on 24x7; a calendar without ``timezone``
uses the policy's; a pause rule without a dataset is on ``tickets`` and without a
reason is ``"customer"``.
"""

from __future__ import annotations

import datetime as dt
import itertools
import re
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from fractions import Fraction
from functools import lru_cache
from typing import Literal

from rules_engine.language import ast, fieldtypes
from rules_engine.language import model as m
from rules_engine.language.currency import COMMON, known_codes, minor_units
from rules_engine.language.diagnostics import Diagnostic, diagnostic, did_you_mean, sort_diagnostics
from rules_engine.language.fieldtypes import (
    DEFAULT_ANCHORS,
    STOP_EVENTS,
    FieldType,
    dataset_fields,
)
from rules_engine.language.limits import iana_zones, is_iana_zone, out_of_range
from rules_engine.language.lint import lint, scope_tiers
from rules_engine.language.policy_text import percent_text
from rules_engine.language.spans import Span


@dataclass(frozen=True)
class CheckResult:
    """What checking found: the policy when there was no error, and every diagnostic."""

    policy: m.CheckedPolicy | None
    diagnostics: list[Diagnostic] = field(default_factory=list)
    sources: dict[str, str] = field(default_factory=dict)
    """The text of every file a diagnostic may point into (imported files too), by path;
    empty when the policy is one file (its text is the caller's)."""

    @property
    def ok(self) -> bool:
        """True when the policy checked without errors (warnings allowed)."""
        return self.policy is not None

    @property
    def errors(self) -> list[Diagnostic]:
        return [d for d in self.diagnostics if d.severity == "error"]

    @property
    def warnings(self) -> list[Diagnostic]:
        return [d for d in self.diagnostics if d.severity == "warning"]


def check(
    policy_ast: ast.Policy,
    source_text: str,
    path: str,
    sources: Mapping[str, str] | None = None,
) -> CheckResult:
    """Check a parsed policy; ``source_text`` supplies clause labels (``x < 99%``).

    A policy merged from modules (:mod:`rules_engine.language.modules`) has items from several
    files: ``sources`` maps each imported file's path to its text, so diagnostics and
    clause labels of those items point into the file that declares them.
    """
    checker = _Checker(source_text, path, sources)
    bounds = out_of_range(policy_ast)
    if bounds:  # later checks would compute with these values: stop here
        for problem in bounds:
            checker.error("SLA319", problem.message, problem.span, problem.help)
        return CheckResult(None, sort_diagnostics(checker.diagnostics))
    policy = checker.run(policy_ast)
    found = list(checker.diagnostics)
    if policy is not None and not any(d.severity == "error" for d in found):
        found.extend(lint(policy))
    else:
        policy = None
    return CheckResult(policy, sort_diagnostics(found))


# --------------------------------------------------------------------------- tables

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_FieldTypeName = Literal["string", "number", "boolean", "date", "timestamp", "duration"]
_FIELD_TYPE_NAMES: dict[str, _FieldTypeName] = {
    "string": "string",
    "number": "number",
    "boolean": "boolean",
    "date": "date",
    "timestamp": "timestamp",
    "duration": "duration",
}
FIELD_TYPES = tuple(_FIELD_TYPE_NAMES)
BUILTIN_MEASURES = {
    "response_time": ("created_at", "first_response_at"),
    "resolution_time": ("created_at", "resolved_at"),
}
_PERCENTILE = re.compile(r"p([0-9]+)")

_TYPE_WORDS: dict[str, str] = {
    "string": "a string",
    "number": "a number",
    "duration": "a duration",
    "percent": "a percentage",
    "money": "an amount of money",
    "date": "a date",
    "time": "a time of day",
    "boolean": "a boolean",
    "tier": "a tier",
    "timestamp": "a timestamp",
    "intervals": "a list of pauses",
    "events": "a list of events",
}
_COMPATIBLE: dict[str, frozenset[str]] = {
    "string": frozenset({"string", "tier"}),
    "tier": frozenset({"string", "tier"}),
    "number": frozenset({"number", "money"}),
    "money": frozenset({"number", "money"}),
    "duration": frozenset({"duration"}),
    "date": frozenset({"date", "timestamp"}),
    "timestamp": frozenset({"date", "timestamp"}),
    "boolean": frozenset({"boolean"}),
    "percent": frozenset({"percent"}),
    "time": frozenset({"time"}),
}
_ORDERED = frozenset({"number", "money", "duration", "date", "timestamp", "percent", "time"})


@lru_cache(maxsize=1)
def _holiday_countries() -> dict[str, list[str]]:
    import holidays

    supported: dict[str, list[str]] = holidays.list_supported_countries()
    return supported


@lru_cache(maxsize=1)
def _registry_codes() -> frozenset[str]:
    """ISO alpha-2 and alpha-3 codes from the package's registry, read without importing
    every country module (which costs about 0.1 s of a `sla check`)."""
    from holidays.registry import COUNTRIES

    return frozenset(code for entry in COUNTRIES.values() for code in entry[1:3])


def _country_known(code: str) -> bool:
    if code in _registry_codes():
        return True
    return _holiday_names(code, None, 2026) is not None  # aliases such as "UK"


@lru_cache(maxsize=128)
def _holiday_names(country: str, subdivision: str | None, year: int) -> frozenset[str] | None:
    """Names the package gives the country's holidays in ``year - 1 .. year + 4``."""
    import holidays

    try:
        days = holidays.country_holidays(
            country, subdiv=subdivision, years=range(year - 1, year + 5)
        )
    except (NotImplementedError, KeyError, ValueError):
        return None
    names: set[str] = set()
    for joined in days.values():
        for name in str(joined).split("; "):
            names.add(name)
            names.add(name.removesuffix(" (observed)"))
    return frozenset(names)


# --------------------------------------------------------------------------- the checker


@dataclass
class _Fields:
    """The fields of one dataset as the checker sees them."""

    dataset: str
    types: dict[str, FieldType]


@dataclass(frozen=True)
class _Header:
    name: str
    provider: str | None
    customer: str | None
    effective: dt.date
    period: Literal["month", "quarter"]
    at_risk: Fraction
    fees: tuple[m.FeeLine, ...]
    effective_span: Span


@dataclass(frozen=True)
class _Consequences:
    escalations: dict[str, m.Escalation]
    credits: tuple[m.CreditRule, ...]
    caps: tuple[m.Cap, ...]
    earn_backs: tuple[m.EarnBack, ...]
    bonuses: tuple[m.Bonus, ...]
    exits: tuple[m.ExitRule, ...]


class _Checker:
    """One run over one policy: resolved declarations so far, and the diagnostics found."""

    def __init__(self, text: str, path: str, sources: Mapping[str, str] | None = None) -> None:
        self.text = text
        self.path = path
        self.sources = dict(sources or {})
        self.sources.pop(path, None)
        self._other_starts: dict[str, list[int]] = {}
        self.diagnostics: list[Diagnostic] = []
        self._line_starts = [0]
        newline = text.find("\n")
        while newline >= 0:
            self._line_starts.append(newline + 1)
            newline = text.find("\n", newline + 1)
        self._schema: dict[str, dict[str, FieldType] | None] = {}
        self.tiers: dict[str, m.Tier] = {}
        self.calendars: dict[str, m.Calendar] = {}
        self.datasets: dict[str, m.DatasetDecl] = {}
        self.timezone = "UTC"
        self.currency = m.Currency("USD", 2)
        self.currency_known = False
        self.effective_year = 2026
        self.policy_period: Literal["month", "quarter"] = "month"
        self.target_decls: dict[str, ast.TargetDecl] = {}
        self.targets: dict[str, m.Target] = {}

    # ----------------------------------------------------------------- reporting

    def error(self, code: str, message: str, span: Span, help: str | None = None) -> None:
        self.diagnostics.append(diagnostic(code, message, self._fix(span), help))

    warn = error

    def _fix(self, span: Span) -> Span:
        if span.line <= 0:
            return Span(self.path, 0, 0, 0, 0)
        if span.file == self.path or span.file in self.sources:
            return span
        return Span(self.path, *_tail(span))

    def source(self, span: Span) -> str:
        """The policy text a span covers (used for clause labels)."""
        text, line_starts = self.text, self._line_starts
        if span.file != self.path and span.file in self.sources:
            text = self.sources[span.file]
            line_starts = self._other_starts.get(span.file) or [0]
            if span.file not in self._other_starts:
                line_starts += [i + 1 for i, ch in enumerate(text) if ch == "\n"]
                self._other_starts[span.file] = line_starts
        if span.line <= 0 or span.line > len(line_starts):
            return ""
        start = line_starts[span.line - 1] + span.column - 1
        end_line = min(span.end_line, len(line_starts))
        end = line_starts[end_line - 1] + span.end_column - 1
        return " ".join(text[start:end].split())

    # ----------------------------------------------------------------- the whole policy

    def run(self, tree: ast.Policy) -> m.CheckedPolicy | None:
        """The checked policy, or None when an error was found (see :attr:`diagnostics`)."""
        by_kind = self.duplicates(tree)
        head = self.header(tree, by_kind)
        self.policy_period = head.period
        self.business_day_literals(tree)
        for item in tree.items:
            if isinstance(item, ast.CalendarDecl):
                self.calendar(item)
        for item in tree.items:
            if isinstance(item, ast.TierDecl):
                self.tier(item)
        for item in tree.items:
            if isinstance(item, ast.DatasetDecl):
                self.dataset(item)
        pauses = tuple(
            p for item in tree.items if isinstance(item, ast.PauseDecl) for p in self.pause(item)
        )
        for item in tree.items:
            if isinstance(item, ast.TargetDecl) and item.name.name not in self.target_decls:
                self.target_decls[item.name.name] = item
        for decl in self.target_decls.values():
            target = self.target(decl)
            if target is not None:
                self.targets[decl.name.name] = target
        rules = self.consequences(tree)
        maintenance = self.maintenance(by_kind.get(ast.MaintenanceDecl, []))
        self.contract_years(head, rules.caps)
        if any(d.severity == "error" for d in self.diagnostics):
            return None
        return m.CheckedPolicy(
            name=head.name,
            provider=head.provider,
            customer=head.customer,
            effective=head.effective,
            timezone=self.timezone,
            currency=self.currency,
            fees=head.fees,
            period=head.period,
            at_risk_fraction=head.at_risk,
            calendars=dict(self.calendars),
            tiers=dict(self.tiers),
            datasets=dict(self.datasets),
            pauses=pauses,
            targets=dict(self.targets),
            escalations=rules.escalations,
            credits=rules.credits,
            caps=rules.caps,
            earn_backs=rules.earn_backs,
            bonuses=rules.bonuses,
            exits=rules.exits,
            source_path=self.path,
            span=tree.span,
            effective_span=head.effective_span,
            maintenance=maintenance,
        )

    def duplicates(self, tree: ast.Policy) -> dict[type, list[ast.Item]]:
        """SLA206 for a name declared twice; the items grouped by their type."""
        header: dict[type, list[ast.Item]] = {}
        seen: dict[str, dict[str, Span]] = {}
        for item in tree.items:
            header.setdefault(type(item), []).append(item)
            name = getattr(item, "name", None)
            if isinstance(name, ast.Name):
                kind = _KIND_WORDS[type(item)]
                first = seen.setdefault(kind, {}).get(name.name)
                if first is not None:
                    self.error(
                        "SLA206",
                        f"{kind} `{name.name}` is declared twice",
                        name.span,
                        f"the first `{name.name}` is at line {first.line}; rename one",
                    )
                else:
                    seen[kind][name.name] = name.span

        return header

    def header(self, tree: ast.Policy, header: dict[type, list[ast.Item]]) -> _Header:
        """The one-per-policy clauses and the fee schedule, with their defaults."""

        def single(kind: type, word: str) -> ast.Item | None:
            items = header.get(kind, [])
            for extra in items[1:]:
                self.error(
                    "SLA209",
                    f"`{word}` is given twice",
                    extra.span,
                    f"the first `{word}` is at line {items[0].span.line}",
                )
            return items[0] if items else None

        top = tree.span if tree.span.line > 0 else Span(self.path, 1, 1, 1, 1)
        policy_decl = single(ast.PolicyDecl, "policy")
        provider = single(ast.ProviderDecl, "provider")
        customer = single(ast.CustomerDecl, "customer")
        effective_decl = single(ast.EffectiveDecl, "effective")
        timezone_decl = single(ast.TimezoneDecl, "timezone")
        currency_decl = single(ast.CurrencyDecl, "currency")
        period_decl = single(ast.PeriodDecl, "period")
        at_risk_decl = single(ast.AtRiskDecl, "at risk")

        name = ""
        if isinstance(policy_decl, ast.PolicyDecl):
            name = policy_decl.name.value
        else:
            self.error("SLA208", "the policy has no name", top, 'start with `policy "NAME"`')

        effective = dt.date(2026, 1, 1)
        if isinstance(effective_decl, ast.EffectiveDecl):
            value = self.date(effective_decl.date)
            if value is not None:
                effective = value
        else:
            self.error(
                "SLA208",
                "the policy has no `effective` date",
                top,
                "add `effective 2026-01-01` (the first day the contract applies)",
            )
        self.effective_year = effective.year

        if isinstance(timezone_decl, ast.TimezoneDecl):
            self.timezone = self.zone(timezone_decl.zone) or "UTC"
        else:
            self.error(
                "SLA208",
                "the policy has no `timezone`",
                top,
                'add `timezone "America/New_York"`: periods are months in that zone',
            )

        if isinstance(currency_decl, ast.CurrencyDecl):
            self.currency_decl(currency_decl)
        else:
            self.error("SLA208", "the policy has no `currency`", top, "add `currency USD`")

        period: Literal["month", "quarter"] = "month"
        if isinstance(period_decl, ast.PeriodDecl):
            unit = period_decl.unit.name
            if unit in ("month", "quarter"):
                period = "month" if unit == "month" else "quarter"
            else:
                self.error(
                    "SLA210",
                    f"unknown period `{unit}`",
                    period_decl.unit.span,
                    "write `period month` or `period quarter`",
                )

        at_risk = Fraction(1, 4)
        if isinstance(at_risk_decl, ast.AtRiskDecl):
            at_risk = self.percent(at_risk_decl.percent)

        fee_decls = [i for i in header.get(ast.FeeDecl, []) if isinstance(i, ast.FeeDecl)]
        fees = self.fees(fee_decls, effective)
        self.fee_quotes(fee_decls, fees, period)
        if not fees and not header.get(ast.FeeDecl):
            self.error("SLA309", "the policy has no fee", top, "add `fee 12000 per month`")
        elif fees and fees[0].start > effective:
            self.error(
                "SLA317",
                f"no fee is in force on the effective date {effective.isoformat()}",
                fees[0].span,
                "the first fee line should apply from `effective` (leave out `from`)",
            )

        return _Header(
            name,
            provider.name.value if isinstance(provider, ast.ProviderDecl) else None,
            customer.name.value if isinstance(customer, ast.CustomerDecl) else None,
            effective,
            period,
            at_risk,
            tuple(fees),
            effective_decl.date.span if isinstance(effective_decl, ast.EffectiveDecl) else top,
        )

    def consequences(self, tree: ast.Policy) -> _Consequences:
        """Escalations, credits, caps, earn-backs, bonuses and exits, in source order."""
        escalations: dict[str, m.Escalation] = {}
        credits: list[m.CreditRule] = []
        caps: list[m.Cap] = []
        earn_backs: list[m.EarnBack] = []
        bonuses: list[m.Bonus] = []
        exits: list[m.ExitRule] = []
        for item in tree.items:
            if isinstance(item, ast.EscalationDecl):
                esc = self.escalation(item)
                if esc is not None and esc.name not in escalations:
                    escalations[esc.name] = esc
            elif isinstance(item, ast.CreditDecl):
                credits.append(self.credit(item))
            elif isinstance(item, ast.CapDecl):
                amount = self.amount(item.amount)
                if amount is not None:
                    caps.append(m.Cap(amount, item.per or "period", item.span))
            elif isinstance(item, ast.EarnBackDecl):
                earn = self.earn_back(item)
                if earn is not None:
                    earn_backs.append(earn)
            elif isinstance(item, ast.BonusDecl):
                bonus = self.bonus(item)
                if bonus is not None:
                    bonuses.append(bonus)
            elif isinstance(item, ast.ExitDecl):
                exit_rule = self.exit(item)
                if exit_rule is not None:
                    exits.append(exit_rule)

        return _Consequences(
            escalations,
            tuple(credits),
            tuple(caps),
            tuple(earn_backs),
            tuple(bonuses),
            tuple(exits),
        )

    # ----------------------------------------------------------------- values

    def date(self, lit: ast.DateLit) -> dt.date | None:
        value = lit.value
        if value is None:
            self.error(
                "SLA314",
                f"`{lit.text}` is not a date",
                lit.span,
                "write a real calendar date as YYYY-MM-DD",
            )
        return value

    def zone(self, lit: ast.StringLit) -> str | None:
        if is_iana_zone(lit.value):
            return lit.value
        self.error(
            "SLA305",
            f"unknown timezone `{lit.value}`",
            lit.span,
            did_you_mean(lit.value, iana_zones()) or 'use an IANA name such as "Europe/London"',
        )
        return None

    def percent(self, lit: ast.PercentLit, *, upper: Fraction | None = Fraction(1)) -> Fraction:
        if lit.value < 0 or (upper is not None and lit.value > upper):
            self.error(
                "SLA302",
                f"`{lit.text}` is out of range",
                lit.span,
                "a percentage here lies between 0% and 100%",
            )
        return lit.value

    def currency_decl(self, decl: ast.CurrencyDecl) -> None:
        code = decl.code.name
        units = minor_units(code)
        if units is None:
            self.error(
                "SLA311",
                f"unknown currency `{code}`",
                decl.code.span,
                did_you_mean(code.upper(), COMMON)
                or did_you_mean(code.upper(), known_codes())
                or "use an ISO 4217 code such as USD, EUR or GBP",
            )
            return
        self.currency = m.Currency(code, units)
        self.currency_known = True

    def money(self, lit: ast.MoneyLit, *, what: str = "an amount") -> Decimal | None:
        ok = True
        if lit.currency is not None and self.currency_known and lit.currency != self.currency.code:
            self.error(
                "SLA316",
                f"`{lit.text} {lit.currency}` is in {lit.currency}, "
                f"the policy's currency is {self.currency.code}",
                lit.span,
                f"write the amount in {self.currency.code}",
            )
            ok = False
        if lit.amount < 0:
            self.error(
                "SLA308",
                f"{what} cannot be negative (`{lit.text}`)",
                lit.span,
                "amounts of money are zero or more",
            )
            ok = False
        exponent = lit.amount.as_tuple().exponent
        if (
            self.currency_known
            and isinstance(exponent, int)
            and -exponent > self.currency.minor_units
        ):
            self.error(
                "SLA315",
                f"`{lit.text}` has more decimals than {self.currency.code} allows "
                f"({self.currency.minor_units})",
                lit.span,
                f"round the amount to {self.currency.minor_units} decimal places",
            )
            ok = False
        return lit.amount if ok else None

    def fee_quotes(
        self, decls: list[ast.FeeDecl], fees: list[m.FeeLine], period: Literal["month", "quarter"]
    ) -> None:
        """Fee lines evaluation could not price: a fee per quarter in a monthly policy, and
        in a quarterly one a line per quarter (or period) taking over from a line per month
        inside a quarter (that quarter's fee would be months and a quarter mixed)."""
        for decl in decls:
            if decl.per == "quarter" and period == "month":
                self.error(
                    "SLA405",
                    "a fee per quarter in a policy whose periods are months",
                    decl.span,
                    "quote the fee `per month`, or write `period quarter`",
                )
        if period != "quarter":
            return
        for before, line in itertools.pairwise(fees):
            quarter_start = line.start.day == 1 and line.start.month % 3 == 1
            if before.per == "month" and line.per != "month" and not quarter_start:
                self.error(
                    "SLA317",
                    f"a fee per {line.per} from {line.start.isoformat()}, inside a quarter "
                    "whose fee is quoted per month",
                    line.span,
                    "start the line on a quarter's first day, or quote it per month",
                )

    def fees(self, decls: list[ast.FeeDecl], effective: dt.date) -> list[m.FeeLine]:
        """Fee lines sorted by start; a line without ``from`` starts at ``effective``."""
        lines: list[m.FeeLine] = []
        starts: dict[dt.date, ast.FeeDecl] = {}
        for decl in decls:
            amount = self.money(decl.amount, what="a fee")
            start: dt.date | None = None
            if decl.start is not None:
                start = self.date(decl.start)
                if start is None:
                    continue
            if start is None:
                start = effective
            if start in starts:
                self.error(
                    "SLA317",
                    "two fee lines apply from the same date",
                    decl.span,
                    f"the other one is at line {starts[start].span.line}; keep one",
                )
                continue
            starts[start] = decl
            if amount is not None:
                lines.append(m.FeeLine(amount, decl.per or "period", start, decl.span))
        return sorted(lines, key=lambda line: line.start)

    # ----------------------------------------------------------------- calendars, tiers

    def calendar(self, decl: ast.CalendarDecl) -> None:
        name = decl.name.name
        if name == m.CLOCK_24X7:
            self.error(
                "SLA206",
                "`24x7` is the built-in clock and cannot be a calendar name",
                decl.name.span,
                "choose another name",
            )
            return
        zone = self.timezone
        days: list[list[tuple[int, int, Span]]] = [[] for _ in WEEKDAYS]
        holidays: list[m.HolidaySpec] = []
        closed: list[dt.date] = []
        zones = [c for c in decl.clauses if isinstance(c, ast.TimezoneDecl)]
        for extra in zones[1:]:
            self.error("SLA209", "`timezone` is given twice in a calendar", extra.span, None)
        if zones:
            zone = self.zone(zones[0].zone) or zone
        for clause in decl.clauses:
            if isinstance(clause, ast.OpenClause):
                self.open_clause(clause, days)
            elif isinstance(clause, ast.HolidaysClause):
                spec = self.holidays(clause)
                if spec is not None:
                    holidays.append(spec)
            elif isinstance(clause, ast.ClosedClause):
                for lit in clause.dates:
                    value = self.date(lit)
                    if value is not None:
                        closed.append(value)
        windows: list[tuple[m.Window, ...]] = []
        overlaps: dict[tuple[int, int, int, int, Span], list[str]] = {}
        for index, entries in enumerate(days):
            entries.sort(key=lambda e: (e[0], e[1]))
            for (s1, e1, _), (s2, e2, span2) in itertools.pairwise(entries):
                if s2 < e1:
                    overlaps.setdefault((s1, e1, s2, e2, span2), []).append(WEEKDAYS[index])
            windows.append(tuple(m.Window(s, e) for s, e, _ in entries))
        for (s1, e1, s2, e2, span2), names in overlaps.items():
            self.error(
                "SLA304",
                f"windows {_hhmm(s1)}-{_hhmm(e1)} and {_hhmm(s2)}-{_hhmm(e2)} overlap "
                f"on {', '.join(names)}",
                span2,
                "merge them into one window",
            )
        self.calendars[name] = m.Calendar(
            name, zone, tuple(windows), tuple(holidays), tuple(sorted(set(closed))), decl.span
        )

    def open_clause(self, clause: ast.OpenClause, days: list[list[tuple[int, int, Span]]]) -> None:
        indices: list[int] = []
        for day_range in clause.days:
            first = self.weekday(day_range.first)
            last = first if day_range.last is None else self.weekday(day_range.last)
            if first is None or last is None:
                continue
            if last < first:
                self.error(
                    "SLA304",
                    f"day range `{day_range.first.name}-{_name(day_range.last)}` runs backwards",
                    day_range.span,
                    "write days in week order, Monday first: "
                    f"`{WEEKDAYS[last]}-{WEEKDAYS[first]}`, or list them separately",
                )
                continue
            indices.extend(range(first, last + 1))
        for window in clause.windows:
            start = self.time_of_day(window.start)
            end = self.time_of_day(window.end)
            if start is None or end is None:
                continue
            if start == 86400:
                self.error("SLA303", "a window cannot start at `24:00`", window.start.span, None)
                continue
            if end <= start:
                self.error(
                    "SLA304",
                    f"window `{window.start.text}-{window.end.text}` ends before it starts",
                    window.span,
                    "a window may not cross midnight: write `22:00-24:00` and "
                    "`00:00-06:00` on the next day",
                )
                continue
            for index in indices:
                days[index].append((start, end, window.span))

    def weekday(self, name: ast.Name) -> int | None:
        word = name.name.lower()
        if word in WEEKDAYS:
            return WEEKDAYS.index(word)
        self.error(
            "SLA210",
            f"unknown day `{name.name}`",
            name.span,
            did_you_mean(word[:3], WEEKDAYS) or "days are mon tue wed thu fri sat sun",
        )
        return None

    def time_of_day(self, lit: ast.TimeLit) -> int | None:
        if lit.minute > 59 or lit.hour > 24 or (lit.hour == 24 and lit.minute != 0):
            self.error(
                "SLA303",
                f"`{lit.text}` is not a time of day",
                lit.span,
                "times run from 00:00 to 24:00",
            )
            return None
        return lit.seconds

    def holidays(self, clause: ast.HolidaysClause) -> m.HolidaySpec | None:
        country = clause.country.value
        subdivision = clause.subdivision.value if clause.subdivision else None
        if not _country_known(country):
            self.error(
                "SLA306",
                f"unknown holiday country `{country}`",
                clause.country.span,
                did_you_mean(country.upper(), _holiday_countries())
                or "use an ISO 3166 country code the `holidays` package supports, e.g. US",
            )
            return None
        if subdivision is not None:
            known = _holiday_countries().get(country, [])
            if subdivision not in known:
                self.error(
                    "SLA306",
                    f"`{subdivision}` is not a subdivision of `{country}`",
                    clause.subdivision.span if clause.subdivision else clause.span,
                    did_you_mean(subdivision.upper(), known)
                    or f"`{country}` has subdivisions {', '.join(known[:8])}"
                    + (", ..." if len(known) > 8 else ""),
                )
                return None
        names: frozenset[str] = frozenset()
        if clause.except_names:
            names = _holiday_names(country, subdivision, self.effective_year) or names
        ok = True
        for lit in clause.except_names:
            if lit.value not in names:
                ok = False
                self.error(
                    "SLA307",
                    f"`{lit.value}` is not a holiday name of `{country}`",
                    lit.span,
                    did_you_mean(lit.value, names)
                    or "names are exact, as the `holidays` package spells them",
                )
        if not ok:
            return None
        return m.HolidaySpec(
            country, subdivision, tuple(lit.value for lit in clause.except_names), clause.span
        )

    def clock(self, name: ast.Name, *, allow_24x7: bool = True) -> str | None:
        if name.name == m.CLOCK_24X7 and allow_24x7:
            return m.CLOCK_24X7
        if name.name in self.calendars:
            return name.name
        self.error(
            "SLA202",
            f"unknown calendar `{name.name}`",
            name.span,
            did_you_mean(name.name, self.calendars)
            or (
                "declare it with `calendar NAME { ... }`" + (" or use `24x7`" if allow_24x7 else "")
            ),
        )
        return None

    def tier(self, decl: ast.TierDecl) -> None:
        coverage: str | None = m.CLOCK_24X7
        if decl.coverage is not None:
            coverage = self.clock(decl.coverage)
        if decl.name.name not in self.tiers:
            self.tiers[decl.name.name] = m.Tier(
                decl.name.name,
                decl.label.value if decl.label else None,
                coverage or m.CLOCK_24X7,
                decl.span,
            )

    # ----------------------------------------------------------------- datasets, pauses

    def dataset(self, decl: ast.DatasetDecl) -> None:
        name = decl.name.name
        builtin = self.schema_fields(name) or {}
        fields: list[m.FieldDecl] = []
        seen: dict[str, Span] = {}
        for f in decl.fields:
            if f.name.name in builtin or f.name.name in seen or f.name.name == "id":
                where = (
                    f"line {seen[f.name.name].line}"
                    if f.name.name in seen
                    else f"the `{name}` schema"
                )
                self.error(
                    "SLA206",
                    f"field `{f.name.name}` of `{name}` is declared twice",
                    f.name.span,
                    f"it is already in {where}",
                )
                continue
            seen[f.name.name] = f.name.span
            if f.type.name not in FIELD_TYPES:
                self.error(
                    "SLA210",
                    f"unknown field type `{f.type.name}`",
                    f.type.span,
                    did_you_mean(f.type.name, FIELD_TYPES) or "types are " + ", ".join(FIELD_TYPES),
                )
                continue
            fields.append(m.FieldDecl(f.name.name, _field_type(f.type.name), f.span))
        anchor: str | None = None
        if decl.anchor is not None:
            types = dict(builtin)
            types.update({f.name: f.type for f in fields})
            types.setdefault("id", "string")
            anchor = self.anchor_field(decl.anchor, _Fields(name, types))
        if name not in self.datasets:
            self.datasets[name] = m.DatasetDecl(name, tuple(fields), anchor, decl.span)

    def schema_fields(self, name: str) -> dict[str, FieldType] | None:
        """The built-in dataset's fields (cached: the schema derives them on each call)."""
        if name not in self._schema:
            self._schema[name] = dataset_fields(name)
        return self._schema[name]

    def fields_of(self, name: ast.Name) -> _Fields | None:
        builtin = self.schema_fields(name.name)
        declared = self.datasets.get(name.name)
        if builtin is None and declared is None:
            self.error(
                "SLA204",
                f"unknown dataset `{name.name}`",
                name.span,
                did_you_mean(name.name, [*_BUILTIN_DATASETS, *self.datasets])
                or "declare it with `dataset NAME by FIELD { ... }`",
            )
            return None
        types: dict[str, FieldType] = dict(builtin or {})
        types.setdefault("id", "string")
        if declared is not None:
            types.update({f.name: f.type for f in declared.fields})
        return _Fields(name.name, types)

    def field(self, name: ast.Name, fields: _Fields) -> FieldType | None:
        kind = fields.types.get(name.name)
        if kind is None:
            self.error(
                "SLA205",
                f"`{fields.dataset}` has no field `{name.name}`",
                name.span,
                did_you_mean(name.name, fields.types)
                or f"declare it: `dataset {fields.dataset} {{ {name.name} string }}`",
            )
        return kind

    def anchor_field(self, name: ast.Name, fields: _Fields) -> str | None:
        kind = self.field(name, fields)
        if kind is None:
            return None
        if kind not in ("timestamp", "date"):
            self.error(
                "SLA301",
                f"`{name.name}` is {_TYPE_WORDS[kind]}; a record's anchor must be a "
                "timestamp or a date",
                name.span,
                "name the field that places a record in a period",
            )
            return None
        return name.name

    def pause(self, decl: ast.PauseDecl) -> Iterator[m.PauseRule]:
        dataset = decl.dataset.name if decl.dataset else "tickets"
        fields = self.fields_of(decl.dataset) if decl.dataset else self.fields_of_builtin()
        if fields is None:
            return
        if "status_history" not in fields.types:
            self.error(
                "SLA312",
                f"`{dataset}` has no status history to derive pauses from",
                (decl.dataset or decl.field).span,
                "pause rules apply to `tickets`",
            )
            return
        if decl.field.name != "status":
            self.error(
                "SLA205",
                f"pauses are derived from `status`, not `{decl.field.name}`",
                decl.field.span,
                'write `pause tickets while status in ["..."]`',
            )
            return
        reason = decl.reason.value if decl.reason else "customer"
        yield m.PauseRule(dataset, tuple(s.value for s in decl.statuses), reason, decl.span)

    def fields_of_builtin(self) -> _Fields:
        types = dict(self.schema_fields("tickets") or {})
        declared = self.datasets.get("tickets")
        if declared is not None:
            types.update({f.name: f.type for f in declared.fields})
        return _Fields("tickets", types)

    # ----------------------------------------------------------------- expressions

    def expr(self, node: ast.Expr, fields: _Fields) -> m.Expr | None:
        if isinstance(node, ast.And | ast.Or):
            parts = [self.expr(op, fields) for op in node.operands]
            if any(p is None for p in parts):
                return None
            operands = tuple(p for p in parts if p is not None)
            if isinstance(node, ast.And):
                return m.And(operands, node.span)
            return m.Or(operands, node.span)
        if isinstance(node, ast.Not):
            inner = self.expr(node.operand, fields)
            return None if inner is None else m.Not(inner, node.span)
        if isinstance(node, ast.IsOpen):
            if fields.dataset in STOP_EVENTS:
                return m.IsOpen(node.span)
            self.error(
                "SLA312",
                f"`open` needs a stop event, and `{fields.dataset}` records have none",
                node.span,
                "`open` applies to " + ", ".join(f"`{d}`" for d in STOP_EVENTS),
            )
            return None
        if isinstance(node, ast.BoolLit):
            return m.And((), node.span) if node.value else m.Or((), node.span)
        if isinstance(node, ast.Name):
            kind = self.field(node, fields)
            if kind is None:
                return None
            if kind != "boolean":
                self.error(
                    "SLA301",
                    f"`{node.name}` is {_TYPE_WORDS[kind]}, not a condition",
                    node.span,
                    f"compare it: `{node.name} = ...` or `{node.name} is set`",
                )
                return None
            return m.Truthy(m.FieldRef(node.name, node.span), node.span)
        if isinstance(node, ast.IsSet):
            if not isinstance(node.operand, ast.Name):
                self.error(
                    "SLA301",
                    "`is set` applies to a field, not a literal",
                    node.operand.span,
                    None,
                )
                return None
            if self.field(node.operand, fields) is None:
                return None
            return m.IsSet(
                m.FieldRef(node.operand.name, node.operand.span), node.negated, node.span
            )
        if isinstance(node, ast.Compare):
            return self.compare(node, fields)
        return self.in_list(node, fields)

    def operand(
        self, node: ast.Operand, fields: _Fields, *, other: str | None
    ) -> tuple[m.Operand, str] | None:
        """A resolved operand and its type; ``other`` is the field on the other side."""
        if isinstance(node, ast.Name):
            kind = fields.types.get(node.name)
            if kind is not None:
                return m.FieldRef(node.name, node.span), kind
            if other and node.name in self.tiers:
                return m.Literal_(node.name, "tier", node.span), "tier"
            candidates = [*fields.types, *(self.tiers if other else ())]
            if other is None:
                self.error(
                    "SLA205",
                    f"`{fields.dataset}` has no field `{node.name}`",
                    node.span,
                    did_you_mean(node.name, candidates)
                    or f"declare it: `dataset {fields.dataset} {{ {node.name} string }}`",
                )
            elif node.name in self.tiers:
                self.error(
                    "SLA207",
                    f"`{node.name}` is a tier, and a tier compares only with `priority`",
                    node.span,
                    f"write `priority = {node.name}`",
                )
            elif other == "priority":
                self.error(
                    "SLA203",
                    f"unknown tier `{node.name}`",
                    node.span,
                    did_you_mean(node.name, self.tiers)
                    or (
                        f"the tiers are {', '.join(self.tiers)}"
                        if self.tiers
                        else f"declare it: `tier {node.name} coverage 24x7`"
                    ),
                )
            else:
                self.error(
                    "SLA207",
                    f"`{node.name}` is neither a field of `{fields.dataset}` nor a tier",
                    node.span,
                    did_you_mean(node.name, candidates)
                    or f'a string is quoted (`"{node.name}"`)'
                    + (f"; the tiers are {', '.join(self.tiers)}" if self.tiers else ""),
                )
            return None
        return self.literal(node)

    def literal(self, node: ast.Lit) -> tuple[m.Literal_, str] | None:
        if isinstance(node, ast.StringLit):
            return m.Literal_(node.value, "string", node.span), "string"
        if isinstance(node, ast.NumberLit):
            return m.Literal_(Fraction(node.value), "number", node.span), "number"
        if isinstance(node, ast.DurationLit):
            return m.Literal_(node.seconds, "duration", node.span), "duration"
        if isinstance(node, ast.PercentLit):
            return m.Literal_(self.percent(node, upper=None), "percent", node.span), "percent"
        if isinstance(node, ast.MoneyLit):
            amount = self.money(node)
            if amount is None:
                return None
            return m.Literal_(amount, "money", node.span), "money"
        if isinstance(node, ast.DateLit):
            value = self.date(node)
            if value is None:
                return None
            return m.Literal_(value, "date", node.span), "date"
        if isinstance(node, ast.TimeLit):
            seconds = self.time_of_day(node)
            if seconds is None:
                return None
            return m.Literal_(seconds, "time", node.span), "time"
        return m.Literal_(node.value, "boolean", node.span), "boolean"

    def compare(self, node: ast.Compare, fields: _Fields) -> m.Expr | None:
        left = self.operand(node.left, fields, other=None)
        other = left[0].name if left and isinstance(left[0], m.FieldRef) else None
        right = self.operand(node.right, fields, other=other or "")
        if left is None or right is None:
            return None
        (lop, lkind), (rop, rkind) = left, right
        if rkind == "tier" and other != "priority":
            self.error(
                "SLA207",
                f"`{_operand_text(rop)}` is a tier, but `{other}` is not `priority`",
                rop.span,
                f'compare with a string in quotes: `"{_operand_text(rop)}"`',
            )
            return None
        if not self.compatible(lkind, rkind, node, lop, rop):
            return None
        if node.op not in ("=", "!=") and lkind not in _ORDERED:
            self.error(
                "SLA301",
                f"`{node.op}` needs ordered values, and `{_operand_text(lop)}` is "
                f"{_TYPE_WORDS[lkind]}",
                node.span,
                "use `=` or `!=`",
            )
            return None
        return m.Compare(lop, node.op, rop, node.span)

    def compatible(
        self, lkind: str, rkind: str, node: ast.Compare | ast.InList, lop: m.Operand, rop: m.Operand
    ) -> bool:
        if rkind in _COMPATIBLE.get(lkind, frozenset()):
            return True
        self.error(
            "SLA301",
            f"`{_operand_text(lop)}` is {_TYPE_WORDS[lkind]} and "
            f"`{_operand_text(rop)}` is {_TYPE_WORDS[rkind]}: they cannot be compared",
            rop.span if rop.span.line else node.span,
            _MISMATCH_HINTS.get((lkind, rkind)),
        )
        return False

    def in_list(self, node: ast.InList, fields: _Fields) -> m.Expr | None:
        left = self.operand(node.left, fields, other=None)
        if left is None:
            return None
        lop, lkind = left
        other = lop.name if isinstance(lop, m.FieldRef) else ""
        values: list[m.Literal_] = []
        ok = True
        for item in node.values:
            resolved = self.operand(item, fields, other=other)
            if resolved is None:
                ok = False
                continue
            rop, rkind = resolved
            if not isinstance(rop, m.Literal_):
                self.error(
                    "SLA301",
                    f"`{rop.name}` is a field; a list holds values",
                    rop.span,
                    f'write a string in quotes: `"{rop.name}"`',
                )
                ok = False
                continue
            if not self.compatible(lkind, rkind, node, lop, rop):
                ok = False
                continue
            values.append(rop)
        if not ok:
            return None
        return m.InList(lop, tuple(values), node.negated, node.span)

    # ----------------------------------------------------------------- targets

    def target(self, decl: ast.TargetDecl) -> m.Target | None:
        name = decl.name.name
        owner = m.Owner.PROVIDER
        if decl.owner is not None:
            if decl.owner.name in ("provider", "customer"):
                owner = m.Owner(decl.owner.name)
            else:
                self.error(
                    "SLA210",
                    f"unknown owner `{decl.owner.name}`",
                    decl.owner.span,
                    "write `owner provider` or `owner customer`",
                )
        if decl.dataset is None:
            self.error(
                "SLA208",
                f"target `{name}` has no `of DATASET` clause",
                decl.name.span,
                "add `of tickets where ...` (or another dataset)",
            )
            return None
        fields = self.fields_of(decl.dataset)
        if fields is None:
            self.objective_literals(decl.objective)
            return None
        scope = None
        if decl.where is not None:
            scope = self.expr(decl.where, fields)
        anchor = self.target_anchor(decl, fields)
        measure = self.measure(decl, fields)
        objective = None
        if decl.objective is None:
            self.error(
                "SLA208",
                f"target `{name}` has no `require` clause",
                decl.name.span,
                "add an objective such as `require 95% within 4h`",
            )
        elif measure is not None:
            objective = self.objective(decl, decl.objective, measure, fields)
        if measure is None or objective is None or anchor is None:
            return None
        if decl.where is not None and scope is None:
            return None
        self.business_days(decl, measure, scope, fields)
        every = self.target_period(decl)
        no_data = self.no_data_rule(decl, objective)
        return m.Target(
            name,
            decl.title.value if decl.title else None,
            owner,
            fields.dataset,
            scope,
            anchor,
            measure,
            objective,
            decl.span,
            every=every,
            no_data_counts_as=no_data,
        )

    def target_period(self, decl: ast.TargetDecl) -> Literal["quarter", "year"] | None:
        """SLA327: a target period must be a whole number of policy periods, and longer."""
        every = decl.every
        if every is None:
            return None
        if every.unit == "quarter" and self.policy_period != "month":
            self.error(
                "SLA327",
                f"`every quarter` on target `{decl.name.name}` is no longer than the "
                f"policy's period ({self.policy_period})",
                every.span,
                "`every quarter` fits a monthly policy; in a quarterly one write `every year` "
                "or leave the clause out",
            )
            return None
        return every.unit

    def no_data_rule(
        self, decl: ast.TargetDecl, objective: m.Objective
    ) -> Literal["met", "breached"] | None:
        """SLA520: an objective that is always decided never has an empty period."""
        rule = decl.no_data
        if rule is None:
            return None
        if isinstance(objective, m.CountCompare | m.AvailabilityAtLeast):
            what = (
                "a count is always decided (no records is a count of 0)"
                if isinstance(objective, m.CountCompare)
                else "availability is always decided (no outages is 100%)"
            )
            self.warn(
                "SLA520",
                f"`no data counts as {rule.counts_as}` never applies: {what}",
                rule.span,
                "remove the clause",
            )
        return rule.counts_as

    def objective_literals(self, node: ast.Objective | None) -> None:
        """Range checks that need no dataset: so an unknown dataset hides nothing else."""
        if isinstance(node, ast.PercentWithin | ast.RateObjective):
            self.percent(node.percent)
        if isinstance(node, ast.PercentWithin | ast.AllWithin):
            self.limit(node.limit)
        if isinstance(node, ast.ValueObjective) and isinstance(node.value, ast.PercentLit):
            self.percent(node.value)

    def target_anchor(self, decl: ast.TargetDecl, fields: _Fields) -> str | None:
        if decl.by is not None:
            return self.anchor_field(decl.by, fields)
        declared = self.datasets.get(fields.dataset)
        if declared is not None and declared.anchor is not None:
            return declared.anchor
        default = DEFAULT_ANCHORS.get(fields.dataset)
        if default is None:
            self.error(
                "SLA208",
                f"`{fields.dataset}` has no anchor field, so its records belong to no period",
                decl.dataset.span if decl.dataset else decl.span,
                f"add `by FIELD` here or in `dataset {fields.dataset} by FIELD {{ ... }}`",
            )
        return default

    def measure(self, decl: ast.TargetDecl, fields: _Fields) -> m.Measure | None:
        node = decl.measure
        if node is None:
            if isinstance(decl.objective, ast.RateObjective) or (
                isinstance(decl.objective, ast.AggregateObjective)
                and decl.objective.function == "count"
            ):
                return m.NoMeasure(decl.span)
            if decl.objective is not None:
                self.error(
                    "SLA208",
                    f"target `{decl.name.name}` has no `measure` clause",
                    decl.name.span,
                    "add `measure resolution_time` (or another measure)",
                )
            return None
        kind = node.kind
        clock = None
        if node.clock is not None:
            clock = self.clock(node.clock)
            if clock is None:
                return None
        exclude: Literal["all"] | tuple[str, ...] | None = None
        if node.excluding is not None:
            if fields.types.get("pauses") != "intervals":
                self.error(
                    "SLA312",
                    f"`{fields.dataset}` records carry no pauses to exclude",
                    node.excluding.span,
                    "`excluding pauses` applies to `tickets`",
                )
                return None
            reasons = node.excluding.reasons
            exclude = "all" if reasons is None else tuple(r.value for r in reasons)
        if isinstance(kind, ast.TimeBetween):
            start = self.timestamp_field(kind.start, fields)
            stop = self.timestamp_field(kind.stop, fields)
            if start is None or stop is None:
                return None
            return m.Elapsed(start, stop, clock, exclude, None, node.span)
        if isinstance(kind, ast.AggregateMeasure):
            if node.excluding is not None or node.clock is not None:
                self.error(
                    "SLA312",
                    f"`{kind.function}` of a field takes no clock and no pauses",
                    (node.clock or node.excluding or node).span,
                    None,
                )
                return None
            if kind.field is None:
                return m.Aggregate("count", None, node.span)
            ftype = self.field(kind.field, fields)
            if ftype is None:
                return None
            if ftype not in ("number", "duration"):
                self.error(
                    "SLA312",
                    f"`{kind.function} {kind.field.name}`: `{kind.field.name}` is "
                    f"{_TYPE_WORDS[ftype]}, not a number or a duration",
                    kind.field.span,
                    None,
                )
                return None
            return m.Aggregate(kind.function, kind.field.name, node.span)
        word = kind.name.name
        if word in BUILTIN_MEASURES:
            start_f, stop_f = BUILTIN_MEASURES[word]
            missing = [f for f in (start_f, stop_f) if fields.types.get(f) != "timestamp"]
            if missing:
                self.error(
                    "SLA312",
                    f"`{word}` measures `{start_f}` to `{stop_f}`, and `{fields.dataset}` "
                    f"has no timestamp `{missing[0]}`",
                    kind.name.span,
                    "measure `time from A to B` with two timestamp fields of the dataset",
                )
                return None
            builtin: Literal["response_time", "resolution_time"] = (
                "response_time" if word == "response_time" else "resolution_time"
            )
            return m.Elapsed(start_f, stop_f, clock, exclude, builtin, node.span)
        if word == "availability":
            if fields.dataset != "outages":
                self.error(
                    "SLA312",
                    f"`availability` is measured on `outages`, not `{fields.dataset}`",
                    kind.name.span,
                    'write `of outages where service = "..."`',
                )
                return None
            if exclude is not None:
                return None
            return m.Availability(clock or m.CLOCK_24X7, node.span)
        ftype = fields.types.get(word)
        if ftype is None:
            self.error(
                "SLA205",
                f"unknown measure `{word}`: not a built-in measure nor a field of "
                f"`{fields.dataset}`",
                kind.name.span,
                did_you_mean(word, [*BUILTIN_MEASURES, "availability", *fields.types])
                or "measures are response_time, resolution_time, availability, "
                "a duration field, `time from A to B`, `mean FIELD`, `sum FIELD`, `count`",
            )
            return None
        if ftype != "duration":
            hint = (
                f"measure `time from A to {word}` between two timestamps"
                if ftype == "timestamp"
                else f"measure `mean {word}` or `sum {word}`"
                if ftype == "number"
                else None
            )
            self.error(
                "SLA312",
                f"`{word}` is {_TYPE_WORDS[ftype]}, not a duration",
                kind.name.span,
                hint,
            )
            return None
        if clock is not None or exclude is not None:
            self.error(
                "SLA312",
                f"`{word}` is a duration recorded in the data; it takes no clock and no pauses",
                (node.clock or node.excluding or node).span,
                None,
            )
            return None
        return m.DurationField(word, node.span)

    def timestamp_field(self, name: ast.Name, fields: _Fields) -> str | None:
        kind = self.field(name, fields)
        if kind is None:
            return None
        if kind != "timestamp":
            self.error(
                "SLA312",
                f"`time from ... to ...` needs timestamps; `{name.name}` is {_TYPE_WORDS[kind]}",
                name.span,
                "the timestamps of `"
                + fields.dataset
                + "` are "
                + ", ".join(f for f, t in fields.types.items() if t == "timestamp"),
            )
            return None
        return name.name

    def objective(
        self, decl: ast.TargetDecl, node: ast.Objective, measure: m.Measure, fields: _Fields
    ) -> m.Objective | None:
        timed = isinstance(measure, m.Elapsed | m.DurationField)
        measure_word = self.source(measure.span).removeprefix("measure ") or "no measure"
        misfit = f"`{self.source(node.span)}` does not fit `{measure_word}`"
        if isinstance(node, ast.PercentWithin | ast.AllWithin):
            if not timed:
                self.error("SLA313", misfit, node.span, _FIT_HINTS[type(measure)])
                return None
            percent = Fraction(1)
            if isinstance(node, ast.PercentWithin):
                percent = self.percent(node.percent)
            limit = self.limit(node.limit)
            if limit is None:
                return None
            bd = node.limit.business_days is not None
            return m.PercentWithin(percent, limit, node.span, business_days=bd)
        if isinstance(node, ast.PercentileObjective):
            match = _PERCENTILE.fullmatch(node.percentile.name)
            rank = int(match.group(1)) if match else 0
            if not match or not 1 <= rank <= 100:
                self.error(
                    "SLA310",
                    f"`{node.percentile.name}` is not a percentile",
                    node.percentile.span,
                    "percentiles are written p1 .. p100, e.g. `p90 <= 27h`",
                )
                return None
            if not timed:
                self.error("SLA313", misfit, node.span, _FIT_HINTS[type(measure)])
                return None
            if node.op != "<=":
                self.error(
                    "SLA313",
                    f"a percentile objective is written `{node.percentile.name} <= LIMIT`, "
                    f"not `{node.op}`",
                    node.span,
                    None,
                )
                return None
            if not isinstance(node.limit, ast.DurationLit):
                self.type_misfit(node.limit, "duration", measure_word)
                return None
            limit = self.limit(node.limit)
            if limit is None:
                return None
            bd = node.limit.business_days is not None
            return m.PercentileAtMost(rank, limit, node.span, business_days=bd)
        if isinstance(node, ast.ValueObjective):
            if not isinstance(measure, m.Availability):
                self.error("SLA313", misfit, node.span, _FIT_HINTS[type(measure)])
                return None
            if node.op != ">=":
                self.error(
                    "SLA313",
                    f"availability objectives are written `>= X%`, not `{node.op}`",
                    node.span,
                    None,
                )
                return None
            if not isinstance(node.value, ast.PercentLit):
                self.type_misfit(node.value, "percent", "availability")
                return None
            return m.AvailabilityAtLeast(self.percent(node.value), node.span)
        if isinstance(node, ast.RateObjective):
            if not isinstance(measure, m.NoMeasure):
                self.error(
                    "SLA313",
                    f"`{self.source(node.span)}` is a rate of records and takes no `measure`",
                    measure.span,
                    "remove the `measure` clause",
                )
                return None
            percent = self.percent(node.percent)
            condition = self.expr(node.condition, fields)
            return None if condition is None else m.RateWhere(percent, condition, node.span)
        return self.aggregate_objective(node, measure, fields, measure_word, misfit)

    def aggregate_objective(
        self,
        node: ast.AggregateObjective,
        measure: m.Measure,
        fields: _Fields,
        measure_word: str,
        misfit: str,
    ) -> m.Objective | None:
        if node.function == "count":
            if not isinstance(measure, m.NoMeasure) and not (
                isinstance(measure, m.Aggregate) and measure.kind == "count"
            ):
                self.error("SLA313", misfit, node.span, "`count` objectives take no measure")
                return None
            if node.op == "!=":
                self.error("SLA313", "`count != N` is not an objective", node.span, None)
                return None
            value = node.value
            if not (
                isinstance(value, ast.NumberLit)
                and value.value == value.value.to_integral_value()
                and value.value >= 0
            ):
                self.error(
                    "SLA301",
                    f"a count is a whole number, not `{self.source(value.span)}`",
                    value.span,
                    "write e.g. `count >= 1`",
                )
                return None
            op = node.op
            assert op in ("<", "<=", ">", ">=", "=")
            return m.CountCompare(op, int(value.value), node.span)
        if node.op not in ("<", "<=", ">", ">="):
            self.error(
                "SLA313",
                f"`{node.function} {node.op}` is not an objective",
                node.span,
                f"write `{node.function} >= N` or `{node.function} <= N`",
            )
            return None
        unit: str
        if isinstance(measure, m.Elapsed | m.DurationField):
            if node.function != "mean":
                self.error("SLA313", misfit, node.span, "a timed measure takes `mean <= D`")
                return None
            unit = "duration"
        elif isinstance(measure, m.Aggregate) and measure.kind == node.function:
            ftype = fields.types.get(measure.field or "", "number")
            unit = "duration" if ftype == "duration" else "number"
        else:
            self.error("SLA313", misfit, node.span, _FIT_HINTS[type(measure)])
            return None
        value = node.value
        agg: Literal["mean", "sum"] = "mean" if node.function == "mean" else "sum"
        if unit == "duration":
            if not isinstance(value, ast.DurationLit):
                self.type_misfit(value, "duration", measure_word)
                return None
            return m.AggregateCompare(agg, node.op, Fraction(value.seconds), "duration", node.span)
        if isinstance(value, ast.NumberLit):
            return m.AggregateCompare(agg, node.op, Fraction(value.value), "number", node.span)
        if isinstance(value, ast.MoneyLit):
            amount = self.money(value)
            if amount is None:
                return None
            return m.AggregateCompare(agg, node.op, Fraction(amount), "money", node.span)
        self.type_misfit(value, "number", measure_word)
        return None

    def type_misfit(self, value: ast.Lit, wanted: str, measure_word: str) -> None:
        kind = _LIT_KINDS[type(value)]
        self.error(
            "SLA301",
            f"`{measure_word}` is {_TYPE_WORDS[wanted]}, but `{self.source(value.span)}` is "
            f"{_TYPE_WORDS[kind]}",
            value.span,
            _EXAMPLES[wanted],
        )

    def limit(self, lit: ast.DurationLit) -> int | None:
        if lit.business_days is not None:
            if lit.seconds:
                self.error(
                    "SLA326",
                    f"`{lit.text}` mixes business days with other units",
                    lit.span,
                    "write the limit in business days alone (`3bd`) or in time alone (`27h`)",
                )
                return None
            if lit.business_days <= 0:
                self.error(
                    "SLA314",
                    f"a limit of `{lit.text}` can never be met",
                    lit.span,
                    "give a positive number of business days such as `3bd`",
                )
                return None
            return lit.business_days * m.BD_SECONDS
        if lit.seconds <= 0:
            self.error(
                "SLA314",
                f"a limit of `{lit.text}` can never be met",
                lit.span,
                "give a positive duration such as `15m`",
            )
            return None
        return lit.seconds

    def business_days(
        self,
        decl: ast.TargetDecl,
        measure: m.Measure,
        scope: m.Expr | None,
        fields: _Fields,
    ) -> None:
        """SLA509: ``2d`` on a business clock is 48 open hours, not two working days;
        SLA325: ``3bd`` where a record's clock may be ``24x7`` (or no clock at all)."""
        node = decl.objective
        if not isinstance(measure, m.Elapsed):
            bd_limit = getattr(node, "limit", None)
            if isinstance(bd_limit, ast.DurationLit) and bd_limit.business_days is not None:
                self.error(
                    "SLA325",
                    f"`{bd_limit.text}` counts business days, but a duration field of the data "
                    "has no clock",
                    bd_limit.span,
                    "measure `time from A to B on CALENDAR` to count business days",
                )
            return
        limit: ast.Lit | None = None
        if isinstance(node, ast.PercentWithin | ast.AllWithin):
            limit = node.limit
        elif isinstance(node, ast.PercentileObjective | ast.AggregateObjective):
            limit = node.limit if isinstance(node, ast.PercentileObjective) else node.value
        if not isinstance(limit, ast.DurationLit) or not re.search(r"[dw]", limit.text):
            return
        clocks = self.record_clocks(measure, scope, fields)
        if limit.business_days is not None:
            real = sorted(c for c in clocks if c == m.CLOCK_24X7) or ([] if clocks else ["24x7"])
            if real:
                self.error(
                    "SLA325",
                    f"`{limit.text}` counts business days, but some records of target "
                    f"`{decl.name.name}` run on the `24x7` clock",
                    limit.span,
                    "measure `on` a business calendar, or keep the scope to tiers covered by "
                    "one; on 24x7 write the limit in time (`72h`)",
                )
            return
        business = sorted(c for c in clocks if c != m.CLOCK_24X7)
        if business and limit.business_days is None:
            hours = limit.seconds // 3600
            days = limit.seconds // m.BD_SECONDS
            exact_days = limit.seconds % m.BD_SECONDS == 0
            self.warn(
                "SLA509",
                f"`{limit.text}` on the business clock `{business[0]}` is {hours} open hours, "
                "not working days",
                limit.span,
                f"write `{days}bd` for {days} business days, or `{hours}h` for open hours"
                if exact_days
                else f"write the limit in hours (`{hours}h`) to say what is meant",
            )

    def record_clocks(self, measure: m.Elapsed, scope: m.Expr | None, fields: _Fields) -> set[str]:
        """The clocks the records of a timed target can run on (empty: none in scope)."""
        if measure.clock is not None:
            return {measure.clock}
        if fields.types.get("priority") != "string" or not self.tiers:
            return {m.CLOCK_24X7}  # no tiers: every record runs on 24x7
        other = "\0other"  # a priority that is no tier: its records run on 24x7
        selected = scope_tiers(scope, frozenset(self.tiers) | {other})
        return {m.CLOCK_24X7 if t == other else self.tiers[t].coverage for t in selected}

    def business_day_literals(self, tree: ast.Policy) -> None:
        """SLA325: ``bd`` is a limit of a timed objective only; anywhere else (a scope,
        an escalation step, a credit tier, an exit notice) there is no clock to count
        business days on."""
        allowed: set[int] = set()
        for item in tree.items:
            if isinstance(item, ast.TargetDecl):
                node = item.objective
                if isinstance(node, ast.PercentWithin | ast.AllWithin | ast.PercentileObjective):
                    allowed.add(id(node.limit))
        for lit in _duration_literals(tree):
            if lit.business_days is not None and id(lit) not in allowed:
                self.error(
                    "SLA325",
                    f"`{lit.text}` counts business days, which only a target's time limit can",
                    lit.span,
                    "write business days in `require 90% within 3bd` or `require p90 <= 3bd`; "
                    "here write time (`72h`)",
                )

    # ----------------------------------------------------------------- escalation

    def escalation(self, decl: ast.EscalationDecl) -> m.Escalation | None:
        if decl.dataset is None:
            self.error(
                "SLA208",
                f"escalation `{decl.name.name}` has no `of DATASET` clause",
                decl.name.span,
                "add `of tickets where ...`",
            )
            return None
        fields = self.fields_of(decl.dataset)
        if fields is None:
            return None
        scope = self.expr(decl.where, fields) if decl.where is not None else None
        steps: list[m.EscalationStep] = []
        for step in decl.steps:
            if isinstance(step.at, ast.DurationLit):
                steps.append(m.EscalationStep(step.contact.value, step.at.seconds, span=step.span))
                continue
            target = self.target_ref(step.at.target)
            if target is None:
                continue
            objective = self.targets[target].objective if target in self.targets else None
            if isinstance(objective, m.PercentWithin | m.PercentileAtMost) and (
                objective.business_days
            ):
                self.error(
                    "SLA325",
                    f"target `{target}` counts business days, which an escalation step "
                    "cannot take a fraction of",
                    step.at.target.span,
                    "escalate at a duration instead, e.g. `at 8h`",
                )
                continue
            if objective is not None and not isinstance(
                objective, m.PercentWithin | m.PercentileAtMost
            ):
                self.error(
                    "SLA313",
                    f"target `{target}` has no time limit to take a fraction of",
                    step.at.target.span,
                    "escalate at a duration instead, e.g. `at 2h`",
                )
                continue
            measured = self.targets[target].dataset if target in self.targets else None
            if measured is not None and measured != fields.dataset:
                self.error(
                    "SLA312",
                    f"target `{target}` measures {measured}, "
                    f"this escalation follows {fields.dataset}",
                    step.at.target.span,
                    f"take a fraction of a target on {fields.dataset}, or escalate at a "
                    "duration, e.g. `at 2h`",
                )
                continue
            fraction = self.percent(step.at.percent, upper=None)
            steps.append(m.EscalationStep(step.contact.value, None, fraction, target, step.span))
        for extra in decl.after_hours[1:]:
            self.error("SLA209", "`outside` is given twice", extra.span, None)
        after_hours = None
        if decl.after_hours:
            clause = decl.after_hours[0]
            calendar = self.clock(clause.clock, allow_24x7=False)
            if calendar is not None:
                after_hours = m.AfterHours(
                    calendar, clause.contact.value, clause.first, clause.span
                )
        if decl.where is not None and scope is None:
            return None
        return m.Escalation(
            decl.name.name, fields.dataset, scope, tuple(steps), after_hours, decl.span
        )

    def target_ref(self, name: ast.Name) -> str | None:
        if name.name in self.target_decls:
            return name.name
        self.error(
            "SLA201",
            f"unknown target `{name.name}`",
            name.span,
            did_you_mean(name.name, self.target_decls) or "declare it with `target NAME { ... }`",
        )
        return None

    # ----------------------------------------------------------------- consequences

    def owned_by_customer(self, name: str) -> bool:
        decl = self.target_decls.get(name)
        return bool(decl and decl.owner and decl.owner.name == "customer")

    def condition(self, node: ast.Condition, role: str) -> m.Condition | None:
        if isinstance(node, ast.AllOf | ast.AnyOf):
            parts = [self.condition(op, role) for op in node.operands]
            if any(p is None for p in parts):
                return None
            operands = tuple(p for p in parts if p is not None)
            return (
                m.AllOf(operands, node.span)
                if isinstance(node, ast.AllOf)
                else m.AnyOf(operands, node.span)
            )
        if isinstance(node, ast.BreachCountCondition):
            if node.at_least < 1 or node.window < 1:
                self.error(
                    "SLA318",
                    "`at least N breaches in last M periods` needs N and M of 1 or more",
                    node.span,
                    None,
                )
                return None
            return m.BreachCount(node.at_least, node.window, node.span)
        target: str | None = None
        if node.target is not None:
            target = self.target_ref(node.target)
            if target is None:
                return None
            if self.owned_by_customer(target):
                code = "SLA402" if role == "credit" else "SLA403"
                self.error(
                    code,
                    f"{role} rule names `{target}`, a customer-owned target",
                    node.target.span,
                    "customer-owned targets never earn credits or bonuses and never "
                    "count toward exits",
                )
                return None
        if isinstance(node, ast.ValueCondition):
            assert target is not None
            return self.value_condition(node, target)
        if isinstance(node, ast.VerdictCondition):
            if target is None:
                if node.verdict != "met":
                    self.error(
                        "SLA405",
                        "`all targets breached` is not a condition the engine evaluates",
                        node.span,
                        "use `at least N breaches in last M periods`",
                    )
                    return None
                return m.Consecutive(None, "met", 1, node.span)
            return m.VerdictIs(target, node.verdict, node.span)
        if isinstance(node, ast.InLastCondition):
            if node.count < 1 or node.window < 1:
                self.error(
                    "SLA318",
                    "`in N of last M periods` needs N and M of 1 or more",
                    node.span,
                    None,
                )
                return None
            if node.count > node.window:
                self.error(
                    "SLA401",
                    f"`{node.count} of last {node.window} periods` can never hold: "
                    f"{node.count} is more than {node.window}",
                    node.span,
                    "the number of periods counted cannot exceed the window: "
                    "`N of last M periods` with N <= M",
                )
                return None
            if target is None:
                self.error(
                    "SLA405",
                    "`all targets ... in N of last M periods` is not a condition the engine "
                    "evaluates",
                    node.span,
                    "use `all targets met in N consecutive periods`",
                )
                return None
            return m.InLastPeriods(target, node.verdict, node.count, node.window, node.span)
        if node.count < 1:
            self.error("SLA318", "`in 0 consecutive periods` never counts", node.span, None)
            return None
        if target is None and node.verdict != "met":
            self.error(
                "SLA405",
                "`all targets breached` is not a condition the engine evaluates",
                node.span,
                "use `at least N breaches in last M periods`",
            )
            return None
        return m.Consecutive(target, node.verdict, node.count, node.span)

    def value_condition(self, node: ast.ValueCondition, target: str) -> m.Condition | None:
        if node.op not in ("<", "<=", ">", ">="):
            self.error(
                "SLA313",
                f"`{node.op}` on a target's value is not a condition",
                node.span,
                "use `<`, `<=`, `>` or `>=`",
            )
            return None
        decl = self.target_decls[target]
        checked = self.targets.get(target)
        wanted = _value_unit(checked.objective if checked else None, decl)
        value = node.value
        kind = _LIT_KINDS[type(value)]
        if wanted is not None and kind != wanted and not (wanted == "number" and kind == "money"):
            self.error(
                "SLA404",
                f"`{self.source(value.span)}` is {_TYPE_WORDS[kind]}, but the value of "
                f"`{target}` is {_TYPE_WORDS[wanted]}",
                value.span,
                _VALUE_HINTS.get(wanted),
            )
            return None
        threshold: Fraction
        if isinstance(value, ast.DurationLit):
            limit = getattr(decl.objective, "limit", None)
            in_days = isinstance(limit, ast.DurationLit) and limit.business_days is not None
            if (value.business_days is not None) != in_days or (in_days and value.seconds):
                self.error(
                    "SLA404",
                    f"`{value.text}` is {'not ' if in_days else ''}in business days, but the "
                    f"value of `{target}` is {'in business days' if in_days else 'time'}",
                    value.span,
                    "write the threshold in the target's unit: "
                    + ("business days (`4bd`)" if in_days else "time (`30h`)"),
                )
                return None
        if isinstance(value, ast.PercentLit):
            threshold = self.percent(value)
        elif isinstance(value, ast.DurationLit) and value.business_days is not None:
            threshold = Fraction(value.business_days * m.BD_SECONDS)
        elif isinstance(value, ast.DurationLit):
            threshold = Fraction(value.seconds)
        elif isinstance(value, ast.NumberLit):
            threshold = Fraction(value.value)
        elif isinstance(value, ast.MoneyLit):
            threshold = Fraction(value.amount)
        else:
            self.error(
                "SLA404",
                f"`{self.source(value.span)}` is {_TYPE_WORDS[kind]}, not a threshold",
                value.span,
                None,
            )
            return None
        op = node.op
        return m.ValueBelow(target, op, threshold, node.span)

    def amount(self, node: ast.Amount) -> m.Amount | None:
        if isinstance(node, ast.PercentOfFee):
            return m.PercentOfFee(self.percent(node.percent), node.span)
        value = self.money(node)
        return None if value is None else m.FixedAmount(value, node.span)

    def credit(self, decl: ast.CreditDecl) -> m.CreditRule:
        if not decl.tiers:
            self.error(
                "SLA208",
                f"credit rule `{decl.name.name}` has no `when ... credit ...` clause",
                decl.name.span,
                "add `when TARGET breached credit 5% of fee`",
            )
        tiers: list[m.CreditTier] = []
        for tier in decl.tiers:
            condition = self.condition(tier.condition, "credit")
            amount = self.amount(tier.amount)
            if condition is not None and amount is not None:
                label = self.source(tier.condition.span)
                tiers.append(m.CreditTier(condition, amount, label, tier.span))
        once = self.once(decl.name.name, decl.tiers, tiers)
        return m.CreditRule(decl.name.name, tuple(tiers), decl.span, once)

    def earn_back(self, decl: ast.EarnBackDecl) -> m.EarnBack | None:
        target = self.target_ref(decl.target)
        if target is None:
            return None
        if self.owned_by_customer(target):
            self.error(
                "SLA403",
                f"earn-back names `{target}`, a customer-owned target",
                decl.target.span,
                "customer-owned targets never earn credits",
            )
            return None
        if decl.periods < 1:
            self.error("SLA318", "`after 0 met periods` earns nothing back", decl.span, None)
            return None
        return m.EarnBack(target, decl.periods, decl.span)

    def bonus(self, decl: ast.BonusDecl) -> m.Bonus | None:
        if not decl.tiers:
            self.error(
                "SLA208",
                f"bonus `{decl.name.name}` has no `when ... pay ...` clause",
                decl.name.span,
                None,
            )
            return None
        for extra in decl.tiers[1:]:
            self.error(
                "SLA405",
                f"bonus `{decl.name.name}` has more than one `when ... pay ...` clause",
                extra.span,
                "write one bonus per condition",
            )
        tier = decl.tiers[0]
        condition = self.condition(tier.condition, "bonus")
        amount = self.amount(tier.amount)
        if condition is None or amount is None:
            return None
        once = self.once(decl.name.name, decl.tiers[:1], [condition])
        return m.Bonus(decl.name.name, condition, amount, decl.span, once)

    def exit(self, decl: ast.ExitDecl) -> m.ExitRule | None:
        ok = True
        if decl.condition is None:
            self.error(
                "SLA208",
                f"exit `{decl.name.name}` has no `when` clause",
                decl.name.span,
                "add `when X breached in 2 consecutive periods`",
            )
            ok = False
        if decl.notice is None:
            self.error(
                "SLA208",
                f"exit `{decl.name.name}` has no `notice`",
                decl.name.span,
                "add `notice 30d`",
            )
            ok = False
        if not ok or decl.condition is None or decl.notice is None:
            return None
        condition = self.condition(decl.condition, "exit")
        if condition is None:
            return None
        return m.ExitRule(
            decl.name.name, condition, decl.notice.seconds, decl.notice.text, decl.span
        )

    # ----------------------------------------------------------------- maintenance, once

    def maintenance(self, decls: Sequence[ast.Item]) -> m.MaintenanceRule | None:
        """The one ``maintenance`` declaration (SLA209 for a second one)."""
        found = [d for d in decls if isinstance(d, ast.MaintenanceDecl)]
        for extra in found[1:]:
            self.error(
                "SLA209",
                "`maintenance` is given twice",
                extra.span,
                f"the first is at line {found[0].span.line}; write both clauses there: "
                "`maintenance at most 8h per period notice 5d`",
            )
        if not found:
            return None
        decl = found[0]
        limit, notice = decl.limit, decl.notice
        if notice is not None and notice.seconds == 0:
            self.error(
                "SLA314",
                "`maintenance notice 0s` asks for no notice",
                notice.span,
                "give the notice the contract asks for, e.g. `notice 5d`, or leave it out",
            )
        return m.MaintenanceRule(
            limit.seconds if limit is not None else None,
            limit.text if limit is not None else None,
            notice.seconds if notice is not None else None,
            notice.text if notice is not None else None,
            decl.span,
        )

    def contract_years(self, head: _Header, caps: Sequence[m.Cap]) -> None:
        """SLA405 for a contract-year cap whose years would not start on a period's first
        day (contract years start on `effective` and each anniversary)."""
        starts = (1, 4, 7, 10) if head.period == "quarter" else tuple(range(1, 13))
        effective = head.effective
        if effective.day == 1 and effective.month in starts:
            return
        for cap in caps:
            if cap.per == "contract year":
                self.error(
                    "SLA405",
                    f"contract years start on `effective` ({effective.isoformat()}), "
                    f"which is not the first day of a {head.period}",
                    cap.span,
                    "make `effective` the first day of a period, or cap `per year` (rolling)",
                )

    def once(
        self,
        rule: str,
        written: Sequence[ast.CreditTier | ast.BonusTier],
        checked: Sequence[m.CreditTier | m.Condition],
    ) -> bool:
        """Whether the rule pays once per run; SLA406 for ``once`` on a condition that is
        not a look-back or a streak (it would hold, and pay, only by chance of the data),
        or on some tiers of a rule but not all."""
        marked = [t for t in written if t.once]
        if not marked:
            return False
        if len(marked) != len(written):
            bare = next(t for t in written if not t.once)
            self.error(
                "SLA406",
                f"`once` on some tiers of `{rule}` but not on this one",
                bare.span,
                "`once` applies to the whole rule: write it on every tier",
            )
            return False
        for tier, item in zip(written, checked, strict=False):
            condition = item.condition if isinstance(item, m.CreditTier) else item
            if not _is_look_back(condition):
                self.error(
                    "SLA406",
                    f"`once` in `{rule}` needs a look-back or streak condition",
                    tier.condition.span,
                    "write `when X breached in 2 consecutive periods ... once`, or drop `once`",
                )
                return False
        return True


def _is_look_back(condition: m.Condition) -> bool:
    """A condition over several periods (every part of an `and`/`or` is one)."""
    if isinstance(condition, m.AllOf | m.AnyOf):
        return all(_is_look_back(part) for part in condition.operands)
    return isinstance(condition, m.InLastPeriods | m.Consecutive | m.BreachCount)


# --------------------------------------------------------------------------- helpers


def _duration_literals(node: object) -> Iterator[ast.DurationLit]:
    """Every duration literal in a syntax tree."""
    if isinstance(node, ast.DurationLit):
        yield node
    elif isinstance(node, ast.ValueCondition):
        return  # a credit tier's threshold: value_condition checks it against its target
    elif isinstance(node, tuple):
        for child in node:
            yield from _duration_literals(child)
    elif hasattr(node, "__dataclass_fields__") and not isinstance(node, Span):
        for name in node.__dataclass_fields__:
            if name != "span":
                yield from _duration_literals(getattr(node, name))


def _tail(span: Span) -> tuple[int, int, int, int]:
    return span.line, span.column, span.end_line, span.end_column


def _name(node: ast.Name | None) -> str:
    return node.name if node is not None else ""


def _hhmm(seconds: int) -> str:
    return f"{seconds // 3600:02d}:{seconds % 3600 // 60:02d}"


def _field_type(word: str) -> _FieldTypeName:
    return _FIELD_TYPE_NAMES[word]


def _operand_text(op: m.Operand) -> str:
    if isinstance(op, m.FieldRef):
        return op.name
    value = op.value
    if op.kind == "percent" and isinstance(value, Fraction):
        return percent_text(value)
    if op.kind == "string":
        return f'"{value}"'
    if isinstance(value, dt.date):
        return value.isoformat()
    if op.kind == "duration" and isinstance(value, int):
        return f"{value}s"
    return str(value)


def _value_unit(objective: m.Objective | None, decl: ast.TargetDecl) -> str | None:
    """The kind of literal a credit threshold on this target must be."""
    node = decl.objective
    if isinstance(node, ast.PercentWithin | ast.AllWithin | ast.ValueObjective | ast.RateObjective):
        return "percent"
    if isinstance(node, ast.PercentileObjective):
        return "duration"
    if isinstance(objective, m.AggregateCompare):
        return "duration" if objective.unit == "duration" else "number"
    if isinstance(objective, m.CountCompare):
        return "number"
    if isinstance(node, ast.AggregateObjective):
        return _LIT_KINDS.get(type(node.value))
    return None


_LIT_KINDS: dict[type, str] = {
    ast.StringLit: "string",
    ast.NumberLit: "number",
    ast.DurationLit: "duration",
    ast.PercentLit: "percent",
    ast.MoneyLit: "money",
    ast.DateLit: "date",
    ast.TimeLit: "time",
    ast.BoolLit: "boolean",
}

_KIND_WORDS: dict[type, str] = {
    ast.CalendarDecl: "calendar",
    ast.TierDecl: "tier",
    ast.DatasetDecl: "dataset",
    ast.TargetDecl: "target",
    ast.EscalationDecl: "escalation",
    ast.CreditDecl: "credit rule",
    ast.BonusDecl: "bonus",
    ast.ExitDecl: "exit rule",
}

_MISMATCH_HINTS: dict[tuple[str, str], str] = {
    ("duration", "percent"): "a duration compares with a duration such as `4h`",
    ("percent", "duration"): "a percentage compares with a percentage such as `99.5%`",
    ("timestamp", "string"): "compare a timestamp with a date such as `2026-01-31` "
    "or another timestamp field",
    ("string", "number"): 'strings are always quoted: `"42"`',
    ("number", "string"): "compare a number with a number",
    ("duration", "number"): "give the unit: `30m`, `4h`, `2d`",
    ("number", "percent"): "a number compares with a number (a score of `4.2`, say)",
}

_EXAMPLES: dict[str, str] = {
    "duration": "compare with a duration such as `30m` or `4h`",
    "number": "compare with a plain number such as `4.2`",
    "percent": "compare with a percentage such as `99.9%`",
}

_FIT_HINTS: dict[type, str] = {
    m.Availability: "availability takes `require >= 99.9%`",
    m.Elapsed: "a timed measure takes `X% within D`, `pNN <= D` or `mean <= D`",
    m.DurationField: "a duration takes `X% within D`, `pNN <= D` or `mean <= D`",
    m.Aggregate: "`measure mean FIELD` takes `require mean >= N` (sum likewise)",
    m.NoMeasure: "add a `measure` clause",
}

_VALUE_HINTS: dict[str, str] = {
    "percent": "its value is a percentage: write e.g. `< 99.5%`",
    "duration": "its value is a duration: write e.g. `> 4h`",
    "number": "its value is a number: write e.g. `< 4.0`",
}

_BUILTIN_DATASETS = tuple(fieldtypes.FIELD_TYPES)  # the one list of built-in datasets


# --------------------------------------------------------------------------- for editors
# Public accessors for the language server (rules_engine/lsp): completion offers the
# country codes and holiday names the checker accepts.


def holiday_countries() -> dict[str, list[str]]:
    """Country codes the holiday check accepts, each with its subdivision codes."""
    return _holiday_countries()


def holiday_names(country: str, subdivision: str | None, year: int) -> frozenset[str] | None:
    """The holiday names an ``except`` may name for a policy effective in ``year``."""
    return _holiday_names(country, subdivision, year)
