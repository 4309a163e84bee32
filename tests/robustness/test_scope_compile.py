"""Scopes compile to one n-ary node over distinct terms (issue 14).

A scope of N `or` terms compiled to a chain of N binary `|` nodes; Polars' optimizer
spent 10 s on 600 identical terms and over 5 minutes on 2,000. Nested nodes of one kind
are now spliced together, repeats dropped, and the rest joined by one horizontal node.
"""

from __future__ import annotations

import datetime as dt

import polars as pl
from hypothesis import given, settings
from hypothesis import strategies as st

from rules_engine.evaluation.scope import ScopeContext, compile_scope
from rules_engine.language import model

COLUMNS = ("a", "b", "c")
FRAME = pl.DataFrame(
    {
        "a": [True, True, False, False, None, True, False, None],
        "b": [True, False, True, False, True, None, None, None],
        "c": [False, True, True, None, False, False, True, None],
    }
)
CTX = ScopeContext("UTC", dt.datetime(2026, 1, 1, tzinfo=dt.UTC), None, FRAME.schema)


def _truthy(name: str) -> model.Expr:
    return model.Truthy(model.FieldRef(name))


def _rows(expr: model.Expr) -> list[bool]:
    return FRAME.select(compile_scope(expr, CTX).alias("x"))["x"].to_list()


def _expected(expr: model.Expr, row: dict[str, bool | None]) -> bool:
    """Two-valued logic by hand: a missing boolean is false."""
    if isinstance(expr, model.Truthy):
        return bool(row[expr.field.name])
    if isinstance(expr, model.Not):
        return not _expected(expr.operand, row)
    if isinstance(expr, model.And):
        return all(_expected(o, row) for o in expr.operands)
    assert isinstance(expr, model.Or)
    return any(_expected(o, row) for o in expr.operands)


def test_repeated_terms_compile_to_the_single_term() -> None:
    one = _truthy("a")
    many = model.Or(tuple(one for _ in range(2000)))
    assert compile_scope(many, CTX).meta.eq(compile_scope(model.Or((one,)), CTX))
    assert _rows(many) == [True, True, False, False, False, True, False, False]


def test_nested_nodes_of_one_kind_are_spliced() -> None:
    a, b = _truthy("a"), _truthy("b")
    nested = model.Or((a, model.Or((b, model.Or((a, b))))))
    flat = model.Or((a, b))
    assert compile_scope(nested, CTX).meta.eq(compile_scope(flat, CTX))


def test_a_long_scope_of_distinct_terms_is_one_node() -> None:
    terms = tuple(
        model.Compare(model.FieldRef("s"), "=", model.Literal_(f"s{i}", "string"))
        for i in range(2000)
    )
    frame = pl.DataFrame({"s": ["s0", "s1999", "x", None]})
    ctx = ScopeContext("UTC", CTX.as_of, None, frame.schema)
    out = frame.select(compile_scope(model.Or(terms), ctx).alias("x"))["x"].to_list()
    assert out == [True, True, False, False]


def _trees(depth: int) -> st.SearchStrategy[model.Expr]:
    leaf = st.sampled_from(COLUMNS).map(_truthy)
    if depth == 0:
        return leaf
    sub = _trees(depth - 1)
    return st.one_of(
        leaf,
        sub.map(model.Not),
        st.lists(sub, min_size=1, max_size=4).map(lambda xs: model.And(tuple(xs))),
        st.lists(sub, min_size=1, max_size=4).map(lambda xs: model.Or(tuple(xs))),
    )


@settings(max_examples=60, deadline=None)
@given(_trees(3))
def test_compiled_scopes_keep_two_valued_logic(expr: model.Expr) -> None:
    expected = [_expected(expr, row) for row in FRAME.iter_rows(named=True)]
    assert _rows(expr) == expected
