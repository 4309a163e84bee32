// The VS Code client: starts `sla lsp` (the language server of the sla-rules-engine
// package) over stdio for every .sla file. Everything else (diagnostics, hovers,
// completion, formatting, quick fixes) comes from the server.
"use strict";

const vscode = require("vscode");
const { LanguageClient, TransportKind } = require("vscode-languageclient/node");

let client;

function activate(context) {
  const config = vscode.workspace.getConfiguration("sla");
  const command = config.get("server.command", ["sla", "lsp"]);
  if (!Array.isArray(command) || command.length === 0) {
    vscode.window.showErrorMessage("sla.server.command must be a list like [\"sla\", \"lsp\"]");
    return;
  }
  const serverOptions = {
    command: command[0],
    args: command.slice(1),
    transport: TransportKind.stdio,
  };
  const clientOptions = {
    documentSelector: [{ scheme: "file", language: "sla" }, { scheme: "untitled", language: "sla" }],
    initializationOptions: { debounce: config.get("diagnostics.debounce", 0.2) },
  };
  client = new LanguageClient("sla", "SLA policies", serverOptions, clientOptions);
  client.start().catch((error) => {
    vscode.window.showErrorMessage(
      `could not start \`${command.join(" ")}\` (${error.message}): install sla-rules-engine ` +
        "(pip install sla-rules-engine) or set sla.server.command to the path of `sla`"
    );
  });
  context.subscriptions.push({ dispose: () => (client ? client.stop() : undefined) });
}

function deactivate() {
  return client ? client.stop() : undefined;
}

module.exports = { activate, deactivate };
