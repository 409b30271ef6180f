//! `calltrack demo`: a month of a small business's traffic, pushed through the same HTTP router
//! as `serve` (in process), then the ROI per channel read back from the store.
//!
//! The generator plays every outside party for real: the site snippet leasing numbers from the
//! DNI pool and renewing them, Twilio posting signed status callbacks, the business calling back
//! missed callers, the CRM posting signed deal webhooks, and the marketer uploading ad costs.
//! Everything printed comes from the store after the traffic flowed; the generator's own tallies
//! are only written (with `--tallies FILE`) so a test can compare the two independently.

use std::cmp::Reverse;
use std::collections::{BTreeMap, BinaryHeap};
use std::sync::Arc;

use axum::body::Body;
use axum::Router;
use calltrack::http::{App, HttpConfig};
use calltrack::model::*;
use calltrack::ports::{Clock, ManualClock, Ports};
use calltrack::roi;
use calltrack::telephony;
use calltrack::tenants::new_api_key;
use chrono::{DateTime, Duration, NaiveDate, Utc};
use clap::Args as ClapArgs;
use http::{Method, Request, StatusCode};
use http_body_util::BodyExt;
use rand::seq::SliceRandom;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use rand_distr::{Distribution, LogNormal, Poisson};
use serde::Serialize;
use serde_json::json;
use tower::ServiceExt;

use crate::backend;
use crate::exit::{print_json, CmdResult, Failure};
use crate::Globals;

#[derive(Debug, ClapArgs)]
pub struct Args {
    /// Days of traffic to generate.
    #[arg(long, default_value_t = 30, value_parser = clap::value_parser!(u32).range(1..=366))]
    pub days: u32,
    /// Seed of the generator: the same seed and --until give the same output.
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// Last day of traffic (YYYY-MM-DD, UTC); default yesterday.
    #[arg(long)]
    pub until: Option<NaiveDate>,
    /// Empty the data directory first (it is refused when it holds data otherwise).
    #[arg(long)]
    pub reset: bool,
    /// Write the generator's own tallies here (JSON), for tests that check the report.
    #[arg(long, hide = true)]
    pub tallies: Option<std::path::PathBuf>,
}

const TENANT: &str = "demo";
const BASE_URL: &str = "https://calltrack.example";
const TWILIO_TOKEN: &str = "demo-twilio-auth-token";
const CRM_SECRET: &str = "demo-crm-secret";

/// A web channel: how visitors arrive, how often they call, what it costs and earns.
struct WebChannel {
    channel: &'static str,
    share: f64,
    utm: Option<(&'static str, &'static str)>,
    referrer: Option<&'static str>,
    call_rate: f64,
    daily_cost: (f64, f64),
}

const WEB: [WebChannel; 5] = [
    WebChannel {
        channel: "google/cpc",
        share: 0.35,
        utm: Some(("google", "cpc")),
        referrer: None,
        call_rate: 0.12,
        daily_cost: (45.0, 75.0),
    },
    WebChannel {
        channel: "yandex/cpc",
        share: 0.15,
        utm: Some(("yandex", "cpc")),
        referrer: None,
        call_rate: 0.10,
        daily_cost: (20.0, 35.0),
    },
    WebChannel {
        channel: "facebook/paid",
        share: 0.12,
        utm: Some(("facebook", "paid")),
        referrer: None,
        call_rate: 0.07,
        daily_cost: (25.0, 40.0),
    },
    WebChannel {
        channel: "google/organic",
        share: 0.20,
        utm: None,
        referrer: Some("https://www.google.com/"),
        call_rate: 0.10,
        daily_cost: (0.0, 0.0),
    },
    WebChannel {
        channel: "(direct)/(none)",
        share: 0.18,
        utm: None,
        referrer: None,
        call_rate: 0.14,
        daily_cost: (0.0, 0.0),
    },
];

/// Offline sources on static numbers: calls per day and daily cost.
const STATIC: [(&str, f64, f64); 3] = [
    ("billboard", 3.0, 30.0),
    ("flyer", 1.5, 8.0),
    ("radio", 2.5, 40.0),
];

/// Share of answered calls that become deals, and the mean deal value, per channel.
fn deal_odds(channel: &str) -> (f64, f64) {
    match channel {
        "google/cpc" => (0.22, 320.0),
        "yandex/cpc" => (0.18, 280.0),
        "facebook/paid" => (0.12, 240.0),
        "google/organic" => (0.20, 300.0),
        "(direct)/(none)" => (0.25, 350.0),
        "billboard" => (0.15, 400.0),
        "flyer" => (0.10, 200.0),
        _ => (0.12, 260.0),
    }
}

/// Share of visitors per hour of the day (sums to 1).
fn hour_weight(h: u32) -> f64 {
    let w = [
        1, 1, 1, 1, 1, 2, 3, 5, 7, 8, 9, 9, 8, 8, 8, 8, 7, 7, 6, 5, 4, 3, 2, 1,
    ][h as usize];
    f64::from(w) / 115.0
}

/// The generator's own count per channel, kept apart from anything read from the store.
#[derive(Debug, Default, Clone, Serialize)]
pub struct Tally {
    pub calls: i64,
    pub answered: i64,
    pub missed: i64,
    pub deals: i64,
    pub revenue_minor: i64,
    pub cost_minor: i64,
}

/// Something that happens at a time: the heap runs them in order.
enum Action {
    Visit { channel: usize },
    Renew { lease_id: String, left: u32 },
    Intent { lease_id: String },
    Call(Box<PlannedCall>),
    Event { params: Vec<(String, String)> },
    Deal { body: serde_json::Value },
}

struct PlannedCall {
    channel: String,
    to: PhoneNumber,
    from: PhoneNumber,
    outbound: bool,
}

struct Sim {
    router: Router,
    clock: ManualClock,
    rng: ChaCha8Rng,
    heap: BinaryHeap<Reverse<(DateTime<Utc>, u64)>>,
    actions: BTreeMap<u64, Action>,
    seq: u64,
    callers: Vec<PhoneNumber>,
    tallies: BTreeMap<String, Tally>,
    start: DateTime<Utc>,
    end: DateTime<Utc>,
    statics: Vec<(String, PhoneNumber)>,
    business_line: PhoneNumber,
    requests: u64,
}

pub async fn run(g: &Globals, a: Args) -> CmdResult {
    let until = a
        .until
        .unwrap_or_else(|| Utc::now().date_naive() - Duration::days(1));
    let from = until - Duration::days(i64::from(a.days) - 1);
    prepare_dir(&g.data, a.reset)?;
    let clock = ManualClock::new(from.and_hms_opt(0, 0, 0).unwrap_or_default().and_utc());
    let ports = backend::embedded(&g.data)?.with_clock(Arc::new(clock.clone()));
    let app = App::new(
        ports.clone(),
        HttpConfig {
            public_base_url: BASE_URL.into(),
        },
    );
    let (tenant, api_key, statics, business_line) = setup(&*ports.store).await?;
    let mut sim = Sim {
        router: calltrack::http::router(app),
        clock: clock.clone(),
        rng: ChaCha8Rng::seed_from_u64(a.seed),
        heap: BinaryHeap::new(),
        actions: BTreeMap::new(),
        seq: 0,
        callers: vec![],
        tallies: BTreeMap::new(),
        start: roi::day_bounds(&tenant, from, until).0,
        end: roi::day_bounds(&tenant, from, until).1,
        statics,
        business_line,
        requests: 0,
    };
    eprintln!(
        "calltrack demo: generating {} days of traffic, {from} to {until} (seed {})",
        a.days, a.seed
    );
    sim.plan_days(from, until);
    sim.run().await?;
    sim.upload_costs(&api_key, from, until).await?;
    let analysed = transcribe_some(&ports, &tenant, from, until, a.seed).await?;

    let now = clock.now();
    let report = calltrack::report::build(&*ports.store, &tenant, from, until, now).await?;
    // The manager's email and the stored JSON/CSV/HTML, as the scheduled function makes them.
    let outputs = calltrack::reporting::Outputs {
        store: &*ports.store,
        blobs: &*ports.blobs,
        mailer: &*ports.mailer,
    };
    let delivered = calltrack::reporting::deliver(outputs, &tenant, (from, until, "demo"), now)
        .await
        .map_err(|e| Failure::Other(e.into()))?;
    if let Some(path) = &a.tallies {
        let doc = serde_json::to_vec_pretty(&sim.tallies).map_err(anyhow::Error::from)?;
        std::fs::write(path, doc).map_err(anyhow::Error::from)?;
    }
    eprintln!(
        "calltrack demo: {} requests through the router, {analysed} calls transcribed and analysed; data in {} \
         (tenant '{TENANT}', API key {api_key}); the report email is in {}/outbox, its files under {}/blobs/{}",
        sim.requests,
        g.data.display(),
        g.data.display(),
        g.data.display(),
        delivered.keys.first().and_then(|k| k.rsplit_once('/')).map(|(d, _)| d).unwrap_or("reports")
    );
    if g.json {
        return print_json(&report);
    }
    print!("{}", report.text());
    println!("\nTry: calltrack --data {} report {TENANT} --from {from} --to {until} --format html > report.html", g.data.display());
    Ok(())
}

/// Refuses a data directory that holds data unless `reset`, which empties it first.
fn prepare_dir(dir: &std::path::Path, reset: bool) -> Result<(), Failure> {
    let db = dir.join("store.db");
    if db.exists() {
        if !reset {
            return Err(Failure::Invalid(format!(
                "{} already holds data; pass --reset to replace it, or --data DIR for another directory",
                dir.display()
            )));
        }
        for f in ["store.db", "store.db-wal", "store.db-shm"] {
            let p = dir.join(f);
            if p.exists() {
                std::fs::remove_file(&p).map_err(|e| {
                    Failure::Other(anyhow::anyhow!("cannot remove {}: {e}", p.display()))
                })?;
            }
        }
        for d in ["blobs", "outbox"] {
            let p = dir.join(d);
            if p.exists() {
                std::fs::remove_dir_all(&p).map_err(|e| {
                    Failure::Other(anyhow::anyhow!("cannot remove {}: {e}", p.display()))
                })?;
            }
        }
    }
    Ok(())
}

fn phone(s: &str) -> PhoneNumber {
    PhoneNumber::parse(s, None).expect("static demo numbers are valid")
}

/// The demo tenant: static numbers for offline sources, a DNI pool for the website.
async fn setup(
    store: &dyn calltrack::ports::Store,
) -> Result<(Tenant, String, Vec<(String, PhoneNumber)>, PhoneNumber), Failure> {
    let id = TenantId::parse(TENANT).expect("valid id");
    let mut t = Tenant::new(id.clone(), "Demo Plumbing Co.");
    t.site_key = Some("demo-site".into());
    t.allowed_origins = vec!["https://demo-plumbing.example".into()];
    for (k, v) in [("twilio", TWILIO_TOKEN), ("crm", CRM_SECRET)] {
        t.provider_secrets.insert(k.into(), v.into());
    }
    t.report_recipients = vec!["owner@demo-plumbing.example".into()];
    let (key, hash) = new_api_key(&id);
    t.api_key_hash = Some(hash);
    calltrack::tenants::save(store, &t).await?;
    let business_line = phone("+14155550123");
    let mut statics = vec![];
    for (i, (source, _, _)) in STATIC.iter().enumerate() {
        let n = phone(&format!("+1415555{:04}", 2001 + i));
        let kind = NumberKind::Static {
            source: (*source).into(),
            medium: Some("offline".into()),
            campaign: None,
        };
        store
            .put_number(&TrackingNumber {
                number: n.clone(),
                tenant: id.clone(),
                kind,
                forward_to: Some(business_line.clone()),
            })
            .await?;
        statics.push(((*source).to_string(), n));
    }
    let mut pool = PoolSettings::new(id.clone(), PoolId::parse("web").expect("valid"));
    pool.default_number = Some(phone("+14155552000"));
    store.put_pool(&pool).await?;
    for i in 0..12 {
        let n = phone(&format!("+1415555{:04}", 2100 + i));
        let kind = NumberKind::Pool {
            pool: pool.id.clone(),
        };
        store
            .put_number(&TrackingNumber {
                number: n,
                tenant: id.clone(),
                kind,
                forward_to: Some(business_line.clone()),
            })
            .await?;
    }
    Ok((t, key, statics, business_line))
}

impl Sim {
    fn at(&mut self, t: DateTime<Utc>, a: Action) {
        self.seq += 1;
        self.heap.push(Reverse((t, self.seq)));
        self.actions.insert(self.seq, a);
    }

    fn in_hour(&mut self, day: NaiveDate, hour: u32) -> DateTime<Utc> {
        let base = day.and_hms_opt(hour, 0, 0).unwrap_or_default().and_utc();
        base + Duration::seconds(self.rng.gen_range(0..3600))
    }

    /// Schedules every visit and every static-number call of the period.
    fn plan_days(&mut self, from: NaiveDate, until: NaiveDate) {
        let mut day = from;
        while day <= until {
            for h in 0..24 {
                let visits = Poisson::new(140.0 * hour_weight(h))
                    .map(|p| p.sample(&mut self.rng) as u32)
                    .unwrap_or(0);
                for _ in 0..visits {
                    let t = self.in_hour(day, h);
                    let r: f64 = self.rng.gen();
                    let mut acc = 0.0;
                    let channel = WEB.iter().position(|c| {
                        acc += c.share;
                        r < acc
                    });
                    self.at(
                        t,
                        Action::Visit {
                            channel: channel.unwrap_or(WEB.len() - 1),
                        },
                    );
                }
                for (i, (_, per_day, _)) in STATIC.iter().enumerate() {
                    let rate = per_day * hour_weight(h);
                    let n = Poisson::new(rate)
                        .map(|p| p.sample(&mut self.rng) as u32)
                        .unwrap_or(0);
                    for _ in 0..n {
                        let t = self.in_hour(day, h);
                        let (source, number) = self.statics[i].clone();
                        let from = self.caller();
                        self.at(
                            t,
                            Action::Call(Box::new(PlannedCall {
                                channel: source,
                                to: number,
                                from,
                                outbound: false,
                            })),
                        );
                    }
                }
            }
            day += Duration::days(1);
        }
    }

    /// A customer's number: mostly new, sometimes someone who called before.
    fn caller(&mut self) -> PhoneNumber {
        if !self.callers.is_empty() && self.rng.gen_bool(0.12) {
            return self
                .callers
                .choose(&mut self.rng)
                .cloned()
                .expect("non-empty");
        }
        loop {
            let area = ["212", "312", "646", "718", "917", "415"]
                .choose(&mut self.rng)
                .copied()
                .unwrap_or("212");
            let s = format!(
                "+1{area}{}{:06}",
                self.rng.gen_range(2..10),
                self.rng.gen_range(0..1_000_000)
            );
            if let Ok(p) = PhoneNumber::parse(&s, None) {
                self.callers.push(p.clone());
                return p;
            }
        }
    }

    async fn run(&mut self) -> Result<(), Failure> {
        let horizon = self.end + Duration::days(7);
        while let Some(Reverse((t, seq))) = self.heap.pop() {
            let Some(action) = self.actions.remove(&seq) else {
                continue;
            };
            if t > horizon {
                continue;
            }
            self.clock.set(t);
            match action {
                Action::Visit { channel } => self.visit(t, channel).await?,
                Action::Renew { lease_id, left } => {
                    let (st, _) = self
                        .post(
                            &format!("/v1/leases/{lease_id}/renew"),
                            "text/plain",
                            vec![],
                            b"{}".to_vec(),
                        )
                        .await?;
                    if st.is_success() && left > 0 {
                        self.at(
                            t + Duration::minutes(2),
                            Action::Renew {
                                lease_id,
                                left: left - 1,
                            },
                        );
                    }
                }
                Action::Intent { lease_id } => {
                    let body = json!({"kind": "tap"}).to_string().into_bytes();
                    self.post(
                        &format!("/v1/leases/{lease_id}/intent"),
                        "text/plain",
                        vec![],
                        body,
                    )
                    .await?;
                }
                Action::Call(c) => self.call(t, *c),
                Action::Event { params } => self.twilio(params).await?,
                Action::Deal { body } => self.deal(body).await?,
            }
        }
        Ok(())
    }

    /// A visitor lands, leases a number, keeps the page open for a while, and may call.
    async fn visit(&mut self, t: DateTime<Utc>, channel: usize) -> Result<(), Failure> {
        let ch = &WEB[channel];
        let visitor = format!("v{:016x}", self.rng.gen::<u64>());
        let mut body = json!({"site_key": "demo-site", "visitor_id": visitor, "page_url": "https://demo-plumbing.example/"});
        if let Some((s, m)) = ch.utm {
            body["page_url"] = json!(format!(
                "https://demo-plumbing.example/?utm_source={s}&utm_medium={m}&utm_campaign=spring"
            ));
            body["utm_source"] = json!(s);
            body["utm_medium"] = json!(m);
            body["utm_campaign"] = json!("spring");
        }
        if let Some(r) = ch.referrer {
            body["referrer"] = json!(r);
        }
        let headers = vec![(
            "origin".to_string(),
            "https://demo-plumbing.example".to_string(),
        )];
        let (st, resp) = self
            .post(
                "/v1/leases",
                "text/plain",
                headers,
                body.to_string().into_bytes(),
            )
            .await?;
        if !st.is_success() {
            return Err(Failure::Other(anyhow::anyhow!(
                "lease refused ({st}): {}",
                String::from_utf8_lossy(&resp)
            )));
        }
        let lease: serde_json::Value =
            serde_json::from_slice(&resp).map_err(anyhow::Error::from)?;
        let number = lease
            .get("number")
            .and_then(|n| n.as_str())
            .and_then(|n| PhoneNumber::parse(n, None).ok());
        let lease_id = lease
            .get("lease_id")
            .and_then(|l| l.as_str())
            .map(str::to_string);
        let minutes: f64 = LogNormal::new(1.4, 0.7)
            .map(|d| d.sample(&mut self.rng))
            .unwrap_or(4.0);
        let minutes = minutes.clamp(0.5, 60.0);
        let stay = Duration::seconds((minutes * 60.0) as i64);
        if let Some(id) = &lease_id {
            let beats = (minutes / 2.0) as u32;
            if beats > 0 {
                self.at(
                    t + Duration::minutes(2),
                    Action::Renew {
                        lease_id: id.clone(),
                        left: beats - 1,
                    },
                );
            }
        }
        let (Some(number), true) = (number, self.rng.gen_bool(ch.call_rate)) else {
            return Ok(());
        };
        let when = if self.rng.gen_bool(0.75) {
            let at = t + Duration::seconds(self.rng.gen_range(10..(stay.num_seconds().max(11))));
            if let (Some(id), true) = (&lease_id, self.rng.gen_bool(0.5)) {
                self.at(
                    at - Duration::seconds(5),
                    Action::Intent {
                        lease_id: id.clone(),
                    },
                );
            }
            at
        } else {
            t + stay + Duration::minutes(self.rng.gen_range(2..90))
        };
        let from = self.caller();
        self.at(
            when,
            Action::Call(Box::new(PlannedCall {
                channel: ch.channel.into(),
                to: number,
                from,
                outbound: false,
            })),
        );
        Ok(())
    }

    /// Plans a call's webhooks (Twilio status callbacks), a call-back for missed calls, a deal.
    fn call(&mut self, t: DateTime<Utc>, c: PlannedCall) {
        let sid = format!("CA{:032x}", self.rng.gen::<u128>());
        let counted = !c.outbound && t >= self.start && t < self.end;
        let r: f64 = self.rng.gen();
        let ring = self.rng.gen_range(4..25);
        let (status, talk) = if c.outbound {
            if r < 0.8 {
                ("completed", self.rng.gen_range(40..400))
            } else {
                ("no-answer", 0)
            }
        } else if r < 0.68 {
            (
                "completed",
                LogNormal::new(5.0, 0.8)
                    .map(|d| d.sample(&mut self.rng) as i64)
                    .unwrap_or(120)
                    .clamp(15, 3600),
            )
        } else if r < 0.75 {
            ("completed", self.rng.gen_range(2..9))
        } else {
            (
                ["no-answer", "no-answer", "busy", "canceled"]
                    .choose(&mut self.rng)
                    .copied()
                    .unwrap_or("no-answer"),
                0,
            )
        };
        let (from, to) = (c.from.clone(), c.to.clone());
        let direction = if c.outbound {
            "outbound-api"
        } else {
            "inbound"
        };
        let base = |status: &str, seq: u32| {
            vec![
                (
                    "AccountSid".to_string(),
                    "ACdemo0000000000000000000000000000".to_string(),
                ),
                ("CallSid".into(), sid.clone()),
                ("From".into(), from.as_str().into()),
                ("To".into(), to.as_str().into()),
                ("Direction".into(), direction.into()),
                ("CallStatus".into(), status.into()),
                ("SequenceNumber".into(), seq.to_string()),
            ]
        };
        self.at(
            t,
            Action::Event {
                params: with_time(base("ringing", 0), t),
            },
        );
        let end = t + Duration::seconds(ring + talk);
        if status == "completed" {
            let answered = t + Duration::seconds(ring);
            self.at(
                answered,
                Action::Event {
                    params: with_time(base("in-progress", 1), answered),
                },
            );
            let mut p = base("completed", 2);
            p.push(("CallDuration".into(), talk.to_string()));
            self.at(
                end,
                Action::Event {
                    params: with_time(p, end),
                },
            );
        } else {
            let mut p = base(status, 1);
            p.push(("CallDuration".into(), "0".into()));
            self.at(
                end,
                Action::Event {
                    params: with_time(p, end),
                },
            );
        }
        if c.outbound {
            return;
        }
        let short = status == "completed" && talk < 10;
        if counted {
            let tally = self.tallies.entry(c.channel.clone()).or_default();
            tally.calls += 1;
            if status == "completed" {
                tally.answered += 1;
            } else {
                tally.missed += 1;
            }
        }
        if status != "completed" {
            // The business calls back: mostly inside the 30-minute SLA, some too late, some never.
            let k: f64 = self.rng.gen();
            let delay = if k < 0.55 {
                Some(self.rng.gen_range(3..25))
            } else if k < 0.7 {
                Some(self.rng.gen_range(60..240))
            } else {
                None
            };
            if let Some(m) = delay {
                let back = PlannedCall {
                    channel: c.channel.clone(),
                    to: c.from.clone(),
                    from: self.business_line.clone(),
                    outbound: true,
                };
                self.at(end + Duration::minutes(m), Action::Call(Box::new(back)));
            }
            return;
        }
        let (odds, mean) = deal_odds(&c.channel);
        if short || !self.rng.gen_bool(odds) {
            return;
        }
        let amount = (LogNormal::new(mean.ln(), 0.4)
            .map(|d| d.sample(&mut self.rng))
            .unwrap_or(mean)
            * 100.0)
            .round() as i64;
        let deal_id = format!("D-{:x}", self.rng.gen::<u64>());
        let link = if self.rng.gen_bool(0.5) {
            json!({"call_id": CallId::derive(&TenantId::parse(TENANT).expect("valid"), Provider::Twilio, &sid)})
        } else {
            json!({"phone": c.from.as_str()})
        };
        let created = end + Duration::minutes(self.rng.gen_range(10..120));
        let mut open = json!({"event_id": format!("{deal_id}-open"), "deal_id": deal_id, "status": "open",
            "amount": format!("{}.{:02}", amount / 100, amount % 100), "currency": "USD", "at": created});
        merge_json(&mut open, &link);
        self.at(created, Action::Deal { body: open.clone() });
        let closed = created + Duration::hours(self.rng.gen_range(4..96));
        let won = self.rng.gen_bool(0.6);
        let mut close = open.clone();
        close["event_id"] = json!(format!("{deal_id}-close"));
        close["status"] = json!(if won { "won" } else { "lost" });
        close["at"] = json!(closed);
        self.at(closed, Action::Deal { body: close });
        if won && counted && closed <= self.end + Duration::days(7) {
            let tally = self.tallies.entry(c.channel).or_default();
            tally.deals += 1;
            tally.revenue_minor += amount;
        }
    }

    async fn twilio(&mut self, params: Vec<(String, String)>) -> Result<(), Failure> {
        let path = format!("/v1/hooks/{TENANT}/twilio");
        let sig = telephony::twilio::sign(&format!("{BASE_URL}{path}"), &params, TWILIO_TOKEN);
        let body = serde_urlencoded::to_string(&params)
            .map_err(anyhow::Error::from)?
            .into_bytes();
        let headers = vec![("x-twilio-signature".to_string(), sig)];
        let (st, resp) = self
            .post(&path, "application/x-www-form-urlencoded", headers, body)
            .await?;
        if !st.is_success() {
            return Err(Failure::Other(anyhow::anyhow!(
                "twilio webhook refused ({st}): {}",
                String::from_utf8_lossy(&resp)
            )));
        }
        Ok(())
    }

    async fn deal(&mut self, body: serde_json::Value) -> Result<(), Failure> {
        let bytes = body.to_string().into_bytes();
        let sig = telephony::signature::generic_header_value(CRM_SECRET, &bytes);
        let (st, resp) = self
            .post(
                &format!("/v1/hooks/{TENANT}/crm"),
                "application/json",
                vec![("x-signature".into(), sig)],
                bytes,
            )
            .await?;
        if !st.is_success() {
            return Err(Failure::Other(anyhow::anyhow!(
                "CRM webhook refused ({st}): {}",
                String::from_utf8_lossy(&resp)
            )));
        }
        Ok(())
    }

    /// The marketer's daily ad spend, uploaded as CSV through the tenant API.
    async fn upload_costs(
        &mut self,
        api_key: &str,
        from: NaiveDate,
        until: NaiveDate,
    ) -> Result<(), Failure> {
        let mut csv = String::from("date,channel,campaign,cost,currency\n");
        let mut day = from;
        while day <= until {
            for ch in WEB.iter().filter(|c| c.daily_cost.1 > 0.0) {
                let cents =
                    (self.rng.gen_range(ch.daily_cost.0..ch.daily_cost.1) * 100.0).round() as i64;
                csv.push_str(&format!(
                    "{day},{},spring,{}.{:02},USD\n",
                    ch.channel,
                    cents / 100,
                    cents % 100
                ));
                self.tallies
                    .entry(ch.channel.into())
                    .or_default()
                    .cost_minor += cents;
            }
            for (source, _, cost) in STATIC {
                let cents = (cost * 100.0) as i64;
                csv.push_str(&format!(
                    "{day},{source},,{}.{:02},USD\n",
                    cents / 100,
                    cents % 100
                ));
                self.tallies.entry(source.into()).or_default().cost_minor += cents;
            }
            day += Duration::days(1);
        }
        let req = Request::builder()
            .method(Method::PUT)
            .uri("/v1/costs")
            .header("content-type", "text/csv")
            .header("authorization", format!("Bearer {api_key}"))
            .body(Body::from(csv))
            .map_err(anyhow::Error::from)?;
        let (st, resp) = self.send(req).await?;
        if !st.is_success() {
            return Err(Failure::Other(anyhow::anyhow!(
                "cost import refused ({st}): {}",
                String::from_utf8_lossy(&resp)
            )));
        }
        Ok(())
    }

    async fn post(
        &mut self,
        path: &str,
        content_type: &str,
        headers: Vec<(String, String)>,
        body: Vec<u8>,
    ) -> Result<(StatusCode, Vec<u8>), Failure> {
        let mut b = Request::builder()
            .method(Method::POST)
            .uri(path)
            .header("content-type", content_type);
        for (k, v) in headers {
            b = b.header(k, v);
        }
        let req = b.body(Body::from(body)).map_err(anyhow::Error::from)?;
        self.send(req).await
    }

    async fn send(&mut self, req: Request<Body>) -> Result<(StatusCode, Vec<u8>), Failure> {
        self.requests += 1;
        let resp = self
            .router
            .clone()
            .oneshot(req)
            .await
            .map_err(|e| Failure::Other(anyhow::anyhow!("{e}")))?;
        let status = resp.status();
        let bytes = resp
            .into_body()
            .collect()
            .await
            .map_err(|e| Failure::Other(anyhow::anyhow!("{e}")))?
            .to_bytes();
        if status.is_server_error() {
            return Err(Failure::Other(anyhow::anyhow!(
                "the router answered {status}: {}",
                String::from_utf8_lossy(&bytes)
            )));
        }
        Ok((status, bytes.to_vec()))
    }
}

/// Twilio's `Timestamp` parameter (RFC 2822).
fn with_time(mut p: Vec<(String, String)>, t: DateTime<Utc>) -> Vec<(String, String)> {
    p.push(("Timestamp".into(), t.to_rfc2822()));
    p
}

fn merge_json(into: &mut serde_json::Value, from: &serde_json::Value) {
    if let (Some(a), Some(b)) = (into.as_object_mut(), from.as_object()) {
        for (k, v) in b {
            a.insert(k.clone(), v.clone());
        }
    }
}

/// What the demo's managers say: three kinds of conversation, as (side, seconds in, words).
const DIALOGUES: [&[(u8, f64, &str)]; 3] = [
    &[
        (
            0,
            1.0,
            "Good morning, Demo Plumbing, my name is Anna. How can I help you today?",
        ),
        (
            1,
            5.5,
            "Hi, my kitchen sink is leaking and I need someone to fix it.",
        ),
        (
            0,
            10.0,
            "I understand. Could you tell me where exactly the leak is?",
        ),
        (1, 14.0, "Under the sink, where the pipes join."),
        (
            0,
            17.5,
            "We can send a plumber at three today. The visit is eighty dollars.",
        ),
        (1, 22.0, "That is a bit expensive."),
        (
            0,
            24.5,
            "I understand. The fee includes the parts and a one year guarantee on the work.",
        ),
        (1, 30.0, "Okay, that works for me."),
        (
            0,
            32.5,
            "Great, I will book the visit for three. Thank you for calling, have a nice day.",
        ),
        (1, 38.0, "Thanks, bye."),
    ],
    &[
        (0, 4.5, "Demo Plumbing."),
        (1, 6.0, "Hello, how much do you charge for a boiler repair?"),
        (0, 9.0, "It is two hundred dollars."),
        (
            1,
            11.5,
            "That is too expensive, another company quoted me less.",
        ),
        (0, 15.0, "Okay."),
        (1, 19.5, "I will think about it and call back later."),
        (0, 23.0, "Bye."),
    ],
    &[
        (0, 1.0, "Hello, Demo Plumbing, this is Mark speaking."),
        (
            1,
            3.5,
            "I want to complain. Your plumber never showed up yesterday, this is unacceptable.",
        ),
        (0, 8.0, "Which address was it?"),
        (
            1,
            9.0,
            "I waited all day, nobody called, I want to speak to your manager.",
        ),
        (0, 14.5, "Please hold."),
    ],
];

/// A two-channel Amazon Transcribe output for one dialogue (channel identification shape).
fn transcript_json(dialogue: &[(u8, f64, &str)]) -> serde_json::Value {
    let mut channels: [Vec<serde_json::Value>; 2] = [vec![], vec![]];
    let mut text = vec![];
    for (side, start, line) in dialogue {
        let mut t = *start;
        for word in line.split_whitespace() {
            let (w, punct) = match word.strip_suffix(|c: char| ".,?!".contains(c)) {
                Some(w) => (w, word.chars().last()),
                None => (word, None),
            };
            let end = t + 0.12 + 0.055 * w.len() as f64;
            channels[*side as usize].push(
                json!({"start_time": format!("{t:.2}"), "end_time": format!("{end:.2}"),
                "alternatives": [{"confidence": "0.98", "content": w}], "type": "pronunciation"}),
            );
            if let Some(p) = punct {
                channels[*side as usize].push(json!({"alternatives": [{"confidence": "0.0", "content": p.to_string()}], "type": "punctuation"}));
            }
            t = end + 0.08;
        }
        text.push(*line);
    }
    json!({"jobName": "demo", "status": "COMPLETED", "results": {
        "language_code": "en-US",
        "transcripts": [{"transcript": text.join(" ")}],
        "channel_labels": {"number_of_channels": 2, "channels": [
            {"channel_label": "ch_0", "items": channels[0]},
            {"channel_label": "ch_1", "items": channels[1]},
        ]},
    }})
}

/// Every answered call is recorded; a share of them is transcribed here (standing in for Amazon
/// Transcribe, which the embedded backend does not have) and analysed by the real pipeline:
/// the transcript lands in the blob store and `transcription::on_transcript` scores it.
async fn transcribe_some(
    ports: &Ports,
    tenant: &Tenant,
    from: NaiveDate,
    until: NaiveDate,
    seed: u64,
) -> Result<usize, Failure> {
    let mut rng = ChaCha8Rng::seed_from_u64(seed ^ 0x7e57);
    let (start, end) = roi::day_bounds(tenant, from, until);
    let mut n = 0;
    for call in ports.store.calls_between(&tenant.id, start, end).await? {
        if call.outcome != Outcome::Answered
            || call.direction != Direction::Inbound
            || !rng.gen_bool(0.3)
        {
            continue;
        }
        let dialogue = DIALOGUES[[0, 0, 0, 0, 1, 1, 2].choose(&mut rng).copied().unwrap_or(0)];
        let key = calltrack::blobs::transcript_key(&tenant.id, &call.id);
        let bytes = serde_json::to_vec(&transcript_json(dialogue)).map_err(anyhow::Error::from)?;
        ports.blobs.put(&key, bytes, "application/json").await?;
        calltrack::transcription::on_transcript(&*ports.store, &*ports.blobs, &key)
            .await
            .map_err(|e| Failure::Other(e.into()))?;
        n += 1;
    }
    Ok(n)
}
