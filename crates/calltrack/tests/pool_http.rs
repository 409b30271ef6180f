//! The snippet's routes through the real router on SQLite: lease, renew, intent, CORS, bots.

use std::sync::Arc;

use axum::body::Body;
use axum::http::{Request, StatusCode};
use calltrack::http::{router, App, HttpConfig};
use calltrack::model::*;
use calltrack::ports::*;
use calltrack_embedded::{with_store, SqliteStore};
use chrono::{Duration, TimeZone, Utc};
use http_body_util::BodyExt;
use serde_json::{json, Value};
use tower::ServiceExt;

struct Fixture {
    app: axum::Router,
    store: Arc<dyn Store>,
    clock: ManualClock,
}

async fn fixture(numbers: u32) -> Fixture {
    let clock = ManualClock::new(Utc.with_ymd_and_hms(2024, 3, 1, 12, 0, 0).unwrap());
    let dir = std::env::temp_dir().join(format!("calltrack-pool-http-{}", std::process::id()));
    let ports = with_store(
        Arc::new(SqliteStore::in_memory().unwrap()),
        &dir,
        Arc::new(clock.clone()),
    );
    let store = ports.store.clone();
    let mut tenant = Tenant::new(TenantId::parse("acme").unwrap(), "Acme");
    tenant.site_key = Some("sk_acme".into());
    tenant.allowed_origins = vec!["https://acme.example".into()];
    store.put_tenant(&tenant).await.unwrap();
    let mut pool = PoolSettings::new(tenant.id.clone(), PoolId::parse("web").unwrap());
    pool.lease_minutes = 10;
    pool.default_number = Some(PhoneNumber::parse("+14158675399", None).unwrap());
    store.put_pool(&pool).await.unwrap();
    for i in 0..numbers {
        let n = TrackingNumber {
            number: PhoneNumber::parse(&format!("+1415867{:04}", 5300 + i), None).unwrap(),
            tenant: tenant.id.clone(),
            kind: NumberKind::Pool {
                pool: pool.id.clone(),
            },
            forward_to: None,
        };
        store.put_number(&n).await.unwrap();
    }
    let app = router(App::new(
        ports,
        HttpConfig {
            public_base_url: "https://api.example.com".into(),
        },
    ));
    Fixture { app, store, clock }
}

async fn send(
    app: &axum::Router,
    req: Request<Body>,
) -> (StatusCode, axum::http::HeaderMap, Value) {
    let resp = app.clone().oneshot(req).await.unwrap();
    let status = resp.status();
    let headers = resp.headers().clone();
    let bytes = resp.into_body().collect().await.unwrap().to_bytes();
    let body = if bytes.is_empty() {
        Value::Null
    } else {
        serde_json::from_slice(&bytes).unwrap()
    };
    (status, headers, body)
}

fn post(uri: &str, body: &Value) -> Request<Body> {
    Request::post(uri)
        .header("content-type", "text/plain;charset=UTF-8")
        .header("origin", "https://acme.example")
        .header(
            "user-agent",
            "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) Safari/604.1",
        )
        .body(Body::from(body.to_string()))
        .unwrap()
}

fn lease_body(visitor: &str) -> Value {
    json!({
        "site_key": "sk_acme", "visitor_id": visitor, "page_url": "https://acme.example/pricing",
        "referrer": "https://www.google.com/", "utm_source": "google", "utm_medium": "cpc",
        "utm_campaign": "spring", "utm_term": "plumber", "utm_content": null, "gclid": "abc", "yclid": null
    })
}

#[tokio::test]
async fn a_text_plain_lease_request_gets_a_number_with_cors_for_the_tenant_origin() {
    let f = fixture(2).await;
    let (status, headers, body) = send(&f.app, post("/v1/leases", &lease_body("v1"))).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(
        headers["access-control-allow-origin"],
        "https://acme.example"
    );
    assert_eq!(body["number"], "+14158675300");
    assert_eq!(body["display_number"], "(415) 867-5300");
    assert_eq!(body["expires_at"], "2024-03-01T12:10:00Z");
    let id = LeaseId::parse(body["lease_id"].as_str().unwrap()).unwrap();
    let lease = f.store.get_lease(&id).await.unwrap().unwrap();
    assert_eq!(lease.visit.channel(), "google/cpc");
    assert_eq!(lease.visit.utm_term.as_deref(), Some("plumber"));
    assert_eq!(
        lease.visit.landing_page.as_deref(),
        Some("https://acme.example/pricing")
    );
    // The same visitor again: the same lease.
    let (_, _, again) = send(&f.app, post("/v1/leases", &lease_body("v1"))).await;
    assert_eq!(again["lease_id"], body["lease_id"]);
}

/// The lease keeps the page and referrer without query string or fragment (an older snippet may
/// send them whole) and the ids the ad platforms match conversions by.
#[tokio::test]
async fn a_lease_keeps_the_click_and_analytics_ids_but_not_the_page_query() {
    let f = fixture(2).await;
    let mut b = lease_body("v-ids");
    b["page_url"] =
        json!("https://acme.example/pricing?email=ann%40example.com&utm_source=google#t=1");
    b["referrer"] = json!("https://www.google.com/search?q=ann+smith+plumber");
    b["gclid"] = Value::Null;
    b["wbraid"] = json!("wb-1");
    b["ym_client_id"] = json!("1695000000123456789");
    b["ga_client_id"] = json!("1234567890.1695000000");
    b["ga_session_id"] = json!("1695000100");
    let (status, _, body) = send(&f.app, post("/v1/leases", &b)).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let id = LeaseId::parse(body["lease_id"].as_str().unwrap()).unwrap();
    let v = f.store.get_lease(&id).await.unwrap().unwrap().visit;
    assert_eq!(
        v.landing_page.as_deref(),
        Some("https://acme.example/pricing")
    );
    assert_eq!(v.referrer.as_deref(), Some("https://www.google.com/search"));
    assert_eq!(v.wbraid.as_deref(), Some("wb-1"));
    assert_eq!(v.ym_client_id.as_deref(), Some("1695000000123456789"));
    assert_eq!(v.ga_client_id.as_deref(), Some("1234567890.1695000000"));
    assert_eq!(v.ga_session_id.as_deref(), Some("1695000100"));
}

#[tokio::test]
async fn unknown_site_key_is_404_and_missing_or_invalid_fields_are_400_naming_them() {
    let f = fixture(1).await;
    let mut b = lease_body("v1");
    b["site_key"] = json!("nope");
    let (status, _, body) = send(&f.app, post("/v1/leases", &b)).await;
    assert_eq!(status, StatusCode::NOT_FOUND, "{body}");
    let mut b = lease_body("v1");
    b.as_object_mut().unwrap().remove("visitor_id");
    let (status, _, body) = send(&f.app, post("/v1/leases", &b)).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(body["error"]["field"], "visitor_id");
    let mut b = lease_body("v1");
    b["utm_source"] = json!(42);
    let (status, _, body) = send(&f.app, post("/v1/leases", &b)).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(body["error"]["field"], "utm_source");
    let req = Request::post("/v1/leases")
        .body(Body::from("{not json"))
        .unwrap();
    let (status, _, body) = send(&f.app, req).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(body["error"]["field"], "body");
}

#[tokio::test]
async fn renew_extends_and_an_ended_lease_is_410() {
    let f = fixture(1).await;
    let (_, _, body) = send(&f.app, post("/v1/leases", &lease_body("v1"))).await;
    let id = body["lease_id"].as_str().unwrap().to_string();
    f.clock.advance(Duration::minutes(5));
    let renew = Request::post(format!("/v1/leases/{id}/renew"))
        .header("origin", "https://acme.example")
        .body(Body::empty())
        .unwrap();
    let (status, headers, body) = send(&f.app, renew).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["expires_at"], "2024-03-01T12:15:00Z");
    assert_eq!(
        headers["access-control-allow-origin"],
        "https://acme.example"
    );
    f.clock.advance(Duration::minutes(10));
    let renew = Request::post(format!("/v1/leases/{id}/renew"))
        .header("origin", "https://acme.example")
        .body(Body::empty())
        .unwrap();
    let (status, _, body) = send(&f.app, renew).await;
    assert_eq!(status, StatusCode::GONE, "{body}");
    let renew = Request::post("/v1/leases/l_unknown/renew")
        .body(Body::empty())
        .unwrap();
    assert_eq!(send(&f.app, renew).await.0, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn an_intent_is_recorded_and_an_unknown_kind_is_400() {
    let f = fixture(1).await;
    let (_, _, body) = send(&f.app, post("/v1/leases", &lease_body("v1"))).await;
    let id = body["lease_id"].as_str().unwrap().to_string();
    let (status, _, body) = send(
        &f.app,
        post(&format!("/v1/leases/{id}/intent"), &json!({"kind": "tap"})),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let lease = f
        .store
        .get_lease(&LeaseId::parse(&id).unwrap())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(lease.intents.len(), 1);
    assert_eq!(lease.intents[0].kind, IntentKind::Tap);
    let (status, _, body) = send(
        &f.app,
        post(&format!("/v1/leases/{id}/intent"), &json!({"kind": "wave"})),
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(body["error"]["field"], "kind");
}

#[tokio::test]
async fn a_bot_gets_the_default_number_without_a_lease() {
    let f = fixture(1).await;
    let req = Request::post("/v1/leases")
        .header("origin", "https://acme.example")
        .header(
            "user-agent",
            "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)",
        )
        .body(Body::from(lease_body("crawler").to_string()))
        .unwrap();
    let (status, _, body) = send(&f.app, req).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body["lease_id"], Value::Null);
    assert_eq!(body["number"], "+14158675399");
    let slots = f
        .store
        .all_slots(
            &TenantId::parse("acme").unwrap(),
            &PoolId::parse("web").unwrap(),
        )
        .await
        .unwrap();
    assert!(
        slots.iter().all(|s| s.lease_id.is_none()),
        "no lease consumed"
    );
}

#[tokio::test]
async fn a_foreign_origin_is_refused_and_preflights_answer_the_tenant_origin() {
    let f = fixture(1).await;
    let req = Request::post("/v1/leases")
        .header("origin", "https://evil.example")
        .body(Body::from(lease_body("v1").to_string()))
        .unwrap();
    let (status, headers, _) = send(&f.app, req).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert!(headers.get("access-control-allow-origin").is_none());

    let pre = Request::options("/v1/leases")
        .header("origin", "https://acme.example")
        .header("access-control-request-method", "POST")
        .body(Body::empty())
        .unwrap();
    let (status, headers, _) = send(&f.app, pre).await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    assert_eq!(
        headers["access-control-allow-origin"],
        "https://acme.example"
    );
    assert!(headers["access-control-allow-methods"]
        .to_str()
        .unwrap()
        .contains("POST"));

    let (_, _, body) = send(&f.app, post("/v1/leases", &lease_body("v1"))).await;
    let id = body["lease_id"].as_str().unwrap().to_string();
    for (origin, allowed) in [
        ("https://acme.example", true),
        ("https://evil.example", false),
    ] {
        let pre = Request::options(format!("/v1/leases/{id}/renew"))
            .header("origin", origin)
            .header("access-control-request-method", "POST")
            .body(Body::empty())
            .unwrap();
        let (status, headers, _) = send(&f.app, pre).await;
        assert_eq!(status, StatusCode::NO_CONTENT);
        assert_eq!(
            headers.get("access-control-allow-origin").is_some(),
            allowed,
            "{origin}"
        );
    }
}

fn from(source: &str, req: Request<Body>) -> Request<Body> {
    let mut req = req;
    req.extensions_mut()
        .insert(calltrack::http::Source(Some(source.parse().unwrap())));
    req
}

/// One source flooding `POST /v1/leases` with fresh visitor ids is refused with 429 (the JSON
/// error, `Retry-After` in whole seconds) once its minute's worth is spent; the refused requests
/// take no number and record no visit, so a visitor from another source still gets a number of
/// its own. The bucket refills with time (the clock port).
#[tokio::test]
async fn a_flood_from_one_source_is_refused_and_another_visitor_still_gets_a_number() {
    let f = fixture(10).await;
    let mut t = f
        .store
        .get_tenant(&TenantId::parse("acme").unwrap())
        .await
        .unwrap()
        .unwrap();
    t.lease_rate.per_source_per_minute = 6;
    f.store.put_tenant(&t).await.unwrap();
    let mut granted = vec![];
    let mut refused = 0;
    for i in 0..200 {
        let req = from(
            "203.0.113.7",
            post("/v1/leases", &lease_body(&format!("bot-{i}"))),
        );
        let (status, headers, body) = send(&f.app, req).await;
        match status {
            StatusCode::OK => granted.push(body["number"].as_str().unwrap().to_string()),
            StatusCode::TOO_MANY_REQUESTS => {
                refused += 1;
                assert_eq!(body["error"]["code"], "rate_limited", "{body}");
                let wait: u64 = headers["retry-after"].to_str().unwrap().parse().unwrap();
                assert!((1..=10).contains(&wait), "{wait}");
                assert_eq!(
                    headers["access-control-allow-origin"], "https://acme.example",
                    "the snippet can read the refusal"
                );
            }
            other => panic!("{other}: {body}"),
        }
    }
    assert_eq!((granted.len(), refused), (6, 194));
    let taken = f
        .store
        .all_slots(&t.id, &PoolId::parse("web").unwrap())
        .await
        .unwrap()
        .into_iter()
        .filter(|s| s.available_at > f.clock.now())
        .count();
    assert_eq!(taken, 6, "refused requests leased nothing");

    let (status, _, body) = send(
        &f.app,
        from(
            "198.51.100.20",
            post("/v1/leases", &lease_body("real-visitor")),
        ),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let number = body["number"].as_str().unwrap().to_string();
    assert!(!granted.contains(&number), "a number of its own: {number}");

    // Ten seconds refill one token at 6 a minute.
    f.clock.advance(Duration::seconds(10));
    let (status, _, _) = send(
        &f.app,
        from("203.0.113.7", post("/v1/leases", &lease_body("bot-again"))),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
}

#[tokio::test]
async fn the_source_behind_trusted_proxies_is_the_rightmost_untrusted_forwarded_address() {
    use calltrack::http::{source_from, Source};
    let trusted: Vec<ipnet::IpNet> =
        vec!["10.0.0.0/8".parse().unwrap(), "::1/128".parse().unwrap()];
    let ip = |s: &str| s.parse::<std::net::IpAddr>().unwrap();
    // Not behind a trusted proxy: X-Forwarded-For is the client's to forge, so it is ignored.
    assert_eq!(
        source_from(ip("198.51.100.9"), Some("1.2.3.4"), &trusted),
        Source(Some(ip("198.51.100.9")))
    );
    // Behind two trusted hops: the first address they did not add themselves.
    assert_eq!(
        source_from(
            ip("10.0.0.2"),
            Some("6.6.6.6, 203.0.113.5, 10.0.0.9"),
            &trusted
        ),
        Source(Some(ip("203.0.113.5")))
    );
    // A trusted peer without the header, or with garbage: the last trusted address.
    assert_eq!(
        source_from(ip("::1"), None, &trusted),
        Source(Some(ip("::1")))
    );
    assert_eq!(
        source_from(ip("10.0.0.2"), Some("nonsense"), &trusted),
        Source(Some(ip("10.0.0.2")))
    );
}

/// A tenant that lists its sites gets leases requested only from them: a request without an
/// `Origin` (a script, not a browser on the site) is 403 naming `origin` and leases nothing.
#[tokio::test]
async fn a_lease_request_without_an_origin_is_refused_when_the_tenant_lists_sites() {
    let f = fixture(2).await;
    let req = Request::post("/v1/leases")
        .header("content-type", "application/json")
        .header("user-agent", "curl/8.5.0")
        .body(Body::from(lease_body("scripted").to_string()))
        .unwrap();
    let (status, _, body) = send(&f.app, req).await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{body}");
    assert_eq!(body["error"]["code"], "origin_required");
    assert_eq!(body["error"]["field"], "origin");
    let taken = f
        .store
        .all_slots(
            &TenantId::parse("acme").unwrap(),
            &PoolId::parse("web").unwrap(),
        )
        .await
        .unwrap()
        .into_iter()
        .filter(|s| s.available_at > f.clock.now())
        .count();
    assert_eq!(taken, 0);
}
