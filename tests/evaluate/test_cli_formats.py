"""`sla eval --format` offers exactly the registered output formats."""

from click.testing import CliRunner

from rules_engine.cli import cli
from rules_engine.cli.eval_cmd import FORMAT_NAMES
from rules_engine.render import FORMATS


def test_format_choices_are_the_registered_formats() -> None:
    assert sorted(FORMAT_NAMES) == sorted(FORMATS)


def test_unknown_format_is_a_usage_error_listing_the_choices() -> None:
    result = CliRunner().invoke(
        cli, ["eval", "x.sla", "--data", "d", "--format", "yaml", "--as-of", "2026-01-01T00:00:00Z"]
    )
    assert result.exit_code == 2
    assert "'yaml' is not one of" in result.output
    assert "'junit'" in result.output
