"""The examples in the money modules' docstrings run and stay true."""

from __future__ import annotations

import doctest

import pytest

from rules_engine.consequences import money
from rules_engine.evaluation import fees


@pytest.mark.parametrize("module", [money, fees], ids=lambda m: m.__name__)
def test_money_docstring_examples(module: object) -> None:
    failures, tried = doctest.testmod(module)  # type: ignore[arg-type]
    assert tried > 0
    assert failures == 0
