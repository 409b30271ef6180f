//! A bounded loopback load against a real `calltrack serve`, shared by the fault test
//! (`tests/load_faults.rs`, in `make test`) and the load bench (`benches/load.rs`, `make load`).
//!
//! Each simulated visitor leases a number from its own source address (behind
//! `--trusted-proxy 127.0.0.1/32`), renews it, maybe taps it, and maybe calls it: the call's
//! generic webhook events arrive shuffled, some redelivered, some as one batch; a missed call
//! is sometimes called back; an answered one sometimes becomes a CRM deal whose updates arrive
//! shuffled and redelivered too. Optionally the server is killed (`SIGKILL`) mid-load and
//! started again; every request that got no answer, or a 5xx, is sent again with the same
//! bytes. Afterwards the calls are recounted through `GET /v1/calls` and compared with what
//! was sent and with the report's rollups.

#![allow(dead_code)] // the test and the bench each use a part

use std::collections::{BTreeMap, HashMap, HashSet};
use std::io::{Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use calltrack::model::{CallId, Provider, TenantId};
use calltrack::telephony::signature::generic_header_value;
use chrono::{DateTime, SecondsFormat, Utc};
use rand::seq::SliceRandom;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use serde_json::{json, Value};

const TENANT: &str = "load";
const SITE_KEY: &str = "sk-load";
const ORIGIN: &str = "https://load.example";
const GENERIC_SECRET: &str = "load-generic-secret";
const CRM_SECRET: &str = "load-crm-secret";
const STATIC_NUMBER: &str = "+14155550000";
const BUSINESS_LINE: &str = "+14155559000";
/// Channels a visitor can arrive from: (utm_source, utm_medium, campaign).
const CHANNELS: [(&str, &str, &str); 4] = [
    ("google", "cpc", "brand"),
    ("yandex", "cpc", "generic"),
    ("facebook", "paid", "retarget"),
    ("newsletter", "email", "october"),
];

/// What to run.
#[derive(Debug, Clone)]
pub struct Config {
    /// The `calltrack` binary.
    pub bin: PathBuf,
    /// Visitors simulated.
    pub sessions: usize,
    /// Concurrent clients.
    pub workers: usize,
    /// Numbers in the tenant's pool (fewer than live visitors: numbers are shared, as on a
    /// busy site).
    pub pool_numbers: usize,
    /// Times the server is killed and started again, spread evenly over the run.
    pub kills: usize,
    pub seed: u64,
}

/// The kinds of request, for latency figures.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Kind {
    Lease,
    Renew,
    Intent,
    Webhook,
    Crm,
}

impl Kind {
    pub const ALL: [Kind; 5] = [
        Kind::Lease,
        Kind::Renew,
        Kind::Intent,
        Kind::Webhook,
        Kind::Crm,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Kind::Lease => "POST /v1/leases",
            Kind::Renew => "POST /v1/leases/{id}/renew",
            Kind::Intent => "POST /v1/leases/{id}/intent",
            Kind::Webhook => "POST /v1/hooks/{t}/generic",
            Kind::Crm => "POST /v1/hooks/{t}/crm",
        }
    }
}

/// What the run measured and what the recount found.
#[derive(Debug, Default)]
pub struct Outcome {
    pub elapsed: Duration,
    /// Requests that got a final answer (each counted once, however often it was sent).
    pub requests: usize,
    /// Sends beyond the first: redeliveries planned by the mix are in `requests`; these are
    /// the resends after a lost answer or a 5xx.
    pub resends: usize,
    /// Answers that were neither 2xx nor a retryable failure: each is a defect.
    pub unexpected: Vec<String>,
    pub kills: usize,
    /// Visitors who got no lease (every number shared to the pool's cap): the page keeps its
    /// own number, the visit is still counted.
    pub no_lease: usize,
    /// Latency of every answered attempt, per kind, in microseconds.
    pub latencies: BTreeMap<Kind, Vec<u64>>,
    pub recount: Recount,
}

impl Outcome {
    /// Throughput over the whole run, answers a second.
    pub fn throughput(&self) -> f64 {
        self.requests as f64 / self.elapsed.as_secs_f64()
    }

    /// The `q` quantile (0..1) of `kind`'s latencies, in milliseconds.
    pub fn quantile_ms(&self, kind: Kind, q: f64) -> Option<f64> {
        let mut v = self.latencies.get(&kind)?.clone();
        if v.is_empty() {
            return None;
        }
        v.sort_unstable();
        let i = ((v.len() - 1) as f64 * q).round() as usize;
        Some(v[i] as f64 / 1000.0)
    }

    /// The quantile over every kind together, in milliseconds.
    pub fn overall_ms(&self, q: f64) -> f64 {
        let mut v: Vec<u64> = self.latencies.values().flatten().copied().collect();
        v.sort_unstable();
        v.get(((v.len().max(1) - 1) as f64 * q).round() as usize)
            .map_or(0.0, |x| *x as f64 / 1000.0)
    }

    /// What a person reads: throughput, latencies per route, the recount and its defects.
    pub fn summary(&self) -> String {
        let mut s = format!(
            "  {} requests answered in {:.1} s = {:.0} req/s; {} kill(s), {} resent after a lost answer or 5xx; p50 {:.2} ms, p99 {:.2} ms\n",
            self.requests,
            self.elapsed.as_secs_f64(),
            self.throughput(),
            self.kills,
            self.resends,
            self.overall_ms(0.5),
            self.overall_ms(0.99)
        );
        for k in Kind::ALL {
            if let (Some(p50), Some(p99)) = (self.quantile_ms(k, 0.5), self.quantile_ms(k, 0.99)) {
                let n = self.latencies.get(&k).map_or(0, Vec::len);
                s.push_str(&format!(
                    "  {:<30} {n:>7}  p50 {p50:>7.2} ms  p99 {p99:>7.2} ms\n",
                    k.name()
                ));
            }
        }
        s.push_str(&format!(
            "  {} visitor(s) got no lease (every number shared to the cap)\n",
            self.no_lease
        ));
        let r = &self.recount;
        s.push_str(&format!(
            "  recount: {} of {} calls found, {} deals sent; report {:?}\n",
            r.calls_found, r.calls_sent, r.deals_sent, r.report
        ));
        let defects = self.defects();
        s.push_str(&format!("  defects: {}\n", defects.len()));
        for d in defects.iter().take(20) {
            s.push_str(&format!("    {d}\n"));
        }
        s
    }

    /// Every way the stored data differs from what was sent; empty when exact.
    pub fn defects(&self) -> Vec<String> {
        let mut d = self.unexpected.clone();
        d.extend(self.recount.defects.iter().cloned());
        d
    }
}

/// The calls and counters read back after the load, against the ledger of what was sent.
#[derive(Debug, Default)]
pub struct Recount {
    pub calls_sent: usize,
    pub calls_found: usize,
    pub deals_sent: usize,
    pub defects: Vec<String>,
    /// The report's totals as read (`visits`, `calls`, ... `revenue_minor`).
    pub report: BTreeMap<String, i64>,
}

/// A planned call to the number the visitor was shown.
#[derive(Debug, Clone)]
struct PlannedCall {
    provider_call_id: String,
    caller: String,
    answered: bool,
    ring: u32,
    talk: u32,
    agent: String,
    /// A missed call the business calls back (an outbound generic call).
    callback: bool,
    /// Events sent as one array instead of one request each.
    batch: bool,
    deal: Option<PlannedDeal>,
}

/// A CRM deal from an answered call: its final status and amount decide the report.
#[derive(Debug, Clone)]
struct PlannedDeal {
    deal_id: String,
    won: bool,
    amount_minor: i64,
    /// Linked by our call id (else by the caller's phone).
    by_call_id: bool,
    /// A later won update corrects the amount.
    corrected_minor: Option<i64>,
}

#[derive(Debug, Clone)]
struct Session {
    visitor: String,
    source_ip: String,
    channel: usize,
    renews: u32,
    intent: bool,
    call: Option<PlannedCall>,
}

fn plan(cfg: &Config) -> Vec<Session> {
    let mut rng = ChaCha8Rng::seed_from_u64(cfg.seed);
    (0..cfg.sessions)
        .map(|i| {
            let call = rng.gen_bool(0.5).then(|| {
                let answered = rng.gen_bool(0.75);
                PlannedCall {
                    provider_call_id: format!("pbx-{}-{i}", cfg.seed),
                    caller: format!("+7916{:07}", i),
                    answered,
                    ring: rng.gen_range(2..40),
                    talk: if answered { rng.gen_range(5..240) } else { 0 },
                    agent: format!("{}", 100 + rng.gen_range(0..6)),
                    callback: !answered && rng.gen_bool(0.4),
                    batch: rng.gen_bool(0.1),
                    deal: (answered && rng.gen_bool(0.35)).then(|| {
                        let won = rng.gen_bool(0.6);
                        PlannedDeal {
                            deal_id: format!("D-{}-{i}", cfg.seed),
                            won,
                            amount_minor: rng.gen_range(100..5000) * 100,
                            by_call_id: rng.gen_bool(0.5),
                            corrected_minor: (won && rng.gen_bool(0.3))
                                .then(|| rng.gen_range(100..5000) * 100),
                        }
                    }),
                }
            });
            Session {
                visitor: format!("v-{}-{i}", cfg.seed),
                source_ip: format!("10.{}.{}.{}", (i >> 16) & 255, (i >> 8) & 255, i & 255),
                channel: rng.gen_range(0..CHANNELS.len()),
                renews: rng.gen_range(0..4),
                intent: rng.gen_bool(0.3),
                call,
            }
        })
        .collect()
}

/// Runs `calltrack` once against `dir`; its stdout.
fn ct(bin: &Path, dir: &Path, args: &[&str]) -> String {
    let out = Command::new(bin)
        .arg("--data")
        .arg(dir)
        .args(args)
        .output()
        .expect("run calltrack");
    assert!(
        out.status.success(),
        "{args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// A fresh data directory with the load tenant, its pool and a static number; its API key.
fn setup(bin: &Path, dir: &Path, pool_numbers: usize) -> String {
    let _ = std::fs::remove_dir_all(dir);
    let generic = format!("generic={GENERIC_SECRET}");
    let crm = format!("crm={CRM_SECRET}");
    let added = ct(
        bin,
        dir,
        &[
            "--json",
            "tenant",
            "add",
            TENANT,
            "--name",
            "Load",
            "--site-key",
            SITE_KEY,
            "--origin",
            ORIGIN,
            "--timezone",
            "UTC",
            "--currency",
            "USD",
            "--secret",
            &generic,
            "--secret",
            &crm,
        ],
    );
    let key = serde_json::from_str::<Value>(&added).expect("tenant add --json")["api_key"]
        .as_str()
        .expect("api_key")
        .to_string();
    // Every visitor has its own address; the tenant-wide cap would only measure itself.
    ct(
        bin,
        dir,
        &["tenant", "set", TENANT, "--tenant-lease-rate", "0"],
    );
    ct(bin, dir, &["pool", "add", TENANT, "web"]);
    // Four processes at a time: setup is not what is measured.
    std::thread::scope(|scope| {
        for part in 0..4 {
            scope.spawn(move || {
                for i in (part..pool_numbers).step_by(4) {
                    let n = format!("+1415{:07}", 5_551_000 + i);
                    let args = [
                        "number",
                        "add",
                        TENANT,
                        &n,
                        "--pool",
                        "web",
                        "--forward-to",
                        BUSINESS_LINE,
                    ];
                    ct(bin, dir, &args);
                }
            });
        }
    });
    ct(
        bin,
        dir,
        &[
            "number",
            "add",
            TENANT,
            STATIC_NUMBER,
            "--static",
            "--source",
            "billboard",
        ],
    );
    key
}

/// The server process, killed on drop.
struct Server {
    bin: PathBuf,
    dir: PathBuf,
    port: u16,
    child: Option<Child>,
}

impl Server {
    fn start(bin: &Path, dir: &Path) -> Self {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let mut s = Server {
            bin: bin.to_path_buf(),
            dir: dir.to_path_buf(),
            port,
            child: None,
        };
        s.spawn();
        s
    }

    fn spawn(&mut self) {
        let log = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(self.dir.join("serve.log"))
            .expect("serve log");
        let child = Command::new(&self.bin)
            .arg("--data")
            .arg(&self.dir)
            .args(["serve", "--addr", &format!("127.0.0.1:{}", self.port)])
            .args(["--trusted-proxy", "127.0.0.1/32"])
            .stdout(Stdio::null())
            .stderr(log)
            .spawn()
            .expect("start serve");
        self.child = Some(child);
        let started = Instant::now();
        while TcpStream::connect(("127.0.0.1", self.port)).is_err() {
            assert!(
                started.elapsed() < Duration::from_secs(30),
                "serve did not start"
            );
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// SIGKILL: no graceful shutdown, whatever was in flight is cut off.
    fn kill(&mut self) {
        if let Some(mut c) = self.child.take() {
            let _ = c.kill();
            let _ = c.wait();
        }
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.kill();
    }
}

/// One HTTP/1.1 exchange on a fresh connection: the status and the body, or the I/O error
/// that left the answer unknown.
fn exchange(port: u16, request: &[u8]) -> std::io::Result<(u16, Vec<u8>)> {
    let mut s = TcpStream::connect(("127.0.0.1", port))?;
    s.set_read_timeout(Some(Duration::from_secs(30)))?;
    s.write_all(request)?;
    let mut answer = Vec::new();
    s.read_to_end(&mut answer)?;
    let split = answer
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .ok_or_else(|| std::io::Error::other("no complete answer"))?;
    let status = std::str::from_utf8(&answer[..split])
        .ok()
        .and_then(|h| h.split_whitespace().nth(1))
        .and_then(|c| c.parse().ok())
        .ok_or_else(|| std::io::Error::other("no status line"))?;
    Ok((status, answer[split + 4..].to_vec()))
}

fn request(method: &str, path: &str, headers: &[(&str, String)], body: &[u8]) -> Vec<u8> {
    let mut r = format!("{method} {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n");
    for (k, v) in headers {
        r.push_str(&format!("{k}: {v}\r\n"));
    }
    r.push_str(&format!("Content-Length: {}\r\n\r\n", body.len()));
    let mut r = r.into_bytes();
    r.extend_from_slice(body);
    r
}

/// The shared state of one run's clients.
struct Clients {
    port: AtomicUsize,
    resends: AtomicUsize,
    requests: AtomicUsize,
    no_lease: AtomicUsize,
    unexpected: Mutex<Vec<String>>,
    latencies: Mutex<BTreeMap<Kind, Vec<u64>>>,
}

impl Clients {
    /// Sends `req` until it gets an answer that is not a retryable failure (no answer at all,
    /// a 5xx or a 408), as a provider or the snippet would; the final answer.
    fn send(&self, kind: Kind, req: &[u8]) -> Option<(u16, Value)> {
        let mut pause = Duration::from_millis(10);
        let deadline = Instant::now() + Duration::from_secs(90);
        let mut first = true;
        loop {
            if !first {
                self.resends.fetch_add(1, Ordering::Relaxed);
            }
            first = false;
            let t0 = Instant::now();
            let got = exchange(self.port.load(Ordering::Relaxed) as u16, req);
            let took = t0.elapsed().as_micros() as u64;
            match got {
                Ok((status, body)) if status < 500 && status != 408 => {
                    self.latencies
                        .lock()
                        .unwrap()
                        .entry(kind)
                        .or_default()
                        .push(took);
                    self.requests.fetch_add(1, Ordering::Relaxed);
                    let v = serde_json::from_slice(&body).unwrap_or(Value::Null);
                    if !(200..300).contains(&status) {
                        self.unexpected.lock().unwrap().push(format!(
                            "{}: {status} {}",
                            kind.name(),
                            String::from_utf8_lossy(&body)
                        ));
                    }
                    return Some((status, v));
                }
                _ if Instant::now() > deadline => {
                    self.unexpected
                        .lock()
                        .unwrap()
                        .push(format!("{}: no answer within 90 s", kind.name()));
                    return None;
                }
                _ => {
                    std::thread::sleep(pause);
                    pause = (pause * 2).min(Duration::from_millis(400));
                }
            }
        }
    }
}

fn rfc3339(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Secs, true)
}

fn lease_body(s: &Session) -> Vec<u8> {
    let (src, medium, campaign) = CHANNELS[s.channel];
    json!({
        "site_key": SITE_KEY,
        "visitor_id": s.visitor,
        "utm_source": src,
        "utm_medium": medium,
        "utm_campaign": campaign,
        "page_url": format!("{ORIGIN}/landing/{campaign}"),
        "referrer": format!("https://{src}.example/"),
    })
    .to_string()
    .into_bytes()
}

fn snippet_headers(source_ip: &str) -> Vec<(&'static str, String)> {
    vec![
        ("Origin", ORIGIN.to_string()),
        (
            "User-Agent",
            "Mozilla/5.0 (X11; Linux x86_64) Chrome/130.0".to_string(),
        ),
        ("Content-Type", "text/plain".to_string()),
        ("X-Forwarded-For", source_ip.to_string()),
    ]
}

fn signed(path: &str, secret: &str, body: Vec<u8>) -> Vec<u8> {
    request(
        "POST",
        path,
        &[
            ("Content-Type", "application/json".to_string()),
            ("X-Signature", generic_header_value(secret, &body)),
        ],
        &body,
    )
}

/// The generic events of a call starting at `t` to `to`, in time order.
fn call_events(c: &PlannedCall, to: &str, t: DateTime<Utc>) -> Vec<Value> {
    let id = &c.provider_call_id;
    let base = |event: &str, at: DateTime<Utc>| {
        json!({"event_id": format!("{id}-{event}"), "call_id": id, "event": event,
               "from": c.caller, "to": to, "at": rfc3339(at)})
    };
    let answer_at = t + chrono::Duration::seconds(i64::from(c.ring));
    let mut events = vec![base("started", t), base("ringing", t)];
    let mut ended = base(
        "ended",
        answer_at + chrono::Duration::seconds(i64::from(c.talk)),
    );
    ended["ring_seconds"] = json!(c.ring);
    if c.answered {
        let mut answered = base("answered", answer_at);
        answered["answered_by"] = json!(c.agent);
        events.push(answered);
        ended["talk_seconds"] = json!(c.talk);
        ended["outcome"] = json!("answered");
        ended["answered_by"] = json!(c.agent);
    } else {
        ended["outcome"] = json!("missed");
        ended["missed_reason"] = json!("no_answer");
    }
    events.push(ended);
    events
}

/// An agent's connected call back to a missed caller, `after` the missed call.
fn callback_events(c: &PlannedCall, after: DateTime<Utc>) -> Vec<Value> {
    let id = format!("{}-cb", c.provider_call_id);
    let answer_at = after + chrono::Duration::seconds(5);
    let base = |event: &str, at: DateTime<Utc>| {
        json!({"event_id": format!("{id}-{event}"), "call_id": id, "event": event,
               "direction": "outbound", "from": BUSINESS_LINE, "to": c.caller, "at": rfc3339(at)})
    };
    let mut answered = base("answered", answer_at);
    answered["answered_by"] = json!(c.agent);
    let mut ended = base("ended", answer_at + chrono::Duration::seconds(60));
    ended["talk_seconds"] = json!(60);
    ended["outcome"] = json!("answered");
    vec![base("started", after), answered, ended]
}

/// Deal updates in time order: open, then won or lost, then maybe a corrected amount.
fn deal_bodies(d: &PlannedDeal, c: &PlannedCall, call_id: &CallId, t: DateTime<Utc>) -> Vec<Value> {
    let link = if d.by_call_id {
        json!({"call_id": call_id.as_str()})
    } else {
        json!({"phone": c.caller})
    };
    let update = |status: &str, minor: i64, secs: i64| {
        let mut v = json!({"deal_id": d.deal_id, "status": status,
            "amount": format!("{}.{:02}", minor / 100, minor % 100), "currency": "USD",
            "at": rfc3339(t + chrono::Duration::seconds(secs))});
        if let (Value::Object(m), Value::Object(l)) = (&mut v, &link) {
            m.extend(l.clone());
        }
        v
    };
    let mut out = vec![update("open", d.amount_minor, 300)];
    out.push(update(
        if d.won { "won" } else { "lost" },
        d.amount_minor,
        400,
    ));
    if let Some(minor) = d.corrected_minor {
        out.push(update("won", minor, 500));
    }
    out
}

/// Shuffles `items` and redelivers about a quarter of them at a later position.
fn shuffled_with_redeliveries<T: Clone>(rng: &mut ChaCha8Rng, items: Vec<T>) -> Vec<T> {
    let mut out = items.clone();
    for it in &items {
        if rng.gen_bool(0.25) {
            out.push(it.clone());
        }
    }
    out.shuffle(rng);
    out
}

/// One visitor's whole journey.
fn run_session(c: &Clients, s: &Session, seed: u64, tenant: &TenantId) {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let lease = request(
        "POST",
        "/v1/leases",
        &snippet_headers(&s.source_ip),
        &lease_body(s),
    );
    let Some((_, leased)) = c.send(Kind::Lease, &lease) else {
        return;
    };
    let lease_id = leased["lease_id"].as_str().map(str::to_string);
    if lease_id.is_none() {
        c.no_lease.fetch_add(1, Ordering::Relaxed);
    }
    let number = leased["number"]
        .as_str()
        .unwrap_or(STATIC_NUMBER)
        .to_string();
    if let Some(id) = &lease_id {
        for _ in 0..s.renews {
            let r = request(
                "POST",
                &format!("/v1/leases/{id}/renew"),
                &snippet_headers(&s.source_ip),
                b"{}",
            );
            c.send(Kind::Renew, &r);
        }
        if s.intent {
            let r = request(
                "POST",
                &format!("/v1/leases/{id}/intent"),
                &snippet_headers(&s.source_ip),
                br#"{"kind":"tap"}"#,
            );
            c.send(Kind::Intent, &r);
        }
    }
    let Some(call) = &s.call else { return };
    let path = format!("/v1/hooks/{TENANT}/generic");
    // A person dials a second or more after the page showed the number (and `at` has whole
    // seconds), so the call never starts before the lease.
    let t = Utc::now() + chrono::Duration::seconds(1);
    let events = call_events(call, &number, t);
    if call.batch {
        let body = Value::Array(events).to_string().into_bytes();
        c.send(Kind::Webhook, &signed(&path, GENERIC_SECRET, body.clone()));
        if rng.gen_bool(0.25) {
            c.send(Kind::Webhook, &signed(&path, GENERIC_SECRET, body));
        }
    } else {
        for e in shuffled_with_redeliveries(&mut rng, events) {
            c.send(
                Kind::Webhook,
                &signed(&path, GENERIC_SECRET, e.to_string().into_bytes()),
            );
        }
    }
    if call.callback {
        let after = t + chrono::Duration::seconds(i64::from(call.ring) + 30);
        for e in shuffled_with_redeliveries(&mut rng, callback_events(call, after)) {
            c.send(
                Kind::Webhook,
                &signed(&path, GENERIC_SECRET, e.to_string().into_bytes()),
            );
        }
    }
    if let Some(deal) = &call.deal {
        let call_id = CallId::derive(tenant, Provider::Generic, &call.provider_call_id);
        let crm = format!("/v1/hooks/{TENANT}/crm");
        let bodies = deal_bodies(deal, call, &call_id, t);
        for b in shuffled_with_redeliveries(&mut rng, bodies) {
            c.send(
                Kind::Crm,
                &signed(&crm, CRM_SECRET, b.to_string().into_bytes()),
            );
        }
    }
}

/// Runs the whole load: set up, drive, kill and restart if asked, recount.
pub fn run(cfg: &Config, dir: &Path) -> Outcome {
    let key = setup(&cfg.bin, dir, cfg.pool_numbers);
    let sessions = Arc::new(plan(cfg));
    let server = Arc::new(Mutex::new(Server::start(&cfg.bin, dir)));
    let port = server.lock().unwrap().port;
    let clients = Arc::new(Clients {
        port: AtomicUsize::new(port as usize),
        resends: AtomicUsize::new(0),
        requests: AtomicUsize::new(0),
        no_lease: AtomicUsize::new(0),
        unexpected: Mutex::new(Vec::new()),
        latencies: Mutex::new(BTreeMap::new()),
    });
    let tenant = TenantId::parse(TENANT).expect("tenant id");
    let next = Arc::new(AtomicUsize::new(0));
    let done = Arc::new(AtomicUsize::new(0));
    let finished = Arc::new(AtomicBool::new(false));
    let started = Instant::now();

    // The killer: at evenly spread points of progress, SIGKILL and start again on the port.
    let killer = {
        let (server, done, finished) = (server.clone(), done.clone(), finished.clone());
        let (kills, total) = (cfg.kills, cfg.sessions);
        std::thread::spawn(move || {
            let mut killed = 0;
            while killed < kills && !finished.load(Ordering::Relaxed) {
                let at = total * (killed + 1) / (kills + 1);
                if done.load(Ordering::Relaxed) >= at {
                    let mut s = server.lock().unwrap();
                    s.kill();
                    std::thread::sleep(Duration::from_millis(300));
                    s.spawn();
                    killed += 1;
                }
                std::thread::sleep(Duration::from_millis(5));
            }
            killed
        })
    };
    let workers: Vec<_> = (0..cfg.workers)
        .map(|w| {
            let (sessions, clients, next, done) = (
                sessions.clone(),
                clients.clone(),
                next.clone(),
                done.clone(),
            );
            let (seed, tenant) = (cfg.seed, tenant.clone());
            std::thread::spawn(move || loop {
                let i = next.fetch_add(1, Ordering::Relaxed);
                let Some(s) = sessions.get(i) else { break };
                run_session(&clients, s, seed ^ ((i as u64) << 20) ^ w as u64, &tenant);
                done.fetch_add(1, Ordering::Relaxed);
            })
        })
        .collect();
    for w in workers {
        w.join().expect("worker");
    }
    let elapsed = started.elapsed();
    finished.store(true, Ordering::Relaxed);
    let kills = killer.join().expect("killer");

    let recount = recount(port, &key, &sessions, &tenant);
    drop(server);
    let clients = Arc::try_unwrap(clients).ok().expect("clients done");
    Outcome {
        elapsed,
        requests: clients.requests.into_inner(),
        resends: clients.resends.into_inner(),
        unexpected: clients.unexpected.into_inner().unwrap(),
        kills,
        no_lease: clients.no_lease.into_inner(),
        latencies: clients.latencies.into_inner().unwrap(),
        recount,
    }
}

fn api_get(port: u16, key: &str, path: &str) -> Value {
    let req = request(
        "GET",
        path,
        &[
            ("Authorization", format!("Bearer {key}")),
            ("Accept", "application/json".to_string()),
        ],
        b"",
    );
    let (status, body) = exchange(port, &req).expect("API answer");
    assert_eq!(status, 200, "{path}: {}", String::from_utf8_lossy(&body));
    serde_json::from_slice(&body).expect("JSON")
}

/// Percent-encodes a query value (the cursor is opaque).
fn query_value(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// Reads every call back through the paginated API and the report, and lists every difference
/// from the ledger: calls lost, duplicated or changed, counters that do not add up.
fn recount(port: u16, key: &str, sessions: &[Session], tenant: &TenantId) -> Recount {
    let today = Utc::now().date_naive();
    let (from, to) = (today.pred_opt().unwrap(), today.succ_opt().unwrap());
    let mut calls: Vec<Value> = Vec::new();
    let mut cursor: Option<String> = None;
    loop {
        let mut path = format!("/v1/calls?from={from}&to={to}&limit=1000");
        if let Some(c) = &cursor {
            path.push_str(&format!("&cursor={}", query_value(c)));
        }
        let page = api_get(port, key, &path);
        calls.extend(page["calls"].as_array().cloned().unwrap_or_default());
        match page["next_cursor"].as_str() {
            Some(c) => cursor = Some(c.to_string()),
            None => break,
        }
    }
    let report = api_get(port, key, &format!("/v1/reports/roi?from={from}&to={to}"));

    let mut r = Recount::default();
    let mut seen: HashMap<String, usize> = HashMap::new();
    for c in &calls {
        *seen
            .entry(c["provider_call_id"].as_str().unwrap_or("").to_string())
            .or_default() += 1;
    }
    let by_provider_id: HashMap<&str, &Value> = calls
        .iter()
        .filter_map(|c| Some((c["provider_call_id"].as_str()?, c)))
        .collect();
    for (id, n) in &seen {
        if *n > 1 {
            r.defects.push(format!("call {id} stored {n} times"));
        }
    }
    let mut sent: HashSet<String> = HashSet::new();
    let mut expect = BTreeMap::<&str, i64>::new();
    let mut by_channel_found = BTreeMap::<String, i64>::new();
    for s in sessions {
        *expect.entry("visits").or_default() += 1;
        let Some(c) = &s.call else { continue };
        r.calls_sent += 1;
        sent.insert(c.provider_call_id.clone());
        *expect.entry("calls").or_default() += 1;
        *expect.entry("first_time_callers").or_default() += 1;
        if c.answered {
            *expect.entry("answered").or_default() += 1;
            *expect.entry("talk_seconds").or_default() += i64::from(c.talk);
        } else {
            *expect.entry("missed").or_default() += 1;
            *expect.entry("returned").or_default() += i64::from(c.callback);
        }
        if c.callback {
            sent.insert(format!("{}-cb", c.provider_call_id));
        }
        if let Some(d) = &c.deal {
            r.deals_sent += 1;
            *expect.entry("deals").or_default() += 1;
            if d.won {
                *expect.entry("won").or_default() += 1;
                *expect.entry("revenue_minor").or_default() +=
                    d.corrected_minor.unwrap_or(d.amount_minor);
            }
        }
        let Some(found) = by_provider_id.get(c.provider_call_id.as_str()) else {
            r.defects.push(format!("call {} lost", c.provider_call_id));
            continue;
        };
        r.calls_found += 1;
        let want_id = CallId::derive(tenant, Provider::Generic, &c.provider_call_id);
        let outcome = found["outcome"].as_str().unwrap_or("");
        let answered = matches!(outcome, "answered" | "short");
        let ok = found["id"].as_str() == Some(want_id.as_str())
            && answered == c.answered
            && (!c.answered || found["talk_seconds"].as_u64() == Some(u64::from(c.talk)))
            && found["ended_at"].is_string()
            && (c.answered || found["returned_at"].is_string() == c.callback);
        if !ok {
            r.defects.push(format!(
                "call {} stored as {found} (answered {}, talk {}, callback {})",
                c.provider_call_id, c.answered, c.talk, c.callback
            ));
        }
        *by_channel_found
            .entry(
                found["attribution"]["channel"]
                    .as_str()
                    .unwrap_or("")
                    .to_string(),
            )
            .or_default() += 1;
    }
    for id in seen.keys().filter(|id| !sent.contains(*id)) {
        r.defects.push(format!("call {id} stored but never sent"));
    }

    // The report as people read it: `unique_callers` are first-time callers, `deals` are the
    // won ones, `revenue` is in major units.
    let totals = &report["totals"];
    let shown = [
        ("visits", "visits", 1.0),
        ("calls", "calls", 1.0),
        ("unique_callers", "first_time_callers", 1.0),
        ("answered", "answered", 1.0),
        ("missed", "missed", 1.0),
        ("returned", "returned", 1.0),
        ("deals", "won", 1.0),
        ("revenue", "revenue_minor", 100.0),
    ];
    for (field, ledger, scale) in shown {
        let got = totals[field]
            .as_f64()
            .map_or(-1, |v| (v * scale).round() as i64);
        let want = expect.get(ledger).copied().unwrap_or(0);
        r.report.insert(field.to_string(), got);
        if got != want {
            r.defects
                .push(format!("report {field} = {got}, the ledger says {want}"));
        }
    }
    let mut by_channel_report = BTreeMap::<String, i64>::new();
    for ch in report["channels"].as_array().into_iter().flatten() {
        let n = ch["calls"].as_i64().unwrap_or(0);
        if n > 0 {
            by_channel_report.insert(ch["channel"].as_str().unwrap_or("").to_string(), n);
        }
    }
    if by_channel_report != by_channel_found {
        r.defects.push(format!(
            "calls per channel: report {by_channel_report:?}, recount {by_channel_found:?}"
        ));
    }
    r
}
