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
//!
//! The signature leaves `pbx_call_id`, durations and the disposition unsigned, so what is unsigned
//! is bound to what is signed: an event's identity (the claim a redelivery finds) is the event
//! name plus a digest of the signed string, whatever `pbx_call_id` it carries; the call keeps a
//! binding of its signed caller and start ([`CallEvent::binding`]), and an event for that call id
//! with another binding is refused; a `call_start` more than [`MAX_AGE_HOURS`] from now (in any
//! zone) is a replay. What stays possible is written in docs/webhooks.md.

use base64::Engine as _;
use chrono::{DateTime, Utc};

use super::input::{self, Form};
use super::signature::{ct_eq, header, hmac_sha1, sha256_hex};
use super::{WebhookError, WebhookRequest};
use crate::model::{CallEvent, Direction, EventKind, MissedReason, Outcome, Provider};
use crate::ports::FetchRequest;

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

/// How far `call_start` (the account's local time, any zone from UTC-12 to UTC+14) may lie from
/// now before a notification is taken for a replay: a day's zone spread plus a long call and
/// Zadarma's retries. Event claims are kept far longer ([`crate::calls`]), so a replay inside
/// this window finds its claim.
pub const MAX_AGE_HOURS: i64 = 48;

/// Zadarma's API host; recordings are requested from `pbx/record/request`.
pub const API_BASE: &str = "https://api.zadarma.com";

/// The signed API request for a recording's link: `GET /v1/pbx/record/request/` with
/// `call_id` (the notification's `call_id_with_rec`) and `format=json`, authorised as Zadarma's
/// own client does: `Authorization: {key}:{base64(hex(HMAC-SHA1(secret, method + query +
/// md5(query))))}` over the parameters sorted by name, form-encoded.
pub fn record_request(key: &str, secret: &str, call_id_with_rec: &str) -> FetchRequest {
    let method = "/v1/pbx/record/request/";
    let query = serde_urlencoded::to_string([("call_id", call_id_with_rec), ("format", "json")])
        .unwrap_or_default();
    FetchRequest::get(format!("{API_BASE}{method}?{query}")).header(
        "authorization",
        format!("{key}:{}", api_signature(secret, method, &query)),
    )
}

/// The signature of one API call (see [`record_request`]).
pub fn api_signature(secret: &str, method: &str, query: &str) -> String {
    use md5::Digest as _;
    let md5 = hex::encode(md5::Md5::digest(query.as_bytes()));
    let mac = hmac_sha1(
        secret.as_bytes(),
        format!("{method}{query}{md5}").as_bytes(),
    );
    base64::engine::general_purpose::STANDARD.encode(hex::encode(mac))
}

/// The download link in `pbx/record/request`'s answer (`link`, or the first of `links`).
pub fn record_link(answer: &[u8]) -> Result<String, String> {
    let v: serde_json::Value =
        serde_json::from_slice(answer).map_err(|e| format!("the API answered no JSON ({e})"))?;
    if v.get("status").and_then(|s| s.as_str()) != Some("success") {
        let msg = v
            .get("message")
            .and_then(|m| m.as_str())
            .unwrap_or("no message");
        return Err(format!("the API refused: {msg}"));
    }
    v.get("link")
        .and_then(|l| l.as_str())
        .or_else(|| v.pointer("/links/0").and_then(|l| l.as_str()))
        .map(str::to_string)
        .ok_or_else(|| "the API answered no link".to_string())
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
    let signed = signed_string(form).unwrap_or_default();
    let binding = match event {
        "NOTIFY_RECORD" => None,
        _ => {
            let start = input::get(form, "call_start").unwrap_or("").trim();
            check_fresh(start, now)?;
            let who = if outbound { "destination" } else { "caller_id" };
            let who = input::get(form, who).unwrap_or("").trim();
            Some(sha256_hex(format!("{who}\n{start}").as_bytes())[..32].to_string())
        }
    };
    let mut e = CallEvent {
        binding,
        direction: if outbound {
            Direction::Outbound
        } else {
            Direction::Inbound
        },
        ..CallEvent::new(
            Provider::Zadarma,
            pbx_call_id.clone(),
            format!("{event}:{}", &sha256_hex(signed.as_bytes())[..32]),
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
                // The call now rings at an extension; a further extension rung is a duplicate
                // (the extension is unsigned, so it cannot make a notification new): the first
                // extension rung is the one a missed call counts against.
                e.kind = EventKind::Ringing;
                e.rung = extension.map(str::to_string);
            }
        }
        "NOTIFY_ANSWER" => {
            e.kind = EventKind::Answered;
            e.from = input::number("caller_id", input::get(form, "caller_id"), region)?;
            e.answered_by = extension.map(str::to_string);
            e.rung = e.answered_by.clone();
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
            e.recording_id = Some(rec.trim().to_string());
        }
        "NOTIFY_OUT_START" => {}
        _ => {}
    }
    Ok(vec![e])
}

/// Refuses a `call_start` too far from now to be a live notification (400 naming it).
fn check_fresh(start: &str, now: DateTime<Utc>) -> Result<(), WebhookError> {
    if start.is_empty() {
        return Ok(());
    }
    let at = chrono::NaiveDateTime::parse_from_str(start, "%Y-%m-%d %H:%M:%S").map_err(|_| {
        WebhookError::malformed(
            "call_start",
            format!("'{start}' is not YYYY-MM-DD HH:MM:SS"),
        )
    })?;
    let off = (now.naive_utc() - at).num_hours().abs();
    if off > MAX_AGE_HOURS {
        return Err(WebhookError::malformed(
            "call_start",
            format!(
                "'{start}' is more than {MAX_AGE_HOURS} hours from now: a replayed notification"
            ),
        ));
    }
    Ok(())
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

    /// The vector computed by an independent implementation of Zadarma's PHP client
    /// (`base64_encode(hash_hmac('sha1', $method . $query . md5($query), $secret))`).
    #[test]
    fn recording_requests_are_signed_as_zadarmas_client_signs_them() {
        let req = record_request("zd-key", "zd-secret", "1758291234.2345678");
        assert_eq!(
            req.url,
            "https://api.zadarma.com/v1/pbx/record/request/?call_id=1758291234.2345678&format=json"
        );
        assert_eq!(
            req.headers,
            vec![(
                "authorization".to_string(),
                "zd-key:YmJjYTMxOTgwNmJjNTk5MTViNGY0ZjM3YmZlZGNhMzI5NTQ4OGQxZA==".to_string()
            )]
        );
    }

    #[test]
    fn the_record_link_is_read_from_link_or_links_and_refusals_say_why() {
        let one =
            br#"{"status":"success","link":"https://api.zadarma.com/r/1.mp3","lifetime_till":"x"}"#;
        assert_eq!(record_link(one).unwrap(), "https://api.zadarma.com/r/1.mp3");
        let many = br#"{"status":"success","links":["https://api.zadarma.com/r/2.mp3"]}"#;
        assert_eq!(
            record_link(many).unwrap(),
            "https://api.zadarma.com/r/2.mp3"
        );
        let refused = br#"{"status":"error","message":"record not found"}"#;
        assert!(record_link(refused)
            .unwrap_err()
            .contains("record not found"));
        assert!(record_link(b"<html>").is_err());
    }

    #[test]
    fn echo_returns_the_zd_echo_value() {
        assert_eq!(echo("?zd_echo=abc123").as_deref(), Some("abc123"));
        assert_eq!(echo("a=1&zd_echo=x%20y").as_deref(), Some("x y"));
        assert_eq!(echo("a=1"), None);
    }
}
