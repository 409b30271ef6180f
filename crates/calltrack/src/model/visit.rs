//! Web visits, the call intents the snippet sees, and leases of pool numbers.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::*;

/// Where a web visit came from, as the snippet saw it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Visit {
    pub visitor_id: String,
    pub utm_source: Option<String>,
    pub utm_medium: Option<String>,
    pub utm_campaign: Option<String>,
    pub utm_term: Option<String>,
    pub utm_content: Option<String>,
    pub gclid: Option<String>,
    pub yclid: Option<String>,
    pub referrer: Option<String>,
    /// The landing page's origin and path: the snippet (and the lease route) drop the query
    /// string and fragment, which may carry a visitor's e-mail or a session token.
    pub landing_page: Option<String>,
    /// Google's click ids for iOS app (`gbraid`) and web-to-app (`wbraid`) conversions.
    #[serde(default)]
    pub gbraid: Option<String>,
    #[serde(default)]
    pub wbraid: Option<String>,
    /// Yandex Metrica's ClientID (the `_ym_uid` cookie), for its offline conversion upload.
    #[serde(default)]
    pub ym_client_id: Option<String>,
    /// Google Analytics 4 client id and session id (from the `_ga` and `_ga_<container>`
    /// cookies), for Measurement Protocol events.
    #[serde(default)]
    pub ga_client_id: Option<String>,
    #[serde(default)]
    pub ga_session_id: Option<String>,
}

impl Visit {
    /// The visit's channel `source/medium`: utm tags first, then click ids, then the referrer.
    pub fn channel(&self) -> String {
        let src = self.utm_source.as_deref().filter(|s| !s.is_empty());
        let med = self.utm_medium.as_deref().filter(|s| !s.is_empty());
        if let Some(s) = src {
            return format!(
                "{}/{}",
                s.to_lowercase(),
                med.unwrap_or("(none)").to_lowercase()
            );
        }
        let has = |v: &Option<String>| v.as_deref().is_some_and(|g| !g.is_empty());
        if has(&self.gclid) || has(&self.gbraid) || has(&self.wbraid) {
            return "google/cpc".into();
        }
        if has(&self.yclid) {
            return "yandex/cpc".into();
        }
        match self.referrer.as_deref().and_then(referrer_host) {
            Some(host) => {
                let engines = [
                    "google.",
                    "bing.",
                    "yandex.",
                    "duckduckgo.",
                    "yahoo.",
                    "baidu.",
                ];
                match engines.iter().find(|e| host.contains(*e)) {
                    Some(e) => format!("{}/organic", e.trim_end_matches('.')),
                    None => format!("{host}/referral"),
                }
            }
            None => "(direct)/(none)".into(),
        }
    }
}

fn referrer_host(r: &str) -> Option<String> {
    let rest = r.split_once("://")?.1;
    let host = rest
        .split(['/', '?', '#', ':'])
        .next()?
        .trim_start_matches("www.");
    (!host.is_empty()).then(|| host.to_lowercase())
}

/// A call intent the snippet saw on the page before the call.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum IntentKind {
    Tap,
    Click,
    Copy,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Intent {
    pub kind: IntentKind,
    pub at: DateTime<Utc>,
}

/// A visit's hold on a pool number.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Lease {
    pub id: LeaseId,
    pub tenant: TenantId,
    pub pool: PoolId,
    pub number: PhoneNumber,
    pub visit: Visit,
    pub started_at: DateTime<Utc>,
    /// Last heartbeat from the open page.
    pub last_seen_at: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
    /// Set when the lease was given up early; otherwise it ends at `expires_at`.
    pub ended_at: Option<DateTime<Utc>>,
    pub intents: Vec<Intent>,
    /// True when the number was still resting (inside cool-down) or shared when leased.
    pub reused_early: bool,
}

impl Lease {
    /// When the lease stops (or stopped) holding its number.
    pub fn end(&self) -> DateTime<Utc> {
        self.ended_at
            .map_or(self.expires_at, |e| e.min(self.expires_at))
    }

    pub fn is_live(&self, now: DateTime<Utc>) -> bool {
        self.started_at <= now && now < self.end()
    }
}
