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
