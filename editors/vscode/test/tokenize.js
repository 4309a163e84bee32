// Tokenizes every shipped policy with the extension's TextMate grammar, as VS Code does
// (vscode-textmate with the Oniguruma regex engine), and fails on any region of text the
// grammar leaves unmatched or marks invalid. Run: `npm test` (after `npm ci`), or
// `node test/tokenize.js FILE...` for other files. tests/lsp/test_vscode.py runs it.
"use strict";

const fs = require("fs");
const path = require("path");
const vsctm = require("vscode-textmate");
const oniguruma = require("vscode-oniguruma");

const ROOT = path.resolve(__dirname, "..", "..", "..");
const GRAMMAR = path.join(__dirname, "..", "syntaxes", "sla.tmLanguage.json");

function policies() {
  const found = [];
  const walk = (dir) => {
    for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
      const full = path.join(dir, entry.name);
      if (entry.isDirectory() && entry.name !== "node_modules" && !entry.name.startsWith(".")) {
        walk(full);
      } else if (entry.isFile() && entry.name.endsWith(".sla")) {
        found.push(full);
      }
    }
  };
  for (const dir of ["policies", "examples"]) walk(path.join(ROOT, dir));
  return found.sort();
}

async function main() {
  const wasm = fs.readFileSync(require.resolve("vscode-oniguruma/release/onig.wasm")).buffer;
  await oniguruma.loadWASM(wasm);
  const registry = new vsctm.Registry({
    onigLib: Promise.resolve({
      createOnigScanner: (patterns) => new oniguruma.OnigScanner(patterns),
      createOnigString: (s) => new oniguruma.OnigString(s),
    }),
    loadGrammar: async (scope) =>
      scope === "source.sla"
        ? vsctm.parseRawGrammar(fs.readFileSync(GRAMMAR, "utf-8"), GRAMMAR)
        : null,
  });
  const grammar = await registry.loadGrammar("source.sla");
  const files = process.argv.length > 2 ? process.argv.slice(2) : policies();
  let problems = 0;
  const counts = {};
  for (const file of files) {
    const lines = fs.readFileSync(file, "utf-8").split(/\r\n|\r|\n/);
    let state = vsctm.INITIAL;
    lines.forEach((line, i) => {
      const result = grammar.tokenizeLine(line, state);
      for (const token of result.tokens) {
        const text = line.slice(token.startIndex, token.endIndex);
        const scopes = token.scopes.slice(1);
        const bad = scopes.length === 0 ? text.trim() !== "" : scopes.some((s) => s.startsWith("invalid."));
        if (bad) {
          problems += 1;
          console.error(`${file}:${i + 1}:${token.startIndex + 1}: unmatched \`${text}\` (${token.scopes.join(" ")})`);
        }
        for (const scope of scopes) counts[scope] = (counts[scope] || 0) + 1;
      }
      state = result.ruleStack;
    });
  }
  if (files.length === 0) {
    console.error("no policies found");
    process.exit(1);
  }
  for (const needed of ["keyword.other.sla", "entity.name.function.sla", "string.quoted.double.sla", "comment.line.number-sign.sla", "constant.numeric.duration.sla"]) {
    if (!counts[needed]) {
      problems += 1;
      console.error(`no token was scoped ${needed}`);
    }
  }
  console.log(`tokenized ${files.length} policies: ${problems} unmatched regions`);
  process.exit(problems === 0 ? 0 : 1);
}

main().catch((error) => {
  console.error(error);
  process.exit(2);
});
