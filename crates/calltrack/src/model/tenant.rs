//! A tenant: one business, its settings, assumptions and secrets.

use std::collections::BTreeMap;

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

use super::*;

/// What the tenant assumes a missed call would have been worth, for the lost-revenue estimate.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LossAssumptions {
    /// Share of answered calls that become a deal, in basis points (2500 = 25%).
    pub conversion_bp: u32,
    /// Average deal value in minor units.
    pub average_deal_minor: i64,
}

/// When a recording is worth transcribing.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TranscriptionRules {
    pub enabled: bool,
    /// Calls that talked less than this are skipped.
    pub min_talk_seconds: u32,
}

/// How many new leases the snippet's public route grants, per minute (0 = no limit).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct LeaseRate {
    /// From one source address (an IPv6 address counts by its /64); a minute's worth may come
    /// at once.
    pub per_source_per_minute: u32,
    /// From all sources together.
    pub per_tenant_per_minute: u32,
}

impl Default for LeaseRate {
    /// 30 a minute per source (a busy office behind one NAT), 1,200 a minute per tenant.
    fn default() -> Self {
        Self {
            per_source_per_minute: 30,
            per_tenant_per_minute: 1200,
        }
    }
}

/// A customer of calltrack: one business, its settings and secrets.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Tenant {
    pub id: TenantId,
    pub name: String,
    /// IANA zone used for days in reports (`Europe/Moscow`).
    pub timezone: String,
    pub currency: Currency,
    /// BCP 47 language of calls (`ru-RU`, `en-US`) for transcription and analysis.
    pub language: String,
    /// ISO 3166 region for numbers written without a country code.
    pub region: String,
    pub callback_sla_minutes: u32,
    pub short_call_seconds: u32,
    pub ring_timeout_seconds: u32,
    pub loss: LossAssumptions,
    /// Public key the site snippet sends; unknown keys get 404.
    pub site_key: Option<String>,
    pub allowed_origins: Vec<String>,
    /// Per provider (`twilio`, `telnyx`, `zadarma`, `mango`, `generic`, `crm`, `amocrm`): the shared secret,
    /// auth token or (Telnyx) the account's ed25519 public key.
    pub provider_secrets: BTreeMap<String, String>,
    /// How the store keeps `provider_secrets` at rest (`crate::secrets`): set only on the stored
    /// document, whose `provider_secrets` is then empty; `None` in memory.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sealed_secrets: Option<crate::secrets::SealedSecrets>,
    /// SHA-256 of the tenant API key; the key itself is shown once and never stored.
    pub api_key_hash: Option<String>,
    /// Which recording channel is the agent (0 or 1).
    pub agent_channel: u8,
    pub transcription: TranscriptionRules,
    pub report_recipients: Vec<String>,
    /// Optional URL that receives a signed JSON alert for every missed call.
    pub alert_webhook: Option<String>,
    /// Hosts generic-format recordings may be fetched from (`media.pbx.example`, or `.pbx.example`
    /// for its subdomains); empty fetches none. Provider recordings use the providers' own hosts.
    #[serde(default)]
    pub recording_hosts: Vec<String>,
    /// Limits on new leases (`numbers::limits`).
    #[serde(default)]
    pub lease_rate: LeaseRate,
    /// Generic-format and CRM events carry no signed timestamp of their own: one whose `at` is
    /// older than this many minutes is refused as a replay (at most [`MAX_REPLAY_WINDOW_MINUTES`],
    /// so every event inside the window still finds its claim).
    #[serde(default = "default_replay_window")]
    pub replay_window_minutes: u32,
    /// Calls (with their callers' numbers, recordings' keys and analyses) are deleted this many
    /// days after they started; 0 keeps them. Rollups, deals and costs stay, so reports of old
    /// periods still add up.
    #[serde(default = "default_retention_days")]
    pub retention_days: u32,
}

/// Two years, as the template keeps transcripts.
pub const DEFAULT_RETENTION_DAYS: u32 = 730;

fn default_retention_days() -> u32 {
    DEFAULT_RETENTION_DAYS
}

/// Three days: a sender's outage over a weekend still delivers.
pub const DEFAULT_REPLAY_WINDOW_MINUTES: u32 = 3 * 24 * 60;
/// Fourteen days, how long event claims are kept (`calls`, `deals`).
pub const MAX_REPLAY_WINDOW_MINUTES: u32 = 14 * 24 * 60;
/// How far ahead of our clock an event's `at` may be (the sender's clock skew).
pub const MAX_CLOCK_SKEW_MINUTES: i64 = 15;

fn default_replay_window() -> u32 {
    DEFAULT_REPLAY_WINDOW_MINUTES
}

impl Tenant {
    /// A tenant with sensible defaults: 30-minute callback SLA, 10-second short-call threshold.
    pub fn new(id: TenantId, name: &str) -> Self {
        Self {
            id,
            name: name.to_string(),
            timezone: "UTC".into(),
            currency: Currency::parse("USD").expect("static"),
            language: "en-US".into(),
            region: "US".into(),
            callback_sla_minutes: 30,
            short_call_seconds: 10,
            ring_timeout_seconds: 30,
            loss: LossAssumptions {
                conversion_bp: 2500,
                average_deal_minor: 20_000,
            },
            site_key: None,
            allowed_origins: vec![],
            provider_secrets: BTreeMap::new(),
            sealed_secrets: None,
            api_key_hash: None,
            agent_channel: 0,
            transcription: TranscriptionRules {
                enabled: true,
                min_talk_seconds: 15,
            },
            report_recipients: vec![],
            alert_webhook: None,
            recording_hosts: vec![],
            lease_rate: LeaseRate::default(),
            replay_window_minutes: DEFAULT_REPLAY_WINDOW_MINUTES,
            retention_days: DEFAULT_RETENTION_DAYS,
        }
    }

    /// Until when a call that started at `started` is kept (`None`: kept).
    pub fn retain_until(&self, started: DateTime<Utc>) -> Option<DateTime<Utc>> {
        (self.retention_days > 0)
            .then(|| started + chrono::Duration::days(i64::from(self.retention_days)))
    }

    /// Refuses an event time outside the replay window (400 naming `at`): older than
    /// `replay_window_minutes`, or further ahead than the clock skew allows.
    pub fn check_event_time(&self, at: DateTime<Utc>, now: DateTime<Utc>) -> Result<(), Invalid> {
        let window = chrono::Duration::minutes(i64::from(self.replay_window_minutes));
        if at < now - window {
            return Err(Invalid::new(
                "at",
                format!(
                    "{} is older than the tenant's replay window of {} minutes: refused as a replay",
                    at.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
                    self.replay_window_minutes
                ),
            ));
        }
        if at > now + chrono::Duration::minutes(MAX_CLOCK_SKEW_MINUTES) {
            return Err(Invalid::new(
                "at",
                format!(
                    "{} is more than {MAX_CLOCK_SKEW_MINUTES} minutes in the future: check the sender's clock",
                    at.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
                ),
            ));
        }
        Ok(())
    }

    /// True when what is written for people (emails, alerts) is in Russian: a `ru*` language.
    pub fn writes_russian(&self) -> bool {
        writes_russian(&self.language)
    }

    pub fn tz(&self) -> chrono_tz::Tz {
        self.timezone.parse().unwrap_or(chrono_tz::UTC)
    }

    /// The calendar day of an instant in the tenant's zone: the key of rollups and costs.
    pub fn day_of(&self, at: DateTime<Utc>) -> NaiveDate {
        at.with_timezone(&self.tz()).date_naive()
    }

    pub fn secret(&self, provider: &str) -> Option<&str> {
        self.provider_secrets
            .get(provider)
            .map(String::as_str)
            .filter(|s| !s.is_empty())
    }

    /// Checks the fields a person sets by hand; the CLI and the store refuse an invalid tenant.
    pub fn validate(&self) -> Result<(), Invalid> {
        if self.timezone.parse::<chrono_tz::Tz>().is_err() {
            return Err(Invalid::new(
                "timezone",
                format!("unknown IANA time zone '{}'", self.timezone),
            ));
        }
        if self.region.parse::<phonenumber::country::Id>().is_err() {
            return Err(Invalid::new(
                "region",
                format!("unknown region '{}'", self.region),
            ));
        }
        if self.agent_channel > 1 {
            return Err(Invalid::new("agent_channel", "must be 0 or 1"));
        }
        if self.loss.conversion_bp > 10_000 {
            return Err(Invalid::new("conversion", "must be between 0 and 1"));
        }
        if !(1..=MAX_REPLAY_WINDOW_MINUTES).contains(&self.replay_window_minutes) {
            return Err(Invalid::new(
                "replay_window_minutes",
                format!("must be between 1 and {MAX_REPLAY_WINDOW_MINUTES} (14 days)"),
            ));
        }
        if self.retention_days > 36_500 {
            return Err(Invalid::new(
                "retention_days",
                "must be at most 36500 (0 keeps calls)",
            ));
        }
        if self.callback_sla_minutes == 0 {
            return Err(Invalid::new("callback_sla_minutes", "must be at least 1"));
        }
        for h in &self.recording_hosts {
            let bare = h.strip_prefix('.').unwrap_or(h);
            let ok = !bare.is_empty()
                && bare.contains('.')
                && bare
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '.');
            if !ok {
                return Err(Invalid::new(
                    "recording_hosts",
                    format!("'{h}' is not a host name like media.pbx.example (or .pbx.example)"),
                ));
            }
        }
        for o in &self.allowed_origins {
            if !(o.starts_with("https://") || o.starts_with("http://")) || o.ends_with('/') {
                return Err(Invalid::new(
                    "allowed_origins",
                    format!("'{o}' is not an origin like https://example.com"),
                ));
            }
        }
        Ok(())
    }
}

/// True when text for people in this BCP 47 language is written in Russian (`ru`, `ru-RU`);
/// everything else gets English.
pub fn writes_russian(language: &str) -> bool {
    language.to_ascii_lowercase().starts_with("ru")
}
