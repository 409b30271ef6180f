//! Reading untrusted webhook bodies: content type, UTF-8, forms, JSON, numbers and times, each
//! failure naming the field at fault.

use chrono::{DateTime, NaiveDateTime, TimeZone, Utc};

use super::WebhookError;
use crate::model::PhoneNumber;

/// The body's media type as the sender declared it (lowercase, without parameters).
pub(crate) fn content_type(headers: &http::HeaderMap) -> Option<String> {
    let v = headers.get(http::header::CONTENT_TYPE)?.to_str().ok()?;
    Some(
        v.split(';')
            .next()
            .unwrap_or("")
            .trim()
            .to_ascii_lowercase(),
    )
}

/// What a body is, from its declared content type or, without one, from its first byte.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum BodyKind {
    Form,
    Json,
}

pub(crate) fn body_kind(headers: &http::HeaderMap, body: &[u8]) -> Result<BodyKind, WebhookError> {
    match content_type(headers).as_deref() {
        Some("application/x-www-form-urlencoded") => Ok(BodyKind::Form),
        Some(ct) if ct == "application/json" || ct.ends_with("+json") => Ok(BodyKind::Json),
        Some(other) => Err(WebhookError::malformed(
            "content-type",
            format!("'{other}' is neither application/x-www-form-urlencoded nor application/json"),
        )),
        None => Ok(if looks_like_json(body) {
            BodyKind::Json
        } else {
            BodyKind::Form
        }),
    }
}

fn looks_like_json(body: &[u8]) -> bool {
    matches!(
        body.iter().find(|b| !b.is_ascii_whitespace()),
        Some(b'{') | Some(b'[')
    )
}

/// The body as text, or a 400 naming the body.
pub(crate) fn utf8(body: &[u8]) -> Result<&str, WebhookError> {
    std::str::from_utf8(body).map_err(|e| {
        WebhookError::malformed(
            "body",
            format!("not valid UTF-8 (at byte {})", e.valid_up_to()),
        )
    })
}

/// A form body's fields in wire order (names may repeat).
pub(crate) type Form = Vec<(String, String)>;

/// Decodes a body that must be a form; JSON (declared or evident) is refused with the content type
/// named, so a misconfigured sender learns what to change.
pub(crate) fn form_body(
    headers: &http::HeaderMap,
    body: &[u8],
    provider: &str,
) -> Result<Form, WebhookError> {
    if body_kind(headers, body)? == BodyKind::Json {
        return Err(WebhookError::malformed(
            "content-type",
            format!("{provider} sends application/x-www-form-urlencoded, this body is JSON"),
        ));
    }
    decode_form(body)
}

pub(crate) fn decode_form(body: &[u8]) -> Result<Form, WebhookError> {
    let text = utf8(body)?;
    // A truncated body may split a percent escape: tell that apart from a field that is missing.
    if let Some(i) = text.rfind('%') {
        let rest = &text[i + 1..];
        if rest.len() < 2 && !rest.contains('&') {
            return Err(WebhookError::malformed(
                "body",
                "truncated form (ends inside a %-escape)",
            ));
        }
    }
    serde_urlencoded::from_str::<Form>(text)
        .map_err(|e| WebhookError::malformed("body", format!("not a form: {e}")))
}

/// The first value of a form field.
pub(crate) fn get<'f>(form: &'f [(String, String)], name: &str) -> Option<&'f str> {
    form.iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.as_str())
}

/// A non-empty form field, or a 400 naming it.
pub(crate) fn require<'f>(
    form: &'f [(String, String)],
    name: &str,
) -> Result<&'f str, WebhookError> {
    match get(form, name).map(str::trim) {
        Some(v) if !v.is_empty() => Ok(v),
        Some(_) => Err(WebhookError::malformed(name, "is empty")),
        None => Err(WebhookError::malformed(name, "is missing")),
    }
}

/// A JSON body, or a 400 that says whether it was cut short or simply not JSON.
pub(crate) fn json_body(body: &[u8]) -> Result<serde_json::Value, WebhookError> {
    let text = utf8(body)?;
    serde_json::from_str(text).map_err(|e| {
        let reason = if e.is_eof() {
            format!("truncated JSON ({e})")
        } else {
            format!("not valid JSON ({e})")
        };
        WebhookError::malformed("body", reason)
    })
}

/// Words providers use for a caller who hides their number.
fn is_withheld(v: &str) -> bool {
    let l = v.trim().to_ascii_lowercase();
    l.is_empty()
        || matches!(
            l.as_str(),
            "anonymous"
                | "unknown"
                | "private"
                | "restricted"
                | "unavailable"
                | "withheld"
                | "hidden"
                | "0"
        )
        || l.trim_start_matches('+').chars().all(|c| c == '0')
}

/// A phone number from a provider field, normalised to E.164. A withheld caller (empty,
/// `anonymous`, ...) is `None`; anything else that is not a valid number is a 400 naming `field`.
/// SIP URIs are read by their user part when it is a number, else `None`; an internal extension
/// (up to 5 digits) or a `client:` identity is `None` too: neither is a phone number.
pub(crate) fn number(
    field: &str,
    value: Option<&str>,
    region: &str,
) -> Result<Option<PhoneNumber>, WebhookError> {
    let Some(raw) = value else { return Ok(None) };
    let mut v = raw.trim();
    if is_withheld(v) {
        return Ok(None);
    }
    if v.len() <= 5 && v.bytes().all(|b| b.is_ascii_digit()) {
        // An internal extension (`101`), not a phone number.
        return Ok(None);
    }
    if v.starts_with("client:") {
        // A Twilio Client (browser or app) identity, not a phone number.
        return Ok(None);
    }
    if let Some(sip) = v.strip_prefix("sip:").or_else(|| v.strip_prefix("sips:")) {
        let user = sip.split(['@', ';']).next().unwrap_or("");
        if !user
            .trim_start_matches('+')
            .bytes()
            .all(|b| b.is_ascii_digit())
            || user.len() < 7
        {
            return Ok(None);
        }
        v = user;
    }
    PhoneNumber::parse(v, Some(region))
        .map(Some)
        .map_err(|e| WebhookError::malformed(field, e.reason))
}

/// A time in RFC 3339 or RFC 2822 (Twilio's `Mon, 16 Aug 2010 03:45:01 +0000`).
pub(crate) fn time(field: &str, v: &str) -> Result<DateTime<Utc>, WebhookError> {
    let v = v.trim();
    DateTime::parse_from_rfc3339(v)
        .or_else(|_| DateTime::parse_from_rfc2822(v))
        .map(|t| t.with_timezone(&Utc))
        .or_else(|_| {
            // `2024-01-15 10:30:00` without a zone: providers that send it mean UTC.
            NaiveDateTime::parse_from_str(v, "%Y-%m-%d %H:%M:%S").map(|n| Utc.from_utc_datetime(&n))
        })
        .map_err(|_| {
            WebhookError::malformed(field, format!("'{v}' is not an RFC 3339 or RFC 2822 time"))
        })
}

/// Unix seconds as a time.
pub(crate) fn unix_time(field: &str, secs: i64) -> Result<DateTime<Utc>, WebhookError> {
    DateTime::from_timestamp(secs, 0)
        .ok_or_else(|| WebhookError::malformed(field, "is not a valid unix time"))
}

/// A whole number of seconds (`"42"`), or a 400 naming the field.
pub(crate) fn seconds(field: &str, v: &str) -> Result<u32, WebhookError> {
    v.trim().parse::<u32>().map_err(|_| {
        WebhookError::malformed(field, format!("'{v}' is not a whole number of seconds"))
    })
}

/// A JSON value as the text a form would carry (`"x"` -> `x`, `3` -> `3`, `true` -> `true`).
pub(crate) fn json_scalar(v: &serde_json::Value) -> Option<String> {
    match v {
        serde_json::Value::String(s) => Some(s.clone()),
        serde_json::Value::Number(n) => Some(n.to_string()),
        serde_json::Value::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}

/// A JSON object's scalar fields as a form, for providers documented both ways (Telnyx TeXML).
pub(crate) fn json_object_as_form(v: &serde_json::Value) -> Option<Form> {
    let obj = v.as_object()?;
    Some(
        obj.iter()
            .filter_map(|(k, v)| json_scalar(v).map(|s| (k.clone(), s)))
            .collect(),
    )
}
