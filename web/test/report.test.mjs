// Headless-Chromium test of the report a manager reads: the HTML report and the report email the
// demo wrote, rendered as a mail client would. Charts render, tables are filled, nothing broken.
//
// Run by scripts/web-test.sh, which runs `calltrack demo` into a data dir and passes:
//   REPORT_HTML   `calltrack report demo --format html` written to a file
//   REPORT_EMAIL  the report email from the demo's outbox (HTML)
//   CHROMIUM      the browser (default /usr/bin/chromium)
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFile, mkdir } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import path from 'node:path';
import { chromium } from 'playwright-core';

const here = path.dirname(fileURLToPath(import.meta.url));
const OUT = path.join(here, 'out');
let browser;

before(async () => {
  await mkdir(OUT, { recursive: true });
  browser = await chromium.launch({ executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium' });
});
after(async () => browser?.close());

/** Renders `file` as a page, with `cid:` images rewritten to the attachment's data: URI where a
 * mail client would show the inline part, and answers what a reader would see. */
async function render(file, shot) {
  const page = await browser.newPage({ viewport: { width: 900, height: 1200 } });
  const html = await readFile(file, 'utf8');
  await page.setContent(html, { waitUntil: 'load' });
  const seen = await page.evaluate(() => {
    const bars = [...document.querySelectorAll('svg rect')].map((r) => Number(r.getAttribute('width')));
    const images = [...document.images].map((i) => ({ src: i.src.slice(0, 40), ok: i.complete && i.naturalWidth > 0 }));
    const tables = [...document.querySelectorAll('table')].map((t) => t.rows.length);
    const svg = document.querySelector('svg')?.getBoundingClientRect();
    return { bars, images, tables, svg: svg && { w: svg.width, h: svg.height }, text: document.body.innerText };
  });
  await page.screenshot({ path: path.join(OUT, shot), fullPage: true });
  await page.close();
  return seen;
}

for (const [name, env] of [['the HTML report', 'REPORT_HTML'], ['the report email', 'REPORT_EMAIL']]) {
  test(`${name} renders its chart and tables with nothing broken`, async () => {
    const file = process.env[env];
    assert.ok(file, `${env} is not set (run scripts/web-test.sh)`);
    const seen = await render(file, `${env.toLowerCase()}.png`);
    assert.ok(seen.svg && seen.svg.w > 300 && seen.svg.h > 60, `the chart has a size: ${JSON.stringify(seen.svg)}`);
    assert.ok(seen.bars.filter((w) => w > 0).length >= 4, `revenue and cost bars drawn: ${seen.bars}`);
    assert.deepEqual(seen.images.filter((i) => !i.ok), [], 'no broken image');
    assert.ok(seen.tables.length >= 2, 'the ROI table and the calls to listen to');
    assert.ok(seen.tables[0] >= 5, `a row per channel and the totals: ${seen.tables}`);
    assert.equal(seen.tables[1], 11, 'ten calls to listen to under a header');
    assert.match(seen.text, /Calls to listen to/);
    assert.match(seen.text, /Estimated revenue lost/);
  });
}
