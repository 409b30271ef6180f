//! Offline conversions for the ad platforms, whose bidding learns only from what it is fed: won
//! deals and calls of a period in each platform's documented upload format (docs/exports.md).
//!
//! - `google-ads`: Google Ads click conversions CSV (won deals whose call carries a gclid).
//! - `google-ads-calls`: Google Ads call conversions CSV (answered calls from Google Ads).
//! - `yandex-offline`: Yandex Metrica offline conversions CSV (won deals with a ClientID/yclid).
//! - `yandex-calls`: Yandex Metrica calls CSV (every inbound call with a ClientID/yclid).
//! - `ga4`: GA4 Measurement Protocol bodies, one JSON per line (answered calls with a GA client id).
//!
//! Every row comes from a stored call or deal; what an export had to leave out (no click id,
//! too old for the platform) is counted in its notes, never silently dropped.

use std::collections::HashMap;

use chrono::{DateTime, Duration, NaiveDate, Utc};
use serde_json::json;

use crate::model::*;
use crate::ports::*;
use crate::roi::day_bounds;

/// The conversion name when none is given (set the same name up in the platform).
pub const DEFAULT_GOAL: &str = "Phone call";

/// Google Ads takes click conversions up to 90 days after the click.
const GOOGLE_CLICK_DAYS: i64 = 90;
/// GA4's Measurement Protocol accepts events at most 72 hours old.
const GA4_MAX_AGE_HOURS: i64 = 72;
/// Calls read per store page while exporting.
const PAGE: usize = 500;

/// The formats the platforms take.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExportKind {
    GoogleAds,
    GoogleAdsCalls,
    YandexOffline,
    YandexCalls,
    Ga4,
}

impl ExportKind {
    pub const ALL: [Self; 5] = [
        Self::GoogleAds,
        Self::GoogleAdsCalls,
        Self::YandexOffline,
        Self::YandexCalls,
        Self::Ga4,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::GoogleAds => "google-ads",
            Self::GoogleAdsCalls => "google-ads-calls",
            Self::YandexOffline => "yandex-offline",
            Self::YandexCalls => "yandex-calls",
            Self::Ga4 => "ga4",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.as_str() == s)
    }

    /// The file's media type.
    pub fn content_type(self) -> &'static str {
        match self {
            Self::Ga4 => "application/x-ndjson",
            _ => "text/csv; charset=utf-8",
        }
    }

    /// The file name an export is stored under (`exports/<tenant>/<from>_<to>/<name>`).
    pub fn file_name(self) -> String {
        match self {
            Self::Ga4 => format!("{}.ndjson", self.as_str()),
            _ => format!("{}.csv", self.as_str()),
        }
    }
}

/// An export: the file, how many rows it has, and what it left out and why.
#[derive(Debug, Clone, PartialEq)]
pub struct Export {
    pub kind: ExportKind,
    pub body: String,
    pub rows: usize,
    pub notes: Vec<String>,
}

/// The export of `kind` for `[from, to]` (days in the tenant's zone), conversions named `goal`.
pub async fn export(
    store: &dyn Store,
    tenant: &Tenant,
    kind: ExportKind,
    from: NaiveDate,
    to: NaiveDate,
    goal: &str,
    now: DateTime<Utc>,
) -> Result<Export, StoreError> {
    let won = won_deals(store, tenant, from, to).await?;
    match kind {
        ExportKind::GoogleAds | ExportKind::YandexOffline => {
            let mut rows = vec![];
            for deal in &won {
                let call = match &deal.call_id {
                    Some(id) => store.get_call(&tenant.id, id).await?,
                    None => None,
                };
                rows.push((deal, call));
            }
            Ok(if kind == ExportKind::GoogleAds {
                google_clicks(tenant, &rows, goal)
            } else {
                yandex_offline(&rows, goal)
            })
        }
        _ => {
            let by_call: HashMap<&CallId, &Deal> = won
                .iter()
                .filter_map(|d| d.call_id.as_ref().map(|c| (c, d)))
                .collect();
            let mut rows: Box<dyn CallRows + '_> = match kind {
                ExportKind::GoogleAdsCalls => Box::new(GoogleCalls::new(tenant, &by_call, goal)),
                ExportKind::YandexCalls => Box::new(YandexCalls::new(&by_call)),
                _ => Box::new(Ga4Events::new(&by_call, goal, now)),
            };
            each_inbound_call(store, tenant, from, to, |c| rows.add(c)).await?;
            Ok(rows.finish())
        }
    }
}

/// A calls export being written: it takes the period's calls one at a time and keeps only its
/// own rows, so an export never holds the period's calls (only what it will print).
trait CallRows: Send {
    fn add(&mut self, call: &Call);
    fn finish(self: Box<Self>) -> Export;
}

async fn won_deals(
    store: &dyn Store,
    tenant: &Tenant,
    from: NaiveDate,
    to: NaiveDate,
) -> Result<Vec<Deal>, StoreError> {
    let mut won: Vec<Deal> = store
        .deals_between(&tenant.id, from, to)
        .await?
        .into_iter()
        .filter(|d| d.status == DealStatus::Won)
        .collect();
    won.sort_by(|a, b| a.at.cmp(&b.at).then_with(|| a.id.cmp(&b.id)));
    Ok(won)
}

/// Hands the period's inbound calls to `f` in time order, one store page at a time (at most
/// [`PAGE`] calls in memory).
async fn each_inbound_call(
    store: &dyn Store,
    tenant: &Tenant,
    from: NaiveDate,
    to: NaiveDate,
    mut f: impl FnMut(&Call),
) -> Result<(), StoreError> {
    let (start, end) = day_bounds(tenant, from, to);
    let mut cursor: Option<CallCursor> = None;
    loop {
        let page = store
            .calls_page(&tenant.id, start, end, cursor.as_ref(), PAGE)
            .await?;
        let full = page.len() == PAGE;
        cursor = page.last().map(CallCursor::after);
        for c in page.iter().filter(|c| c.direction == Direction::Inbound) {
            f(c);
        }
        if !full {
            return Ok(());
        }
    }
}

fn visit(call: Option<&Call>) -> Option<&Visit> {
    call.and_then(|c| c.attribution.visit.as_ref())
}

fn present(v: &Option<String>) -> Option<&str> {
    v.as_deref().filter(|s| !s.trim().is_empty())
}

/// `2026-09-20 18:30:00+03:00`: the instant in the tenant's zone with its UTC offset, as
/// Google Ads reads it without a `Parameters:TimeZone` row.
fn google_time(tenant: &Tenant, at: DateTime<Utc>) -> String {
    at.with_timezone(&tenant.tz())
        .format("%Y-%m-%d %H:%M:%S%:z")
        .to_string()
}

fn csv_body(header: &[&str], rows: &[Vec<String>]) -> String {
    let mut w = csv::Writer::from_writer(vec![]);
    let _ = w.write_record(header);
    for r in rows {
        let _ = w.write_record(r);
    }
    String::from_utf8(w.into_inner().unwrap_or_default()).unwrap_or_default()
}

fn note(notes: &mut Vec<String>, n: usize, what: &str) {
    if n > 0 {
        notes.push(format!("{n} {what}"));
    }
}

fn google_clicks(tenant: &Tenant, rows: &[(&Deal, Option<Call>)], goal: &str) -> Export {
    let (mut out, mut no_click, mut too_old) = (vec![], 0, 0);
    for (deal, call) in rows {
        let Some(gclid) = visit(call.as_ref()).and_then(|v| present(&v.gclid)) else {
            no_click += 1;
            continue;
        };
        // The click came before the call; the call's start bounds its age from below.
        let clicked = call.as_ref().map_or(deal.at, |c| c.started_at);
        if deal.at - clicked > Duration::days(GOOGLE_CLICK_DAYS) {
            too_old += 1;
            continue;
        }
        out.push(vec![
            gclid.to_string(),
            goal.to_string(),
            google_time(tenant, deal.at),
            deal.currency.format(deal.amount_minor),
            deal.currency.as_str().to_string(),
        ]);
    }
    let mut notes = vec![];
    note(
        &mut notes,
        no_click,
        "won deals left out: their call carries no gclid (Google Ads matches click conversions by gclid)",
    );
    note(
        &mut notes,
        too_old,
        "won deals left out: won more than 90 days after the click, which Google Ads no longer accepts",
    );
    Export {
        kind: ExportKind::GoogleAds,
        rows: out.len(),
        body: csv_body(
            &[
                "Google Click ID",
                "Conversion Name",
                "Conversion Time",
                "Conversion Value",
                "Conversion Currency",
            ],
            &out,
        ),
        notes,
    }
}

fn from_google_ads(call: &Call) -> bool {
    let v = visit(Some(call));
    call.attribution.channel == "google/cpc"
        || v.is_some_and(|v| present(&v.gclid).is_some() || present(&v.gbraid).is_some())
}

struct GoogleCalls<'a> {
    tenant: &'a Tenant,
    won: &'a HashMap<&'a CallId, &'a Deal>,
    goal: &'a str,
    out: Vec<Vec<String>>,
    other: usize,
    unanswered: usize,
}

impl<'a> GoogleCalls<'a> {
    fn new(tenant: &'a Tenant, won: &'a HashMap<&'a CallId, &'a Deal>, goal: &'a str) -> Self {
        Self {
            tenant,
            won,
            goal,
            out: vec![],
            other: 0,
            unanswered: 0,
        }
    }
}

impl CallRows for GoogleCalls<'_> {
    fn add(&mut self, c: &Call) {
        if !from_google_ads(c) {
            self.other += 1;
            return;
        }
        let Some(caller) = c.caller.as_ref().filter(|_| c.outcome == Outcome::Answered) else {
            self.unanswered += 1;
            return;
        };
        let deal = self.won.get(&c.id);
        self.out.push(vec![
            caller.as_str().to_string(),
            google_time(self.tenant, c.started_at),
            self.goal.to_string(),
            google_time(self.tenant, c.answered_at.unwrap_or(c.started_at)),
            deal.map(|d| d.currency.format(d.amount_minor))
                .unwrap_or_default(),
            deal.map(|d| d.currency.as_str().to_string())
                .unwrap_or_default(),
        ]);
    }

    fn finish(self: Box<Self>) -> Export {
        let mut notes = vec![format!(
            "Google Ads matches call conversions only to calls that came through its own forwarding numbers \
             (call assets, call-only ads); these {} rows are answered calls attributed to Google Ads, and any \
             the platform cannot match it reports as unmatched.",
            self.out.len()
        )];
        note(
            &mut notes,
            self.other,
            "calls left out: not from Google Ads",
        );
        note(
            &mut notes,
            self.unanswered,
            "Google Ads calls left out: missed, short or without a caller id",
        );
        Export {
            kind: ExportKind::GoogleAdsCalls,
            rows: self.out.len(),
            body: csv_body(
                &[
                    "Caller's Phone Number",
                    "Call Start Time",
                    "Conversion Name",
                    "Conversion Time",
                    "Conversion Value",
                    "Conversion Currency",
                ],
                &self.out,
            ),
            notes,
        }
    }
}

/// Metrica's visitor id column for deal rows: `ClientId` when any row has one, else `Yclid`.
fn metrica_ids<'a>(visits: impl Iterator<Item = Option<&'a Visit>> + Clone) -> &'static str {
    if visits
        .clone()
        .any(|v| v.is_some_and(|v| present(&v.ym_client_id).is_some()))
    {
        "ClientId"
    } else {
        "Yclid"
    }
}

fn metrica_id<'a>(column: &str, v: Option<&'a Visit>) -> Option<&'a str> {
    let v = v?;
    if column == "ClientId" {
        present(&v.ym_client_id)
    } else {
        present(&v.yclid)
    }
}

fn yandex_offline(rows: &[(&Deal, Option<Call>)], goal: &str) -> Export {
    let column = metrica_ids(rows.iter().map(|(_, c)| visit(c.as_ref())));
    let (mut out, mut left) = (vec![], 0);
    for (deal, call) in rows {
        let Some(id) = metrica_id(column, visit(call.as_ref())) else {
            left += 1;
            continue;
        };
        out.push(vec![
            id.to_string(),
            goal.to_string(),
            deal.at.timestamp().to_string(),
            deal.currency.format(deal.amount_minor),
            deal.currency.as_str().to_string(),
        ]);
    }
    let mut notes = vec![];
    note(
        &mut notes,
        left,
        &format!("won deals left out: their call carries no {column}"),
    );
    Export {
        kind: ExportKind::YandexOffline,
        rows: out.len(),
        body: csv_body(&[column, "Target", "DateTime", "Price", "Currency"], &out),
        notes,
    }
}

fn flag(b: bool) -> String {
    if b { "1" } else { "0" }.to_string()
}

/// Metrica's calls upload: the id column is decided by all rows (`ClientId` if any has one), so
/// each call's row waits with both of its ids until the last call is in.
struct YandexCalls<'a> {
    won: &'a HashMap<&'a CallId, &'a Deal>,
    rows: Vec<(Option<String>, Option<String>, Vec<String>)>,
    no_id: usize,
}

impl<'a> YandexCalls<'a> {
    fn new(won: &'a HashMap<&'a CallId, &'a Deal>) -> Self {
        Self {
            won,
            rows: vec![],
            no_id: 0,
        }
    }
}

impl CallRows for YandexCalls<'_> {
    fn add(&mut self, c: &Call) {
        let v = visit(Some(c));
        let client = metrica_id("ClientId", v).map(str::to_string);
        let yclid = metrica_id("Yclid", v).map(str::to_string);
        if client.is_none() && yclid.is_none() {
            self.no_id += 1;
            return;
        }
        let deal = self.won.get(&c.id);
        let missed = !matches!(c.outcome, Outcome::Answered | Outcome::Short);
        let tag = match deal {
            Some(_) => "deal won".to_string(),
            None => c.outcome.as_str().to_string(),
        };
        let rest = vec![
            c.started_at.timestamp().to_string(),
            flag(c.attribution.method == AttributionMethod::Static),
            deal.map(|d| d.currency.format(d.amount_minor))
                .unwrap_or_default(),
            deal.map(|d| d.currency.as_str().to_string())
                .unwrap_or_default(),
            c.tracking_number
                .as_ref()
                .map(|n| n.as_str().to_string())
                .unwrap_or_default(),
            c.talk_seconds.unwrap_or(0).to_string(),
            c.ring_seconds.unwrap_or(0).to_string(),
            flag(missed),
            tag,
            flag(c.first_time_caller),
            v.and_then(|v| v.landing_page.clone()).unwrap_or_default(),
            String::new(),
        ];
        self.rows.push((client, yclid, rest));
    }

    fn finish(self: Box<Self>) -> Export {
        let column = if self.rows.iter().any(|(client, _, _)| client.is_some()) {
            "ClientId"
        } else {
            "Yclid"
        };
        let mut left = self.no_id;
        let mut out = vec![];
        for (client, yclid, rest) in self.rows {
            let id = if column == "ClientId" { client } else { yclid };
            match id {
                Some(id) => out.push(std::iter::once(id).chain(rest).collect::<Vec<_>>()),
                None => left += 1,
            }
        }
        let mut notes = vec![];
        note(
            &mut notes,
            left,
            &format!(
                "calls left out: no {column} (a static number's callers, or a visit without Metrica)"
            ),
        );
        Export {
            kind: ExportKind::YandexCalls,
            rows: out.len(),
            body: csv_body(
                &[
                    column,
                    "DateTime",
                    "StaticCall",
                    "Price",
                    "Currency",
                    "PhoneNumber",
                    "TalkDuration",
                    "HoldDuration",
                    "CallMissed",
                    "Tag",
                    "FirstTimeCaller",
                    "URL",
                    "CallTrackerURL",
                ],
                &out,
            ),
            notes,
        }
    }
}

/// A GA4 event name from the goal: lower-case letters, digits and underscores, starting with a
/// letter, at most 40 characters (`Phone call` -> `phone_call`).
pub fn ga4_event_name(goal: &str) -> String {
    let mut name: String = goal
        .trim()
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() {
                c.to_ascii_lowercase()
            } else {
                '_'
            }
        })
        .collect();
    if !name.starts_with(|c: char| c.is_ascii_alphabetic()) {
        name.insert_str(0, "call_");
    }
    name.truncate(40);
    name
}

struct Ga4Events<'a> {
    won: &'a HashMap<&'a CallId, &'a Deal>,
    name: String,
    now: DateTime<Utc>,
    lines: Vec<String>,
    no_client: usize,
    too_old: usize,
    unanswered: usize,
}

impl<'a> Ga4Events<'a> {
    fn new(won: &'a HashMap<&'a CallId, &'a Deal>, goal: &str, now: DateTime<Utc>) -> Self {
        Self {
            won,
            name: ga4_event_name(goal),
            now,
            lines: vec![],
            no_client: 0,
            too_old: 0,
            unanswered: 0,
        }
    }
}

impl CallRows for Ga4Events<'_> {
    fn add(&mut self, c: &Call) {
        if c.outcome != Outcome::Answered {
            self.unanswered += 1;
            return;
        }
        let v = visit(Some(c));
        let Some(client) = v.and_then(|v| present(&v.ga_client_id)) else {
            self.no_client += 1;
            return;
        };
        if self.now - c.started_at > Duration::hours(GA4_MAX_AGE_HOURS) {
            self.too_old += 1;
            return;
        }
        let mut params = json!({
            "engagement_time_msec": 1,
            "call_id": c.id.as_str(),
            "channel": c.attribution.channel,
            "talk_seconds": c.talk_seconds.unwrap_or(0),
            "first_time_caller": c.first_time_caller,
        });
        if let Some(s) = v.and_then(|v| present(&v.ga_session_id)) {
            params["session_id"] = json!(s);
        }
        if let Some(d) = self.won.get(&c.id) {
            params["value"] = json!(d.currency.to_major(d.amount_minor));
            params["currency"] = json!(d.currency.as_str());
        }
        let body = json!({
            "client_id": client,
            "timestamp_micros": c.started_at.timestamp_micros(),
            "non_personalized_ads": false,
            "events": [{"name": self.name, "params": params}],
        });
        self.lines.push(body.to_string());
    }

    fn finish(self: Box<Self>) -> Export {
        let mut notes = vec![];
        note(
            &mut notes,
            self.too_old,
            "answered calls left out: older than the 72 hours GA4 accepts (export daily)",
        );
        note(
            &mut notes,
            self.no_client,
            "answered calls left out: no GA client id (`_ga` cookie)",
        );
        note(
            &mut notes,
            self.unanswered,
            "calls left out: missed or short",
        );
        let rows = self.lines.len();
        let mut body = self.lines.join("\n");
        if rows > 0 {
            body.push('\n');
        }
        Export {
            kind: ExportKind::Ga4,
            rows,
            body,
            notes,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ga4_event_names_follow_the_platforms_rules() {
        assert_eq!(ga4_event_name("Phone call"), "phone_call");
        assert_eq!(ga4_event_name("1st call"), "call_1st_call");
        assert_eq!(ga4_event_name(&"x".repeat(60)).len(), 40);
    }

    #[test]
    fn google_times_carry_the_tenants_offset() {
        let mut t = Tenant::new(TenantId::parse("acme").unwrap(), "Acme");
        t.timezone = "Europe/Moscow".into();
        let at = DateTime::parse_from_rfc3339("2026-09-20T15:30:00Z")
            .unwrap()
            .with_timezone(&Utc);
        assert_eq!(google_time(&t, at), "2026-09-20 18:30:00+03:00");
    }

    #[test]
    fn every_kind_parses_from_its_name_and_nothing_else_does() {
        for k in ExportKind::ALL {
            assert_eq!(ExportKind::parse(k.as_str()), Some(k));
        }
        assert_eq!(ExportKind::parse("bing"), None);
    }
}
