//! Revenue and spend: CRM deals linked to the calls that brought them, and ad cost imports.
//!
//! [`crm`] verifies and reads the CRM deal webhooks ([`amocrm`] amoCRM's, [`bitrix24`] Bitrix24's); [`record_deal`] links a deal to its call
//! and commits it with its rollups, exactly once.

pub mod amocrm;
pub mod bitrix24;
pub mod crm;

pub use crm::DealEvent;

use chrono::{DateTime, Duration, NaiveDate, Utc};
use serde::Deserialize;

use crate::model::*;
use crate::ports::*;
use crate::rollups;

/// How far back a deal without a call id looks for the customer's call.
pub const LINK_WINDOW_DAYS: i64 = 30;
const MAX_ATTEMPTS: usize = 8;

/// The channel (and every group) of a deal no call could be linked to.
const UNLINKED: &str = "(unlinked)";

/// What became of a deal webhook.
#[derive(Debug, Clone, PartialEq)]
pub enum DealRecorded {
    Applied(Box<Deal>),
    Duplicate,
}

#[derive(Debug, thiserror::Error)]
pub enum DealError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("{0}")]
    Invalid(#[from] Invalid),
    #[error("the deal changed under us {0} times in a row; retry")]
    Contended(usize),
}

/// The call id and the phone number among a CRM record's custom field values: what links a
/// deal to its call when the CRM's webhook carries no contact (amoCRM, Bitrix24).
pub(crate) fn link_from_fields<'a>(
    values: impl IntoIterator<Item = &'a str>,
    default_region: &str,
) -> (Option<CallId>, Option<PhoneNumber>) {
    let (mut call_id, mut phone) = (None, None);
    for v in values {
        let v = v.trim();
        if let Ok(c) = CallId::parse(v) {
            call_id = Some(c);
        } else if phone.is_none() && v.chars().filter(|c| c.is_ascii_digit()).count() >= 7 {
            phone = PhoneNumber::parse(v, Some(default_region)).ok();
        }
    }
    (call_id, phone)
}

/// Records a deal update, linked to a call (by our call id, else the customer's most recent
/// inbound call within 30 days); an unmatched deal is kept as `(unlinked)`, never dropped.
/// Updates apply in the CRM's order (`at`): a stale one is answered as a duplicate.
pub async fn record_deal(
    store: &dyn Store,
    tenant: &Tenant,
    ev: &DealEvent,
    now: DateTime<Utc>,
) -> Result<DealRecorded, DealError> {
    if ev.currency != tenant.currency {
        return Err(Invalid::new(
            "currency",
            format!(
                "the tenant reports in {}, not {}",
                tenant.currency.as_str(),
                ev.currency.as_str()
            ),
        )
        .into());
    }
    let call = linked_call(store, tenant, ev).await?;
    let claim = EventKey {
        tenant: tenant.id.clone(),
        key: format!("crm:{}", ev.event_id),
        expires_at: now + Duration::days(14),
    };
    for _ in 0..MAX_ATTEMPTS {
        let old = store.get_deal(&tenant.id, &ev.deal_id).await?;
        // Updates are ordered by the CRM's time, not by arrival: one older than the deal as
        // stored changes nothing (an `open` sent before the `won` that arrived first).
        if old.as_ref().is_some_and(|d| ev.at < d.at) {
            return Ok(DealRecorded::Duplicate);
        }
        // A deal keeps the call it was first linked to unless the CRM names one.
        let keep = old
            .as_ref()
            .filter(|d| d.call_id.is_some() && ev.call_id.is_none());
        let (call_id, channel, groups, day) = match (keep, &call) {
            (Some(d), _) => (
                d.call_id.clone(),
                d.channel.clone(),
                d.groups.clone(),
                d.day,
            ),
            (None, Some(c)) => (
                Some(c.id.clone()),
                c.attribution.channel.clone(),
                Some(rollups::call_groups(c)),
                tenant.day_of(c.started_at),
            ),
            (None, None) => (
                None,
                UNLINKED.to_string(),
                Some(Groups::all(UNLINKED)),
                tenant.day_of(ev.at),
            ),
        };
        let deal = Deal {
            tenant: tenant.id.clone(),
            id: ev.deal_id.clone(),
            status: ev.status,
            amount_minor: ev.amount_minor(),
            currency: ev.currency,
            at: ev.at,
            call_id,
            caller: ev
                .phone
                .clone()
                .or_else(|| old.as_ref().and_then(|d| d.caller.clone())),
            channel,
            groups,
            day,
            version: 0,
        };
        let before = old.iter().flat_map(rollups::deal_contribution);
        let after = rollups::deal_contribution(&deal);
        let write = DealWrite::new(deal, old.clone());
        let commit = Commit {
            tenant: Some(tenant.id.clone()),
            event: Some(claim.clone()),
            calls: vec![],
            deal: Some(write.clone()),
            rollups: rollups::diff(before, after),
            ..Commit::default()
        };
        match store.commit(&commit).await? {
            CommitOutcome::Committed => return Ok(DealRecorded::Applied(Box::new(write.deal))),
            CommitOutcome::Duplicate => return Ok(DealRecorded::Duplicate),
            CommitOutcome::Conflict => continue,
        }
    }
    Err(DealError::Contended(MAX_ATTEMPTS))
}

async fn linked_call(
    store: &dyn Store,
    tenant: &Tenant,
    ev: &DealEvent,
) -> Result<Option<Call>, DealError> {
    if let Some(id) = &ev.call_id {
        return match store.get_call(&tenant.id, id).await? {
            Some(c) => Ok(Some(c)),
            None => Err(Invalid::new("call_id", format!("no call {id} for this tenant")).into()),
        };
    }
    let Some(phone) = &ev.phone else {
        return Ok(None);
    };
    let since = ev.at - Duration::days(LINK_WINDOW_DAYS);
    let calls = store.calls_with(&tenant.id, phone, since).await?;
    Ok(calls
        .into_iter()
        .filter(|c| c.direction == Direction::Inbound && c.started_at <= ev.at)
        .max_by_key(|c| c.started_at))
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct CostRow {
    date: String,
    channel: String,
    #[serde(default)]
    campaign: Option<String>,
    cost: serde_json::Value,
    currency: String,
}

/// Parses an ad cost import: CSV with a header row, or a JSON array of rows, each
/// `date, channel, campaign, cost, currency` with cost in major units. Any bad row rejects the
/// whole import, naming the row (1-based, header excluded) and the reason.
pub fn parse_costs(tenant: &Tenant, body: &[u8], is_json: bool) -> Result<Vec<Cost>, Invalid> {
    let rows: Vec<(usize, CostRow)> = if is_json {
        let v: Vec<serde_json::Value> = serde_json::from_slice(body).map_err(|e| {
            Invalid::new("body", format!("expected a JSON array of cost rows: {e}"))
        })?;
        v.into_iter()
            .enumerate()
            .map(|(i, r)| {
                serde_json::from_value(r)
                    .map(|r| (i + 1, r))
                    .map_err(|e| Invalid::new(format!("row {}", i + 1), e.to_string()))
            })
            .collect::<Result<_, _>>()?
    } else {
        let mut rd = csv::ReaderBuilder::new()
            .trim(csv::Trim::All)
            .from_reader(body);
        let headers = rd
            .headers()
            .map_err(|e| Invalid::new("body", format!("not CSV: {e}")))?
            .clone();
        for need in ["date", "channel", "cost", "currency"] {
            if !headers.iter().any(|h| h == need) {
                return Err(Invalid::new(
                    "header",
                    format!(
                        "the CSV header lacks '{need}' (want date,channel,campaign,cost,currency)"
                    ),
                ));
            }
        }
        let mut out = vec![];
        for (i, rec) in rd.records().enumerate() {
            let rec = rec.map_err(|e| Invalid::new(format!("row {}", i + 1), e.to_string()))?;
            let get = |k: &str| {
                headers
                    .iter()
                    .position(|h| h == k)
                    .and_then(|p| rec.get(p))
                    .map(str::to_string)
            };
            out.push((
                i + 1,
                CostRow {
                    date: get("date").unwrap_or_default(),
                    channel: get("channel").unwrap_or_default(),
                    campaign: get("campaign"),
                    cost: serde_json::Value::String(get("cost").unwrap_or_default()),
                    currency: get("currency").unwrap_or_default(),
                },
            ));
        }
        out
    };
    if rows.is_empty() {
        return Err(Invalid::new("body", "no cost rows"));
    }
    let mut seen = std::collections::HashSet::new();
    rows.into_iter()
        .map(|(n, r)| {
            let at = |reason: String| Invalid::new(format!("row {n}"), reason);
            let date: NaiveDate = r
                .date
                .trim()
                .parse()
                .map_err(|_| at(format!("date '{}' is not YYYY-MM-DD", r.date)))?;
            let channel = r.channel.trim().to_lowercase();
            if channel.is_empty() {
                return Err(at("channel is empty".into()));
            }
            let currency = Currency::parse(&r.currency).map_err(|e| at(e.reason))?;
            if currency != tenant.currency {
                return Err(at(format!(
                    "currency {} differs from the tenant's {}",
                    currency.as_str(),
                    tenant.currency.as_str()
                )));
            }
            let cost_text = match &r.cost {
                serde_json::Value::String(s) => s.clone(),
                serde_json::Value::Number(n) => n.to_string(),
                other => return Err(at(format!("cost {other} is not a number"))),
            };
            let cost_minor = currency.parse_major(&cost_text).map_err(|e| at(e.reason))?;
            if cost_minor < 0 {
                return Err(at("cost is negative".into()));
            }
            let campaign = r.campaign.unwrap_or_default().trim().to_string();
            if !seen.insert((date, channel.clone(), campaign.clone())) {
                return Err(at(format!(
                    "a second row for {date}, {channel}, '{campaign}'"
                )));
            }
            Ok(Cost {
                date,
                channel,
                campaign,
                cost_minor,
                currency,
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tenant() -> Tenant {
        Tenant::new(TenantId::parse("acme").unwrap(), "Acme")
    }

    #[test]
    fn csv_and_json_cost_imports_read_the_same_rows() {
        let csv = b"date,channel,campaign,cost,currency\n2026-01-01,google/cpc,brand,12.50,USD\n2026-01-01,Billboard,,300,usd\n";
        let json = br#"[{"date":"2026-01-01","channel":"google/cpc","campaign":"brand","cost":12.5,"currency":"USD"},
                        {"date":"2026-01-01","channel":"billboard","cost":"300","currency":"USD"}]"#;
        let a = parse_costs(&tenant(), csv, false).unwrap();
        let b = parse_costs(&tenant(), json, true).unwrap();
        assert_eq!(a, b);
        assert_eq!(a[0].cost_minor, 1250);
        assert_eq!(a[1].channel, "billboard");
    }

    #[test]
    fn one_bad_row_rejects_the_import_naming_the_row() {
        let csv = b"date,channel,campaign,cost,currency\n2026-01-01,google/cpc,,1,USD\n2026-13-01,google/cpc,,1,USD\n";
        let e = parse_costs(&tenant(), csv, false).unwrap_err();
        assert_eq!(e.field, "row 2");
        let e = parse_costs(
            &tenant(),
            b"date,channel,cost,currency\n2026-01-01,x,1.234,USD\n",
            false,
        )
        .unwrap_err();
        assert_eq!(e.field, "row 1");
        let e = parse_costs(&tenant(), b"date,channel\n", false).unwrap_err();
        assert_eq!(e.field, "header");
        let e = parse_costs(
            &tenant(),
            b"[{\"date\":\"2026-01-01\",\"channel\":\"x\",\"cost\":1,\"currency\":\"EUR\"}]",
            true,
        )
        .unwrap_err();
        assert!(e.reason.contains("EUR"));
    }
}
