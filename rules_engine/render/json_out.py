"""The evaluation document as JSON, stable to the byte.

Objects keep the engine's key order; nesting is indented by two spaces, but an object or
array holding only scalars is written on one line. So every breached record is one line
(easy to grep and diff), and a million-record document is written by the C encoder in a
fraction of the time the pure-Python indenting encoder needs.
"""

from __future__ import annotations

import json
from typing import Any

from rules_engine.evaluation.numbers import SMALL
from rules_engine.evaluation.rows import RowTable

_ENCODER = json.JSONEncoder(
    ensure_ascii=False, allow_nan=False, separators=(", ", ": "), check_circular=False
)
_C_ENCODER: Any = getattr(json.encoder, "c_make_encoder", None)
# one C encoder for every row: JSONEncoder.encode builds a new one per call
_ROW: Any = (
    _C_ENCODER(
        None,
        _ENCODER.default,
        json.encoder.encode_basestring,
        None,
        ": ",
        ", ",
        False,
        False,
        False,
    )
    if _C_ENCODER is not None
    else None
)


def _encode(value: Any) -> str:
    if _ROW is None:  # pragma: no cover - interpreters without the C accelerator
        return _ENCODER.encode(value)
    return "".join(_ROW(value, 0))


def _flat(value: Any) -> bool:
    if isinstance(value, dict):
        return not any(isinstance(v, dict | list | RowTable) for v in value.values())
    if isinstance(value, list):
        return not any(isinstance(v, dict | list | RowTable) for v in value)
    return not isinstance(value, RowTable)


def _write_rows(rows: RowTable, depth: int, out: list[str]) -> None:
    """A record list (or detail map) from its columns, as :func:`_write` would write it
    (a short one through its Python objects: the same bytes, without a Polars query)."""
    items = rows.json_items() if len(rows) > SMALL else None
    if items is None:
        _write(rows.to_python(), depth, out)
        return
    opening, closing = ("{", "}") if rows.kind == "detail" else ("[", "]")
    if not items:
        out.append(opening + closing)
        return
    pad = "  " * (depth + 1)
    out.append(f"{opening}\n{pad}")
    out.append((",\n" + pad).join(items))
    out.append("\n" + "  " * depth + closing)


def _write(value: Any, depth: int, out: list[str]) -> None:
    if isinstance(value, RowTable):
        _write_rows(value, depth, out)
        return
    if _flat(value):
        out.append(_encode(value))
        return
    pad = "  " * (depth + 1)
    if isinstance(value, dict):
        out.append("{\n")
        last = len(value) - 1
        for i, (key, item) in enumerate(value.items()):
            out.append(f"{pad}{_encode(str(key))}: ")
            _write(item, depth + 1, out)
            out.append(",\n" if i < last else "\n")
        out.append("  " * depth + "}")
        return
    if all(type(item) is dict and _flat(item) for item in value):
        # rows of a table (breached records): one encoder pass per row, no recursion
        out.append("[\n" + pad)
        out.append((",\n" + pad).join(map(_encode, value)))
        out.append("\n" + "  " * depth + "]")
        return
    out.append("[\n")
    last = len(value) - 1
    for i, item in enumerate(value):
        out.append(pad)
        _write(item, depth + 1, out)
        out.append(",\n" if i < last else "\n")
    out.append("  " * depth + "]")


def render_json(document: dict[str, Any]) -> str:
    """The document (or an evaluation's columnar skeleton: same bytes) as JSON text."""
    out: list[str] = []
    _write(document, 0, out)
    out.append("\n")
    return "".join(out)
