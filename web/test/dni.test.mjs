// Headless-Chromium test of web/dni.js against a real `calltrack serve`.
//
// Run by scripts/web-test.sh, which starts the server with a tenant (site key `site-acme`, allowed
// origin http://127.0.0.1:$PAGE_PORT) and a pool `web` (default number +14155550100) and passes:
//   API_URL       the server, e.g. http://127.0.0.1:3000
//   PAGE_PORT     where this file serves the test page (the tenant's allowed origin)
//   POOL_NUMBERS  the pool's numbers, comma separated E.164
//   DEAD_API_URL  an address where nothing listens (the "API down" case)
//   CHROMIUM      the browser (default /usr/bin/chromium)
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import { readFile, mkdir } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import path from 'node:path';
import { chromium } from 'playwright-core';

const here = path.dirname(fileURLToPath(import.meta.url));
const env = (name, fallback) => {
  const v = process.env[name] ?? fallback;
  if (v === undefined) throw new Error(`${name} is not set (run scripts/web-test.sh)`);
  return v;
};
const API_URL = env('API_URL');
const PAGE_PORT = Number(env('PAGE_PORT'));
const POOL_NUMBERS = env('POOL_NUMBERS').split(',');
const DEAD_API_URL = env('DEAD_API_URL');
const CHROMIUM = env('CHROMIUM', '/usr/bin/chromium');
const PAGE = `http://127.0.0.1:${PAGE_PORT}`;
const OUT = path.join(here, 'out');
const DEFAULT_TEL = 'tel:+14155550100';
// A desktop Chrome user agent: the server gives known bots (HeadlessChrome among them, rightly)
// the default number without a lease, and this test is about real visitors.
const USER_AGENT =
  'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/156.0.0.0 Safari/537.36';

let server;
let browser;

/** The test page and the snippet; the page's data-api depends on the path prefix. */
async function handle(req, res) {
  const url = new URL(req.url, PAGE);
  for await (const _ of req); // read the body before answering
  const send = (status, type, body) => {
    res.writeHead(status, { 'content-type': type, 'cache-control': 'no-store' });
    res.end(body);
  };
  if (url.pathname === '/dni.js') {
    return send(200, 'text/javascript', await readFile(path.join(here, '..', 'dni.js')));
  }
  const pages = {
    '/page.html': API_URL,
    '/down/page.html': DEAD_API_URL,
    '/broken/page.html': `${PAGE}/broken`, // this server plays a failing API, same origin
    '/garbage/page.html': `${PAGE}/garbage`,
  };
  if (pages[url.pathname]) {
    const html = (await readFile(path.join(here, 'page.html'), 'utf8'))
      .replaceAll('__API__', pages[url.pathname])
      .replaceAll('__HEARTBEAT__', url.searchParams.get('hb') ?? '2');
    return send(200, 'text/html; charset=utf-8', html);
  }
  if (url.pathname.startsWith('/broken/')) return send(500, 'text/html', '<h1>Internal Server Error</h1>');
  if (url.pathname.startsWith('/garbage/')) return send(200, 'application/json', '{"lease_id": "l_1", "num');
  return send(404, 'text/plain', 'not found');
}

before(async () => {
  await mkdir(OUT, { recursive: true });
  server = http.createServer((req, res) => {
    handle(req, res).catch((e) => {
      res.writeHead(500);
      res.end(String(e));
    });
  });
  await new Promise((resolve) => server.listen(PAGE_PORT, '127.0.0.1', resolve));
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: [
      '--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync',
    ],
  });
});

after(async () => {
  await browser?.close();
  await new Promise((resolve) => (server ? server.close(resolve) : resolve()));
});

/** A fresh browser profile (empty storage) with a page that records errors and API traffic. */
async function openPage(options = {}) {
  const context = await browser.newContext({ userAgent: USER_AGENT, ...options });
  const page = await context.newPage();
  const errors = [];
  const api = []; // {method, path, status, body} of every request to an API
  page.on('pageerror', (e) => errors.push(e));
  if (process.env.DEBUG_WEB) page.on('request', (r) => console.log('req', r.method(), r.url()));
  if (process.env.DEBUG_WEB) page.on('requestfinished', (r) => console.log('fin', r.url()));
  if (process.env.DEBUG_WEB) page.on('requestfailed', (r) => console.log('failed', r.url()));
  if (process.env.DEBUG_WEB) page.on('console', (m) => console.log('console', m.text()));
  page.on('response', (res) => {
    const req = res.request();
    const u = new URL(req.url());
    if (!u.pathname.includes('/v1/')) return;
    api.push({ method: req.method(), path: u.pathname, status: res.status(), body: req.postData(),
      type: req.headers()['content-type'] });
  });
  page.on('requestfailed', (req) => {
    const u = new URL(req.url());
    if (u.pathname.includes('/v1/')) {
      api.push({ method: req.method(), path: u.pathname, status: 0, error: req.failure()?.errorText });
    }
  });
  return { context, page, errors, api };
}

/** Wait until a finished API request matches `pred`. */
async function waitForApi(api, pred, what, timeout = 10_000) {
  const end = Date.now() + timeout;
  for (;;) {
    const hit = api.find(pred);
    if (hit) return hit;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}; saw ${JSON.stringify(api)}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Wait until the snippet holds a lease from the server; on timeout say what the API answered. */
async function waitForLease(page, api, pred = (l) => l?.lease_id, arg = undefined) {
  try {
    await page.waitForFunction(
      ([src, a]) => new Function('l', 'a', `return (${src})(l, a)`)(window.calltrack?.lease, a),
      [pred.toString(), arg], { timeout: 10_000 });
  } catch (e) {
    throw new Error(`no lease in the page: ${e.message}; API traffic: ${JSON.stringify(api)}`);
  }
}

const leaseOf = (page) => page.evaluate(() => window.calltrack && window.calltrack.lease);
const ok = (r) => r.status >= 200 && r.status < 300;

test('a visit from an ad sees a pooled number in text and tel: links, and reports its call intent', async () => {
  const { context, page, errors, api } = await openPage();
  try {
    await context.addCookies([
      { name: '_ym_uid', value: '1695000000123456789', url: PAGE },
      { name: '_ga', value: 'GA1.1.1234567890.1695000000', url: PAGE },
      { name: '_ga_X1Y2Z3', value: 'GS1.1.1695000100.3.1.1695000200.0.0.0', url: PAGE },
    ]);
    await page.goto(`${PAGE}/page.html?utm_source=google&utm_medium=cpc&gclid=abc&gbraid=gb1&email=ann%40example.com#token=s3cret`);
    await waitForLease(page, api);
    const lease = await leaseOf(page);
    assert.ok(POOL_NUMBERS.includes(lease.number), `leased ${lease.number}, pool is ${POOL_NUMBERS}`);
    assert.match(lease.number, /^\+\d{8,15}$/);
    assert.ok(lease.display_number, 'display_number');
    assert.ok(!Number.isNaN(Date.parse(lease.expires_at)), 'expires_at is a time');

    // The lease request: text/plain JSON (no preflight) with the landing page's attribution.
    const acquire = await waitForApi(api, (r) => r.path === '/v1/leases', 'POST /v1/leases');
    assert.equal(acquire.method, 'POST');
    assert.equal(acquire.status, 200);
    assert.match(acquire.type, /^text\/plain/);
    const sent = JSON.parse(acquire.body);
    assert.equal(sent.site_key, 'site-acme');
    assert.equal(sent.utm_source, 'google');
    assert.equal(sent.utm_medium, 'cpc');
    assert.equal(sent.gclid, 'abc');
    assert.ok(sent.visitor_id, 'visitor_id');
    assert.equal(sent.gbraid, 'gb1');
    // The page goes without its query string and fragment (an e-mail, a token); the ids the
    // ad platforms match conversions by go as their own fields.
    assert.equal(sent.page_url, `${PAGE}/page.html`);
    assert.ok(!acquire.body.includes('ann') && !acquire.body.includes('s3cret'), acquire.body);
    assert.equal(sent.ym_client_id, '1695000000123456789');
    assert.equal(sent.ga_client_id, '1234567890.1695000000');
    assert.equal(sent.ga_session_id, '1695000100');

    // Replaced everywhere the default number was, whatever its formatting; other numbers untouched.
    const tel = `tel:${lease.number}`;
    assert.equal(await page.getAttribute('#call-link', 'href'), tel);
    assert.equal(await page.textContent('#header-number'), lease.display_number);
    assert.equal(await page.textContent('#marked'), lease.display_number);
    const body = await page.textContent('#body-text');
    assert.ok(body.includes(lease.display_number) && !body.includes('555.0100'), body);
    assert.equal(await page.textContent('#other'), 'Our support line stays as it is: +1 (415) 555-0199.');
    await page.screenshot({ path: path.join(OUT, 'dni.png'), fullPage: true });

    // A click on the tel: link is a call intent, sent as a beacon and accepted by the API.
    await page.click('#call-link');
    const intent = await waitForApi(api, (r) => r.path.endsWith('/intent'), 'POST .../intent');
    assert.equal(intent.path, `/v1/leases/${encodeURIComponent(lease.lease_id)}/intent`);
    assert.ok(ok(intent), `intent answered ${intent.status}`);
    assert.equal(JSON.parse(intent.body).kind, 'click');

    // The heartbeat (2 s on this page) renews the lease while the page is visible.
    const beat = await waitForApi(api, (r) => r.path.endsWith('/renew'), 'a heartbeat renew');
    assert.ok(ok(beat), `renew answered ${beat.status}`);

    // refresh() renews on demand and keeps the number.
    const before = api.filter((r) => r.path.endsWith('/renew')).length;
    const refreshed = await page.evaluate(() => window.calltrack.refresh());
    assert.equal(refreshed.lease_id, lease.lease_id);
    await waitForApi(api, () => api.filter((r) => r.path.endsWith('/renew') && ok(r)).length > before,
      'a renew after refresh()');

    // Next page in the same session: same number straight from sessionStorage, no new lease.
    const leasesBefore = api.filter((r) => r.path === '/v1/leases').length;
    await page.click('#next-page');
    await waitForLease(page, api, (l, n) => l?.number === n, lease.number);
    assert.equal(await page.getAttribute('#call-link', 'href'), tel);
    await page.waitForTimeout(500);
    assert.equal(api.filter((r) => r.path === '/v1/leases').length, leasesBefore, 'no second lease');
    assert.equal((await leaseOf(page)).lease_id, lease.lease_id);

    assert.deepEqual(errors, []);
  } finally {
    await context.close();
  }
});

test('copying the number is a copy intent', async () => {
  const { context, page, errors, api } = await openPage();
  try {
    await page.goto(`${PAGE}/page.html?hb=60`);
    await waitForLease(page, api);
    await page.evaluate(() => {
      const range = document.createRange();
      range.selectNodeContents(document.getElementById('header-number'));
      getSelection().removeAllRanges();
      getSelection().addRange(range);
    });
    await page.keyboard.press('Control+C');
    const intent = await waitForApi(api, (r) => r.path.endsWith('/intent'), 'a copy intent');
    assert.ok(ok(intent), `intent answered ${intent.status}`);
    assert.equal(JSON.parse(intent.body).kind, 'copy');
    assert.deepEqual(errors, []);
  } finally {
    await context.close();
  }
});

test('a tap on the number on a touch screen is a tap intent', async () => {
  const { context, page, errors, api } = await openPage({ hasTouch: true });
  try {
    await page.goto(`${PAGE}/page.html?hb=60`);
    await waitForLease(page, api);
    await page.tap('#marked');
    const intent = await waitForApi(api, (r) => r.path.endsWith('/intent'), 'a tap intent');
    assert.ok(ok(intent), `intent answered ${intent.status}`);
    assert.equal(JSON.parse(intent.body).kind, 'tap');
    assert.deepEqual(errors, []);
  } finally {
    await context.close();
  }
});

test('a cached lease that has ended is not used: the page leases a new number', async () => {
  const { context, page, errors, api } = await openPage();
  try {
    // What an earlier page of this session left behind, for a lease that has since expired.
    await context.addInitScript(() => {
      const lease = { lease_id: 'l_00000000000000000000', number: '+14155550123',
        display_number: '(415) 555-0123', expires_at: new Date(Date.now() - 60_000).toISOString() };
      sessionStorage.setItem('calltrack_lease', JSON.stringify({ site_key: 'site-acme', lease }));
    });
    await page.goto(`${PAGE}/page.html?hb=60`);
    await waitForLease(page, api, (l, nums) => nums.includes(l?.number), POOL_NUMBERS);
    const lease = await leaseOf(page);
    assert.notEqual(lease.lease_id, 'l_00000000000000000000');
    assert.equal(await page.getAttribute('#call-link', 'href'), `tel:${lease.number}`);
    assert.equal(await page.textContent('#header-number'), lease.display_number);
    assert.ok(!(await page.textContent('body')).includes('555-0123'), 'the ended number is gone');
    assert.ok(!api.some((r) => r.path.includes('l_00000000000000000000')), 'no renew of the ended lease');
    assert.deepEqual(errors, []);
  } finally {
    await context.close();
  }
});

for (const [name, prefix] of [
  ['down', '/down'],
  ['answering 500', '/broken'],
  ['answering malformed JSON', '/garbage'],
]) {
  test(`with the API ${name} the page keeps its default number and sees no error`, async () => {
    const { context, page, errors, api } = await openPage();
    try {
      await page.goto(`${PAGE}${prefix}/page.html?utm_source=google&hb=1`);
      await waitForApi(api, (r) => r.path.endsWith('/v1/leases'), 'the lease attempt');
      await page.waitForTimeout(1500); // past a heartbeat
      assert.equal(await page.getAttribute('#call-link', 'href'), DEFAULT_TEL);
      assert.equal(await page.textContent('#header-number'), '+1 (415) 555-0100');
      assert.equal(await page.textContent('#marked'), '(our number)');
      assert.equal(await leaseOf(page), null);
      assert.equal(await page.evaluate(() => window.calltrack.refresh()), null);
      await page.click('#call-link');
      if (name === 'down') await page.screenshot({ path: path.join(OUT, 'dni-api-down.png'), fullPage: true });
      assert.deepEqual(errors, []);
    } finally {
      await context.close();
    }
  });
}
