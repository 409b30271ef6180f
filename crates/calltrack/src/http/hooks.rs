//! Provider-facing routes: telephony webhooks, the incoming-call answer, CRM deals (the generic
//! format, amoCRM, Bitrix24).
//!
//! Order of checks: unknown tenant or provider 404; bad signature 401 (nothing written);
//! malformed 400; store or recording-copy failure 503 so the provider retries.

use std::collections::HashMap;

use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::{header, HeaderMap, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use axum::{Json, Router};
use serde_json::json;
use tracing::warn;

use super::{path_tenant, ApiError, ApiResult, App, AppState};
use crate::calls::{self, Ingested, ReceiveError};
use crate::deals::{self, DealError, DealRecorded};
use crate::model::*;
use crate::numbers;
use crate::telephony::{self, WebhookError, WebhookRequest};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/v1/hooks/{tenant}/{provider}", post(hook).get(echo))
        .route("/v1/hooks/{tenant}/mango/events/{*kind}", post(mango_hook))
        .route("/v1/hooks/{tenant}/amocrm/{key}", post(amocrm_hook))
        .route("/v1/voice/{tenant}/{provider}", post(voice))
}

impl From<WebhookError> for ApiError {
    fn from(e: WebhookError) -> Self {
        match e {
            WebhookError::Signature(m) => ApiError::unauthorized(format!("signature: {m}")),
            WebhookError::Malformed { field, reason } => ApiError::invalid(field, reason),
        }
    }
}

impl From<ReceiveError> for ApiError {
    fn from(e: ReceiveError) -> Self {
        warn!(error = %e, "webhook event not stored");
        match e {
            ReceiveError::Ingest(calls::IngestError::Store(s)) => s.into(),
            ReceiveError::Ingest(calls::IngestError::Mismatch(i)) => i.into(),
            // What the queue said stays in our log, never in the answer.
            ReceiveError::Queue(_) => {
                ApiError::unavailable("the recording could not be queued; retry later")
            }
            other => ApiError::unavailable(format!("{other}; retry later")),
        }
    }
}

impl From<DealError> for ApiError {
    fn from(e: DealError) -> Self {
        match e {
            DealError::Store(s) => s.into(),
            DealError::Invalid(i) => i.into(),
            DealError::Contended(_) => ApiError::unavailable(format!("{e}")),
        }
    }
}

/// The URL the provider signed: our public base URL plus the path and query it called.
fn public_url(app: &App, uri: &Uri) -> String {
    let pq = uri.path_and_query().map(|p| p.as_str()).unwrap_or("/");
    format!("{}{}", app.config.public_base_url.trim_end_matches('/'), pq)
}

fn provider(name: &str) -> ApiResult<Provider> {
    Provider::parse(name).ok_or_else(|| ApiError::not_found(format!("unknown provider '{name}'")))
}

/// The tenant's verification material for a provider; without it every request is refused.
fn secret<'a>(tenant: &'a Tenant, provider: &str) -> ApiResult<&'a str> {
    tenant.secret(provider).ok_or_else(|| {
        ApiError::unauthorized(format!(
            "no {provider} secret is configured for this tenant"
        ))
    })
}

async fn hook(
    State(app): State<AppState>,
    Path((tenant, provider_name)): Path<(String, String)>,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> ApiResult<Response> {
    let tenant = path_tenant(&app, &tenant).await?;
    match provider_name.as_str() {
        "crm" => return crm(&app, &tenant, &headers, &body).await,
        "bitrix24" => return bitrix24(&app, &tenant, &body).await,
        _ => {}
    }
    let provider = provider(&provider_name)?;
    receive(&app, &tenant, provider, &uri, &headers, &body, None).await
}

async fn mango_hook(
    State(app): State<AppState>,
    Path((tenant, kind)): Path<(String, String)>,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> ApiResult<Response> {
    let tenant = path_tenant(&app, &tenant).await?;
    receive(
        &app,
        &tenant,
        Provider::Mango,
        &uri,
        &headers,
        &body,
        Some(&kind),
    )
    .await
}

async fn receive(
    app: &App,
    tenant: &Tenant,
    provider: Provider,
    uri: &Uri,
    headers: &HeaderMap,
    body: &[u8],
    mango_kind: Option<&str>,
) -> ApiResult<Response> {
    let secret = secret(tenant, provider.as_str())?;
    let url = public_url(app, uri);
    let req = WebhookRequest {
        public_url: &url,
        headers,
        body,
        mango_kind,
    };
    let now = app.ports.clock.now();
    let events = telephony::parse(provider, &req, Some(secret), &tenant.region, now)?;
    if provider == Provider::Generic {
        // The generic format signs its body but has no timestamp header: `at` bounds replays.
        for ev in &events {
            tenant.check_event_time(ev.at, now)?;
        }
    }
    let (mut applied, mut duplicates) = (0, 0);
    for ev in &events {
        match calls::receive(&app.ports, tenant, ev).await? {
            Ingested::Applied { .. } => applied += 1,
            Ingested::Duplicate => duplicates += 1,
        }
    }
    Ok(Json(json!({"accepted": applied, "duplicates": duplicates})).into_response())
}

/// `GET ?zd_echo=X` answers X: Zadarma's check when the webhook URL is saved.
async fn echo(
    State(app): State<AppState>,
    Path((tenant, provider_name)): Path<(String, String)>,
    Query(q): Query<HashMap<String, String>>,
) -> ApiResult<Response> {
    path_tenant(&app, &tenant).await?;
    if provider(&provider_name)? != Provider::Zadarma {
        return Err(ApiError::new(
            StatusCode::METHOD_NOT_ALLOWED,
            "method_not_allowed",
            "webhooks are POSTed",
        ));
    }
    let x = q
        .get("zd_echo")
        .ok_or_else(|| ApiError::invalid("zd_echo", "missing zd_echo"))?;
    Ok((
        [(header::CONTENT_TYPE, "text/plain; charset=utf-8")],
        x.clone(),
    )
        .into_response())
}

/// The incoming-call answer: forward to the tracking number's business line, record both sides.
/// The request is verified and parsed once: it is also the call's first event.
async fn voice(
    State(app): State<AppState>,
    Path((tenant, provider_name)): Path<(String, String)>,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> ApiResult<Response> {
    let tenant = path_tenant(&app, &tenant).await?;
    let provider = provider(&provider_name)?;
    if telephony::of(provider).routing_document().is_none() {
        return Err(ApiError::not_found(format!(
            "{provider} routes calls inside its own PBX; only its hooks apply"
        )));
    }
    let secret = secret(&tenant, provider.as_str())?;
    let url = public_url(&app, &uri);
    let req = WebhookRequest {
        public_url: &url,
        headers: &headers,
        body: &body,
        mango_kind: None,
    };
    let events = telephony::parse(
        provider,
        &req,
        Some(secret),
        &tenant.region,
        app.ports.clock.now(),
    )?;
    let incoming = telephony::incoming_call(&events)?;
    let dialled = numbers::look_up(&*app.ports.store, &tenant, &incoming.to).await?;
    let hooks_url = format!(
        "{}/v1/hooks/{}/{}",
        app.config.public_base_url.trim_end_matches('/'),
        tenant.id,
        provider
    );
    let vr = telephony::route(&tenant, &incoming, &dialled, hooks_url)
        .map_err(|e| ApiError::not_found(e.to_string()))?;
    // Record the call's first event before answering, so the call exists early.
    for ev in &events {
        calls::receive(&app.ports, &tenant, ev).await?;
    }
    let (content_type, body) = telephony::voice_response(provider, &vr)?;
    Ok(([(header::CONTENT_TYPE, content_type)], body).into_response())
}

/// amoCRM's deal webhooks: unsigned, so the URL's secret is checked (constant time) first.
async fn amocrm_hook(
    State(app): State<AppState>,
    Path((tenant, key)): Path<(String, String)>,
    body: Bytes,
) -> ApiResult<Response> {
    let tenant = path_tenant(&app, &tenant).await?;
    deals::amocrm::verify(&key, secret(&tenant, "amocrm")?)?;
    let now = app.ports.clock.now();
    let events = deals::amocrm::parse(&body, tenant.currency, &tenant.region, now)?;
    for ev in &events {
        tenant.check_event_time(ev.at, now)?;
    }
    let mut out = vec![];
    for ev in &events {
        let recorded = deals::record_deal(&*app.ports.store, &tenant, ev, now).await?;
        out.push(deal_answer(ev, recorded));
    }
    Ok(Json(json!({"deals": out})).into_response())
}

/// What a deal webhook is answered per deal: where it was linked, or that it changed nothing.
fn deal_answer(ev: &deals::DealEvent, recorded: DealRecorded) -> serde_json::Value {
    match recorded {
        DealRecorded::Applied(d) => {
            json!({"deal_id": d.id, "call_id": d.call_id, "channel": d.channel, "duplicate": false})
        }
        DealRecorded::Duplicate => json!({"deal_id": ev.deal_id, "duplicate": true}),
    }
}

/// Bitrix24's deal events: the token checked (constant time) first, then the deal re-read from
/// the tenant's portal, the one host its `bitrix24_rest` incoming webhook names. The portal not
/// answering is a 503 and refusing a 502: nothing is written either way.
async fn bitrix24(app: &App, tenant: &Tenant, body: &[u8]) -> ApiResult<Response> {
    use deals::bitrix24::{self, Notice, RefetchError, Rest};
    let (id, domain) = match bitrix24::notice(body, secret(tenant, "bitrix24")?)? {
        Notice::Deal { id, domain } => (id, domain),
        Notice::Ignored(event) => return Ok(Json(json!({"ignored": event})).into_response()),
    };
    let rest = tenant
        .secret("bitrix24_rest")
        .ok_or("no bitrix24_rest incoming webhook is configured for this tenant")
        .and_then(|url| {
            Rest::parse(url)
                .map_err(|_| "the tenant's bitrix24_rest is not an incoming webhook URL")
        })
        .map_err(|m| {
            ApiError::unavailable(format!("{m}, so the deal cannot be read; retry later"))
        })?;
    if let Some(d) = domain.filter(|d| d != rest.host()) {
        return Err(ApiError::invalid(
            "auth[domain]",
            format!(
                "the event is from {d}, the tenant's incoming webhook is on {}",
                rest.host()
            ),
        ));
    }
    let ev = bitrix24::fetch_deal(&*app.ports.fetcher, &rest, &id, &tenant.region)
        .await
        .map_err(|e| {
            warn!(error = %e, deal = %id, "Bitrix24 deal not re-read");
            match e {
                RefetchError::Unavailable(_) => {
                    ApiError::unavailable("the Bitrix24 portal did not answer; retry later")
                }
                RefetchError::Refused(m) => ApiError::new(
                    StatusCode::BAD_GATEWAY,
                    "bad_gateway",
                    format!("the Bitrix24 portal refused to give deal {id}: {m}"),
                ),
            }
        })?;
    let now = app.ports.clock.now();
    let recorded = deals::record_deal(&*app.ports.store, tenant, &ev, now).await?;
    Ok(Json(json!({"deals": [deal_answer(&ev, recorded)]})).into_response())
}

async fn crm(app: &App, tenant: &Tenant, headers: &HeaderMap, body: &[u8]) -> ApiResult<Response> {
    let secret = secret(tenant, "crm")?;
    let ev = deals::crm::parse(body, headers, Some(secret), &tenant.region)?;
    let now = app.ports.clock.now();
    tenant.check_event_time(ev.at, now)?;
    let out = deals::record_deal(&*app.ports.store, tenant, &ev, now).await?;
    Ok(Json(deal_answer(&ev, out)).into_response())
}
