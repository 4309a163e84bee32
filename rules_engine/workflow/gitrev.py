"""Read policy text from git: ``REV:PATH`` arguments and a file's history.

Only ``git`` itself is run (``git show``, ``git rev-parse``, ``git log``); nothing is
checked out and the work tree is never touched. Every failure is a :class:`RevisionError`
with a one-line message and a hint, for the CLI to print without a traceback.
"""

from __future__ import annotations

import difflib
import os
import subprocess
from dataclasses import dataclass
from pathlib import Path


class RevisionError(Exception):
    """A revision, a path at a revision, or the repository itself could not be read."""

    def __init__(self, message: str, hint: str = "") -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint

    def __str__(self) -> str:
        return f"{self.message}\n  help: {self.hint}" if self.hint else self.message


@dataclass(frozen=True)
class PolicySource:
    """Policy text and where it came from: ``label`` is what reports print
    (``HEAD~1:policies/acme.sla`` or ``policies/acme.sla``); ``path`` is the file name
    diagnostics use (for a revision, ``REV:PATH``)."""

    text: str
    label: str
    path: str
    revision: str | None = None


def _git(args: list[str], cwd: Path) -> subprocess.CompletedProcess[str]:
    try:
        return subprocess.run(
            ["git", *args],
            cwd=cwd,
            capture_output=True,
            text=True,
            encoding="utf-8",
            errors="replace",  # a binary file shows as text the checker then refuses
            check=False,
        )
    except FileNotFoundError as exc:
        raise RevisionError("`git` is not installed", "install git to read `REV:PATH`") from exc


def repo_root(cwd: Path | None = None) -> Path:
    """The top of the git work tree containing ``cwd``."""
    here = Path(cwd or Path.cwd())
    proc = _git(["rev-parse", "--show-toplevel"], here)
    if proc.returncode != 0:
        raise RevisionError(
            f"`{here}` is not inside a git repository",
            "run `sla diff` from the repository, or pass plain file paths",
        )
    return Path(proc.stdout.strip())


def split_spec(spec: str, cwd: Path | None = None) -> tuple[str, str] | None:
    """``("HEAD~1", "policies/a.sla")`` for ``HEAD~1:policies/a.sla``; None for a plain path.

    An existing file always wins, so a file whose name contains a colon still works.
    """
    here = Path(cwd or Path.cwd())
    if ":" not in spec or (here / spec).exists():
        return None
    rev, _, path = spec.partition(":")
    if not rev or not path:
        return None
    return rev, path


def resolve_commit(rev: str, cwd: Path | None = None) -> str:
    """The full commit id of ``rev``; RevisionError naming the revision when unknown."""
    here = Path(cwd or Path.cwd())
    root = repo_root(here)
    proc = _git(["rev-parse", "--verify", "--quiet", f"{rev}^{{commit}}"], root)
    if proc.returncode != 0:
        raise RevisionError(
            f"unknown revision `{rev}`",
            "use a commit, branch or tag that exists (see `git log --oneline`)",
        )
    return proc.stdout.strip()


def _repo_path(path: str, root: Path, cwd: Path) -> str:
    """A path relative to the repository root; ``./x`` and plain relative paths are taken
    relative to the current directory, as git's ``REV:./x`` does."""
    candidate = Path(path)
    absolute = candidate if candidate.is_absolute() else (cwd / candidate)
    try:
        rel = Path(os.path.normpath(absolute)).relative_to(root.resolve())
    except ValueError as exc:
        raise RevisionError(
            f"`{path}` is outside the repository at `{root}`",
            "name a path inside the repository",
        ) from exc
    return rel.as_posix()


def _revision_path(path: str, root: Path, cwd: Path) -> str:
    """``REV:PATH`` by git's rules: ``./x`` and ``../x`` are relative to the current
    folder, any other relative path to the repository root."""
    if path.startswith(("./", "../")) or path in (".", "..") or Path(path).is_absolute():
        return _repo_path(path, root, cwd)
    return _repo_path(path, root, root)


def read_at_revision(rev: str, path: str, cwd: Path | None = None) -> PolicySource:
    """The text of ``path`` as committed in ``rev`` (``path`` read as git reads it:
    from the repository root, or from the current folder when it starts ``./``)."""
    here = Path(cwd or Path.cwd()).resolve()
    root = repo_root(here).resolve()
    commit = resolve_commit(rev, here)
    rel = _revision_path(path, root, here)
    proc = _git(["show", f"{commit}:{rel}"], root)
    label = f"{rev}:{path}"
    if proc.returncode != 0:
        listing = _git(["ls-tree", "-r", "--name-only", commit], root).stdout.split()
        here_rel = _repo_path(path, root, here)  # the path read from the current folder
        close = difflib.get_close_matches(rel, listing, n=1)
        if here_rel != rel and here_rel in listing:
            hint = (
                f"did you mean `{rev}:./{path}`? `{rev}:PATH` is from the repository "
                "root, as in git; `./` starts from the current folder"
            )
        elif close and f"{rev}:{close[0]}" != label:
            hint = f"did you mean `{rev}:{close[0]}`?"
        else:
            hint = f"the file did not exist at `{rev}` (see `git log --oneline -- {rel}`)"
        raise RevisionError(f"`{rel}` does not exist at revision `{rev}`", hint)
    return PolicySource(proc.stdout.removeprefix("\ufeff"), label, label, commit)


def read_source(spec: str, cwd: Path | None = None) -> PolicySource:
    """A file path or a ``REV:PATH``: its text and a label for reports."""
    here = Path(cwd or Path.cwd())
    split = split_spec(spec, here)
    if split is not None:
        return read_at_revision(split[0], split[1], here)
    from rules_engine.language.load import read_policy_text

    text, problems = read_policy_text(here / spec)
    if text is None:
        problem = problems[0] if problems else None
        message = problem.message if problem is not None else "cannot read the policy"
        hint = problem.help if problem is not None and problem.help else "check the path"
        raise RevisionError(f"`{spec}`: {message}", hint)
    return PolicySource(text, spec, spec)


@dataclass(frozen=True)
class Revision:
    commit: str
    date: str  # committer date, ISO 8601 day
    subject: str


def file_history(path: str, cwd: Path | None = None) -> list[Revision]:
    """The commits that changed ``path``, oldest first (renames not followed)."""
    here = Path(cwd or Path.cwd()).resolve()
    root = repo_root(here).resolve()
    rel = _repo_path(path, root, here)
    proc = _git(["log", "--format=%H%x09%cs%x09%s", "--", rel], root)
    if proc.returncode != 0:
        raise RevisionError(f"cannot read the history of `{rel}`", proc.stderr.strip())
    revisions = []
    for line in proc.stdout.splitlines():
        commit, date, subject = [*line.split("\t", 2), "", ""][:3]
        revisions.append(Revision(commit, date, subject))
    if not revisions:
        raise RevisionError(
            f"`{rel}` has no committed history", "commit the policy before using its history"
        )
    return list(reversed(revisions))
