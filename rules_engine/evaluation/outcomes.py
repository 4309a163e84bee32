"""What the consequences stage needs to know of each verdict: the hand-off between the
evaluator and credits, bonuses and exit rights.

The evaluator builds one :class:`PeriodOutcome` per period, from the period containing
the policy's ``effective`` date up to the last period asked for, so that look-backs
("breached in 3 of last 3 periods") see the same history whatever range was asked.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from fractions import Fraction

from rules_engine.evaluation.periods import Period
from rules_engine.language.model import Owner, Verdict


@dataclass(frozen=True)
class TargetOutcome:
    """One target in one period.

    ``value`` is exact: for percent objectives and availability a fraction of 1
    (``Fraction(199, 200)`` is 99.5%); for means the mean; for percentiles the value in
    seconds; for counts the count; None when nothing was decided.
    """

    verdict: Verdict
    value: Fraction | None
    owner: Owner
    counts_as: Verdict | None = None
    """What an empty period counts as (``no data counts as met``): set only when
    ``verdict`` is ``no_data`` and the target says so."""

    @property
    def counted(self) -> Verdict:
        """The verdict every consequence uses (DESIGN "Verdicts"): ``counts_as`` for an
        empty period the target gives a value to, else the verdict itself."""
        return self.counts_as if self.counts_as is not None else self.verdict


@dataclass(frozen=True)
class PeriodOutcome:
    period: Period
    over: bool
    targets: Mapping[str, TargetOutcome]
