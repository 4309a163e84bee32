"""``sla report POLICY --data PATH (--period P | --from P --to P) [--trend N] [--as-of TS]
[--format html|markdown|pdf|csv|xlsx] [--output FILE]``, or ``sla report --from-json
EVAL.json`` over a kept evaluation document.

The trends span ``--trend`` periods (default 6) ending with the last reported one: the
periods before the range are evaluated for the charts (and the comparison with the
period before) only, never before the policy's (first version's) effective date.

The report is written by the rules every output file follows (:mod:`rules_engine.cli.output`):
a regular file only, never one of the inputs, atomically (a temporary file beside the
output, renamed into place only when complete, so a failure never leaves a partial report
behind). Exit codes:
0 when the report was written (a report describes breaches, it does not gate on them;
use ``sla eval`` for that), 2 when it could not be made (bad input, no data in the range,
more than 120 periods, an output that cannot be written, PDF without Chromium).
"""

from __future__ import annotations

import dataclasses
import json
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any, NoReturn

import click

from rules_engine.cli.data_option import data_files, data_option
from rules_engine.cli.output import STDOUT, Inputs, OutputRefused, check_output, write_output
from rules_engine.evaluation.periods import parse_period, periods_between
from rules_engine.render.report.document import (
    MAX_PERIODS,
    ReportError,
    check_reportable,
    normalize,
)

EXIT_INPUT = 2
FORMATS = ("html", "markdown", "pdf", "csv", "xlsx")
BINARY = ("pdf", "xlsx")
DEFAULT_TREND = 6
"""Periods a report's trend charts span by default (``--trend``): a one-month report
draws the five months before it too."""


def _fail(message: str, hint: str | None = None) -> NoReturn:
    click.echo(f"error: {message}", err=True)
    if hint:
        click.echo(f"  help: {hint}", err=True)
    sys.exit(EXIT_INPUT)


def _check_output(output: str | None, inputs: Inputs) -> None:
    """Refuse an output that cannot or must not be written before doing any work."""
    if output is None:
        return
    try:
        check_output(output, inputs)
    except OutputRefused as exc:
        _fail(exc.message, exc.hint)


def _range_labels(kind: str, first: str | None, last: str | None) -> tuple[str, str] | None:
    """Validate ``--from``/``--to`` (order and the 120-period limit) without a policy."""
    if first is None and last is None:
        return None
    start_label, end_label = first or last or "", last or first or ""
    try:
        start = parse_period(start_label, kind, "UTC")  # type: ignore[arg-type]
        end = parse_period(end_label, kind, "UTC")  # type: ignore[arg-type]
    except ValueError as exc:
        _fail(f"period: {exc}")
    _check_range(start_label, end_label, len(periods_between(start, end)))
    return start.label, end.label


def _check_range(first: str, last: str, count: int) -> None:
    if count == 0:
        _fail(f"--to {last} comes before --from {first}", "swap them")
    if count > MAX_PERIODS:
        _fail(
            f"{first} to {last} is {count} periods; a report covers at most {MAX_PERIODS}",
            "split the range into several reports",
        )


def _read_json(path: str) -> dict[str, Any]:
    try:
        text = Path(path).read_text(encoding="utf-8")
    except FileNotFoundError:
        _fail(f"{path}: no such file", "write one with `sla eval --format json --output FILE`")
    except IsADirectoryError:
        _fail(f"{path}: is a folder, not an evaluation document")
    except UnicodeDecodeError:
        _fail(f"{path}: not UTF-8 text", "give the JSON written by `sla eval --format json`")
    except OSError as exc:
        _fail(f"{path}: cannot read ({exc.strerror})")
    try:
        doc = json.loads(text)
    except json.JSONDecodeError as exc:
        _fail(f"{path}:{exc.lineno}:{exc.colno}: invalid JSON: {exc.msg}")
    if not isinstance(doc, dict):
        _fail(f"{path}: not an evaluation document (expected a JSON object)")
    return doc


def _select(
    doc: dict[str, Any], labels: tuple[str, str] | None, trend: int = DEFAULT_TREND
) -> dict[str, Any]:
    """Keep the periods of ``doc`` within ``--from``/``--to`` (labels of one kind sort in
    time order: ``2026-02`` < ``2026-10``, ``2026-Q1`` < ``2026-Q4``); the document's
    periods just before the range go to ``history``, for the trends to span ``trend``
    periods."""
    if labels is None:
        return doc
    first, last = labels
    kept = [p for p in doc["periods"] if first <= str(p.get("period")) <= last]
    if not kept:
        have = ", ".join(str(p.get("period")) for p in doc["periods"]) or "none"
        _fail(
            f"the document has no periods from {first} to {last} (it has: {have})",
            "choose a range the evaluation covered",
        )
    earlier = [p for p in doc["periods"] if str(p.get("period")) < first]
    wanted = max(trend - len(kept), 0)
    return {**doc, "periods": kept, "history": earlier[len(earlier) - wanted :] if wanted else []}


def _evaluate(
    policy_path: str,
    data_path: tuple[str, ...],
    first: str | None,
    last: str | None,
    as_of: str | None,
    timezone: str | None,
    history: bool = False,
    trend: int = DEFAULT_TREND,
) -> dict[str, Any]:
    from rules_engine.cli.eval_cmd import InputProblem, is_series, load_inputs

    if is_series(policy_path, history):
        return _evaluate_series(
            policy_path, data_path, first, last, as_of, timezone, history, trend
        )
    try:
        loaded = load_inputs(policy_path, data_path, None, first, last, as_of, timezone)
    except InputProblem as exc:
        text = str(exc)
        click.echo(text if text.startswith("error") or "\n" in text else f"error: {text}", err=True)
        sys.exit(EXIT_INPUT)
    _check_range(loaded.periods[0].label, loaded.periods[-1].label, len(loaded.periods))
    from rules_engine.pipeline import EvaluationOptions, evaluate, trend_history

    earlier = trend_history(loaded.policy, loaded.periods, trend)
    evaluation = evaluate(
        loaded.policy,
        loaded.bundle,  # type: ignore[arg-type]
        [*earlier, *loaded.periods],
        loaded.as_of,
        EvaluationOptions(as_of_source=loaded.as_of_source),
    )
    doc: dict[str, Any] = evaluation.document
    doc = _split_history(doc, len(earlier))
    revision = git_revision(Path(policy_path).resolve().parent)
    if revision:
        doc = {**doc, "policy": {**doc.get("policy", {}), "git_revision": revision}}
    if loaded.policy.escalations:
        doc = {**doc, "escalations": _escalations(loaded.policy, loaded.bundle, loaded.as_of)}
    return doc


def _evaluate_series(
    policy_path: str,
    data_path: tuple[str, ...],
    first: str | None,
    last: str | None,
    as_of: str | None,
    timezone: str | None,
    history: bool,
    trend: int = DEFAULT_TREND,
) -> dict[str, Any]:
    """A series of versions (a folder, or ``--history``): each period judged by the
    version in force at its start; escalations by the version of the last period."""
    from rules_engine.cli.eval_cmd import (
        InputProblem,
        evaluate_series_document,
        load_series_inputs,
    )

    try:
        loaded = load_series_inputs(
            policy_path, history, data_path, None, first, last, as_of, timezone
        )
        _check_range(loaded.periods[0].label, loaded.periods[-1].label, len(loaded.periods))
        from rules_engine.pipeline import trend_history

        earlier = trend_history(loaded.series.first.policy, loaded.periods, trend)
        widened = dataclasses.replace(loaded, periods=[*earlier, *loaded.periods])
        doc = _split_history(evaluate_series_document(widened), len(earlier))
    except InputProblem as exc:
        click.echo(str(exc), err=True)
        sys.exit(EXIT_INPUT)
    where = Path(policy_path).resolve()
    revision = git_revision(where if where.is_dir() else where.parent)
    if revision:
        doc = {**doc, "policy": {**doc.get("policy", {}), "git_revision": revision}}
    policy = loaded.series.for_period(loaded.periods[-1]).policy
    if policy.escalations:
        doc = {**doc, "escalations": _escalations(policy, loaded.bundle, loaded.as_of)}
    return doc


def _split_history(doc: dict[str, Any], count: int) -> dict[str, Any]:
    """The first ``count`` periods of ``doc`` go to ``history``: drawn in the trends only,
    verdicts and money are the range's."""
    if not count:
        return doc
    periods = doc["periods"]
    return {**doc, "history": periods[:count], "periods": periods[count:]}


def _escalations(policy: Any, bundle: Any, as_of: Any) -> list[dict[str, Any]]:
    """Every escalation block at as-of as `sla escalations --format json` writes it: the
    open records past a step and the compliance of every step that was due (on the
    agreed view of the data: approved exclusions applied)."""
    from rules_engine.consequences.escalation import EscalationError
    from rules_engine.pipeline import escalations

    try:
        blocks: list[dict[str, Any]] = escalations(policy, bundle, as_of).to_json()["escalations"]
    except EscalationError as exc:
        _fail(f"escalations: {exc}")
    return blocks


def _kept_revision(policy: dict[str, Any]) -> str:
    """The git revision of a kept document's policy: HEAD when the file it names is
    still there, has the recorded SHA-256 and is committed unchanged; else a statement
    that the document does not record it (never "not in a git repository", which a
    kept document cannot know)."""
    import hashlib

    unknown = "not recorded in the kept document (`sla eval --format json` does not keep it)"
    path = Path(str(policy.get("path") or ""))
    if not policy.get("path") or not path.is_file():
        return unknown
    if hashlib.sha256(path.read_bytes()).hexdigest() != policy.get("sha256"):
        return unknown
    git = shutil.which("git")
    revision = git_revision(path.resolve().parent)
    if git is None or revision is None:
        return unknown
    try:
        clean = subprocess.run(
            [git, "-C", str(path.resolve().parent), "diff", "--quiet", "HEAD", "--", path.name],
            capture_output=True,
            timeout=10,
            check=False,
        )
    except (OSError, subprocess.SubprocessError):
        return unknown
    return revision if clean.returncode == 0 else unknown


def git_revision(folder: Path) -> str | None:
    """``git rev-parse HEAD`` in the policy's folder; None outside a repository or
    without git."""
    git = shutil.which("git")
    if git is None or not folder.is_dir():
        return None
    try:
        result = subprocess.run(
            [git, "-C", str(folder), "rev-parse", "HEAD"],
            capture_output=True,
            text=True,
            timeout=10,
            check=False,
        )
    except (OSError, subprocess.SubprocessError):
        return None
    revision = result.stdout.strip()
    return revision if result.returncode == 0 and revision else None


def _write_outputs(output: str, text: bytes, charts: dict[str, str], inputs: Inputs) -> None:
    """The report and its chart files, each by the rules of :mod:`rules_engine.cli.output`;
    every path is checked before the first is written, and a failed write removes the
    files written before it."""
    folder = Path(output).parent
    targets = {str(folder / relative): svg.encode("utf-8") for relative, svg in charts.items()}
    for target in targets:
        Path(target).parent.mkdir(parents=True, exist_ok=True)
        check_output(target, inputs)
    written: list[str] = []
    try:
        for target, svg in targets.items():
            write_output(target, svg, inputs)
            written.append(target)
        write_output(output, text, inputs)
    except BaseException:
        for path in written:
            Path(path).unlink(missing_ok=True)
        raise


@click.command(
    name="report",
    help="Render a performance report: executive summary, one section per target (trend, "
    "budget, shortfalls), money, the customer's share, escalations, audit.\n\n"
    "POLICY may be a folder of versions (one *.sla file each), or a file with --history: "
    "the report names the version in force in each period.",
)
@click.argument("policy_path", metavar="POLICY", required=False, type=click.Path())
@data_option(required=False)
@click.option(
    "--history",
    is_flag=True,
    help="POLICY's committed versions in git, each in force from its `effective` date.",
)
@click.option("--period", "period", help="One period, e.g. 2026-05 (same as --from P --to P).")
@click.option("--from", "first", help="First period, e.g. 2026-01 or 2026-Q1.")
@click.option("--to", "last", help="Last period (at most 120 periods in all).")
@click.option("--as-of", "as_of", help="Evaluate as of this timestamp (default: now).")
@click.option(
    "--format",
    "output_format",
    type=click.Choice(FORMATS),
    default="html",
    show_default=True,
    help="html (self-contained), markdown, pdf (needs Chromium), or csv / xlsx: tables of "
    "verdicts, money lines and breached records for a spreadsheet.",
)
@click.option(
    "--output",
    type=click.Path(),
    help="Write to this regular file (not one of the inputs); `-` or none: stdout.",
)
@click.option(
    "--from-json",
    "from_json",
    type=click.Path(),
    help="Report on a kept `sla eval --format json` document instead of evaluating.",
)
@click.option(
    "--charts",
    type=click.Choice(("embed", "files")),
    default="embed",
    show_default=True,
    help="Markdown only: embed charts as data URIs, or write SVG files beside the output.",
)
@click.option("--timezone", help="Zone for data timestamps written without one.")
@click.option(
    "--trend",
    type=click.IntRange(1, MAX_PERIODS),
    default=DEFAULT_TREND,
    show_default=True,
    help="Periods the trend charts span, ending with the last reported one: earlier "
    "periods are evaluated for the charts only (never before the policy's effective date).",
)
def report(
    policy_path: str | None,
    data_path: tuple[str, ...],
    history: bool,
    first: str | None,
    last: str | None,
    as_of: str | None,
    output_format: str,
    output: str | None,
    from_json: str | None,
    charts: str,
    timezone: str | None,
    period: str | None,
    trend: int,
) -> None:
    """Render a performance report: summary, targets, money, escalations, audit."""
    if output == STDOUT:
        output = None
    if period is not None:
        if first or last:
            _fail("--period cannot be combined with --from/--to", "use one")
        first = last = period
    inputs = Inputs(
        paths=(*data_files(data_path), *((from_json,) if from_json else ())),
        policies=(policy_path,) if policy_path else (),
    )
    _check_output(output, inputs)
    if output_format in BINARY and output is None and sys.stdout.isatty():
        _fail(
            f"a{'n' if output_format == 'xlsx' else ''} {output_format.upper()} cannot be "
            "written to a terminal",
            f"add `--output report.{output_format}`",
        )
    if charts == "files" and (output_format != "markdown" or output is None):
        _fail("`--charts files` needs `--format markdown` and `--output`")
    if from_json is not None:
        if policy_path or data_path or history:
            _fail("give either POLICY with --data, or --from-json, not both")
        if as_of or timezone:
            _fail(
                "--as-of and --timezone apply when evaluating; a kept document has its own",
                "re-run `sla eval` with them, or drop them",
            )
        raw = _read_json(from_json)
        try:
            doc = normalize(raw)
        except ReportError as exc:
            _fail(f"{from_json}: {exc.message}", exc.hint)
        doc = _select(doc, _range_labels(str(doc["policy"]["period"]), first, last), trend)
        doc = {**doc, "policy": {**doc["policy"], "git_revision": _kept_revision(doc["policy"])}}
    else:
        if not policy_path or not data_path:
            _fail(
                "a report needs POLICY and --data (or --from-json EVAL.json)",
                "sla report policy.sla --data data/ --from 2026-01 --to 2026-06",
            )
        if first is None and last is None:
            _fail("a report needs a range", "add --from P --to P, e.g. --from 2026-01 --to 2026-06")
        # Order and size first: no reason to load data for a range that cannot be reported.
        kind = "quarter" if "Q" in (first or last or "").upper() else "month"
        _range_labels(kind, first, last)
        doc = _evaluate(policy_path, data_path, first, last, as_of, timezone, history, trend)
    try:
        doc = normalize(doc)
        check_reportable(doc)
        data, chart_files = _render(doc, output_format, charts, output)
    except ReportError as exc:
        _fail(exc.message, exc.hint)
    if output is None:
        if output_format in BINARY:
            sys.stdout.buffer.write(data)
            sys.stdout.flush()
        else:
            click.echo(data.decode("utf-8"), nl=False)
        return
    try:
        _write_outputs(output, data, chart_files, inputs)
    except OutputRefused as exc:
        _fail(exc.message, exc.hint)
    except OSError as exc:
        _fail(f"{output}: cannot write ({exc.strerror})", "check the folder and free space")
    click.echo(f"wrote {output}", err=True)


def _render(
    doc: dict[str, Any], output_format: str, charts: str, output: str | None
) -> tuple[bytes, dict[str, str]]:
    if output_format == "html":
        from rules_engine.render.report.html import render_html

        return render_html(doc).encode("utf-8"), {}
    if output_format == "pdf":
        from rules_engine.render.report.pdf import render_pdf

        return render_pdf(doc), {}
    if output_format == "csv":
        from rules_engine.render.report.tables import render_csv

        return render_csv(doc).encode("utf-8"), {}
    if output_format == "xlsx":
        from rules_engine.render.report.tables import render_xlsx

        return render_xlsx(doc), {}
    from rules_engine.render.report.markdown import render_markdown, render_markdown_with_charts

    if charts == "files" and output is not None:
        chart_dir = f"{Path(output).stem}-charts"
        text, files = render_markdown_with_charts(doc, chart_dir)
        return text.encode("utf-8"), files
    return render_markdown(doc).encode("utf-8"), {}
