//! One axum router for every HTTP route, served by `calltrack serve` and by the Lambda functions
//! (lambda_http runs it as a tower service), so local and cloud behave the same.

mod api;
mod error;
mod hooks;
pub mod leases;

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::DefaultBodyLimit;
use axum::http::{HeaderMap, StatusCode};
use axum::routing::get;
use axum::Router;
use serde::de::DeserializeOwned;

pub use crate::numbers::limits::Source;
pub use error::{ApiError, ApiResult};

use crate::model::{Tenant, TenantId};
use crate::ports::Ports;

/// Bodies larger than this are refused with 413 before any parsing.
pub const MAX_BODY_BYTES: usize = 256 * 1024;

/// Settings the router needs from the environment.
#[derive(Debug, Clone)]
pub struct HttpConfig {
    /// The public URL providers post to (`https://api.example.com`), from `PUBLIC_BASE_URL`.
    /// Webhook signatures are checked against it, never against the Host header.
    pub public_base_url: String,
}

/// Everything a request handler may use: the ports and the settings, built once at start.
pub struct App {
    pub ports: Ports,
    pub config: HttpConfig,
}

impl App {
    /// The application over a set of adapters.
    pub fn new(ports: Ports, config: HttpConfig) -> Arc<Self> {
        Arc::new(Self { ports, config })
    }
}

pub type AppState = Arc<App>;

/// The router for every route in DESIGN.md's Interfaces.
pub fn router(app: AppState) -> Router {
    Router::new()
        .route(
            "/healthz",
            get(|| async { axum::Json(serde_json::json!({"ok": true})) }),
        )
        .merge(leases::routes())
        .merge(hooks::routes())
        .merge(api::routes())
        .fallback(|| async { ApiError::not_found("no such route") })
        .method_not_allowed_fallback(|| async {
            ApiError::new(
                StatusCode::METHOD_NOT_ALLOWED,
                "method_not_allowed",
                "method not allowed on this route",
            )
        })
        .layer(DefaultBodyLimit::max(MAX_BODY_BYTES))
        .layer(axum::middleware::map_response(error::json_errors))
        .layer(axum::middleware::map_request(unknown_source))
        .with_state(app)
}

/// A request no edge labelled with its [`Source`] (serve and the Lambdas do) comes from an
/// unknown source: every such request shares one rate bucket.
async fn unknown_source(mut req: axum::extract::Request) -> axum::extract::Request {
    if req.extensions().get::<Source>().is_none() {
        req.extensions_mut().insert(Source(None));
    }
    req
}

/// Where a request came from when `peer` connected to us: the peer itself, unless it is one of
/// the `trusted` proxies, then the rightmost `X-Forwarded-For` address that is not (the first
/// hop a trusted proxy saw); a malformed entry stops the walk at the last trusted address.
pub fn source_from(
    peer: std::net::IpAddr,
    forwarded_for: Option<&str>,
    trusted: &[ipnet::IpNet],
) -> Source {
    let is_trusted = |ip: &std::net::IpAddr| trusted.iter().any(|n| n.contains(ip));
    let mut source = peer;
    if is_trusted(&peer) {
        for hop in forwarded_for.unwrap_or("").rsplit(',') {
            match hop.trim().parse::<std::net::IpAddr>() {
                Ok(ip) => {
                    source = ip;
                    if !is_trusted(&ip) {
                        break;
                    }
                }
                Err(_) => break,
            }
        }
    }
    Source(Some(source))
}

/// Reads a JSON body whatever its content type says (the snippet's `sendBeacon` sends
/// `text/plain`), naming the offending field when it does not fit.
pub fn json_body<T: DeserializeOwned>(body: &Bytes) -> ApiResult<T> {
    if body.is_empty() {
        return Err(ApiError::invalid(
            "body",
            "the request body is empty; send a JSON object",
        ));
    }
    let mut de = serde_json::Deserializer::from_slice(body);
    deserialize_whole(&mut de)
}

/// Deserialises one value that must be the whole body; the field named in serde's message (a
/// missing or unknown one) becomes the error's `field`.
fn deserialize_whole<T: DeserializeOwned>(
    de: &mut serde_json::Deserializer<serde_json::de::SliceRead<'_>>,
) -> ApiResult<T> {
    let v = T::deserialize(&mut *de).map_err(|e| {
        let msg = e.to_string();
        let field = msg
            .split('`')
            .nth(1)
            .filter(|_| msg.contains("missing field") || msg.contains("unknown field"))
            .unwrap_or("body")
            .to_string();
        ApiError::invalid(field, format!("the body is not valid: {msg}"))
    })?;
    de.end().map_err(|e| {
        ApiError::invalid("body", format!("trailing data after the JSON object: {e}"))
    })?;
    Ok(v)
}

/// Authenticates `Authorization: Bearer <api key>` and loads the key's tenant. 401 otherwise.
pub async fn authenticate(app: &App, headers: &HeaderMap) -> ApiResult<Tenant> {
    let key = headers
        .get(axum::http::header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .map(str::trim)
        .ok_or_else(|| {
            ApiError::unauthorized("send the tenant API key as 'Authorization: Bearer <key>'")
        })?;
    crate::tenants::tenant_for_api_key(&*app.ports.store, key)
        .await?
        .ok_or_else(|| ApiError::unauthorized("invalid API key"))
}

/// Loads a tenant named in a path, 404 when unknown.
pub async fn path_tenant(app: &App, id: &str) -> ApiResult<Tenant> {
    let id = TenantId::parse(id).map_err(|_| ApiError::not_found("unknown tenant"))?;
    app.ports
        .store
        .get_tenant(&id)
        .await?
        .ok_or_else(|| ApiError::not_found("unknown tenant"))
}
