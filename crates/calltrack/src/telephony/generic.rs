//! The generic JSON format, for PBXs (Asterisk, FreePBX, 3CX, ...) and relays that we do not
//! speak natively. The schema is ours and documented in `docs/webhooks.md`; requests are signed
//! `X-Signature: sha256=<hex HMAC-SHA256 of the raw body>` with the tenant's secret.
//!
//! A body is one event object or an array of them. Since the sender controls the format, an
//! unknown `event` word is refused (400 naming `event`) rather than guessed at.

use chrono::{DateTime, Utc};
use serde_json::Value;

use super::input::{self, json_scalar};
use super::signature::verify_generic;
use super::{WebhookError, WebhookRequest};
use crate::model::{CallEvent, Direction, EventKind, MissedReason, Outcome, Provider};

/// The most events one request may carry.
pub const MAX_EVENTS: usize = 100;

/// Verifies (with the tenant's secret) and parses a generic webhook.
pub fn parse(
    req: &WebhookRequest,
    secret: Option<&str>,
    default_region: &str,
    now: DateTime<Utc>,
) -> Result<Vec<CallEvent>, WebhookError> {
    if let Some(secret) = secret {
        verify_generic(req.headers, secret, req.body)?;
    }
    if input::body_kind(req.headers, req.body)? != input::BodyKind::Json {
        return Err(WebhookError::malformed(
            "content-type",
            "the generic format is application/json",
        ));
    }
    let v = input::json_body(req.body)?;
    match &v {
        Value::Object(_) => Ok(vec![event(&v, "", default_region, now)?]),
        Value::Array(items) if items.len() > MAX_EVENTS => Err(WebhookError::malformed(
            "body",
            format!("more than {MAX_EVENTS} events in one request"),
        )),
        Value::Array(items) => items
            .iter()
            .enumerate()
            .map(|(i, item)| event(item, &format!("[{i}]."), default_region, now))
            .collect(),
        _ => Err(WebhookError::malformed(
            "body",
            "must be an event object or an array of them",
        )),
    }
}

fn event(
    v: &Value,
    prefix: &str,
    region: &str,
    now: DateTime<Utc>,
) -> Result<CallEvent, WebhookError> {
    let bad = |f: &str, reason: String| WebhookError::malformed(format!("{prefix}{f}"), reason);
    if !v.is_object() {
        return Err(bad("", "an event must be a JSON object".into()));
    }
    let text = |f: &str| -> Result<Option<String>, WebhookError> {
        match v.get(f) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::String(s)) if s.trim().is_empty() => Ok(None),
            Some(Value::String(s)) => Ok(Some(s.trim().to_string())),
            Some(Value::Number(n)) if f == "call_id" || f == "event_id" => Ok(Some(n.to_string())),
            Some(_) => Err(bad(f, "must be a string".into())),
        }
    };
    let required = |f: &str| text(f)?.ok_or_else(|| bad(f, "is missing".into()));
    let whole = |f: &str| -> Result<Option<u64>, WebhookError> {
        match v.get(f) {
            None | Some(Value::Null) => Ok(None),
            Some(x) => x.as_u64().map(Some).ok_or_else(|| {
                bad(
                    f,
                    format!(
                        "{} is not a whole non-negative number",
                        json_scalar(x).unwrap_or_default()
                    ),
                )
            }),
        }
    };
    let secs = |f: &str| -> Result<Option<u32>, WebhookError> {
        whole(f)?
            .map(|n| u32::try_from(n).map_err(|_| bad(f, "is too large".into())))
            .transpose()
    };

    let event_id = required("event_id")?;
    let call_id = required("call_id")?;
    let word = required("event")?;
    let kind = match word.as_str() {
        "started" => EventKind::Started,
        "ringing" => EventKind::Ringing,
        "answered" => EventKind::Answered,
        "ended" => EventKind::Ended,
        "recording" => EventKind::Recording,
        other => {
            return Err(bad(
                "event",
                format!("'{other}' is not one of started, ringing, answered, ended, recording"),
            ))
        }
    };
    let direction = match text("direction")?.as_deref() {
        None | Some("inbound") => Direction::Inbound,
        Some("outbound") => Direction::Outbound,
        Some(other) => {
            return Err(bad(
                "direction",
                format!("'{other}' is not inbound or outbound"),
            ))
        }
    };
    let number = |f: &str| input::number(&format!("{prefix}{f}"), text(f)?.as_deref(), region);
    let from = number("from")?;
    let to = number("to")?;
    let at = match text("at")? {
        Some(t) => input::time(&format!("{prefix}at"), &t)?,
        None => now,
    };
    let ring_seconds = secs("ring_seconds")?;
    let talk_seconds = secs("talk_seconds")?;
    let missed_reason = match text("missed_reason")?.as_deref() {
        None => None,
        Some("no_answer") => Some(MissedReason::NoAnswer),
        Some("busy") => Some(MissedReason::Busy),
        Some("abandoned") => Some(MissedReason::Abandoned),
        Some(other) => {
            return Err(bad(
                "missed_reason",
                format!("'{other}' is not no_answer, busy or abandoned"),
            ))
        }
    };
    let outcome = match text("outcome")?.as_deref() {
        Some("answered" | "short") => Some(Outcome::Answered),
        Some("missed") => Some(Outcome::Missed),
        Some("failed") => Some(Outcome::Failed),
        Some(other) => {
            return Err(bad(
                "outcome",
                format!("'{other}' is not answered, missed or failed"),
            ))
        }
        None if kind == EventKind::Ended => match talk_seconds {
            Some(0) => Some(Outcome::Missed),
            Some(_) => Some(Outcome::Answered),
            None => None,
        },
        None => None,
    };
    let missed_reason = match (outcome, missed_reason) {
        (Some(Outcome::Missed), None) => Some(MissedReason::NoAnswer),
        (Some(Outcome::Missed), r) => r,
        _ => None,
    };
    let recording_url = text("recording_url")?;
    if let Some(u) = &recording_url {
        if !(u.starts_with("https://") || u.starts_with("http://")) {
            return Err(bad("recording_url", "is not an http(s) URL".into()));
        }
    }
    let rung = text("rung")?;
    if rung.as_ref().is_some_and(|r| r.chars().count() > 64) {
        return Err(bad("rung", "is longer than 64 characters".into()));
    }
    if kind == EventKind::Recording && recording_url.is_none() {
        return Err(bad(
            "recording_url",
            "is required on a recording event".into(),
        ));
    }
    Ok(CallEvent {
        direction,
        from,
        to,
        ring_seconds,
        talk_seconds,
        outcome,
        missed_reason,
        answered_by: text("answered_by")?,
        rung,
        recording_url,
        sequence: whole("sequence")?,
        ..CallEvent::new(Provider::Generic, call_id, event_id, kind, at)
    })
}
