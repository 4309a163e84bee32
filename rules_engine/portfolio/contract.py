"""One contract of a portfolio, evaluated exactly as ``sla eval --format json`` does.

:func:`evaluate_contract` is the task a Dask worker runs (or the sequential loop calls):
a pure function of its :class:`ContractSpec` and the portfolio's clock, returning plain
data (the document's JSON text, the portfolio table's rows, the figures the report
ranks by), so a result pickles cheaply and no worker state leaks into another contract.
Whatever goes wrong with one contract (a policy that does not check, bad data, a bug)
becomes its :class:`ContractResult` with the located message; the others go on.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from rules_engine.data.issues import DataError
from rules_engine.language.model import CheckedPolicy, Verdict
from rules_engine.portfolio.manifest import ContractSpec
from rules_engine.render.json_out import render_json
from rules_engine.workflow.inputs import (
    InputProblem,
    evaluate_series_document,
    load_inputs,
    load_series_inputs,
)

OK, BREACHED, FAILED = "ok", "breached", "failed"
"""A contract's status: evaluated with no provider-owned target breached, evaluated with
one breached (``sla eval`` would exit 1), or not evaluated (exit 2)."""


@dataclass(frozen=True)
class TableRow:
    """One line of the portfolio table: a target's verdict in a period, or (``target``
    None) the period's money: credits owed, bonuses, whether an exit right arose."""

    contract: str
    period: str | None
    target: str | None
    verdict: str | None
    value: str | None
    unit: str | None
    objective: str | None
    credits: str | None
    bonuses: str | None
    currency: str | None
    exit_right: bool | None
    status: str
    error: str | None


@dataclass(frozen=True)
class ContractResult:
    """What a worker hands back for one contract."""

    id: str
    status: str
    document: str | None = field(repr=False)
    """The evaluation document as ``sla eval --format json`` writes it."""
    report: str | None = field(default=None, repr=False)
    """The contract's HTML report, as ``sla eval --format html`` writes it, when asked."""
    error: str | None = None
    name: str | None = None
    customer: str | None = None
    currency: str | None = None
    credits: str = "0"
    bonuses: str = "0"
    breaches: int = 0
    exit_right: dict[str, Any] | None = None
    periods: tuple[tuple[str, str, int], ...] = ()
    """(period, credits owed, provider breaches) per period, for the portfolio's trend."""
    rows: tuple[TableRow, ...] = ()


def _reader(spec: ContractSpec) -> Any:
    """Reads a shared dataset's slice; None for a data folder (read as ``sla eval`` does)."""
    if spec.customer is None or spec.partition is None:
        return None
    root, key, value = spec.data, spec.partition, spec.customer

    def read(policy: CheckedPolicy, timezone: str | None) -> object:
        from rules_engine.data.partitioned import load_partition

        return load_partition(root, key, value, policy=policy, timezone=timezone)

    return read


def evaluate_contract(spec: ContractSpec, now: dt.datetime, report: bool = False) -> ContractResult:
    """Evaluate one contract; never raises for bad input (see the module's docstring).

    ``now`` is the portfolio's clock, taken once, for contracts without an as-of;
    ``report`` asks for the contract's HTML report too.
    """
    try:
        document, text = _evaluate(spec, now)
        html = _report(document) if report else None
    except InputProblem as exc:
        return failed_result(spec, str(exc))
    except DataError as exc:  # a bad exclusions ledger
        return failed_result(spec, "\n".join(str(issue) for issue in exc.issues))
    except Exception as exc:  # a bug must not stop the other contracts either
        return failed_result(
            spec,
            f"error: internal error evaluating the contract ({type(exc).__name__}: {exc}); "
            "help: please report it with the contract's policy and data",
        )
    return _result(spec, document, text, html)


def _report(document: dict[str, Any]) -> str:
    from rules_engine.evaluation.rows import materialize
    from rules_engine.render.report import render_html

    return render_html(materialize(document))


def _evaluate(spec: ContractSpec, now: dt.datetime) -> tuple[dict[str, Any], str]:
    """(the document or its columnar skeleton, its JSON text), by ``sla eval``'s path."""
    periods = spec.periods
    read = _reader(spec)
    if Path(spec.policy).is_dir():
        series = load_series_inputs(
            spec.policy,
            False,
            spec.data,
            periods.period,
            periods.first,
            periods.last,
            spec.as_of,
            spec.timezone,
            now=now,
            read_data=read,
        )
        document = evaluate_series_document(series)
        return document, render_json(document)
    from rules_engine.pipeline import EvaluationOptions, evaluate

    loaded = load_inputs(
        spec.policy,
        spec.data,
        periods.period,
        periods.first,
        periods.last,
        spec.as_of,
        spec.timezone,
        now=now,
        read_data=read,
    )
    evaluation = evaluate(
        loaded.policy,
        loaded.bundle,  # type: ignore[arg-type]
        loaded.periods,
        loaded.as_of,
        EvaluationOptions(as_of_source=loaded.as_of_source),
    )
    return evaluation.skeleton, render_json(evaluation.skeleton)


def failed_result(spec: ContractSpec, message: str) -> ContractResult:
    row = TableRow(
        spec.id, None, None, None, None, None, None, None, None, None, None, FAILED, message
    )
    return ContractResult(spec.id, FAILED, None, error=message, rows=(row,))


def _value(target: dict[str, Any]) -> str | None:
    """The measured value as the document writes it (seconds for a duration)."""
    for key in ("value", "value_s"):
        if target.get(key) is not None:
            return str(target[key])
    return None


def _result(
    spec: ContractSpec, document: dict[str, Any], text: str, html: str | None
) -> ContractResult:
    currency = document.get("currency")
    rows: list[TableRow] = []
    trend: list[tuple[str, str, int]] = []
    breaches = 0
    for period in document["periods"]:
        name = period["period"]
        breached_here = 0
        for target_name, target in period["targets"].items():
            if target["owner"] == "provider" and target["verdict"] == Verdict.BREACHED.value:
                breached_here += 1
            goal = target.get("goal") or {}
            rows.append(
                TableRow(
                    contract=spec.id,
                    period=name,
                    target=target_name,
                    verdict=target["verdict"],
                    value=_value(target),
                    unit=goal.get("unit"),
                    objective=target.get("objective"),
                    credits=None,
                    bonuses=None,
                    currency=None,
                    exit_right=None,
                    status=OK,
                    error=None,
                )
            )
        owed = period.get("credits_owed")
        rows.append(
            TableRow(
                contract=spec.id,
                period=name,
                target=None,
                verdict=None,
                value=None,
                unit=None,
                objective=None,
                credits=owed,
                bonuses=period.get("bonus_total"),
                currency=currency,
                exit_right=bool(period.get("exit")),
                status=OK,
                error=None,
            )
        )
        trend.append((name, owed or "0", breached_here))
        breaches += breached_here
    totals = document.get("totals") or {}
    policy = document.get("policy") or {}
    return ContractResult(
        id=spec.id,
        status=BREACHED if breaches else OK,
        document=text,
        report=html,
        name=policy.get("name"),
        customer=policy.get("customer"),
        currency=currency,
        credits=totals.get("credits") or "0",
        bonuses=totals.get("bonuses") or "0",
        breaches=breaches,
        exit_right=document.get("exit_right"),
        periods=tuple(trend),
        rows=tuple(rows),
    )
