"""Reading `REV:PATH` from a temporary git repository, and its errors."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from rules_engine.workflow.gitrev import (
    RevisionError,
    file_history,
    read_source,
    split_spec,
)


def git(repo: Path, *args: str) -> str:
    return subprocess.run(
        ["git", *args], cwd=repo, check=True, capture_output=True, text=True
    ).stdout.strip()


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    git(tmp_path, "init", "-q", "-b", "main")
    git(tmp_path, "config", "user.email", "t@example.com")
    git(tmp_path, "config", "user.name", "T")
    (tmp_path / "policies").mkdir()
    (tmp_path / "policies" / "a.sla").write_text("version one\n")
    git(tmp_path, "add", ".")
    git(tmp_path, "commit", "-qm", "one")
    (tmp_path / "policies" / "a.sla").write_text("version two\n")
    git(tmp_path, "commit", "-qam", "two")
    return tmp_path


def test_reads_each_revision(repo: Path) -> None:
    assert read_source("HEAD~1:policies/a.sla", repo).text == "version one\n"
    src = read_source("HEAD:policies/a.sla", repo)
    assert (src.text, src.label) == ("version two\n", "HEAD:policies/a.sla")
    assert src.revision is not None and len(src.revision) == 40
    assert read_source("policies/a.sla", repo).text == "version two\n"


def test_revision_paths_follow_git(repo: Path) -> None:
    # git's rules (issue 15): `REV:path` is from the repository root, `REV:./path`
    # from the current folder, whichever folder the command runs in
    sub = repo / "policies"
    assert read_source("HEAD~1:policies/a.sla", sub).text == "version one\n"
    assert read_source("HEAD~1:./a.sla", sub).text == "version one\n"
    assert read_source("HEAD~1:../policies/a.sla", sub).text == "version one\n"
    with pytest.raises(RevisionError) as caught:
        read_source("HEAD~1:a.sla", sub)  # a.sla at the root does not exist
    assert caught.value.message == "`a.sla` does not exist at revision `HEAD~1`"
    assert caught.value.hint.startswith("did you mean `HEAD~1:./a.sla`?")


def test_revision_hint_never_repeats_the_input(repo: Path) -> None:
    with pytest.raises(RevisionError) as caught:
        read_source("HEAD:policies/b.sla", repo / "policies")
    assert "HEAD:policies/b.sla`?" not in caught.value.hint
    assert caught.value.hint == "did you mean `HEAD:policies/a.sla`?"


def test_unknown_revision(repo: Path) -> None:
    with pytest.raises(RevisionError) as info:
        read_source("nope:policies/a.sla", repo)
    assert info.value.message == "unknown revision `nope`"
    assert "git log" in info.value.hint


def test_path_missing_at_revision_suggests_a_close_name(repo: Path) -> None:
    with pytest.raises(RevisionError) as info:
        read_source("HEAD:policies/b.sla", repo)
    assert info.value.message == "`policies/b.sla` does not exist at revision `HEAD`"
    assert info.value.hint == "did you mean `HEAD:policies/a.sla`?"


def test_missing_plain_file(repo: Path) -> None:
    with pytest.raises(RevisionError, match="no such file"):
        read_source("policies/zzz.sla", repo)


def test_outside_a_repository(tmp_path: Path) -> None:
    with pytest.raises(RevisionError, match="not inside a git repository"):
        read_source("HEAD:x.sla", tmp_path)


def test_existing_file_with_colon_wins(repo: Path) -> None:
    (repo / "odd:name.sla").write_text("odd\n")
    assert split_spec("odd:name.sla", repo) is None
    assert read_source("odd:name.sla", repo).text == "odd\n"


def test_history_oldest_first(repo: Path) -> None:
    history = file_history("policies/a.sla", repo)
    assert [r.subject for r in history] == ["one", "two"]


def test_binary_file_at_revision_is_text_the_checker_refuses(repo: Path) -> None:
    (repo / "blob.sla").write_bytes(b"\xff\xfe\x00binary")
    git(repo, "add", "blob.sla")
    git(repo, "commit", "-qm", "blob")
    src = read_source("HEAD:blob.sla", repo)  # no UnicodeDecodeError
    assert "\ufffd" in src.text
    with pytest.raises(RevisionError, match="binary"):
        read_source("blob.sla", repo)
