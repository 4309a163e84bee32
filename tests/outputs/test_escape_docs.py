"""The examples in the escaping module's docstring run and stay true."""

from __future__ import annotations

import doctest

from rules_engine import escape


def test_docstring_examples() -> None:
    failures, tried = doctest.testmod(escape)
    assert tried > 0
    assert failures == 0
