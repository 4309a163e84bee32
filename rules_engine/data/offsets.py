"""Offsets that lie: times all written with one UTC offset across a daylight-saving
change of the zone they were recorded in (an export stamping every row ``+01:00``,
summer included). Such times are local wall times with a fixed label; read as written,
every summer time is an hour off."""

from __future__ import annotations

import polars as pl

from rules_engine.data.coerce import to_timestamp

_OFFSET = r"(Z|z|[+-]\d{2}(?::?\d{2})?)$"
_UTC = ("Z", "z", "+00:00", "+0000", "+00", "-00:00")


def fixed_offset(text: pl.Series, zone: str) -> str | None:
    """The one offset every time in ``text`` is written with, when ``zone`` changes its
    own offset within the times' range; None otherwise (offsets vary, there are none,
    the one offset is UTC, or the zone keeps one offset over the range)."""
    if text.dtype != pl.String:
        return None
    values = text.drop_nulls()
    offsets = values.str.extract(_OFFSET, 1).drop_nulls().unique()
    if len(offsets) != 1 or offsets[0] in _UTC:
        return None
    instants, _ = to_timestamp(values, None)
    instants = instants.drop_nulls()
    if instants.is_empty():
        return None
    local = instants.dt.convert_time_zone(zone).dt.replace_time_zone(None)
    shift = local - instants.dt.replace_time_zone(None)
    return str(offsets[0]) if shift.n_unique() > 1 else None
