//! Telephony providers: parse and verify webhooks into normalised call events.
//!
//! Every provider tells us about calls in its own words and signs its requests its own way. This
//! module is the one place that knows those words and signatures: a request goes in, verified
//! [`CallEvent`]s in the product's vocabulary come out (DESIGN: Vocabulary), and nothing else in
//! the product needs to know who sent them.
//!
//! - [`parse`] verifies and normalises one webhook of any provider; each provider's module
//!   ([`twilio`], [`telnyx`], [`zadarma`], [`mango`], [`generic`]) does its own part, and
//!   [`of`] says what each can do (signature header, routing, stereo recordings).
//! - [`route`] decides how an incoming call is routed and [`voice_response`] writes the answer
//!   for the providers that ask us (Twilio TwiML, Telnyx TeXML): forward to the business line
//!   and record both channels.
//!
//! CRM deal webhooks are not telephony: they live in [`crate::deals`].
//!
//! All of it is pure: no I/O, the time comes in as `now`, and a bad request is an error value,
//! never a panic. Signatures are compared in constant time ([`signature`]).

pub mod generic;
pub(crate) mod input;
pub mod mango;
mod provider;
pub mod signature;
pub mod telnyx;
pub mod twilio;
pub mod voice;
pub mod zadarma;

use chrono::{DateTime, Utc};

use crate::model::{CallEvent, Invalid, PhoneNumber, Provider};

pub use provider::{of, ProviderWebhooks};
pub use voice::{incoming_call, route, voice_response, IncomingCall, VoiceRequest};

/// A webhook request as received, with the public URL it was sent to (built from
/// `PUBLIC_BASE_URL` + path + query, never from the Host header).
#[derive(Debug, Clone, Copy)]
pub struct WebhookRequest<'a> {
    pub public_url: &'a str,
    pub headers: &'a http::HeaderMap,
    pub body: &'a [u8],
    /// Mango Office: the `{kind}` path segment after `/events/` (`call`, `summary`, `recording`,
    /// `record/added`, ...). `None` elsewhere; for Mango it is then guessed from the payload.
    pub mango_kind: Option<&'a str>,
}

/// Why a webhook was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum WebhookError {
    /// The signature is missing, wrong or stale, or the tenant's secret cannot verify it.
    /// HTTP 401; the CLI exits 3. Nothing may be written.
    #[error("signature: {0}")]
    Signature(String),
    /// The request cannot be read: HTTP 400 with the field and reason; the CLI exits 4.
    #[error("{field}: {reason}")]
    Malformed { field: String, reason: String },
}

impl WebhookError {
    pub(crate) fn malformed(field: impl Into<String>, reason: impl Into<String>) -> Self {
        Self::Malformed {
            field: field.into(),
            reason: reason.into(),
        }
    }

    pub(crate) fn signature(reason: impl Into<String>) -> Self {
        Self::Signature(reason.into())
    }

    /// The HTTP status the edge answers with: 401 for a signature, 400 for a malformed request.
    pub fn http_status(&self) -> u16 {
        match self {
            Self::Signature(_) => 401,
            Self::Malformed { .. } => 400,
        }
    }

    /// The field at fault, when there is one (for the `{"error": {"field"}}` body).
    pub fn field(&self) -> Option<&str> {
        match self {
            Self::Signature(_) => None,
            Self::Malformed { field, .. } => Some(field),
        }
    }
}

/// For providers that sign a field of the body (Zadarma, Mango): with a secret configured, a
/// request whose shape cannot even show what it signs is refused as unsigned (401, nothing
/// said about its shape); without one (the CLI) the shape error itself is the answer.
pub(crate) fn unsigned_when_verifying(
    secret: Option<&str>,
) -> impl Fn(WebhookError) -> WebhookError + '_ {
    move |e| match secret {
        Some(_) => WebhookError::signature(format!("not a validly signed request ({e})")),
        None => e,
    }
}

impl From<Invalid> for WebhookError {
    fn from(e: Invalid) -> Self {
        Self::Malformed {
            field: e.field,
            reason: e.reason,
        }
    }
}

/// Verifies (when `secret` is given) and parses one provider webhook into normalised events.
///
/// `secret` is the tenant's verification material for that provider (see `docs/webhooks.md`):
/// `None` parses without verifying, which only the CLI does; the HTTP route always verifies and
/// treats a missing secret as a refused signature. `default_region` (ISO 3166 alpha-2) reads
/// numbers written without a country code; `now` judges replay windows and stands in for the
/// event time when the provider gives none.
///
/// An empty list is a valid answer: the request was understood but says nothing about a call's
/// lifecycle (a Mango hold, a recording that only started, a Telnyx non-call event).
pub fn parse(
    provider: Provider,
    req: &WebhookRequest,
    secret: Option<&str>,
    default_region: &str,
    now: DateTime<Utc>,
) -> Result<Vec<CallEvent>, WebhookError> {
    let events = of(provider).parse(req, secret, default_region, now)?;
    for e in &events {
        tracing::debug!(
            provider = provider.as_str(),
            provider_call_id = %e.provider_call_id,
            event = ?e.kind,
            from = e.from.as_ref().map(PhoneNumber::masked),
            to = e.to.as_ref().map(PhoneNumber::masked),
            "webhook event parsed"
        );
    }
    Ok(events)
}
