"""Hypothesis strategies that build valid policy trees (the shapes the parser produces).

Every tree drawn here can be printed by the formatter and read back; the properties in
``test_properties.py`` check that it reads back equal. Names are drawn from a pool that
includes keywords (``open``, ``count``, ``budget``, ...) and names that need backticks,
so the formatter's escaping is exercised in every position.
"""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction

from hypothesis import strategies as st

from rules_engine.language import ast

PLAIN_NAMES = ["tickets", "priority", "P1", "p90", "p1_response", "score", "mon", "fri", "x"]
KEYWORD_NAMES = [
    "open",
    "not",
    "all",
    "at",
    "count",
    "mean",
    "sum",
    "time",
    "true",
    "false",
    "while",
    "budget",
    "customer",
    "in",
    "where",
    "met",
    "policy",
]
ODD_NAMES = ["my field", "2fast", "24x7", "a-b"]

names = st.sampled_from(PLAIN_NAMES + KEYWORD_NAMES + ODD_NAMES).map(ast.Name)
clocks = st.sampled_from(["24x7", "business", "open", "on", *KEYWORD_NAMES[:4]]).map(ast.Name)
ops = st.sampled_from(["=", "!=", "<", "<=", ">", ">="])

strings = st.text(
    # not the characters the parser refuses because they hide text (SLA111): controls
    # other than tab and the line endings, separators and bidi controls
    alphabet=st.characters(
        blacklist_categories=("Cs", "Cc"),
        whitelist_characters="\t\n\r",
        blacklist_characters="\x85\u2028\u2029\u202a\u202b\u202c\u202d\u202e"
        "\u2066\u2067\u2068\u2069",
    ),
    max_size=12,
).map(ast.StringLit)


@st.composite
def numbers(draw: st.DrawFn, signed: bool = True) -> ast.NumberLit:
    whole = draw(st.integers(0, 10**6))
    frac = draw(st.one_of(st.none(), st.from_regex(r"\A[0-9]{1,3}\Z")))
    text = str(whole) + (f".{frac}" if frac else "")
    if signed and draw(st.booleans()):
        text = "-" + text
    return ast.NumberLit(Decimal(text), text)


@st.composite
def durations(draw: st.DrawFn) -> ast.DurationLit:
    units = draw(
        st.lists(st.sampled_from("wdhms"), min_size=1, max_size=5, unique=True).map(
            lambda us: [u for u in "wdhms" if u in us]
        )
    )
    if draw(st.integers(0, 9)) == 0:  # business days stand alone (`3bd`)
        days = draw(st.integers(0, 999))
        return ast.DurationLit(0, f"{days}bd", business_days=days)
    sizes = {"w": 604800, "d": 86400, "h": 3600, "m": 60, "s": 1}
    parts = [(draw(st.integers(0, 999)), u) for u in units]
    return ast.DurationLit(
        sum(n * sizes[u] for n, u in parts), "".join(f"{n}{u}" for n, u in parts)
    )


@st.composite
def percents(draw: st.DrawFn) -> ast.PercentLit:
    whole = draw(st.integers(0, 200))
    frac = draw(st.one_of(st.none(), st.from_regex(r"\A[0-9]{1,3}\Z")))
    number = str(whole) + (f".{frac}" if frac else "")
    return ast.PercentLit(Fraction(Decimal(number)) / 100, number + "%")


@st.composite
def money(draw: st.DrawFn, currency: bool | None = None) -> ast.MoneyLit:
    number = draw(numbers())
    code = draw(st.sampled_from(["USD", "EUR", "JPY"]))
    if currency is None:
        code = draw(st.one_of(st.none(), st.just(code)))
    elif not currency:
        code = None
    return ast.MoneyLit(number.value, code, number.text)


@st.composite
def dates(draw: st.DrawFn) -> ast.DateLit:
    y, m, d = draw(st.integers(0, 9999)), draw(st.integers(0, 99)), draw(st.integers(0, 99))
    return ast.DateLit(y, m, d, f"{y:04d}-{m:02d}-{d:02d}")


@st.composite
def times(draw: st.DrawFn) -> ast.TimeLit:
    h, m = draw(st.integers(0, 99)), draw(st.integers(0, 99))
    text = f"{h}:{m:02d}" if h < 10 and draw(st.booleans()) else f"{h:02d}:{m:02d}"
    return ast.TimeLit(h, m, text)


bools = st.booleans().map(ast.BoolLit)

literals: st.SearchStrategy[ast.Lit] = st.one_of(
    strings, numbers(), durations(), percents(), money(currency=True), dates(), times(), bools
)
operands: st.SearchStrategy[ast.Operand] = st.one_of(names, literals)


def _flat(kind: type, operands: list) -> tuple:  # type: ignore[type-arg]
    out: list[object] = []
    for o in operands:
        out.extend(o.operands if isinstance(o, kind) else [o])
    return tuple(out)


expr_leaves: st.SearchStrategy[ast.Expr] = st.one_of(
    st.builds(ast.Compare, operands, ops, operands),
    st.builds(ast.InList, operands, st.lists(operands, max_size=3).map(tuple), st.booleans()),
    st.builds(ast.IsSet, operands, st.booleans()),
    st.just(ast.IsOpen()),
    names,
    bools,
)

exprs: st.SearchStrategy[ast.Expr] = st.recursive(
    expr_leaves,
    lambda inner: st.one_of(
        st.builds(ast.Not, inner),
        st.lists(inner, min_size=2, max_size=3).map(lambda xs: ast.And(_flat(ast.And, xs))),
        st.lists(inner, min_size=2, max_size=3).map(lambda xs: ast.Or(_flat(ast.Or, xs))),
    ),
    max_leaves=8,
)

verdicts = st.sampled_from(["breached", "met"])
subjects = st.one_of(st.none(), names)
small = st.integers(0, 40)

condition_leaves: st.SearchStrategy[ast.Condition] = st.one_of(
    st.builds(ast.ValueCondition, names, ops, literals),
    st.builds(ast.VerdictCondition, subjects, verdicts),
    st.builds(ast.InLastCondition, subjects, verdicts, small, small),
    st.builds(ast.ConsecutiveCondition, subjects, verdicts, small),
    st.builds(ast.BreachCountCondition, small, small),
)

conditions: st.SearchStrategy[ast.Condition] = st.recursive(
    condition_leaves,
    lambda inner: st.one_of(
        st.lists(inner, min_size=2, max_size=3).map(lambda xs: ast.AllOf(_flat(ast.AllOf, xs))),
        st.lists(inner, min_size=2, max_size=3).map(lambda xs: ast.AnyOf(_flat(ast.AnyOf, xs))),
    ),
    max_leaves=6,
)

amounts: st.SearchStrategy[ast.Amount] = st.one_of(st.builds(ast.PercentOfFee, percents()), money())


def opt(strategy: st.SearchStrategy) -> st.SearchStrategy:  # type: ignore[type-arg]
    return st.one_of(st.none(), strategy)


def tup(strategy: st.SearchStrategy, min_size: int = 0, max_size: int = 3) -> st.SearchStrategy:  # type: ignore[type-arg]
    return st.lists(strategy, min_size=min_size, max_size=max_size).map(tuple)


calendar_clauses = st.one_of(
    st.builds(ast.TimezoneDecl, strings),
    st.builds(
        ast.OpenClause,
        tup(st.builds(ast.DayRange, names, opt(names)), 1),
        tup(st.builds(ast.TimeWindow, times(), times()), 1),
    ),
    st.builds(ast.HolidaysClause, strings, opt(strings), tup(strings)),
    st.builds(ast.ClosedClause, tup(dates(), 1)),
)

measure_kinds = st.one_of(
    st.builds(ast.MeasureName, names),
    st.builds(ast.TimeBetween, names, names),
    st.builds(ast.AggregateMeasure, st.sampled_from(["mean", "sum"]), names),
    st.just(ast.AggregateMeasure("count", None)),
)
measures = st.builds(
    ast.Measure,
    measure_kinds,
    opt(clocks),
    opt(st.builds(ast.PauseExclusion, opt(tup(strings, 1)))),
)
aggregate_fns = st.sampled_from(["mean", "sum", "count"])
objectives: st.SearchStrategy[ast.Objective] = st.one_of(
    st.builds(ast.PercentWithin, percents(), durations()),
    st.builds(ast.AllWithin, durations()),
    st.builds(ast.PercentileObjective, names, ops, literals),
    st.builds(ast.AggregateObjective, aggregate_fns, ops, literals),
    st.builds(ast.ValueObjective, ops, literals),
    st.builds(ast.RateObjective, percents(), exprs),
)


@st.composite
def targets(draw: st.DrawFn) -> ast.TargetDecl:
    dataset = draw(opt(names))
    return ast.TargetDecl(
        name=draw(names),
        title=draw(opt(strings)),
        owner=draw(opt(names)),
        dataset=dataset,
        where=draw(opt(exprs)) if dataset else None,
        by=draw(opt(names)) if dataset else None,
        measure=draw(opt(measures)),
        objective=draw(opt(objectives)),
        every=draw(opt(st.sampled_from(["quarter", "year"]).map(ast.TargetPeriod))),
        no_data=draw(opt(st.sampled_from(["met", "breached"]).map(ast.NoDataRule))),
    )


@st.composite
def escalations(draw: st.DrawFn) -> ast.EscalationDecl:
    dataset = draw(opt(names))
    at = st.one_of(durations(), st.builds(ast.PercentOf, percents(), names))
    return ast.EscalationDecl(
        name=draw(names),
        dataset=dataset,
        where=draw(opt(exprs)) if dataset else None,
        steps=draw(tup(st.builds(ast.EscalationStep, at, strings))),
        after_hours=draw(
            tup(st.builds(ast.AfterHoursClause, clocks, strings, st.booleans()), 0, 2)
        ),
    )


items: st.SearchStrategy[ast.Item] = st.one_of(
    st.builds(ast.PolicyDecl, strings),
    st.builds(ast.ProviderDecl, strings),
    st.builds(ast.CustomerDecl, strings),
    st.builds(ast.EffectiveDecl, dates()),
    st.builds(ast.TimezoneDecl, strings),
    st.builds(ast.CurrencyDecl, names),
    st.builds(
        ast.FeeDecl, money(), opt(st.sampled_from(["month", "quarter", "period"])), opt(dates())
    ),
    st.builds(ast.PeriodDecl, names),
    st.builds(ast.AtRiskDecl, percents()),
    st.builds(ast.CalendarDecl, names, tup(calendar_clauses)),
    st.builds(ast.TierDecl, names, opt(strings), opt(clocks)),
    st.builds(ast.DatasetDecl, names, opt(names), tup(st.builds(ast.FieldDecl, names, names))),
    st.builds(ast.PauseDecl, opt(names), names, tup(strings, 1), opt(strings)),
    targets(),
    escalations(),
    st.builds(
        ast.CreditDecl, names, tup(st.builds(ast.CreditTier, conditions, amounts, st.booleans()))
    ),
    st.builds(ast.CapDecl, amounts, opt(st.sampled_from(["period", "year", "contract year"]))),
    st.builds(ast.EarnBackDecl, names, small),
    st.builds(
        ast.BonusDecl, names, tup(st.builds(ast.BonusTier, conditions, amounts, st.booleans()))
    ),
    st.builds(ast.ExitDecl, names, opt(conditions), opt(durations())),
    st.builds(ast.MaintenanceDecl, durations(), opt(durations())),
    st.builds(ast.MaintenanceDecl, st.none(), durations()),
)

policies = st.builds(ast.Policy, tup(items, 1, 8))
