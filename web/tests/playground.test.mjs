// Drives the playground (../index.html, opened from the file system as from a share) in
// headless Chromium: the example's actions, a typo's diagnostic with its line, the fix.
// Needs Debian's chromium (CHROMIUM, default /usr/bin/chromium) and `npm ci` here.
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdirSync, copyFileSync } from "node:fs";
import { join, dirname } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { chromium } from "playwright-core";

const here = dirname(fileURLToPath(import.meta.url));
const page_url = pathToFileURL(join(here, "..", "index.html")).href;
const artefacts = join(here, "..", "..", "target", "playground-test");
const docsShot = join(here, "..", "..", "docs", "playground.png");

test("the playground shows actions, live diagnostics with lines, and recovers", async () => {
  const browser = await chromium.launch({
    executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
    args: ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
      "--disable-background-networking", "--disable-component-update", "--disable-sync"],
    // (playwright gives the browser a fresh profile folder of its own)
  });
  try {
    const page = await browser.newPage({ viewport: { width: 1280, height: 1100 } });
    const errors = [];
    page.on("pageerror", (e) => errors.push(String(e)));
    // Offline: any request leaving the page's own files fails the test.
    await page.route(/^(?!file:)/, (route) => { errors.push(`network: ${route.request().url()}`); route.abort(); });
    await page.goto(page_url);
    await page.waitForSelector("body[data-ready=true]", { timeout: 30_000 });

    const rows = page.locator("#actions tbody tr");
    await page.waitForFunction(() => document.querySelectorAll("#actions tbody tr").length > 0);
    const before = await rows.count();
    assert.ok(before > 0, "the example gives actions");
    assert.equal(await page.locator("#diagnostics li.ok").count(), 1, "the example has no problems");
    assert.equal(await page.locator("#download").isHidden(), false);
    assert.match(await page.locator("#download").getAttribute("href"), /^blob:/);

    // A typo in a metric's name: the diagnostic names its line.
    const policy = page.locator("#policy");
    const text = await policy.inputValue();
    const lines = text.split("\n");
    const index = lines.findIndex((l) => /^\s*when callback_in_time/.test(l));
    assert.ok(index >= 0, "the example policy has a `when callback_in_time` line");
    const typo = text.replace(lines[index], lines[index].replace("callback_in_time", "callback_in_tme"));
    await policy.fill(typo);
    const item = page.locator("#diagnostics li.error").first();
    await item.waitFor({ timeout: 10_000 });
    const message = await item.textContent();
    assert.match(message, new RegExp(`line ${index + 1}, column \\d+`));
    assert.match(message, /callback_in_tme/);
    assert.match(message, /check::unknown_metric/);
    assert.equal(await rows.count(), 0, "no actions while the policy has errors");
    assert.equal(await page.locator(`#gutter span.bad`).first().textContent(), String(index + 1));
    mkdirSync(artefacts, { recursive: true });
    await page.screenshot({ path: join(artefacts, "playground-typo.png"), fullPage: true });

    // Fixed: the problems go, the actions come back.
    await policy.fill(text);
    await page.locator("#diagnostics li.ok").waitFor({ timeout: 10_000 });
    await page.waitForFunction((n) => document.querySelectorAll("#actions tbody tr").length === n, before);
    assert.equal(await rows.count(), before);
    await page.evaluate(() => { document.querySelector(".code").scrollTop = 0; });
    await page.screenshot({ path: join(artefacts, "playground.png"), fullPage: true });
    // The copy in docs/ is refreshed on request (ESCALATE_UPDATE_SCREENSHOT=1), not by CI.
    if (process.env.ESCALATE_UPDATE_SCREENSHOT) copyFileSync(join(artefacts, "playground.png"), docsShot);
    assert.deepEqual(errors, []);
  } finally {
    await browser.close();
  }
});
