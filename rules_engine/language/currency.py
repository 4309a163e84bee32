"""ISO 4217 currencies and their minor units, from the maintained ``iso4217`` package.

A policy's ``currency`` must be an active ISO 4217 code with a minor unit (``USD`` 2,
``JPY`` 0, ``BHD`` 3); codes without one (``XAU``, ``XDR``) cannot price a fee, and
withdrawn codes (``ZWL``) are not in the package's current list. The package is updated
with each ISO amendment, so new codes (``ZWG``, ``XCG``) need no change here.
"""

from __future__ import annotations

from iso4217 import Currency as _Iso4217


def minor_units(code: str) -> int | None:
    """The ISO 4217 exponent of ``code`` (``USD`` 2, ``JPY`` 0), None when unknown."""
    try:
        exponent: int | None = _Iso4217(code.upper()).exponent
    except ValueError:
        return None
    return exponent


def known_codes() -> tuple[str, ...]:
    """Every code :func:`minor_units` accepts, for did-you-mean hints."""
    return tuple(c.code for c in _Iso4217 if c.exponent is not None)


COMMON = ("USD", "EUR", "GBP", "JPY", "CHF", "CAD", "AUD", "INR", "CNY", "SEK")
"""Tried first for did-you-mean, so `USX` suggests USD rather than the closer-sorted UZS."""
