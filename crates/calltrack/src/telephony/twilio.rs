//! Twilio: voice status callbacks and recording status callbacks (form-encoded), verified by
//! `X-Twilio-Signature`. Telnyx TeXML speaks the same dialect, so its form callbacks are read here.
//!
//! The signature is base64(HMAC-SHA1(auth token, public URL + every form parameter sorted by name,
//! name and value concatenated)). Like Twilio's own validators we accept it for the URL with and
//! without the port (`:443`/`:80` added, or an explicit port removed), and for JSON bodies the
//! `bodySHA256` variant (URL only, plus the body's SHA-256 in the query).
//!
//! Our TwiML (see [`super::voice`]) forwards each call with `<Dial><Number statusCallback>`, so
//! the business line's ringing and answer arrive as a *dial leg* (`Direction=outbound-dial`) with
//! its own `CallSid` and the caller's call in `ParentCallSid`. Dial legs are filed under the parent
//! call: that leg, not the parent, says whether the business answered.

use std::collections::BTreeSet;

use base64::Engine as _;
use chrono::{DateTime, Utc};

use super::input::{self, Form};
use super::signature::{ct_eq, hmac_sha1, sha256_hex};
use super::{WebhookError, WebhookRequest};
use crate::model::{CallEvent, Direction, EventKind, MissedReason, Outcome, Provider};

/// Twilio's connection overrides on the callback URLs our TwiML sets: by default Twilio retries a
/// callback only when it cannot connect, so a 5xx (our store failing) would lose the event. These
/// ask for 3 retries on a connect or read timeout and on a 5xx (never a 4xx: bad input stays
/// refused), 3 s to connect, 7 s to answer, 15 s in all. Twilio reads and strips the fragment;
/// the signature is checked with and without it (see [`verify`]).
pub const RETRY_OVERRIDES: &str = "#ct=3000&rt=7000&tt=15000&rc=3&rp=ct,rt,5xx";

/// Verifies (with the account's auth token) and parses one Twilio callback.
pub fn parse(
    req: &WebhookRequest,
    auth_token: Option<&str>,
    default_region: &str,
    now: DateTime<Utc>,
) -> Result<Vec<CallEvent>, WebhookError> {
    if let Some(token) = auth_token {
        verify(req.public_url, req.headers, req.body, token)?;
    }
    let form = input::form_body(req.headers, req.body, "Twilio")?;
    events_from_form(Provider::Twilio, &form, default_region, now)
}

/// Checks `X-Twilio-Signature` against the public URL and the body.
pub fn verify(
    url: &str,
    headers: &http::HeaderMap,
    body: &[u8],
    auth_token: &str,
) -> Result<(), WebhookError> {
    let given = super::signature::header(headers, "x-twilio-signature")?;
    let given = base64::engine::general_purpose::STANDARD
        .decode(given)
        .map_err(|_| WebhookError::signature("X-Twilio-Signature is not base64"))?;
    let params = if let Some(want) = query_param(url, "bodySHA256") {
        if !ct_eq(
            sha256_hex(body).as_bytes(),
            want.to_ascii_lowercase().as_bytes(),
        ) {
            return Err(WebhookError::signature(
                "bodySHA256 in the URL does not match the body",
            ));
        }
        Vec::new()
    } else if body.is_empty() {
        Vec::new()
    } else {
        input::decode_form(body)?
    };
    let payload = signed_params(&params);
    // Twilio signs the callback URL without its connection-override fragment; should it ever
    // sign it with ours, that variant is tried too.
    let with_overrides = format!("{url}{RETRY_OVERRIDES}");
    let candidates = url_variants(url)
        .into_iter()
        .chain(url_variants(&with_overrides));
    for candidate in candidates {
        let mut msg = candidate.into_bytes();
        msg.extend_from_slice(payload.as_bytes());
        if ct_eq(&hmac_sha1(auth_token.as_bytes(), &msg), &given) {
            return Ok(());
        }
    }
    Err(WebhookError::signature(
        "X-Twilio-Signature does not match the URL and parameters",
    ))
}

/// The signature of a request as Twilio computes it (for tests and tools that sign requests).
pub fn sign(url: &str, params: &[(String, String)], auth_token: &str) -> String {
    let mut msg = url.as_bytes().to_vec();
    msg.extend_from_slice(signed_params(params).as_bytes());
    base64::engine::general_purpose::STANDARD.encode(hmac_sha1(auth_token.as_bytes(), &msg))
}

/// Parameters sorted by name, then value, each pair once, concatenated name+value.
fn signed_params(params: &[(String, String)]) -> String {
    let set: BTreeSet<(&str, &str)> = params
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    set.into_iter().flat_map(|(k, v)| [k, v]).collect()
}

fn query_param(url: &str, name: &str) -> Option<String> {
    let query = url.split_once('?')?.1.split('#').next()?;
    serde_urlencoded::from_str::<Vec<(String, String)>>(query)
        .ok()?
        .into_iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v)
}

/// The URL without its port, and with the scheme's default port when it has none.
fn url_variants(url: &str) -> Vec<String> {
    let mut out = vec![url.to_string()];
    let Some((scheme, rest)) = url.split_once("://") else {
        return out;
    };
    let end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    let (authority, tail) = rest.split_at(end);
    let (userinfo, hostport) = match authority.rfind('@') {
        Some(i) => authority.split_at(i + 1),
        None => ("", authority),
    };
    let (host, port) = match hostport.rfind(':') {
        Some(i)
            if !hostport[i + 1..].is_empty()
                && hostport[i + 1..].bytes().all(|b| b.is_ascii_digit()) =>
        {
            (&hostport[..i], Some(&hostport[i + 1..]))
        }
        _ => (hostport, None),
    };
    let without = format!("{scheme}://{userinfo}{host}{tail}");
    let default_port = match scheme.to_ascii_lowercase().as_str() {
        "https" => Some("443"),
        "http" => Some("80"),
        _ => None,
    };
    for v in [
        Some(without),
        port.or(default_port)
            .map(|p| format!("{scheme}://{userinfo}{host}:{p}{tail}")),
    ]
    .into_iter()
    .flatten()
    {
        if !out.contains(&v) {
            out.push(v);
        }
    }
    out
}

/// Normalises a Twilio-dialect callback (Twilio, Telnyx TeXML) into events.
pub(crate) fn events_from_form(
    provider: Provider,
    form: &Form,
    region: &str,
    now: DateTime<Utc>,
) -> Result<Vec<CallEvent>, WebhookError> {
    let call_sid = input::require(form, "CallSid")?.to_string();
    let at = match input::get(form, "Timestamp").filter(|t| !t.trim().is_empty()) {
        Some(t) => input::time("Timestamp", t)?,
        None => now,
    };
    let sequence = match input::get(form, "SequenceNumber").filter(|s| !s.trim().is_empty()) {
        Some(s) => Some(s.trim().parse::<u64>().map_err(|_| {
            WebhookError::malformed("SequenceNumber", format!("'{s}' is not a whole number"))
        })?),
        None => None,
    };
    let direction_raw = input::get(form, "Direction").map(|d| d.trim().to_ascii_lowercase());
    let parent = input::get(form, "ParentCallSid")
        .map(str::trim)
        .filter(|p| !p.is_empty() && *p != call_sid);
    let dial_leg = match direction_raw.as_deref() {
        Some("outbound-dial") => parent.is_some(),
        None => parent.is_some(),
        Some(_) => false,
    };
    let direction = match direction_raw.as_deref() {
        _ if dial_leg => Direction::Inbound,
        Some(d) if d.starts_with("outbound") => Direction::Outbound,
        _ => Direction::Inbound,
    };

    if let Some(rec_sid) = input::get(form, "RecordingSid").filter(|s| !s.trim().is_empty()) {
        return recording_event(provider, form, &call_sid, rec_sid.trim(), direction, at);
    }

    let from = input::number(
        "From",
        input::get(form, "From").or(input::get(form, "Caller")),
        region,
    )?;
    let to = if dial_leg {
        // The dial leg's `To` is the business line, not the number the caller dialled.
        None
    } else {
        input::number(
            "To",
            input::get(form, "To").or(input::get(form, "Called")),
            region,
        )?
    };
    let duration = match input::get(form, "CallDuration").filter(|d| !d.trim().is_empty()) {
        Some(d) => Some(input::seconds("CallDuration", d)?),
        None => None,
    };
    let status = input::get(form, "CallStatus")
        .map(|s| s.trim().to_ascii_lowercase())
        .filter(|s| !s.is_empty());
    let (kind, outcome, missed_reason, raw_status) = match status.as_deref() {
        // A voice request without a status (or a <Gather> callback): the call exists.
        None => (EventKind::Started, None, None, None),
        Some("queued" | "initiated") => (EventKind::Started, None, None, None),
        Some("ringing") => (EventKind::Ringing, None, None, None),
        Some("in-progress" | "answered") => (EventKind::Answered, None, None, None),
        Some("completed") => match duration {
            Some(0) => (
                EventKind::Ended,
                Some(Outcome::Missed),
                Some(MissedReason::NoAnswer),
                None,
            ),
            _ => (EventKind::Ended, Some(Outcome::Answered), None, None),
        },
        Some("busy") => (
            EventKind::Ended,
            Some(Outcome::Missed),
            Some(MissedReason::Busy),
            None,
        ),
        Some("no-answer") => (
            EventKind::Ended,
            Some(Outcome::Missed),
            Some(MissedReason::NoAnswer),
            None,
        ),
        Some("canceled") => (
            EventKind::Ended,
            Some(Outcome::Missed),
            Some(MissedReason::Abandoned),
            None,
        ),
        Some("failed") => (EventKind::Ended, Some(Outcome::Failed), None, None),
        Some(other) => (EventKind::Started, None, None, Some(other.to_string())),
    };
    // Who on the business side was on the call: the answered dial leg's target (`<Dial><Client>`,
    // a SIP user), or the softphone an agent called out from. A phone number names no one.
    let connected = kind == EventKind::Answered || outcome == Some(Outcome::Answered);
    let answered_by = if dial_leg {
        input::get(form, "To")
            .or(input::get(form, "Called"))
            .and_then(agent)
            .filter(|_| connected)
    } else if direction == Direction::Outbound {
        input::get(form, "From")
            .or(input::get(form, "Caller"))
            .and_then(agent)
    } else {
        None
    };
    // A dial leg rang its target whatever became of it (answered, no-answer, busy, canceled).
    let rung = if dial_leg {
        input::get(form, "To")
            .or(input::get(form, "Called"))
            .and_then(agent)
    } else {
        None
    };
    let provider_call_id = if dial_leg {
        parent.unwrap_or(&call_sid).to_string()
    } else {
        call_sid.clone()
    };
    let event_id = format!(
        "{call_sid}:{}:{}",
        status.as_deref().unwrap_or("request"),
        sequence
            .map(|s| s.to_string())
            .unwrap_or_else(|| "-".into())
    );
    Ok(vec![CallEvent {
        direction,
        from,
        to,
        talk_seconds: duration.filter(|_| kind == EventKind::Ended),
        outcome,
        missed_reason,
        raw_status,
        sequence,
        answered_by,
        rung,
        ..CallEvent::new(provider, provider_call_id, event_id, kind, at)
    }])
}

/// An agent's identity in a Twilio address: `client:anna` -> `anna`, `sip:anna@pbx` -> `anna`.
fn agent(address: &str) -> Option<String> {
    let a = address.trim();
    let id = if let Some(c) = a.strip_prefix("client:") {
        c
    } else {
        let sip = a.strip_prefix("sip:").or_else(|| a.strip_prefix("sips:"))?;
        let user = sip.split(['@', ';']).next().unwrap_or("");
        if user.trim_start_matches('+').len() >= 7
            && user
                .trim_start_matches('+')
                .bytes()
                .all(|b| b.is_ascii_digit())
        {
            return None;
        }
        user
    };
    let id = id.trim();
    (!id.is_empty() && id.len() <= 64).then(|| id.to_string())
}

fn recording_event(
    provider: Provider,
    form: &Form,
    call_sid: &str,
    rec_sid: &str,
    direction: Direction,
    at: DateTime<Utc>,
) -> Result<Vec<CallEvent>, WebhookError> {
    let status = input::get(form, "RecordingStatus").map(|s| s.trim().to_ascii_lowercase());
    match status.as_deref() {
        None | Some("") | Some("completed") => {}
        // `in-progress`, `absent` (silence) and `failed` leave nothing to copy.
        Some(_) => return Ok(Vec::new()),
    }
    let url = input::require(form, "RecordingUrl")?;
    if !(url.starts_with("https://") || url.starts_with("http://")) {
        return Err(WebhookError::malformed(
            "RecordingUrl",
            "is not an http(s) URL",
        ));
    }
    Ok(vec![CallEvent {
        direction,
        recording_url: Some(media_url(provider, url)),
        ..CallEvent::new(
            provider,
            call_sid,
            format!("{call_sid}:recording:{rec_sid}"),
            EventKind::Recording,
            at,
        )
    }])
}

/// Twilio's `RecordingUrl` names the recording resource; its audio is at the same URL plus a
/// format extension. WAV keeps both channels at full quality for transcription.
fn media_url(provider: Provider, url: &str) -> String {
    let last = url.rsplit('/').next().unwrap_or("");
    if provider == Provider::Twilio && !last.contains('.') {
        format!("{url}.wav")
    } else {
        url.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_callback_signed_with_or_without_the_retry_overrides_verifies() {
        let url = "https://api.example.com/v1/hooks/acme/twilio";
        let params = vec![("CallSid".to_string(), "CA1".to_string())];
        let body = b"CallSid=CA1";
        for signed_url in [url.to_string(), format!("{url}{RETRY_OVERRIDES}")] {
            let mut h = http::HeaderMap::new();
            let sig = sign(&signed_url, &params, "tok");
            h.insert("x-twilio-signature", sig.parse().unwrap());
            assert!(verify(url, &h, body, "tok").is_ok(), "{signed_url}");
            assert!(verify(url, &h, body, "other").is_err());
        }
    }

    #[test]
    fn url_variants_add_the_default_port_or_remove_an_explicit_one() {
        assert_eq!(
            url_variants("https://a.example/x?y=1"),
            vec!["https://a.example/x?y=1", "https://a.example:443/x?y=1"]
        );
        assert_eq!(
            url_variants("http://a.example:1234/x"),
            vec!["http://a.example:1234/x", "http://a.example/x"]
        );
    }

    #[test]
    fn duplicate_params_are_sorted_by_value_and_deduplicated() {
        let p: Vec<(String, String)> = [("b", "2"), ("a", "9"), ("a", "1"), ("a", "1")]
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        assert_eq!(signed_params(&p), "a1a9b2");
    }
}
