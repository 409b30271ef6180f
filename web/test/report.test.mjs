// Headless-Chromium test of the report a manager reads: the HTML report and the report email the
// demo wrote, rendered as a mail client would. Charts render, tables are filled, nothing broken.
//
// Run by scripts/web-test.sh, which runs `calltrack demo` into a data dir and passes:
//   REPORT_HTML   `calltrack report demo --format html` written to a file
//   REPORT_EMAIL  the report email from the demo's outbox (.eml), as scripts/eml-to-html.py shows
//                 it: its HTML with the inline chart parts (cid:) as data: URIs
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

/** Renders `file` as a page and answers what a reader would see. */
async function render(file, shot) {
  const page = await browser.newPage({ viewport: { width: 900, height: 1200 } });
  const html = await readFile(file, 'utf8');
  await page.setContent(html, { waitUntil: 'load' });
  const seen = await page.evaluate(() => {
    const images = [...document.images].map((i) => ({
      src: i.src.slice(0, 30), alt: i.alt, ok: i.complete && i.naturalWidth > 0, w: i.naturalWidth, h: i.naturalHeight,
    }));
    // How much of each chart is drawn (not white): an empty PNG would pass a size check.
    const inked = [...document.images].map((i) => {
      const c = document.createElement('canvas');
      [c.width, c.height] = [i.naturalWidth, i.naturalHeight];
      const g = c.getContext('2d');
      g.drawImage(i, 0, 0);
      const px = g.getImageData(0, 0, c.width, c.height).data;
      let n = 0;
      for (let k = 0; k < px.length; k += 4) n += px[k] + px[k + 1] + px[k + 2] < 600 ? 1 : 0;
      return n / (px.length / 4);
    });
    const tables = [...document.querySelectorAll('table')].map((t) => ({ head: t.rows[0]?.cells[0]?.innerText.trim(), rows: t.rows.length }));
    return { images, inked, tables, svg: document.querySelectorAll('svg').length, text: document.body.innerText };
  });
  await page.screenshot({ path: path.join(OUT, shot), fullPage: true });
  await page.close();
  return seen;
}

for (const [name, env] of [['the HTML report', 'REPORT_HTML'], ['the report email', 'REPORT_EMAIL']]) {
  test(`${name} renders its PNG charts and tables with nothing broken`, async () => {
    const file = process.env[env];
    assert.ok(file, `${env} is not set (run scripts/web-test.sh)`);
    const seen = await render(file, `${env.toLowerCase()}.png`);
    assert.deepEqual(seen.images.filter((i) => !i.ok), [], 'no broken image');
    assert.deepEqual(seen.images.map((i) => i.src.split(',')[0]), Array(3).fill('data:image/png;base64'), 'three PNG charts');
    assert.deepEqual(seen.images.map((i) => i.alt),
      ['Revenue vs cost by channel (USD)', 'Answered and missed calls by channel', 'Calls per day']);
    assert.ok(seen.images.every((i) => i.w === 640 && i.h > 100), `charts have a size: ${JSON.stringify(seen.images)}`);
    assert.ok(seen.inked.every((f) => f > 0.03 && f < 0.8), `each chart has bars and text drawn: ${seen.inked}`);
    assert.equal(seen.svg, 0, 'no SVG, which Gmail and Outlook drop');
    const rows = (head) => seen.tables.find((t) => t.head === head)?.rows;
    const shape = JSON.stringify(seen.tables);
    assert.ok(rows('Channel') >= 5, `a row per channel and the totals: ${shape}`);
    assert.equal(rows('Time'), 11, `ten calls to listen to under a header: ${shape}`);
    if (env === 'REPORT_EMAIL') {
      assert.equal(rows('Manager'), 5, `the demo's four managers under a header: ${shape}`);
    }
    assert.match(seen.text, /Calls to listen to/);
    assert.match(seen.text, /Estimated revenue lost/);
  });
}

test('on a phone the report email keeps the screen width: wide tables scroll in their own box', async () => {
  const file = process.env.REPORT_EMAIL;
  assert.ok(file, 'REPORT_EMAIL is not set (run scripts/web-test.sh)');
  const page = await browser.newPage({ viewport: { width: 390, height: 844 } });
  await page.setContent(await readFile(file, 'utf8'), { waitUntil: 'load' });
  const seen = await page.evaluate(() => ({
    page: document.scrollingElement.scrollWidth,
    view: window.innerWidth,
    tables: [...document.querySelectorAll('table')].map((t) => {
      const box = t.parentElement;
      return { overflow: getComputedStyle(box).overflowX, box: box.clientWidth, wide: t.scrollWidth > box.clientWidth };
    }),
  }));
  await page.screenshot({ path: path.join(OUT, 'report_email_phone.png'), fullPage: true });
  await page.close();
  assert.ok(seen.page <= seen.view, `the page does not scroll sideways: ${JSON.stringify(seen)}`);
  assert.ok(seen.tables.every((t) => t.overflow === 'auto' && t.box <= seen.view), JSON.stringify(seen.tables));
  assert.ok(seen.tables.some((t) => t.wide), `the channel table is wider than a phone and scrolls: ${JSON.stringify(seen.tables)}`);
});
