"""Every construct of the language parses to the tree it means; spans point at the text."""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction
from pathlib import Path

import pytest

from rules_engine.language import ast
from rules_engine.language.ast import Name
from rules_engine.language.parser import ParseError, parse
from rules_engine.language.spans import Span

FIXTURES = Path(__file__).parent / "fixtures"
SKETCH = (FIXTURES / "design_sketch.sla").read_text("utf-8")
ROOT = Path(__file__).parents[2]


def _items(text: str) -> tuple[ast.Item, ...]:
    return parse('policy "p"\n' + text).items[1:]


def _one(text: str) -> ast.Item:
    (item,) = _items(text)
    return item


def _target(body: str) -> ast.TargetDecl:
    item = _one(f"target t {{ {body} }}")
    assert isinstance(item, ast.TargetDecl)
    return item


def _pct(text: str) -> ast.PercentLit:
    return ast.PercentLit(Fraction(text.rstrip("%")) / 100, text)


def _dur(text: str, seconds: int) -> ast.DurationLit:
    return ast.DurationLit(seconds, text)


def _str(value: str) -> ast.StringLit:
    return ast.StringLit(value)


# --------------------------------------------------------------------------- the sketch


def test_design_sketch_parses_with_its_meaning() -> None:
    policy = parse(SKETCH, "sketch.sla")
    kinds = [type(i).__name__ for i in policy.items]
    # p1_response p1_resolution p2_resolution p3_resolution email_availability
    # critical_patching restore_time onsite_attendance detection satisfaction
    # change_turnaround projects_on_time monthly_review
    assert kinds.count("TargetDecl") == 13
    assert kinds.count("CreditDecl") == 3
    assert kinds.count("CapDecl") == 2
    by_name = {
        i.name.name: i
        for i in policy.items
        if isinstance(i, ast.TargetDecl | ast.CreditDecl | ast.ExitDecl | ast.EscalationDecl)
    }
    p3 = by_name["p3_resolution"]
    assert isinstance(p3, ast.TargetDecl)
    assert p3.measure == ast.Measure(
        ast.MeasureName(Name("resolution_time")), Name("business"), ast.PauseExclusion(None)
    )
    assert p3.objective == ast.PercentileObjective(Name("p90"), "<=", _dur("27h", 97200))
    onsite = by_name["onsite_attendance"]
    assert isinstance(onsite, ast.TargetDecl)
    assert onsite.where == Name("onsite_required")  # a boolean field as the condition
    change = by_name["change_turnaround"]
    assert isinstance(change, ast.TargetDecl)
    assert (change.owner, change.by) == (Name("customer"), Name("requested_at"))
    exit_rule = by_name["for_cause"]
    assert exit_rule == ast.ExitDecl(
        Name("for_cause"),
        ast.AnyOf(
            (
                ast.ConsecutiveCondition(Name("email_availability"), "breached", 2),
                ast.BreachCountCondition(6, 6),
            )
        ),
        _dur("30d", 2592000),  # 30 x 86400
    )
    # 20 comments in the sketch, in source order
    assert len(policy.comments) == 20
    assert policy.comments[0].text == "# periods are calendar months in this zone"


def test_every_bundled_policy_parses() -> None:
    files = sorted(ROOT.glob("examples/**/*.sla")) + sorted(ROOT.glob("policies/**/*.sla"))
    files += sorted(ROOT.glob("tests/conformance/*.sla"))
    assert files, "no bundled policies found"
    for path in files:
        parse(path.read_text("utf-8"), str(path))


def test_one_line_and_multi_line_blocks_are_the_same_program() -> None:
    multi = """target detection {
      of security_incidents
      measure time from occurred_at to detected_at
      require mean <= 30m
    }"""
    one = "target detection { of security_incidents  measure time from occurred_at to detected_at  require mean <= 30m }"
    assert _items(multi) == _items(one)


def test_target_clauses_in_any_order_mean_the_same() -> None:
    a = _target("owner customer of tickets measure response_time require 95% within 15m")
    b = _target("require 95% within 15m measure response_time of tickets owner customer")
    assert a == b


def test_duplicate_clause_is_an_error_naming_the_first() -> None:
    with pytest.raises(ParseError) as info:
        parse('policy "p"\ntarget t {\n  measure count\n  measure count\n}')
    assert info.value.message == "`measure` is given twice in this target"
    assert info.value.span.line == 4
    assert info.value.hint == "the first `measure` is at line 3; keep one"


# --------------------------------------------------------------------------- header


def test_header_lines() -> None:
    items = _items(
        'provider "N" customer "C" effective 2026-01-01 timezone "America/New_York" '
        "currency USD fee 12000 per month fee 12345.30 per quarter from 2027-01-01 "
        "fee 100 per period fee 5 period quarter at risk below 20% budget at risk below 10%"
    )
    assert items == (
        ast.ProviderDecl(_str("N")),
        ast.CustomerDecl(_str("C")),
        ast.EffectiveDecl(ast.DateLit(2026, 1, 1, "2026-01-01")),
        ast.TimezoneDecl(_str("America/New_York")),
        ast.CurrencyDecl(Name("USD")),
        ast.FeeDecl(ast.MoneyLit(Decimal(12000), None, "12000"), "month"),
        ast.FeeDecl(
            ast.MoneyLit(Decimal("12345.30"), None, "12345.30"),
            "quarter",
            ast.DateLit(2027, 1, 1, "2027-01-01"),
        ),
        ast.FeeDecl(ast.MoneyLit(Decimal(100), None, "100"), "period"),
        ast.FeeDecl(ast.MoneyLit(Decimal(5), None, "5")),
        ast.PeriodDecl(Name("quarter")),
        ast.AtRiskDecl(_pct("20%")),
        ast.AtRiskDecl(_pct("10%")),  # `budget` is optional
    )


def test_negative_fee_parses_for_the_checker_to_reject() -> None:
    fee = _one("fee -5")
    assert fee == ast.FeeDecl(ast.MoneyLit(Decimal(-5), None, "-5"))


# --------------------------------------------------------------------------- calendars


def test_calendar_clauses() -> None:
    calendar = _one(
        'calendar ops { timezone "Europe/London" open mon-fri, sun 08:00-12:00, 13:00-24:00 '
        'open sat 09:00-13:00 holidays "US" subdivision "CA" except "A", "B" '
        'holidays "GB" closed 2026-04-03, 2026-12-24 }'
    )
    t = ast.TimeLit
    assert calendar == ast.CalendarDecl(
        Name("ops"),
        (
            ast.TimezoneDecl(_str("Europe/London")),
            ast.OpenClause(
                (ast.DayRange(Name("mon"), Name("fri")), ast.DayRange(Name("sun"))),
                (
                    ast.TimeWindow(t(8, 0, "08:00"), t(12, 0, "12:00")),
                    ast.TimeWindow(t(13, 0, "13:00"), t(24, 0, "24:00")),
                ),
            ),
            ast.OpenClause(
                (ast.DayRange(Name("sat")),),
                (ast.TimeWindow(t(9, 0, "09:00"), t(13, 0, "13:00")),),
            ),
            ast.HolidaysClause(_str("US"), _str("CA"), (_str("A"), _str("B"))),
            ast.HolidaysClause(_str("GB")),
            ast.ClosedClause(
                (ast.DateLit(2026, 4, 3, "2026-04-03"), ast.DateLit(2026, 12, 24, "2026-12-24"))
            ),
        ),
    )


# --------------------------------------------------------------------------- tiers, data


def test_tiers_with_optional_label_and_coverage() -> None:
    assert _items('tier P1 "Critical" coverage 24x7 tier P4 coverage business tier P5') == (
        ast.TierDecl(Name("P1"), _str("Critical"), Name("24x7")),
        ast.TierDecl(Name("P4"), None, Name("business")),
        ast.TierDecl(Name("P5")),
    )


def test_dataset_and_pause() -> None:
    items = _items(
        "dataset change_approvals by requested_at { requested_at timestamp approved_at timestamp }"
        ' pause tickets while status in ["Waiting", "On hold",] reason "customer"'
        ' pause while status in ["Paused"]'
    )
    assert items == (
        ast.DatasetDecl(
            Name("change_approvals"),
            Name("requested_at"),
            (
                ast.FieldDecl(Name("requested_at"), Name("timestamp")),
                ast.FieldDecl(Name("approved_at"), Name("timestamp")),
            ),
        ),
        ast.PauseDecl(
            Name("tickets"), Name("status"), (_str("Waiting"), _str("On hold")), _str("customer")
        ),
        ast.PauseDecl(None, Name("status"), (_str("Paused"),)),
    )


# --------------------------------------------------------------------------- targets


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        ("response_time", ast.MeasureName(Name("response_time"))),
        ("resolution_time", ast.MeasureName(Name("resolution_time"))),
        ("availability", ast.MeasureName(Name("availability"))),
        ("recovery_time", ast.MeasureName(Name("recovery_time"))),
        ("time from a to b", ast.TimeBetween(Name("a"), Name("b"))),
        ("mean score", ast.AggregateMeasure("mean", Name("score"))),
        ("sum cost", ast.AggregateMeasure("sum", Name("cost"))),
        ("count", ast.AggregateMeasure("count")),
    ],
)
def test_measures(text: str, kind: ast.MeasureKind) -> None:
    assert _target(f"measure {text}").measure == ast.Measure(kind)


def test_measure_clock_and_pause_exclusion() -> None:
    rt = ast.MeasureName(Name("resolution_time"))
    assert _target("measure resolution_time on 24x7").measure == ast.Measure(rt, Name("24x7"))
    assert _target("measure resolution_time excluding pauses").measure == ast.Measure(
        rt, None, ast.PauseExclusion(None)
    )
    one = _target('measure resolution_time excluding pauses where reason = "customer"')
    listed = _target('measure resolution_time excluding pauses where reason in ["customer"]')
    assert (
        one.measure
        == listed.measure
        == ast.Measure(rt, None, ast.PauseExclusion((_str("customer"),)))
    )
    either_order = _target("measure resolution_time excluding pauses on business")
    assert either_order.measure == ast.Measure(rt, Name("business"), ast.PauseExclusion(None))


@pytest.mark.parametrize(
    ("text", "objective"),
    [
        ("95% within 15m", ast.PercentWithin(_pct("95%"), _dur("15m", 900))),
        ("all within 4h", ast.AllWithin(_dur("4h", 14400))),
        ("p90 <= 27h", ast.PercentileObjective(Name("p90"), "<=", _dur("27h", 97200))),
        (
            "mean >= 4.2",
            ast.AggregateObjective("mean", ">=", ast.NumberLit(Decimal("4.2"), "4.2")),
        ),
        ("mean <= 30m", ast.AggregateObjective("mean", "<=", _dur("30m", 1800))),
        (">= 99.9%", ast.ValueObjective(">=", _pct("99.9%"))),
        ("count <= 3", ast.AggregateObjective("count", "<=", ast.NumberLit(Decimal(3), "3"))),
        ("count >= 1", ast.AggregateObjective("count", ">=", ast.NumberLit(Decimal(1), "1"))),
        (
            "sum <= 5000 USD",
            ast.AggregateObjective("sum", "<=", ast.MoneyLit(Decimal(5000), "USD", "5000")),
        ),
        (
            "90% where delivered_at <= due",
            ast.RateObjective(_pct("90%"), ast.Compare(Name("delivered_at"), "<=", Name("due"))),
        ),
    ],
)
def test_objectives(text: str, objective: ast.Objective) -> None:
    assert _target(f"require {text}").objective == objective


def test_scope_with_where_and_by() -> None:
    target = _target('of change_approvals where kind = "x" by requested_at')
    assert target.dataset == Name("change_approvals")
    assert target.where == ast.Compare(Name("kind"), "=", _str("x"))
    assert target.by == Name("requested_at")


# --------------------------------------------------------------------------- expressions


def _where(expr: str) -> ast.Expr | None:
    return _target(f"of tickets where {expr}").where


def test_precedence_not_binds_tighter_than_and_than_or() -> None:
    a, b, c = (ast.Compare(Name(n), "=", ast.NumberLit(Decimal(1), "1")) for n in "abc")
    assert _where("a = 1 or b = 1 and not c = 1") == ast.Or((a, ast.And((b, ast.Not(c)))))
    assert _where("(a = 1 or b = 1) and c = 1") == ast.And((ast.Or((a, b)), c))
    assert _where("a = 1 and (b = 1 and c = 1)") == ast.And((a, b, c))  # flattened


def test_expression_forms() -> None:
    assert _where('status not in ["cancelled", "duplicate"]') == ast.InList(
        Name("status"), (_str("cancelled"), _str("duplicate")), negated=True
    )
    assert _where("priority in [P1, P2]") == ast.InList(Name("priority"), (Name("P1"), Name("P2")))
    assert _where("delivered_at is set") == ast.IsSet(Name("delivered_at"))
    assert _where("delivered_at is not set") == ast.IsSet(Name("delivered_at"), negated=True)
    assert _where("open") == ast.IsOpen()
    assert _where("`open`") == Name("open")  # a field named like the keyword
    assert _where("planned = false") == ast.Compare(Name("planned"), "=", ast.BoolLit(False))
    assert _where("created_at >= 2026-01-01") == ast.Compare(
        Name("created_at"), ">=", ast.DateLit(2026, 1, 1, "2026-01-01")
    )
    assert _where("cost <= 1200.50 EUR") == ast.Compare(
        Name("cost"), "<=", ast.MoneyLit(Decimal("1200.50"), "EUR", "1200.50")
    )
    assert _where("x != -3") == ast.Compare(Name("x"), "!=", ast.NumberLit(Decimal(-3), "-3"))


def test_keywords_are_names_where_no_keyword_fits() -> None:
    # `customer` and `budget` are keywords elsewhere, plain names here
    target = _target("owner customer of projects where actual_cost <= budget")
    assert target.owner == Name("customer")
    assert target.where == ast.Compare(Name("actual_cost"), "<=", Name("budget"))


# --------------------------------------------------------------------------- escalation, money


def test_escalation() -> None:
    item = _one(
        "escalation p1_open { of tickets where priority = P1 and open "
        'at 30m notify "Lead" at 50% of p1_resolution notify "Director" '
        'outside business notify "On call" first }'
    )
    assert item == ast.EscalationDecl(
        Name("p1_open"),
        Name("tickets"),
        ast.And((ast.Compare(Name("priority"), "=", Name("P1")), ast.IsOpen())),
        (
            ast.EscalationStep(_dur("30m", 1800), _str("Lead")),
            ast.EscalationStep(ast.PercentOf(_pct("50%"), Name("p1_resolution")), _str("Director")),
        ),
        (ast.AfterHoursClause(Name("business"), _str("On call"), True),),
    )


def test_credits_caps_earn_back_bonus() -> None:
    items = _items(
        "credit c { when a < 99.0% credit 25% of fee when a breached credit 500 USD "
        "when a breached in 3 of last 3 periods credit 10% of fee "
        "when a met in 2 consecutive periods and all targets met credit 1 } "
        "cap credits at 30% of fee per period cap credits at 10% of fee per year "
        "cap credits at 5000 USD "
        "earn back a credits after 3 met periods "
        "bonus b { when all targets met in 3 consecutive periods pay 2% of fee }"
    )
    a = Name("a")
    assert items == (
        ast.CreditDecl(
            Name("c"),
            (
                ast.CreditTier(
                    ast.ValueCondition(a, "<", _pct("99.0%")), ast.PercentOfFee(_pct("25%"))
                ),
                ast.CreditTier(
                    ast.VerdictCondition(a, "breached"), ast.MoneyLit(Decimal(500), "USD", "500")
                ),
                ast.CreditTier(
                    ast.InLastCondition(a, "breached", 3, 3), ast.PercentOfFee(_pct("10%"))
                ),
                ast.CreditTier(
                    ast.AllOf(
                        (
                            ast.ConsecutiveCondition(a, "met", 2),
                            ast.VerdictCondition(None, "met"),
                        )
                    ),
                    ast.MoneyLit(Decimal(1), None, "1"),
                ),
            ),
        ),
        ast.CapDecl(ast.PercentOfFee(_pct("30%")), "period"),
        ast.CapDecl(ast.PercentOfFee(_pct("10%")), "year"),
        ast.CapDecl(ast.MoneyLit(Decimal(5000), "USD", "5000")),
        ast.EarnBackDecl(a, 3),
        ast.BonusDecl(
            Name("b"),
            (
                ast.BonusTier(
                    ast.ConsecutiveCondition(None, "met", 3), ast.PercentOfFee(_pct("2%"))
                ),
            ),
        ),
    )


# --------------------------------------------------------------------------- spans


def test_spans_point_at_the_text() -> None:
    policy = parse(SKETCH, "sketch.sla")
    # line 1: `policy "Acme Corp managed IT services"` (38 characters)
    assert policy.items[0].span == Span("sketch.sla", 1, 1, 1, 39)
    # line 35: `tier P1 "Critical: business stopped"        coverage 24x7`: 57 characters,
    # `P1` at column 6, `coverage` at 45, so `24x7` at 45 + 9 = 54; ends are exclusive
    tier = next(i for i in policy.items if isinstance(i, ast.TierDecl))
    assert tier.span == Span("sketch.sla", 35, 1, 35, 58)
    assert tier.name.span == Span("sketch.sla", 35, 6, 35, 8)
    assert tier.coverage is not None
    assert tier.coverage.span == Span("sketch.sla", 35, 54, 35, 58)
    # lines 40-45: target p1_response { ... }; line 44 is `  require 95% within 15m`
    target = next(i for i in policy.items if isinstance(i, ast.TargetDecl))
    assert (target.span.line, target.span.column) == (40, 1)
    assert (target.span.end_line, target.span.end_column) == (45, 2)
    assert target.objective is not None
    assert target.objective.span == Span("sketch.sla", 44, 11, 44, 25)
    assert isinstance(target.objective, ast.PercentWithin)
    assert target.objective.limit.span == Span("sketch.sla", 44, 22, 44, 25)  # `15m`
    # a comment keeps its place: line 5 is 76 characters, the `#` at column 35
    assert policy.comments[0].span == Span("sketch.sla", 5, 35, 5, 77)


def test_spans_are_ignored_by_equality() -> None:
    assert parse('policy "p"') == parse('\n\n   policy   "p"')
    assert parse('policy "p"').items[0].span != parse('\n policy "p"').items[0].span


def _walk(node: object) -> list[object]:
    found = [node]
    if isinstance(node, tuple):
        for x in node:
            found += _walk(x)
    elif hasattr(node, "__dataclass_fields__") and not isinstance(node, Span):
        for name in node.__dataclass_fields__:
            found += _walk(getattr(node, name))
    return found


def test_only_ast_nodes_and_plain_values_in_the_tree() -> None:
    allowed = (str, int, bool, Decimal, Fraction, type(None), tuple, Span)
    for node in _walk(parse(SKETCH)):
        module = type(node).__module__
        assert module == "rules_engine.language.ast" or isinstance(node, allowed), type(node)


def _children(node: object) -> list[object]:
    if isinstance(node, tuple):
        return [y for x in node for y in ([x] if hasattr(x, "span") else _children(x))]
    out: list[object] = []
    for name in getattr(node, "__dataclass_fields__", {}):
        if name == "span":
            continue
        value = getattr(node, name)
        if hasattr(value, "span") and not isinstance(value, Span):
            out.append(value)
        elif isinstance(value, tuple):
            out.extend(_children(value))
    return out


def _inside(inner: Span, outer: Span) -> bool:
    return (outer.line, outer.column) <= (inner.line, inner.column) and (
        inner.end_line,
        inner.end_column,
    ) <= (outer.end_line, outer.end_column)


@pytest.mark.parametrize(
    "path",
    [FIXTURES / "design_sketch.sla", *sorted((Path(__file__).parent / "format").glob("*.sla"))],
    ids=lambda p: p.name,
)
def test_every_node_has_a_span_inside_its_parent(path: Path) -> None:
    policy = parse(path.read_text("utf-8"), "x.sla")
    stack: list[tuple[object, Span]] = [(item, policy.span) for item in policy.items]
    seen = 0
    while stack:
        node, parent = stack.pop()
        span = node.span  # type: ignore[attr-defined]
        assert span.file == "x.sla" and span.line >= 1, node
        assert _inside(span, parent), (node, span, parent)
        assert (span.line, span.column) < (span.end_line, span.end_column), node
        stack.extend((child, span) for child in _children(node))
        seen += 1
    assert seen > 20
