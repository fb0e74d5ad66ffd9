// The HTML backtest report, opened in headless Chromium: what a person sees must be legible.
// Run by scripts/browser-tests.sh, which writes the report first and says where it is.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { chromium } from 'playwright-core';

const report = process.env.ESCALATE_REPORT;
const screenshot = process.env.ESCALATE_SCREENSHOT;
let browser;
let page;

before(async () => {
  assert.ok(report, 'ESCALATE_REPORT names the report to open');
  browser = await chromium.launch({
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  page = await browser.newPage({ viewport: { width: 1400, height: 2400 } });
  await page.goto(`file://${report}`);
});

after(async () => {
  if (page && screenshot) await page.screenshot({ path: screenshot });
  await browser?.close();
});

test('no two labels of a chart overlap', async () => {
  const overlaps = await page.$$eval('svg', (charts) => charts.flatMap((svg) => {
    const boxes = [...svg.querySelectorAll('text')]
      .map((t) => ({ text: t.textContent, box: t.getBoundingClientRect() }))
      .filter(({ box }) => box.width > 0);
    const found = [];
    for (let i = 0; i < boxes.length; i++) {
      for (let j = i + 1; j < boxes.length; j++) {
        const [a, b] = [boxes[i].box, boxes[j].box];
        const x = Math.min(a.right, b.right) - Math.max(a.left, b.left);
        const y = Math.min(a.bottom, b.bottom) - Math.max(a.top, b.top);
        if (x > 1 && y > 1) {
          const where = svg.closest('[data-subject]')?.dataset.subject ?? 'page';
          found.push(`${where}: "${boxes[i].text}" and "${boxes[j].text}"`);
        }
      }
    }
    return found;
  }));
  assert.deepEqual(overlaps, []);
});

test('a rule\'s thresholds are drawn only for the subjects it applies to', async () => {
  const thresholds = (subject, metric) => page.$$eval(
    `section[data-subject="${subject}"] figure[data-metric="${metric}"] line.threshold`,
    (lines) => lines.map((l) => l.querySelector('title').textContent),
  );
  // cases_per_hour is compared only in the GP rules (`applies to staff_group = "gp"`).
  assert.deepEqual(await thresholds('anp04', 'cases_per_hour'), []);
  assert.deepEqual(await thresholds('gp04', 'cases_per_hour'), ['threshold: < 2']);
  // callback_in_time is compared in rules for everyone.
  assert.deepEqual(await thresholds('anp04', 'callback_in_time'), ['threshold: < 80%, >= 80%']);
});

test('legends name rules by their titles', async () => {
  const legend = await page.$$eval('ul.legend:not(.episodes) li', (items) => items.map((i) => i.textContent));
  assert.ok(legend.includes('Call-backs below 80% this month'), legend.join(' | '));
  assert.ok(!legend.some((text) => /^[a-z_]+$/.test(text)), `an id in a legend: ${legend.join(' | ')}`);
  const episodes = await page.$eval('section[data-subject="gp04"] ul.episodes', (l) => l.textContent);
  assert.match(episodes, /Call-backs below 80% this month:\sin 2026-08: replaced by “Second consecutive month below 80% \(GP\)”/);
});

test('action markers are large enough to see and point at', async () => {
  const sizes = await page.$$eval('path.marker, circle.ring', (marks) => marks.map((m) => {
    const box = m.getBoundingClientRect();
    return Math.min(box.width, box.height);
  }));
  assert.ok(sizes.length > 0);
  assert.ok(Math.min(...sizes) >= 11, `smallest marker ${Math.min(...sizes)} px`);
});
