//! Zadarma PBX notifications (form POST, `event=NOTIFY_*`), verified by the `Signature` header.
//!
//! The signature is base64 of the *hex string* of HMAC-SHA1(API secret, S), where S is a
//! concatenation of fields that depends on the event:
//! START/INTERNAL/END: `caller_id + called_did + call_start`; ANSWER: `caller_id + destination +
//! call_start`; OUT_START/OUT_END: `internal + destination + call_start`; RECORD:
//! `pbx_call_id + call_id_with_rec`.
//!
//! Zadarma checks a URL before it sends anything with `GET ?zd_echo=X`, expecting `X` back; see
//! [`echo`]. The call's `call_start` carries no time zone (it is the account's local time), so an
//! event's time is the time we received it: Zadarma notifies as the call happens.

use base64::Engine as _;
use chrono::{DateTime, Utc};

use super::input::{self, Form};
use super::signature::{ct_eq, header, hmac_sha1};
use super::{WebhookError, WebhookRequest};
use crate::model::{CallEvent, Direction, EventKind, MissedReason, Outcome, Provider};

/// The answer to Zadarma's URL check: the value of `zd_echo` in the query string, if present.
pub fn echo(query: &str) -> Option<String> {
    serde_urlencoded::from_str::<Vec<(String, String)>>(query.trim_start_matches('?'))
        .ok()?
        .into_iter()
        .find(|(k, _)| k == "zd_echo")
        .map(|(_, v)| v)
}

/// The fields whose concatenation is signed, per event; `None` for events we do not know.
fn signed_fields(event: &str) -> Option<[&'static str; 3]> {
    Some(match event {
        "NOTIFY_START" | "NOTIFY_INTERNAL" | "NOTIFY_END" | "NOTIFY_IVR" => {
            ["caller_id", "called_did", "call_start"]
        }
        "NOTIFY_ANSWER" => ["caller_id", "destination", "call_start"],
        "NOTIFY_OUT_START" | "NOTIFY_OUT_END" => ["internal", "destination", "call_start"],
        "NOTIFY_RECORD" => ["pbx_call_id", "call_id_with_rec", ""],
        _ => return None,
    })
}

/// The `Signature` header value Zadarma sends for a form (for tests and tools).
pub fn sign(form: &[(String, String)], secret: &str) -> Option<String> {
    let s = signed_string(form)?;
    let hex_mac = hex::encode(hmac_sha1(secret.as_bytes(), s.as_bytes()));
    Some(base64::engine::general_purpose::STANDARD.encode(hex_mac))
}

fn signed_string(form: &[(String, String)]) -> Option<String> {
    let fields = signed_fields(input::get(form, "event")?.trim())?;
    Some(
        fields
            .iter()
            .filter(|f| !f.is_empty())
            .map(|f| input::get(form, f).unwrap_or(""))
            .collect(),
    )
}

/// Verifies (with the API secret) and parses one Zadarma notification. Events we do not know
/// (SMS, speech recognition, ...) are acknowledged with no call events, and nothing is written.
pub fn parse(
    req: &WebhookRequest,
    secret: Option<&str>,
    default_region: &str,
    now: DateTime<Utc>,
) -> Result<Vec<CallEvent>, WebhookError> {
    let unsigned = super::unsigned_when_verifying(secret);
    let form = input::form_body(req.headers, req.body, "Zadarma").map_err(&unsigned)?;
    let event = input::require(&form, "event")
        .map_err(&unsigned)?
        .to_string();
    if signed_fields(&event).is_none() {
        tracing::debug!(provider = "zadarma", event = %event, "notification ignored");
        return Ok(Vec::new());
    }
    if let Some(secret) = secret {
        verify(req.headers, &form, secret)?;
    }
    events(&form, &event, default_region, now)
}

/// Checks the `Signature` header for a decoded form.
pub fn verify(headers: &http::HeaderMap, form: &Form, secret: &str) -> Result<(), WebhookError> {
    let given = header(headers, "signature")?;
    let want = sign(form, secret)
        .ok_or_else(|| WebhookError::signature("no signature is defined for this event"))?;
    if ct_eq(given.as_bytes(), want.as_bytes()) {
        Ok(())
    } else {
        Err(WebhookError::signature(
            "Signature does not match the notification",
        ))
    }
}

fn events(
    form: &Form,
    event: &str,
    region: &str,
    now: DateTime<Utc>,
) -> Result<Vec<CallEvent>, WebhookError> {
    let pbx_call_id = input::require(form, "pbx_call_id")?.to_string();
    let outbound = event.starts_with("NOTIFY_OUT_");
    let mut e = CallEvent {
        direction: if outbound {
            Direction::Outbound
        } else {
            Direction::Inbound
        },
        ..CallEvent::new(
            Provider::Zadarma,
            pbx_call_id.clone(),
            format!("{pbx_call_id}:{event}"),
            EventKind::Started,
            now,
        )
    };
    let extension = input::get(form, "internal")
        .map(str::trim)
        .filter(|s| !s.is_empty());
    match event {
        "NOTIFY_START" | "NOTIFY_INTERNAL" | "NOTIFY_IVR" | "NOTIFY_END" => {
            e.from = input::number("caller_id", input::get(form, "caller_id"), region)?;
            e.to = input::number("called_did", input::get(form, "called_did"), region)?;
            if event == "NOTIFY_INTERNAL" {
                // The call now rings at an extension.
                e.kind = EventKind::Ringing;
                e.event_id = format!("{pbx_call_id}:{event}:{}", extension.unwrap_or("-"));
            }
        }
        "NOTIFY_ANSWER" => {
            e.kind = EventKind::Answered;
            e.from = input::number("caller_id", input::get(form, "caller_id"), region)?;
            e.answered_by = extension.map(str::to_string);
        }
        _ => {
            // OUT_*: `caller_id` is the line the call goes out from, `destination` the customer.
            e.from = input::number("caller_id", input::get(form, "caller_id"), region)?;
            e.to = input::number("destination", input::get(form, "destination"), region)?;
        }
    }
    match event {
        "NOTIFY_END" | "NOTIFY_OUT_END" => {
            e.kind = EventKind::Ended;
            let duration = match input::get(form, "duration").filter(|d| !d.trim().is_empty()) {
                Some(d) => Some(input::seconds("duration", d)?),
                None => None,
            };
            let disposition = input::get(form, "disposition")
                .unwrap_or("")
                .trim()
                .to_ascii_lowercase();
            match disposition_outcome(&disposition, duration) {
                Some((o, r)) => {
                    e.outcome = Some(o);
                    e.missed_reason = r;
                }
                None => e.raw_status = Some(disposition),
            }
            e.talk_seconds = if e.outcome == Some(Outcome::Answered) {
                duration
            } else {
                duration.map(|_| 0)
            };
            e.answered_by = if e.outcome == Some(Outcome::Answered) {
                extension.map(str::to_string)
            } else {
                None
            };
        }
        "NOTIFY_RECORD" => {
            // The recording is fetched through Zadarma's API (pbx/record/request) by this id.
            let rec = input::require(form, "call_id_with_rec")?;
            e.kind = EventKind::Recording;
            e.from = None;
            e.to = None;
            e.event_id = format!("{pbx_call_id}:{event}:{rec}");
            e.raw_status = Some(format!("call_id_with_rec={rec}"));
        }
        "NOTIFY_OUT_START" => {}
        _ => {}
    }
    Ok(vec![e])
}

/// A Zadarma `disposition` as an outcome; `None` for words we do not know.
fn disposition_outcome(d: &str, duration: Option<u32>) -> Option<(Outcome, Option<MissedReason>)> {
    Some(match d {
        "answered" if duration == Some(0) => (Outcome::Missed, Some(MissedReason::NoAnswer)),
        "answered" => (Outcome::Answered, None),
        "busy" => (Outcome::Missed, Some(MissedReason::Busy)),
        "cancel" => (Outcome::Missed, Some(MissedReason::Abandoned)),
        "no answer" => (Outcome::Missed, Some(MissedReason::NoAnswer)),
        "failed" | "no money" | "unallocated number" | "no limit" | "no day limit"
        | "line limit" | "no money, no limit" => (Outcome::Failed, None),
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn echo_returns_the_zd_echo_value() {
        assert_eq!(echo("?zd_echo=abc123").as_deref(), Some("abc123"));
        assert_eq!(echo("a=1&zd_echo=x%20y").as_deref(), Some("x y"));
        assert_eq!(echo("a=1"), None);
    }
}
