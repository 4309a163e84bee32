"""Reading and checking policy text: a file or a string in, a checked policy or
diagnostics out. Nothing here raises for a bad policy except :func:`load_policy`, which
raises :class:`~rules_engine.language.diagnostics.PolicyError` carrying every diagnostic.
"""

from __future__ import annotations

import dataclasses
import hashlib
import os
from collections.abc import Callable

from rules_engine.language.ast import Policy
from rules_engine.language.checker import CheckResult, check
from rules_engine.language.diagnostics import CODES, Diagnostic, PolicyError, diagnostic
from rules_engine.language.model import CheckedPolicy
from rules_engine.language.parser import ParseError, normalize_newlines, parse, read_source
from rules_engine.language.spans import Span


def check_source(
    text: str, path: str = "<memory>", read: Callable[[str], str] | None = None
) -> CheckResult:
    """Parse and check policy text; every problem is a diagnostic, sorted by position.

    ``import`` lines are followed relative to ``path``'s folder (the current folder for
    ``<memory>``); the result's ``sources`` then holds every imported file's text, and
    the policy's ``source_sha256`` covers them all (:mod:`rules_engine.language.modules`).
    ``read`` reads imported files from elsewhere than the disk (say a git revision:
    ``lambda p: read_at_revision(rev, p).text``); it raises ``OSError`` for a missing one.
    """
    text = normalize_newlines(text)
    try:
        tree = parse(text, path)
    except ParseError as error:
        return CheckResult(None, [_parse_diagnostic(error)])
    return check_tree(tree, text, path, read)


def check_tree(
    tree: Policy, text: str, path: str = "<memory>", read: Callable[[str], str] | None = None
) -> CheckResult:
    """:func:`check_source` for text already parsed (``tree`` is ``parse(text, path)``):
    the language server parses item by item and keeps what did not change."""
    text = normalize_newlines(text)
    if tree.imports or tree.overrides:
        from rules_engine.language.modules import check_modules

        return check_modules(tree, text, path, read)
    result = check(tree, text, path)
    if result.policy is not None:
        digest = hashlib.sha256(text.encode("utf-8")).hexdigest()
        policy = dataclasses.replace(result.policy, source_path=path, source_sha256=digest)
        return CheckResult(policy, result.diagnostics)
    return result


def _parse_diagnostic(error: ParseError) -> Diagnostic:
    """The parser's own words become a diagnostic (SLA1xx)."""
    code = error.code if error.code in CODES else "SLA101"
    return diagnostic(code, error.message, error.span, error.hint)


parse_diagnostic = _parse_diagnostic
"""Public for the language server, which parses the text itself (:func:`check_tree`)."""


def read_policy_text(path: str | os.PathLike[str]) -> tuple[str | None, list[Diagnostic]]:
    """The text of a policy file, or the diagnostic saying why it cannot be one
    (missing, a directory, unreadable: SLA100; not UTF-8, binary, too large: SLA104-106)."""
    name = os.fspath(path)
    try:
        return read_source(name), []
    except ParseError as error:
        span = error.span
        if error.code == "SLA100":
            span = Span(name, 0, 0, 0, 0)  # no position inside a file that cannot be read
        return None, [diagnostic(error.code, error.message, span, error.hint)]


def check_file(path: str | os.PathLike[str]) -> CheckResult:
    """Read and check one policy file; unreadable input is a diagnostic, never a traceback."""
    text, problems = read_policy_text(path)
    if text is None:
        return CheckResult(None, problems)
    return check_source(text, os.fspath(path))


def load_policy(path: str | os.PathLike[str]) -> CheckedPolicy:
    """The checked policy in ``path``, or :class:`PolicyError` with every diagnostic.

    Warnings do not stop loading; call :func:`check_file` to see them.
    """
    result = check_file(path)
    if result.policy is None:
        raise PolicyError(result.diagnostics)
    return result.policy
