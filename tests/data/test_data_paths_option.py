"""`--data` on every command that reads data (issue 15): repeatable and merged, two
files for one dataset refused with their locations, `NAME=PATH` for a file not named
after its dataset, and the unknown-dataset hint naming `--policy`."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from rules_engine.cli import cli
from rules_engine.data import DataError, load_data

ROOT = Path(__file__).resolve().parents[2]
QUICK = ROOT / "examples" / "quickstart"
EVAL = [
    "eval",
    str(QUICK / "policy.sla"),
    "--from",
    "2026-01",
    "--to",
    "2026-03",
    "--as-of",
    "2026-04-01T09:00:00-04:00",
]


@pytest.fixture
def split(tmp_path: Path) -> tuple[Path, Path]:
    """The quickstart's tickets as `wall.jsonl` in one folder, its outages and surveys
    in another."""
    one, two = tmp_path / "one", tmp_path / "two"
    one.mkdir()
    two.mkdir()
    shutil.copy(QUICK / "data" / "tickets.jsonl", one / "wall.jsonl")
    for name in ("outages.jsonl", "surveys.jsonl"):
        shutil.copy(QUICK / "data" / name, two / name)
    return one / "wall.jsonl", two


def test_several_data_paths_merge_and_name_equals_path(split: tuple[Path, Path]) -> None:
    wall, folder = split
    runner = CliRunner()
    whole = runner.invoke(cli, [*EVAL, "--data", str(QUICK / "data")])
    merged = runner.invoke(cli, [*EVAL, "--data", f"tickets={wall}", "--data", str(folder)])
    assert (whole.exit_code, merged.exit_code) == (1, 1)  # a target is breached in both
    assert merged.output == whole.output
    bundle = load_data([f"tickets={wall}", folder])
    assert sorted(bundle.tables) == ["outages", "surveys", "tickets"]
    assert len(bundle.tables["tickets"]) == 16  # the quickstart's 16 tickets


def test_two_files_for_one_dataset_are_refused_with_both_locations(
    split: tuple[Path, Path],
) -> None:
    _, folder = split
    result = CliRunner().invoke(cli, [*EVAL, "--data", str(QUICK / "data"), "--data", str(folder)])
    assert result.exit_code == 2
    first = result.output.splitlines()[0]
    assert first == (
        f"{folder / 'outages.jsonl'}: error: a second file for dataset `outages` "
        f"(first: {QUICK / 'data' / 'outages.jsonl'}); help: give one file per dataset; "
        "to combine two, concatenate them"
    )


AS_OF = ["--as-of", "2026-04-01T09:00:00-04:00"]
COMMANDS = {
    "explain": ["--target", "p1_response", "--period", "2026-01", *AS_OF],
    "escalations": ["--as-of", "2026-01-15T09:00:00-05:00"],
    "report": ["--from", "2026-01", "--to", "2026-03", *AS_OF, "--format", "markdown"],
    "validate": [],
}


@pytest.mark.parametrize("command", sorted(COMMANDS))
def test_name_equals_path_and_several_paths_everywhere_data_is_read(
    command: str, split: tuple[Path, Path]
) -> None:
    wall, folder = split
    policy = [str(QUICK / "policy.sla")] if command != "validate" else []
    runner = CliRunner()
    whole = runner.invoke(
        cli, [command, *policy, "--data", str(QUICK / "data"), *COMMANDS[command]]
    )
    merged = runner.invoke(
        cli,
        [command, *policy, "--data", f"tickets={wall}", "--data", str(folder), *COMMANDS[command]],
    )
    assert merged.exit_code == whole.exit_code == 0, merged.output
    if command == "validate":  # the same counts; the other outputs name no data file
        assert "16 records in tickets" in merged.output
    elif command == "report":  # the same report, but its audit names the files read
        audit = ("Data sources", "Data SHA-256")

        def unaudited(text: str) -> list[str]:
            return [line for line in text.splitlines() if not line.startswith(audit, 2)]

        assert unaudited(merged.output) == unaudited(whole.output)
        assert str(wall) in merged.output and str(wall) not in whole.output
    else:
        assert merged.output == whole.output


def test_name_equals_a_folder_is_refused(split: tuple[Path, Path]) -> None:
    _, folder = split
    with pytest.raises(DataError, match="names the dataset of one file"):
        load_data(f"tickets={folder}")


def test_unknown_dataset_hint_names_policy_and_name_equals_path(split: tuple[Path, Path]) -> None:
    wall, _ = split
    result = CliRunner().invoke(cli, ["validate", "--data", str(wall)])
    assert result.exit_code == 2
    assert f"give it as `--data NAME={wall}`" in result.output
    assert "pass the policy that declares it with `--policy`" in result.output
    result = CliRunner().invoke(cli, [*EVAL, "--data", str(wall)])
    assert result.exit_code == 2 and "or declare it in the policy" in result.output
