//! The product's vocabulary as types: tenants, numbers, pools, leases, visits, calls, deals, costs.
//!
//! Everything here is plain data with validation at construction, so an invalid tenant id or a
//! phone number that is not E.164 cannot travel further than the edge that received it.

use std::collections::BTreeMap;
use std::fmt;

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

/// A field-level validation failure: which field, and why. Edges turn it into a 400 or exit code 4.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{field}: {reason}")]
pub struct Invalid {
    pub field: String,
    pub reason: String,
}

impl Invalid {
    pub fn new(field: impl Into<String>, reason: impl Into<String>) -> Self {
        Self {
            field: field.into(),
            reason: reason.into(),
        }
    }
}

macro_rules! string_id {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        #[serde(transparent)]
        pub struct $name(String);

        impl $name {
            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }
    };
}

string_id!(
    /// A tenant's id: 1-40 chars of `a-z`, `0-9`, `-`; it appears in URLs and keys.
    TenantId
);
string_id!(
    /// Our id for a call, derived from the provider's call id so any event finds it in one read.
    CallId
);
string_id!(
    /// A lease's id, handed to the site snippet; unguessable.
    LeaseId
);
string_id!(
    /// A pool's name within a tenant (`web`, `google-ads`).
    PoolId
);

impl TenantId {
    pub fn parse(s: &str) -> Result<Self, Invalid> {
        let ok = !s.is_empty()
            && s.len() <= 40
            && s.bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-');
        if ok {
            Ok(Self(s.to_string()))
        } else {
            Err(Invalid::new(
                "tenant",
                "must be 1-40 characters of a-z, 0-9 and '-'",
            ))
        }
    }
}

impl PoolId {
    pub fn parse(s: &str) -> Result<Self, Invalid> {
        let ok = !s.is_empty()
            && s.len() <= 40
            && s.bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
        if ok {
            Ok(Self(s.to_string()))
        } else {
            Err(Invalid::new(
                "pool",
                "must be 1-40 characters of letters, digits, '-' and '_'",
            ))
        }
    }
}

impl LeaseId {
    /// A fresh random lease id (UUID v4, so the snippet cannot guess another visitor's lease).
    pub fn random() -> Self {
        Self(format!("l_{}", uuid::Uuid::new_v4().simple()))
    }

    pub fn parse(s: &str) -> Result<Self, Invalid> {
        let ok = s.len() > 2
            && s.len() <= 64
            && s.bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-');
        if ok {
            Ok(Self(s.to_string()))
        } else {
            Err(Invalid::new("lease_id", "not a lease id"))
        }
    }
}

impl CallId {
    /// The deterministic id of a provider's call within a tenant: every event of the call maps to it.
    pub fn derive(tenant: &TenantId, provider: Provider, provider_call_id: &str) -> Self {
        let mut h = Sha256::new();
        h.update(tenant.as_str());
        h.update([0]);
        h.update(provider.as_str());
        h.update([0]);
        h.update(provider_call_id);
        let d = h.finalize();
        Self(format!("c_{}", hex::encode(&d[..10])))
    }

    pub fn parse(s: &str) -> Result<Self, Invalid> {
        let ok =
            s.len() == 22 && s.starts_with("c_") && s[2..].bytes().all(|b| b.is_ascii_hexdigit());
        if ok {
            Ok(Self(s.to_string()))
        } else {
            Err(Invalid::new(
                "call_id",
                "not a call id (c_ followed by 20 hex digits)",
            ))
        }
    }
}

/// A phone number in E.164 (`+14155550100`), validated by libphonenumber's metadata.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct PhoneNumber(String);

impl PhoneNumber {
    /// Parses a number in any common notation; without a `+` prefix, `default_region` (ISO 3166
    /// alpha-2) says which country it is dialled from. Digits only (`14155550100`) are tried as
    /// international, which is how several providers send them.
    pub fn parse(input: &str, default_region: Option<&str>) -> Result<Self, Invalid> {
        let trimmed = input.trim();
        if trimmed.is_empty() {
            return Err(Invalid::new("phone", "empty phone number"));
        }
        if trimmed.len() > 32 {
            return Err(Invalid::new("phone", "too long for a phone number"));
        }
        let region = default_region.and_then(|r| r.parse::<phonenumber::country::Id>().ok());
        let attempt = |s: &str, r| {
            phonenumber::parse(r, s)
                .ok()
                .filter(phonenumber::is_valid)
                .map(|n| Self(n.format().mode(phonenumber::Mode::E164).to_string()))
        };
        let digits_only = trimmed.bytes().all(|b| b.is_ascii_digit());
        let parsed = if trimmed.starts_with('+') {
            attempt(trimmed, None)
        } else if trimmed.starts_with("00") && digits_only {
            attempt(&format!("+{}", &trimmed[2..]), None)
        } else {
            region.and_then(|r| attempt(trimmed, Some(r))).or_else(|| {
                if digits_only {
                    attempt(&format!("+{trimmed}"), None)
                } else {
                    None
                }
            })
        };
        parsed.ok_or_else(|| {
            Invalid::new(
                "phone",
                format!("'{}' is not a valid phone number", mask(trimmed)),
            )
        })
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The number with its middle digits hidden, for logs: `+1415*****00`.
    pub fn masked(&self) -> String {
        mask(&self.0)
    }
}

/// Hides all but the first 5 and last 2 characters of a number-like string.
pub fn mask(s: &str) -> String {
    let chars: Vec<char> = s.chars().collect();
    if chars.len() <= 7 {
        return "*".repeat(chars.len());
    }
    let mut out: String = chars[..5].iter().collect();
    out.extend(std::iter::repeat_n('*', chars.len() - 7));
    out.extend(&chars[chars.len() - 2..]);
    out
}

impl TryFrom<String> for PhoneNumber {
    type Error = Invalid;
    fn try_from(s: String) -> Result<Self, Invalid> {
        // Stored values are already E.164; re-validate so bad data never deserialises silently.
        if s.starts_with('+')
            && s.len() >= 8
            && s.len() <= 16
            && s[1..].bytes().all(|b| b.is_ascii_digit())
        {
            Ok(Self(s))
        } else {
            Self::parse(&s, None)
        }
    }
}

impl From<PhoneNumber> for String {
    fn from(p: PhoneNumber) -> String {
        p.0
    }
}

impl fmt::Display for PhoneNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// An ISO 4217 currency code with its minor-unit exponent.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Currency([u8; 3]);

impl Currency {
    pub fn parse(s: &str) -> Result<Self, Invalid> {
        let b = s.trim().as_bytes();
        if b.len() == 3 && b.iter().all(|c| c.is_ascii_alphabetic()) {
            Ok(Self([
                b[0].to_ascii_uppercase(),
                b[1].to_ascii_uppercase(),
                b[2].to_ascii_uppercase(),
            ]))
        } else {
            Err(Invalid::new("currency", "must be a 3-letter ISO 4217 code"))
        }
    }

    pub fn as_str(&self) -> &str {
        std::str::from_utf8(&self.0).unwrap_or("XXX")
    }

    /// Digits after the decimal point (JPY 0, KWD 3, most others 2).
    pub fn exponent(&self) -> u32 {
        match self.as_str() {
            "JPY" | "KRW" | "VND" | "CLP" | "ISK" | "UGX" | "XAF" | "XOF" => 0,
            "KWD" | "BHD" | "OMR" | "JOD" | "TND" | "LYD" | "IQD" => 3,
            _ => 2,
        }
    }

    /// Parses a decimal amount in major units (`12.50`) into minor units, exactly (no floats).
    pub fn parse_major(&self, s: &str) -> Result<i64, Invalid> {
        let bad = || {
            Invalid::new(
                "amount",
                format!("'{s}' is not a decimal amount in {}", self.as_str()),
            )
        };
        let s = s.trim();
        let (neg, s) = match s.strip_prefix('-') {
            Some(rest) => (true, rest),
            None => (false, s),
        };
        let (int, frac) = s.split_once('.').unwrap_or((s, ""));
        if int.is_empty()
            || !int.bytes().all(|b| b.is_ascii_digit())
            || !frac.bytes().all(|b| b.is_ascii_digit())
        {
            return Err(bad());
        }
        let exp = self.exponent() as usize;
        if frac.len() > exp {
            return Err(Invalid::new(
                "amount",
                format!("'{s}' has more than {exp} decimal places"),
            ));
        }
        let scale = 10i64.pow(exp as u32);
        let whole: i64 = int.parse().map_err(|_| bad())?;
        let mut f: i64 = if frac.is_empty() {
            0
        } else {
            frac.parse().map_err(|_| bad())?
        };
        f *= 10i64.pow((exp - frac.len()) as u32);
        let v = whole
            .checked_mul(scale)
            .and_then(|w| w.checked_add(f))
            .ok_or_else(bad)?;
        Ok(if neg { -v } else { v })
    }

    /// Minor units to a decimal number in major units for JSON meant for people.
    pub fn to_major(&self, minor: i64) -> f64 {
        minor as f64 / 10f64.powi(self.exponent() as i32)
    }

    /// Minor units formatted with the currency's digits (`1234.50`).
    pub fn format(&self, minor: i64) -> String {
        let exp = self.exponent();
        if exp == 0 {
            return minor.to_string();
        }
        let scale = 10i64.pow(exp);
        let sign = if minor < 0 { "-" } else { "" };
        let a = minor.unsigned_abs();
        format!(
            "{sign}{}.{:0width$}",
            a / scale as u64,
            a % scale as u64,
            width = exp as usize
        )
    }
}

impl TryFrom<String> for Currency {
    type Error = Invalid;
    fn try_from(s: String) -> Result<Self, Invalid> {
        Self::parse(&s)
    }
}

impl From<Currency> for String {
    fn from(c: Currency) -> String {
        c.as_str().to_string()
    }
}

/// Telephony providers we take webhooks from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Provider {
    Twilio,
    Telnyx,
    Zadarma,
    Mango,
    Generic,
}

impl Provider {
    pub const ALL: [Provider; 5] = [
        Self::Twilio,
        Self::Telnyx,
        Self::Zadarma,
        Self::Mango,
        Self::Generic,
    ];

    pub fn as_str(&self) -> &'static str {
        match self {
            Self::Twilio => "twilio",
            Self::Telnyx => "telnyx",
            Self::Zadarma => "zadarma",
            Self::Mango => "mango",
            Self::Generic => "generic",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|p| p.as_str() == s)
    }
}

impl fmt::Display for Provider {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

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
    /// Per provider (`twilio`, `telnyx`, `zadarma`, `mango`, `generic`, `crm`): the shared secret,
    /// auth token or (Telnyx) the account's ed25519 public key.
    pub provider_secrets: BTreeMap<String, String>,
    /// SHA-256 of the tenant API key; the key itself is shown once and never stored.
    pub api_key_hash: Option<String>,
    /// Which recording channel is the agent (0 or 1).
    pub agent_channel: u8,
    pub transcription: TranscriptionRules,
    pub report_recipients: Vec<String>,
    /// Optional URL that receives a signed JSON alert for every missed call.
    pub alert_webhook: Option<String>,
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
            api_key_hash: None,
            agent_channel: 0,
            transcription: TranscriptionRules {
                enabled: true,
                min_talk_seconds: 15,
            },
            report_recipients: vec![],
            alert_webhook: None,
        }
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
        if self.callback_sla_minutes == 0 {
            return Err(Invalid::new("callback_sla_minutes", "must be at least 1"));
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

/// How a tracking number is used.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum NumberKind {
    /// A fixed number printed on one offline or low-detail source.
    Static {
        source: String,
        medium: Option<String>,
        campaign: Option<String>,
    },
    /// A member of a DNI pool.
    Pool { pool: PoolId },
}

/// A number calls arrive on, owned by one tenant.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TrackingNumber {
    pub number: PhoneNumber,
    pub tenant: TenantId,
    pub kind: NumberKind,
    /// The business line calls are forwarded to.
    pub forward_to: Option<PhoneNumber>,
}

/// What a pool does when every number is leased.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ExhaustionPolicy {
    /// Lease the number whose last activity is oldest; its calls then carry several candidates.
    ShareOldest,
    /// Show the pool's default number, attributed to `pool_overflow`.
    DefaultNumber,
}

/// Which free number a pool hands out next.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Selection {
    /// Least recently released first (the default): numbers rest as long as the pool allows.
    Lru,
    /// A random free number (for comparison in the simulator).
    Random,
    /// Most recently released first, a stack (for comparison in the simulator).
    Mru,
    /// Least recently released, but never a number inside its cool-down (precision over coverage).
    LruHardCooldown,
}

/// A DNI pool: numbers shown to web visitors, one per visit at a time.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Pool {
    pub tenant: TenantId,
    pub id: PoolId,
    /// A lease lives this long after the last heartbeat.
    pub lease_minutes: u32,
    /// No lease is renewed past this long after it started.
    pub max_session_minutes: u32,
    /// A call this soon after a lease ended is still credited to it.
    pub grace_minutes: u32,
    /// A released number should rest this long before reuse.
    pub cooldown_minutes: u32,
    pub selection: Selection,
    pub exhaustion: ExhaustionPolicy,
    /// Shown to bots and on exhaustion with `default_number`.
    pub default_number: Option<PhoneNumber>,
}

impl Pool {
    pub fn new(tenant: TenantId, id: PoolId) -> Self {
        Self {
            tenant,
            id,
            lease_minutes: 15,
            max_session_minutes: 240,
            grace_minutes: 30,
            cooldown_minutes: 30,
            selection: Selection::Lru,
            exhaustion: ExhaustionPolicy::ShareOldest,
            default_number: None,
        }
    }
}

/// One number's place in a pool: when it is next free, and who holds it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PoolSlot {
    pub tenant: TenantId,
    pub pool: PoolId,
    pub number: PhoneNumber,
    /// The live lease's expiry, or when the number was released: free when `<= now`.
    pub available_at: DateTime<Utc>,
    pub lease_id: Option<LeaseId>,
    /// The visitor of the lease the slot points at: one read of the pool's slots finds both the
    /// free numbers and a visitor's live lease, so an acquire is one query and one transaction.
    #[serde(default)]
    pub visitor_id: Option<String>,
    /// Until when a lease displaced from this slot by sharing may still be live (an upper
    /// bound): while any slot has one, a visitor not found on the slots is looked up by index.
    #[serde(default)]
    pub displaced_until: Option<DateTime<Utc>>,
}

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
    pub landing_page: Option<String>,
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
        if self.gclid.as_deref().is_some_and(|g| !g.is_empty()) {
            return "google/cpc".into();
        }
        if self.yclid.as_deref().is_some_and(|g| !g.is_empty()) {
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

/// Normalised telephony event kinds (DESIGN: Vocabulary).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EventKind {
    Started,
    Ringing,
    Answered,
    Ended,
    Recording,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Direction {
    Inbound,
    Outbound,
}

/// A call's outcome (DESIGN: Vocabulary). `ringing` and `in_progress` while it runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    Ringing,
    InProgress,
    Answered,
    Short,
    Missed,
    Failed,
}

impl Outcome {
    /// Final outcomes never move back to a running state.
    pub fn is_final(self) -> bool {
        matches!(
            self,
            Self::Answered | Self::Short | Self::Missed | Self::Failed
        )
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Ringing => "ringing",
            Self::InProgress => "in_progress",
            Self::Answered => "answered",
            Self::Short => "short",
            Self::Missed => "missed",
            Self::Failed => "failed",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        [
            Self::Ringing,
            Self::InProgress,
            Self::Answered,
            Self::Short,
            Self::Missed,
            Self::Failed,
        ]
        .into_iter()
        .find(|o| o.as_str() == s)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MissedReason {
    NoAnswer,
    Busy,
    /// The caller hung up while it rang.
    Abandoned,
}

/// One provider webhook, normalised. Parsers produce these; the ingest use case merges them.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CallEvent {
    pub provider: Provider,
    pub provider_call_id: String,
    /// The provider's identity of this delivery (event id, or call id + status + sequence):
    /// a redelivery carries the same value and changes nothing.
    pub event_id: String,
    pub kind: EventKind,
    pub direction: Direction,
    pub from: Option<PhoneNumber>,
    pub to: Option<PhoneNumber>,
    pub at: DateTime<Utc>,
    pub ring_seconds: Option<u32>,
    pub talk_seconds: Option<u32>,
    /// Set on `ended` (answered, missed, failed; `short` is decided at ingest from the tenant).
    pub outcome: Option<Outcome>,
    pub missed_reason: Option<MissedReason>,
    /// The agent or extension that answered, when the provider says.
    pub answered_by: Option<String>,
    /// Where the provider keeps the recording (copy it at once: such URLs expire).
    pub recording_url: Option<String>,
    /// The provider's own status word, kept when it is not one we know.
    pub raw_status: Option<String>,
    /// The provider's ordering of events within a call, when it gives one.
    pub sequence: Option<u64>,
}

/// How a call was credited.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AttributionMethod {
    Static,
    Lease,
    Ambiguous,
    PoolOverflow,
    Unattributed,
}

/// A visit that may have made a call, with its weight of evidence.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Candidate {
    pub lease_id: LeaseId,
    pub visitor_id: String,
    pub channel: String,
    pub likelihood: f64,
}

/// Where a call came from, stored on the call when it is first seen.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Attribution {
    pub method: AttributionMethod,
    /// `source/medium` for web, the static source name for offline.
    pub channel: String,
    pub campaign: Option<String>,
    pub term: Option<String>,
    pub visit: Option<Visit>,
    pub lease_id: Option<LeaseId>,
    /// 0..1: how sure the attribution is.
    pub confidence: f64,
    pub runners_up: Vec<Candidate>,
    /// The caller's earliest known touch, when it differs from this one.
    pub first_touch_channel: Option<String>,
}

impl Attribution {
    pub fn unattributed() -> Self {
        Self {
            method: AttributionMethod::Unattributed,
            channel: "(unattributed)".into(),
            campaign: None,
            term: None,
            visit: None,
            lease_id: None,
            confidence: 0.0,
            runners_up: vec![],
            first_touch_channel: None,
        }
    }

    pub fn static_source(kind: &NumberKind) -> Self {
        match kind {
            NumberKind::Static {
                source, campaign, ..
            } => Self {
                method: AttributionMethod::Static,
                channel: source.clone(),
                campaign: campaign.clone(),
                confidence: 1.0,
                ..Self::unattributed()
            },
            NumberKind::Pool { .. } => Self::unattributed(),
        }
    }
}

/// Where a call's transcription stands (DESIGN: Vocabulary).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "state", content = "reason", rename_all = "snake_case")]
pub enum Transcription {
    /// No recording yet.
    None,
    Pending,
    Skipped(String),
    Failed(String),
    Done,
}

/// A phone call as the product knows it: merged from every event, attributed, analysed.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Call {
    pub id: CallId,
    pub tenant: TenantId,
    pub provider: Provider,
    pub provider_call_id: String,
    pub direction: Direction,
    /// Inbound: the number dialled. Outbound: the business line it went out from.
    pub tracking_number: Option<PhoneNumber>,
    /// Inbound: who called. Outbound: who was called.
    pub caller: Option<PhoneNumber>,
    pub answered_by: Option<String>,
    pub started_at: DateTime<Utc>,
    pub answered_at: Option<DateTime<Utc>>,
    pub ended_at: Option<DateTime<Utc>>,
    pub ring_seconds: Option<u32>,
    pub talk_seconds: Option<u32>,
    /// Durations as the provider stated them; they win over ones computed from timestamps.
    #[serde(default)]
    pub stated_ring_seconds: Option<u32>,
    #[serde(default)]
    pub stated_talk_seconds: Option<u32>,
    pub outcome: Outcome,
    pub missed_reason: Option<MissedReason>,
    /// For a missed call: when the business called back or the caller got through.
    pub returned_at: Option<DateTime<Utc>>,
    pub returned_by: Option<CallId>,
    pub recording_key: Option<String>,
    pub attribution: Attribution,
    /// True when this caller had never called the tenant before.
    pub first_time_caller: bool,
    pub transcription: Transcription,
    /// The speech analysis (see `speech`), once a transcript was analysed.
    pub analysis: Option<serde_json::Value>,
    pub quality_score: Option<u8>,
    pub raw_status: Option<String>,
    /// Highest provider sequence merged so far.
    pub last_sequence: Option<u64>,
    /// Optimistic concurrency: bumped by every committed change.
    pub version: u64,
}

impl Call {
    /// A call as first seen: ringing, unattributed, a first-time caller, nothing measured yet.
    pub fn new(
        tenant: &TenantId,
        provider: Provider,
        provider_call_id: &str,
        direction: Direction,
        started_at: DateTime<Utc>,
    ) -> Self {
        Self {
            id: CallId::derive(tenant, provider, provider_call_id),
            tenant: tenant.clone(),
            provider,
            provider_call_id: provider_call_id.to_string(),
            direction,
            tracking_number: None,
            caller: None,
            answered_by: None,
            started_at,
            answered_at: None,
            ended_at: None,
            ring_seconds: None,
            talk_seconds: None,
            stated_ring_seconds: None,
            stated_talk_seconds: None,
            outcome: Outcome::Ringing,
            missed_reason: None,
            returned_at: None,
            returned_by: None,
            recording_key: None,
            attribution: Attribution::unattributed(),
            first_time_caller: true,
            transcription: Transcription::None,
            analysis: None,
            quality_score: None,
            raw_status: None,
            last_sequence: None,
            version: 0,
        }
    }
}

/// A deal's state in the CRM.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DealStatus {
    Open,
    Won,
    Lost,
}

/// A CRM deal, linked to the call that brought it when we can tell.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Deal {
    pub tenant: TenantId,
    pub id: String,
    pub status: DealStatus,
    pub amount_minor: i64,
    pub currency: Currency,
    pub at: DateTime<Utc>,
    pub call_id: Option<CallId>,
    pub caller: Option<PhoneNumber>,
    /// Copied from the linked call; `(unlinked)` otherwise.
    pub channel: String,
    /// The day the deal counts in (the linked call's day, else the deal's).
    pub day: NaiveDate,
    /// Optimistic concurrency: bumped by every committed change.
    pub version: u64,
}

/// Ad spend for one day, channel and campaign.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Cost {
    pub date: NaiveDate,
    pub channel: String,
    pub campaign: String,
    pub cost_minor: i64,
    pub currency: Currency,
}

/// Additive counters per tenant, day and channel. Written with `ADD` in the same transaction as
/// the fact they count, so reports read these and never scan calls.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Counters {
    pub visits: i64,
    pub calls: i64,
    pub first_time_callers: i64,
    pub answered: i64,
    pub missed: i64,
    pub returned: i64,
    pub deals: i64,
    pub won: i64,
    pub revenue_minor: i64,
    pub talk_seconds: i64,
}

impl Counters {
    pub const FIELDS: [&'static str; 10] = [
        "visits",
        "calls",
        "first_time_callers",
        "answered",
        "missed",
        "returned",
        "deals",
        "won",
        "revenue_minor",
        "talk_seconds",
    ];

    pub fn values(&self) -> [i64; 10] {
        [
            self.visits,
            self.calls,
            self.first_time_callers,
            self.answered,
            self.missed,
            self.returned,
            self.deals,
            self.won,
            self.revenue_minor,
            self.talk_seconds,
        ]
    }

    pub fn from_values(v: [i64; 10]) -> Self {
        Self {
            visits: v[0],
            calls: v[1],
            first_time_callers: v[2],
            answered: v[3],
            missed: v[4],
            returned: v[5],
            deals: v[6],
            won: v[7],
            revenue_minor: v[8],
            talk_seconds: v[9],
        }
    }

    pub fn is_zero(&self) -> bool {
        self.values().iter().all(|v| *v == 0)
    }

    pub fn add(&mut self, o: &Counters) {
        let mut v = self.values();
        for (a, b) in v.iter_mut().zip(o.values()) {
            *a += b;
        }
        *self = Self::from_values(v);
    }

    pub fn sub(&self, o: &Counters) -> Counters {
        let mut v = self.values();
        for (a, b) in v.iter_mut().zip(o.values()) {
            *a -= b;
        }
        Self::from_values(v)
    }
}

/// A change to one rollup row.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RollupDelta {
    pub day: NaiveDate,
    pub channel: String,
    pub counters: Counters,
}

/// One rollup row as read back.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Rollup {
    pub day: NaiveDate,
    pub channel: String,
    pub counters: Counters,
}

/// Per-pool health, counted per hour: exhaustions and early reuse say "pool too small".
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct PoolHealth {
    pub acquires: i64,
    pub exhaustions: i64,
    pub early_reuses: i64,
    pub expired: i64,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn phone_numbers_normalise_to_e164_from_common_notations() {
        let want = "+14158675309";
        for s in [
            "+14158675309",
            "+1 (415) 867-5309",
            "14158675309",
            "0014158675309",
        ] {
            assert_eq!(PhoneNumber::parse(s, None).unwrap().as_str(), want, "{s}");
        }
        assert_eq!(
            PhoneNumber::parse("(415) 867-5309", Some("US"))
                .unwrap()
                .as_str(),
            want
        );
        assert_eq!(
            PhoneNumber::parse("8 (495) 123-45-67", Some("RU"))
                .unwrap()
                .as_str(),
            "+74951234567"
        );
    }

    #[test]
    fn invalid_phone_numbers_are_rejected_with_a_masked_reason() {
        for s in [
            "",
            "hello",
            "+1",
            "+999123",
            "1234567890123456789012345678901234",
        ] {
            let e = PhoneNumber::parse(s, Some("US")).unwrap_err();
            assert_eq!(e.field, "phone");
        }
    }

    #[test]
    fn masked_numbers_hide_the_middle() {
        let p = PhoneNumber::parse("+14158675309", None).unwrap();
        assert_eq!(p.masked(), "+1415*****09");
    }

    #[test]
    fn money_parses_exactly_in_minor_units() {
        let usd = Currency::parse("usd").unwrap();
        assert_eq!(usd.parse_major("12.5").unwrap(), 1250);
        assert_eq!(usd.parse_major("0.07").unwrap(), 7);
        assert_eq!(usd.parse_major("-3").unwrap(), -300);
        assert!(usd.parse_major("1.234").is_err());
        assert!(usd.parse_major("abc").is_err());
        assert_eq!(usd.format(123450), "1234.50");
        let jpy = Currency::parse("JPY").unwrap();
        assert_eq!(jpy.parse_major("500").unwrap(), 500);
    }

    #[test]
    fn call_ids_are_deterministic_per_tenant_and_provider() {
        let t = TenantId::parse("acme").unwrap();
        let a = CallId::derive(&t, Provider::Twilio, "CA1");
        assert_eq!(a, CallId::derive(&t, Provider::Twilio, "CA1"));
        assert_ne!(a, CallId::derive(&t, Provider::Telnyx, "CA1"));
        assert!(CallId::parse(a.as_str()).is_ok());
    }

    #[test]
    fn visit_channel_prefers_utm_then_click_ids_then_referrer() {
        let mut v = Visit {
            utm_source: Some("Google".into()),
            utm_medium: Some("CPC".into()),
            ..Default::default()
        };
        assert_eq!(v.channel(), "google/cpc");
        v.utm_source = None;
        v.gclid = Some("x".into());
        assert_eq!(v.channel(), "google/cpc");
        v.gclid = None;
        v.referrer = Some("https://www.google.com/search?q=x".into());
        assert_eq!(v.channel(), "google/organic");
        v.referrer = Some("https://news.example.org/a".into());
        assert_eq!(v.channel(), "news.example.org/referral");
        v.referrer = None;
        assert_eq!(v.channel(), "(direct)/(none)");
    }
}
