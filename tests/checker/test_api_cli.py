"""The library API (`load_policy`, `check_file`, `check_source`) and `sla check`."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import jsonschema
import pytest
from click.testing import CliRunner

from rules_engine.api import check_file, check_source, load_policy
from rules_engine.cli import cli
from rules_engine.language.diagnostics import PolicyError

HERE = Path(__file__).parent
SKETCH = HERE.parent / "language" / "fixtures" / "design_sketch.sla"
GOLDEN = HERE / "golden"
CLEAN = """policy "Clean"
effective 2026-01-01
timezone "UTC"
currency USD
fee 1000 per month
target satisfaction { of surveys  measure mean score  require mean >= 4 }
"""
WARNS = CLEAN + 'calendar office { timezone "UTC" }\n'
BROKEN = CLEAN.replace("mean >= 4", "mean >= 4h")


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


# --------------------------------------------------------------------------- API


def test_load_policy_returns_the_checked_model_with_its_hash(tmp_path: Path) -> None:
    path = write(tmp_path, "clean.sla", CLEAN)
    policy = load_policy(path)
    assert policy.name == "Clean"
    assert policy.source_path == str(path)
    assert policy.source_sha256 == hashlib.sha256(CLEAN.encode()).hexdigest()


def test_load_policy_raises_with_every_diagnostic(tmp_path: Path) -> None:
    path = write(tmp_path, "broken.sla", BROKEN)
    with pytest.raises(PolicyError) as raised:
        load_policy(path)
    assert [d.code for d in raised.value.diagnostics] == ["SLA301"]
    assert str(raised.value).startswith(f"{path}:6:")


def test_warnings_do_not_stop_loading(tmp_path: Path) -> None:
    result = check_file(write(tmp_path, "warns.sla", WARNS))
    assert result.ok
    assert [d.code for d in result.warnings] == ["SLA508"]
    assert load_policy(tmp_path / "warns.sla").calendars["office"].windows == ((),) * 7


@pytest.mark.parametrize(
    ("content", "code"),
    [
        (b"", "SLA105"),
        (b"\x00\x01\x02", "SLA105"),
        (b'policy "caf\xe9"\n', "SLA104"),
    ],
)
def test_bad_bytes_are_diagnostics(tmp_path: Path, content: bytes, code: str) -> None:
    path = tmp_path / "bad.sla"
    path.write_bytes(content)
    result = check_file(path)
    assert result.policy is None
    assert [d.code for d in result.diagnostics] == [code]


def test_missing_file_and_directory_are_diagnostics(tmp_path: Path) -> None:
    assert [d.code for d in check_file(tmp_path / "nope.sla").diagnostics] == ["SLA100"]
    assert [d.code for d in check_file(tmp_path).diagnostics] == ["SLA100"]


def test_a_ten_megabyte_policy_is_refused_quickly(tmp_path: Path) -> None:
    path = tmp_path / "huge.sla"
    path.write_text("# padding\n" * 1_000_000, encoding="utf-8")  # 10,000,000 bytes
    [only] = check_file(path).diagnostics
    assert only.code == "SLA106"


@pytest.mark.parametrize("depth", [200, 100_000])
def test_deep_nesting_is_checked_or_refused_never_a_crash(depth: int) -> None:
    condition = "(" * depth + "score > 1" + ")" * depth
    for nested in (condition, "not " * depth + "score > 1"):
        text = CLEAN.replace("of surveys ", f"of surveys where {nested} ")
        result = check_source(text, "deep.sla")
        # either checked (parentheses add no depth to the tree) or refused by the parser
        assert result.ok or result.diagnostics[0].code.startswith("SLA1")


def test_design_sketch_checks_without_errors() -> None:
    result = check_file(SKETCH)
    assert result.errors == []
    # P4 is the only tier with neither a response nor a resolution target
    assert [(d.code, d.span.line) for d in result.warnings] == [("SLA501", 38)]


def test_the_checker_collects_every_error_in_source_order() -> None:
    text = (GOLDEN / "many_errors.sla").read_text(encoding="utf-8")
    result = check_source(text, "many.sla")
    assert [(d.code, d.span.line) for d in result.diagnostics] == [
        ("SLA305", 3),
        ("SLA202", 7),
        ("SLA203", 9),
        ("SLA302", 11),
        ("SLA201", 14),
    ]


# --------------------------------------------------------------------------- CLI


def run(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(cli, ["check", *args])
    assert result.exception is None or isinstance(result.exception, SystemExit)
    return result.exit_code, result.output


def test_clean_file_exits_0_with_a_summary(tmp_path: Path) -> None:
    code, out = run(str(write(tmp_path, "clean.sla", CLEAN)))
    assert (code, out) == (0, "checked 1 file: 0 errors, 0 warnings\n")


def test_warnings_exit_0_unless_strict(tmp_path: Path) -> None:
    path = str(write(tmp_path, "warns.sla", WARNS))
    code, out = run(path)
    assert code == 0
    assert out.endswith("checked 1 file: 0 errors, 1 warning\n")
    assert run(path, "--strict")[0] == 1


def test_errors_exit_1(tmp_path: Path) -> None:
    code, out = run(str(write(tmp_path, "broken.sla", BROKEN)))
    assert code == 1
    assert "error[SLA301]" in out
    assert out.endswith("checked 1 file: 1 error, 0 warnings\n")


def test_folders_are_searched_recursively_for_sla_files(tmp_path: Path) -> None:
    write(tmp_path, "a.sla", CLEAN)
    (tmp_path / "sub").mkdir()
    write(tmp_path / "sub", "b.sla", BROKEN)
    write(tmp_path, "notes.txt", "not a policy")
    code, out = run(str(tmp_path))
    assert code == 1
    assert "b.sla:6:" in out
    assert out.endswith("checked 2 files: 1 error, 0 warnings\n")


def test_missing_path_exits_2(tmp_path: Path) -> None:
    code, out = run(str(tmp_path / "nope.sla"))
    assert code == 2
    assert "error[SLA100]" in out
    assert "Traceback" not in out


def test_no_paths_is_a_usage_error() -> None:
    assert run()[0] == 2


def test_json_output(tmp_path: Path) -> None:
    code, out = run(str(write(tmp_path, "broken.sla", BROKEN)), "--format", "json")
    assert code == 1
    [item] = json.loads(out)
    assert item["code"] == "SLA301"
    assert item["line"] == 6


def test_sarif_output_is_valid(tmp_path: Path) -> None:
    schema = json.loads((HERE / "sarif-schema-2.1.0.json").read_text(encoding="utf-8"))
    code, out = run(str(write(tmp_path, "warns.sla", WARNS)), "--format", "sarif")
    assert code == 0
    log = json.loads(out)
    jsonschema.Draft4Validator(schema).validate(log)
    assert [r["ruleId"] for r in log["runs"][0]["results"]] == ["SLA508"]
