// The TextMate grammar, tokenised as VS Code does (vscode-textmate + vscode-oniguruma): the
// right scopes for keywords, names, numbers with `%`, strings, comments and dates, and a
// snapshot of the scopes of every bundled and conformance policy.
//
// Snapshots live in test/snapshots/; `UPDATE_SNAPSHOTS=1 npm test` rewrites them (read each
// change before committing it). Under CI a missing snapshot fails.
"use strict";

const { test } = require("node:test");
const assert = require("node:assert");
const fs = require("node:fs");
const path = require("node:path");
const vsctm = require("vscode-textmate");
const oniguruma = require("vscode-oniguruma");

const here = __dirname;
const repo = path.resolve(here, "..", "..", "..");
const grammarPath = path.join(here, "..", "syntaxes", "escalate.tmLanguage.json");

async function loadGrammar() {
  const wasm = fs.readFileSync(require.resolve("vscode-oniguruma/release/onig.wasm"));
  await oniguruma.loadWASM(wasm.buffer.slice(wasm.byteOffset, wasm.byteOffset + wasm.byteLength));
  const registry = new vsctm.Registry({
    onigLib: Promise.resolve({
      createOnigScanner: (patterns) => new oniguruma.OnigScanner(patterns),
      createOnigString: (s) => new oniguruma.OnigString(s),
    }),
    loadGrammar: async (scopeName) =>
      scopeName === "source.escalate"
        ? vsctm.parseRawGrammar(fs.readFileSync(grammarPath, "utf8"), grammarPath)
        : null,
  });
  return registry.loadGrammar("source.escalate");
}

const grammar = loadGrammar();

/** Each token that is not blank, as [text, innermost scope]. */
async function tokens(text) {
  const g = await grammar;
  let stack = vsctm.INITIAL;
  const out = [];
  for (const line of text.split(/\r?\n/)) {
    const result = g.tokenizeLine(line, stack);
    for (const token of result.tokens) {
      const piece = line.slice(token.startIndex, token.endIndex);
      if (piece.trim() !== "") {
        out.push([piece.trim(), token.scopes[token.scopes.length - 1]]);
      }
    }
    stack = result.ruleStack;
  }
  return out;
}

function scopeOf(list, text) {
  const found = list.find(([t]) => t === text);
  assert.ok(found, `no token \`${text}\` in ${JSON.stringify(list)}`);
  return found[1];
}

test("keywords, names, numbers, strings, comments and dates get their scopes", async () => {
  const list = await tokens(
    [
      'policy "Call-backs" # the name',
      "rule low_callbacks \"Low\" {",
      "  when callback_in_time < 80% for 2 consecutive months and pattern = high",
      "  owner medical_lead",
      "  due 10 working days",
      "}",
      "holiday 2026-12-28 \"Bank holiday\"",
      "test \"t\" {",
      "  as of 2026-10",
      "}",
    ].join("\n"),
  );
  assert.strictEqual(scopeOf(list, "policy"), "keyword.other.declaration.escalate");
  assert.strictEqual(scopeOf(list, "Call-backs"), "string.quoted.double.escalate");
  assert.strictEqual(scopeOf(list, '"'), "punctuation.definition.string.begin.escalate");
  assert.strictEqual(scopeOf(list, "{"), "punctuation.section.block.escalate");
  assert.strictEqual(scopeOf(list, "# the name"), "comment.line.number-sign.escalate");
  assert.strictEqual(scopeOf(list, "rule"), "keyword.other.declaration.escalate");
  assert.strictEqual(scopeOf(list, "low_callbacks"), "entity.name.function.rule.escalate");
  assert.strictEqual(scopeOf(list, "when"), "keyword.control.escalate");
  assert.strictEqual(scopeOf(list, "callback_in_time"), "variable.other.escalate");
  assert.strictEqual(scopeOf(list, "<"), "keyword.operator.comparison.escalate");
  assert.strictEqual(scopeOf(list, "80%"), "constant.numeric.percent.escalate");
  assert.strictEqual(scopeOf(list, "2"), "constant.numeric.escalate");
  assert.strictEqual(scopeOf(list, "and"), "keyword.operator.logical.escalate");
  assert.strictEqual(scopeOf(list, "owner"), "keyword.other.clause.escalate");
  assert.strictEqual(scopeOf(list, "working days"), "keyword.other.unit.escalate");
  assert.strictEqual(scopeOf(list, "2026-12-28"), "constant.numeric.date.escalate");
  assert.strictEqual(scopeOf(list, "2026-10"), "constant.numeric.month.escalate");
});

function policies() {
  const found = [];
  const walk = (dir) => {
    for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
      const full = path.join(dir, entry.name);
      if (entry.isDirectory()) walk(full);
      else if (entry.name.endsWith(".policy")) found.push(full);
    }
  };
  walk(path.join(repo, "policies"));
  walk(path.join(repo, "tests", "fixtures", "conformance"));
  return found.sort();
}

for (const file of policies()) {
  const name = path.relative(repo, file);
  test(`scopes of ${name}`, async () => {
    const list = await tokens(fs.readFileSync(file, "utf8"));
    const rendered = list.map(([t, s]) => `${t}\t${s}`).join("\n") + "\n";
    const snapshot = path.join(here, "snapshots", name.replace(/[\\/]/g, "__") + ".scopes");
    if (process.env.UPDATE_SNAPSHOTS === "1" || (!fs.existsSync(snapshot) && !process.env.CI)) {
      fs.mkdirSync(path.dirname(snapshot), { recursive: true });
      fs.writeFileSync(snapshot, rendered);
      return;
    }
    assert.ok(fs.existsSync(snapshot), `no snapshot ${snapshot}: run UPDATE_SNAPSHOTS=1 npm test`);
    assert.strictEqual(rendered, fs.readFileSync(snapshot, "utf8"));
  });
}
