//! Providers, normalised call events, and calls as merged from them.

use std::fmt;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::*;

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
    /// The agent or extension this event says the call rang (a dial leg to `client:anna`, an
    /// extension's ringing), answered or not.
    #[serde(default)]
    pub rung: Option<String>,
    /// Where the provider keeps the recording (copy it at once: such URLs expire).
    pub recording_url: Option<String>,
    /// A recording announced by id (Zadarma's `call_id_with_rec`, Mango's `recording_id`),
    /// fetched through the provider's API.
    pub recording_id: Option<String>,
    /// The provider's own status word, kept when it is not one we know.
    pub raw_status: Option<String>,
    /// The provider's ordering of events within a call, when it gives one.
    pub sequence: Option<u64>,
    /// A digest of the signed fields that identify the call, where the provider signs only part
    /// of a request (Zadarma: caller and start, not `pbx_call_id`): an event whose call was first
    /// seen with another binding is refused, so a signed event cannot be grafted onto another call.
    #[serde(default)]
    pub binding: Option<String>,
}

impl CallEvent {
    /// An inbound event with only its identity, kind and time; parsers set what they read
    /// (`CallEvent { from, to, ..CallEvent::new(..) }`).
    pub fn new(
        provider: Provider,
        provider_call_id: impl Into<String>,
        event_id: impl Into<String>,
        kind: EventKind,
        at: DateTime<Utc>,
    ) -> Self {
        Self {
            provider,
            provider_call_id: provider_call_id.into(),
            event_id: event_id.into(),
            kind,
            direction: Direction::Inbound,
            from: None,
            to: None,
            at,
            ring_seconds: None,
            talk_seconds: None,
            outcome: None,
            missed_reason: None,
            answered_by: None,
            rung: None,
            recording_url: None,
            recording_id: None,
            raw_status: None,
            sequence: None,
            binding: None,
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
    /// The agents or extensions the call rang, in the order the provider named them (at most
    /// [`Call::MAX_RUNG`]): a missed call counts as missed by each of them.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub rung: Vec<String>,
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
    /// Who returned it: the agent the provider names on the call that connected.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub returned_by_agent: Option<String>,
    pub recording_key: Option<String>,
    /// A recording was announced and its download is queued (`recordings`); cleared when the
    /// audio is stored or the download is given up.
    #[serde(default)]
    pub recording_pending: bool,
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
    /// The day (in the tenant's zone when first counted) the call's rollups are kept under:
    /// pinned, so a later change of the tenant's time zone does not move existing counters.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rollup_day: Option<chrono::NaiveDate>,
    /// True once the call is counted under every [`Dimension`]; a call first counted before
    /// dimensions existed is under its channel only until its next change counts it in full.
    #[serde(default)]
    pub grouped: bool,
    /// True once the call is counted in its rows' sketch cells (unique callers, time to
    /// return); a call counted before cells existed joins them at its next change or at
    /// `calltrack migrate`.
    #[serde(default)]
    pub sketched: bool,
    /// The signed identity the call was first seen with ([`CallEvent::binding`]).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub binding: Option<String>,
    /// When the tenant's retention deletes the call (DynamoDB's TTL, the embedded sweep).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub retain_until: Option<DateTime<Utc>>,
    /// Optimistic concurrency: bumped by every committed change.
    pub version: u64,
}

impl Call {
    /// The most agents a call remembers having rung (a ring group larger than this keeps its
    /// first ones).
    pub const MAX_RUNG: usize = 16;

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
            rung: vec![],
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
            returned_by_agent: None,
            recording_key: None,
            recording_pending: false,
            attribution: Attribution::unattributed(),
            first_time_caller: true,
            transcription: Transcription::None,
            analysis: None,
            quality_score: None,
            raw_status: None,
            last_sequence: None,
            rollup_day: None,
            grouped: false,
            sketched: false,
            binding: None,
            retain_until: None,
            version: 0,
        }
    }
}
