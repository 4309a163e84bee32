"""The ``--data`` option, one definition for every command that reads data: repeatable
(the paths are merged, two files for one dataset refused) and ``NAME=PATH`` naming the
dataset of a file not named after it (``--data tickets=export.jsonl``)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

import click

F = TypeVar("F", bound=Callable[..., Any])

DATA_HELP = "Data file or folder; repeat to merge several; NAME=PATH reads a file as dataset NAME."


def data_option(*, required: bool = True, help: str = DATA_HELP) -> Callable[[F], F]:
    """``--data [NAME=]PATH``, repeatable; the command receives a tuple of strings."""
    return click.option(
        "--data",
        "data_path",
        multiple=True,
        required=required,
        metavar="[NAME=]PATH",
        help=help,
    )


def data_files(data: tuple[str, ...]) -> tuple[str, ...]:
    """The paths of ``--data`` without their ``NAME=`` (for the output-over-input check)."""
    from rules_engine.data.loader import split_named  # Polars: only when data is read

    return tuple(str(split_named(item)[1]) for item in data)
