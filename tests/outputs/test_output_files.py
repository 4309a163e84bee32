"""Every command that writes a file (``eval --output``, ``report --output``, ``import -o``,
``fmt -w``) writes only regular files, follows a symbolic link to a regular file, refuses
anything else that exists and refuses to overwrite one of its own inputs (issue 14)."""

from __future__ import annotations

import contextlib
import os
import shutil
import socket
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from rules_engine.cli import cli
from rules_engine.cli.output import Inputs, OutputRefused, check_output, write_output

REPO = Path(__file__).resolve().parents[2]
QUICKSTART = REPO / "examples" / "quickstart"
MODULES = REPO / "examples" / "modules"
AS_OF = "2026-04-01T09:00:00-04:00"


@pytest.fixture
def work(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A copy of the quick-start example (policy.sla, data/) as the current folder."""
    shutil.copy(QUICKSTART / "policy.sla", tmp_path / "policy.sla")
    shutil.copytree(QUICKSTART / "data", tmp_path / "data")
    monkeypatch.chdir(tmp_path)
    return tmp_path


def eval_to(output: str, policy: str = "policy.sla") -> Result:
    args = ["eval", policy, "--data", "data", "--period", "2026-03", "--as-of", AS_OF]
    return CliRunner().invoke(cli, [*args, "--format", "json", "--output", output])


def report_to(output: str, policy: str = "policy.sla", *extra: str) -> Result:
    args = ["report", policy, "--data", "data", "--from", "2026-03", "--to", "2026-03"]
    return CliRunner().invoke(
        cli, [*args, "--as-of", AS_OF, "--format", "markdown", *extra, "--output", output]
    )


def import_to(output: str, export: Path) -> Result:
    return CliRunner().invoke(
        cli, ["import", "--mapping", "zendesk_tickets", str(export), "-o", output]
    )


COMMANDS = {"eval": eval_to, "report": report_to}


@contextlib.contextmanager
def reader(fifo: Path) -> Iterator[None]:
    """Hold the FIFO's read end open, so a command that (wrongly) writes into it does not
    block the test forever."""
    fd = os.open(fifo, os.O_RDONLY | os.O_NONBLOCK)
    try:
        yield
    finally:
        os.close(fd)


# --------------------------------------------------------------------------- non-regular paths


@pytest.mark.parametrize("command", sorted(COMMANDS))
def test_a_fifo_output_is_refused_and_kept(work: Path, command: str) -> None:
    fifo = work / "out.fifo"
    os.mkfifo(fifo)
    with reader(fifo):
        result = COMMANDS[command](str(fifo))
    assert result.exit_code == 2, result.output
    assert f"error: {fifo}: is a FIFO (named pipe), not a regular file" in result.stderr
    assert stat.S_ISFIFO(os.lstat(fifo).st_mode)  # not replaced by a regular file


@pytest.mark.parametrize("command", sorted(COMMANDS))
def test_a_socket_output_is_refused_and_kept(work: Path, command: str) -> None:
    sock = socket.socket(socket.AF_UNIX)
    try:
        sock.bind("out.sock")
        result = COMMANDS[command]("out.sock")
    finally:
        sock.close()
    assert result.exit_code == 2, result.output
    assert "out.sock: is a socket, not a regular file" in result.stderr
    assert stat.S_ISSOCK(os.lstat(work / "out.sock").st_mode)


def test_a_device_output_is_refused(work: Path) -> None:
    # /dev/null is a character device everywhere; as root, the old rename replaced it
    result = eval_to(os.devnull)
    assert result.exit_code == 2, result.output
    assert f"{os.devnull}: is a character device, not a regular file" in result.stderr
    assert "`-` for standard output" in result.stderr
    assert stat.S_ISCHR(os.lstat(os.devnull).st_mode)


def test_a_symlink_to_a_device_is_refused(work: Path) -> None:
    (work / "out.md").symlink_to(os.devnull)
    result = report_to("out.md")
    assert result.exit_code == 2
    assert "out.md: is a character device, not a regular file" in result.stderr
    assert (work / "out.md").is_symlink()


# --------------------------------------------------------------------------- inputs


@pytest.mark.parametrize("command", sorted(COMMANDS))
def test_the_policy_as_output_is_refused(work: Path, command: str) -> None:
    before = (work / "policy.sla").read_bytes()
    result = COMMANDS[command]("policy.sla")
    assert result.exit_code == 2
    assert "policy.sla: is an input of this command; refusing to overwrite it" in result.stderr
    assert (work / "policy.sla").read_bytes() == before


@pytest.mark.parametrize("command", sorted(COMMANDS))
def test_a_data_file_as_output_is_refused(work: Path, command: str) -> None:
    tickets = work / "data" / "tickets.jsonl"
    before = tickets.read_bytes()
    result = COMMANDS[command]("data/tickets.jsonl")
    assert result.exit_code == 2
    assert "data/tickets.jsonl: is an input of this command" in result.stderr
    assert tickets.read_bytes() == before


@pytest.mark.parametrize("command", sorted(COMMANDS))
@pytest.mark.parametrize("link", ["symlink", "hardlink"])
def test_a_link_to_an_input_is_refused(work: Path, command: str, link: str) -> None:
    policy = work / "policy.sla"
    before = policy.read_bytes()
    out = work / "out.json"
    if link == "symlink":
        out.symlink_to(policy)
    else:
        os.link(policy, out)
    result = COMMANDS[command]("out.json")
    assert result.exit_code == 2
    assert "out.json: is an input of this command (`policy.sla`)" in result.stderr
    assert policy.read_bytes() == before
    assert out.is_symlink() == (link == "symlink")
    assert os.stat(out).st_ino == policy.stat().st_ino


@pytest.mark.parametrize("command", sorted(COMMANDS))
def test_an_imported_file_as_output_is_refused(tmp_path: Path, command: str) -> None:
    shutil.copy(MODULES / "contoso.sla", tmp_path / "contoso.sla")
    shutil.copy(MODULES / "standard_terms.sla", tmp_path / "standard_terms.sla")
    shutil.copytree(QUICKSTART / "data", tmp_path / "data")
    before = (tmp_path / "standard_terms.sla").read_bytes()
    with contextlib.chdir(tmp_path):
        result = COMMANDS[command]("standard_terms.sla", "contoso.sla")
    assert result.exit_code == 2
    assert "standard_terms.sla: is an input of this command" in result.stderr
    assert (tmp_path / "standard_terms.sla").read_bytes() == before


def test_a_version_in_a_policy_folder_as_output_is_refused(work: Path) -> None:
    (work / "versions").mkdir()
    shutil.move(work / "policy.sla", work / "versions" / "v1.sla")
    before = (work / "versions" / "v1.sla").read_bytes()
    result = eval_to("versions/v1.sla", "versions")
    assert result.exit_code == 2
    assert "versions/v1.sla: is an input of this command" in result.stderr
    assert (work / "versions" / "v1.sla").read_bytes() == before


def test_report_refuses_its_from_json_document(work: Path) -> None:
    assert eval_to("eval.json").exit_code == 0
    before = (work / "eval.json").read_bytes()
    result = CliRunner().invoke(
        cli, ["report", "--from-json", "eval.json", "--format", "markdown", "--output", "eval.json"]
    )
    assert result.exit_code == 2
    assert "eval.json: is an input of this command" in result.stderr
    assert (work / "eval.json").read_bytes() == before


def test_import_refuses_its_export_and_a_fifo(tmp_path: Path) -> None:
    export = tmp_path / "tickets.jsonl"
    export.write_text("{}\n", encoding="utf-8")
    result = import_to(str(export), export)
    assert result.exit_code == 2
    assert f"{export}: is an input of this command" in result.output
    assert export.read_text(encoding="utf-8") == "{}\n"
    fifo = tmp_path / "out.jsonl"
    os.mkfifo(fifo)
    with reader(fifo):
        result = import_to(str(fifo), REPO / "tests" / "data" / "missing.csv")
    assert result.exit_code == 2
    assert f"{fifo}: is a FIFO (named pipe), not a regular file; help: name a regular file" in (
        result.output
    )
    assert stat.S_ISFIFO(os.lstat(fifo).st_mode)


# --------------------------------------------------------------------------- symlinks, stdout


@pytest.mark.parametrize("command", sorted(COMMANDS))
def test_a_symlink_to_a_regular_file_is_written_through(work: Path, command: str) -> None:
    (work / "reports").mkdir()
    real = work / "reports" / "latest.out"
    real.write_text("old", encoding="utf-8")
    real.chmod(0o600)
    link = work / "out.link"
    link.symlink_to(real)
    result = COMMANDS[command]("out.link")
    assert result.exit_code == 0, result.output
    assert link.is_symlink() and link.resolve() == real
    assert real.read_text(encoding="utf-8") != "old"
    assert stat.S_IMODE(real.stat().st_mode) == 0o600  # the replaced file's mode is kept
    assert sorted(p.name for p in (work / "reports").iterdir()) == ["latest.out"]


@pytest.mark.parametrize("command", sorted(COMMANDS))
def test_a_dangling_symlink_is_refused(work: Path, command: str) -> None:
    link = work / "out.link"
    link.symlink_to(work / "nowhere" / "planted")
    result = COMMANDS[command]("out.link")
    assert result.exit_code == 2
    assert "out.link: is a symbolic link to" in result.stderr and "which does not exist" in (
        result.stderr
    )
    assert not (work / "nowhere").exists()


@pytest.mark.parametrize("command", sorted(COMMANDS))
def test_dash_is_standard_output(work: Path, command: str) -> None:
    result = COMMANDS[command]("-")
    assert result.exit_code == 0, result.output
    assert not (work / "-").exists()
    assert result.stdout.startswith("{" if command == "eval" else "# Contoso service desk")


def test_report_chart_files_follow_the_same_rules(work: Path) -> None:
    (work / "r-charts").mkdir()
    os.mkfifo(work / "r-charts" / "p1_response.svg")
    with reader(work / "r-charts" / "p1_response.svg"):
        result = report_to("r.md", "policy.sla", "--charts", "files")
    assert result.exit_code == 2
    assert "r-charts/p1_response.svg: is a FIFO (named pipe)" in result.stderr
    assert not (work / "r.md").exists()
    assert sorted(p.name for p in (work / "r-charts").iterdir()) == ["p1_response.svg"]


def test_fmt_refuses_to_write_through_a_link_to_a_device(tmp_path: Path) -> None:
    # fmt -w rewrites its input; the same function refuses what is not a regular file
    with pytest.raises(OutputRefused, match="is a character device"):
        write_output(os.devnull, b"x", stdout=False)


# --------------------------------------------------------------------------- the function


def test_a_new_file_gets_the_usual_mode_and_no_temporary_is_left(tmp_path: Path) -> None:
    out = tmp_path / "new.txt"
    write_output(str(out), b"hello")
    mask = os.umask(0o022)
    os.umask(mask)
    assert out.read_bytes() == b"hello"
    assert stat.S_IMODE(out.stat().st_mode) == 0o666 & ~mask
    assert [p.name for p in tmp_path.iterdir()] == ["new.txt"]


def test_check_output_names_what_is_missing(tmp_path: Path) -> None:
    with pytest.raises(OutputRefused, match=r"folder `.*missing` does not exist"):
        check_output(str(tmp_path / "missing" / "x.json"))
    (tmp_path / "file").write_text("x", encoding="utf-8")
    with pytest.raises(OutputRefused, match="is a file, not a folder"):
        check_output(str(tmp_path / "file" / "x.json"))
    with pytest.raises(OutputRefused, match="is a folder, not a file"):
        check_output(str(tmp_path))


def test_inputs_cover_folders_and_imports(tmp_path: Path) -> None:
    shutil.copytree(MODULES, tmp_path / "m")
    shutil.copytree(QUICKSTART / "data", tmp_path / "data")
    inputs = Inputs(paths=(str(tmp_path / "data"),), policies=(str(tmp_path / "m/contoso.sla"),))
    names = sorted(Path(p).name for p in inputs.files())
    assert names == [
        "contoso.sla",
        "outages.jsonl",
        "standard_terms.sla",
        "surveys.jsonl",
        "tickets.jsonl",
    ]


@pytest.mark.skipif(os.geteuid() != 0, reason="only root can give a file to another user")
def test_a_replaced_file_keeps_its_owner(tmp_path: Path) -> None:
    out = tmp_path / "shared.json"
    out.write_text("old", encoding="utf-8")
    os.chown(out, 65534, 65534)
    write_output(str(out), b"new")
    assert (out.stat().st_uid, out.stat().st_gid) == (65534, 65534)
    assert out.read_bytes() == b"new"
