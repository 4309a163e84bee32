"""The document against its JSON Schema, byte-identical output, and the two commands."""

from __future__ import annotations

import datetime as dt
import json
from importlib.resources import files
from pathlib import Path

import jsonschema
import pytest
from click.testing import CliRunner

from rules_engine.api import load_policy
from rules_engine.cli import cli
from rules_engine.data import load_data
from rules_engine.evaluation.periods import parse_period
from rules_engine.pipeline import evaluate
from rules_engine.render import FORMATS

ROOT = Path(__file__).resolve().parents[2]
QUICKSTART = ROOT / "examples" / "quickstart"
POLICY = str(QUICKSTART / "policy.sla")
DATA = str(QUICKSTART / "data")
AS_OF = "2026-04-01T09:00:00-04:00"


def _document() -> dict:
    policy = load_policy(POLICY)
    bundle = load_data(DATA, policy=policy)
    periods = [parse_period(p, "month", policy.timezone) for p in ("2026-01", "2026-02", "2026-03")]
    return evaluate(policy, bundle, periods, dt.datetime.fromisoformat(AS_OF)).document


def _schema() -> dict:
    text = files("rules_engine").joinpath("schemas/evaluation.schema.json").read_text("utf-8")
    return json.loads(text)


def test_real_output_validates_against_the_schema() -> None:
    document = json.loads(FORMATS["json"](_document()))
    jsonschema.Draft202012Validator(_schema()).validate(document)


def test_schema_rejects_a_float_percentage() -> None:
    document = json.loads(FORMATS["json"](_document()))
    document["periods"][0]["targets"]["p1_response"]["value"] = 100.0
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.Draft202012Validator(_schema()).validate(document)


def test_identical_inputs_give_identical_bytes() -> None:
    assert FORMATS["json"](_document()) == FORMATS["json"](_document())


def test_eval_exit_code_one_when_breached_and_json_output(tmp_path: Path) -> None:
    out = tmp_path / "result.json"
    result = CliRunner().invoke(
        cli,
        [
            "eval",
            POLICY,
            "--data",
            DATA,
            "--from",
            "2026-01",
            "--to",
            "2026-03",
            "--as-of",
            AS_OF,
            "--format",
            "json",
            "--output",
            str(out),
        ],
    )
    assert result.exit_code == 1, result.output  # February: p1_response and email breached
    document = json.loads(out.read_text("utf-8"))
    feb = document["periods"][1]["targets"]
    # QS-0201 after 25m, QS-0202 after 10m: 1 of 2 = 50%
    assert feb["p1_response"]["value"] == "50.000000"
    assert document["as_of_source"] == "given"


def test_eval_exit_zero_for_a_met_month_and_text_states_as_of() -> None:
    result = CliRunner().invoke(
        cli, ["eval", POLICY, "--data", DATA, "--period", "2026-01", "--as-of", AS_OF]
    )
    assert result.exit_code == 0, result.output
    assert "as of 2026-04-01T09:00:00-04:00 (given)" in result.output


def test_fail_on_at_risk_and_no_data() -> None:
    # April has no data at all: every record target is no_data
    args = [
        "eval",
        POLICY,
        "--data",
        DATA,
        "--period",
        "2026-04",
        "--as-of",
        "2026-05-02T00:00:00-04:00",
    ]
    assert CliRunner().invoke(cli, args).exit_code == 0
    assert CliRunner().invoke(cli, [*args, "--fail-on", "at_risk,no_data"]).exit_code == 1


def test_default_period_is_the_last_complete_one() -> None:
    result = CliRunner().invoke(
        cli, ["eval", POLICY, "--data", DATA, "--as-of", AS_OF, "--format", "json"]
    )
    assert json.loads(result.output)["periods"][0]["period"] == "2026-03"


def test_bad_policy_exits_two_with_a_located_diagnostic(tmp_path: Path) -> None:
    bad = tmp_path / "bad.sla"
    bad.write_text('policy "x"\ntarget t {\n  of tickets\n  require 95% within 15\n}\n', "utf-8")
    result = CliRunner().invoke(cli, ["eval", str(bad), "--data", DATA, "--as-of", AS_OF])
    assert result.exit_code == 2
    assert f"{bad}:" in result.output and "Traceback" not in result.output


def test_bad_data_exits_two_naming_the_file(tmp_path: Path) -> None:
    folder = tmp_path / "data"
    folder.mkdir()
    (folder / "tickets.jsonl").write_text(
        '{"id": "X", "priority": "P1", "created_at": "yesterday"}\n', "utf-8"
    )
    result = CliRunner().invoke(cli, ["eval", POLICY, "--data", str(folder), "--as-of", AS_OF])
    assert result.exit_code == 2
    assert "tickets.jsonl" in result.output and "Traceback" not in result.output


def test_bad_period_and_as_of_exit_two() -> None:
    for extra in (["--period", "2026-13"], ["--as-of", "soon"], ["--format", "yaml"]):
        args = ["eval", POLICY, "--data", DATA, *extra]
        if "--as-of" not in extra:
            args += ["--as-of", AS_OF]
        result = CliRunner().invoke(cli, args)
        assert result.exit_code == 2, (extra, result.output)
        assert "Traceback" not in result.output


def test_explain_lists_every_record_with_clock_wall_and_pauses() -> None:
    result = CliRunner().invoke(
        cli,
        [
            "explain",
            POLICY,
            "--data",
            DATA,
            "--target",
            "p1_response",
            "--period",
            "2026-02",
            "--as-of",
            AS_OF,
        ],
    )
    assert result.exit_code == 1  # breached in February
    header = next(line for line in result.output.splitlines() if "WALL TIME" in line)
    assert header.split() == [
        "ID",
        "STATUS",
        "CLOCK",
        "WALL",
        "TIME",
        "ON",
        "CLOCK",
        "PAUSED",
        "MEASURED",
        "OPEN",
    ]
    row = next(line for line in result.output.splitlines() if "QS-0201" in line)
    # 25 minutes (1500 s) on 24x7: clock time equals wall time, nothing paused
    assert row.split() == ["QS-0201", "breached", "24x7", "25m", "25m", "0s", "25m"]


def test_explain_unknown_target_suggests_a_name() -> None:
    result = CliRunner().invoke(
        cli,
        [
            "explain",
            POLICY,
            "--data",
            DATA,
            "--target",
            "p1_respons",
            "--period",
            "2026-02",
            "--as-of",
            AS_OF,
        ],
    )
    assert result.exit_code == 2
    assert "did you mean `p1_response`" in result.output


def test_json_writer_round_trips_and_keeps_flat_items_on_one_line() -> None:
    document = _document()
    text = FORMATS["json"](document)
    assert json.loads(text) == json.loads(json.dumps(document))
    # a flat object (a breached record) sits on one line
    assert '{"id": "QS-0201", "measured_s": 1500, "limit_s": 900, "open": false}' in text


def test_columnar_skeleton_and_document_render_the_same_bytes() -> None:
    policy = load_policy(POLICY)
    bundle = load_data(DATA, policy=policy)
    periods = [parse_period(p, "month", policy.timezone) for p in ("2026-01", "2026-02", "2026-03")]
    evaluation = evaluate(policy, bundle, periods, dt.datetime.fromisoformat(AS_OF))
    assert FORMATS["json"](evaluation.skeleton) == FORMATS["json"](evaluation.document)


ACCOUNTABILITY = ROOT / "examples" / "accountability"


def test_eval_decides_on_approved_exclusions_and_reports_the_disputed() -> None:
    result = CliRunner().invoke(
        cli,
        [
            "eval",
            str(ACCOUNTABILITY / "policy.sla"),
            "--data",
            str(ACCOUNTABILITY / "data"),
            "--from",
            "2026-04",
            "--to",
            "2026-05",
            "--as-of",
            "2026-06-01T09:00:00-04:00",
            "--format",
            "json",
        ],
    )
    document = json.loads(result.output)
    april = document["periods"][0]["targets"]
    # X-01 (approved) removes AC-102: AC-101 and AC-103 remain, both met
    assert april["p1_resolution"]["verdict"] == "met"
    assert sorted(april["p1_resolution"]["records"]) == ["AC-101", "AC-103"]
    assert [d["id"] for d in document["exclusions"]["disputed"]] == ["X-03"]
    changed = document["exclusions"]["dispute_effect"]["periods"][0]
    assert changed["period"] == "2026-05" and changed["targets"][0]["verdict_if_excluded"] == "met"
    jsonschema.Draft202012Validator(_schema()).validate(document)


def test_the_committed_schema_is_generated_from_the_typed_document() -> None:
    """One definition of the document: the schema file is what the models generate
    (`sla schema evaluation > rules_engine/schemas/evaluation.schema.json` renews it)."""
    from rules_engine import document

    assert _schema() == document.json_schema()
    # the typed reader and the generated schema agree on a real document
    real = json.loads(FORMATS["json"](_document()))
    typed = document.read(real)
    assert [p.period for p in typed.periods] == ["2026-01", "2026-02", "2026-03"]
    p1 = typed.periods[1].targets["p1_response"]
    assert isinstance(p1, document.PercentTarget)
    assert (p1.met, p1.breached, p1.value) == (1, 1, "50.000000")  # QS-0201 late: 1 of 2


def test_schema_rejects_a_target_whose_figures_do_not_match_its_kind() -> None:
    real = json.loads(FORMATS["json"](_document()))
    target = real["periods"][0]["targets"]["p3_resolution"]  # a percentile
    target["kind"] = "percent"  # but it has value_s and rank, no value or margin
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.Draft202012Validator(_schema()).validate(real)
