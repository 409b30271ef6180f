//! Bitrix24's deal events from an outbound webhook: a form such as `event=ONCRMDEALUPDATE
//! &data[FIELDS][ID]=6675&ts=…&auth[domain]=acme.bitrix24.ru&auth[application_token]=…` that
//! names the deal but carries none of its fields. The webhook's `auth[application_token]` is
//! compared with the tenant's `bitrix24` secret in constant time before anything else is read;
//! then the deal is re-read from the tenant's own portal through its incoming webhook (the
//! `bitrix24_rest` secret: `crm.deal.get`, and `crm.contact.get` for the customer's phone), so
//! the stage, amount and time recorded are the CRM's own whatever order the events arrive in.
//! That portal is the only host this module fetches from.

use chrono::{DateTime, Utc};
use serde_json::Value;

use super::DealEvent;
use crate::egress;
use crate::model::*;
use crate::ports::{FetchError, FetchRequest, Fetcher};
use crate::telephony::signature::ct_eq;
use crate::telephony::WebhookError;

/// The events that add or change a deal; any other is acknowledged and changes nothing.
pub const DEAL_EVENTS: [&str; 2] = ["ONCRMDEALADD", "ONCRMDEALUPDATE"];

/// A deal or contact answer is a few KB; anything far larger is not one.
const MAX_ANSWER: u64 = 256 * 1024;

/// What a verified event asks for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Notice {
    /// A deal was added or changed: its id, and the portal that says so (`auth[domain]`).
    Deal { id: String, domain: Option<String> },
    /// Another event (a deletion, a contact change): acknowledged, nothing recorded.
    Ignored(String),
}

/// Checks the event's token against the tenant's (constant time), then reads what it names.
pub fn notice(body: &[u8], token: &str) -> Result<Notice, WebhookError> {
    let pairs: Vec<(String, String)> = serde_urlencoded::from_bytes(body)
        .map_err(|e| WebhookError::malformed("body", format!("not a form: {e}")))?;
    let get = |name: &str| pairs.iter().find(|(k, _)| k == name).map(|(_, v)| v.trim());
    let given = get("auth[application_token]").unwrap_or("");
    if !ct_eq(given.as_bytes(), token.as_bytes()) {
        return Err(WebhookError::signature(
            "auth[application_token] is not the tenant's Bitrix24 webhook token",
        ));
    }
    let event = get("event")
        .filter(|e| !e.is_empty())
        .ok_or_else(|| WebhookError::malformed("event", "is missing"))?
        .to_ascii_uppercase();
    if !DEAL_EVENTS.contains(&event.as_str()) {
        return Ok(Notice::Ignored(event));
    }
    let id = get("data[FIELDS][ID]")
        .filter(|v| !v.is_empty())
        .ok_or_else(|| WebhookError::malformed("data[FIELDS][ID]", "is missing"))?;
    if id.len() > 18 || !id.bytes().all(|b| b.is_ascii_digit()) {
        return Err(WebhookError::malformed(
            "data[FIELDS][ID]",
            "must be the deal's numeric id",
        ));
    }
    Ok(Notice::Deal {
        id: id.to_string(),
        domain: get("auth[domain]")
            .filter(|d| !d.is_empty())
            .map(str::to_ascii_lowercase),
    })
}

/// The tenant's incoming webhook on its portal, `https://{portal}/rest/{user}/{key}/`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rest {
    base: String,
    host: String,
}

impl Rest {
    /// Reads the incoming webhook's URL as Bitrix24 shows it (with or without a method name
    /// after the key); anything that is not https on a named host is refused with the reason.
    pub fn parse(url: &str) -> Result<Self, String> {
        const SHAPE: &str =
            "must be the incoming webhook's URL, https://{portal}/rest/{user}/{key}/";
        let host =
            egress::https_host(url).ok_or_else(|| format!("{SHAPE}: not https on a named host"))?;
        let path = url
            .strip_prefix("https://")
            .and_then(|r| r.find('/').map(|i| &r[i..]))
            .unwrap_or("");
        if path.contains(['?', '#']) {
            return Err(format!("{SHAPE}: no query or fragment"));
        }
        let parts: Vec<&str> = path.trim_matches('/').split('/').collect();
        let (user, key) = match parts.as_slice() {
            ["rest", user, key] | ["rest", user, key, _] => (*user, *key),
            _ => return Err(SHAPE.to_string()),
        };
        let ok = |s: &str, f: fn(u8) -> bool| !s.is_empty() && s.bytes().all(f);
        if !ok(user, |b| b.is_ascii_digit()) || !ok(key, |b| b.is_ascii_alphanumeric()) {
            return Err(format!(
                "{SHAPE}: the user is a number and the key letters and digits"
            ));
        }
        Ok(Self {
            base: format!("https://{host}/rest/{user}/{key}/"),
            host,
        })
    }

    /// The portal's host name.
    pub fn host(&self) -> &str {
        &self.host
    }

    /// `GET {base}{method}.json?id={id}` (the id is digits, checked by [`notice`]).
    pub fn request(&self, method: &str, id: &str) -> FetchRequest {
        FetchRequest::get(format!("{}{method}.json?id={id}", self.base))
    }
}

/// Why the deal could not be read from the portal. `Unavailable` may pass by itself (no
/// answer, a 5xx); `Refused` will not (the webhook was revoked, the deal is gone, not JSON).
#[derive(Debug, thiserror::Error)]
pub enum RefetchError {
    #[error("the Bitrix24 portal did not answer: {0}")]
    Unavailable(String),
    #[error("the Bitrix24 portal refused: {0}")]
    Refused(String),
}

impl From<FetchError> for RefetchError {
    fn from(e: FetchError) -> Self {
        match (e.is_retryable(), e.status) {
            (true, _) => Self::Unavailable(e.reason),
            (false, Some(s)) => Self::Refused(format!("it answered {s}")),
            (false, None) => Self::Refused(e.reason),
        }
    }
}

/// Re-reads deal `id` from the portal (and its contact, when no custom field links the deal to a
/// call), as a deal update.
pub async fn fetch_deal(
    fetcher: &dyn Fetcher,
    rest: &Rest,
    id: &str,
    default_region: &str,
) -> Result<DealEvent, RefetchError> {
    let deal = call(fetcher, &rest.request("crm.deal.get", id)).await?;
    let (mut ev, contact) = deal_event(&deal, default_region).map_err(RefetchError::Refused)?;
    if let (None, None, Some(contact)) = (&ev.call_id, &ev.phone, contact) {
        let answer = call(fetcher, &rest.request("crm.contact.get", &contact)).await?;
        ev.phone = contact_phone(&answer, default_region);
    }
    Ok(ev)
}

/// One REST call: its `result`, or why there is none.
async fn call(fetcher: &dyn Fetcher, req: &FetchRequest) -> Result<Value, RefetchError> {
    let mut answer = fetcher.open(req).await?;
    let body = answer.read_small(MAX_ANSWER).await?.ok_or_else(|| {
        RefetchError::Refused(format!("it answered more than {MAX_ANSWER} bytes"))
    })?;
    let mut v: Value = serde_json::from_slice(&body)
        .map_err(|e| RefetchError::Refused(format!("its answer is not JSON: {e}")))?;
    if let Some(err) = v.get("error").and_then(Value::as_str) {
        let said = v
            .get("error_description")
            .and_then(Value::as_str)
            .unwrap_or("");
        return Err(RefetchError::Refused(
            format!("{err} {said}").trim_end().to_string(),
        ));
    }
    match v.get_mut("result").map(Value::take) {
        Some(r @ Value::Object(_)) => Ok(r),
        _ => Err(RefetchError::Refused(
            "its answer has no result object".into(),
        )),
    }
}

/// A `crm.deal.get` result as a deal update, and its contact's id. The stage's semantics say
/// won or lost in every pipeline (`STAGE_SEMANTIC_ID` S or F; `WON`/`LOSE` stage ids when it
/// is absent); `DATE_MODIFY` orders the updates; a `UF_CRM_…` field holding our call id or a
/// phone links the deal to its call.
pub fn deal_event(
    deal: &Value,
    default_region: &str,
) -> Result<(DealEvent, Option<String>), String> {
    let text = |k: &str| {
        deal.get(k)
            .and_then(Value::as_str)
            .map(str::trim)
            .unwrap_or("")
    };
    let id = text("ID");
    if id.is_empty() {
        return Err("the deal has no ID".into());
    }
    let stage = text("STAGE_ID");
    let status = match (
        text("STAGE_SEMANTIC_ID"),
        stage.rsplit(':').next().unwrap_or(""),
    ) {
        ("S", _) | ("", "WON") => DealStatus::Won,
        ("F", _) | ("", "LOSE") => DealStatus::Lost,
        _ => DealStatus::Open,
    };
    let currency = Currency::parse(text("CURRENCY_ID"))
        .map_err(|e| format!("deal {id}: CURRENCY_ID {}", e.reason))?;
    let amount = match text("OPPORTUNITY") {
        "" => "0".to_string(),
        a => a.to_string(),
    };
    super::crm::check_amount(currency, &amount)
        .map_err(|r| format!("deal {id}: OPPORTUNITY {r}"))?;
    let at: DateTime<Utc> = DateTime::parse_from_rfc3339(text("DATE_MODIFY"))
        .map_err(|e| format!("deal {id}: DATE_MODIFY is not an RFC 3339 time: {e}"))?
        .with_timezone(&Utc);
    let custom = deal
        .as_object()
        .into_iter()
        .flatten()
        .filter(|(k, _)| k.starts_with("UF_CRM_"))
        .flat_map(|(_, v)| match v {
            Value::Array(items) => items.iter().filter_map(Value::as_str).collect(),
            v => v.as_str().into_iter().collect::<Vec<_>>(),
        });
    let (call_id, phone) = super::link_from_fields(custom, default_region);
    let contact = Some(text("CONTACT_ID"))
        .filter(|c| !c.is_empty() && *c != "0" && c.bytes().all(|b| b.is_ascii_digit()))
        .map(str::to_string);
    let ev = DealEvent {
        event_id: format!("bitrix24:{id}:{stage}:{}:{amount}", at.timestamp()),
        deal_id: format!("bitrix24-{id}"),
        status,
        amount,
        currency,
        at,
        call_id,
        phone,
    };
    Ok((ev, contact))
}

/// The first phone number of a `crm.contact.get` result that parses.
pub fn contact_phone(contact: &Value, default_region: &str) -> Option<PhoneNumber> {
    contact
        .get("PHONE")?
        .as_array()?
        .iter()
        .filter_map(|p| p.get("VALUE").and_then(Value::as_str))
        .find_map(|v| PhoneNumber::parse(v.trim(), Some(default_region)).ok())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    const TOKEN: &str = "51856fefc120afa4b628cc82d3935cce";

    /// As Bitrix24's outbound webhook posts ONCRMDEALUPDATE (its docs' event example, form-encoded).
    fn update(token: &str, id: &str) -> String {
        format!(
            "event=ONCRMDEALUPDATE&event_handler_id=5&data%5BFIELDS%5D%5BID%5D={id}&ts=1736424182\
             &auth%5Bdomain%5D=Acme.bitrix24.ru&auth%5Bclient_endpoint%5D=https%3A%2F%2Facme.bitrix24.ru%2Frest%2F\
             &auth%5Bserver_endpoint%5D=https%3A%2F%2Foauth.bitrix.info%2Frest%2F\
             &auth%5Bmember_id%5D=a223c6b3710f85df22e9377d6c4f7553&auth%5Bapplication_token%5D={token}"
        )
    }

    /// A `crm.deal.get` result in the shape its docs show (string fields, a UF_CRM_ field).
    fn deal(semantic: &str, stage: &str) -> Value {
        json!({
            "ID": "6675", "TITLE": "Boiler repair", "TYPE_ID": "SALE", "CATEGORY_ID": "1",
            "STAGE_ID": stage, "STAGE_SEMANTIC_ID": semantic, "CURRENCY_ID": "RUB",
            "OPPORTUNITY": "45000.00", "COMPANY_ID": "0", "CONTACT_ID": "17", "CLOSED": "Y",
            "DATE_CREATE": "2026-11-20T10:00:00+03:00", "DATE_MODIFY": "2026-11-21T18:30:00+03:00",
            "UF_CRM_1700000000": ""
        })
    }

    #[test]
    fn a_deal_update_with_the_tenants_token_names_the_deal_and_its_portal() {
        let n = notice(update(TOKEN, "6675").as_bytes(), TOKEN).unwrap();
        assert_eq!(
            n,
            Notice::Deal {
                id: "6675".into(),
                domain: Some("acme.bitrix24.ru".into())
            }
        );
        let other = update(TOKEN, "1").replace("ONCRMDEALUPDATE", "ONCRMDEALDELETE");
        assert_eq!(
            notice(other.as_bytes(), TOKEN).unwrap(),
            Notice::Ignored("ONCRMDEALDELETE".into())
        );
    }

    #[test]
    fn a_wrong_or_missing_token_is_refused_before_the_event_is_read() {
        let wrong = update("51856fefc120afa4b628cc82d3935ccf", "6675");
        assert!(matches!(
            notice(wrong.as_bytes(), TOKEN),
            Err(WebhookError::Signature(_))
        ));
        assert!(matches!(
            notice(b"event=ONCRMDEALUPDATE&data[FIELDS][ID]=1", TOKEN),
            Err(WebhookError::Signature(_))
        ));
        // Even a body that names nothing valid is a signature failure first.
        assert!(matches!(
            notice(b"event=", TOKEN),
            Err(WebhookError::Signature(_))
        ));
    }

    #[test]
    fn a_deal_id_that_is_not_a_number_is_refused_naming_the_field() {
        for id in ["", "12%2F..%2Fcrm.contact.list", "1%261"] {
            let e = notice(update(TOKEN, id).as_bytes(), TOKEN).unwrap_err();
            assert!(
                matches!(e, WebhookError::Malformed { ref field, .. } if field == "data[FIELDS][ID]"),
                "{id}: {e:?}"
            );
        }
    }

    #[test]
    fn the_stage_semantics_say_won_lost_or_open_in_every_pipeline() {
        let status = |sem: &str, stage: &str| deal_event(&deal(sem, stage), "RU").unwrap().0.status;
        assert_eq!(status("S", "C1:WON"), DealStatus::Won);
        assert_eq!(status("F", "C1:APOLOGY"), DealStatus::Lost);
        assert_eq!(status("P", "C1:PREPAYMENT_INVOICE"), DealStatus::Open);
        assert_eq!(status("", "WON"), DealStatus::Won);
        assert_eq!(status("", "C3:LOSE"), DealStatus::Lost);
        let (ev, contact) = deal_event(&deal("S", "C1:WON"), "RU").unwrap();
        assert_eq!(ev.deal_id, "bitrix24-6675");
        assert_eq!(ev.amount_minor(), 4_500_000);
        assert_eq!(ev.at.to_rfc3339(), "2026-11-21T15:30:00+00:00");
        assert_eq!(contact.as_deref(), Some("17"));
        assert_eq!((ev.call_id, ev.phone), (None, None));
    }

    #[test]
    fn a_custom_field_with_our_call_id_links_the_deal_and_bad_fields_are_named() {
        let mut d = deal("S", "WON");
        d["UF_CRM_1700000000"] = json!(["c_0123456789abcdef0123"]);
        let (ev, _) = deal_event(&d, "RU").unwrap();
        assert_eq!(
            ev.call_id.map(|c| c.as_str().to_string()).as_deref(),
            Some("c_0123456789abcdef0123")
        );
        for (field, value) in [
            ("OPPORTUNITY", "-1"),
            ("OPPORTUNITY", "12,5"),
            ("CURRENCY_ID", "RUBLES"),
            ("DATE_MODIFY", "yesterday"),
        ] {
            let mut d = deal("S", "WON");
            d[field] = json!(value);
            let e = deal_event(&d, "RU").unwrap_err();
            assert!(e.contains(field), "{field}={value}: {e}");
        }
    }

    #[test]
    fn the_contacts_first_phone_that_parses_is_the_customers() {
        let c = json!({"ID": "17", "PHONE": [
            {"ID": "1", "VALUE_TYPE": "WORK", "VALUE": "not a phone", "TYPE_ID": "PHONE"},
            {"ID": "2", "VALUE_TYPE": "MOBILE", "VALUE": "8 (916) 123-45-67", "TYPE_ID": "PHONE"}]});
        assert_eq!(
            contact_phone(&c, "RU")
                .map(|p| p.as_str().to_string())
                .as_deref(),
            Some("+79161234567")
        );
        assert_eq!(contact_phone(&json!({"ID": "17"}), "RU"), None);
    }

    #[test]
    fn the_incoming_webhook_url_is_https_on_a_named_host_with_user_and_key() {
        let r = Rest::parse("https://acme.bitrix24.ru/rest/1/abc123xyz/").unwrap();
        assert_eq!(r.host(), "acme.bitrix24.ru");
        assert_eq!(
            r.request("crm.deal.get", "6675").url,
            "https://acme.bitrix24.ru/rest/1/abc123xyz/crm.deal.get.json?id=6675"
        );
        assert_eq!(
            Rest::parse("https://acme.bitrix24.ru/rest/1/abc123xyz/profile.json").unwrap(),
            r
        );
        for bad in [
            "http://acme.bitrix24.ru/rest/1/abc/",
            "https://10.0.0.1/rest/1/abc/",
            "https://acme.bitrix24.ru:8443/rest/1/abc/",
            "https://acme.bitrix24.ru/rest/x/abc/",
            "https://acme.bitrix24.ru/rest/1/",
            "https://acme.bitrix24.ru/rest/1/abc/?x=1",
            "https://user@acme.bitrix24.ru/rest/1/abc/",
        ] {
            assert!(Rest::parse(bad).is_err(), "{bad}");
        }
    }
}
