//! Routes for the site snippet: lease a number, renew it, report a call intent.
//!
//! The snippet runs on the tenant's site, so every answer carries CORS headers for the
//! tenant's allowed origins. The tenant is only known after reading the body (site key) or the
//! lease, so CORS is decided here per request rather than by a static layer: a request from an
//! origin the tenant did not allow, or without an `Origin` when the tenant lists origins, gets
//! 403 and consumes nothing. A tenant with no allowed origins (`tenant add --any-origin`)
//! accepts any. The preflight of `POST /v1/leases` cannot know the tenant (it has no
//! body) and echoes any origin; the POST itself is then checked. Bodies may arrive as
//! `text/plain` JSON (what `navigator.sendBeacon` sends without a preflight).

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use axum::{Extension, Json, Router};
use chrono::{DateTime, Utc};
use serde_json::{json, Map, Value};

use super::{ApiError, ApiResult, App, AppState, Source};
use crate::model::{IntentKind, Lease, LeaseId, PhoneNumber, PoolId, PoolSettings, Tenant, Visit};
use crate::numbers::limits::{self, RetryAfter};
use crate::numbers::{self, display_number, is_bot, AcquireError, LeaseError};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/v1/leases", post(create).options(preflight_create))
        .route(
            "/v1/leases/{lease_id}/renew",
            post(renew).options(preflight_lease),
        )
        .route(
            "/v1/leases/{lease_id}/intent",
            post(intent).options(preflight_lease),
        )
}

fn origin(headers: &HeaderMap) -> Option<String> {
    headers
        .get(header::ORIGIN)
        .and_then(|v| v.to_str().ok())
        .map(str::to_string)
}

fn origin_allowed(tenant: &Tenant, origin: &str) -> bool {
    tenant.allowed_origins.is_empty()
        || tenant
            .allowed_origins
            .iter()
            .any(|o| o.eq_ignore_ascii_case(origin))
}

/// Refuses a request from an origin the tenant did not allow, and one without an `Origin` when
/// the tenant lists origins (browsers always send it on these cross-site POSTs; a script that
/// leaves it out to get numbers is not the tenant's site).
fn check_origin(tenant: &Tenant, origin: Option<&str>) -> ApiResult<()> {
    match origin {
        Some(o) if !origin_allowed(tenant, o) => Err(ApiError::new(
            StatusCode::FORBIDDEN,
            "origin_not_allowed",
            format!("origin '{o}' is not among the tenant's allowed origins; add it to the tenant"),
        )),
        None if !tenant.allowed_origins.is_empty() => Err(ApiError {
            field: Some("origin".into()),
            ..ApiError::new(
                StatusCode::FORBIDDEN,
                "origin_required",
                "the request has no Origin header; only the tenant's sites may lease numbers",
            )
        }),
        _ => Ok(()),
    }
}

/// Adds the CORS headers for `origin` to a response.
fn allow(mut resp: Response, origin: &str, preflight: bool) -> Response {
    let h = resp.headers_mut();
    if let Ok(v) = HeaderValue::from_str(origin) {
        h.insert(header::ACCESS_CONTROL_ALLOW_ORIGIN, v);
    }
    h.insert(header::VARY, HeaderValue::from_static("Origin"));
    if preflight {
        h.insert(
            header::ACCESS_CONTROL_ALLOW_METHODS,
            HeaderValue::from_static("POST, OPTIONS"),
        );
        h.insert(
            header::ACCESS_CONTROL_ALLOW_HEADERS,
            HeaderValue::from_static("content-type"),
        );
        h.insert(
            header::ACCESS_CONTROL_MAX_AGE,
            HeaderValue::from_static("600"),
        );
    }
    resp
}

/// The answer, with CORS headers when the tenant allows the request's origin.
fn respond(result: ApiResult<Value>, origin: Option<&str>, tenant: Option<&Tenant>) -> Response {
    let resp = match result {
        Ok(v) => Json(v).into_response(),
        Err(e) => e.into_response(),
    };
    match (origin, tenant) {
        (Some(o), Some(t)) if origin_allowed(t, o) => allow(resp, o, false),
        // An unknown lease or site key reveals nothing, and the snippet must be able to read
        // the 404 to ask for a new lease (a cached lease after a data reset, say).
        (Some(o), None) if resp.status() == StatusCode::NOT_FOUND => allow(resp, o, false),
        _ => resp,
    }
}

async fn preflight_create(headers: HeaderMap) -> Response {
    let resp = StatusCode::NO_CONTENT.into_response();
    match origin(&headers) {
        Some(o) => allow(resp, &o, true),
        None => resp,
    }
}

async fn preflight_lease(
    State(app): State<AppState>,
    Path(id): Path<String>,
    headers: HeaderMap,
) -> Response {
    let resp = StatusCode::NO_CONTENT.into_response();
    let Some(o) = origin(&headers) else {
        return resp;
    };
    match lease_and_tenant(&app, &id).await {
        Ok((_, t)) if origin_allowed(&t, &o) => allow(resp, &o, true),
        _ => resp,
    }
}

/// A string field of the body: absent, `null` and `""` are none; another type is a 400 naming it.
fn text(body: &Map<String, Value>, field: &str, max: usize) -> ApiResult<Option<String>> {
    match body.get(field) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => {
            let s = s.trim();
            if s.chars().count() > max {
                return Err(ApiError::invalid(
                    field,
                    format!("{field} is longer than {max} characters"),
                ));
            }
            Ok((!s.is_empty()).then(|| s.to_string()))
        }
        Some(_) => Err(ApiError::invalid(
            field,
            format!("{field} must be a string"),
        )),
    }
}

fn required(body: &Map<String, Value>, field: &str, max: usize) -> ApiResult<String> {
    text(body, field, max)?.ok_or_else(|| ApiError::invalid(field, format!("{field} is required")))
}

/// The visit a lease request describes (the snippet's fields; see docs/pool.md).
fn visit_from(b: &Map<String, Value>) -> ApiResult<Visit> {
    Ok(Visit {
        visitor_id: required(b, "visitor_id", 128)?,
        utm_source: text(b, "utm_source", 256)?,
        utm_medium: text(b, "utm_medium", 256)?,
        utm_campaign: text(b, "utm_campaign", 256)?,
        utm_term: text(b, "utm_term", 256)?,
        utm_content: text(b, "utm_content", 256)?,
        gclid: text(b, "gclid", 256)?,
        yclid: text(b, "yclid", 256)?,
        referrer: text(b, "referrer", 2048)?.map(without_query),
        landing_page: text(b, "page_url", 2048)?.map(without_query),
        gbraid: text(b, "gbraid", 256)?,
        wbraid: text(b, "wbraid", 256)?,
        ym_client_id: text(b, "ym_client_id", 64)?,
        ga_client_id: text(b, "ga_client_id", 64)?,
        ga_session_id: text(b, "ga_session_id", 64)?,
    })
}

/// A lease request body as the route reads it, for tools and the fuzzer: the JSON object and
/// the visit in it, or the 400 the route would answer.
pub fn parse_visit(body: &[u8]) -> ApiResult<Visit> {
    visit_from(&object(&Bytes::copy_from_slice(body))?)
}

fn object(body: &Bytes) -> ApiResult<Map<String, Value>> {
    match super::json_body::<Value>(body)? {
        Value::Object(m) => Ok(m),
        _ => Err(ApiError::invalid("body", "the body must be a JSON object")),
    }
}

fn lease_json(
    lease_id: Option<&LeaseId>,
    number: Option<&PhoneNumber>,
    expires_at: Option<DateTime<Utc>>,
    t: &Tenant,
) -> Value {
    json!({
        "lease_id": lease_id,
        "number": number,
        "display_number": number.map(|n| display_number(n, &t.region)),
        "expires_at": expires_at.map(|e| e.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)),
    })
}

/// `POST /v1/leases`: a number for a visit. The pool is the body's `pool` if given, else the
/// tenant's first pool by id.
async fn create(
    State(app): State<AppState>,
    Extension(source): Extension<Source>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let origin = origin(&headers);
    let mut tenant = None;
    let result = create_inner(
        &app,
        source,
        &headers,
        &body,
        origin.as_deref(),
        &mut tenant,
    )
    .await;
    respond(result, origin.as_deref(), tenant.as_ref())
}

async fn create_inner(
    app: &App,
    source: Source,
    headers: &HeaderMap,
    body: &Bytes,
    origin: Option<&str>,
    seen: &mut Option<Tenant>,
) -> ApiResult<Value> {
    let b = object(body)?;
    let site_key = required(&b, "site_key", 128)?;
    let t = app
        .ports
        .store
        .tenant_by_site_key(&site_key)
        .await?
        .ok_or_else(|| ApiError::not_found("unknown site key"))?;
    let tenant = seen.insert(t);
    check_origin(tenant, origin)?;
    let now = app.ports.clock.now();
    if let Err(RetryAfter(secs)) =
        limits::admit_lease(app.ports.store.as_ref(), tenant, source, now).await?
    {
        return Err(ApiError::rate_limited(
            secs,
            format!("too many new leases from this address; retry in {secs} s"),
        ));
    }
    let pool = pool_for(app, tenant, text(&b, "pool", 40)?).await?;
    let ua = headers
        .get(header::USER_AGENT)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    if is_bot(ua) {
        return Ok(lease_json(None, pool.default_number.as_ref(), None, tenant));
    }
    let visit = visit_from(&b)?;
    match numbers::acquire(
        app.ports.store.as_ref(),
        app.ports.clock.as_ref(),
        tenant,
        &pool,
        visit,
    )
    .await
    {
        Ok(got) => Ok(lease_json(
            got.lease.as_ref().map(|l| &l.id),
            Some(&got.number),
            got.expires_at(),
            tenant,
        )),
        Err(AcquireError::Invalid(i)) => Err(i.into()),
        Err(AcquireError::NoNumbers(_)) => Err(ApiError::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "pool_empty",
            "the pool has no numbers and no default number",
        )),
        Err(AcquireError::Busy) => Err(ApiError::unavailable("the pool is busy; retry")),
        // The page keeps its own number, as for a bot: no lease, nothing to renew.
        Err(AcquireError::AllShared(_)) => Ok(lease_json(None, None, None, tenant)),
        Err(AcquireError::Store(e)) => Err(e.into()),
    }
}

/// A URL without its query string and fragment: what is kept of a page or referrer (older
/// snippets and other clients may send them whole).
fn without_query(url: String) -> String {
    match url.find(['?', '#']) {
        Some(i) => url[..i].to_string(),
        None => url,
    }
}

async fn pool_for(app: &App, tenant: &Tenant, named: Option<String>) -> ApiResult<PoolSettings> {
    let id = named.map(|n| PoolId::parse(&n)).transpose()?;
    numbers::pool_for_visit(&*app.ports.store, tenant, id.as_ref())
        .await?
        .ok_or_else(|| match id {
            Some(_) => ApiError::not_found("unknown pool"),
            None => ApiError::not_found("the tenant has no number pool"),
        })
}

async fn lease_and_tenant(app: &App, id: &str) -> ApiResult<(Lease, Tenant)> {
    let id = LeaseId::parse(id).map_err(|_| ApiError::not_found("no such lease"))?;
    let lease = app
        .ports
        .store
        .get_lease(&id)
        .await?
        .ok_or_else(|| ApiError::not_found("no such lease"))?;
    let tenant = app
        .ports
        .store
        .get_tenant(&lease.tenant)
        .await?
        .ok_or_else(|| ApiError::not_found("no such lease"))?;
    Ok((lease, tenant))
}

/// A lease's pool settings; a lease whose pool is gone has ended (410).
async fn pool_of(app: &App, lease: &Lease) -> ApiResult<PoolSettings> {
    app.ports
        .store
        .get_pool(&lease.tenant, &lease.pool)
        .await?
        .ok_or_else(|| lease_error(LeaseError::Ended))
}

fn lease_error(e: LeaseError) -> ApiError {
    match e {
        LeaseError::NotFound => ApiError::not_found("no such lease"),
        LeaseError::Ended => {
            ApiError::gone("the lease has ended; request a new one with POST /v1/leases")
        }
        LeaseError::TooManyIntents => ApiError::new(
            StatusCode::TOO_MANY_REQUESTS,
            "too_many_intents",
            format!(
                "the lease has its {} intents already",
                numbers::MAX_INTENTS_PER_LEASE
            ),
        ),
        LeaseError::Store(e) => e.into(),
    }
}

/// `POST /v1/leases/{lease_id}/renew`: the page's heartbeat. 410 once the lease has ended.
async fn renew(
    State(app): State<AppState>,
    Path(id): Path<String>,
    headers: HeaderMap,
) -> Response {
    let origin = origin(&headers);
    let mut tenant = None;
    let result = async {
        let (lease, t) = lease_and_tenant(&app, &id).await?;
        let t = tenant.insert(t);
        check_origin(t, origin.as_deref())?;
        let pool = pool_of(&app, &lease).await?;
        let renewed = numbers::Pool::new(app.ports.store.as_ref(), app.ports.clock.as_ref())
            .extend(&pool, lease)
            .await
            .map_err(lease_error)?;
        Ok(lease_json(
            Some(&renewed.id),
            Some(&renewed.number),
            Some(renewed.expires_at),
            t,
        ))
    }
    .await;
    respond(result, origin.as_deref(), tenant.as_ref())
}

/// `POST /v1/leases/{lease_id}/intent` `{"kind": "tap" | "click" | "copy"}`.
async fn intent(
    State(app): State<AppState>,
    Path(id): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let origin = origin(&headers);
    let mut tenant = None;
    let result = async {
        let b = object(&body)?;
        let kind = match required(&b, "kind", 16)?.as_str() {
            "tap" => IntentKind::Tap,
            "click" => IntentKind::Click,
            "copy" => IntentKind::Copy,
            other => return Err(ApiError::invalid("kind", format!("kind must be tap, click or copy, not '{other}'"))),
        };
        let (lease, t) = lease_and_tenant(&app, &id).await?;
        check_origin(tenant.insert(t), origin.as_deref())?;
        let pool = pool_of(&app, &lease).await?;
        let recorded = numbers::Pool::new(app.ports.store.as_ref(), app.ports.clock.as_ref())
            .record_intent(&pool, &lease, kind)
            .await
            .map_err(lease_error)?;
        Ok(json!({"lease_id": lease.id, "kind": recorded.kind, "at": recorded.at.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)}))
    }
    .await;
    respond(result, origin.as_deref(), tenant.as_ref())
}
