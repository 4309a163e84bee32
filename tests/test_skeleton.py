from click.testing import CliRunner

from rules_engine.cli import cli
from rules_engine.data.schema import dataset_fields


def test_unknown_command_is_a_usage_error() -> None:
    result = CliRunner().invoke(cli, ["no-such-command"])
    assert result.exit_code == 2
    assert "No such command" in result.output


def test_schema_field_types() -> None:
    fields = dataset_fields("tickets")
    assert fields is not None
    assert fields["created_at"] == "timestamp"
    assert fields["pauses"] == "intervals"
    assert fields["onsite_required"] == "boolean"
    assert dataset_fields("restore_tests")["recovery_time"] == "duration"  # type: ignore[index]
    assert dataset_fields("nope") is None
