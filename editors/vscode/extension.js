// The escalate extension: runs `escalate lsp` as the language server for `.policy` files.
"use strict";

const vscode = require("vscode");
const { LanguageClient } = require("vscode-languageclient/node");

let client;

function activate() {
  const command = vscode.workspace.getConfiguration("escalate").get("server.path") || "escalate";
  const serverOptions = { command, args: ["lsp"] };
  const clientOptions = {
    documentSelector: [
      { scheme: "file", language: "escalate" },
      { scheme: "untitled", language: "escalate" },
    ],
  };
  client = new LanguageClient("escalate", "escalate", serverOptions, clientOptions);
  return client.start().catch((error) => {
    vscode.window.showErrorMessage(
      `escalate: cannot start \`${command} lsp\` (${error.message}). ` +
        "Install escalate, or set `escalate.server.path` to where it is.",
    );
  });
}

function deactivate() {
  return client ? client.stop() : undefined;
}

module.exports = { activate, deactivate };
