"""``sla lsp``: the language server for editors, over standard input and output.

Editors start it themselves (the VS Code extension in ``editors/vscode``, or any LSP
client: see the README); it reads no arguments but ``--stdio``, which clients add by
habit.
"""

from __future__ import annotations

import click


@click.command(name="lsp")
@click.option("--stdio", is_flag=True, help="Talk over standard input and output (the default).")
def lsp(stdio: bool) -> None:
    """Run the language server over stdio (diagnostics, hover, completion, ...)."""
    from rules_engine.lsp.server import main

    main()
