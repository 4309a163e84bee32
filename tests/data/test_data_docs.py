"""Doctests in the data layer's public modules run with the suite."""

from __future__ import annotations

import doctest

import pytest

import rules_engine.data
import rules_engine.data.loader


@pytest.mark.parametrize("module", [rules_engine.data, rules_engine.data.loader])
def test_doctests(module: object) -> None:
    failures, _tried = doctest.testmod(module)  # type: ignore[arg-type]
    assert failures == 0
