//! The HTTP router end to end on the embedded store: provider webhooks (signed as the providers
//! sign them), exactly-once ingest, lifecycle, returned calls, the tenant API and bad input.

use std::sync::Arc;

use axum::body::Body;
use calltrack::http::{router, App, HttpConfig};
use calltrack::model::*;
use calltrack::ports::*;
use calltrack::recordings::{self, LocalQueue};
use calltrack::telephony::{signature::generic_header_value, twilio};
use calltrack::tenants::new_api_key;
use calltrack_embedded::{with_store, SqliteStore};
use chrono::{DateTime, Duration, Utc};
use http::{Request, StatusCode};
use serde_json::{json, Value};
use tower::ServiceExt;

const BASE: &str = "https://hooks.example";
const TOKEN: &str = "twilio-token";
const GENERIC: &str = "generic-secret";
const CRM: &str = "crm-secret";
const TRACKING: &str = "+14155552671";
const CALLER: &str = "+12125550199";

struct Harness {
    store: Arc<dyn Store>,
    app: Arc<App>,
    clock: ManualClock,
    tenant: Tenant,
    key: String,
    outbox: std::path::PathBuf,
}

fn t0() -> DateTime<Utc> {
    DateTime::parse_from_rfc3339("2026-03-02T10:00:00Z")
        .unwrap()
        .to_utc()
}

async fn harness_with(store: Arc<dyn Store>) -> Harness {
    let dir = std::env::temp_dir().join(format!("ct-http-{}-{}", std::process::id(), uuid_ish()));
    let mut t = Tenant::new(TenantId::parse("acme").unwrap(), "Acme");
    for (k, v) in [
        ("twilio", TOKEN),
        ("generic", GENERIC),
        ("crm", CRM),
        ("amocrm", "amo-s3cret"),
    ] {
        t.provider_secrets.insert(k.into(), v.into());
    }
    t.report_recipients = vec!["owner@acme.example".into()];
    let (key, hash) = new_api_key(&t.id);
    t.api_key_hash = Some(hash);
    store.put_tenant(&t).await.unwrap();
    let n = TrackingNumber {
        number: PhoneNumber::parse(TRACKING, None).unwrap(),
        tenant: t.id.clone(),
        kind: NumberKind::Static {
            source: "billboard".into(),
            medium: None,
            campaign: None,
        },
        forward_to: Some(PhoneNumber::parse("+14155550123", None).unwrap()),
    };
    store.put_number(&n).await.unwrap();
    let clock = ManualClock::new(t0());
    let app = App::new(
        with_store(store.clone(), &dir, Arc::new(clock.clone())),
        HttpConfig {
            public_base_url: BASE.into(),
        },
    );
    Harness {
        store,
        app,
        clock,
        tenant: t,
        key,
        outbox: dir.join("outbox"),
    }
}

async fn harness() -> Harness {
    harness_with(Arc::new(SqliteStore::in_memory().unwrap())).await
}

fn uuid_ish() -> u64 {
    use std::sync::atomic::{AtomicU64, Ordering};
    static N: AtomicU64 = AtomicU64::new(0);
    N.fetch_add(1, Ordering::Relaxed)
}

impl Harness {
    async fn send(&self, req: Request<Body>) -> (StatusCode, Value, String) {
        let resp = router(self.app.clone()).oneshot(req).await.unwrap();
        let status = resp.status();
        let bytes = http_body_util::BodyExt::collect(resp.into_body())
            .await
            .unwrap()
            .to_bytes();
        let text = String::from_utf8_lossy(&bytes).to_string();
        (
            status,
            serde_json::from_slice(&bytes).unwrap_or(Value::Null),
            text,
        )
    }

    fn twilio_req(&self, params: &[(&str, &str)]) -> Request<Body> {
        let params: Vec<(String, String)> = params
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        let path = "/v1/hooks/acme/twilio";
        let sig = twilio::sign(&format!("{BASE}{path}"), &params, TOKEN);
        Request::post(path)
            .header("content-type", "application/x-www-form-urlencoded")
            .header("x-twilio-signature", sig)
            .body(Body::from(serde_urlencoded::to_string(&params).unwrap()))
            .unwrap()
    }

    async fn twilio(
        &self,
        sid: &str,
        status: &str,
        seq: &str,
        extra: &[(&str, &str)],
    ) -> (StatusCode, Value, String) {
        let mut p = vec![
            ("CallSid", sid),
            ("From", CALLER),
            ("To", TRACKING),
            ("Direction", "inbound"),
            ("CallStatus", status),
            ("SequenceNumber", seq),
        ];
        p.extend_from_slice(extra);
        self.send(self.twilio_req(&p)).await
    }

    fn generic_req(&self, body: &Value) -> Request<Body> {
        signed_json("/v1/hooks/acme/generic", GENERIC, body)
    }

    fn crm_req(&self, body: &Value) -> Request<Body> {
        signed_json("/v1/hooks/acme/crm", CRM, body)
    }

    async fn calls(&self) -> Vec<Call> {
        self.store
            .calls_between(
                &self.tenant.id,
                t0() - Duration::days(2),
                t0() + Duration::days(2),
            )
            .await
            .unwrap()
    }

    /// The channel rollups' sum around t0; every other dimension's sum must equal it (each
    /// fact counts once under each), whatever the webhooks did.
    async fn rollup(&self) -> Counters {
        let day = t0().date_naive();
        let mut sums = vec![];
        for dim in Dimension::ALL {
            let mut c = Counters::default();
            for r in self
                .store
                .rollups_between(
                    &self.tenant.id,
                    dim,
                    day - Duration::days(1),
                    day + Duration::days(1),
                )
                .await
                .unwrap()
            {
                c.add(&r.counters);
            }
            sums.push((dim, c));
        }
        let (_, channel) = sums[0];
        for (dim, c) in &sums[1..] {
            assert_eq!(*c, channel, "the {dim:?} rollups add up to the channel's");
        }
        channel
    }

    async fn api(&self, path: &str, accept: &str) -> (StatusCode, Value, String) {
        let req = Request::get(path)
            .header("authorization", format!("Bearer {}", self.key))
            .header("accept", accept)
            .body(Body::empty())
            .unwrap();
        self.send(req).await
    }
}

/// A JSON body posted to `path`, signed as the generic format and the CRM webhook are.
fn signed_json(path: &str, secret: &str, body: &Value) -> Request<Body> {
    let bytes = body.to_string().into_bytes();
    Request::post(path)
        .header("content-type", "application/json")
        .header("x-signature", generic_header_value(secret, &bytes))
        .body(Body::from(bytes))
        .unwrap()
}

fn generic_event(id: &str, call: &str, event: &str, at: DateTime<Utc>, extra: Value) -> Value {
    let mut v = json!({"event_id": id, "call_id": call, "event": event, "direction": "inbound", "from": CALLER, "to": TRACKING, "at": at});
    if let (Some(m), Some(e)) = (v.as_object_mut(), extra.as_object()) {
        for (k, x) in e {
            m.insert(k.clone(), x.clone());
        }
    }
    v
}

#[tokio::test]
async fn twilio_status_callbacks_build_one_attributed_answered_call() {
    let h = harness().await;
    assert_eq!(h.twilio("CA1", "ringing", "0", &[]).await.0, StatusCode::OK);
    h.clock.advance(Duration::seconds(8));
    assert_eq!(
        h.twilio("CA1", "in-progress", "1", &[]).await.0,
        StatusCode::OK
    );
    h.clock.advance(Duration::seconds(95));
    let (st, body, _) = h
        .twilio("CA1", "completed", "2", &[("CallDuration", "95")])
        .await;
    assert_eq!(st, StatusCode::OK, "{body}");
    let calls = h.calls().await;
    assert_eq!(calls.len(), 1);
    let c = &calls[0];
    assert_eq!(c.outcome, Outcome::Answered);
    assert_eq!(c.attribution.channel, "billboard");
    assert_eq!(c.talk_seconds, Some(95));
    assert_eq!(c.ring_seconds, Some(8));
    let r = h.rollup().await;
    assert_eq!(
        (r.calls, r.answered, r.missed, r.talk_seconds),
        (1, 1, 0, 95)
    );
    let (st, list, _) = h
        .api(
            "/v1/calls?from=2026-03-01&to=2026-03-03",
            "application/json",
        )
        .await;
    assert_eq!(st, StatusCode::OK);
    assert_eq!(list["count"], 1);
    let (st, one, _) = h
        .api(&format!("/v1/calls/{}", c.id), "application/json")
        .await;
    assert_eq!(st, StatusCode::OK);
    assert_eq!(one["outcome"], "answered");
}

#[tokio::test]
async fn redelivered_twilio_event_changes_nothing() {
    let h = harness().await;
    h.twilio("CA2", "ringing", "0", &[]).await;
    h.clock.advance(Duration::seconds(20));
    let (_, first, _) = h.twilio("CA2", "no-answer", "1", &[]).await;
    assert_eq!(first["accepted"], 1);
    let before = (h.calls().await, h.rollup().await);
    let (st, again, _) = h.twilio("CA2", "no-answer", "1", &[]).await;
    assert_eq!(st, StatusCode::OK);
    assert_eq!(again["duplicates"], 1);
    assert_eq!((h.calls().await, h.rollup().await), before);
    assert_eq!(before.1.missed, 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn the_same_event_ten_times_at_once_makes_one_call_and_one_set_of_counters() {
    let h = Arc::new(harness().await);
    let ev = generic_event(
        "e-1",
        "pbx-1",
        "ended",
        t0(),
        json!({"outcome": "answered", "talk_seconds": 40, "ring_seconds": 5}),
    );
    let mut tasks = vec![];
    for _ in 0..10 {
        let h = h.clone();
        let req = h.generic_req(&ev);
        tasks.push(tokio::spawn(async move { h.send(req).await.0 }));
    }
    for t in tasks {
        assert_eq!(t.await.unwrap(), StatusCode::OK);
    }
    assert_eq!(h.calls().await.len(), 1);
    let r = h.rollup().await;
    assert_eq!((r.calls, r.answered, r.talk_seconds), (1, 1, 40));
}

#[tokio::test]
async fn events_in_reversed_order_give_the_same_call() {
    let forward = harness().await;
    let backward = harness().await;
    let evs = [
        generic_event("a", "pbx-9", "ringing", t0(), json!({})),
        generic_event(
            "b",
            "pbx-9",
            "answered",
            t0() + Duration::seconds(6),
            json!({}),
        ),
        generic_event(
            "c",
            "pbx-9",
            "ended",
            t0() + Duration::seconds(66),
            json!({"outcome": "answered"}),
        ),
    ];
    for e in &evs {
        assert_eq!(forward.send(forward.generic_req(e)).await.0, StatusCode::OK);
    }
    for e in evs.iter().rev() {
        assert_eq!(
            backward.send(backward.generic_req(e)).await.0,
            StatusCode::OK
        );
    }
    let (f, b) = (
        forward.calls().await.remove(0),
        backward.calls().await.remove(0),
    );
    assert_eq!(
        (f.outcome, f.ring_seconds, f.talk_seconds),
        (Outcome::Answered, Some(6), Some(60))
    );
    assert_eq!(
        (b.outcome, b.ring_seconds, b.talk_seconds, b.started_at),
        (f.outcome, f.ring_seconds, f.talk_seconds, f.started_at)
    );
    assert_eq!(forward.rollup().await, backward.rollup().await);
}

#[tokio::test]
async fn bad_or_missing_signatures_are_401_and_write_nothing() {
    let h = harness().await;
    let mut req = h.twilio_req(&[
        ("CallSid", "CA3"),
        ("From", CALLER),
        ("To", TRACKING),
        ("CallStatus", "ringing"),
    ]);
    req.headers_mut().insert(
        "x-twilio-signature",
        "AAAAAAAAAAAAAAAAAAAAAAAAAAA=".parse().unwrap(),
    );
    let (st, body, _) = h.send(req).await;
    assert_eq!(st, StatusCode::UNAUTHORIZED);
    assert_eq!(body["error"]["code"], "unauthorized");
    let mut req = h.generic_req(&generic_event("x", "y", "ringing", t0(), json!({})));
    req.headers_mut().remove("x-signature");
    assert_eq!(h.send(req).await.0, StatusCode::UNAUTHORIZED);
    assert!(h.calls().await.is_empty());
}

#[tokio::test]
async fn malformed_bodies_are_400_naming_the_field_and_write_nothing() {
    let h = harness().await;
    let sign = |b: &[u8]| generic_header_value(GENERIC, b);
    for (ct, body) in [
        ("application/json", br#"{"event_id": "1", "call_id": "#.to_vec()),
        ("application/json", vec![0xff, 0xfe, 0x00]),
        ("application/json", br#"{"event_id":"1","call_id":"c","event":"exploded","from":"+12125550199","to":"+14155552671","at":"2026-03-02T10:00:00Z"}"#.to_vec()),
        ("application/json", br#"{"event_id":"1","call_id":"c","event":"ringing","from":"not a phone","to":"+14155552671","at":"2026-03-02T10:00:00Z"}"#.to_vec()),
    ] {
        let req = Request::post("/v1/hooks/acme/generic").header("content-type", ct).header("x-signature", sign(&body)).body(Body::from(body.clone())).unwrap();
        let (st, resp, _) = h.send(req).await;
        assert_eq!(st, StatusCode::BAD_REQUEST, "{resp}");
        assert!(resp["error"]["message"].as_str().is_some_and(|m| !m.is_empty()));
    }
    assert!(h.calls().await.is_empty());
    assert!(h.rollup().await.is_zero());
}

#[tokio::test]
async fn unknown_tenants_providers_and_routes_are_404_and_giant_bodies_413() {
    let h = harness().await;
    let req = |path: &str| {
        Request::post(path)
            .header("content-type", "application/json")
            .body(Body::from("{}"))
            .unwrap()
    };
    for path in [
        "/v1/hooks/nobody/twilio",
        "/v1/hooks/acme/skype",
        "/v1/nothing",
        "/v1/hooks/NOT_VALID/twilio",
    ] {
        let (st, body, _) = h.send(req(path)).await;
        assert_eq!(st, StatusCode::NOT_FOUND, "{path}");
        assert_eq!(body["error"]["code"], "not_found");
    }
    let giant = vec![b'a'; 300 * 1024];
    let big = Request::post("/v1/hooks/acme/generic")
        .header("content-type", "application/json")
        .body(Body::from(giant))
        .unwrap();
    assert_eq!(h.send(big).await.0, StatusCode::PAYLOAD_TOO_LARGE);
}

#[tokio::test]
async fn a_store_failure_answers_503_so_the_provider_retries() {
    // A real SQLite store whose write path breaks underneath it, as a throttled or unreachable
    // DynamoDB would: the claims table vanishes, so every commit fails while reads still work.
    let dir = std::env::temp_dir().join(format!("ct-http-fail-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let h = harness_with(Arc::new(SqliteStore::open(&dir).unwrap())).await;
    rusqlite::Connection::open(dir.join("store.db"))
        .unwrap()
        .execute_batch("DROP TABLE claims")
        .unwrap();
    let (st, body, _) = h.twilio("CA5", "ringing", "0", &[]).await;
    assert_eq!(st, StatusCode::SERVICE_UNAVAILABLE, "{body}");
    assert_eq!(body["error"]["code"], "unavailable");
}

#[tokio::test]
async fn a_missed_call_alerts_and_is_returned_by_a_call_back_inside_the_sla() {
    let h = harness().await;
    h.twilio("CA6", "ringing", "0", &[]).await;
    h.clock.advance(Duration::seconds(25));
    h.twilio("CA6", "no-answer", "1", &[]).await;
    let mails: Vec<_> = std::fs::read_dir(&h.outbox).unwrap().collect();
    assert_eq!(mails.len(), 1, "one missed-call alert");
    // The business calls back 12 minutes later and the customer answers.
    h.clock.advance(Duration::minutes(12));
    let back = |status: &'static str, seq: &'static str| {
        vec![
            ("CallSid", "CA7"),
            ("From", TRACKING),
            ("To", CALLER),
            ("Direction", "outbound-api"),
            ("CallStatus", status),
            ("SequenceNumber", seq),
        ]
    };
    h.send(h.twilio_req(&back("ringing", "0"))).await;
    h.clock.advance(Duration::seconds(5));
    let (st, _, _) = h.send(h.twilio_req(&back("in-progress", "1"))).await;
    assert_eq!(st, StatusCode::OK);
    let missed = h
        .calls()
        .await
        .into_iter()
        .find(|c| c.provider_call_id == "CA6")
        .unwrap();
    assert!(missed.returned_at.is_some());
    assert_eq!(h.rollup().await.returned, 1);
    let (_, list, _) = h
        .api(
            "/v1/calls?from=2026-03-02&to=2026-03-02&outcome=returned",
            "application/json",
        )
        .await;
    assert_eq!(list["count"], 1);
    let (st, bad, _) = h
        .api("/v1/calls?outcome=exploded", "application/json")
        .await;
    assert_eq!(
        (st, bad["error"]["field"].as_str()),
        (StatusCode::BAD_REQUEST, Some("outcome"))
    );
}

#[tokio::test]
async fn a_returned_missed_call_counts_for_the_manager_who_returned_it() {
    let h = harness().await;
    h.send(h.generic_req(&generic_event(
        "m1",
        "pm",
        "ended",
        t0(),
        json!({"outcome": "missed"}),
    )))
    .await;
    let back = |id: &str, event: &str, extra: Value| {
        let mut e = generic_event(id, "pb", event, t0() + Duration::minutes(5), extra);
        e["direction"] = json!("outbound");
        e["from"] = json!(TRACKING);
        e["to"] = json!(CALLER);
        e
    };
    h.send(h.generic_req(&back("b1", "answered", json!({"answered_by": "anna"}))))
        .await;
    let missed = h
        .calls()
        .await
        .into_iter()
        .find(|c| c.provider_call_id == "pm")
        .unwrap();
    assert_eq!(missed.returned_by_agent.as_deref(), Some("anna"));
    let (st, by, _) = h
        .api(
            "/v1/reports/roi?from=2026-03-02&to=2026-03-02&group_by=manager",
            "application/json",
        )
        .await;
    assert_eq!(st, StatusCode::OK);
    let anna = by["groups"]
        .as_array()
        .unwrap()
        .iter()
        .find(|g| g["group"] == "anna")
        .cloned();
    let anna = anna.expect("a row for the manager who called back");
    assert_eq!(
        (anna["missed"].as_i64(), anna["returned"].as_i64()),
        (Some(1), Some(1))
    );
    assert_eq!(
        h.rollup().await.returned,
        1,
        "and every dimension still adds up"
    );
}

/// A forwarded leg that rang an agent's softphone in vain names whom the missed call rang: the
/// report by manager counts it against that agent (once, however often Twilio redelivers), and
/// the call-back's wait is in the manager's median time to return.
#[tokio::test]
async fn a_missed_call_counts_against_the_agent_it_rang_once_and_its_return_is_timed() {
    let h = harness().await;
    h.twilio("CApm", "ringing", "0", &[]).await;
    let leg = [
        ("CallSid", "CLleg1"),
        ("ParentCallSid", "CApm"),
        ("Direction", "outbound-dial"),
        ("From", CALLER),
        ("To", "client:boris"),
        ("CallStatus", "no-answer"),
        ("SequenceNumber", "0"),
    ];
    for _ in 0..2 {
        let (st, _, body) = h.send(h.twilio_req(&leg)).await;
        assert_eq!(st, StatusCode::OK, "{body}");
    }
    h.clock.advance(Duration::seconds(30));
    h.twilio("CApm", "no-answer", "1", &[("CallDuration", "0")])
        .await;
    let missed = h.calls().await.remove(0);
    assert_eq!(missed.outcome, Outcome::Missed);
    assert_eq!(missed.rung, ["boris"]);
    // Anna calls the customer back from her softphone nine minutes later.
    h.clock.advance(Duration::minutes(9));
    let back = [
        ("CallSid", "CAback"),
        ("Direction", "outbound-api"),
        ("From", "client:anna"),
        ("To", CALLER),
        ("CallStatus", "in-progress"),
    ];
    let (st, _, body) = h.send(h.twilio_req(&back)).await;
    assert_eq!(st, StatusCode::OK, "{body}");
    let (st, by, _) = h
        .api(
            "/v1/reports/roi?from=2026-03-02&to=2026-03-02&group_by=manager",
            "application/json",
        )
        .await;
    assert_eq!(st, StatusCode::OK);
    let row = |name: &str| {
        by["groups"]
            .as_array()
            .unwrap()
            .iter()
            .find(|g| g["group"] == name)
            .cloned()
            .unwrap_or_else(|| panic!("a row for {name}: {by}"))
    };
    let (boris, anna) = (row("boris"), row("anna"));
    assert_eq!(boris["missed_rung"], 1, "{boris}");
    assert_eq!(boris["calls"], 0, "boris neither took nor returned it");
    assert_eq!(
        (anna["returned"].as_i64(), anna["missed_rung"].as_i64()),
        (Some(1), Some(0))
    );
    assert_eq!(anna["unique_callers"], 1);
    let wait = anna["median_return_minutes"].as_f64().unwrap();
    assert!((9.0..10.0).contains(&wait), "{wait}");
    assert_eq!(by["totals"]["missed_rung"], 1);
    assert!(by["notes"]
        .as_array()
        .unwrap()
        .iter()
        .any(|n| n.as_str().unwrap().starts_with("Missed when rung")));
    let sums = h.rollup().await;
    assert_eq!(
        (sums.missed_rung, sums.returned),
        (1, 1),
        "and every dimension still adds up"
    );
}

#[tokio::test]
async fn amocrm_deal_webhooks_link_by_the_leads_phone_once_and_need_the_urls_secret() {
    let h = harness().await;
    h.send(h.generic_req(&generic_event(
        "a1",
        "pa",
        "ended",
        t0(),
        json!({"outcome": "answered", "talk_seconds": 90}),
    )))
    .await;
    let won_at = (t0() + Duration::hours(3)).timestamp();
    // The form amoCRM posts when a lead moves to "won" (142), with the phone kept in a field.
    let body = format!(
        "leads%5Bstatus%5D%5B0%5D%5Bid%5D=777&leads%5Bstatus%5D%5B0%5D%5Bstatus_id%5D=142\
         &leads%5Bstatus%5D%5B0%5D%5Bpipeline_id%5D=1&leads%5Bstatus%5D%5B0%5D%5Bprice%5D=1250\
         &leads%5Bstatus%5D%5B0%5D%5Blast_modified%5D={won_at}\
         &leads%5Bstatus%5D%5B0%5D%5Bcustom_fields%5D%5B0%5D%5Bvalues%5D%5B0%5D%5Bvalue%5D=%2B1%20212%20555%200199\
         &account%5Bsubdomain%5D=acme"
    );
    h.clock.advance(Duration::hours(3));
    let post = |key: &str| {
        Request::post(format!("/v1/hooks/acme/amocrm/{key}"))
            .header("content-type", "application/x-www-form-urlencoded")
            .body(Body::from(body.clone()))
            .unwrap()
    };
    let (st, _, _) = h.send(post("guess")).await;
    assert_eq!(st, StatusCode::UNAUTHORIZED);
    assert_eq!(h.rollup().await.won, 0, "a wrong secret writes nothing");
    let (st, out, text) = h.send(post("amo-s3cret")).await;
    assert_eq!(st, StatusCode::OK, "{text}");
    assert_eq!(out["deals"][0]["deal_id"], "amocrm-777");
    assert_eq!(
        out["deals"][0]["channel"], "billboard",
        "linked to the caller's call"
    );
    let (_, again, _) = h.send(post("amo-s3cret")).await;
    assert_eq!(again["deals"][0]["duplicate"], true);
    let r = h.rollup().await;
    assert_eq!((r.won, r.revenue_minor), (1, 125_000));
}

/// Bitrix24's outbound webhook names a deal by id only: calltrack checks the webhook's token
/// first (a wrong one fetches and writes nothing), re-reads the deal and its contact from the
/// tenant's portal through its incoming webhook, and records the deal once, linked by the
/// contact's phone. An event from another portal, or a portal that refuses, changes nothing.
#[tokio::test]
async fn bitrix24_deal_events_are_re_read_from_the_portal_and_recorded_once() {
    const B24: &str = "51856fefc120afa4b628cc82d3935cce";
    let rest = "https://acme.bitrix24.com/rest/1/k3yk3yk3y/";
    let deal = json!({"result": {
        "ID": "6675", "TITLE": "Boiler repair", "STAGE_ID": "C1:WON", "STAGE_SEMANTIC_ID": "S",
        "CATEGORY_ID": "1", "CURRENCY_ID": "USD", "OPPORTUNITY": "1250.00", "CONTACT_ID": "17",
        "COMPANY_ID": "0", "CLOSED": "Y", "DATE_CREATE": "2026-03-02T11:00:00+00:00",
        "DATE_MODIFY": "2026-03-02T13:00:00+00:00", "UF_CRM_1700000000": ""},
        "time": {"start": 1772456400.1, "finish": 1772456400.2}});
    let contact = json!({"result": {"ID": "17", "NAME": "Pat", "PHONE": [
        {"ID": "3", "VALUE_TYPE": "WORK", "VALUE": "(212) 555-0199", "TYPE_ID": "PHONE"}]}});
    let internet = StubInternet::new(vec![
        route(
            &format!("{rest}crm.deal.get.json?id=6675"),
            "application/json",
            deal.to_string().as_bytes(),
        ),
        route(
            &format!("{rest}crm.contact.get.json?id=17"),
            "application/json",
            contact.to_string().as_bytes(),
        ),
    ]);
    let mut h = harness().await;
    for (k, v) in [("bitrix24", B24), ("bitrix24_rest", rest)] {
        h.tenant.provider_secrets.insert(k.into(), v.into());
    }
    calltrack::tenants::save(&*h.store, &h.tenant)
        .await
        .unwrap();
    with_internet(&mut h, internet.clone());
    h.send(h.generic_req(&generic_event(
        "b1",
        "pb",
        "ended",
        t0(),
        json!({"outcome": "answered", "talk_seconds": 90}),
    )))
    .await;
    h.clock.advance(Duration::hours(3));
    let event = |token: &str, id: &str, domain: &str| {
        let body = format!(
            "event=ONCRMDEALUPDATE&event_handler_id=5&data%5BFIELDS%5D%5BID%5D={id}&ts=1772460000\
             &auth%5Bdomain%5D={domain}&auth%5Bclient_endpoint%5D=https%3A%2F%2F{domain}%2Frest%2F\
             &auth%5Bmember_id%5D=a223c6b3710f85df22e9377d6c4f7553&auth%5Bapplication_token%5D={token}"
        );
        Request::post("/v1/hooks/acme/bitrix24")
            .header("content-type", "application/x-www-form-urlencoded")
            .body(Body::from(body))
            .unwrap()
    };
    let (st, _, _) = h.send(event("guess", "6675", "acme.bitrix24.com")).await;
    assert_eq!(st, StatusCode::UNAUTHORIZED);
    assert!(internet.asked().is_empty(), "a wrong token fetches nothing");
    let (st, out, text) = h.send(event(B24, "6675", "evil.bitrix24.com")).await;
    assert_eq!(
        (st, out["error"]["field"].as_str()),
        (StatusCode::BAD_REQUEST, Some("auth[domain]")),
        "{text}"
    );
    assert!(
        internet.asked().is_empty(),
        "another portal's event fetches nothing"
    );

    let (st, out, text) = h.send(event(B24, "6675", "acme.bitrix24.com")).await;
    assert_eq!(st, StatusCode::OK, "{text}");
    assert_eq!(out["deals"][0]["deal_id"], "bitrix24-6675");
    assert_eq!(
        out["deals"][0]["channel"], "billboard",
        "linked by the contact's phone"
    );
    let asked: Vec<String> = internet.asked().into_iter().map(|r| r.url).collect();
    assert_eq!(
        asked,
        [
            format!("{rest}crm.deal.get.json?id=6675"),
            format!("{rest}crm.contact.get.json?id=17")
        ]
    );
    let (_, again, _) = h.send(event(B24, "6675", "acme.bitrix24.com")).await;
    assert_eq!(again["deals"][0]["duplicate"], true, "{again}");
    let r = h.rollup().await;
    assert_eq!((r.deals, r.won, r.revenue_minor), (1, 1, 125_000));

    // The portal does not know deal 9 (the stub answers 404): a 502, nothing written.
    let (st, out, text) = h.send(event(B24, "9", "acme.bitrix24.com")).await;
    assert_eq!(
        (st, out["error"]["code"].as_str()),
        (StatusCode::BAD_GATEWAY, Some("bad_gateway")),
        "{text}"
    );
    assert!(!text.contains("secret-internal-detail"), "{text}");
    let deleted =
        "event=ONCRMDEALDELETE&data%5BFIELDS%5D%5BID%5D=6675&auth%5Bapplication_token%5D=";
    let (st, out, _) = h
        .send(
            Request::post("/v1/hooks/acme/bitrix24")
                .header("content-type", "application/x-www-form-urlencoded")
                .body(Body::from(format!("{deleted}{B24}")))
                .unwrap(),
        )
        .await;
    assert_eq!(
        (st, out["ignored"].as_str()),
        (StatusCode::OK, Some("ONCRMDEALDELETE"))
    );
    let r = h.rollup().await;
    assert_eq!((r.deals, r.won, r.revenue_minor), (1, 1, 125_000));
}

#[tokio::test]
async fn deals_link_by_phone_and_costs_reject_a_bad_row_whole() {
    let h = harness().await;
    h.send(h.generic_req(&generic_event(
        "e1",
        "p1",
        "ended",
        t0(),
        json!({"outcome": "answered", "talk_seconds": 90}),
    )))
    .await;
    h.clock.advance(Duration::hours(3));
    let deal = json!({"event_id": "d1-won", "deal_id": "d1", "status": "won", "amount": "1250.00", "currency": "USD", "at": t0() + Duration::hours(3), "phone": CALLER});
    let (st, body, _) = h.send(h.crm_req(&deal)).await;
    assert_eq!(st, StatusCode::OK, "{body}");
    assert_eq!(body["channel"], "billboard");
    let r = h.rollup().await;
    assert_eq!((r.deals, r.won, r.revenue_minor), (1, 1, 125_000));

    let put = |csv: &str| {
        Request::put("/v1/costs")
            .header("authorization", format!("Bearer {}", h.key))
            .header("content-type", "text/csv")
            .body(Body::from(csv.to_string()))
            .unwrap()
    };
    let (st, body, _) = h.send(put("date,channel,campaign,cost,currency\n2026-03-02,billboard,,100,USD\n2026-03-02,radio,,oops,USD\n")).await;
    assert_eq!(st, StatusCode::BAD_REQUEST);
    assert_eq!(body["error"]["field"], "row 2");
    assert!(h
        .store
        .costs_between(&h.tenant.id, t0().date_naive(), t0().date_naive())
        .await
        .unwrap()
        .is_empty());
    let (st, _, _) = h
        .send(put(
            "date,channel,campaign,cost,currency\n2026-03-02,billboard,,100,USD\n",
        ))
        .await;
    assert_eq!(st, StatusCode::OK);

    let (st, json, _) = h
        .api(
            "/v1/reports/roi?from=2026-03-02&to=2026-03-02",
            "application/json",
        )
        .await;
    assert_eq!(st, StatusCode::OK);
    let row = json["channels"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["channel"] == "billboard")
        .unwrap()
        .clone();
    assert_eq!(
        (
            row["revenue"].as_f64(),
            row["cost"].as_f64(),
            row["roi"].as_f64()
        ),
        (Some(1250.0), Some(100.0), Some(11.5))
    );
    let (_, _, csv) = h
        .api("/v1/reports/roi?from=2026-03-02&to=2026-03-02", "text/csv")
        .await;
    assert!(csv.starts_with("channel,visits,calls"));
    let (_, _, html) = h
        .api("/v1/reports/roi?from=2026-03-02&to=2026-03-02", "text/html")
        .await;
    assert!(
        html.contains("<img src=\"data:image/png;base64,"),
        "the charts as PNGs"
    );
    assert!(!html.contains("<svg"));
    let (st, _, _) = h
        .api(
            "/v1/reports/roi?from=2026-03-05&to=2026-03-01",
            "application/json",
        )
        .await;
    assert_eq!(st, StatusCode::BAD_REQUEST);
    // By another dimension: `group_by` and `groups`, the CSV's first column named after it.
    let (st, by, _) = h
        .api(
            "/v1/reports/roi?from=2026-03-02&to=2026-03-02&group_by=number",
            "application/json",
        )
        .await;
    assert_eq!(st, StatusCode::OK);
    assert_eq!(by["group_by"], "number");
    assert!(by.get("channels").is_none());
    let groups = by["groups"].as_array().unwrap();
    assert!(groups
        .iter()
        .all(|g| g.get("group").is_some() && g.get("channel").is_none()));
    let calls: i64 = groups.iter().map(|g| g["calls"].as_i64().unwrap()).sum();
    assert_eq!(calls, json["totals"]["calls"].as_i64().unwrap());
    assert_eq!(
        by["totals"]["cost"], json["totals"]["cost"],
        "costs stay in the totals"
    );
    let (_, _, csv) = h
        .api(
            "/v1/reports/roi?from=2026-03-02&to=2026-03-02&group_by=manager",
            "text/csv",
        )
        .await;
    assert!(csv.starts_with("manager,visits,calls"), "{csv}");
    let (st, bad, _) = h
        .api("/v1/reports/roi?group_by=weather", "application/json")
        .await;
    assert_eq!(st, StatusCode::BAD_REQUEST);
    assert_eq!(bad["error"]["field"], "group_by");
    // The exports: a known kind answers its file, an unknown one 404s.
    let (st, _, csv) = h
        .api(
            "/v1/exports/google-ads?from=2026-03-02&to=2026-03-02",
            "*/*",
        )
        .await;
    assert_eq!(st, StatusCode::OK);
    assert!(csv.starts_with(
        "Google Click ID,Conversion Name,Conversion Time,Conversion Value,Conversion Currency\n"
    ));
    let (st, _, _) = h.api("/v1/exports/bing-ads", "*/*").await;
    assert_eq!(st, StatusCode::NOT_FOUND);
    let (st, bad, _) = h.api("/v1/exports/ga4?goal=%20", "*/*").await;
    assert_eq!(st, StatusCode::BAD_REQUEST);
    assert_eq!(bad["error"]["field"], "goal");
}

#[tokio::test]
async fn the_tenant_api_refuses_wrong_keys() {
    let h = harness().await;
    for auth in [
        None,
        Some("Bearer nope"),
        Some("Bearer ctk_acme.wrong"),
        Some("Bearer ctk_other.x"),
    ] {
        let mut b = Request::get("/v1/calls");
        if let Some(a) = auth {
            b = b.header("authorization", a);
        }
        let (st, body, _) = h.send(b.body(Body::empty()).unwrap()).await;
        assert_eq!(st, StatusCode::UNAUTHORIZED, "{auth:?}");
        assert_eq!(body["error"]["code"], "unauthorized");
    }
}

#[tokio::test]
async fn voice_answers_twiml_forwarding_to_the_business_line_and_zadarma_echo_works() {
    let h = harness().await;
    let params: Vec<(String, String)> = [
        ("CallSid", "CA8"),
        ("From", CALLER),
        ("To", TRACKING),
        ("CallStatus", "ringing"),
        ("Direction", "inbound"),
    ]
    .iter()
    .map(|(k, v)| (k.to_string(), v.to_string()))
    .collect();
    let path = "/v1/voice/acme/twilio";
    let req = Request::post(path)
        .header("content-type", "application/x-www-form-urlencoded")
        .header(
            "x-twilio-signature",
            twilio::sign(&format!("{BASE}{path}"), &params, TOKEN),
        )
        .body(Body::from(serde_urlencoded::to_string(&params).unwrap()))
        .unwrap();
    let (st, _, xml) = h.send(req).await;
    assert_eq!(st, StatusCode::OK, "{xml}");
    assert!(xml.contains("+14155550123"), "{xml}");
    assert!(xml.contains("<Dial"), "{xml}");
    assert_eq!(
        h.calls().await.len(),
        1,
        "the routing request is the call's first event"
    );
    let echo = Request::get("/v1/hooks/acme/zadarma?zd_echo=abc123")
        .body(Body::empty())
        .unwrap();
    let (st, _, text) = h.send(echo).await;
    assert_eq!((st, text.as_str()), (StatusCode::OK, "abc123"));
}

/// A fetcher standing in for the public internet (no network here): serves the URLs it was
/// given, each only to a request that passes its check (method, auth, signature, as the
/// provider would check them), in small chunks; it records every request it is asked to make.
struct StubInternet {
    routes: Vec<StubRoute>,
    asked: std::sync::Mutex<Vec<FetchRequest>>,
}

struct StubRoute {
    url: String,
    check: Box<dyn Fn(&FetchRequest) -> bool + Send + Sync>,
    content_type: &'static str,
    body: Vec<u8>,
}

impl StubInternet {
    fn new(routes: Vec<StubRoute>) -> Arc<Self> {
        Arc::new(Self {
            routes,
            asked: Default::default(),
        })
    }

    fn asked(&self) -> Vec<FetchRequest> {
        self.asked.lock().unwrap().clone()
    }
}

fn route(url: &str, content_type: &'static str, body: &[u8]) -> StubRoute {
    StubRoute {
        url: url.into(),
        check: Box::new(|r| r.method == http::Method::GET),
        content_type,
        body: body.to_vec(),
    }
}

/// A body handed out 7 bytes at a time, as a slow network would.
struct Chunked(std::collections::VecDeque<Vec<u8>>);

#[async_trait::async_trait]
impl ByteSource for Chunked {
    async fn next_chunk(&mut self) -> Result<Option<Vec<u8>>, FetchError> {
        Ok(self.0.pop_front())
    }
}

#[async_trait::async_trait]
impl Fetcher for StubInternet {
    async fn open(&self, req: &FetchRequest) -> Result<Download, FetchError> {
        self.asked.lock().unwrap().push(req.clone());
        let Some(r) = self.routes.iter().find(|r| r.url == req.url) else {
            let mut e =
                FetchError::new(&req.url, "answered 404 Not Found (secret-internal-detail)");
            e.status = Some(404);
            return Err(e);
        };
        if !(r.check)(req) {
            let mut e = FetchError::new(&req.url, "answered 401 Unauthorized");
            e.status = Some(401);
            return Err(e);
        }
        Ok(Download {
            content_type: r.content_type.into(),
            body: Box::new(Chunked(r.body.chunks(7).map(<[u8]>::to_vec).collect())),
        })
    }

    async fn post_json(
        &self,
        url: &str,
        _: &[u8],
        _: &[(String, String)],
    ) -> Result<(), FetchError> {
        Err(FetchError::new(url, "not served"))
    }
}

/// The harness's app on `internet`, with an in-process recording queue the test drains.
fn with_internet(h: &mut Harness, internet: Arc<StubInternet>) -> (Ports, Arc<LocalQueue>) {
    let dir = std::env::temp_dir().join(format!("ct-rec-{}-{}", std::process::id(), uuid_ish()));
    let queue = Arc::new(LocalQueue::default());
    let ports = Ports {
        fetcher: internet,
        recordings: queue.clone(),
        ..with_store(h.store.clone(), &dir, Arc::new(h.clock.clone()))
    };
    h.app = App::new(
        ports.clone(),
        HttpConfig {
            public_base_url: BASE.into(),
        },
    );
    (ports, queue)
}

/// A webhook announcing a recording answers before anything is downloaded: the call is stored
/// "recording pending" and one job is queued. The worker then streams the audio into the blob
/// store and the call points at it, waiting for transcription. Redeliveries download nothing
/// again; a URL that no longer answers (they expire in minutes) is given up with the reason on
/// the call, and nothing of what the fetch met reaches the sender.
#[tokio::test]
async fn a_recording_is_downloaded_after_the_webhook_answers_and_only_once() {
    let audio = b"RIFF\x24\x00\x00\x00WAVEfmt fake audio, two channels of it".to_vec();
    let internet = StubInternet::new(vec![route(
        "https://media.pbx.example/rec/RE1.wav",
        "audio/x-wav",
        &audio,
    )]);
    let mut h = harness().await;
    h.tenant.recording_hosts = vec!["media.pbx.example".into()];
    calltrack::tenants::save(&*h.store, &h.tenant)
        .await
        .unwrap();
    let (ports, queue) = with_internet(&mut h, internet.clone());
    h.send(h.generic_req(&generic_event(
        "r0",
        "pbx-r",
        "ended",
        t0(),
        json!({"outcome": "answered", "talk_seconds": 80}),
    )))
    .await;
    let recording = generic_event(
        "r1",
        "pbx-r",
        "recording",
        t0() + Duration::seconds(1),
        json!({"recording_url": "https://media.pbx.example/rec/RE1.wav"}),
    );
    let (st, body, _) = h.send(h.generic_req(&recording)).await;
    assert_eq!(st, StatusCode::OK, "{body}");
    assert!(
        internet.asked().is_empty(),
        "the webhook did not wait for the audio"
    );
    let call = h.calls().await.remove(0);
    assert!(call.recording_pending && call.recording_key.is_none());
    assert_eq!(queue.len(), 1);
    // A redelivery before the download queues the (idempotent) job again.
    let (st, _, _) = h.send(h.generic_req(&recording)).await;
    assert_eq!(st, StatusCode::OK);
    assert_eq!(queue.len(), 2);

    let done = recordings::drain(&ports, &queue).await;
    let outcomes: Vec<String> = done
        .iter()
        .map(|(_, r)| format!("{:?}", r.as_ref().unwrap()))
        .collect();
    assert!(outcomes[0].starts_with("Stored"), "{outcomes:?}");
    assert_eq!(outcomes[1], "AlreadyStored");
    assert_eq!(internet.asked().len(), 1, "downloaded once");
    let call = h.calls().await.remove(0);
    let key = call.recording_key.clone().expect("recording stored");
    assert_eq!(key, format!("recordings/acme/{}.wav", call.id));
    assert!(!call.recording_pending);
    assert_eq!(call.transcription, Transcription::Pending);
    assert_eq!(ports.blobs.get(&key).await.unwrap(), audio);
    // A redelivery after the download queues nothing.
    h.send(h.generic_req(&recording)).await;
    assert!(queue.is_empty());

    let (st, _, text) = h
        .send(h.generic_req(&generic_event(
            "r2",
            "pbx-s",
            "recording",
            t0(),
            json!({"recording_url": "https://media.pbx.example/rec/expired.wav"}),
        )))
        .await;
    assert_eq!(st, StatusCode::OK, "{text}");
    let done = recordings::drain(&ports, &queue).await;
    assert!(
        matches!(&done[0].1, Ok(recordings::Fetched::GaveUp(_))),
        "{done:?}"
    );
    let gone = h
        .calls()
        .await
        .into_iter()
        .find(|c| c.provider_call_id == "pbx-s")
        .unwrap();
    assert!(!gone.recording_pending && gone.recording_key.is_none());
    assert_eq!(
        gone.transcription,
        Transcription::Failed("recording not downloaded: the provider answered 404".into())
    );
    assert!(!text.contains("secret-internal-detail") && !text.contains("expired"));
}

/// Zadarma announces a recording by `call_id_with_rec`: the worker asks its API for the link
/// with a request signed as Zadarma's own client signs it (the stub accepts only that exact
/// Authorization, computed independently), then downloads the link.
#[tokio::test]
async fn a_zadarma_recording_is_fetched_through_its_signed_api() {
    let audio = b"ID3 fake mp3 frames".to_vec();
    let link = "https://api.zadarma.com/v1/pbx/record/download/abc/1758291234.2345678.mp3";
    let api =
        "https://api.zadarma.com/v1/pbx/record/request/?call_id=1758291234.2345678&format=json";
    let internet = StubInternet::new(vec![
        StubRoute {
            url: api.into(),
            check: Box::new(|r| {
                r.method == http::Method::GET
                    && r.headers.contains(&(
                        "authorization".into(),
                        "zd-key:YmJjYTMxOTgwNmJjNTk5MTViNGY0ZjM3YmZlZGNhMzI5NTQ4OGQxZA==".into(),
                    ))
            }),
            content_type: "application/json",
            body:
                json!({"status": "success", "link": link, "lifetime_till": "2026-03-02 13:00:00"})
                    .to_string()
                    .into_bytes(),
        },
        route(link, "audio/mpeg", &audio),
    ]);
    let mut h = harness().await;
    h.tenant
        .provider_secrets
        .insert("zadarma".into(), "zd-secret".into());
    h.tenant
        .provider_secrets
        .insert("zadarma_key".into(), "zd-key".into());
    calltrack::tenants::save(&*h.store, &h.tenant)
        .await
        .unwrap();
    let (ports, queue) = with_internet(&mut h, internet.clone());
    let form: Vec<(String, String)> = [
        ("event", "NOTIFY_RECORD"),
        ("pbx_call_id", "in_8c1f"),
        ("call_id_with_rec", "1758291234.2345678"),
    ]
    .iter()
    .map(|(k, v)| (k.to_string(), v.to_string()))
    .collect();
    let req = Request::post("/v1/hooks/acme/zadarma")
        .header("content-type", "application/x-www-form-urlencoded")
        .header(
            "signature",
            calltrack::telephony::zadarma::sign(&form, "zd-secret").unwrap(),
        )
        .body(Body::from(serde_urlencoded::to_string(&form).unwrap()))
        .unwrap();
    let (st, body, _) = h.send(req).await;
    assert_eq!(st, StatusCode::OK, "{body}");
    assert!(internet.asked().is_empty());
    let done = recordings::drain(&ports, &queue).await;
    assert!(
        matches!(&done[0].1, Ok(recordings::Fetched::Stored { .. })),
        "{done:?}"
    );
    let call = h.calls().await.remove(0);
    let key = call.recording_key.expect("stored");
    assert!(key.ends_with(".mp3"), "{key}");
    assert_eq!(ports.blobs.get(&key).await.unwrap(), audio);
    let urls: Vec<String> = internet.asked().into_iter().map(|r| r.url).collect();
    assert_eq!(urls, vec![api.to_string(), link.to_string()]);
}

/// Mango announces a recording by `recording_id`: the worker posts `queries/recording/post`
/// signed with the tenant's `api_key:salt` (the stub checks `sign`, computed independently) and
/// stores what it answers.
#[tokio::test]
async fn a_mango_recording_is_fetched_through_its_signed_api() {
    let audio = b"ID3 mango mp3".to_vec();
    let rec = "MToxMDEyODIxOToyMDIzMDU5NDk5Mjow";
    let internet = StubInternet::new(vec![StubRoute {
        url: "https://app.mango-office.ru/vpbx/queries/recording/post".into(),
        check: Box::new(|r| {
            let form: Vec<(String, String)> = serde_urlencoded::from_bytes(&r.body).unwrap();
            let get = |k: &str| form.iter().find(|(n, _)| n == k).map(|(_, v)| v.as_str());
            r.method == http::Method::POST
                && get("vpbx_api_key") == Some("mg-key")
                && get("json")
                    == Some(
                        r#"{"action":"download","recording_id":"MToxMDEyODIxOToyMDIzMDU5NDk5Mjow"}"#,
                    )
                && get("sign")
                    == Some("c88e0f9213cc46cc2a0deda3db13e59e204431423b3ce167bf1bf09de98e7e63")
        }),
        content_type: "audio/mpeg",
        body: audio.clone(),
    }]);
    let mut h = harness().await;
    h.tenant
        .provider_secrets
        .insert("mango".into(), "mg-key:mg-salt".into());
    calltrack::tenants::save(&*h.store, &h.tenant)
        .await
        .unwrap();
    let (ports, queue) = with_internet(&mut h, internet.clone());
    let json = json!({
        "entry_id": "MToxMDEyODIxOTo0NTY=",
        "recording_id": rec,
        "recording_state": "Completed",
        "timestamp": t0().timestamp(),
    })
    .to_string();
    let form = [
        ("vpbx_api_key", "mg-key".to_string()),
        (
            "sign",
            calltrack::telephony::mango::sign("mg-key", &json, "mg-salt"),
        ),
        ("json", json.clone()),
    ];
    let req = Request::post("/v1/hooks/acme/mango/events/recording")
        .header("content-type", "application/x-www-form-urlencoded")
        .body(Body::from(serde_urlencoded::to_string(form).unwrap()))
        .unwrap();
    let (st, body, _) = h.send(req).await;
    assert_eq!(st, StatusCode::OK, "{body}");
    let done = recordings::drain(&ports, &queue).await;
    assert!(
        matches!(&done[0].1, Ok(recordings::Fetched::Stored { .. })),
        "{done:?}"
    );
    let call = h.calls().await.remove(0);
    assert_eq!(
        ports.blobs.get(&call.recording_key.unwrap()).await.unwrap(),
        audio
    );
}

/// A signed payload pointing its recording at loopback, the metadata service or a host outside
/// the allow-list is stored without fetching: the server on 127.0.0.1 is never asked, on SQLite
/// and on DynamoDB alike.
async fn recordings_outside_the_allow_list_are_never_fetched(store: Arc<dyn Store>) {
    let hits = Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let counted = hits.clone();
    let server = axum::Router::new().fallback(move || {
        counted.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        async { "RIFF audio" }
    });
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, server).await.unwrap() });

    let mut h = harness_with(store).await;
    h.tenant.recording_hosts = vec!["media.pbx.example".into()];
    calltrack::tenants::save(&*h.store, &h.tenant)
        .await
        .unwrap();
    let dir = std::env::temp_dir().join(format!("ct-ssrf-{}-{}", std::process::id(), uuid_ish()));
    let queue = Arc::new(LocalQueue::default());
    let ports = Ports {
        fetcher: Arc::new(calltrack_aws::HttpFetcher::new()),
        recordings: queue.clone(),
        ..with_store(h.store.clone(), &dir, Arc::new(h.clock.clone()))
    };
    h.app = App::new(
        ports.clone(),
        HttpConfig {
            public_base_url: BASE.into(),
        },
    );
    let urls = [
        format!("http://{addr}/rec.wav"),
        format!("https://{addr}/rec.wav"),
        format!("http://localhost:{}/rec.wav", addr.port()),
        "https://169.254.169.254/latest/meta-data/iam/security-credentials/".to_string(),
        "https://evil.example/rec.wav".to_string(),
        "https://media.pbx.example.evil.example/rec.wav".to_string(),
    ];
    for (i, url) in urls.iter().enumerate() {
        let call = format!("pbx-ssrf-{i}");
        let (st, body, _) = h
            .send(h.generic_req(&generic_event(
                &format!("s{i}"),
                &call,
                "recording",
                t0(),
                json!({"recording_url": url, "talk_seconds": 30}),
            )))
            .await;
        assert_eq!(st, StatusCode::OK, "{url}: {body}");
        assert_eq!(body["accepted"], 1, "{url}: the event itself is stored");
    }
    assert!(queue.is_empty(), "nothing queued for download");
    let calls = h.calls().await;
    assert_eq!(calls.len(), urls.len());
    assert!(calls
        .iter()
        .all(|c| c.recording_key.is_none() && !c.recording_pending));
    assert_eq!(
        hits.load(std::sync::atomic::Ordering::SeqCst),
        0,
        "never requested"
    );
}

#[tokio::test]
async fn recordings_outside_the_allow_list_are_never_fetched_on_sqlite() {
    recordings_outside_the_allow_list_are_never_fetched(Arc::new(
        SqliteStore::in_memory().unwrap(),
    ))
    .await;
}

#[tokio::test]
async fn recordings_outside_the_allow_list_are_never_fetched_on_dynamodb() {
    recordings_outside_the_allow_list_are_never_fetched(Arc::new(
        calltrack_integration::moto::dynamo_store().await,
    ))
    .await;
}

/// A visitor shown the pool's default number calls it: the signed generic call reads back from
/// `GET /v1/calls` as `pool_overflow`, channel `(pool overflow)`, not `unattributed`.
#[tokio::test]
async fn a_call_to_the_pools_default_number_reads_back_as_pool_overflow() {
    let h = harness().await;
    let mut pool = PoolSettings::new(h.tenant.id.clone(), PoolId::parse("web").unwrap());
    pool.default_number = Some(PhoneNumber::parse("+14155552000", None).unwrap());
    h.store.put_pool(&pool).await.unwrap();
    let ev = generic_event(
        "d1",
        "pbx-default",
        "ended",
        t0(),
        json!({"to": "+14155552000", "outcome": "answered", "talk_seconds": 60}),
    );
    let (st, body, _) = h.send(h.generic_req(&ev)).await;
    assert_eq!(st, StatusCode::OK, "{body}");
    let (st, list, _) = h
        .api(
            "/v1/calls?from=2026-03-01&to=2026-03-03",
            "application/json",
        )
        .await;
    assert_eq!(st, StatusCode::OK);
    let call = &list["calls"][0];
    assert_eq!(call["attribution"]["method"], "pool_overflow", "{list}");
    assert_eq!(call["attribution"]["channel"], "(pool overflow)");
}

/// Dates at chrono's extremes (and years 0000 and 10000) are a 400 naming the field, never a
/// panic that drops the connection; a body over the limit and a path that is not UTF-8 get the
/// JSON error shape too.
#[tokio::test]
async fn out_of_range_dates_giant_bodies_and_bad_paths_get_json_errors() {
    let h = harness().await;
    for (path, field) in [
        ("/v1/reports/roi?to=-262143-01-01", "to"),
        ("/v1/reports/roi?from=0000-01-01&to=2026-03-02", "from"),
        ("/v1/reports/roi?to=%2B10000-01-01", "to"),
        ("/v1/reports/roi?to=262142-12-31", "to"),
        ("/v1/calls?to=-262143-01-01", "to"),
        ("/v1/calls?from=0000-06-01T00:00:00Z&to=2026-03-02", "from"),
        ("/v1/calls?to=262142-12-31", "to"),
    ] {
        let (st, body, text) = h.api(path, "application/json").await;
        assert_eq!(st, StatusCode::BAD_REQUEST, "{path}: {text}");
        assert_eq!(body["error"]["field"], field, "{path}: {text}");
    }
    let big = Request::post("/v1/hooks/acme/generic")
        .header("content-type", "application/json")
        .body(Body::from(vec![b'a'; 300 * 1024]))
        .unwrap();
    let (st, body, text) = h.send(big).await;
    assert_eq!(st, StatusCode::PAYLOAD_TOO_LARGE);
    assert_eq!(body["error"]["code"], "too_large", "{text}");
    assert_eq!(body["error"]["field"], "body");
    let bad_path = Request::post("/v1/leases/%FF%FE/renew")
        .body(Body::empty())
        .unwrap();
    let (st, body, text) = h.send(bad_path).await;
    assert!(st.is_client_error(), "{st}");
    assert!(body["error"]["code"].is_string(), "{st}: {text}");
}

/// CRM updates apply in the CRM's order, not the order they arrive in: an `open` from 10:00
/// arriving after the `won` from 10:05 changes nothing (answered as a duplicate), an amount
/// corrected later at the same status applies, and revenue is counted once.
#[tokio::test]
async fn deal_updates_apply_in_the_crms_order_not_arrival_order() {
    let h = harness().await;
    h.send(h.generic_req(&generic_event(
        "e1",
        "p1",
        "ended",
        t0(),
        json!({"outcome": "answered", "talk_seconds": 90}),
    )))
    .await;
    // The CRM reports an hour later; every update lies in the past and inside the replay window.
    h.clock.advance(Duration::hours(1));
    let deal = |status: &str, amount: &str, minutes: i64| {
        h.crm_req(&json!({"deal_id": "d-order", "status": status, "amount": amount, "currency": "USD", "at": t0() + Duration::minutes(minutes), "phone": CALLER}))
    };
    let (st, won, _) = h.send(deal("won", "1000.00", 5)).await;
    assert_eq!((st, &won["duplicate"]), (StatusCode::OK, &json!(false)));
    let (st, stale, _) = h.send(deal("open", "1000.00", 0)).await;
    assert_eq!(
        (st, &stale["duplicate"]),
        (StatusCode::OK, &json!(true)),
        "{stale}"
    );
    let stored = h
        .store
        .get_deal(&h.tenant.id, "d-order")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(stored.status, DealStatus::Won);
    let r = h.rollup().await;
    assert_eq!((r.deals, r.won, r.revenue_minor), (1, 1, 100_000));
    let (st, _, _) = h.send(deal("won", "1200.00", 30)).await;
    assert_eq!(st, StatusCode::OK);
    let r = h.rollup().await;
    assert_eq!(
        (r.deals, r.won, r.revenue_minor),
        (1, 1, 120_000),
        "the correction applies"
    );
    let (st, body, _) = h.send(deal("won", "-300", 40)).await;
    assert_eq!(st, StatusCode::BAD_REQUEST);
    assert_eq!(body["error"]["field"], "amount");
}

/// `GET /v1/calls` answers pages of `limit` with a `next_cursor` until the period is done:
/// following it yields every call once, in order, filters included; a bad `limit` or `cursor`
/// is a 400 naming it.
#[tokio::test]
async fn the_call_log_is_paginated_by_an_opaque_cursor() {
    let h = harness().await;
    for i in 0..25 {
        let mut c = Call::new(
            &h.tenant.id,
            Provider::Generic,
            &format!("pg-{i}"),
            Direction::Inbound,
            t0() + Duration::minutes(i),
        );
        c.attribution.channel = if i % 4 == 0 {
            "billboard"
        } else {
            "google/cpc"
        }
        .into();
        let commit = Commit {
            tenant: Some(h.tenant.id.clone()),
            calls: vec![CallWrite::new(c, None)],
            ..Commit::default()
        };
        assert_eq!(
            h.store.commit(&commit).await.unwrap(),
            CommitOutcome::Committed
        );
    }
    let all: Vec<String> = h
        .calls()
        .await
        .into_iter()
        .map(|c| c.id.to_string())
        .collect();
    let walk = |query: &'static str| {
        let h = &h;
        async move {
            let mut ids = vec![];
            let mut sizes = vec![];
            let mut cursor: Option<String> = None;
            loop {
                let path = match &cursor {
                    Some(c) => {
                        format!("/v1/calls?from=2026-03-01&to=2026-03-03&{query}&cursor={c}")
                    }
                    None => format!("/v1/calls?from=2026-03-01&to=2026-03-03&{query}"),
                };
                let (st, body, text) = h.api(&path, "application/json").await;
                assert_eq!(st, StatusCode::OK, "{text}");
                let page = body["calls"].as_array().unwrap();
                assert_eq!(body["count"], page.len());
                sizes.push(page.len());
                ids.extend(page.iter().map(|c| c["id"].as_str().unwrap().to_string()));
                match body["next_cursor"].as_str() {
                    Some(c) => cursor = Some(c.to_string()),
                    None => break,
                }
            }
            (ids, sizes)
        }
    };
    let (ids, sizes) = walk("limit=10").await;
    assert_eq!(ids, all, "every call once, in order");
    assert_eq!(sizes, vec![10, 10, 5]);
    let (billboard, sizes) = walk("limit=3&channel=billboard").await;
    assert_eq!(billboard.len(), 7);
    assert_eq!(sizes, vec![3, 3, 1]);
    let (st, body, _) = h
        .api(
            "/v1/calls?from=2026-03-01&to=2026-03-03",
            "application/json",
        )
        .await;
    assert_eq!(st, StatusCode::OK);
    assert_eq!(body["count"], 25, "the default page holds 100");
    assert!(body["next_cursor"].is_null());
    for (q, field) in [
        ("limit=0", "limit"),
        ("limit=1001", "limit"),
        ("limit=ten", "limit"),
        ("cursor=not-a-cursor", "cursor"),
    ] {
        let (st, body, _) = h
            .api(
                &format!("/v1/calls?from=2026-03-01&to=2026-03-03&{q}"),
                "application/json",
            )
            .await;
        assert_eq!(st, StatusCode::BAD_REQUEST, "{q}");
        assert_eq!(body["error"]["field"], field, "{q}");
    }
}

/// Generic and CRM events carry no signed timestamp of their own, so a captured body replayed
/// after the tenant's window (or stamped ahead of our clock) is refused with 400 naming `at`
/// and changes nothing; `tenant.replay_window_minutes` moves the window.
#[tokio::test]
async fn generic_and_crm_events_outside_the_replay_window_are_refused_naming_at() {
    let mut h = harness().await;
    let old = t0() - Duration::minutes(i64::from(DEFAULT_REPLAY_WINDOW_MINUTES) + 1);
    let ended =
        |id: &str, at| generic_event(id, "p-old", "ended", at, json!({"outcome": "missed"}));
    let (st, body, text) = h.send(h.generic_req(&ended("e-old", old))).await;
    assert_eq!(st, StatusCode::BAD_REQUEST, "{text}");
    assert_eq!(body["error"]["field"], "at", "{text}");
    let ahead = t0() + Duration::minutes(MAX_CLOCK_SKEW_MINUTES + 1);
    let (st, body, _) = h.send(h.generic_req(&ended("e-ahead", ahead))).await;
    assert_eq!(
        (st, &body["error"]["field"]),
        (StatusCode::BAD_REQUEST, &json!("at"))
    );
    let deal = json!({"deal_id": "d-old", "status": "won", "amount": "10.00", "currency": "USD", "at": old, "phone": CALLER});
    let (st, body, _) = h.send(h.crm_req(&deal)).await;
    assert_eq!(
        (st, &body["error"]["field"]),
        (StatusCode::BAD_REQUEST, &json!("at"))
    );
    assert!(h.calls().await.is_empty());
    assert!(h
        .store
        .get_deal(&h.tenant.id, "d-old")
        .await
        .unwrap()
        .is_none());
    assert_eq!(h.rollup().await, Counters::default());

    h.tenant.replay_window_minutes = MAX_REPLAY_WINDOW_MINUTES;
    calltrack::tenants::save(&*h.store, &h.tenant)
        .await
        .unwrap();
    let (st, body, text) = h.send(h.generic_req(&ended("e-old", old))).await;
    assert_eq!(st, StatusCode::OK, "a wider window takes it: {text}");
    assert_eq!(body["accepted"], 1, "{text}");
}

/// Two `ended` reports of one call merge by their time, not by arrival: the later report's
/// outcome and durations win even when it arrives first.
#[tokio::test]
async fn ended_reports_merge_by_time_not_arrival() {
    let h = harness().await;
    h.clock.advance(Duration::minutes(10));
    let ended = |id: &str, minutes: i64, extra: Value| {
        generic_event(
            id,
            "p-end",
            "ended",
            t0() + Duration::minutes(minutes),
            extra,
        )
    };
    let later = ended(
        "e-late",
        5,
        json!({"outcome": "answered", "talk_seconds": 240}),
    );
    let earlier = ended(
        "e-early",
        1,
        json!({"outcome": "missed", "missed_reason": "no_answer"}),
    );
    for ev in [&later, &earlier] {
        let (st, _, text) = h.send(h.generic_req(ev)).await;
        assert_eq!(st, StatusCode::OK, "{text}");
    }
    let call = h.calls().await.remove(0);
    assert_eq!(call.outcome, Outcome::Answered, "{call:?}");
    assert_eq!(call.talk_seconds, Some(240));
    assert_eq!(call.missed_reason, None);
    assert_eq!(call.ended_at, Some(t0() + Duration::minutes(5)));
    assert_eq!(
        call.retain_until,
        Some(call.started_at + Duration::days(i64::from(DEFAULT_RETENTION_DAYS))),
        "kept for the tenant's retention"
    );
    let r = h.rollup().await;
    assert_eq!((r.calls, r.answered, r.missed), (1, 1, 0));
}

fn zadarma_form(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
    pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

fn zadarma_req(form: &[(String, String)], signature: &str) -> Request<Body> {
    Request::post("/v1/hooks/acme/zadarma")
        .header("content-type", "application/x-www-form-urlencoded")
        .header("signature", signature)
        .body(Body::from(serde_urlencoded::to_string(form).unwrap()))
        .unwrap()
}

/// Zadarma signs `caller_id + called_did + call_start`, not `pbx_call_id`: a captured NOTIFY_END
/// sent again with other call ids is a duplicate (its identity is what is signed), the same
/// signed fields cannot be grafted onto another live call (400 naming `pbx_call_id`), and a
/// notification whose `call_start` is days old is refused as a replay. One call, counted once.
#[tokio::test]
async fn a_captured_zadarma_notification_cannot_forge_or_alter_calls() {
    let mut h = harness().await;
    h.tenant
        .provider_secrets
        .insert("zadarma".into(), "zd-secret".into());
    calltrack::tenants::save(&*h.store, &h.tenant)
        .await
        .unwrap();
    let start = t0().format("%Y-%m-%d %H:%M:%S").to_string();
    let end = |pbx: &str, caller: &str| {
        zadarma_form(&[
            ("event", "NOTIFY_END"),
            ("call_start", &start),
            ("pbx_call_id", pbx),
            ("caller_id", caller),
            ("called_did", "14155552671"),
            ("internal", "101"),
            ("duration", "95"),
            ("disposition", "answered"),
        ])
    };
    let real = end("in_real", "12125550199");
    let captured_sig = calltrack::telephony::zadarma::sign(&real, "zd-secret").unwrap();
    let (st, body, _) = h.send(zadarma_req(&real, &captured_sig)).await;
    assert_eq!(
        (st, &body["accepted"]),
        (StatusCode::OK, &json!(1)),
        "{body}"
    );
    for forged in ["in_forged1", "in_forged2", "in_forged3"] {
        let (st, body, _) = h
            .send(zadarma_req(&end(forged, "12125550199"), &captured_sig))
            .await;
        assert_eq!(st, StatusCode::OK, "{body}");
        assert_eq!(body["duplicates"], 1, "{body}");
    }
    // Another caller's live call, then the captured signed fields grafted onto its call id.
    let other_start = zadarma_form(&[
        ("event", "NOTIFY_START"),
        ("call_start", &start),
        ("pbx_call_id", "in_other"),
        ("caller_id", "12125550777"),
        ("called_did", "14155552671"),
    ]);
    let sig = calltrack::telephony::zadarma::sign(&other_start, "zd-secret").unwrap();
    assert_eq!(
        h.send(zadarma_req(&other_start, &sig)).await.0,
        StatusCode::OK
    );
    let mut grafted = end("in_other", "12125550199");
    grafted.retain(|(k, _)| k != "disposition");
    grafted.push(("disposition".into(), "busy".into()));
    let (st, body, text) = h.send(zadarma_req(&grafted, &captured_sig)).await;
    assert_eq!(st, StatusCode::BAD_REQUEST, "{text}");
    assert_eq!(body["error"]["field"], "pbx_call_id");
    let calls = h.calls().await;
    assert_eq!(calls.len(), 2, "{calls:?}");
    let still = calls
        .iter()
        .find(|c| c.provider_call_id == "in_other")
        .unwrap();
    assert_eq!(
        still.outcome,
        Outcome::Ringing,
        "the grafted end changed nothing"
    );
    // Days later the claim may be gone; the signed start says it is a replay.
    h.clock.advance(Duration::hours(
        calltrack::telephony::zadarma::MAX_AGE_HOURS + 1,
    ));
    let (st, body, _) = h
        .send(zadarma_req(&end("in_late", "12125550199"), &captured_sig))
        .await;
    assert_eq!(
        (st, &body["error"]["field"]),
        (StatusCode::BAD_REQUEST, &json!("call_start"))
    );
    let r = h.rollup().await;
    assert_eq!(r.calls, 2);
}

/// Merging is idempotent: the same facts under a second event id (what a deploy that changes
/// how event ids are derived, as the Zadarma binding did, makes of a redelivery in flight)
/// leave the call and every counter as they were, so no `migrate` step is needed for it.
#[tokio::test]
async fn the_same_facts_under_a_new_event_id_change_nothing() {
    let h = harness().await;
    h.clock.advance(Duration::minutes(10));
    let lifecycle = |suffix: &str| {
        [
            generic_event(
                &format!("a{suffix}"),
                "p-idem",
                "answered",
                t0() + Duration::seconds(8),
                json!({}),
            ),
            generic_event(
                &format!("e{suffix}"),
                "p-idem",
                "ended",
                t0() + Duration::seconds(100),
                json!({"outcome": "answered"}),
            ),
        ]
    };
    for ev in lifecycle("-old") {
        assert_eq!(h.send(h.generic_req(&ev)).await.0, StatusCode::OK);
    }
    let (before, counters) = (h.calls().await.remove(0), h.rollup().await);
    for ev in lifecycle("-new") {
        let (st, body, _) = h.send(h.generic_req(&ev)).await;
        assert_eq!((st, &body["accepted"]), (StatusCode::OK, &json!(1)));
    }
    let after = h.calls().await.remove(0);
    assert_eq!(
        Call {
            version: before.version,
            ..after
        },
        before
    );
    assert_eq!(h.rollup().await, counters);
}

/// A mailer that refuses while `down` is set, and counts what it accepted.
#[derive(Default)]
struct FlakyMailer {
    down: std::sync::atomic::AtomicBool,
    sent: std::sync::Mutex<Vec<Email>>,
}

#[async_trait::async_trait]
impl Mailer for FlakyMailer {
    async fn send(&self, email: &Email) -> Result<(), MailError> {
        if self.down.load(std::sync::atomic::Ordering::SeqCst) {
            return Err(MailError("SES is unreachable".into()));
        }
        self.sent.lock().unwrap().push(email.clone());
        Ok(())
    }
}

/// The harness with a mailer that records what it sent and can be taken down, and its ports.
async fn harness_with_flaky_mailer() -> (Harness, Arc<FlakyMailer>, Ports) {
    let mut h = harness().await;
    let mailer = Arc::new(FlakyMailer::default());
    let dir = std::env::temp_dir().join(format!("ct-outbox-{}-{}", std::process::id(), uuid_ish()));
    let ports = Ports {
        mailer: mailer.clone(),
        ..with_store(h.store.clone(), &dir, Arc::new(h.clock.clone()))
    };
    h.app = App::new(
        ports.clone(),
        HttpConfig {
            public_base_url: BASE.into(),
        },
    );
    (h, mailer, ports)
}

/// The missed-call alert is an outbox record in the call's commit: when the process dies
/// between the commit and the send (here: the call committed by `ingest` alone, as a kill
/// would leave it) or the mailer is down, the next drain sends it, once, with backoff between
/// failed attempts.
#[tokio::test]
async fn a_missed_call_alert_survives_a_crash_and_a_mail_outage_and_goes_out_once() {
    let (h, mailer, ports) = harness_with_flaky_mailer().await;
    // The crash: committed, never sent.
    let missed = CallEvent {
        from: Some(PhoneNumber::parse(CALLER, None).unwrap()),
        to: Some(PhoneNumber::parse(TRACKING, None).unwrap()),
        outcome: Some(Outcome::Missed),
        ..CallEvent::new(
            Provider::Generic,
            "p-crash",
            "e-crash",
            EventKind::Ended,
            t0(),
        )
    };
    calltrack::calls::ingest(&*h.store, &h.tenant, &missed, false, t0())
        .await
        .unwrap();
    assert!(mailer.sent.lock().unwrap().is_empty());
    assert_eq!(calltrack::alerts::drain(&ports).await.unwrap(), 1);
    assert_eq!(calltrack::alerts::drain(&ports).await.unwrap(), 0, "once");
    assert_eq!(mailer.sent.lock().unwrap().len(), 1);

    // The outage: the webhook commits and answers 200; the alert waits in the outbox.
    mailer.down.store(true, std::sync::atomic::Ordering::SeqCst);
    h.clock.advance(Duration::minutes(1));
    let (st, _, text) = h
        .send(h.generic_req(&generic_event(
            "e-outage",
            "p-outage",
            "ended",
            t0(),
            json!({"outcome": "missed"}),
        )))
        .await;
    assert_eq!(st, StatusCode::OK, "{text}");
    assert_eq!(mailer.sent.lock().unwrap().len(), 1);
    assert_eq!(
        calltrack::alerts::drain(&ports).await.unwrap(),
        0,
        "not due yet"
    );
    h.clock.advance(Duration::minutes(1));
    assert_eq!(
        calltrack::alerts::drain(&ports).await.unwrap(),
        0,
        "still down"
    );
    mailer
        .down
        .store(false, std::sync::atomic::Ordering::SeqCst);
    h.clock.advance(Duration::minutes(1));
    assert_eq!(
        calltrack::alerts::drain(&ports).await.unwrap(),
        0,
        "backing off: 2 min"
    );
    h.clock.advance(Duration::minutes(1));
    assert_eq!(calltrack::alerts::drain(&ports).await.unwrap(), 1);
    let sent = mailer.sent.lock().unwrap();
    assert_eq!(sent.len(), 2);
    assert!(sent[1].text.contains("was missed"), "{}", sent[1].text);
}

/// When the callback SLA ends with a missed call still not returned, one more alert goes out
/// (due in the outbox since the miss); a call returned in time gets none.
#[tokio::test]
async fn a_missed_call_not_returned_within_the_sla_alerts_once_and_a_returned_one_does_not() {
    let (h, mailer, ports) = harness_with_flaky_mailer().await;
    let missed = |id: &str, call: &str, from: &str| {
        let mut e = generic_event(id, call, "ended", t0(), json!({"outcome": "missed"}));
        e["from"] = json!(from);
        e
    };
    h.send(h.generic_req(&missed("s1", "p-lost", CALLER))).await;
    h.send(h.generic_req(&missed("s2", "p-kept", "+12125550177")))
        .await;
    assert_eq!(
        mailer.sent.lock().unwrap().len(),
        2,
        "the two missed-call alerts"
    );
    // The second caller is called back inside the SLA.
    h.clock.advance(Duration::minutes(10));
    let mut back = generic_event("s3", "p-back", "answered", h.clock.now(), json!({}));
    back["direction"] = json!("outbound");
    back["from"] = json!(TRACKING);
    back["to"] = json!("+12125550177");
    h.send(h.generic_req(&back)).await;
    assert_eq!(
        calltrack::alerts::drain(&ports).await.unwrap(),
        0,
        "inside the SLA: nothing due"
    );
    h.clock
        .advance(Duration::minutes(i64::from(h.tenant.callback_sla_minutes)));
    calltrack::alerts::drain(&ports).await.unwrap();
    calltrack::alerts::drain(&ports).await.unwrap();
    let sent = mailer.sent.lock().unwrap().clone();
    let breaches: Vec<&Email> = sent
        .iter()
        .filter(|m| m.subject.starts_with("Not returned"))
        .collect();
    assert_eq!(
        breaches.len(),
        1,
        "{:?}",
        sent.iter().map(|m| &m.subject).collect::<Vec<_>>()
    );
    assert!(breaches[0].subject.contains(CALLER));
    assert!(h
        .store
        .outbox_due(h.clock.now() + Duration::days(1), 100)
        .await
        .unwrap()
        .is_empty());
}

/// A Russian-speaking tenant in Moscow reads its alerts in Russian, on its own clock (the miss at
/// 10:00 UTC is 13:00 there), like its report.
#[tokio::test]
async fn alerts_are_written_in_the_tenants_language_and_time_zone() {
    let (mut h, mailer, ports) = harness_with_flaky_mailer().await;
    h.tenant.language = "ru-RU".into();
    h.tenant.timezone = "Europe/Moscow".into();
    calltrack::tenants::save(&*h.store, &h.tenant)
        .await
        .unwrap();
    let missed = generic_event("ru-1", "p-ru", "ended", t0(), json!({"outcome": "missed"}));
    assert_eq!(h.send(h.generic_req(&missed)).await.0, StatusCode::OK);
    h.clock.advance(Duration::minutes(
        i64::from(h.tenant.callback_sla_minutes) + 1,
    ));
    calltrack::alerts::drain(&ports).await.unwrap();
    let sent = mailer.sent.lock().unwrap().clone();
    assert_eq!(
        sent.len(),
        2,
        "{:?}",
        sent.iter().map(|m| &m.subject).collect::<Vec<_>>()
    );
    assert_eq!(
        sent[0].subject,
        format!("Пропущенный звонок с {CALLER} (billboard)")
    );
    assert!(
        sent[0].text.contains("в 2026-03-02 13:00 MSK"),
        "{}",
        sent[0].text
    );
    assert!(
        sent[1].subject.starts_with("Не перезвонили за 30 мин."),
        "{}",
        sent[1].subject
    );
    assert!(
        sent[1].text.contains("никто не перезвонил"),
        "{}",
        sent[1].text
    );
}

/// A call's counters stay on the day they were first counted when the tenant's time zone
/// changes mid-call: the change neither moves them nor leaves a negative day behind.
#[tokio::test]
async fn a_time_zone_change_does_not_move_existing_rollups() {
    let mut h = harness().await;
    let late = t0() + Duration::hours(13) + Duration::minutes(30); // 23:30 UTC
    h.clock.set(late + Duration::minutes(5));
    let ringing = generic_event("tz-1", "p-tz", "ringing", late, json!({}));
    assert_eq!(h.send(h.generic_req(&ringing)).await.0, StatusCode::OK);
    h.tenant.timezone = "Europe/Moscow".into(); // 02:30 the next day there
    calltrack::tenants::save(&*h.store, &h.tenant)
        .await
        .unwrap();
    let ended = generic_event(
        "tz-2",
        "p-tz",
        "ended",
        late + Duration::minutes(3),
        json!({"outcome": "answered", "talk_seconds": 120}),
    );
    assert_eq!(h.send(h.generic_req(&ended)).await.0, StatusCode::OK);
    let day = late.date_naive();
    let rows = h
        .store
        .rollups_between(
            &h.tenant.id,
            Dimension::Channel,
            day,
            day.succ_opt().unwrap(),
        )
        .await
        .unwrap();
    let on = |d: chrono::NaiveDate| {
        rows.iter()
            .filter(|r| r.day == d)
            .fold(Counters::default(), |mut c, r| {
                c.calls += r.counters.calls;
                c.answered += r.counters.answered;
                c
            })
    };
    assert_eq!((on(day).calls, on(day).answered), (1, 1), "{rows:?}");
    let next = day.succ_opt().unwrap();
    assert_eq!((on(next).calls, on(next).answered), (0, 0), "{rows:?}");
}

/// The report email is recorded as sent only after the mailer took it: a failed send fails the
/// run and the next run for the period sends it; once sent, a further run does not mail again.
#[tokio::test]
async fn a_report_mail_that_failed_is_sent_by_the_next_run_and_only_once() {
    let h = harness().await;
    let mailer = FlakyMailer::default();
    mailer.down.store(true, std::sync::atomic::Ordering::SeqCst);
    let dir = std::env::temp_dir().join(format!("ct-report-{}-{}", std::process::id(), uuid_ish()));
    let blobs = calltrack_embedded::FsBlobStore::new(dir);
    let outputs = || calltrack::reporting::Outputs {
        store: &*h.store,
        blobs: &blobs,
        mailer: &mailer,
    };
    let day = t0().date_naive();
    let period = (day, day, "daily");
    assert!(
        calltrack::reporting::deliver(outputs(), &h.tenant, period, t0())
            .await
            .is_err()
    );
    mailer
        .down
        .store(false, std::sync::atomic::Ordering::SeqCst);
    let sent = calltrack::reporting::deliver(outputs(), &h.tenant, period, t0())
        .await
        .unwrap();
    assert!(sent.emailed);
    let again = calltrack::reporting::deliver(outputs(), &h.tenant, period, t0())
        .await
        .unwrap();
    assert!(!again.emailed, "a second run does not mail again");
    assert_eq!(mailer.sent.lock().unwrap().len(), 1);
}
