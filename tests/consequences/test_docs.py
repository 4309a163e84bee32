"""The examples in the money module's docstrings run and stay true."""

from __future__ import annotations

import doctest

from rules_engine.consequences import money


def test_money_docstring_examples() -> None:
    failures, tried = doctest.testmod(money)
    assert tried > 0
    assert failures == 0
