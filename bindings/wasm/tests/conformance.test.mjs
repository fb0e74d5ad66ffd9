// The wasm API (built with `wasm-bindgen --target nodejs` into ../pkg-node by
// scripts/build-embed.sh) against conformance cases 01-03: the same checks as the shared
// conformance runner makes of the command line's `eval --format json`.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync, existsSync } from "node:fs";
import { createRequire } from "node:module";
import { join, dirname } from "node:path";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
const escalate = createRequire(import.meta.url)(join(here, "..", "pkg-node", "escalate_wasm.js"));
const cases = join(here, "..", "..", "..", "tests", "fixtures", "conformance");

function argument(args, name) {
  const i = args.indexOf(name);
  return i < 0 ? undefined : args[i + 1];
}

function readData(dir, kind) {
  const path = join(dir, "data", `${kind}.csv`);
  return existsSync(path) ? readFileSync(path, "utf8") : undefined;
}

const fields = ["subject", "rule", "case", "severity", "owner", "involve", "due", "replaces"];
const actionKey = (a) => fields.map((f) => JSON.stringify(a[f] ?? null)).join(" ");
const undecidedKey = (u) => [u.subject, u.rule, u.case ?? null].join(" ");

for (const name of ["01-callbacks", "02-concerns", "03-scorecard"]) {
  test(`conformance ${name} through the wasm API`, () => {
    const dir = join(cases, name);
    const args = readFileSync(join(dir, "args"), "utf8").trim().split(/\s+/);
    const expected = JSON.parse(readFileSync(join(dir, "expected.json"), "utf8"));
    const outcome = JSON.parse(escalate.evaluate(
      readFileSync(join(dir, "policy.policy"), "utf8"),
      readData(dir, "performance"), readData(dir, "concerns"),
      readData(dir, "subjects"), readData(dir, "events"),
      argument(args, "--as-of"), argument(args, "--on"),
    ));
    assert.equal(outcome.status, "ok", JSON.stringify(outcome.diagnostics));
    const got = outcome.evaluation;
    assert.equal(got.as_of, expected.as_of);
    assert.equal(got.decided_on, expected.decided_on);
    assert.deepEqual(got.actions.map(actionKey), expected.actions.map(actionKey));
    assert.deepEqual(got.undecided.map(undecidedKey).sort(), expected.undecided.map(undecidedKey).sort());
    assert.equal(outcome.csv.split("\n")[0].split(",")[0], "subject");
    assert.equal(outcome.csv.trim().split("\n").length, expected.actions.length + 1);
  });
}

test("check gives a policy's problems with their lines", () => {
  const diagnostics = JSON.parse(escalate.check('policy "P"\nrule r {'));
  assert.equal(diagnostics[0].severity, "error");
  assert.equal(diagnostics[0].line, 2);
  assert.deepEqual(JSON.parse(escalate.check('policy "P"\n')), []);
});

test("bad data is reported with its file and line", () => {
  const dir = join(cases, "01-callbacks");
  const policy = readFileSync(join(dir, "policy.policy"), "utf8");
  const outcome = JSON.parse(escalate.evaluate(policy, "subject,period\nc1,2026-13\n",
    undefined, undefined, undefined, "2026-10", undefined));
  assert.equal(outcome.status, "data");
  assert.ok(outcome.diagnostics.length > 0);
  assert.equal(outcome.diagnostics[0].file, "performance.csv");
});

test("a month that is not YYYY-MM is a usage problem", () => {
  const outcome = JSON.parse(escalate.evaluate('policy "P"\n', undefined, undefined, undefined,
    undefined, "October", undefined));
  assert.equal(outcome.status, "usage");
  assert.match(outcome.diagnostics[0].help, /YYYY-MM/);
});

test("the version is the crate's", () => {
  assert.match(escalate.version(), /^\d+\.\d+\.\d+/);
});
