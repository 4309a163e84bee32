"""The ``sla`` command: a thin dispatcher over the library.

Each subcommand lives in its own module under ``rules_engine.cli`` and is imported only
when it runs, so ``sla check`` does not pay for Polars.
"""

from __future__ import annotations

import importlib
from typing import Any

import click

# name -> (module, attribute, one-line help)
COMMANDS: dict[str, tuple[str, str, str]] = {
    "check": (
        "rules_engine.cli.check_cmd",
        "check",
        "Check policies for errors and lint warnings.",
    ),
    "fmt": ("rules_engine.cli.fmt_cmd", "fmt", "Format policies in the canonical layout."),
    "parse": ("rules_engine.cli.parse_cmd", "parse", "Print a policy's syntax tree with spans."),
    "schema": (
        "rules_engine.cli.schema_cmd",
        "schema",
        "Print the JSON Schema of the normalized data.",
    ),
    "validate": ("rules_engine.cli.validate_cmd", "validate", "Validate performance data files."),
    "import": (
        "rules_engine.cli.import_cmd",
        "import_",
        "Import a ticket-system export via a mapping.",
    ),
    "eval": (
        "rules_engine.cli.eval_cmd",
        "eval_",
        "Evaluate a policy over data: verdicts per period.",
    ),
    "explain": (
        "rules_engine.cli.explain_cmd",
        "explain",
        "Show the full derivation of one verdict.",
    ),
    "escalations": (
        "rules_engine.cli.escalations_cmd",
        "escalations",
        "List escalations due as of a time.",
    ),
    "report": ("rules_engine.cli.report_cmd", "report", "Render a performance report."),
    "test": ("rules_engine.cli.test_cmd", "test", "Run policy unit tests."),
    "diff": ("rules_engine.cli.diff_cmd", "diff", "Semantic diff of two policy versions."),
    # issue 17: editor support
    "lsp": ("rules_engine.cli.lsp_cmd", "lsp", "Run the language server for editors (stdio)."),
    "portfolio": ("rules_engine.cli.portfolio_cmd", "portfolio", "Evaluate a whole portfolio."),
}


class LazyGroup(click.Group):
    """A click group whose subcommands are imported on first use."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return list(COMMANDS)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        entry = COMMANDS.get(cmd_name)
        if entry is None:
            return None
        module = importlib.import_module(entry[0])
        command: click.Command = getattr(module, entry[1])
        return command

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        rows = [(name, COMMANDS[name][2]) for name in self.list_commands(ctx)]
        if rows:
            with formatter.section("Commands"):
                formatter.write_dl(rows)


@click.group(cls=LazyGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="sla-rules-engine", prog_name="sla")
def cli() -> None:
    """Policy-as-code for service-level agreements."""


def main(argv: list[str] | None = None) -> Any:
    """Console entry point. Usage errors exit 2 (click's convention and ours)."""
    return cli.main(args=argv, prog_name="sla")
