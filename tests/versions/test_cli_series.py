"""`sla eval` and `sla report` over a series of policy versions, end to end.

The example in ``examples/versions``: v1 (from 2026-01-01) asks 90% of P1 tickets
answered within 30m for a fee of 10,000; v2 (from 2026-07-01) asks 15m for 11,000. Both
pay 1% of the fee when P2 tickets are resolved in time 3 months in a row. Each month has
four P1 tickets and one P2 ticket (see its README for the data, month by month).
"""

from __future__ import annotations

import contextlib
import json
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from rules_engine.cli import cli
from rules_engine.cli.eval_cmd import FORMAT_NAMES

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "examples" / "versions"
VERSIONS = "examples/versions/versions"
DATA = "examples/versions/data"
YEAR = ["--from", "2026-01", "--to", "2026-12", "--as-of", "2027-01-01T00:00:00Z"]


def sla(*args: str) -> Result:
    return CliRunner().invoke(cli, list(args), catch_exceptions=False)


@pytest.fixture(autouse=True)
def from_root(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ROOT)


@pytest.fixture(scope="module")
def year() -> dict:  # type: ignore[type-arg]
    with contextlib.chdir(ROOT):
        done = sla("eval", VERSIONS, "--data", DATA, *YEAR, "--format", "json")
    assert done.exit_code == 1, done.stderr  # July is breached
    return json.loads(done.stdout)  # type: ignore[no-any-return]


def test_each_period_names_the_version_in_force(year: dict) -> None:  # type: ignore[type-arg]
    versions = {p["period"]: (p["version"], p["version_effective"]) for p in year["periods"]}
    assert versions == {
        **{f"2026-{m:02d}": ("v1.sla", "2026-01-01") for m in range(1, 7)},
        **{f"2026-{m:02d}": ("v2.sla", "2026-07-01") for m in range(7, 13)},
    }
    assert [(v["version"], v["effective"]) for v in year["series"]] == [
        ("v1.sla", "2026-01-01"),
        ("v2.sla", "2026-07-01"),
    ]
    # the head of the document is the version in force at the last period
    assert year["policy"]["version"] == "v2.sla"
    assert year["policy"]["path"].endswith("v2.sla")
    assert len(year["policy"]["sha256"]) == 64
    for key in ("schema_version", "engine_version", "calendars", "summary", "data", "as_of"):
        assert key in year


def test_july_is_judged_by_v2_and_differs_from_v1_alone(year: dict) -> None:  # type: ignore[type-arg]
    periods = {p["period"]: p for p in year["periods"]}
    july = periods["2026-07"]["targets"]["p1_response"]
    # answered in 10m, 10m, 20m, 25m: 2 of 4 within 15m = 50%
    assert (july["objective"], july["verdict"], july["value"]) == (
        "90% within 15m",
        "breached",
        "50.000000",
    )
    assert sorted(r["id"] for r in july["breached_records"]) == ["P1-073", "P1-074"]
    # v1 alone: all 4 within 30m, met
    done = sla("eval", f"{VERSIONS}/v1.sla", "--data", DATA, "--period", "2026-07",
               "--as-of", "2027-01-01T00:00:00Z", "--format", "json")  # fmt: skip
    assert done.exit_code == 0
    alone = json.loads(done.stdout)["periods"][0]["targets"]["p1_response"]
    assert (alone["verdict"], alone["value"]) == ("met", "100.000000")
    # June stays v1's: 10m, 10m, 10m, 25m all within 30m
    assert periods["2026-06"]["targets"]["p1_response"]["verdict"] == "met"


def test_money_follows_the_version_and_streaks_cross_the_amendment(year: dict) -> None:  # type: ignore[type-arg]
    periods = {p["period"]: p for p in year["periods"]}
    fees = {k: p["fee"] for k, p in periods.items()}
    assert fees["2026-06"] == "10000.00" and fees["2026-07"] == "11000.00"
    # July: p1_response breached, 5% x 11,000.00 = 550.00; no other month breaches it
    assert {k: p["credits_total"] for k, p in periods.items() if p["credits_total"] != "0.00"} == {
        "2026-07": "550.00"
    }
    # P2 resolved in time every month but April (10h > 8h): runs Jan-Mar, then May on.
    # March pays 1% x 10,000.00 = 100.00; July, v2's first month, pays 1% x 11,000.00 =
    # 110.00 because its run of three counts May and June, judged by v1; then every month
    bonuses = {k: p["bonus_total"] for k, p in periods.items()}
    assert bonuses == {
        "2026-01": "0.00",
        "2026-02": "0.00",
        "2026-03": "100.00",
        "2026-04": "0.00",
        "2026-05": "0.00",
        "2026-06": "0.00",
        **{f"2026-{m:02d}": "110.00" for m in range(7, 13)},
    }
    # 550.00 of credits; 100.00 + 6 x 110.00 = 760.00 of bonuses
    assert year["totals"] == {"credits": "550.00", "bonuses": "760.00"}
    # 12 periods x 2 targets = 24 verdicts: April p2 and July p1 breached
    assert year["summary"]["verdicts"] == {"met": 22, "breached": 2, "at_risk": 0, "no_data": 0}


def test_one_period_alone_gives_the_same_answer(year: dict) -> None:  # type: ignore[type-arg]
    done = sla("eval", VERSIONS, "--data", DATA, "--period", "2026-07",
               "--as-of", "2027-01-01T00:00:00Z", "--format", "json")  # fmt: skip
    (july,) = json.loads(done.stdout)["periods"]
    assert july == next(p for p in year["periods"] if p["period"] == "2026-07")
    assert july["bonus_total"] == "110.00"


def test_text_output_names_the_version_per_period() -> None:
    done = sla("eval", VERSIONS, "--data", DATA, "--from", "2026-06", "--to", "2026-07",
               "--as-of", "2027-01-01T00:00:00Z")  # fmt: skip
    assert done.exit_code == 1
    lines = done.stdout.splitlines()
    june = lines.index("2026-06 (over, 2026-06-01T00:00:00+00:00 to 2026-07-01T00:00:00+00:00)")
    july = lines.index("2026-07 (over, 2026-07-01T00:00:00+00:00 to 2026-08-01T00:00:00+00:00)")
    assert lines[june + 1] == "  version v1.sla, effective 2026-01-01"
    assert lines[july + 1] == "  version v2.sla, effective 2026-07-01"
    assert "    credit response_credits: 5% x 11,000.00 USD = 550.00 USD" in lines


@pytest.mark.parametrize("output_format", FORMAT_NAMES)
def test_every_eval_format_renders_a_series(output_format: str) -> None:
    done = sla("eval", VERSIONS, "--data", DATA, "--from", "2026-06", "--to", "2026-07",
               "--as-of", "2027-01-01T00:00:00Z", "--format", output_format)  # fmt: skip
    assert (done.exit_code, done.stderr) == (1, "")
    assert "p1_response" in done.stdout
    if output_format in ("json", "sarif"):
        json.loads(done.stdout)
    if output_format == "sarif":  # the breach points at the version that judged July
        assert "examples/versions/versions/v2.sla" in done.stdout


def test_markdown_report_names_the_version_per_period_and_lists_the_series() -> None:
    done = sla("report", VERSIONS, "--data", DATA, "--from", "2026-06", "--to", "2026-07",
               "--as-of", "2027-01-01T00:00:00Z", "--format", "markdown")  # fmt: skip
    assert done.exit_code == 0, done.stderr
    text = done.stdout
    assert "## Policy versions" in text
    assert "- 2026-06: version `v1.sla`, effective 2026-01-01" in text
    assert "- 2026-07: version `v2.sla`, effective 2026-07-01" in text
    audit = text[text.index("## Audit") :]
    assert (
        "| Version v1.sla | `effective 2026-01-01, examples/versions/versions/v1.sla, SHA-256 "
        in audit
    )
    assert (
        "| Version v2.sla | `effective 2026-07-01, examples/versions/versions/v2.sla, SHA-256 "
        in audit
    )
    # July's credit, priced by v2: 5% x 11,000.00
    assert "5% x 11,000.00 USD = 550.00 USD" in text


def test_html_report_and_a_kept_document_name_the_versions(tmp_path: Path) -> None:
    done = sla("report", VERSIONS, "--data", DATA, "--from", "2026-06", "--to", "2026-07",
               "--as-of", "2027-01-01T00:00:00Z", "--format", "html")  # fmt: skip
    assert done.exit_code == 0, done.stderr
    assert "<li>2026-07: version <code>v2.sla</code>, effective 2026-07-01</li>" in done.stdout
    assert "<dt>Version v1.sla</dt>" in done.stdout
    kept = tmp_path / "eval.json"
    sla("eval", VERSIONS, "--data", DATA, "--from", "2026-06", "--to", "2026-07",
        "--as-of", "2027-01-01T00:00:00Z", "--format", "json", "--output", str(kept))  # fmt: skip
    again = sla("report", "--from-json", str(kept), "--format", "markdown")
    assert again.exit_code == 0, again.stderr
    assert "- 2026-06: version `v1.sla`, effective 2026-01-01" in again.stdout


# --------------------------------------------------------------------------- bad input


def _copy_versions(tmp_path: Path) -> Path:
    folder = tmp_path / "versions"
    folder.mkdir()
    for name in ("v1.sla", "v2.sla"):
        shutil.copy(EXAMPLE / "versions" / name, folder / name)
    return folder


def _fails(*args: str) -> str:
    done = sla(*args)
    assert done.exit_code == 2, done.stdout + done.stderr
    assert done.stdout == ""
    assert "Traceback" not in done.stderr
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1, done.stderr
    return lines[0]


def test_an_empty_folder(tmp_path: Path) -> None:
    (tmp_path / "empty").mkdir()
    line = _fails("eval", str(tmp_path / "empty"), "--data", DATA, "--period", "2026-07")
    assert line == (
        f"error: `{tmp_path / 'empty'}` holds no policy files; "
        "help: put one *.sla file per version in it"
    )


def test_a_version_that_does_not_check_is_named_with_its_location(tmp_path: Path) -> None:
    folder = _copy_versions(tmp_path)
    broken = (folder / "v2.sla").read_text().replace("priority = P1", "priority = P9")
    (folder / "v2.sla").write_text(broken)
    line = _fails("eval", str(folder), "--data", DATA, "--period", "2026-07")
    # the scope of p1_response is on line 15 of v2.sla
    assert line.startswith(f"error: version `v2.sla` does not check: {folder / 'v2.sla'}:15:")
    assert line.endswith(f"help: run `sla check {folder / 'v2.sla'}`")
    # the report says the same
    assert (
        _fails("report", str(folder), "--data", DATA, "--from", "2026-07", "--to", "2026-07")
        == line
    )


def test_two_versions_with_the_same_effective_date(tmp_path: Path) -> None:
    folder = _copy_versions(tmp_path)
    shutil.copy(folder / "v2.sla", folder / "v2b.sla")
    line = _fails("eval", str(folder), "--data", DATA, "--period", "2026-07")
    assert line == (
        "error: `v2.sla` and `v2b.sla` both take effect on 2026-07-01; "
        "help: give each version its own `effective` date"
    )


def test_a_period_before_the_first_version() -> None:
    line = _fails("eval", VERSIONS, "--data", DATA, "--period", "2025-12",
                  "--as-of", "2027-01-01T00:00:00Z")  # fmt: skip
    assert line == (
        "error: period 2025-12 starts before the first version takes effect (2026-01-01); "
        "help: start at 2026-01 or later"
    )


def test_history_needs_a_file_in_git(tmp_path: Path) -> None:
    line = _fails("eval", VERSIONS, "--history", "--data", DATA, "--period", "2026-07")
    assert line.startswith("error: --history reads one file's git history, and ")
    outside = tmp_path / "policy.sla"
    shutil.copy(EXAMPLE / "versions" / "v1.sla", outside)
    line = _fails("eval", str(outside), "--history", "--data", str(EXAMPLE / "data"),
                  "--period", "2026-07")  # fmt: skip
    assert line == (
        f"error: `{outside}` is not in a git repository, so it has no history; "
        "help: commit it to a repository, or give a folder with one *.sla file per version"
    )


# --------------------------------------------------------------------------- git history


def _git(repo: Path, *args: str) -> str:
    import subprocess

    return subprocess.run(
        ["git", *args], cwd=repo, check=True, capture_output=True, text=True
    ).stdout.strip()


def test_history_of_one_file_in_a_temporary_repository(tmp_path: Path) -> None:
    repo = tmp_path / "contracts"
    (repo / "fabrikam").mkdir(parents=True)
    _git(repo, "init", "-q", "-b", "main")
    _git(repo, "config", "user.email", "t@example.com")
    _git(repo, "config", "user.name", "T")
    _git(repo, "config", "commit.gpgsign", "false")
    policy = repo / "fabrikam" / "policy.sla"
    shutil.copy(EXAMPLE / "versions" / "v1.sla", policy)
    _git(repo, "add", ".")
    _git(repo, "commit", "-qm", "the contract as signed")
    shutil.copy(EXAMPLE / "versions" / "v2.sla", policy)
    _git(repo, "commit", "-qam", "amendment 1: P1 within 15m from July")
    first, second = _git(repo, "log", "--format=%h", "--reverse").split()
    # run from the project root: the history is read in the file's own repository
    done = sla("eval", str(policy), "--history", "--data", DATA, *YEAR, "--format", "json")
    assert done.exit_code == 1, done.stderr
    doc = json.loads(done.stdout)
    labels = {p["period"]: p["version"] for p in doc["periods"]}
    assert labels["2026-06"] == f"{first}:fabrikam/policy.sla"
    assert labels["2026-07"] == f"{second}:fabrikam/policy.sla"
    july = next(p for p in doc["periods"] if p["period"] == "2026-07")
    # the same verdicts and money as the folder of versions: 2 of 4 within 15m
    assert (july["targets"]["p1_response"]["value"], july["credits_total"]) == (
        "50.000000",
        "550.00",
    )
    assert doc["totals"] == {"credits": "550.00", "bonuses": "760.00"}
    # an uncommitted edit is not a version: only committed states count
    policy.write_text(policy.read_text().replace("effective 2026-07-01", "effective 2026-08-01"))
    again = json.loads(
        sla("eval", str(policy), "--history", "--data", DATA, *YEAR, "--format", "json").stdout
    )
    assert again["periods"] == doc["periods"]


# --------------------------------------------------------------------------- the example


def test_the_readme_command_reproduces_expected_txt() -> None:
    readme = (EXAMPLE / "README.md").read_text(encoding="utf-8")
    command = next(line for line in readme.splitlines() if line.startswith("sla eval examples/"))
    done = sla(*command.split()[1:])
    assert done.exit_code == 1  # July is breached
    expected = (EXAMPLE / "expected.txt").read_text(encoding="utf-8")
    assert done.stdout == expected, (
        "regenerate examples/versions/expected.txt with the README command if the change "
        "is deliberate, and check it against the README's arithmetic"
    )
    # the README's totals: 22 met, 2 breached; July's lines as worked by hand
    assert expected.endswith("22 met, 2 breached, 0 at_risk, 0 no_data\n")
    assert "    credit response_credits: 5% x 11,000.00 USD = 550.00 USD" in expected
    assert "    bonus steady_resolution: 1% x 10,000.00 USD = 100.00 USD" in expected


@pytest.mark.parametrize(
    ("example", "effective", "args"),
    [
        ("quickstart", "2026-01-01", ["--from", "2026-01", "--to", "2026-03",
                                      "--as-of", "2026-04-01T09:00:00-04:00"]),
        ("accountability", "2026-04-01", ["--from", "2026-04", "--to", "2026-05",
                                          "--as-of", "2026-06-01T09:00:00-04:00"]),
    ],
)  # fmt: skip
def test_a_series_of_one_version_says_what_the_policy_says(
    example: str, effective: str, args: list[str], tmp_path: Path
) -> None:
    # the quick-start and the accountability example (exclusions ledger with a disputed
    # entry) as a folder holding their one policy: the same verdicts, money and ledger
    source = ROOT / "examples" / example
    shutil.copy(source / "policy.sla", tmp_path / "policy.sla")
    data = str(source / "data")
    single = json.loads(sla("eval", str(tmp_path / "policy.sla"), "--data", data, *args,
                            "--format", "json").stdout)  # fmt: skip
    series = json.loads(sla("eval", str(tmp_path), "--data", data, *args,
                            "--format", "json").stdout)  # fmt: skip
    for period in series["periods"]:
        assert (period.pop("version"), period.pop("version_effective")) == (
            "policy.sla",
            effective,
        )
    assert series["periods"] == single["periods"]
    for key in ("totals", "exit_right", "summary", "calendars", "data", "as_of", "policy"):
        expected = single[key]
        if key == "policy":
            expected = {**expected, "version": "policy.sla", "version_effective": effective}
        assert series[key] == expected, key
    if "exclusions" in single:
        assert series["exclusions"]["ledger"] == single["exclusions"]["ledger"]
        assert series["exclusions"]["disputed"] == single["exclusions"]["disputed"]
        assert (
            series["exclusions"]["dispute_effect"]["periods"]
            == single["exclusions"]["dispute_effect"]["periods"]
        )


def test_a_series_report_lists_escalations_by_the_version_of_the_last_period(
    tmp_path: Path,
) -> None:
    # policies/managed_it.sla as the only version of a folder; P1 ESC-1 opened 20:00 UTC,
    # still open at 00:00 UTC: 4h elapsed, past `at 4h` (notify the Customer CIO)
    folder = tmp_path / "versions"
    folder.mkdir()
    shutil.copy(ROOT / "policies" / "managed_it.sla", folder / "v1.sla")
    ticket = {"id": "ESC-1", "priority": "P1", "created_at": "2026-03-31T20:00:00Z",
              "first_response_at": "2026-03-31T20:05:00Z", "resolved_at": None,
              "status": "in progress"}  # fmt: skip
    (tmp_path / "tickets.jsonl").write_text(json.dumps(ticket) + "\n")
    done = sla("report", str(folder), "--data", str(tmp_path / "tickets.jsonl"),
               "--from", "2026-03", "--to", "2026-03", "--as-of", "2026-04-01T00:00:00Z",
               "--format", "markdown")  # fmt: skip
    assert done.exit_code == 0, done.stderr
    section = done.stdout[done.stdout.index("## Escalations") : done.stdout.index("## Disputed")]
    assert "ESC-1" in section and "Customer CIO" in section
    assert "- 2026-03: version `v1.sla`, effective 2026-01-01" in done.stdout
