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

mod driver;
mod traffic;
mod transcripts;

use driver::*;
use traffic::STATIC;
use transcripts::transcribe_some;

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
