"""The grammar cache is a pickle, and Lark unpickles it before it compares the grammar's
hash: a cache file that anyone but the user could have written must never be loaded
(issue 14)."""

from __future__ import annotations

import os
import pickle
import subprocess
import sys
from pathlib import Path

import pytest

from rules_engine.language import parser

REPO = Path(__file__).resolve().parents[2]


class Planted:
    """Unpickling this creates the file it names: proof that the pickle ran."""

    def __init__(self, marker: Path) -> None:
        self.marker = marker

    def __reduce__(self) -> tuple[object, tuple[str, str]]:
        return (open, (str(self.marker), "w"))


def cache_path(home: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("XDG_CACHE_HOME", str(home))
    found = parser._cache_file()
    assert isinstance(found, str), "a fresh private folder is used"
    return Path(found)


def plant(path: Path, marker: Path) -> None:
    path.write_bytes(b"not-the-grammar-hash\n" + pickle.dumps(Planted(marker)))


def parse_in_a_new_process(home: Path) -> subprocess.CompletedProcess[str]:
    code = "from rules_engine.language.parser import parse; parse('policy \"x\"')"
    env = {**os.environ, "XDG_CACHE_HOME": str(home)}
    return subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, check=False
    )


@pytest.mark.parametrize("mode", [0o777, 0o775, 0o757])
def test_a_pickle_planted_in_a_shared_cache_folder_never_runs(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, mode: int
) -> None:
    home = tmp_path / "cache"
    path = cache_path(home, monkeypatch)
    path.parent.chmod(mode)  # group- or world-writable: anyone could have put it there
    marker = tmp_path / "pwned"
    plant(path, marker)
    assert parser._cache_file() is False
    done = parse_in_a_new_process(home)
    assert done.returncode == 0, done.stderr
    assert not marker.exists()


def test_a_cache_file_others_can_write_is_not_loaded(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    home = tmp_path / "cache"
    path = cache_path(home, monkeypatch)
    path.parent.chmod(0o755)  # others may enter the folder...
    marker = tmp_path / "pwned"
    plant(path, marker)
    path.chmod(0o666)  # ...and write the file
    assert parser._cache_file() is False
    assert parse_in_a_new_process(home).returncode == 0
    assert not marker.exists()


def test_a_folder_above_that_others_can_write_disables_the_cache(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # whoever can write the folder above can swap `sla-rules-engine` for their own
    home = tmp_path / "cache"
    cache_path(home, monkeypatch)
    home.chmod(0o777)
    assert parser._cache_file() is False
    home.chmod(0o1777)  # sticky, like /tmp: others cannot rename what is ours
    assert isinstance(parser._cache_file(), str)


def test_a_symlink_or_hard_link_as_the_cache_file_is_not_loaded(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = cache_path(tmp_path / "cache", monkeypatch)
    elsewhere = tmp_path / "elsewhere.pickle"
    elsewhere.write_bytes(b"x\n")
    path.symlink_to(elsewhere)
    assert parser._cache_file() is False
    path.unlink()
    os.link(elsewhere, path)
    assert parser._cache_file() is False


@pytest.mark.skipif(os.geteuid() != 0, reason="only root can create another user's file")
def test_a_cache_file_of_another_user_is_not_loaded(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = cache_path(tmp_path / "cache", monkeypatch)
    path.write_bytes(b"x\n")
    os.chown(path, 65534, 65534)
    assert parser._cache_file() is False


def test_the_private_cache_is_still_used(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    home = tmp_path / "cache"
    path = cache_path(home, monkeypatch)
    assert parse_in_a_new_process(home).returncode == 0
    assert path.is_file()  # Lark wrote it
    assert parser._cache_file() == str(path)  # and the next run may load it
    # a umask of 002 makes the file group-writable; in a folder nobody else may enter,
    # that is still private, so the cache keeps working
    path.chmod(0o664)
    assert parser._cache_file() == str(path)
