"""The stages composed: verdicts, then their consequences, then the document.

:func:`evaluate` is the one code path the CLI, the conformance tests, the workflow
commands and the benchmark use. It is a pure function of (policy, data, periods, as-of):
same inputs, byte-identical document. The evaluation stage (:func:`judge`) knows nothing
of money; the consequences stage reads its verdicts; this module hands one to the other
and applies the exclusion ledger (DESIGN "Exclusions") around both, since what a
disputed exclusion would change includes money.
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import polars as pl

from rules_engine.consequences.assess import assess, summarize
from rules_engine.consequences.escalation import EscalationReport, escalations_due
from rules_engine.evaluation.engine import DataSource, EvaluationOptions, check_periods, judge
from rules_engine.evaluation.exclusions import EXCLUSIONS, dispute_effect, ledger_json, split_bundle
from rules_engine.evaluation.outcomes import PeriodOutcome
from rules_engine.evaluation.periods import Period, period_containing
from rules_engine.evaluation.rows import materialize
from rules_engine.language import model
from rules_engine.language.model import Verdict


@dataclass(frozen=True)
class Evaluation:
    """The result: the JSON document plus the typed outcomes behind it.

    ``skeleton`` is the document with its record lists still in columns
    (:class:`~rules_engine.evaluation.rows.RowTable`); ``document`` is the same with
    plain lists and dicts, built on first use. The JSON renderer takes either and writes
    the same bytes; the skeleton spares it a dict per listed record.
    """

    policy: model.CheckedPolicy
    as_of: dt.datetime
    periods: tuple[Period, ...]
    history: tuple[PeriodOutcome, ...]
    skeleton: dict[str, Any] = field(repr=False)

    @functools.cached_property
    def document(self) -> dict[str, Any]:
        built: dict[str, Any] = materialize(self.skeleton)
        return built

    def period_documents(self) -> list[dict[str, Any]]:
        """The reported periods (verdicts and counts; record lists may be columnar)."""
        docs: list[dict[str, Any]] = self.skeleton["periods"]
        return docs

    def any_verdict(self, verdicts: set[Verdict]) -> bool:
        wanted = {v.value for v in verdicts}
        for period in self.period_documents():
            for target in period["targets"].values():
                verdict = target.get("counts_as") or target["verdict"]
                if target["owner"] == model.Owner.PROVIDER.value and verdict in wanted:
                    return True
        return False


def _evaluate(
    policy: model.CheckedPolicy,
    bundle: DataSource,
    periods: Sequence[Period],
    as_of: dt.datetime,
    options: EvaluationOptions | None,
) -> Evaluation:
    verdicts = judge(policy, bundle, periods, as_of, options)
    money: list[dict[str, Any]] | None = None
    summary: dict[str, Any] = {}
    if verdicts.history:
        assessed = assess(policy, verdicts.history)
        money = [item.to_json() for item in assessed]
        summary = dict(summarize(assessed, periods))
    document = verdicts.document(money, summary)
    return Evaluation(policy, as_of, verdicts.periods, verdicts.history, document)


def evaluate(
    policy: model.CheckedPolicy,
    bundle: DataSource,
    periods: Sequence[Period],
    as_of: dt.datetime,
    options: EvaluationOptions | None = None,
) -> Evaluation:
    """Evaluate a policy over data: the one entry point (CLI, tests, benchmark, replay).

    Verdicts are decided on the agreed view of the data (DESIGN "Exclusions").

    With an ``exclusions`` ledger in the data, the approved entries are applied and
    decide the verdicts; when some entries are disputed, the data is evaluated a second
    time with them applied too, and the document's ``exclusions`` section lists the
    ledger, the disputed entries and what they would change (verdicts, values, money).
    Raises :class:`rules_engine.data.DataError` for a bad ledger and
    :class:`~rules_engine.evaluation.engine.PeriodError` for a period before the
    contract's ``effective`` date.
    """
    check_periods(policy, periods)
    tables = bundle.tables
    if EXCLUSIONS not in tables:
        return _evaluate(policy, bundle, periods, as_of, options)
    split = split_bundle(bundle)
    agreed = _evaluate(policy, _View(bundle, split.approved_tables), periods, as_of, options)
    section: dict[str, Any] = {
        "ledger": ledger_json(tables),
        "disputed": split.disputed,
        "dispute_effect": None,
    }
    if split.disputed:
        claimed = _evaluate(policy, _View(bundle, split.all_tables), periods, as_of, options)
        section["dispute_effect"] = dispute_effect(agreed.skeleton, claimed.skeleton)
    agreed.skeleton["exclusions"] = section
    return agreed


class _View:
    """A bundle with other tables (sources and checksums kept for the document)."""

    def __init__(self, bundle: DataSource, tables: Mapping[str, pl.DataFrame]) -> None:
        self.tables = tables
        self.sources = getattr(bundle, "sources", {})
        self.sha256 = getattr(bundle, "sha256", {})
        self.warnings = getattr(bundle, "warnings", [])


__all__ = ["Evaluation", "EvaluationOptions", "evaluate"]


# --------------------------------------------------------------------------- escalations


def escalations(
    policy: model.CheckedPolicy,
    bundle: DataSource,
    as_of: dt.datetime,
    *,
    limit: int | None = 1000,
) -> EscalationReport:
    """The policy's escalation ladders at ``as_of`` on the agreed view of the data
    (approved exclusions applied), as ``sla escalations`` and ``sla report`` show them:
    open records past a step, and the compliance (late, missed) of every step that was
    due. Raises :class:`~rules_engine.consequences.escalation.EscalationError`."""
    return escalations_due(policy, split_bundle(bundle).approved_tables, as_of, limit=limit)


def trend_history(
    policy: model.CheckedPolicy, periods: Sequence[Period], count: int
) -> list[Period]:
    """The periods before ``periods`` that a report draws in its trends so that the
    trend spans ``count`` periods in all: none when the report already has as many, and
    never one before the period containing the contract's ``effective`` date."""
    if not periods:
        return []
    first = period_containing(policy.effective, policy.period, policy.timezone)
    out: list[Period] = []
    current = min(periods)
    while len(out) + len(periods) < count:
        current = current.previous()
        if current.start < first.start:
            break
        out.append(current)
    return out[::-1]
