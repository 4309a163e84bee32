"""Writing a command's output file: ``eval --output``, ``report --output`` (and its chart
files), ``import -o`` and ``fmt -w`` all go through :func:`write_output`, so they follow
one set of rules (``docs/cli.md``, "Output files"):

- ``-`` is standard output, for the commands that print (``eval``, ``report``).
- Only a regular file is written. A path that exists and is anything else (a folder, a
  device such as ``/dev/full`` or ``/dev/stdout``'s terminal, a FIFO, a socket) is
  refused: renaming a file over it would destroy it.
- A symbolic link is followed: its target is written, under the same rules, and the link
  stays. A link to nothing is refused (creating its target is how a planted link in a
  shared folder makes a command write somewhere else).
- An output that is one of the command's inputs (the policy, a file it imports, a data
  file, the export or mapping of ``import``) is refused, whatever name reaches it: files
  are compared by device and inode, so a symbolic or hard link to an input is caught.
- The file is written beside its target under a temporary name and renamed over it, so a
  failed run leaves the old file as it was, never half a file. It keeps the replaced
  file's permissions (and owner, where the user may set it); a new file gets the mode a
  plain ``open()`` gives (0666 less the umask).
"""

from __future__ import annotations

import contextlib
import os
import stat
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass

STDOUT = "-"


class OutputRefused(Exception):
    """An output path the command will not write; ``message`` starts with the path."""

    def __init__(self, message: str, hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint

    def one_line(self) -> str:
        """``error: MESSAGE; help: HINT``, the form ``eval`` and ``import`` print."""
        return f"error: {self.message}" + (f"; help: {self.hint}" if self.hint else "")


@dataclass(frozen=True)
class Inputs:
    """What a command reads. ``paths`` are files or folders (every file below a folder
    counts); ``policies`` are policy files or folders of versions, whose imports count
    too."""

    paths: tuple[str, ...] = ()
    policies: tuple[str, ...] = ()

    def files(self) -> Iterator[str]:
        for path in (*self.policies, *self.paths):
            if os.path.isdir(path):
                for folder, _, names in os.walk(path):
                    yield from (os.path.join(folder, name) for name in names)
            else:
                yield path
        for policy in self.policies:
            if os.path.isfile(policy):
                yield from _imports(policy)


def _imports(policy: str) -> list[str]:
    """The files a policy imports (none when it cannot be read or parsed: the command
    reports that itself)."""
    from rules_engine.language.modules import resolve_imports
    from rules_engine.language.parser import ParseError, parse, read_source

    try:
        text = read_source(policy)
        tree = parse(text, policy)
    except (ParseError, OSError):
        return []
    if not tree.imports:
        return []
    return [module.path for module in resolve_imports(tree, text, policy).files[1:]]


_KINDS = (
    (stat.S_ISCHR, "a character device"),
    (stat.S_ISBLK, "a block device"),
    (stat.S_ISFIFO, "a FIFO (named pipe)"),
    (stat.S_ISSOCK, "a socket"),
)


def _kind(mode: int) -> str:
    return next((name for test, name in _KINDS if test(mode)), "not a regular file")


def _same_as_input(found: os.stat_result, inputs: Inputs) -> str | None:
    """The input that is the same file as ``found`` (device and inode), if any."""
    for path in inputs.files():
        try:
            other = os.stat(path)
        except OSError:
            continue
        if (other.st_dev, other.st_ino) == (found.st_dev, found.st_ino):
            return path
    return None


def check_output(path: str, inputs: Inputs = Inputs(), *, stdout: bool = True) -> str:
    """The regular file to write for ``path`` (symbolic links resolved), or
    :class:`OutputRefused` saying why not. ``stdout`` says whether the command takes
    ``-`` for standard output (it only changes the hint)."""
    regular = "name a regular file" + (", or `-` for standard output" if stdout else "")
    try:
        found: os.stat_result | None = os.stat(path)
    except FileNotFoundError:
        if os.path.islink(path):
            raise OutputRefused(
                f"{path}: is a symbolic link to `{os.readlink(path)}`, which does not exist",
                "write to the file itself, or create the link's target first",
            ) from None
        found = None
    except NotADirectoryError:
        found = None  # a file where a folder should be: said below
    except OSError as exc:
        raise OutputRefused(f"{path}: cannot write ({exc.strerror})", regular) from None
    if found is not None:
        if stat.S_ISDIR(found.st_mode):
            raise OutputRefused(f"{path}: is a folder, not a file", "name the file to write")
        if not stat.S_ISREG(found.st_mode):
            raise OutputRefused(f"{path}: is {_kind(found.st_mode)}, not a regular file", regular)
        same = _same_as_input(found, inputs)
        if same is not None:
            described = "" if os.path.abspath(same) == os.path.abspath(path) else f" (`{same}`)"
            raise OutputRefused(
                f"{path}: is an input of this command{described}; refusing to overwrite it",
                "write the output to another file",
            )
        target = os.path.realpath(path)
        if not os.access(target, os.W_OK):
            raise OutputRefused(f"{path}: cannot overwrite (permission denied)")
        return target
    parent = os.path.dirname(path) or "."
    if os.path.exists(parent) and not os.path.isdir(parent):
        raise OutputRefused(
            f"{path}: cannot write, `{parent}` is a file, not a folder", "choose a folder"
        )
    if not os.path.isdir(parent):
        raise OutputRefused(
            f"{path}: cannot write, folder `{parent}` does not exist", "create it first"
        )
    if not os.access(parent, os.W_OK | os.X_OK):
        raise OutputRefused(f"{path}: cannot write to folder `{parent}` (permission denied)")
    return os.path.realpath(path)


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def write_output(path: str, data: bytes, inputs: Inputs = Inputs(), *, stdout: bool = True) -> None:
    """Write ``data`` to ``path`` by the rules above: :class:`OutputRefused` for a path
    that must not be written, ``OSError`` when writing fails (the old file is then
    untouched and no temporary file is left)."""
    target = check_output(path, inputs, stdout=stdout)
    try:
        old: os.stat_result | None = os.stat(target)
    except FileNotFoundError:
        old = None
    handle, temp = tempfile.mkstemp(
        prefix=f".{os.path.basename(target)}.", suffix=".tmp", dir=os.path.dirname(target)
    )
    try:
        with os.fdopen(handle, "wb") as out:
            out.write(data)
        if old is not None and hasattr(os, "chown") and old.st_uid != os.geteuid():
            with contextlib.suppress(OSError):  # only root may give a file away
                os.chown(temp, old.st_uid, old.st_gid)
        mode = stat.S_IMODE(old.st_mode) if old is not None else 0o666 & ~_umask()
        os.chmod(temp, mode & 0o777)
        os.replace(temp, target)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(temp)
        raise
