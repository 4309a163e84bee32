"""`sla test`: cases, failures with explanations, located schema errors, coverage, formats."""

from __future__ import annotations

import json
from pathlib import Path
from xml.etree import ElementTree as ET

import pytest
import xmlschema
from click.testing import CliRunner

from rules_engine.cli import cli
from rules_engine.workflow.policytest import TestFileError, load_yaml, run_tests

from .fixtures import POLICY

CASES = """\
policy: ./policy.sla
cases:
  - name: a slow P1 breaches January and pays a credit
    as_of: 2026-03-01T00:00:00Z
    periods: 2026-01..2026-02
    data:
      tickets:
        - {id: A1, priority: P1, created_at: 2026-01-05T10:00:00Z, first_response_at: 2026-01-05T10:20:00Z}
        - {id: A2, priority: P1, created_at: 2026-01-06T10:00:00Z, first_response_at: 2026-01-06T10:05:00Z}
    expect:
      targets:
        p1_response:
          # A1 20m > 15m breached, A2 5m met: 1 of 2 = 50% < 95%
          2026-01: {verdict: breached, value: "50", met: 1, breached: 1, breached_records: [A1]}
          2026-02: no_data
      credits: {2026-01: "400.00", 2026-02: "0.00"}
      credits_total: "400.00"
      bonus_total: "0"
      exit_right: null
  - name: two met months pay the bonus
    as_of: 2026-03-01T00:00:00Z
    periods: [2026-01, 2026-02]
    data:
      tickets:
        - {id: B1, priority: P1, created_at: 2026-01-05T10:00:00Z, first_response_at: 2026-01-05T10:05:00Z}
        - {id: B2, priority: P1, created_at: 2026-02-05T10:00:00Z, first_response_at: 2026-02-05T10:05:00Z}
    expect:
      targets:
        p1_response: {2026-01: met, 2026-02: met}
      # 2 consecutive met months end in February: 1% x 8,000.00 = 80.00
      bonuses: {2026-01: "0.00", 2026-02: "80.00"}
"""


@pytest.fixture
def folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    (tmp_path / "policy.sla").write_text(POLICY)
    (tmp_path / "policy_test.yaml").write_text(CASES)
    monkeypatch.chdir(tmp_path)
    return tmp_path


def sla(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(cli, list(args))
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    return result.exit_code, result.stdout, result.stderr


def test_all_pass_with_full_coverage(folder: Path) -> None:
    code, out, _ = sla("test", "-v", "--coverage")
    assert code == 0, out
    assert "PASS policy_test.yaml::a slow P1 breaches January and pays a credit" in out
    # 4 clauses (target, credit tier, bonus, its look-back) x 2 outcomes, all observed
    assert "coverage policy.sla: 8/8 outcomes observed (100.0%)" in out
    assert out.splitlines()[-1] == "2 passed, 0 failed, 0 errors; clause coverage 100.0%"


def test_coverage_counts_observed_outcomes_not_names(folder: Path) -> None:
    run = run_tests([folder], run="slow P1")
    cov = next(iter(run.coverage.values()))
    target = cov.clause("target", "p1_response")
    # case 1 sees January breached and February no_data: `met` was never observed
    assert target.seen == {"breached"} and target.extra_seen == {"no_data"}
    assert target.missing == ["met"]
    tier = cov.clause("credit tier", "response_credits #1 (p1_response breached)")
    assert tier.seen == {"fired", "not fired"}
    assert cov.clause("bonus", "excellence").seen == {"not paid"}
    # observed: target 1 + tier 2 + bonus 1 + look-back 1 = 5 of 8 = 62.5%
    assert (cov.observed, cov.total) == (5, 8)
    code, out, err = sla("test", "--run", "slow P1", "--threshold", "70")
    assert code == 1
    assert "MISS target p1_response: seen breached, no_data; never met (policy.sla:12:1)" in out
    assert "coverage is under the threshold of 70%" in err
    code, _, _ = sla("test", "--run", "slow P1", "--threshold", "62.5")
    assert code == 0


def test_failure_shows_expected_actual_and_why(folder: Path) -> None:
    text = CASES.replace("2026-01: {verdict: breached,", "2026-01: {verdict: met,")
    (folder / "policy_test.yaml").write_text(text)
    code, out, _ = sla("test")
    assert code == 1
    lines = out.splitlines()
    at = lines.index("FAIL policy_test.yaml::a slow P1 breaches January and pays a credit")
    # the expectation is on line 14, its key at column 11
    assert lines[at + 1] == "  policy_test.yaml:14:11: targets.p1_response.2026-01"
    assert lines[at + 2] == "    expected: met"
    assert lines[at + 3] == "    actual:   breached"
    assert lines[at + 4].startswith("    why:      p1_response")
    assert "1 met, 1 breached" in lines[at + 4]
    assert lines[-1].startswith("1 passed, 1 failed, 0 errors")


def test_money_failure_shows_the_arithmetic(folder: Path) -> None:
    (folder / "policy_test.yaml").write_text(CASES.replace('2026-02: "80.00"', '2026-02: "90.00"'))
    code, out, _ = sla("test")
    assert code == 1
    assert "    expected: 90.00\n    actual:   80.00\n" in out
    assert "1% x 8,000.00 USD = 80.00 USD" in out


def test_unknown_expectation_key_is_located(folder: Path) -> None:
    (folder / "policy_test.yaml").write_text(
        CASES.replace("      credits_total:", "      credit_total:")
    )
    code, out, _ = sla("test")
    assert code == 2
    assert out.splitlines()[0] == (
        "policy_test.yaml:17:7: error: unknown expectation key `credit_total`"
    )
    assert "help: did you mean `credits_total`?" in out


def test_unknown_verdict_and_target(folder: Path) -> None:
    (folder / "policy_test.yaml").write_text(CASES.replace("2026-02: no_data", "2026-02: nodata"))
    code, out, _ = sla("test")
    assert code == 2
    assert out.startswith(
        "policy_test.yaml:15:11: error: `cases.0.expect.targets.p1_response.2026-02"
    )
    (folder / "policy_test.yaml").write_text(
        CASES.replace("p1_response: {2026-01", "p1_respons: {2026-01")
    )
    code, out, _ = sla("test")
    assert code == 1
    assert "actual:   no such target (did you mean `p1_response`?)" in out


def test_bad_inline_record_points_at_its_line(folder: Path) -> None:
    (folder / "policy_test.yaml").write_text(
        CASES.replace("created_at: 2026-01-06T10:00:00Z", "created_at: yesterday")
    )
    code, out, _ = sla("test")
    assert code == 2
    line = next(x for x in out.splitlines() if "data:" in x)
    assert line.strip().startswith("policy_test.yaml:9:")
    assert "created_at" in line


def test_policy_that_does_not_check(folder: Path) -> None:
    (folder / "policy.sla").write_text(POLICY.replace("priority = P1", "priority = P7"))
    code, out, _ = sla("test")
    assert code == 2
    assert out.startswith("policy_test.yaml:1:1: error: policy `./policy.sla` does not check")


def test_json_and_junit(folder: Path) -> None:
    code, out, _ = sla("test", "--format", "json")
    assert code == 0
    doc = json.loads(out)
    assert (doc["passed"], doc["failed"], doc["errors"]) == (2, 0, 0)
    assert doc["coverage"]["percent"] == "100.0"
    (folder / "policy_test.yaml").write_text(CASES.replace('2026-02: "80.00"', '2026-02: "1.00"'))
    code, out, _ = sla("test", "--format", "junit")
    assert code == 1
    root = ET.fromstring(out.split("\n", 1)[1])
    suite = root.find("testsuite")
    assert suite is not None
    assert (suite.get("tests"), suite.get("failures")) == ("2", "1")
    failing = [c for c in suite.iter("testcase") if c.find("failure") is not None]
    assert [c.get("name") for c in failing] == ["two met months pay the bonus"]


def test_junit_validates_against_the_junit_10_schema(folder: Path) -> None:
    schema_file = Path(__file__).resolve().parents[1] / "report" / "schemas" / "junit-10.xsd"
    (folder / "policy_test.yaml").write_text(CASES.replace('2026-02: "80.00"', '2026-02: "1.00"'))
    code, out, _ = sla("test", "--format", "junit")
    assert code == 1
    xmlschema.XMLSchema(str(schema_file)).validate(out)
    # a file that cannot run is an <error> (Ant/Jenkins JUnit; that XSD spells it <errors>)
    (folder / "broken_test.yaml").write_text("policy: ./policy.sla\ncases: []\nextra: 1\n")
    code, out, _ = sla("test", "--format", "junit")
    assert code == 2
    root = ET.fromstring(out.split("\n", 1)[1])
    assert (root.get("tests"), root.get("failures"), root.get("errors")) == ("3", "1", "1")
    [error] = root.iter("error")
    assert error.get("message") == "unknown key `extra`"


def test_no_tests_found_exits_2(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    code, _, err = sla("test")
    assert code == 2
    assert "no test cases found" in err


def test_yaml_keeps_strings_and_refuses_duplicates() -> None:
    doc = load_yaml("a: 2026-01-05T10:00:00Z\nb: 99.5\nc: 3\n", "x.yaml")
    assert doc == {"a": "2026-01-05T10:00:00Z", "b": "99.5", "c": 3}
    with pytest.raises(TestFileError) as info:
        load_yaml("a: 1\nb: 2\na: 3\n", "x.yaml")
    assert (info.value.line, info.value.column, info.value.message) == (3, 1, "duplicate key `a`")


ESCALATION = """
escalation p1_open {
  of tickets where priority = P1 and open
  at 30m notify "Service desk lead"
  at 4h notify "Customer CIO"
}
"""

ESCALATION_CASES = """\
policy: ./policy.sla
cases:
  - name: an hour-old open P1 has crossed the first step only
    as_of: 2026-01-05T11:00:00Z
    periods: [2026-01]
    data:
      tickets:
        - {id: E1, priority: P1, created_at: 2026-01-05T10:00:00Z, first_response_at: 2026-01-05T10:05:00Z}
    expect:
      targets: {p1_response: {2026-01: met}}
  - name: a ten-minute-old open P1 has crossed nothing
    as_of: 2026-01-05T10:10:00Z
    periods: [2026-01]
    data:
      tickets:
        - {id: E2, priority: P1, created_at: 2026-01-05T10:00:00Z, first_response_at: 2026-01-05T10:05:00Z}
    expect:
      targets: {p1_response: {2026-01: met}}
"""


def test_escalation_steps_covered_by_what_open_records_reached(tmp_path: Path) -> None:
    (tmp_path / "policy.sla").write_text(POLICY + ESCALATION)
    (tmp_path / "policy_test.yaml").write_text(ESCALATION_CASES)
    run = run_tests([tmp_path])
    assert (run.passed, run.failed, run.errored) == (2, 0, 0)
    cov = next(iter(run.coverage.values()))
    # E1 is 60m old at as-of: past 30m, short of 4h; E2 is 10m old: short of both
    first = cov.clause("escalation step", 'p1_open #1 (at 30m notify "Service desk lead")')
    second = cov.clause("escalation step", 'p1_open #2 (at 4h notify "Customer CIO")')
    assert first.seen == {"crossed", "not crossed"}
    assert second.seen == {"not crossed"}


def test_decimal_numbers_in_records_and_expectations(tmp_path: Path) -> None:
    policy = (
        POLICY
        + "\ntarget satisfaction {\n  of surveys\n  measure mean score\n  require mean >= 4.2\n}\n"
    )
    (tmp_path / "policy.sla").write_text(policy)
    (tmp_path / "policy_test.yaml").write_text(
        """\
policy: ./policy.sla
cases:
  - name: unquoted decimals
    as_of: 2026-02-01T00:00:00Z
    periods: [2026-01]
    data:
      surveys:
        - {id: S1, submitted_at: 2026-01-10T10:00:00Z, score: 4.5}
        - {id: S2, submitted_at: 2026-01-11T10:00:00Z, score: 4.0}
    expect:
      targets:
        # (4.5 + 4.0) / 2 = 4.25 >= 4.2
        satisfaction: {2026-01: {verdict: met, value: 4.25}}
"""
    )
    run = run_tests([tmp_path / "policy.sla"])  # a policy named directly runs its tests
    assert [(r.name, r.status) for r in run.results] == [("unquoted decimals", "passed")]


def test_data_and_data_path_together_is_an_error(folder: Path) -> None:
    text = CASES.replace(
        "    data:\n      tickets:\n        - {id: A1",
        "    data_path: ./data\n    data:\n      tickets:\n        - {id: A1",
        1,
    )
    (folder / "policy_test.yaml").write_text(text)
    code, out, _ = sla("test")
    assert code == 2
    assert out.startswith("policy_test.yaml:3:5: error: `cases.0`: value error, give inline `data`")


def test_a_defect_below_is_one_case_error_not_a_traceback(folder: Path) -> None:
    def boom(*_: object) -> object:
        raise ZeroDivisionError("division by zero")

    run = run_tests([folder], evaluate=boom)
    assert [r.status for r in run.results] == ["error", "error"]
    error = run.results[0].error
    assert f"{folder / 'policy_test.yaml'}:3:5: error: internal error running the case: " in error
    assert "ZeroDivisionError: division by zero" in error
    assert error.endswith("help: please report this")


def test_a_duration_value_is_written_as_policies_write_it(tmp_path: Path) -> None:
    """`value: 32h` compares with the target's seconds (32 x 3600 = 115,200) and a failure
    shows the actual value as a duration too, not as 115200."""
    shipped = Path(__file__).resolve().parents[2] / "policies"
    (tmp_path / "managed_it.sla").write_text((shipped / "managed_it.sla").read_text())
    cases = (shipped / "managed_it_test.yaml").read_text()
    assert "p3_resolution: {2026-01: {verdict: breached, value: 32h}}" in cases
    (tmp_path / "managed_it_test.yaml").write_text(cases)
    assert run_tests([tmp_path]).failed == 0
    (tmp_path / "managed_it_test.yaml").write_text(cases.replace("value: 32h}", "value: 31h}"))
    code, out, _ = sla("test", str(tmp_path))
    assert code == 1
    assert "    expected: 31h\n    actual:   32h\n" in out
