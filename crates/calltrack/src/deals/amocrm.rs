//! amoCRM's deal webhooks: `application/x-www-form-urlencoded` bodies such as
//! `leads[status][0][id]=…&leads[status][0][status_id]=142&leads[status][0][pipeline_id]=…
//! &leads[status][0][price]=…` (also `leads[update]`, `leads[add]`), one delivery naming one or
//! more leads. Status 142 is "won" ("Успешно реализовано") and 143 "lost" in every pipeline;
//! any other status is an open deal.
//!
//! amoCRM does not sign webhooks, so the URL carries the tenant's `amocrm` secret
//! (`/v1/hooks/{tenant}/amocrm/{secret}`), compared in constant time before anything is read. A
//! lead is linked to its call by a custom field whose value is our call id (`c_…`) or a phone
//! number. The webhook carries no contact phone; docs/webhooks.md shows how to keep one on the
//! lead.

use std::collections::BTreeMap;

use chrono::{DateTime, TimeZone, Utc};

use super::DealEvent;
use crate::model::*;
use crate::telephony::signature::ct_eq;
use crate::telephony::WebhookError;

/// amoCRM's fixed status ids for closed deals.
pub const WON: &str = "142";
pub const LOST: &str = "143";

/// Checks the secret from the URL against the tenant's, in constant time.
pub fn verify(given: &str, secret: &str) -> Result<(), WebhookError> {
    if ct_eq(given.as_bytes(), secret.as_bytes()) {
        Ok(())
    } else {
        Err(WebhookError::signature(
            "the amoCRM webhook URL's secret is wrong",
        ))
    }
}

/// The deal updates in one amoCRM webhook, in the tenant's currency (amoCRM's `price` is in the
/// account's currency, which the tenant reports in). `now` dates a lead without a time.
pub fn parse(
    body: &[u8],
    currency: Currency,
    default_region: &str,
    now: DateTime<Utc>,
) -> Result<Vec<DealEvent>, WebhookError> {
    let pairs: Vec<(String, String)> = serde_urlencoded::from_bytes(body)
        .map_err(|e| WebhookError::malformed("body", format!("not a form: {e}")))?;
    // leads[<action>][<n>][<field...>] -> value, per (action, n).
    let mut leads: BTreeMap<(String, u32), BTreeMap<String, String>> = BTreeMap::new();
    for (k, v) in pairs {
        let Some(rest) = k.strip_prefix("leads[") else {
            continue;
        };
        let parts: Vec<&str> = rest.split("][").map(|p| p.trim_end_matches(']')).collect();
        let [action, n, field @ ..] = parts.as_slice() else {
            continue;
        };
        let (Ok(n), false) = (n.parse::<u32>(), field.is_empty()) else {
            continue;
        };
        leads
            .entry((action.to_string(), n))
            .or_default()
            .insert(field.join("."), v);
    }
    if leads.is_empty() {
        return Err(WebhookError::malformed(
            "leads",
            "no leads[status|update|add][n][...] fields: not an amoCRM deal webhook",
        ));
    }
    let mut out = vec![];
    for ((action, n), f) in leads {
        if action == "delete" {
            continue;
        }
        let field = |name: &str| format!("leads[{action}][{n}][{name}]");
        let id = f
            .get("id")
            .filter(|v| !v.trim().is_empty())
            .ok_or_else(|| WebhookError::malformed(field("id"), "is missing"))?;
        let status_id = f.get("status_id").map(|s| s.trim()).unwrap_or("");
        let status = match status_id {
            WON => DealStatus::Won,
            LOST => DealStatus::Lost,
            _ => DealStatus::Open,
        };
        let price = f.get("price").map(|p| p.trim()).filter(|p| !p.is_empty());
        let amount = price.unwrap_or("0").to_string();
        super::crm::check_amount(currency, &amount)
            .map_err(|r| WebhookError::malformed(field("price"), r))?;
        let at = ["last_modified", "updated_at", "date_create", "created_at"]
            .iter()
            .find_map(|k| f.get(*k).and_then(|v| v.trim().parse::<i64>().ok()))
            .and_then(|s| Utc.timestamp_opt(s, 0).single())
            .unwrap_or(now);
        // Custom fields: a call id or a phone kept on the lead links it to its call.
        let (call_id, phone) = super::link_from_fields(
            f.iter()
                .filter(|(k, _)| k.starts_with("custom_fields.") && k.ends_with(".value"))
                .map(|(_, v)| v.as_str()),
            default_region,
        );
        out.push(DealEvent {
            event_id: format!("amocrm:{id}:{status_id}:{}:{}", at.timestamp(), amount),
            deal_id: format!("amocrm-{}", id.trim()),
            status,
            amount,
            currency,
            at,
            call_id,
            phone,
        });
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rub() -> Currency {
        Currency::parse("RUB").unwrap()
    }

    fn now() -> DateTime<Utc> {
        Utc.timestamp_opt(1_764_000_000, 0).unwrap()
    }

    #[test]
    fn a_lead_moved_to_won_is_a_won_deal_with_its_price_and_phone() {
        // As amoCRM sends a status change (docs: "Формат WebHooks"), with a custom phone field.
        let body = "leads%5Bstatus%5D%5B0%5D%5Bid%5D=25399013&leads%5Bstatus%5D%5B0%5D%5Bstatus_id%5D=142\
            &leads%5Bstatus%5D%5B0%5D%5Bpipeline_id%5D=3104455&leads%5Bstatus%5D%5B0%5D%5Bold_status_id%5D=142\
            &leads%5Bstatus%5D%5B0%5D%5Bprice%5D=45000&leads%5Bstatus%5D%5B0%5D%5Blast_modified%5D=1763990000\
            &leads%5Bstatus%5D%5B0%5D%5Bcustom_fields%5D%5B0%5D%5Bid%5D=512\
            &leads%5Bstatus%5D%5B0%5D%5Bcustom_fields%5D%5B0%5D%5Bvalues%5D%5B0%5D%5Bvalue%5D=%2B7%20916%20123-45-67\
            &account%5Bsubdomain%5D=demo&account%5Bid%5D=29085955";
        let d = parse(body.as_bytes(), rub(), "RU", now()).unwrap();
        assert_eq!(d.len(), 1);
        assert_eq!(d[0].deal_id, "amocrm-25399013");
        assert_eq!(d[0].status, DealStatus::Won);
        assert_eq!(d[0].amount_minor(), 4_500_000);
        assert_eq!(d[0].at.timestamp(), 1_763_990_000);
        assert_eq!(
            d[0].phone.as_ref().map(|p| p.as_str()),
            Some("+79161234567")
        );
    }

    #[test]
    fn statuses_map_to_open_won_lost_and_a_call_id_field_links_the_call() {
        let body =
            "leads[update][0][id]=1&leads[update][0][status_id]=143&leads[update][0][price]=\
            &leads[update][1][id]=2&leads[update][1][status_id]=31443&leads[update][1][price]=100\
            &leads[update][1][custom_fields][0][values][0][value]=c_0123456789abcdef0123";
        let d = parse(body.as_bytes(), rub(), "RU", now()).unwrap();
        assert_eq!(d.len(), 2);
        assert_eq!((d[0].status, d[0].amount_minor()), (DealStatus::Lost, 0));
        assert_eq!(d[0].at, now(), "no time given: when it arrived");
        assert_eq!(d[1].status, DealStatus::Open);
        assert_eq!(
            d[1].call_id.as_ref().map(|c| c.as_str()),
            Some("c_0123456789abcdef0123")
        );
    }

    #[test]
    fn bad_bodies_and_wrong_secrets_are_refused() {
        assert!(matches!(
            parse(b"contacts[add][0][id]=1", rub(), "RU", now()),
            Err(WebhookError::Malformed { .. })
        ));
        let e = parse(b"leads[status][0][status_id]=142", rub(), "RU", now()).unwrap_err();
        assert!(
            matches!(e, WebhookError::Malformed { ref field, .. } if field == "leads[status][0][id]")
        );
        let e = parse(
            b"leads[status][0][id]=1&leads[status][0][price]=-5",
            rub(),
            "RU",
            now(),
        )
        .unwrap_err();
        assert!(
            matches!(e, WebhookError::Malformed { ref field, .. } if field == "leads[status][0][price]")
        );
        assert!(verify("s3cret", "s3cret").is_ok());
        assert!(matches!(
            verify("s3cre", "s3cret"),
            Err(WebhookError::Signature(_))
        ));
    }
}
