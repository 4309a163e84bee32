"""``sla diff OLD NEW [--format text|json] [--data PATH --from P --to P [--as-of T]]``.

Each side is a policy file or ``REV:PATH`` in the current git repository, read by git's
rules: ``REV:path`` from the repository root, ``REV:./path`` from the current folder. The diff is
semantic (on the checked models); with ``--data`` both versions are also replayed over the
same history. Exit codes, like ``diff``: 0 no semantic change, 1 changes found, 2 the
command could not answer (a side fails to check, an unknown revision, bad data).
"""

from __future__ import annotations

import datetime as dt
import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn

import click

from rules_engine.cli.data_option import data_option
from rules_engine.language.model import CheckedPolicy
from rules_engine.workflow.gitrev import PolicySource, RevisionError, read_source

if TYPE_CHECKING:
    from rules_engine.data.loader import DataPaths


def _fail(message: str, hint: str = "") -> NoReturn:
    click.echo(f"error: {message}", err=True)
    if hint:
        click.echo(f"  help: {hint}", err=True)
    sys.exit(2)


def _checked(side: str, source: PolicySource) -> CheckedPolicy:
    """The checked policy of one side, or exit 2 with that side's diagnostics."""
    from rules_engine.api import check_source
    from rules_engine.language.diagnostics import render_text

    if source.revision is None:
        result = check_source(source.text, source.path)
    else:
        # imports of a committed policy are read at the same commit, not from the disk
        from rules_engine.workflow.gitrev import read_at_revision

        commit = source.revision
        prefix = source.label.partition(":")[0] + ":"  # imports resolve beside `REV:PATH`

        def at_commit(imported: str) -> str:
            try:
                return read_at_revision(commit, imported.removeprefix(prefix)).text
            except RevisionError as error:
                raise FileNotFoundError(error.message) from None

        result = check_source(source.text, source.path, read=at_commit)
    if result.policy is None:
        errors = [d for d in result.diagnostics if d.severity == "error"] or result.diagnostics
        click.echo(f"error: the {side} side `{source.label}` does not check", err=True)
        click.echo(render_text(errors, {source.path: source.text}), err=True, nl=False)
        sys.exit(2)
    return result.policy


def _read(side: str, spec: str) -> PolicySource:
    try:
        return read_source(spec)
    except RevisionError as exc:
        _fail(f"{side} side: {exc.message}", exc.hint)


def parse_as_of(text: str | None, zone: str) -> dt.datetime:
    """``--as-of``: an ISO timestamp with an offset, or a date (its local midnight in
    ``zone``); the current time when omitted (DESIGN: every output states it)."""
    from zoneinfo import ZoneInfo

    if text is None:
        return dt.datetime.now(dt.UTC).replace(microsecond=0)
    try:
        moment = dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        _fail(f"`--as-of {text}` is not a date or an ISO timestamp", "e.g. 2026-07-01T00:00:00Z")
    if moment.tzinfo is None:
        if "T" in text or " " in text:
            _fail(f"`--as-of {text}` has no UTC offset", "add one, e.g. `Z` or `-05:00`")
        moment = moment.replace(tzinfo=ZoneInfo(zone))
    return moment


def load_bundle(path: DataPaths, policy: CheckedPolicy) -> Any:
    """The data at ``path`` through the data loader (``policy`` declares extra datasets);
    exit 2 with the loader's first issue (file, row, field) when the data is invalid."""
    from rules_engine.data import DataError, load_data

    try:
        return load_data(path, policy=policy)
    except DataError as exc:
        _fail(f"data: {exc}", "run `sla validate` on the data for every problem")
    except Exception as exc:  # a defect in the loader: one line, exit 2
        first = (str(exc).splitlines() or [""])[0]
        shown = path if isinstance(path, str | Path) else " ".join(map(str, path))
        _fail(
            f"internal error loading `{shown}`: {type(exc).__name__}: {first}", "please report this"
        )


@click.command(name="diff")
@click.argument("old")
@click.argument("new")
@click.option(
    "--format",
    "output_format",
    type=click.Choice(["text", "json"]),
    default="text",
    show_default=True,
    help="Output format.",
)
@data_option(required=False, help="Replay both versions over this data (repeatable, [NAME=]PATH).")
@click.option("--from", "first", help="First period of the replay (2026-01, 2026-Q1).")
@click.option("--to", "last", help="Last period of the replay.")
@click.option("--as-of", "as_of", help="Evaluate as of this time (default: now).")
def diff(
    old: str,
    new: str,
    output_format: str,
    data_path: tuple[str, ...],
    first: str | None,
    last: str | None,
    as_of: str | None,
) -> None:
    """Semantic diff of two policy versions (files or REV:PATH); --data replays both."""
    from rules_engine.workflow.policy_diff import diff_policies

    if not data_path and (first or last):
        _fail("`--from`/`--to` need `--data`", "add `--data PATH` to replay both versions")
    if data_path and not (first and last):
        _fail("`--data` needs `--from P` and `--to P`", "e.g. `--from 2026-01 --to 2026-12`")
    old_src, new_src = _read("OLD", old), _read("NEW", new)
    old_policy = _checked("OLD", old_src)
    new_policy = _checked("NEW", new_src)
    result = diff_policies(old_policy, new_policy, old_src.label, new_src.label)
    changed = result.changed
    replayed = None
    if data_path and first and last:
        from rules_engine.workflow.replay import replay

        bundle = load_bundle(data_path, new_policy)
        moment = parse_as_of(as_of, new_policy.timezone)
        try:
            replayed = replay(
                old_policy, new_policy, bundle, first, last, moment, old_src.label, new_src.label
            )
        except ValueError as exc:
            _fail(str(exc).splitlines()[0], "check --from/--to against the policy's periods")
        except Exception as exc:  # a defect below us: say so in one line, exit 2
            first = (str(exc).splitlines() or [""])[0]
            _fail(
                f"internal error during the replay: {type(exc).__name__}: {first}",
                "please report this",
            )
        changed = changed or replayed.changed
    if output_format == "json":
        doc: dict[str, Any] = result.to_json()
        if replayed is not None:
            doc["replay"] = replayed.to_json()
        click.echo(json.dumps(doc, indent=2))
    else:
        click.echo(result.render_text(), nl=False)
        if replayed is not None:
            click.echo(replayed.render_text(), nl=False)
    sys.exit(1 if changed else 0)
