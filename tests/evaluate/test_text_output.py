"""The text output writes durations as durations and shows earned-back credits."""

from pathlib import Path

from click.testing import CliRunner

from rules_engine.cli import cli

FIXTURE = Path(__file__).resolve().parent / "fixtures" / "smoke_text"


def _run() -> str:
    result = CliRunner().invoke(
        cli,
        [
            "eval", str(FIXTURE / "policy.sla"), "--data", str(FIXTURE / "data"),
            "--from", "2026-01", "--to", "2026-03", "--as-of", "2026-04-05T00:00:00Z",
        ],
    )  # fmt: skip
    assert result.exit_code == 1, result.output  # January breaches
    return result.output


def test_a_duration_mean_reads_as_a_duration() -> None:
    mttd = next(line for line in _run().splitlines() if " mttd " in line)
    # detection took 20m and 45m: mean 32m30s, 2m30s over the 30m objective
    assert "32m30s" in mttd
    assert "-2m30s" in mttd


def test_earned_back_credit_is_listed_in_the_period_that_completes_it() -> None:
    out = _run()
    march = out[out.index("2026-03 (over") :]
    # January's 500.00 AUD for the missed review; met in February and March -> -500.00
    assert "earned back missed_review: -500.00 AUD" in march
    assert "earned back" not in out[: out.index("2026-03 (over")]
