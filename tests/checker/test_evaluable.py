"""The checker refuses what evaluation cannot do (issue 14).

Each policy here used to check clean and then crash `eval`, `report` or `explain` (or
crash `check` itself): a 27-digit fee overflowed the decimal context, a 5,000-digit count
could not be printed, `effective 9999-12-01` has no next period, `effective 0001-01-01`
made one month's evaluation replay two thousand years, `timezone "posixrules"` named a
host alias, a fee per quarter had no price in a monthly policy, and an escalation took a
fraction of a target on another dataset (ColumnNotFoundError).
"""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st

from rules_engine.api import check_source
from rules_engine.cli import cli
from rules_engine.evaluation.engine import PeriodError, check_periods
from rules_engine.evaluation.periods import parse_period
from rules_engine.language.diagnostics import Diagnostic
from rules_engine.language.limits import iana_zones, is_iana_zone

HEAD = """\
policy "p"
effective 2026-01-01
timezone "America/New_York"
currency USD
fee 1000 per month
"""
TARGET = """\
target t {
  of tickets
  measure response_time
  require 95% within 15m
}
"""


def _diagnostics(text: str) -> list[Diagnostic]:
    return check_source(text, "p.sla").diagnostics


def _only(text: str, code: str) -> Diagnostic:
    found = [d for d in _diagnostics(text) if d.severity == "error"]
    assert [d.code for d in found] == [code], found
    return found[0]


def test_the_base_policy_checks_clean() -> None:
    assert check_source(HEAD + TARGET, "p.sla").ok


# (what, text replaced in HEAD + TARGET, by, line, column)
OUT_OF_RANGE = [
    ("27-digit fee", "fee 1000", "fee " + "1" * 27, 5, 5),
    ("fee of 10^15", "fee 1000", "fee 1000000000000000", 5, 5),
    ("huge duration", "within 15m", "within " + "9" * 29 + "h", 9, 22),
    ("5,000-digit duration", "within 15m", "within " + "9" * 5000 + "h", 9, 22),
    ("just over 100 years", "within 15m", "within 36501d", 9, 22),
    ("effective in year 9999", "effective 2026-01-01", "effective 9999-12-01", 2, 11),
    ("effective in year 1", "effective 2026-01-01", "effective 0001-01-01", 2, 11),
    ("effective before 1970", "effective 2026-01-01", "effective 1969-12-31", 2, 11),
    ("effective after 2200", "effective 2026-01-01", "effective 2201-01-01", 2, 11),
    ("percentage over 1000%", "require 95%", "require 1000.5%", 9, 11),
    ("13 decimals", "require 95%", "require 95.0000000000001%", 9, 11),
]


@pytest.mark.parametrize(
    ("old", "new", "line", "column"),
    [case[1:] for case in OUT_OF_RANGE],
    ids=[case[0] for case in OUT_OF_RANGE],
)
def test_literals_out_of_range_are_located_errors(
    old: str, new: str, line: int, column: int
) -> None:
    text = (HEAD + TARGET).replace(old, new)
    assert text != HEAD + TARGET
    found = _only(text, "SLA319")
    assert (found.span.line, found.span.column) == (line, column)
    assert found.help


def test_a_huge_count_is_refused() -> None:
    text = HEAD + "target c {\n  of surveys\n  measure count\n  require count >= " + "9" * 5000
    found = _only(text + "\n}\n", "SLA319")
    assert (found.span.line, found.span.column) == (9, 20)
    assert len(found.message) < 120


def test_a_timestamp_compared_with_a_huge_percentage() -> None:
    text = HEAD + TARGET.replace("of tickets", "of tickets where created_at > " + "9" * 400 + "%")
    found = _only(text, "SLA319")
    assert (found.span.line, found.span.column) == (7, 33)


def test_a_look_back_over_1200_periods() -> None:
    credit = (
        "credit c {\n  when t breached in 2 of last 99999999999999 periods credit 5% of fee\n}\n"
    )
    found = _only(HEAD + TARGET + credit, "SLA319")
    assert found.span.line == 12


@pytest.mark.parametrize(
    ("old", "new"),
    [
        ("fee 1000", "fee 999999999999999.99"),
        ("within 15m", "within 36500d"),
        ("effective 2026-01-01", "effective 1970-01-01"),
        ("effective 2026-01-01", "effective 2199-12-01"),
        ("require 95%", "require 1000%"),
        ("require 95%", "require 95.000000000001%"),
    ],
)
def test_literals_at_their_bounds_are_accepted(old: str, new: str) -> None:
    text = (HEAD + TARGET).replace(old, new)
    assert text != HEAD + TARGET
    assert [d for d in _diagnostics(text) if d.code == "SLA319"] == []


@pytest.mark.parametrize(
    "zone", ["posixrules", "localtime", "Factory", "right/UTC", "posix/Europe/London"]
)
def test_host_zone_aliases_are_not_time_zones(zone: str) -> None:
    found = _only(HEAD.replace("America/New_York", zone) + TARGET, "SLA305")
    assert found.span.line == 3
    suggested = (found.help or "").removeprefix("did you mean `").split("`")[0]
    assert suggested == "" or is_iana_zone(suggested) or suggested.startswith("use an IANA")


def test_did_you_mean_suggests_only_canonical_zones() -> None:
    found = _only(HEAD.replace("America/New_York", "localtme") + TARGET, "SLA305")
    assert "localtime" not in (found.help or "")


@settings(max_examples=25, deadline=None)
@given(st.sampled_from(sorted(iana_zones())))
def test_every_canonical_zone_is_accepted(zone: str) -> None:
    assert check_source(HEAD.replace("America/New_York", zone) + TARGET, "p.sla").ok


def test_a_fee_per_quarter_in_a_monthly_policy() -> None:
    found = _only((HEAD + TARGET).replace("per month", "per quarter"), "SLA405")
    assert (found.span.line, found.span.column) == (5, 1)


QUARTERLY = HEAD.replace("fee 1000 per month", "fee 1000 per month\nperiod quarter")


def test_a_quarterly_fee_taking_over_inside_a_quarter() -> None:
    text = QUARTERLY + "fee 3300 per quarter from 2026-02-01\n" + TARGET
    found = _only(text, "SLA317")
    assert found.span.line == 7


def test_a_quarterly_fee_taking_over_at_a_quarter_start_is_fine() -> None:
    text = QUARTERLY + "fee 3300 per quarter from 2026-04-01\n" + TARGET
    assert check_source(text, "p.sla").ok


def test_an_escalation_fraction_of_a_target_on_another_dataset() -> None:
    outage_target = (
        "target restore {\n  of outages\n  measure time from started_at to ended_at\n"
        "  require 95% within 4h\n}\n"
    )
    escalation = 'escalation e {\n  of tickets where open\n  at 50% of restore notify "x"\n}\n'
    found = _only(HEAD + outage_target + escalation, "SLA312")
    assert (found.span.line, found.span.column) == (13, 13)
    same = escalation.replace("of restore", "of t")
    assert check_source(HEAD + TARGET + same, "p.sla").ok


# --------------------------------------------------------------------------- periods


def _policy(effective: str) -> object:
    result = check_source(HEAD.replace("2026-01-01", effective) + TARGET, "p.sla")
    assert result.policy is not None
    return result.policy


def test_a_period_before_effective_is_a_period_error() -> None:
    policy = _policy("2026-06-01")
    march = parse_period("2026-03", "month", "America/New_York")
    june = parse_period("2026-06", "month", "America/New_York")
    with pytest.raises(PeriodError) as info:
        check_periods(policy, [march, june])  # type: ignore[arg-type]
    assert info.value.where == "p.sla:2:11"
    assert "2026-03" in info.value.message and "2026-06-01" in info.value.message
    assert info.value.hint == "start at 2026-06 or later"
    check_periods(policy, [june])  # type: ignore[arg-type]


def test_the_period_containing_effective_can_be_judged() -> None:
    policy = _policy("2026-06-15")
    check_periods(policy, [parse_period("2026-06", "month", "America/New_York")])  # type: ignore[arg-type]


def _eval(tmp_path: Path, effective: str, *args: str) -> tuple[int, str]:
    path = tmp_path / "p.sla"
    path.write_text(HEAD.replace("2026-01-01", effective) + TARGET)
    data = tmp_path / "tickets.jsonl"
    data.write_text("")
    result = CliRunner().invoke(cli, ["eval", str(path), "--data", str(data), *args])
    return result.exit_code, result.output


def test_eval_of_a_period_before_effective_is_a_usage_error(tmp_path: Path) -> None:
    code, output = _eval(tmp_path, "2026-06-01", "--period", "2026-03")
    assert code == 2
    assert "Traceback" not in output
    assert f"{tmp_path / 'p.sla'}:2:11: error: period 2026-03 starts before" in output


def test_the_default_period_of_a_contract_not_yet_in_force(tmp_path: Path) -> None:
    code, output = _eval(tmp_path, "2026-06-01", "--as-of", "2026-04-10T00:00:00Z")
    assert code == 2
    assert "period 2026-03 starts before the contract takes effect (2026-06-01)" in output


def test_an_as_of_outside_the_years_covered(tmp_path: Path) -> None:
    code, output = _eval(tmp_path, "2026-01-01", "--as-of", "0001-01-01T00:00:00Z")
    assert code == 2
    assert "Traceback" not in output and "--as-of" in output


def test_dates_window_is_what_the_docs_say() -> None:
    from rules_engine.language.limits import EARLIEST_DATE, LATEST_DATE

    page = (Path(__file__).parents[2] / "docs" / "language.md").read_text(encoding="utf-8")
    assert EARLIEST_DATE.isoformat() == "1970-01-01"
    assert LATEST_DATE.isoformat() == "2199-12-31"
    assert "1970-01-01 to 2199-12-31" in page
