//! CRM deal webhooks: a deal was created, won or lost, with its amount and either our call id or
//! the customer's phone, so revenue can be linked to the call that brought it. Signed like the
//! generic format: `X-Signature: sha256=<hex HMAC-SHA256 of the raw body>`. Fields are
//! documented in `docs/webhooks.md`.

use chrono::{DateTime, Utc};
use serde_json::Value;

use crate::model::{CallId, Currency, DealStatus, PhoneNumber};
use crate::telephony::input::{self, json_scalar};
use crate::telephony::signature::verify_generic;
use crate::telephony::WebhookError;

/// One deal update, verified and validated.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DealEvent {
    /// The delivery's identity (redeliveries repeat it); `{deal_id}:{status}:{at}` when not sent.
    pub event_id: String,
    pub deal_id: String,
    pub status: DealStatus,
    /// Major units as given (`"1250.00"`), already checked to parse exactly in `currency`.
    pub amount: String,
    pub currency: Currency,
    pub at: DateTime<Utc>,
    /// Our call id, when the CRM kept it (from the call log or a call alert).
    pub call_id: Option<CallId>,
    /// The customer's number, to link the deal to their most recent call.
    pub phone: Option<PhoneNumber>,
}

impl DealEvent {
    /// The amount in minor units of `currency`.
    pub fn amount_minor(&self) -> i64 {
        // Checked when parsed, so this cannot fail.
        self.currency.parse_major(&self.amount).unwrap_or(0)
    }
}

/// Why `amount` cannot be a deal's amount in `currency` (major units, exact, not negative).
pub(crate) fn check_amount(currency: Currency, amount: &str) -> Result<(), String> {
    match currency.parse_major(amount) {
        Ok(v) if v >= 0 => Ok(()),
        Ok(_) => Err("must not be negative".into()),
        Err(e) => Err(e.reason),
    }
}

/// Verifies (when `secret` is given) and parses one CRM deal webhook.
pub fn parse(
    body: &[u8],
    headers: &http::HeaderMap,
    secret: Option<&str>,
    default_region: &str,
) -> Result<DealEvent, WebhookError> {
    if let Some(secret) = secret {
        verify_generic(headers, secret, body)?;
    }
    if input::body_kind(headers, body)? != input::BodyKind::Json {
        return Err(WebhookError::malformed(
            "content-type",
            "CRM deal webhooks are application/json",
        ));
    }
    let v = input::json_body(body)?;
    if !v.is_object() {
        return Err(WebhookError::malformed("body", "must be a JSON object"));
    }
    let text = |f: &str| -> Result<Option<String>, WebhookError> {
        match v.get(f) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::String(s)) if s.trim().is_empty() => Ok(None),
            Some(x @ (Value::String(_) | Value::Number(_))) => {
                Ok(json_scalar(x).map(|s| s.trim().to_string()))
            }
            Some(_) => Err(WebhookError::malformed(f, "must be a string")),
        }
    };
    let required = |f: &str| text(f)?.ok_or_else(|| WebhookError::malformed(f, "is missing"));

    let deal_id = required("deal_id")?;
    let status = match required("status")?.to_ascii_lowercase().as_str() {
        "open" | "created" | "new" => DealStatus::Open,
        "won" => DealStatus::Won,
        "lost" => DealStatus::Lost,
        other => {
            return Err(WebhookError::malformed(
                "status",
                format!("'{other}' is not open, won or lost"),
            ))
        }
    };
    let status_word = match status {
        DealStatus::Open => "open",
        DealStatus::Won => "won",
        DealStatus::Lost => "lost",
    };
    let currency = Currency::parse(&required("currency")?)?;
    let amount = required("amount")?;
    check_amount(currency, &amount).map_err(|r| WebhookError::malformed("amount", r))?;
    let at = input::time("at", &required("at")?)?;
    let call_id = text("call_id")?.map(|c| CallId::parse(&c)).transpose()?;
    let phone = text("phone")?
        .map(|p| PhoneNumber::parse(&p, Some(default_region)))
        .transpose()
        .map_err(|e| WebhookError::malformed("phone", e.reason))?;
    // The update's time is part of its identity: the same status sent again later (an amount
    // corrected) is a new update, not a redelivery.
    let event_id = text("event_id")?.unwrap_or_else(|| {
        format!(
            "{deal_id}:{status_word}:{}",
            at.to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
        )
    });
    Ok(DealEvent {
        event_id,
        deal_id,
        status,
        amount,
        currency,
        at,
        call_id,
        phone,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::telephony::signature::generic_header_value;

    fn signed(body: &str, secret: &str) -> http::HeaderMap {
        let mut h = http::HeaderMap::new();
        h.insert(
            "x-signature",
            generic_header_value(secret, body.as_bytes())
                .parse()
                .unwrap(),
        );
        h.insert("content-type", "application/json".parse().unwrap());
        h
    }

    #[test]
    fn signed_won_deal_with_a_phone_is_read_in_major_units() {
        let body = r#"{"event_id":"e1","deal_id":"D-7","status":"won","amount":"1250.50","currency":"usd","at":"2024-03-01T12:00:00Z","phone":"(415) 867-5309"}"#;
        let d = parse(body.as_bytes(), &signed(body, "k"), Some("k"), "US").unwrap();
        assert_eq!(d.status, DealStatus::Won);
        assert_eq!(d.amount_minor(), 125050);
        assert_eq!(d.currency.as_str(), "USD");
        assert_eq!(d.phone.unwrap().as_str(), "+14158675309");
        assert_eq!(d.call_id, None);
    }

    #[test]
    fn deal_without_event_id_gets_one_from_deal_status_and_time() {
        let body = r#"{"deal_id":"D-7","status":"created","amount":10,"currency":"EUR","at":"2024-03-01T12:00:00Z","call_id":"c_0123456789abcdef0123"}"#;
        let d = parse(body.as_bytes(), &http::HeaderMap::new(), None, "US").unwrap();
        assert_eq!(d.event_id, "D-7:open:2024-03-01T12:00:00.000Z");
        assert_eq!(d.call_id.unwrap().as_str(), "c_0123456789abcdef0123");
    }

    #[test]
    fn a_negative_amount_is_refused_naming_the_field() {
        let body = r#"{"deal_id":"D-8","status":"won","amount":"-300","currency":"USD","at":"2024-03-01T12:00:00Z"}"#;
        let e = parse(body.as_bytes(), &http::HeaderMap::new(), None, "US").unwrap_err();
        assert_eq!(e.field(), Some("amount"));
    }

    #[test]
    fn deal_with_a_wrong_signature_is_refused() {
        let body = r#"{"deal_id":"D-7","status":"won","amount":"1","currency":"USD","at":"2024-03-01T12:00:00Z"}"#;
        let e = parse(body.as_bytes(), &signed(body, "other"), Some("k"), "US").unwrap_err();
        assert!(matches!(e, WebhookError::Signature(_)));
    }

    #[test]
    fn deal_with_a_bad_amount_or_status_names_the_field() {
        for (body, field) in [
            (
                r#"{"deal_id":"D","status":"won","amount":"12,50","currency":"USD","at":"2024-03-01T12:00:00Z"}"#,
                "amount",
            ),
            (
                r#"{"deal_id":"D","status":"maybe","amount":"1","currency":"USD","at":"2024-03-01T12:00:00Z"}"#,
                "status",
            ),
            (
                r#"{"deal_id":"D","status":"won","amount":"1","currency":"USD","at":"2024-03-01T12:00:00Z","call_id":"x"}"#,
                "call_id",
            ),
            (
                r#"{"deal_id":"D","status":"won","amount":"1","currency":"USD","at":"yesterday"}"#,
                "at",
            ),
            (
                r#"{"deal_id":"D","status":"won","amount":"1","currency":"USD","at":"2024-03-01T12:00:00Z","phone":"12"}"#,
                "phone",
            ),
        ] {
            let e = parse(body.as_bytes(), &http::HeaderMap::new(), None, "US").unwrap_err();
            assert_eq!(e.field(), Some(field), "{body}");
        }
    }
}
