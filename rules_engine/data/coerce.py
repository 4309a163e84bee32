"""Typing raw columns into the normalized dtypes, vectorized, reporting every bad value.

Each converter takes a raw Series (text, or a native type from Parquet) and returns the
typed Series plus a mask of values it could not convert; the caller reports those rows.
A value that fails becomes null, so one bad cell never hides the others.
"""

from __future__ import annotations

import datetime as dt
import decimal
import difflib
import functools
import itertools
import json
import re
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import polars as pl
from polars.datatypes import DataTypeClass

from rules_engine.data.dtypes import (
    DURATION,
    NUMBER,
    NUMBER_SCALE,
    TIMESTAMP,
    Column,
    DatasetSpec,
)
from rules_engine.data.formats import ROW
from rules_engine.data.issues import IssueLog, show_value
from rules_engine.language.limits import EARLIEST_DATE, LATEST_DATE, iana_zones

_ISO_AWARE = "%Y-%m-%dT%H:%M:%S%.f%z"
_ISO_UTC = "%Y-%m-%dT%H:%M:%S%.fZ"
_ISO_NAIVE = "%Y-%m-%dT%H:%M:%S%.f"
_HAS_TIME = r"^\s*\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}"
_DURATION = r"^P(?:(\d+)W)?(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+)(?:[.,](\d+))?S)?)?$"
_TRUE = ("true", "t", "yes", "y", "1")
_FALSE = ("false", "f", "no", "n", "0")

AnyDtype = pl.DataType | DataTypeClass


@dataclass(frozen=True)
class Failure:
    """Rows a converter rejected: the mask, the message and a hint."""

    mask: pl.Series
    message: str
    hint: str | None = None
    skipped_local_time: bool = False
    """The values are local times a DST change skips (the importer words these apart)."""


Converted = tuple[pl.Series, list[Failure]]


class UnknownTimezone(ValueError):
    """A zone name the engine does not accept; ``hint`` suggests one it does."""

    def __init__(self, message: str, hint: str) -> None:
        super().__init__(message)
        self.hint = hint


@functools.cache
def timezone_names() -> frozenset[str]:
    """The zone names the engine accepts, for data and the command line: the same list the
    policy checker accepts (:func:`rules_engine.language.limits.iana_zones`)."""
    return iana_zones()


def check_timezone(name: str) -> ZoneInfo:
    """The zone named ``name``, or :class:`UnknownTimezone` (a ``ValueError``) with a
    did-you-mean hint. The one test of a zone name for data, the command line and the
    policy checker, so a name one of them accepts never fails in another."""
    if name in timezone_names():
        try:
            return ZoneInfo(name)
        except (ZoneInfoNotFoundError, ValueError):
            pass
    close = difflib.get_close_matches(name, sorted(timezone_names()), n=1)
    hint = f"did you mean `{close[0]}`?" if close else "use an IANA name such as America/New_York"
    raise UnknownTimezone(f"unknown time zone `{name}`", hint)


# ----------------------------------------------------------------------------- scalars


FIRST_YEAR = EARLIEST_DATE.year
END_YEAR = LATEST_DATE.year + 1
EARLIEST = dt.datetime(FIRST_YEAR, 1, 1, tzinfo=dt.UTC)
END = dt.datetime(END_YEAR, 1, 1, tzinfo=dt.UTC)
"""Instants the engine accepts: ``[EARLIEST, END)``. Outside them a date is a typo (a
year 0001 would make look-backs reach back two thousand years) and Python's datetime
cannot even shift some of them by an offset."""
YEARS_HINT = f"check the year; the engine reads times from {FIRST_YEAR} to {END_YEAR - 1}"
MAX_DURATION = dt.timedelta(days=36_525)
"""The longest duration the engine accepts: 100 years (more is a typo or an overflow)."""

_SUB_US = r"^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}:\d{2}[.,]\d{6}\d*[1-9]"
_YEAR = r"^[+-]?\d+-"


def to_timestamp(raw: pl.Series, timezone: str | None) -> Converted:
    """ISO 8601 text (offsets may mix; ``Z`` is UTC) or a Parquet datetime -> UTC
    microseconds. A value without an offset is read in ``timezone`` (an ambiguous local
    time takes the earlier offset, PEP 495 ``fold=0``; a local time skipped by a DST
    change is an error), else rejected. Second 60, digits finer than a microsecond and
    instants outside ``[EARLIEST, END)`` are errors, never rounded or shifted."""
    failures: list[Failure] = []
    if raw.dtype == pl.String:
        raw, failures = _refuse_text(raw)
    elif isinstance(raw.dtype, pl.Datetime) and raw.dtype.time_unit == "ns":
        fine = (raw.dt.nanosecond() % 1000 != 0).fill_null(False)
        failures = _failures(fine, "timestamp is finer than a microsecond", _SUB_US_HINT)
        raw = _null_where(raw, fine)
    typed, more = _parse_timestamp(raw, timezone)
    outside = ((typed < EARLIEST) | (typed >= END)).fill_null(False)
    if outside.any():
        typed = _null_where(typed, outside)
    return typed, [
        *failures,
        *more,
        *_failures(outside, f"timestamp outside the years {FIRST_YEAR}-{END_YEAR - 1}", YEARS_HINT),
    ]


_SUB_US_HINT = "the engine keeps microseconds: round to at most 6 decimals of a second"


def _null_where(series: pl.Series, mask: pl.Series) -> pl.Series:
    return series.zip_with(~mask, nulls(series.name, series.dtype, len(series)))


def _refuse_text(raw: pl.Series) -> tuple[pl.Series, list[Failure]]:
    """Text the parsers would misread rather than reject: second 60 (read as the next
    minute), digits below a microsecond (cut off), years outside the window (some of
    which overflow Python's datetime). Those values become null and are reported."""
    text = raw.str.strip_chars()
    # fixed positions first (YYYY-MM-DDTHH:MM:SS), a regex only where they do not apply
    leap = ((text.str.slice(16, 3) == ":60") & text.str.slice(10, 1).is_in(["T", " "])).fill_null(
        False
    )
    fine = text.str.contains(_SUB_US).fill_null(False) & ~leap
    standard = (text.str.slice(4, 1) == "-").fill_null(False)
    year = text.str.slice(0, 4).cast(pl.Int64, strict=False)
    wrong_year = standard & ~year.is_between(FIRST_YEAR, END_YEAR - 1).fill_null(True)
    odd = (~standard & text.is_not_null()).fill_null(False)
    if odd.any():  # an expanded year (+12026-, 00001-) or no date at all
        wrong_year = wrong_year | (odd & text.str.contains(_YEAR).fill_null(False))
    wrong_year = wrong_year & ~leap & ~fine
    refused = leap | fine | wrong_year
    failures = [
        *_failures(
            leap,
            "second 60 (a leap second) is not accepted",
            "the engine counts no leap seconds: write 23:59:59, or the next minute's :00",
        ),
        *_failures(fine, "timestamp is finer than a microsecond", _SUB_US_HINT),
        *_failures(
            wrong_year, f"timestamp outside the years {FIRST_YEAR}-{END_YEAR - 1}", YEARS_HINT
        ),
    ]
    return (_null_where(raw, refused) if refused.any() else raw), failures


def _parse_timestamp(raw: pl.Series, timezone: str | None) -> Converted:
    if isinstance(raw.dtype, pl.Datetime):
        if raw.dtype.time_zone is not None:
            return raw.dt.convert_time_zone("UTC").cast(TIMESTAMP), []
        if timezone is None:
            return _naive_failure(raw)
        local, gaps = localize(raw.cast(pl.Datetime("us")), timezone)
        return local, _gap_failures(gaps, timezone)
    if isinstance(raw.dtype, pl.Date):
        return nulls(raw.name, TIMESTAMP, len(raw)), [
            Failure(
                raw.is_not_null(), "expected a timestamp, got a date", "add a time and an offset"
            )
        ]
    if raw.dtype != pl.String:
        return _wrong_type(raw, TIMESTAMP, "a timestamp (ISO 8601 text or a datetime)")
    text = raw
    parsed = text.str.to_datetime(_ISO_AWARE, time_zone="UTC", time_unit="us", strict=False)
    failed = parsed.is_null() & text.is_not_null()
    if failed.any():  # chrono's %z does not take `Z`: parse those apart
        index = failed.arg_true()
        utc = text.gather(index).str.to_datetime(_ISO_UTC, time_unit="us", strict=False)
        parsed = parsed.scatter(index, utc.dt.replace_time_zone("UTC"))
        failed = parsed.is_null() & text.is_not_null()
    if not failed.any():
        return parsed, []
    text = text.str.strip_chars()
    return _timestamps_slow(text, parsed, failed, timezone)


def _gap_failures(mask: pl.Series, timezone: str) -> list[Failure]:
    if not mask.any():
        return []
    return [
        Failure(
            mask,
            f"local time does not exist in {timezone} (skipped by a daylight-saving change)",
            "check the time zone, or write the time with its offset",
            skipped_local_time=True,
        )
    ]


def _naive_failure(raw: pl.Series) -> Converted:
    return nulls(raw.name, TIMESTAMP, len(raw)), [
        Failure(
            raw.is_not_null(),
            "timestamp has no time zone (a naive Parquet datetime)",
            "store timestamps with a zone, or name one with --timezone",
        )
    ]


def localize(naive: pl.Series, timezone: str) -> tuple[pl.Series, pl.Series]:
    """Naive wall times read in ``timezone``, as UTC, and the mask of those that do not
    exist there (skipped by a DST change; null in the result). An ambiguous wall time
    takes the earlier offset (PEP 495 ``fold=0``). The one rule for ``validate``,
    ``eval`` and ``import``."""
    local = naive.dt.replace_time_zone(timezone, ambiguous="earliest", non_existent="null")
    gaps = (local.is_null() & naive.is_not_null()).fill_null(False)
    return local.dt.convert_time_zone("UTC"), gaps


def _timestamps_slow(
    text: pl.Series, parsed: pl.Series, failed: pl.Series, timezone: str | None
) -> Converted:
    """The values the fast ISO parse missed: naive ones, ``2026-01-02 10:00``, garbage.
    Naive values in a named zone are localized in bulk; the rest go one by one."""
    failures: list[Failure] = []
    has_time = text.str.contains(_HAS_TIME).fill_null(False)
    not_a_timestamp = failed & ~has_time
    candidates = failed & has_time
    gap_mask = pl.Series([], dtype=pl.Boolean).extend_constant(False, len(text))
    if timezone is not None:
        naive = text.str.to_datetime(_ISO_NAIVE, time_unit="us", strict=False)
        local, gaps = localize(naive.filter(candidates), timezone)
        where = candidates.arg_true()
        parsed = parsed.scatter(where, local)
        gap_mask = gap_mask.scatter(where.filter(gaps), True)
        candidates = candidates & parsed.is_null() & ~gap_mask
    index = candidates.arg_true()
    values: list[dt.datetime | None] = []
    bad: list[bool] = []
    naive_flags: list[bool] = []
    gap_flags: list[bool] = []
    zone = ZoneInfo(timezone) if timezone else None
    for value in text.gather(index).to_list():
        stamp: dt.datetime | None
        try:
            stamp = dt.datetime.fromisoformat(value.replace("z", "Z"))
        except ValueError:
            stamp = None
        is_naive = stamp is not None and stamp.tzinfo is None
        gap = False
        if stamp is not None and stamp.tzinfo is None:
            stamp = stamp.replace(tzinfo=zone, fold=0) if zone is not None else None
            gap = stamp is not None and not _exists(stamp)
        try:
            values.append(None if stamp is None or gap else stamp.astimezone(dt.UTC))
        except (OverflowError, ValueError):
            values.append(None)
            stamp = None
        bad.append(stamp is None and not is_naive)
        naive_flags.append(is_naive and zone is None)
        gap_flags.append(gap)
    if len(index):
        parsed = parsed.scatter(index, pl.Series(values, dtype=TIMESTAMP))
    positions = pl.int_range(0, len(text), eager=True)
    bad_mask = not_a_timestamp | positions.is_in(
        index.filter(pl.Series(bad, dtype=pl.Boolean)).implode()
    )
    if bad_mask.any():
        failures.append(
            Failure(
                bad_mask,
                "expected an ISO 8601 timestamp with an offset",
                "write e.g. 2026-01-31T09:30:00-05:00 or 2026-01-31T14:30:00Z",
            )
        )
    naive_mask = positions.is_in(index.filter(pl.Series(naive_flags, dtype=pl.Boolean)).implode())
    if naive_mask.any():
        failures.append(
            Failure(
                naive_mask,
                "timestamp has no offset, so its instant is unknown",
                "add an offset (Z, -05:00) or name the zone with --timezone",
            )
        )
    gap_mask = gap_mask | positions.is_in(
        index.filter(pl.Series(gap_flags, dtype=pl.Boolean)).implode()
    )
    if timezone is not None:
        failures += _gap_failures(gap_mask, timezone)
    return parsed, failures


def _exists(stamp: dt.datetime) -> bool:
    """Whether an aware local wall time exists (a skipped one does not survive a round
    trip through UTC)."""
    back = stamp.astimezone(dt.UTC).astimezone(stamp.tzinfo)
    return back.replace(tzinfo=None) == stamp.replace(tzinfo=None)


def to_date(raw: pl.Series) -> Converted:
    if isinstance(raw.dtype, pl.Date):
        typed, outside = _dates_in_window(raw)
        return typed, _failures(
            outside, f"date outside the years {FIRST_YEAR}-{END_YEAR - 1}", YEARS_HINT
        )
    if raw.dtype != pl.String:
        return _wrong_type(raw, pl.Date(), "a date (YYYY-MM-DD)")
    text = raw.str.strip_chars()
    parsed = text.str.to_date("%Y-%m-%d", strict=False)
    failed = parsed.is_null() & text.is_not_null()
    parsed, outside = _dates_in_window(parsed)
    return parsed, [
        *_failures(failed, "expected a date YYYY-MM-DD", None),
        *_failures(outside, f"date outside the years {FIRST_YEAR}-{END_YEAR - 1}", YEARS_HINT),
    ]


def _dates_in_window(dates: pl.Series) -> tuple[pl.Series, pl.Series]:
    outside = ~dates.dt.year().is_between(FIRST_YEAR, END_YEAR - 1).fill_null(True)
    outside = outside & dates.is_not_null()
    return (_null_where(dates, outside) if outside.any() else dates), outside


def to_duration(raw: pl.Series) -> Converted:
    """ISO 8601 durations in weeks, days, hours, minutes and seconds (``PT4H``,
    ``P1DT2H``, ``PT0.5S``). Years and months have no fixed length and are rejected; so
    are durations over :data:`MAX_DURATION` (computed without overflow, however many
    digits) and digits finer than a microsecond. None is ever negative."""
    too_long = f"duration over {MAX_DURATION.days // 365} years"
    long_hint = "check the value: the engine accepts durations up to 100 years (P36525D)"
    if isinstance(raw.dtype, pl.Duration):
        failures: list[Failure] = []
        if raw.dtype.time_unit == "ns":
            fine = (raw.dt.total_nanoseconds() % 1000 != 0).fill_null(False)
            failures += _failures(fine, "duration is finer than a microsecond", _SUB_US_HINT)
            raw = _null_where(raw, fine)
        typed = raw.cast(DURATION)
        negative = (typed < dt.timedelta(0)).fill_null(False)
        over = (typed > MAX_DURATION).fill_null(False)
        typed = _null_where(typed, negative | over)
        return typed, [
            *failures,
            *_failures(negative, "duration is negative", None),
            *_failures(over, too_long, long_hint),
        ]
    if raw.dtype != pl.String:
        return _wrong_type(raw, DURATION, "an ISO 8601 duration such as PT4H")
    text = raw.str.strip_chars().str.to_uppercase()
    parts = text.str.extract_groups(_DURATION).struct.unnest()
    names = parts.columns
    weeks, days, hours, minutes, secs, frac = (pl.col(n) for n in names)
    # A rough size in floating point first, so that only values far inside the bound
    # reach the exact integer arithmetic (which would otherwise wrap around).
    rough = (
        (weeks.cast(pl.Float64) * 7 + days.cast(pl.Float64)).fill_null(0) * 86_400
        + hours.cast(pl.Float64).fill_null(0) * 3600
        + minutes.cast(pl.Float64).fill_null(0) * 60
        + secs.cast(pl.Float64).fill_null(0)
    )
    limit_s = MAX_DURATION.total_seconds()
    short = pl.all_horizontal(
        e.str.len_chars().fill_null(0) <= 15 for e in (weeks, days, hours, minutes, secs)
    )
    safe = short & (rough <= limit_s + 86_400)

    def num(e: pl.Expr) -> pl.Expr:
        return pl.when(safe).then(e.cast(pl.Int64, strict=False)).fill_null(0)

    micros = parts.select(
        (
            ((num(weeks) * 7 + num(days)) * 86_400 + num(hours) * 3600 + num(minutes) * 60)
            * 1_000_000
            + num(secs) * 1_000_000
            + num(frac.str.slice(0, 6).str.pad_end(6, "0"))
        ).alias("us"),
        pl.any_horizontal(pl.col(n).is_not_null() for n in names).alias("any"),
        (~safe).fill_null(False).alias("huge"),
        frac.str.slice(6).str.contains("[1-9]").fill_null(False).alias("fine"),
    )
    valid = micros["any"] & text.is_not_null() & (text != "P") & ~text.str.ends_with("T")
    valid = valid.fill_null(False)
    over = valid & (micros["huge"] | (micros["us"] > MAX_DURATION // dt.timedelta(microseconds=1)))
    fine = valid & micros["fine"] & ~over
    typed = micros["us"].cast(DURATION).zip_with(valid & ~over & ~fine, nulls("", DURATION, 1))
    failed = ~valid & text.is_not_null()
    hint = "write weeks, days, hours, minutes, seconds: PT4H, PT3H59M59S, P1DT2H"
    if failed.any() and text.filter(failed).str.contains(r"^P(\d+Y|\d+M)").any():
        hint += " (years and months have no fixed length; use days)"
    return typed.alias(raw.name), [
        *_failures(failed, "expected an ISO 8601 duration", hint),
        *_failures(over, too_long, long_hint),
        *_failures(fine, "duration is finer than a microsecond", _SUB_US_HINT),
    ]


def to_boolean(raw: pl.Series) -> Converted:
    if raw.dtype == pl.Boolean:
        return raw, []
    if raw.dtype != pl.String:
        if raw.dtype.is_integer():
            text = raw.cast(pl.String)
        else:
            return _wrong_type(raw, pl.Boolean(), "true or false")
    else:
        text = raw.str.strip_chars().str.to_lowercase()
    typed = (
        pl.select(
            pl.when(text.is_in(_TRUE))
            .then(True)
            .when(text.is_in(_FALSE))
            .then(False)
            .otherwise(None)
            .alias(raw.name)
        )
        .to_series()
        .cast(pl.Boolean)
    )
    failed = typed.is_null() & text.is_not_null()
    return typed, _failures(failed, "expected true or false", "write true/false, yes/no or 1/0")


_PLAIN_NUMBER = r"^[+-]?(\d+\.?\d*|\.\d+)$"
_RANGE = (
    f"the engine reads numbers exactly, up to {38 - NUMBER_SCALE} digits before the "
    f"decimal point and {NUMBER_SCALE} after"
)
FLOAT_DIGITS = 15
"""Significant digits a binary float carries exactly: a JSON number (read as a float)
or a Parquet float with more is refused rather than guessed."""


def to_number(raw: pl.Series) -> Converted:
    """Exact decimals (:data:`~rules_engine.data.dtypes.NUMBER`): text as written,
    integers and Parquet decimals as they are, binary floats by their shortest decimal
    form when it has at most :data:`FLOAT_DIGITS` significant digits (then it is the
    number that was written). Digits the table cannot hold are refused, never rounded."""
    if raw.dtype.is_float():
        finite = raw.is_finite().fill_null(True)
        text = raw.cast(pl.String)
        digits = (
            text.str.replace(r"[eE].*$", "")
            .str.replace_all(r"[+\-.]", "")
            .str.strip_chars_start("0")
            .str.strip_chars_end("0")
            .str.len_chars()
        )
        inexact = (finite & (digits > FLOAT_DIGITS)).fill_null(False)
        typed, failures = _exact_number(_null_where(text, ~finite | inexact))
        return typed.alias(raw.name), [
            *_failures(~finite, "number is not finite", None),
            *_failures(
                inexact,
                f"number has more than {FLOAT_DIGITS} significant digits, more than a "
                "binary float keeps exactly",
                "JSON numbers are read as binary floats: write fewer digits, or use CSV "
                "or a Parquet decimal column for more",
            ),
            *failures,
        ]
    if raw.dtype.is_integer() or isinstance(raw.dtype, pl.Decimal):
        typed, failures = _exact_number(raw.cast(pl.String))
        return typed.alias(raw.name), failures
    if raw.dtype != pl.String:
        return _wrong_type(raw, NUMBER, "a number")
    typed, failures = _exact_number(raw.str.strip_chars())
    return typed.alias(raw.name), failures


def _exact_number(text: pl.Series) -> Converted:
    """Decimal text -> :data:`NUMBER`, exactly, or a failure per value: not a number,
    not finite, or outside what the table holds."""
    plain = text.str.contains(_PLAIN_NUMBER).fill_null(False)
    other = text.is_not_null() & ~plain
    not_number = pl.Series([], dtype=pl.Boolean).extend_constant(False, len(text))
    not_finite = not_number
    outside = not_number
    if other.any():  # exponents (4e-10), NaN, garbage: one by one, each distinct value once
        written: list[str] = text.filter(other).unique().to_list()
        lookup = pl.DataFrame(
            {"v": written, "plain": [_plain_form(v) for v in written]},
            schema={"v": pl.String, "plain": pl.String},
        )
        plain_text = pl.DataFrame({"v": text}).join(
            lookup, on="v", how="left", maintain_order="left"
        )["plain"]
        kinds = plain_text.str.slice(0, 1)
        not_number = (other & (kinds == "?")).fill_null(False)
        not_finite = (other & (kinds == "!")).fill_null(False)
        outside = (other & (kinds == ">")).fill_null(False)
        text = pl.select(
            pl.when(pl.lit(plain)).then(pl.lit(text)).otherwise(pl.lit(plain_text))
        ).to_series()
        text = _null_where(text, not_number | not_finite | outside)
    fraction = text.str.extract(r"\.(\d*[1-9])0*$").str.len_chars().fill_null(0)
    whole = text.str.extract(r"^[+-]?0*(\d*)").str.len_chars().fill_null(0)
    outside = outside | (
        text.is_not_null() & ((fraction > NUMBER_SCALE) | (whole > 38 - NUMBER_SCALE))
    )
    typed = _null_where(text, outside).cast(NUMBER)
    return typed, [
        *_failures(not_number, "expected a number", "write digits with a `.` decimal point"),
        *_failures(not_finite, "number is not finite", None),
        *_failures(outside, "number outside the supported range", _RANGE),
    ]


def _plain_form(value: str) -> str:
    """``4e-10`` -> ``0.0000000004``; ``?`` when not a number, ``!`` when not finite,
    ``>`` when it has more digits than the table holds (decided before writing them)."""
    try:
        number = decimal.Decimal(value)
    except decimal.InvalidOperation:
        return "?"
    if not number.is_finite():
        return "!"
    if number == 0:
        return "0"
    exponent = number.normalize().as_tuple().exponent
    assert isinstance(exponent, int)
    if number.adjusted() >= 38 - NUMBER_SCALE or exponent < -NUMBER_SCALE:
        return ">"
    return format(number, "f")


def to_string(raw: pl.Series) -> Converted:
    if raw.dtype == pl.String:
        return raw, []
    if raw.dtype.is_nested():
        return _wrong_type(raw, pl.String(), "text")
    return raw.cast(pl.String), []


def _wrong_type(raw: pl.Series, dtype: pl.DataType, expected: str) -> Converted:
    return nulls(raw.name, dtype, len(raw)), [
        Failure(raw.is_not_null(), f"column has type {raw.dtype}, expected {expected}", None)
    ]


def _failures(mask: pl.Series, message: str, hint: str | None) -> list[Failure]:
    return [Failure(mask, message, hint)] if mask.any() else []


# ----------------------------------------------------------------------------- tables


def convert_scalar(raw: pl.Series, kind: str, timezone: str | None) -> Converted:
    converters: dict[str, Callable[[pl.Series], Converted]] = {
        "timestamp": lambda s: to_timestamp(s, timezone),
        "date": to_date,
        "duration": to_duration,
        "boolean": to_boolean,
        "number": to_number,
        "string": to_string,
    }
    return converters[kind](raw)


_KIND_OF = {
    pl.String: "string",
    pl.Float64: "number",
    pl.Boolean: "boolean",
    pl.Date: "date",
}


def _kind_of(dtype: AnyDtype) -> str:
    if isinstance(dtype, pl.Datetime):
        return "timestamp"
    if isinstance(dtype, pl.Duration):
        return "duration"
    return _KIND_OF[type(dtype)]  # type: ignore[index]


def coerce_table(
    raw: pl.DataFrame, spec: DatasetSpec, file: str, timezone: str | None, log: IssueLog
) -> pl.DataFrame:
    """The typed table: every column of ``spec`` in order (missing optional ones as
    nulls, missing lists as empty lists), then unknown columns as text, then ``__row__``.
    Missing required columns and bad values are reported to ``log``."""
    raw = _strip_names(raw, file, log)
    rows = raw[ROW]
    padded = _padded_columns(raw, spec)
    out: list[pl.Series] = []
    for column in spec.columns:
        if column.name not in raw.columns:
            if column.required:
                log.error(
                    file,
                    f"required column `{column.name}` is missing",
                    field=column.name,
                    hint=f"the file has: {', '.join(c for c in raw.columns if c != ROW)[:200]}",
                )
            out.append(_empty(column, len(raw)))
            continue
        series, failures = _convert_column(
            raw[column.name], column, timezone, rows, file, log, strip=column.name in padded
        )
        if column.required:
            failures.insert(
                0,
                Failure(
                    raw[column.name].is_null(),
                    f"required field `{column.name}` is empty",
                    "every record needs it; a missing value is written null",
                ),
            )
        for failure in failures:
            report(log, file, rows, column.name, raw[column.name], failure)
        if column.default is not None:
            series = series.fill_null(column.default)
        out.append(series.alias(column.name))
    known = {c.name for c in spec.columns}
    extras = [name for name in raw.columns if name not in known and name != ROW]
    for name in extras:
        log.warning(
            file,
            f"unknown column `{name}` kept as text",
            field=name,
            hint=f"declare it in the policy (`dataset {spec.name} {{ {name} string }}`) to type it",
        )
        out.append(_as_text(raw[name]))
    out.append(rows.cast(pl.Int64).alias(ROW))
    return pl.DataFrame(aligned(out))


def _strip_names(raw: pl.DataFrame, file: str, log: IssueLog) -> pl.DataFrame:
    """Column names (CSV headers, JSON keys) without surrounding whitespace, each
    renaming said in a warning; two names that become one are an error."""
    renames = {name: name.strip() for name in raw.columns if name != name.strip()}
    if not renames:
        return raw
    taken = [name.strip() for name in raw.columns]
    for name, stripped in renames.items():
        if taken.count(stripped) > 1:
            log.error(
                file,
                f"two columns are named `{stripped}` once surrounding whitespace is removed",
                field=stripped,
                value=name,
                hint="keep one of them",
            )
        else:
            log.warning(
                file,
                f"column name `{name}` had surrounding whitespace removed",
                field=stripped,
            )
    keep = {n: s for n, s in renames.items() if taken.count(s) == 1}
    return raw.rename(keep)


def _padded_columns(raw: pl.DataFrame, spec: DatasetSpec) -> set[str]:
    """The text columns of ``spec`` with some value in surrounding whitespace, found in
    one pass over all of them (Polars runs the columns in parallel)."""
    names = [
        c.name
        for c in spec.columns
        if c.kind == "string" and c.name in raw.columns and raw.schema[c.name] == pl.String
    ]
    if not names:
        return set()
    lengths = raw.select(
        (pl.col(n).str.strip_chars().str.len_bytes().sum() != pl.col(n).str.len_bytes().sum())
        for n in names
    ).row(0)
    return {n for n, changed in zip(names, lengths, strict=True) if changed}


def strip_text(
    series: pl.Series, rows: pl.Series, file: str, field: str, log: IssueLog
) -> pl.Series:
    """Text values without surrounding whitespace (``"P2 "`` is tier ``P2``); how many
    changed is said in one warning per column, at the first such row."""
    stripped = series.str.strip_chars()
    changed = (stripped != series).fill_null(False)
    count = int(changed.sum())
    if count:
        first = int(rows.filter(changed)[0])
        values = "value" if count == 1 else "values"
        log.warning(
            file,
            f"{count} {values} had surrounding whitespace removed (first at row {first})",
            row=first,
            field=field,
            value=series.filter(changed)[0],
            hint="the engine compares text exactly; clean the export to silence this",
        )
    return stripped


def aligned(columns: list[pl.Series]) -> list[pl.Series]:
    """The columns in one common chunk layout, copying as little as possible.

    Parquet gives a chunk per row group, but a few steps give a single chunk (the row
    index, a cast of an all-null column); the first frame operation that meets columns
    chunked differently (``drop``, ``with_columns``) copies every column into one chunk,
    which for 10M tickets is most of a second and a second copy of the table in memory.
    Single chunks are sliced to the file's layout, which copies nothing.
    """
    layouts = Counter(tuple(c.chunk_lengths()) for c in columns if c.n_chunks() > 1)
    if not layouts:
        return columns
    layout = layouts.most_common(1)[0][0]  # a file's columns share the row groups
    out: list[pl.Series] = []
    for column in columns:
        if not len(column) or tuple(column.chunk_lengths()) == layout:
            out.append(column)
            continue
        whole = column.rechunk()
        starts = itertools.accumulate(layout[:-1], initial=0)
        out.append(
            pl.concat(
                [whole.slice(at, n) for at, n in zip(starts, layout, strict=True)],
                rechunk=False,
            )
        )
    return out


def _as_text(series: pl.Series) -> pl.Series:
    """An unknown column as text: scalars as written, nested values as JSON."""
    if series.dtype == pl.String:
        return series
    if series.dtype.is_nested():
        wrapped = pl.DataFrame({"v": series}).select(
            pl.when(pl.col("v").is_not_null())
            .then(pl.struct("v").struct.json_encode().str.slice(5).str.head(-1))
            .alias(series.name)
        )
        return wrapped.to_series()
    return series.cast(pl.String)


def _empty(column: Column, n: int) -> pl.Series:
    if isinstance(column.dtype, pl.List):
        return empty_lists(column.name, column.dtype, n)
    return nulls(column.name, column.table_dtype, n)


def nulls(name: str, dtype: AnyDtype, n: int) -> pl.Series:
    return pl.Series(name, [], dtype).extend_constant(None, n)


def empty_lists(name: str, dtype: pl.DataType, n: int) -> pl.Series:
    """``n`` empty lists, without building ``n`` Python lists."""
    return pl.Series(name, [[]], dtype).gather(pl.zeros(n, dtype=pl.UInt32, eager=True))


def _convert_column(
    raw: pl.Series,
    column: Column,
    timezone: str | None,
    rows: pl.Series,
    file: str,
    log: IssueLog,
    *,
    strip: bool = False,
) -> Converted:
    """One column typed; ``strip``: its text has surrounding whitespace to remove."""
    if not isinstance(column.dtype, pl.List):
        typed, failures = convert_scalar(raw, column.kind, timezone)
        if strip:
            typed = strip_text(typed, rows, file, column.name, log)
        if column.enum is not None:
            outside = ~typed.is_in(list(column.enum)) & typed.is_not_null()
            if outside.any():
                failures.append(
                    Failure(
                        outside, f"expected one of {', '.join(column.enum)}", "values are lowercase"
                    )
                )
        return typed, failures
    return _convert_items(raw, column, timezone, rows, file, log)


def _convert_items(
    raw: pl.Series,
    column: Column,
    timezone: str | None,
    rows: pl.Series,
    file: str,
    log: IssueLog,
) -> Converted:
    """A list-of-structs column (pauses, status history): each item's fields are typed
    like scalars, and a bad item is reported against its record's row.

    JSON text (CSV cells, and JSON Lines, which is read with nested values as text
    because Polars parses nested JSON far slower) is decoded only where not empty."""
    dtype = column.dtype
    assert isinstance(dtype, pl.List) and isinstance(dtype.inner, pl.Struct)
    total = len(raw)
    if raw.dtype == dtype and not _padded_text(raw):  # typed already (Parquet)
        check_items(raw, pl.int_range(0, total, eager=True), column, rows, file, log)
        return raw.fill_null(pl.lit([], dtype=dtype)) if raw.null_count() else raw, []
    positions = pl.int_range(0, total, eager=True)
    if raw.dtype == pl.String:
        text = raw.str.strip_chars()
        present = text.is_not_null() & (text != "[]") & (text != "")
        positions = present.arg_true()
        cells = text.filter(present)
        raw, failure = _decode_json_cells(cells, dtype)
        if failure is not None:
            mask = pl.int_range(0, total, eager=True).is_in(
                positions.filter(failure.mask).implode()
            )
            report(log, file, rows, column.name, text, Failure(mask, failure.message, failure.hint))
        _unknown_keys_in_text(cells, positions, column, rows, file, log)
    if not isinstance(raw.dtype, pl.List) or not isinstance(raw.dtype.inner, pl.Struct):
        return _wrong_type(raw, dtype, "a list of objects")
    check_items(raw, positions, column, rows, file, log)
    fields = dtype.inner.fields
    have = {f.name for f in raw.dtype.inner.fields}
    exploded = (
        pl.DataFrame({"__i__": positions.cast(pl.Int64), "item": raw})
        .explode("item")
        .filter(pl.col("item").is_not_null())
    )
    items = exploded.select("__i__", pl.col("item").struct.unnest()) if len(exploded) else None
    typed_fields: list[pl.Series] = []
    failures: list[Failure] = []
    n_items = 0 if items is None else len(items)
    for f in fields:
        kind = _kind_of(f.dtype)
        if items is None or f.name not in have:
            typed_fields.append(nulls(f.name, f.dtype, n_items))
            continue
        typed, bad = convert_scalar(items[f.name], kind, timezone)
        if kind == "string":
            item_rows = rows.gather(items["__i__"])
            typed = strip_text(typed, item_rows, file, f"{column.name}[].{f.name}", log)
        default = dict(column.item_defaults).get(f.name)
        if default is not None:
            typed = typed.fill_null(default)
        typed_fields.append(typed.alias(f.name))
        for failure in bad:
            hit = items["__i__"].filter(failure.mask).unique()
            mask = pl.int_range(0, total, eager=True).is_in(hit.implode())
            failures.append(
                Failure(mask, f"`{f.name}` of an item: {failure.message}", failure.hint)
            )
    if items is None:
        return empty_lists(column.name, dtype, total), failures
    rebuilt = (
        pl.DataFrame([items["__i__"], *typed_fields])
        .select("__i__", pl.struct([f.name for f in fields]).alias("item"))
        .group_by("__i__", maintain_order=True)
        .agg(pl.col("item"))
    )
    full = pl.DataFrame({"__i__": pl.int_range(0, total, eager=True, dtype=pl.Int64)}).join(
        rebuilt, on="__i__", how="left", maintain_order="left"
    )
    typed_list = full["item"].cast(dtype).fill_null(pl.lit([], dtype=dtype))
    return typed_list.alias(column.name), failures


def _padded_text(lists: pl.Series) -> bool:
    """Whether some text field of some item has surrounding whitespace."""
    assert isinstance(lists.dtype, pl.List) and isinstance(lists.dtype.inner, pl.Struct)
    flat = lists.explode()
    for f in lists.dtype.inner.fields:
        if f.dtype == pl.String:
            text = flat.struct.field(f.name)
            if (text != text.str.strip_chars()).any():
                return True
    return False


def check_items(
    lists: pl.Series,
    positions: pl.Series,
    column: Column,
    rows: pl.Series,
    file: str,
    log: IssueLog,
) -> None:
    """Every item of a list column carries the fields its schema model requires (a
    pause's ``start``: without it the pause would run from the record's creation) and no
    field the model lacks (``begin`` is not ``start``). Each problem is an error at
    ``field[k].name`` of its record's row. ``positions`` are the records' indexes."""
    dtype = column.dtype
    assert isinstance(dtype, pl.List) and isinstance(dtype.inner, pl.Struct)
    assert isinstance(lists.dtype, pl.List) and isinstance(lists.dtype.inner, pl.Struct)
    known = [f.name for f in dtype.inner.fields]
    have = [f.name for f in lists.dtype.inner.fields]
    unknown = [name for name in have if name not in known]
    flat = lists.explode()
    flat = flat.filter(flat.is_not_null())
    if not len(flat):
        return
    absent = [name for name in column.item_required if name not in have]
    empty = [
        name
        for name in column.item_required
        if name in have and flat.struct.field(name).null_count()
    ]
    present = [name for name in unknown if flat.struct.field(name).null_count() < len(flat)]
    if not (absent or empty or present):
        return
    items = (
        pl.DataFrame({"__i__": positions.cast(pl.Int64), "item": lists})
        .filter(pl.col("item").list.len() > 0)
        .explode("item")
        .with_columns(pl.int_range(pl.len()).over("__i__").alias("__k__"))
        .filter(pl.col("item").is_not_null())
        .unnest("item")
    )
    plural = column.name
    for name in column.item_required:
        missing = items.filter(pl.col(name).is_null()) if name in have else items
        _item_errors(
            log,
            file,
            rows,
            missing,
            column.name,
            name,
            f"required field `{name}` is missing from an item of `{plural}`",
            f"every item of `{plural}` needs {', '.join(column.item_required)}",
        )
    for name in present:
        close = difflib.get_close_matches(name, known, n=1)
        keys = f"the keys are {', '.join(known)}"
        _item_errors(
            log,
            file,
            rows,
            items.filter(pl.col(name).is_not_null()),
            column.name,
            name,
            f"unknown key `{name}` in an item of `{plural}`",
            f"did you mean `{close[0]}`? {keys}" if close else keys,
        )


def _item_errors(
    log: IssueLog,
    file: str,
    rows: pl.Series,
    items: pl.DataFrame,
    column: str,
    name: str,
    message: str,
    hint: str,
) -> None:
    """One error per item of ``items`` (columns ``__i__``, ``__k__``), up to the limit."""
    room = max(0, log.max_errors - log.errors)
    for i, k in items.select("__i__", "__k__").head(room).iter_rows():
        log.error(file, message, row=int(rows[i]), field=f"{column}[{k}].{name}", hint=hint)
    log.dropped_errors += max(0, len(items) - room)


_KEY = r'"((?:[^"\\]|\\.)*)"\s*:'


def _unknown_keys_in_text(
    cells: pl.Series,
    positions: pl.Series,
    column: Column,
    rows: pl.Series,
    file: str,
    log: IssueLog,
) -> None:
    """Keys the item model lacks, in JSON text cells (decoding into the model's struct
    would drop them silently). A vectorized scan, counting every ``"name":`` against the
    known names, finds the cells that may hold one; each of those is parsed to name the
    item and the key exactly."""
    dtype = column.dtype
    assert isinstance(dtype, pl.List) and isinstance(dtype.inner, pl.Struct)
    known = [f.name for f in dtype.inner.fields]
    known_key = r'"(?:' + "|".join(re.escape(k) for k in known) + r')"\s*:'
    suspect = (cells.str.count_matches(_KEY) != cells.str.count_matches(known_key)).fill_null(False)
    if not suspect.any():
        return
    found: list[tuple[int, int, str]] = []
    for index, cell in zip(
        suspect.arg_true().to_list(), cells.filter(suspect).to_list(), strict=True
    ):
        try:
            value = json.loads(cell)
        except json.JSONDecodeError:
            continue  # reported as not a JSON list of objects
        if not isinstance(value, list):
            continue
        for k, item in enumerate(value):
            if isinstance(item, dict):
                found += [(int(positions[index]), k, str(key)) for key in item if key not in known]
    for key in dict.fromkeys(key for _, _, key in found):
        close = difflib.get_close_matches(key, known, n=1)
        keys_text = f"the keys are {', '.join(known)}"
        _item_errors(
            log,
            file,
            rows,
            pl.DataFrame(
                [(i, k) for i, k, name in found if name == key],
                schema={"__i__": pl.Int64, "__k__": pl.Int64},
                orient="row",
            ),
            column.name,
            key,
            f"unknown key `{key}` in an item of `{column.name}`",
            f"did you mean `{close[0]}`? {keys_text}" if close else keys_text,
        )


def _decode_json_cells(text: pl.Series, dtype: pl.List) -> tuple[pl.Series, Failure | None]:
    """JSON lists of objects in text cells; a cell that is not one is reported (the
    failure's mask is over ``text``) and read as empty."""
    inner = dtype.inner
    assert isinstance(inner, pl.Struct)
    raw_inner = pl.List(
        pl.Struct(
            {
                f.name: (f.dtype if isinstance(f.dtype, pl.Boolean | pl.Float64) else pl.String())
                for f in inner.fields
            }
        )
    )
    try:
        return text.str.json_decode(raw_inner), None
    except Exception:
        pass
    values: list[str | None] = []
    bad: list[bool] = []
    for cell in text.to_list():
        try:
            value = json.loads(cell)
            ok = isinstance(value, list) and all(isinstance(v, dict) for v in value)
        except json.JSONDecodeError:
            ok = False
        values.append(cell if ok else None)
        bad.append(not ok)
    try:
        cleaned = pl.Series(text.name, values, pl.String).str.json_decode(raw_inner)
    except Exception:  # right shape, wrong value types inside: reject every such cell
        cleaned = nulls(text.name, raw_inner, len(text))
        bad = [v is not None or b for v, b in zip(values, bad, strict=True)]
    return cleaned, Failure(
        pl.Series(bad, dtype=pl.Boolean),
        "expected a JSON list of objects",
        'write e.g. [{"start": "2026-01-02T10:00:00Z", "end": null, "reason": "customer"}]',
    )


def report(
    log: IssueLog, file: str, rows: pl.Series, field: str, raw: pl.Series, failure: Failure
) -> None:
    """One error per rejected row (up to the log's limit), with the raw value."""
    mask = failure.mask.fill_null(False)
    total = int(mask.sum())
    if total == 0:
        return
    room = max(0, log.max_errors - log.errors)
    picked = pl.DataFrame({"row": rows, "value": raw}).filter(mask).head(room)
    for row, value in picked.iter_rows():
        log.error(
            file,
            failure.message,
            row=int(row),
            field=field,
            shown=show_value(value),
            hint=failure.hint,
        )
    log.dropped_errors += total - len(picked)
