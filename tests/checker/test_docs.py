"""The examples in the front end's public docstrings run and stay true."""

from __future__ import annotations

import doctest

import pytest

from rules_engine import api
from rules_engine.language import diagnostics


@pytest.mark.parametrize("module", [api, diagnostics])
def test_docstring_examples(module: object) -> None:
    failures, tried = doctest.testmod(module)  # type: ignore[arg-type]
    assert tried > 0
    assert failures == 0
