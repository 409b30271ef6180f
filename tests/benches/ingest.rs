//! Webhook ingest throughput (issue 4): events per second through the HTTP router on the
//! embedded store, and the handler's own CPU per event (verify, parse, merge, rollup diff; no
//! store I/O) as a ratio to the store's own time per event (read the call + commit).
//!
//! Run: `cargo bench -p calltrack-integration --bench ingest`. Rounds alternate the three
//! measurements and the medians are reported, so machine noise hits them alike.

use std::sync::Arc;
use std::time::Instant;

use axum::body::Body;
use calltrack::attribution::attribute_call;
use calltrack::calls::merge;
use calltrack::http::{router, App, HttpConfig};
use calltrack::model::*;
use calltrack::numbers::Dialled;
use calltrack::ports::*;
use calltrack::rollups;
use calltrack::telephony::{self, signature::generic_header_value, WebhookRequest};
use calltrack_embedded::{with_store, SqliteStore};
use chrono::{DateTime, Duration, Utc};
use serde_json::json;
use tower::ServiceExt;

const SECRET: &str = "bench-secret";
const EVENTS: usize = 2000;
const ROUNDS: usize = 7;

fn body(i: usize, at: DateTime<Utc>) -> Vec<u8> {
    // Three events per call: ringing, answered, ended.
    let call = i / 3;
    let (event, extra) = match i % 3 {
        0 => ("ringing", json!({})),
        1 => ("answered", json!({})),
        _ => ("ended", json!({"outcome": "answered", "talk_seconds": 61})),
    };
    let mut v = json!({"event_id": format!("e{i}"), "call_id": format!("pbx-{call}"), "event": event,
        "direction": "inbound", "from": format!("+1212555{:04}", call % 10_000), "to": "+14155552671",
        "at": at + Duration::seconds(i as i64)});
    for (k, x) in extra.as_object().unwrap() {
        v[k] = x.clone();
    }
    v.to_string().into_bytes()
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(|a, b| a.partial_cmp(b).unwrap());
    v[v.len() / 2]
}

async fn tenant(store: &dyn Store) -> Tenant {
    let mut t = Tenant::new(TenantId::parse("bench").unwrap(), "Bench");
    t.provider_secrets.insert("generic".into(), SECRET.into());
    store.put_tenant(&t).await.unwrap();
    let n = TrackingNumber {
        number: PhoneNumber::parse("+14155552671", None).unwrap(),
        tenant: t.id.clone(),
        kind: NumberKind::Static {
            source: "billboard".into(),
            medium: None,
            campaign: None,
        },
        forward_to: None,
    };
    store.put_number(&n).await.unwrap();
    t
}

#[tokio::main(flavor = "current_thread")]
async fn main() {
    let at = DateTime::parse_from_rfc3339("2026-01-05T09:00:00Z")
        .unwrap()
        .to_utc();
    let bodies: Vec<Vec<u8>> = (0..EVENTS).map(|i| body(i, at)).collect();
    let sigs: Vec<String> = bodies
        .iter()
        .map(|b| generic_header_value(SECRET, b))
        .collect();
    let (mut router_eps, mut handler_us, mut store_us) = (vec![], vec![], vec![]);
    for round in 0..ROUNDS {
        let dir =
            std::env::temp_dir().join(format!("ct-bench-ingest-{}-{round}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        // 1. Through the router onto a file-backed SQLite store (WAL).
        let store = Arc::new(SqliteStore::open(&dir).unwrap());
        let t = tenant(&*store).await;
        let app = App::new(
            with_store(store.clone(), &dir, Arc::new(ManualClock::new(at))),
            HttpConfig {
                public_base_url: "https://bench.example".into(),
            },
        );
        let r = router(app);
        let start = Instant::now();
        for (b, s) in bodies.iter().zip(&sigs) {
            let req = http::Request::post("/v1/hooks/bench/generic")
                .header("content-type", "application/json")
                .header("x-signature", s)
                .body(Body::from(b.clone()))
                .unwrap();
            let resp = r.clone().oneshot(req).await.unwrap();
            assert!(resp.status().is_success());
        }
        router_eps.push(EVENTS as f64 / start.elapsed().as_secs_f64());

        // 2. The handler's own work, no store: verify + parse + merge + rollup diff.
        let headers: Vec<http::HeaderMap> = sigs
            .iter()
            .map(|s| {
                let mut h = http::HeaderMap::new();
                h.insert("content-type", "application/json".parse().unwrap());
                h.insert("x-signature", s.parse().unwrap());
                h
            })
            .collect();
        let mut calls_by_id: std::collections::HashMap<String, Call> =
            std::collections::HashMap::new();
        let start = Instant::now();
        for (b, h) in bodies.iter().zip(&headers) {
            let req = WebhookRequest {
                public_url: "https://bench.example/v1/hooks/bench/generic",
                headers: h,
                body: b,
                mango_kind: None,
            };
            for ev in telephony::parse(Provider::Generic, &req, Some(SECRET), "US", at).unwrap() {
                let base = calls_by_id.remove(&ev.provider_call_id).unwrap_or_else(|| {
                    let mut c: Call = store_call_template(&t, &ev);
                    c.started_at = ev.at;
                    c
                });
                let old = rollups::call_contribution(&t, &base);
                let merged = merge(&t, base, &ev);
                let d = rollups::diff(old, rollups::call_contribution(&t, &merged));
                std::hint::black_box(&d);
                calls_by_id.insert(ev.provider_call_id.clone(), merged);
            }
        }
        handler_us.push(start.elapsed().as_secs_f64() * 1e6 / EVENTS as f64);

        // 3. The store's own work per event: read the call, commit it with claim and rollups.
        let store2 = SqliteStore::open(&dir.join("direct")).unwrap();
        let t2 = tenant(&store2).await;
        let calls: Vec<Call> = calls_by_id.into_values().collect();
        let start = Instant::now();
        for i in 0..EVENTS {
            let c = &calls[i % calls.len()];
            let id = CallId::derive(
                &t2.id,
                Provider::Generic,
                &format!("{}-{}", c.provider_call_id, i / calls.len()),
            );
            let existing = store2.get_call(&t2.id, &id).await.unwrap();
            let call = Call {
                id,
                tenant: t2.id.clone(),
                ..c.clone()
            };
            let commit = Commit {
                tenant: Some(t2.id.clone()),
                event: Some(EventKey {
                    tenant: t2.id.clone(),
                    key: format!("generic:s{i}"),
                    expires_at: at,
                }),
                calls: vec![CallWrite::new(call, existing.map(|e| e.version))],
                deal: None,
                outbox: vec![],
                rollups: rollups::call_contribution(&t2, c),
                problems: vec![],
            };
            assert_eq!(
                store2.commit(&commit).await.unwrap(),
                CommitOutcome::Committed
            );
        }
        store_us.push(start.elapsed().as_secs_f64() * 1e6 / EVENTS as f64);
        let _ = std::fs::remove_dir_all(&dir);
    }
    let (eps, hu, su) = (median(router_eps), median(handler_us), median(store_us));
    println!("webhook ingest, {EVENTS} generic events x {ROUNDS} rounds (medians)");
    println!(
        "  through the router on SQLite: {eps:.0} events/s ({:.1} us/event)",
        1e6 / eps
    );
    println!("  handler CPU without store I/O: {hu:.1} us/event");
    println!("  store's own time (get + commit): {su:.1} us/event");
    println!("  handler / store ratio: {:.2}", hu / su);
}

/// A fresh call for an event, as ingest creates it (static number, first-time caller).
fn store_call_template(t: &Tenant, ev: &CallEvent) -> Call {
    let billboard = Dialled::Static(TrackingNumber {
        number: ev.to.clone().expect("the bench's events name the number"),
        tenant: t.id.clone(),
        kind: NumberKind::Static {
            source: "billboard".into(),
            medium: None,
            campaign: None,
        },
        forward_to: None,
    });
    Call {
        tracking_number: ev.to.clone(),
        caller: ev.from.clone(),
        attribution: attribute_call(&billboard, ev.at, &[], &[]),
        ..Call::new(
            &t.id,
            ev.provider,
            &ev.provider_call_id,
            ev.direction,
            ev.at,
        )
    }
}
