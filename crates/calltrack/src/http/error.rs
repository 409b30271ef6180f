//! The error shape every route answers with: `{"error": {"code", "message", "field"}}`.

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde_json::json;

use crate::model::Invalid;
use crate::ports::{BlobError, StoreError};

/// An HTTP error: a status, a stable code, a message for people and, for bad input, the field.
#[derive(Debug)]
pub struct ApiError {
    pub status: StatusCode,
    pub code: &'static str,
    pub message: String,
    pub field: Option<String>,
    /// Sent as `Retry-After` (whole seconds) with a 429.
    pub retry_after: Option<u64>,
}

impl ApiError {
    pub fn new(status: StatusCode, code: &'static str, message: impl Into<String>) -> Self {
        Self {
            status,
            code,
            message: message.into(),
            field: None,
            retry_after: None,
        }
    }

    /// 429: come back after `seconds`.
    pub fn rate_limited(seconds: u64, message: impl Into<String>) -> Self {
        Self {
            retry_after: Some(seconds),
            ..Self::new(StatusCode::TOO_MANY_REQUESTS, "rate_limited", message)
        }
    }

    /// 400 naming the field that is wrong.
    pub fn invalid(field: impl Into<String>, message: impl Into<String>) -> Self {
        Self {
            field: Some(field.into()),
            ..Self::new(StatusCode::BAD_REQUEST, "invalid", message)
        }
    }

    pub fn unauthorized(message: impl Into<String>) -> Self {
        Self::new(StatusCode::UNAUTHORIZED, "unauthorized", message)
    }

    pub fn not_found(message: impl Into<String>) -> Self {
        Self::new(StatusCode::NOT_FOUND, "not_found", message)
    }

    pub fn gone(message: impl Into<String>) -> Self {
        Self::new(StatusCode::GONE, "gone", message)
    }

    /// A dependency failed: 503 so the sender retries.
    pub fn unavailable(message: impl Into<String>) -> Self {
        Self::new(StatusCode::SERVICE_UNAVAILABLE, "unavailable", message)
    }
}

impl From<Invalid> for ApiError {
    fn from(e: Invalid) -> Self {
        Self::invalid(e.field, e.reason)
    }
}

impl From<StoreError> for ApiError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::Invalid(i) => i.into(),
            StoreError::Conflict(m) => Self::new(StatusCode::CONFLICT, "conflict", m),
            StoreError::Unavailable(m) | StoreError::Corrupt(m) => {
                tracing::error!(error = %m, "store failure");
                Self::unavailable("the store is unavailable; retry later")
            }
        }
    }
}

impl From<BlobError> for ApiError {
    fn from(e: BlobError) -> Self {
        match e {
            BlobError::NotFound(k) => Self::not_found(format!("no blob at {k}")),
            BlobError::Unavailable(m) => {
                tracing::error!(error = %m, "blob store failure");
                Self::unavailable("the blob store is unavailable; retry later")
            }
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let body =
            json!({"error": {"code": self.code, "message": self.message, "field": self.field}});
        let mut resp = (self.status, axum::Json(body)).into_response();
        if let Some(s) = self.retry_after {
            resp.headers_mut()
                .insert(axum::http::header::RETRY_AFTER, s.into());
        }
        resp
    }
}

/// What handlers return.
pub type ApiResult<T> = Result<T, ApiError>;

/// Gives an error the framework answered itself (a body over the limit, a path segment that is
/// not UTF-8, a missing content type) the same JSON shape as ours; the status stays as it is.
pub async fn json_errors(resp: Response) -> Response {
    let status = resp.status();
    let is_json = resp
        .headers()
        .get(axum::http::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/json"));
    if !(status.is_client_error() || status.is_server_error()) || is_json {
        return resp;
    }
    let (code, field, message) = match status {
        StatusCode::PAYLOAD_TOO_LARGE => (
            "too_large",
            Some("body"),
            format!("the body is over {} KiB", super::MAX_BODY_BYTES / 1024),
        ),
        StatusCode::UNSUPPORTED_MEDIA_TYPE => (
            "unsupported_media_type",
            Some("content-type"),
            "this content type is not accepted here".to_string(),
        ),
        StatusCode::BAD_REQUEST => (
            "invalid",
            Some("path"),
            "the request path or query cannot be read (not valid UTF-8 or not well formed)"
                .to_string(),
        ),
        _ => (
            "error",
            None,
            status
                .canonical_reason()
                .unwrap_or("request failed")
                .to_ascii_lowercase(),
        ),
    };
    let mut e = ApiError::new(status, code, message);
    e.field = field.map(str::to_string);
    e.into_response()
}
