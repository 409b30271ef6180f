//! Mango Office VPBX API events: form POSTs to `/v1/hooks/{tenant}/mango/events/{kind}` with
//! `vpbx_api_key`, `sign` and `json` fields.
//!
//! `sign` is the hex SHA-256 (plain, not an HMAC) of `api_key + json + salt`. The tenant's secret
//! for Mango is therefore the pair, written `api_key:salt`.
//!
//! One call (`entry_id`) has several legs (`call_id`), each with `call_state` events ordered by
//! `seq`: Appeared, Connected, OnHold, Disconnected. A leg's disconnect is not the call's end (the
//! next employee may still answer), so the `summary` event, sent once per call with its times and
//! result, is the authoritative end.

use chrono::{DateTime, Utc};
use serde_json::Value;

use super::input::{self, json_scalar};
use super::signature::{ct_eq, sha256_hex};
use super::{WebhookError, WebhookRequest};
use crate::model::{CallEvent, Direction, EventKind, MissedReason, Outcome, PhoneNumber, Provider};
use crate::ports::FetchRequest;

/// The `sign` Mango computes for a `json` field (for tests and tools).
pub fn sign(api_key: &str, json: &str, salt: &str) -> String {
    sha256_hex(format!("{api_key}{json}{salt}").as_bytes())
}

/// Mango's API endpoint that answers a recording (a redirect to a short-lived file link).
pub const RECORDING_URL: &str = "https://app.mango-office.ru/vpbx/queries/recording/post";

/// The signed request for a recording by its `recording_id`: a form POST of `vpbx_api_key`,
/// `sign` and `json = {"recording_id", "action": "download"}`, signed like the webhooks.
pub fn recording_request(api_key: &str, salt: &str, recording_id: &str) -> FetchRequest {
    let json = serde_json::json!({"recording_id": recording_id, "action": "download"}).to_string();
    let sign = sign(api_key, &json, salt);
    FetchRequest::post_form(
        RECORDING_URL,
        &[("vpbx_api_key", api_key), ("sign", &sign), ("json", &json)],
    )
}

/// Verifies (with the tenant's `api_key:salt`) and parses one Mango event.
pub fn parse(
    req: &WebhookRequest,
    secret: Option<&str>,
    default_region: &str,
    now: DateTime<Utc>,
) -> Result<Vec<CallEvent>, WebhookError> {
    let unsigned = super::unsigned_when_verifying(secret);
    let form = input::form_body(req.headers, req.body, "Mango Office").map_err(&unsigned)?;
    let json_text = input::require(&form, "json").map_err(&unsigned)?;
    if let Some(secret) = secret {
        let (key, salt) = secret.split_once(':').ok_or_else(|| {
            WebhookError::signature("the Mango secret must be written api_key:salt")
        })?;
        let given_key = input::get(&form, "vpbx_api_key").unwrap_or("");
        let given_sign = input::get(&form, "sign")
            .unwrap_or("")
            .trim()
            .to_ascii_lowercase();
        // Both checks run whatever the first one says, so timing tells nothing.
        let key_ok = ct_eq(given_key.as_bytes(), key.as_bytes());
        let sign_ok = ct_eq(given_sign.as_bytes(), sign(key, json_text, salt).as_bytes());
        if !(key_ok & sign_ok) {
            return Err(WebhookError::signature(
                "vpbx_api_key or sign does not match",
            ));
        }
    }
    let v: Value = serde_json::from_str(json_text).map_err(|e| {
        WebhookError::malformed(
            "json",
            if e.is_eof() {
                format!("truncated JSON ({e})")
            } else {
                format!("not valid JSON ({e})")
            },
        )
    })?;
    if !v.is_object() {
        return Err(WebhookError::malformed("json", "is not a JSON object"));
    }
    // The kind comes from the signed JSON, never from the unsigned URL path: a signed `call`
    // event posted to `/events/summary` must not end the call.
    let kind = guess_kind(&v);
    if let Some(path_kind) = req.mango_kind {
        let path_kind = path_kind.trim_matches('/').to_ascii_lowercase();
        if !path_kind.starts_with(kind) && kind != "other" {
            tracing::warn!(path = %path_kind, payload = kind, "Mango event posted under another kind's path; read as its payload says");
        }
    }
    let ctx = Ctx {
        v: &v,
        region: default_region,
        now,
    };
    match kind {
        "call" => ctx.call(),
        "summary" => ctx.summary(),
        k if k.starts_with("record") => ctx.recording(),
        // dtmf, sms, callback results, ...: nothing about the call's lifecycle.
        _ => Ok(Vec::new()),
    }
}

/// The event kind from the payload's shape (the signed part of the request).
fn guess_kind(v: &Value) -> &'static str {
    if v.get("call_state").is_some() {
        "call"
    } else if v.get("entry_result").is_some() || v.get("create_time").is_some() {
        "summary"
    } else if v.get("recording_id").is_some() || v.pointer("/data/recording_id").is_some() {
        "recording"
    } else {
        "other"
    }
}

struct Ctx<'a> {
    v: &'a Value,
    region: &'a str,
    now: DateTime<Utc>,
}

impl Ctx<'_> {
    fn text(&self, pointer: &str) -> Option<String> {
        self.v
            .pointer(pointer)
            .and_then(json_scalar)
            .map(|s| s.trim().to_string())
            .filter(|s| !s.is_empty())
    }

    fn field_name(pointer: &str) -> String {
        pointer.trim_start_matches('/').replace('/', ".")
    }

    fn require(&self, pointer: &str) -> Result<String, WebhookError> {
        self.text(pointer)
            .ok_or_else(|| WebhookError::malformed(Self::field_name(pointer), "is missing"))
    }

    fn int(&self, pointer: &str) -> Result<Option<i64>, WebhookError> {
        match self.text(pointer) {
            None => Ok(None),
            Some(s) => s.parse::<i64>().map(Some).map_err(|_| {
                WebhookError::malformed(
                    Self::field_name(pointer),
                    format!("'{s}' is not a whole number"),
                )
            }),
        }
    }

    fn number(&self, pointer: &str) -> Result<Option<PhoneNumber>, WebhookError> {
        input::number(
            &Self::field_name(pointer),
            self.text(pointer).as_deref(),
            self.region,
        )
    }

    fn time(&self, pointer: &str) -> Result<DateTime<Utc>, WebhookError> {
        match self.int(pointer)? {
            Some(t) if t > 0 => input::unix_time(&Self::field_name(pointer), t),
            _ => Ok(self.now),
        }
    }

    /// The tracking line the call came in on (or went out from).
    fn line(&self) -> Result<Option<PhoneNumber>, WebhookError> {
        for p in ["/line_number", "/to/line_number", "/from/line_number"] {
            if self.text(p).is_some() {
                return self.number(p);
            }
        }
        Ok(None)
    }

    fn event(
        &self,
        entry_id: String,
        event_id: String,
        kind: EventKind,
        direction: Direction,
        at: DateTime<Utc>,
    ) -> CallEvent {
        CallEvent {
            direction,
            ..CallEvent::new(Provider::Mango, entry_id, event_id, kind, at)
        }
    }

    fn call(&self) -> Result<Vec<CallEvent>, WebhookError> {
        let entry_id = self.require("/entry_id")?;
        let leg = self.text("/call_id").unwrap_or_else(|| "-".into());
        let state = self.require("/call_state")?;
        let seq = self.int("/seq")?;
        let at = self.time("/timestamp")?;
        // A call placed by an employee starts at an extension.
        let outbound = self.text("/from/extension").is_some();
        let direction = if outbound {
            Direction::Outbound
        } else {
            Direction::Inbound
        };
        let event_id = format!(
            "{entry_id}:{leg}:{}:{state}",
            seq.map(|s| s.to_string()).unwrap_or_else(|| "-".into())
        );
        let mut e = self.event(entry_id, event_id, EventKind::Started, direction, at);
        e.sequence = seq.and_then(|s| u64::try_from(s).ok());
        if outbound {
            e.from = self.line()?;
            e.to = self.number("/to/number")?;
        } else {
            e.from = self.number("/from/number")?;
            e.to = self.line()?;
        }
        // The employee an inbound leg rings (and who answers, when it connects).
        let extension = if outbound {
            None
        } else {
            self.text("/to/extension")
        };
        match state.as_str() {
            "Appeared" => {
                if self.text("/location").as_deref() == Some("abonent") {
                    e.kind = EventKind::Ringing;
                    e.rung = extension;
                }
            }
            "Connected" => {
                e.kind = EventKind::Answered;
                e.answered_by = extension.clone();
                e.rung = extension;
            }
            // Hold changes nothing; a leg's disconnect is not the call's end (see `summary`).
            "OnHold" | "Disconnected" => return Ok(Vec::new()),
            other => e.raw_status = Some(other.to_string()),
        }
        Ok(vec![e])
    }

    fn summary(&self) -> Result<Vec<CallEvent>, WebhookError> {
        let entry_id = self.require("/entry_id")?;
        let direction = match self.int("/call_direction")? {
            Some(2) => Direction::Outbound,
            _ => Direction::Inbound,
        };
        let t = |p: &str| -> Result<i64, WebhookError> { Ok(self.int(p)?.unwrap_or(0).max(0)) };
        let (create, forward, talk, end) = (
            t("/create_time")?,
            t("/forward_time")?,
            t("/talk_time")?,
            t("/end_time")?,
        );
        let answered = match self.int("/entry_result")? {
            Some(r) => r == 1,
            None => talk > 0,
        };
        let at = self.time("/end_time")?;
        let mut e = self.event(
            entry_id.clone(),
            format!("{entry_id}:summary"),
            EventKind::Ended,
            direction,
            at,
        );
        if direction == Direction::Outbound {
            e.from = self.line()?;
            e.to = self.number("/to/number")?;
        } else {
            e.from = self.number("/from/number")?;
            e.to = self.line()?;
        }
        let secs = |a: i64, b: i64| u32::try_from(b.saturating_sub(a).max(0)).ok();
        let ring_from = if forward > 0 { forward } else { create };
        if create > 0 && end > 0 {
            e.ring_seconds = secs(ring_from, if answered && talk > 0 { talk } else { end });
            e.talk_seconds = if answered && talk > 0 {
                secs(talk, end)
            } else {
                Some(0)
            };
        }
        if answered {
            e.outcome = Some(Outcome::Answered);
            let who = if direction == Direction::Outbound {
                "/from/extension"
            } else {
                "/to/extension"
            };
            e.answered_by = self.text(who);
        } else {
            e.outcome = Some(Outcome::Missed);
            e.missed_reason = Some(MissedReason::NoAnswer);
            if direction == Direction::Inbound {
                // The extension the missed call rang, when the summary names one.
                e.rung = self.text("/to/extension");
            }
            e.raw_status = self
                .text("/disconnect_reason")
                .map(|r| format!("disconnect_reason={r}"));
        }
        Ok(vec![e])
    }

    fn recording(&self) -> Result<Vec<CallEvent>, WebhookError> {
        if let Some(state) = self.text("/recording_state") {
            if state != "Completed" {
                return Ok(Vec::new());
            }
        }
        let entry_id = self.require("/entry_id")?;
        let rec = self
            .text("/recording_id")
            .or_else(|| self.text("/data/recording_id"))
            .ok_or_else(|| WebhookError::malformed("recording_id", "is missing"))?;
        let at = self.time("/timestamp")?;
        let mut e = self.event(
            entry_id.clone(),
            format!("{entry_id}:recording:{rec}"),
            EventKind::Recording,
            Direction::Inbound,
            at,
        );
        // Mango hands recordings out through its API (queries/recording/post) by this id.
        e.raw_status = Some(format!("recording_id={rec}"));
        e.recording_id = Some(rec.to_string());
        Ok(vec![e])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `sign` computed independently: sha256_hex("mg-key" + json + "mg-salt").
    #[test]
    fn recording_requests_are_signed_like_the_webhooks() {
        let req = recording_request("mg-key", "mg-salt", "MToxMDEyODIxOToyMDIzMDU5NDk5Mjow");
        assert_eq!(req.method, http::Method::POST);
        assert_eq!(req.url, RECORDING_URL);
        let form: Vec<(String, String)> = serde_urlencoded::from_bytes(&req.body).unwrap();
        let get = |k: &str| form.iter().find(|(n, _)| n == k).map(|(_, v)| v.as_str());
        assert_eq!(
            get("json"),
            Some(r#"{"action":"download","recording_id":"MToxMDEyODIxOToyMDIzMDU5NDk5Mjow"}"#)
        );
        assert_eq!(
            get("sign"),
            Some("c88e0f9213cc46cc2a0deda3db13e59e204431423b3ce167bf1bf09de98e7e63")
        );
        assert_eq!(get("vpbx_api_key"), Some("mg-key"));
    }
}
