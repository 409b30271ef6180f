/*! calltrack dni.js: dynamic number insertion for calltrack.
 *
 * <script src="https://cdn.example.com/dni.js" data-site-key="site-acme"
 *         data-api="https://api.example.com" data-default-number="+1 415 555 0100" async></script>
 *
 * Leases a tracking number for this visit (POST /v1/leases, with the landing page's utm_* / gclid /
 * gbraid / wbraid / yclid, the analytics client ids the ad platforms match conversions by (Yandex
 * Metrica's _ym_uid, GA4's _ga and _ga_<container> cookies) and the referrer; the page and referrer
 * go without query string and fragment, which may hold a visitor's e-mail or a token), shows it instead of the business's default number, keeps the lease alive
 * while the page is visible (POST /v1/leases/{id}/renew) and reports call intents: a tap or click on
 * the number, a copy of it (POST /v1/leases/{id}/intent). Requests are text/plain JSON, so the
 * browser sends them without a CORS preflight. Nothing here may break the host page: every entry
 * point catches its errors, and when the API fails the page keeps its default number.
 *
 * Optional attributes: data-default-number (the number to replace wherever it appears in text and
 * tel: links, matched on its digits whatever the formatting), data-heartbeat-seconds (default 60).
 * Elements with data-calltrack or class "calltrack-number" always get the leased number.
 * Debugging: window.calltrack = {lease, refresh()}.
 */
(function () {
  'use strict';
  if (window.calltrack && window.calltrack.version) return; // included twice

  var PARAMS = ['utm_source', 'utm_medium', 'utm_campaign', 'utm_term', 'utm_content', 'gclid', 'gbraid',
    'wbraid', 'yclid'];
  var KEY = 'calltrack_';
  var MARKED = '[data-calltrack],.calltrack-number';
  var SKIP = { SCRIPT: 1, STYLE: 1, NOSCRIPT: 1, TEXTAREA: 1, INPUT: 1, SELECT: 1, OPTION: 1, TEMPLATE: 1 };
  var PHONE = /\+?\(?\d[\d\s().\u00a0\u2011-]{5,}\d/g;

  var script = document.currentScript || document.querySelector('script[data-site-key]');
  var data = (script && script.dataset) || {};
  var siteKey = data.siteKey;
  var api = String(data.api || originOf(script && script.src)).replace(/\/+$/, '');
  var heartbeatMs = Math.max(1, Number(data.heartbeatSeconds) || 60) * 1000;
  var replaced = []; // digits of every number we should overwrite: the default, then earlier leases
  if (data.defaultNumber) replaced.push(digits(data.defaultNumber));

  var state = { lease: null, pending: null, timer: 0, lastIntent: {}, pointer: '' };
  var calltrack = { version: 1, lease: null, refresh: refresh };
  window.calltrack = calltrack;

  function originOf(url) {
    try { return url ? new URL(url, location.href).origin : ''; } catch (e) { return ''; }
  }

  function guard(fn) {
    return function () {
      try { return fn.apply(this, arguments); } catch (e) { /* never into the host page */ }
    };
  }

  // ---- storage -------------------------------------------------------------------------------
  function load(store, name) {
    try { return JSON.parse(window[store].getItem(KEY + name)); } catch (e) { return null; }
  }
  function save(store, name, value) {
    try {
      if (value == null) window[store].removeItem(KEY + name);
      else window[store].setItem(KEY + name, JSON.stringify(value));
    } catch (e) { /* storage disabled or full */ }
  }

  function randomId() {
    var c = window.crypto;
    if (c && c.randomUUID) return c.randomUUID();
    var b = new Uint8Array(16);
    if (c && c.getRandomValues) c.getRandomValues(b);
    else for (var i = 0; i < 16; i++) b[i] = Math.floor(Math.random() * 256);
    return Array.prototype.map.call(b, function (x) { return (x + 256).toString(16).slice(1); }).join('');
  }

  function visitorId() {
    var id = load('localStorage', 'vid');
    if (!id) {
      var m = document.cookie.match(/(?:^|;\s*)calltrack_vid=([\w-]+)/);
      id = m ? m[1] : randomId();
      save('localStorage', 'vid', id);
    }
    try {
      document.cookie = 'calltrack_vid=' + id + ';path=/;max-age=31536000;SameSite=Lax' +
        (location.protocol === 'https:' ? ';Secure' : '');
    } catch (e) { /* sandboxed document */ }
    return id;
  }

  /** A URL's origin and path: its query string and fragment are not ours to keep. */
  function bare(url) {
    if (!url) return null;
    try { var u = new URL(url, location.href); return u.origin + u.pathname; } catch (e) { return null; }
  }

  /** A first-party cookie's value, or null. */
  function cookie(name) {
    try {
      var parts = document.cookie ? document.cookie.split('; ') : [];
      for (var i = 0; i < parts.length; i++) {
        var eq = parts[i].indexOf('=');
        if (parts[i].slice(0, eq) === name) return decodeURIComponent(parts[i].slice(eq + 1));
      }
    } catch (e) { /* cookies disabled */ }
    return null;
  }

  /** GA4's ids: client id from `_ga` (GA1.1.<client>.<time>), session id from the first
   * `_ga_<container>` cookie (GS1.1.<session>.… or GS2.1.s<session>$…). */
  function gaIds() {
    var out = {};
    var ga = cookie('_ga');
    var m = ga && /^GA\d\.\d+\.(\d+\.\d+)$/.exec(ga);
    if (m) out.ga_client_id = m[1];
    try {
      var c = (document.cookie || '').split('; ').filter(function (p) { return p.indexOf('_ga_') === 0; })[0];
      var v = c ? c.slice(c.indexOf('=') + 1) : '';
      var s = /^GS\d\.\d+\.s?(\d+)/.exec(v);
      if (s) out.ga_session_id = s[1];
    } catch (e) { /* cookies disabled */ }
    return out;
  }

  /** First touch of this browser session: the landing page's params and referrer. */
  function attribution() {
    var first = load('sessionStorage', 'touch');
    if (first) return first;
    first = { referrer: bare(document.referrer) };
    var q = new URLSearchParams(location.search);
    PARAMS.forEach(function (p) { first[p] = q.get(p) || null; });
    save('sessionStorage', 'touch', first);
    return first;
  }

  // ---- API -----------------------------------------------------------------------------------
  /** POST text/plain JSON (a CORS "simple request": no preflight). Resolves to the Response. */
  function post(path, body) {
    var ctrl = window.AbortController ? new AbortController() : null;
    var t = setTimeout(function () { if (ctrl) ctrl.abort(); }, 8000);
    return fetch(api + path, {
      method: 'POST', body: JSON.stringify(body), keepalive: true, credentials: 'omit', mode: 'cors',
      signal: ctrl ? ctrl.signal : undefined
    }).then(function (r) { clearTimeout(t); return r; }, function (e) { clearTimeout(t); throw e; });
  }

  function acquire() {
    var touch = attribution();
    var body = { site_key: siteKey, visitor_id: visitorId(), page_url: bare(location.href) };
    Object.keys(touch).forEach(function (k) { if (touch[k]) body[k] = touch[k]; });
    var ym = cookie('_ym_uid');
    if (ym && /^\d{1,40}$/.test(ym)) body.ym_client_id = ym;
    var ga = gaIds();
    Object.keys(ga).forEach(function (k) { body[k] = ga[k]; });
    return post('/v1/leases', body).then(function (r) {
      if (!r.ok) throw new Error('lease ' + r.status);
      return r.json();
    }).then(function (lease) {
      if (!lease || !lease.number) throw new Error('lease: no number');
      setLease(lease);
      return lease;
    });
  }

  function renew() {
    var lease = state.lease;
    if (!lease || !lease.lease_id) return acquire();
    if (!(Date.parse(lease.expires_at) > Date.now())) { // ended while the tab slept: lease anew
      setLease(null);
      return acquire();
    }
    return post('/v1/leases/' + encodeURIComponent(lease.lease_id) + '/renew', { site_key: siteKey })
      .then(function (r) {
        if (r.status >= 400 && r.status < 500 && r.status !== 429) { // ended (410) or unknown: lease anew
          setLease(null);
          return acquire();
        }
        if (!r.ok) return lease;
        return r.json().then(function (b) {
          if (state.lease === lease && b && b.expires_at) {
            lease.expires_at = b.expires_at;
            setLease(lease);
          }
          return state.lease;
        }, function () { return lease; });
      });
  }

  /** Renew the lease now (or lease one if there is none). Resolves to the lease, never rejects. */
  function refresh() {
    if (!siteKey || !api) return Promise.resolve(null);
    if (!state.pending) {
      state.pending = Promise.resolve().then(renew).catch(function () { return null; })
        .then(function (l) { state.pending = null; return l || state.lease; });
    }
    return state.pending;
  }

  function setLease(lease) {
    var old = state.lease;
    state.lease = lease;
    calltrack.lease = lease;
    if (lease && lease.lease_id) save('sessionStorage', 'lease', { site_key: siteKey, lease: lease });
    else save('sessionStorage', 'lease', null);
    if (old && old.number && (!lease || old.number !== lease.number)) replaced.push(digits(old.number));
    if (lease) apply();
  }

  function cachedLease() {
    var c = load('sessionStorage', 'lease');
    if (!c || c.site_key !== siteKey || !c.lease || !c.lease.lease_id) return null;
    return Date.parse(c.lease.expires_at) > Date.now() + 5000 ? c.lease : null;
  }

  function intent(kind) {
    var lease = state.lease;
    if (!lease || !lease.lease_id) return;
    var now = Date.now();
    if (now - (state.lastIntent[kind] || 0) < 2000) return; // one per gesture
    state.lastIntent[kind] = now;
    var url = api + '/v1/leases/' + encodeURIComponent(lease.lease_id) + '/intent';
    var body = JSON.stringify({ kind: kind });
    var sent = false;
    try { sent = navigator.sendBeacon && navigator.sendBeacon(url, body); } catch (e) { sent = false; }
    if (!sent) post('/v1/leases/' + encodeURIComponent(lease.lease_id) + '/intent', { kind: kind })
      .catch(function () {});
  }

  // ---- numbers in the page -------------------------------------------------------------------
  function digits(s) { return String(s || '').replace(/\D/g, ''); }

  /** Same number whatever the formatting: +1 (415) 555-0100, 415.555.0100, 8 495 ... for +7 495 ... */
  function sameNumber(found, known) {
    var t = digits(found);
    if (!t || !known) return false;
    if (t === known) return true;
    if (t.length >= 7 && known.slice(-t.length) === t) return true; // national, no trunk prefix
    if (/^00/.test(t) && t.slice(2) === known) return true; // international 00 prefix
    var n = t.slice(1); // trunk prefix: 0 20 ... (+44 20 ...), 8 495 ... (+7 495 ...)
    return /^[08]/.test(t) && n.length >= 7 && known.slice(-n.length) === n;
  }
  function isReplaced(s) {
    for (var i = 0; i < replaced.length; i++) if (sameNumber(s, replaced[i])) return true;
    return false;
  }

  function apply() {
    var lease = state.lease;
    if (!lease || !document.body) return;
    var show = lease.display_number || lease.number;
    var tel = 'tel:' + lease.number;
    var marked = document.querySelectorAll(MARKED);
    for (var i = 0; i < marked.length; i++) {
      var el = marked[i];
      if (el.textContent !== show) el.textContent = show;
      var a = el.closest('a[href^="tel:"]');
      if (a && a.getAttribute('href') !== tel) a.setAttribute('href', tel);
    }
    if (!replaced.length) return;
    var links = document.querySelectorAll('a[href^="tel:"],a[href^="TEL:"]');
    for (var j = 0; j < links.length; j++) {
      if (isReplaced(links[j].getAttribute('href').slice(4))) links[j].setAttribute('href', tel);
    }
    var walk = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT, null);
    var nodes = [];
    for (var n = walk.nextNode(); n; n = walk.nextNode()) {
      var p = n.parentNode;
      if (!p || SKIP[p.nodeName] || p.isContentEditable || !/\d{2}/.test(n.nodeValue)) continue;
      nodes.push(n);
    }
    nodes.forEach(function (node) {
      var text = node.nodeValue;
      var next = text.replace(PHONE, function (m) { return isReplaced(m) ? show : m; });
      if (next !== text) node.nodeValue = next;
    });
  }

  /** The lease's number in a tel: link or a marked element under the event's target. */
  function numberTarget(target) {
    if (!target || !target.closest) return false;
    if (target.closest(MARKED)) return true;
    var a = target.closest('a[href^="tel:"],a[href^="TEL:"]');
    return !!(a && state.lease && sameNumber(a.getAttribute('href').slice(4), digits(state.lease.number)));
  }

  function watch() {
    document.addEventListener('pointerdown', guard(function (e) { state.pointer = e.pointerType; }), true);
    document.addEventListener('click', guard(function (e) {
      if (!numberTarget(e.target)) return;
      var touch = state.pointer === 'touch' || e.pointerType === 'touch';
      intent(touch ? 'tap' : 'click');
    }), true);
    document.addEventListener('copy', guard(function () {
      var sel = String(window.getSelection ? window.getSelection() : '');
      var lease = state.lease;
      if (!lease) return;
      var m = sel.match(PHONE) || [];
      for (var i = 0; i < m.length; i++) {
        if (sameNumber(m[i], digits(lease.number))) return intent('copy');
      }
    }), true);
    document.addEventListener('visibilitychange', guard(function () {
      if (document.visibilityState === 'visible' && state.lease) refresh();
    }));
    state.timer = setInterval(guard(function () {
      if (document.visibilityState === 'visible' && state.lease && state.lease.lease_id) refresh();
    }), heartbeatMs);
    if (window.MutationObserver) { // numbers rendered after load (SPA routes, late widgets)
      var queued = false;
      new MutationObserver(guard(function () {
        if (queued || !state.lease) return;
        queued = true;
        setTimeout(guard(function () { queued = false; apply(); }), 50);
      })).observe(document.documentElement, { childList: true, subtree: true });
    }
  }

  var start = guard(function () {
    if (!siteKey || !api || !window.fetch) return;
    watch();
    var cached = cachedLease();
    if (cached) {
      setLease(cached);
      refresh(); // the page is open: that is evidence too, and it checks the lease still lives
    } else {
      refresh();
    }
  });

  try {
    if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', start);
    else start();
  } catch (e) { /* never into the host page */ }
})();
