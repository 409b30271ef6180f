//! Telnyx: Call Control webhooks (JSON, `data.event_type`) and TeXML status callbacks (Twilio's
//! form dialect; Telnyx documents them as JSON, so both encodings are read).
//!
//! Every request is signed with the account's ed25519 key: `telnyx-signature-ed25519` is the
//! base64 signature of `{telnyx-timestamp}|{raw body}`, verified with the account's public key
//! (base64, 32 bytes, from the Mission Control portal). A timestamp more than
//! [`TOLERANCE_SECONDS`] away from `now` is refused, so a captured request cannot be replayed.
//!
//! Recording URLs in `call.recording.saved` are presigned and expire within minutes: whoever
//! ingests the event must copy the recording at once.

use base64::Engine as _;
use chrono::{DateTime, Utc};
use ed25519_dalek::{Signature, VerifyingKey};
use serde_json::Value;

use super::input::{self, BodyKind};
use super::signature::header;
use super::{twilio, WebhookError, WebhookRequest};
use crate::model::{CallEvent, Direction, EventKind, MissedReason, Outcome, Provider};

/// How far `telnyx-timestamp` may be from our clock, either way.
pub const TOLERANCE_SECONDS: i64 = 300;

/// Verifies (with the account's public key, base64) and parses one Telnyx webhook.
pub fn parse(
    req: &WebhookRequest,
    public_key: Option<&str>,
    default_region: &str,
    now: DateTime<Utc>,
) -> Result<Vec<CallEvent>, WebhookError> {
    if let Some(key) = public_key {
        verify(req.headers, req.body, key, now)?;
    }
    match input::body_kind(req.headers, req.body)? {
        BodyKind::Form => {
            let form = input::decode_form(req.body)?;
            twilio::events_from_form(Provider::Telnyx, &form, default_region, now)
        }
        BodyKind::Json => {
            let v = input::json_body(req.body)?;
            if v.get("data").is_some() {
                call_control(&v, default_region, now)
            } else if v.get("CallSid").is_some() {
                let form = input::json_object_as_form(&v).unwrap_or_default();
                twilio::events_from_form(Provider::Telnyx, &form, default_region, now)
            } else {
                Err(WebhookError::malformed(
                    "body",
                    "neither a Call Control event (data.event_type) nor a TeXML callback (CallSid)",
                ))
            }
        }
    }
}

/// Checks `telnyx-signature-ed25519` over `{telnyx-timestamp}|{body}` and the replay window.
pub fn verify(
    headers: &http::HeaderMap,
    body: &[u8],
    public_key_b64: &str,
    now: DateTime<Utc>,
) -> Result<(), WebhookError> {
    let b64 = base64::engine::general_purpose::STANDARD;
    let key_bytes: [u8; 32] = b64
        .decode(public_key_b64.trim())
        .ok()
        .and_then(|k| k.try_into().ok())
        .ok_or_else(|| {
            WebhookError::signature("the Telnyx public key must be 32 bytes in base64")
        })?;
    let key = VerifyingKey::from_bytes(&key_bytes)
        .map_err(|_| WebhookError::signature("the Telnyx public key is not a valid ed25519 key"))?;
    let ts_text = header(headers, "telnyx-timestamp")?;
    let ts: i64 = ts_text
        .parse()
        .map_err(|_| WebhookError::signature("telnyx-timestamp is not unix seconds"))?;
    if (now.timestamp() - ts).abs() > TOLERANCE_SECONDS {
        return Err(WebhookError::signature(format!(
            "telnyx-timestamp is {} s from now (tolerance {TOLERANCE_SECONDS} s): replayed or clock skew",
            now.timestamp() - ts
        )));
    }
    let sig = b64
        .decode(header(headers, "telnyx-signature-ed25519")?)
        .ok()
        .and_then(|s| Signature::from_slice(&s).ok())
        .ok_or_else(|| {
            WebhookError::signature("telnyx-signature-ed25519 is not a base64 ed25519 signature")
        })?;
    let mut msg = Vec::with_capacity(ts_text.len() + 1 + body.len());
    msg.extend_from_slice(ts_text.as_bytes());
    msg.push(b'|');
    msg.extend_from_slice(body);
    // verify_strict rejects weak keys and malleable signatures; it compares in constant time.
    key.verify_strict(&msg, &sig)
        .map_err(|_| WebhookError::signature("telnyx-signature-ed25519 does not match the body"))
}

fn str_at<'v>(v: &'v Value, path: &[&str]) -> Option<&'v str> {
    path.iter()
        .try_fold(v, |v, k| v.get(k))?
        .as_str()
        .filter(|s| !s.trim().is_empty())
}

fn call_control(
    v: &Value,
    region: &str,
    now: DateTime<Utc>,
) -> Result<Vec<CallEvent>, WebhookError> {
    let data = &v["data"];
    let event_type = str_at(data, &["event_type"])
        .ok_or_else(|| WebhookError::malformed("data.event_type", "is missing"))?;
    if !event_type.starts_with("call.") {
        // Messaging, fax and other products share the webhook URL; they are not calls.
        return Ok(Vec::new());
    }
    let id =
        str_at(data, &["id"]).ok_or_else(|| WebhookError::malformed("data.id", "is missing"))?;
    let p = &data["payload"];
    let provider_call_id = str_at(p, &["call_session_id"])
        .or_else(|| str_at(p, &["call_control_id"]))
        .ok_or_else(|| WebhookError::malformed("data.payload.call_session_id", "is missing"))?
        .to_string();
    let at = match str_at(data, &["occurred_at"]) {
        Some(t) => input::time("data.occurred_at", t)?,
        None => now,
    };
    let direction = match str_at(p, &["direction"]) {
        Some("outgoing") => Direction::Outbound,
        _ => Direction::Inbound,
    };
    let from = input::number("data.payload.from", str_at(p, &["from"]), region)?;
    let to = input::number("data.payload.to", str_at(p, &["to"]), region)?;
    let mut event = CallEvent {
        direction,
        from,
        to,
        ..CallEvent::new(
            Provider::Telnyx,
            provider_call_id,
            id,
            EventKind::Started,
            at,
        )
    };
    match event_type {
        "call.initiated" => {}
        "call.answered" => event.kind = EventKind::Answered,
        "call.hangup" => {
            event.kind = EventKind::Ended;
            let cause = str_at(p, &["hangup_cause"]).unwrap_or("");
            match hangup_outcome(cause) {
                Some((outcome, reason)) => {
                    event.outcome = Some(outcome);
                    event.missed_reason = reason;
                }
                None => {
                    event.raw_status = Some(if cause.is_empty() {
                        "hangup".into()
                    } else {
                        cause.to_string()
                    })
                }
            }
        }
        "call.recording.saved" => {
            event.kind = EventKind::Recording;
            let url = ["recording_urls", "public_recording_urls"]
                .iter()
                .flat_map(|k| ["wav", "mp3"].map(|f| str_at(p, &[k, f])))
                .flatten()
                .next()
                .ok_or_else(|| {
                    WebhookError::malformed("data.payload.recording_urls", "has no wav or mp3 URL")
                })?;
            event.recording_url = Some(url.to_string());
        }
        other => event.raw_status = Some(other.to_string()),
    }
    Ok(vec![event])
}

/// A Call Control `hangup_cause` as an outcome; `None` for causes we do not know.
fn hangup_outcome(cause: &str) -> Option<(Outcome, Option<MissedReason>)> {
    Some(match cause {
        "normal_clearing" => (Outcome::Answered, None),
        "originator_cancel" => (Outcome::Missed, Some(MissedReason::Abandoned)),
        "user_busy" | "call_rejected" => (Outcome::Missed, Some(MissedReason::Busy)),
        "timeout" | "no_answer" => (Outcome::Missed, Some(MissedReason::NoAnswer)),
        "unallocated_number"
        | "not_found"
        | "destination_out_of_order"
        | "network_out_of_order"
        | "service_unavailable"
        | "invalid_number_format"
        | "unspecified" => (Outcome::Failed, None),
        _ => return None,
    })
}
