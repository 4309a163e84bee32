"""``sla parse`` and ``sla fmt``: exit codes, output, writing files."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from rules_engine.cli import cli

GOOD = 'policy "p"\n\ntarget t {\n  of tickets\n  require 95% within 15m\n}\n'
UGLY = 'policy "p" target t { of tickets   require 95% within 15m }'
BAD = 'policy "p"\ntarget t {\n  require 95 within 15m\n}\n'


def _run(*args: str, stdin: str | bytes | None = None) -> tuple[int, str, str]:
    result = CliRunner().invoke(cli, list(args), input=stdin)
    return result.exit_code, result.stdout, result.stderr


def test_parse_json_has_spans(tmp_path: Path) -> None:
    path = tmp_path / "p.sla"
    path.write_text(GOOD)
    code, out, _ = _run("parse", "--json", str(path))
    assert code == 0
    data = json.loads(out)
    assert data["type"] == "Policy"
    target = data["items"][1]
    assert target["type"] == "TargetDecl"
    assert target["span"] == {
        "file": str(path),
        "line": 3,
        "column": 1,
        "end_line": 6,
        "end_column": 2,
    }
    objective = target["objective"]
    assert objective["percent"]["value"] == "19/20"  # 95% as an exact fraction
    assert objective["limit"]["seconds"] == 900  # 15m


def test_parse_outline(tmp_path: Path) -> None:
    path = tmp_path / "p.sla"
    path.write_text(GOOD)
    code, out, _ = _run("parse", str(path))
    assert code == 0
    lines = out.splitlines()
    assert lines[0] == "Policy  @1:1"
    assert "    TargetDecl  @3:1" in lines


def test_parse_error_is_a_diagnostic(tmp_path: Path) -> None:
    path = tmp_path / "bad.sla"
    path.write_text(BAD)
    code, out, err = _run("parse", str(path))
    assert code == 1
    assert out == ""
    assert f"{path}:3:11: error[SLA101]: unexpected `95`" in err
    assert "help: a percentage needs `%`: `95%`" in err
    assert "Traceback" not in err


def test_parse_missing_file_exits_2(tmp_path: Path) -> None:
    code, _, err = _run("parse", str(tmp_path / "nope.sla"))
    assert code == 2
    assert "SLA100" in err and "Traceback" not in err


def test_parse_binary_and_latin1_files(tmp_path: Path) -> None:
    binary = tmp_path / "b.sla"
    binary.write_bytes(b"\x7fELF\x00\x00")
    latin = tmp_path / "l.sla"
    latin.write_bytes(b'policy "caf\xe9"\n')
    code, _, err = _run("parse", str(binary))
    assert code == 1 and "SLA105" in err
    code, _, err = _run("parse", str(latin))
    assert code == 1 and "SLA104" in err and ":1:12:" in err


def test_fmt_prints_the_formatted_text(tmp_path: Path) -> None:
    path = tmp_path / "u.sla"
    path.write_text(UGLY)
    code, out, _ = _run("fmt", str(path))
    assert (code, out) == (0, GOOD)
    assert path.read_text() == UGLY  # untouched without -w


def test_fmt_check_exits_1_when_a_file_would_change(tmp_path: Path) -> None:
    (tmp_path / "sub").mkdir()
    ugly = tmp_path / "sub" / "u.sla"
    ugly.write_text(UGLY)
    (tmp_path / "g.sla").write_text(GOOD)
    (tmp_path / "notes.txt").write_text("not a policy")
    code, out, err = _run("fmt", "--check", str(tmp_path))
    assert code == 1
    assert out == ""
    assert err.strip().splitlines() == [
        f"would reformat {ugly}",
        f"help: `sla fmt -w {ugly}` rewrites it in the canonical layout",  # issue 15
    ]
    ugly.write_text(GOOD)
    code, _, err = _run("fmt", "--check", str(tmp_path))
    assert (code, err) == (0, "")


def test_fmt_write_and_diff(tmp_path: Path) -> None:
    path = tmp_path / "u.sla"
    path.write_text(UGLY)
    code, out, _ = _run("fmt", "--diff", str(path))
    assert code == 0
    assert out.startswith(f"--- {path} (original)\n+++ {path} (formatted)\n")
    assert "+target t {\n" in out
    code, _, err = _run("fmt", "-w", str(path))
    assert code == 0 and f"formatted {path}" in err
    assert path.read_text() == GOOD
    code, out, err = _run("fmt", "-w", str(path))
    assert (code, out, err) == (0, "", "")  # nothing left to do


def test_fmt_syntax_error_exits_1_and_names_the_place(tmp_path: Path) -> None:
    path = tmp_path / "bad.sla"
    path.write_text(BAD)
    code, _, err = _run("fmt", "--check", str(path))
    assert code == 1
    assert f"{path}:3:11: error[SLA101]" in err


def test_fmt_stdin() -> None:
    code, out, _ = _run("fmt", "-", stdin=UGLY)
    assert (code, out) == (0, GOOD)


def test_fmt_missing_path_exits_2(tmp_path: Path) -> None:
    code, _, err = _run("fmt", str(tmp_path / "missing.sla"))
    assert code == 2 and "SLA100" in err


def test_fmt_write_and_check_together_is_a_usage_error(tmp_path: Path) -> None:
    path = tmp_path / "g.sla"
    path.write_text(GOOD)
    code, _, _ = _run("fmt", "-w", "--check", str(path))
    assert code == 2


def test_parse_stdin() -> None:
    code, out, _ = _run("parse", "--json", "-", stdin=GOOD)
    assert code == 0
    assert json.loads(out)["items"][0]["span"]["file"] == "<stdin>"


def test_fmt_write_through_a_symlink_keeps_the_link(tmp_path: Path) -> None:
    real = tmp_path / "real.sla"
    real.write_text(UGLY)
    link = tmp_path / "link.sla"
    link.symlink_to(real)
    code, _, _ = _run("fmt", "-w", str(link))
    assert code == 0
    assert link.is_symlink()
    assert real.read_text() == GOOD
