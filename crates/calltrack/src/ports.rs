//! The traits the adapters implement: the store (one port per use case), blobs, transcriber,
//! mailer, fetcher, the recording queue, clock; and [`Ports`], the set of them the composition root builds once.
//!
//! Use cases take these as arguments, so the same code runs on SQLite and the filesystem on one
//! machine, and on DynamoDB, S3, Transcribe and SES in Lambda. The store speaks in domain
//! operations (take a pool slot, commit a call with its rollups), not keys and values: each
//! operation is one request (or one transaction) on DynamoDB.

use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::Arc;

use async_trait::async_trait;
use chrono::{DateTime, NaiveDate, TimeZone, Utc};
use serde::{Deserialize, Serialize};

use crate::model::*;

/// Store failures. `Unavailable` becomes a 5xx so the sender retries; nothing else does.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("store unavailable: {0}")]
    Unavailable(String),
    #[error("{0}")]
    Invalid(#[from] Invalid),
    /// A uniqueness rule was broken (a number already owned by another tenant).
    #[error("conflict: {0}")]
    Conflict(String),
    /// Stored data could not be read back: a bug or a foreign write, never user input.
    #[error("corrupt item: {0}")]
    Corrupt(String),
}

pub type StoreResult<T> = Result<T, StoreError>;

/// The identity of one webhook delivery; claimed once, in the same transaction as its effect.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EventKey {
    pub tenant: TenantId,
    /// `provider:event_id` (or `crm:...`): unique per tenant.
    pub key: String,
    /// TTL for garbage collection only; correctness never depends on it.
    pub expires_at: DateTime<Utc>,
}

/// A call to write, with the version it was read at (`None`: must not exist yet). The call
/// carries its new version; the adapter writes it only if the stored one is still the expected.
#[derive(Debug, Clone, PartialEq)]
pub struct CallWrite {
    pub call: Call,
    pub expected_version: Option<u64>,
}

impl CallWrite {
    /// Writes `call` over the version it was read at (`None`: it must not exist yet), as the
    /// next version.
    pub fn new(mut call: Call, read_version: Option<u64>) -> Self {
        call.version = read_version.map_or(1, |v| v + 1);
        Self {
            call,
            expected_version: read_version,
        }
    }
}

/// A deal to write, with the deal as it was read (`None`: must not exist yet). The deal carries
/// its new version.
#[derive(Debug, Clone, PartialEq)]
pub struct DealWrite {
    pub deal: Deal,
    pub expected: Option<Deal>,
}

impl DealWrite {
    /// Writes `deal` over the deal as read (`None`: it must not exist yet), as the next version.
    pub fn new(mut deal: Deal, read: Option<Deal>) -> Self {
        deal.version = read.as_ref().map_or(1, |d| d.version + 1);
        Self {
            deal,
            expected: read,
        }
    }
}

/// One unit of work: the event claim, the facts it changes and the rollup counters they move,
/// all or nothing. `Duplicate` when the event was already claimed, `Conflict` when a fact changed
/// since it was read (re-read and try again).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Commit {
    pub tenant: Option<TenantId>,
    pub event: Option<EventKey>,
    pub calls: Vec<CallWrite>,
    pub deal: Option<DealWrite>,
    pub rollups: Vec<RollupDelta>,
    /// Side effects to deliver once the commit holds (at least once: [`crate::alerts`]).
    pub outbox: Vec<OutboxItem>,
    /// The problem index's changes for analysed calls (see [`ProblemCall`]).
    pub problems: Vec<ProblemChange>,
}

/// How an outbox item reaches its recipient.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OutboxChannel {
    /// The missed-call email to the tenant's recipients.
    MissedCallMail,
    /// The missed-call POST to the tenant's alert webhook.
    MissedCallWebhook,
    /// Due when the callback SLA ends: an email if the missed call is still not returned.
    SlaBreachMail,
    /// Due when the callback SLA ends: a POST if the missed call is still not returned.
    SlaBreachWebhook,
}

/// A side effect written in the same commit as the fact that causes it, and removed once
/// delivered: a crash between the commit and the send delays it, never loses it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OutboxItem {
    pub tenant: TenantId,
    /// Unique per tenant (`{channel}:{call id}`): written twice, still one item.
    pub key: String,
    pub channel: OutboxChannel,
    pub call: CallId,
    /// When the next attempt is due.
    pub due_at: DateTime<Utc>,
    /// Failed attempts so far.
    pub attempts: u32,
}

impl OutboxItem {
    pub fn new(channel: OutboxChannel, call: &Call, due_at: DateTime<Utc>) -> Self {
        let name = match channel {
            OutboxChannel::MissedCallMail => "missed_call_mail",
            OutboxChannel::MissedCallWebhook => "missed_call_webhook",
            OutboxChannel::SlaBreachMail => "sla_breach_mail",
            OutboxChannel::SlaBreachWebhook => "sla_breach_webhook",
        };
        Self {
            tenant: call.tenant.clone(),
            key: format!("{name}:{}", call.id),
            channel,
            call: call.id.clone(),
            due_at,
            attempts: 0,
        }
    }
}

/// The most writes one unit of work may hold: DynamoDB's limit of actions in a transaction.
/// Use cases that could exceed it (marking many returned calls) split their work to stay under.
pub const MAX_COMMIT_ACTIONS: usize = 100;

impl Commit {
    /// The writes the commit is as one transaction: the claim, each call, the deal, each rollup
    /// row's counters and its cells (one item each, rows merged), the problem index changes (a
    /// moved entry is a delete and a put) and the outbox items.
    pub fn actions(&self) -> usize {
        let mut rows: std::collections::BTreeMap<
            (chrono::NaiveDate, Dimension, &str),
            (bool, Cells),
        > = Default::default();
        for d in self.rollups.iter().filter(|d| !d.is_zero()) {
            let e = rows.entry((d.day, d.dimension, &d.group)).or_default();
            e.0 |= !d.counters.is_zero();
            e.1.merge(&d.cells);
        }
        let rollups: usize = rows
            .values()
            .map(|(counted, cells)| usize::from(*counted) + usize::from(!cells.is_empty()))
            .sum();
        let problems: usize = self
            .problems
            .iter()
            .map(|p| match (&p.old, &p.new) {
                (Some(o), Some(n)) if o.day != n.day || o.rank() != n.rank() => 2,
                (None, None) => 0,
                _ => 1,
            })
            .sum();
        usize::from(self.event.is_some())
            + self.calls.len()
            + usize::from(self.deal.is_some())
            + rollups
            + problems
            + self.outbox.len()
    }

    /// The tenant the commit's rollups belong to: explicit, else its first fact's.
    pub fn tenant_id(&self) -> StoreResult<Option<TenantId>> {
        let t = self
            .tenant
            .clone()
            .or_else(|| self.event.as_ref().map(|e| e.tenant.clone()))
            .or_else(|| self.calls.first().map(|w| w.call.tenant.clone()))
            .or_else(|| self.deal.as_ref().map(|w| w.deal.tenant.clone()));
        if t.is_none() && (!self.rollups.is_empty() || !self.problems.is_empty()) {
            return Err(StoreError::Invalid(Invalid::new(
                "commit",
                "rollups or a problem entry without a tenant",
            )));
        }
        Ok(t)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CommitOutcome {
    Committed,
    Duplicate,
    Conflict,
}

/// Taking a pool slot for a new lease: compare-and-swap on the slot as it was read.
#[derive(Debug, Clone, PartialEq)]
pub struct TakeSlot {
    /// The slot exactly as read; the take fails if it changed since.
    pub slot: PoolSlot,
    pub lease: Lease,
    /// Counters moved by this lease (a visit), in the same transaction.
    pub rollups: Vec<RollupDelta>,
    /// Set when the take shares a number whose lease is still live: the slot's new
    /// `displaced_until` (see [`PoolSlot`]). `None` leaves it as it is.
    pub displaced_until: Option<DateTime<Utc>>,
}

/// Tenants: settings, secrets and the public site key that finds a tenant from the snippet.
#[async_trait]
pub trait TenantStore: Send + Sync {
    /// Stores a tenant (validated by the caller: see [`crate::tenants::save`]); moves its site
    /// key with it. `Conflict` if another tenant holds the site key. Provider secrets are sealed
    /// at rest ([`crate::secrets`]); reads open them.
    async fn put_tenant(&self, tenant: &Tenant) -> StoreResult<()>;
    async fn get_tenant(&self, id: &TenantId) -> StoreResult<Option<Tenant>>;
    /// Removes everything stored for the tenant (settings, numbers, pools and slots, leases,
    /// calls, deals, costs, rollups, claims, outbox, rate buckets); the number of records
    /// removed. Other tenants are untouched; a number the tenant held is free to be added again.
    async fn purge_tenant(&self, id: &TenantId) -> StoreResult<u64>;
    /// The snippet's look-up: the tenant's public copy ([`crate::secrets::public_copy`]), without
    /// secrets or API key hash. Never save what it returns.
    async fn tenant_by_site_key(&self, site_key: &str) -> StoreResult<Option<Tenant>>;
    async fn list_tenants(&self) -> StoreResult<Vec<Tenant>>;
}

/// The number directory and the DNI pools' settings.
#[async_trait]
pub trait NumberStore: Send + Sync {
    /// Adds or updates a number. A pool number also gets its slot (free since the epoch) if it
    /// has none. `Conflict` if another tenant owns the number.
    async fn put_number(&self, number: &TrackingNumber) -> StoreResult<()>;
    async fn get_number(&self, number: &PhoneNumber) -> StoreResult<Option<TrackingNumber>>;
    async fn list_numbers(&self, tenant: &TenantId) -> StoreResult<Vec<TrackingNumber>>;
    async fn put_pool(&self, pool: &PoolSettings) -> StoreResult<()>;
    async fn get_pool(&self, tenant: &TenantId, pool: &PoolId)
        -> StoreResult<Option<PoolSettings>>;
    async fn list_pools(&self, tenant: &TenantId) -> StoreResult<Vec<PoolSettings>>;
}

/// Pool slots, leases and the pools' health counters.
#[async_trait]
pub trait LeaseStore: Send + Sync {
    /// A rate bucket's state (`numbers::limits`): its theoretical arrival time in ms, if the
    /// bucket exists and has not expired.
    async fn get_bucket(
        &self,
        tenant: &TenantId,
        key: &str,
        now: DateTime<Utc>,
    ) -> StoreResult<Option<i64>>;
    /// Sets a bucket to `tat_ms` if it still holds `expected` at `now` (`None`: absent or
    /// expired); false when another request moved it first. It may be forgotten after
    /// `expires_at`.
    async fn put_bucket(
        &self,
        tenant: &TenantId,
        key: &str,
        tat_ms: i64,
        expected: Option<i64>,
        now: DateTime<Utc>,
        expires_at: DateTime<Utc>,
    ) -> StoreResult<bool>;
    /// Every slot of a pool, ordered by `available_at` ascending (least recently released first).
    async fn all_slots(&self, tenant: &TenantId, pool: &PoolId) -> StoreResult<Vec<PoolSlot>>;
    /// Points the slot at the new lease (`available_at` = its expiry, `visitor_id` = its visitor)
    /// and stores the lease, if the slot is unchanged since read. False when someone else took it
    /// first.
    async fn take_slot(&self, take: &TakeSlot) -> StoreResult<bool>;
    async fn get_lease(&self, id: &LeaseId) -> StoreResult<Option<Lease>>;
    /// The visitor's most recent lease in a pool.
    async fn lease_for_visitor(
        &self,
        tenant: &TenantId,
        pool: &PoolId,
        visitor_id: &str,
    ) -> StoreResult<Option<Lease>>;
    /// Sets a live, unended lease's `expires_at` and `last_seen_at` to `lease`'s, and nothing
    /// else (intents appended meanwhile stay: a partial update, not a put of the whole lease);
    /// when `holds_slot`, also moves the slot's `available_at` to the new expiry, if the slot
    /// still points at the lease. False when the lease had ended (or the slot moved on, with
    /// `holds_slot`).
    async fn renew_lease(
        &self,
        lease: &Lease,
        now: DateTime<Utc>,
        holds_slot: bool,
    ) -> StoreResult<bool>;
    /// Appends a call intent to a lease that has fewer than `max`. False when there is no such
    /// lease or it has `max` already.
    async fn add_intent(&self, id: &LeaseId, intent: &Intent, max: usize) -> StoreResult<bool>;
    /// Leases on a number that started in `[from, to]`, oldest first. The domain widens `from`
    /// by the longest a lease can live to find every lease overlapping a moment
    /// ([`crate::numbers::leases_overlapping`]).
    async fn leases_started_between(
        &self,
        tenant: &TenantId,
        number: &PhoneNumber,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
    ) -> StoreResult<Vec<Lease>>;
    /// Detaches slots whose lease expired by `now` (lease and visitor cleared; the lease keeps
    /// its expiry as its end).
    /// Returns how many it closed. Idempotent; safe while acquires run.
    async fn close_expired(
        &self,
        tenant: &TenantId,
        pool: &PoolId,
        now: DateTime<Utc>,
    ) -> StoreResult<u32>;
    /// Adds to the pool's health counters for the hour that starts at `hour`.
    async fn add_pool_health(
        &self,
        tenant: &TenantId,
        pool: &PoolId,
        hour: DateTime<Utc>,
        delta: &PoolHealth,
    ) -> StoreResult<()>;
    async fn pool_health(
        &self,
        tenant: &TenantId,
        pool: &PoolId,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
    ) -> StoreResult<Vec<(DateTime<Utc>, PoolHealth)>>;
}

/// Calls, and the unit of work that writes them (with a deal, rollups and an event claim).
#[async_trait]
pub trait CallStore: Send + Sync {
    async fn get_call(&self, tenant: &TenantId, id: &CallId) -> StoreResult<Option<Call>>;
    /// Calls that started in `[from, to)`, oldest first.
    async fn calls_between(
        &self,
        tenant: &TenantId,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
    ) -> StoreResult<Vec<Call>>;
    /// At most `limit` calls that started in `[from, to)` and come after `after` in (start,
    /// id) order, oldest first: one page of a listing, read without loading the period.
    async fn calls_page(
        &self,
        tenant: &TenantId,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
        after: Option<&CallCursor>,
        limit: usize,
    ) -> StoreResult<Vec<Call>>;
    /// Calls with this caller (inbound: who called; outbound: who was called) since `since`,
    /// oldest first.
    async fn calls_with(
        &self,
        tenant: &TenantId,
        caller: &PhoneNumber,
        since: DateTime<Utc>,
    ) -> StoreResult<Vec<Call>>;
    /// The caller's earliest `limit` calls, oldest first: the bounded summary a new call's
    /// first-touch and first-time-caller checks read (never the whole history).
    async fn first_calls_with(
        &self,
        tenant: &TenantId,
        caller: &PhoneNumber,
        limit: usize,
    ) -> StoreResult<Vec<Call>>;
    /// Deletes what retention says is due at `now`: the tenant's calls past `retain_until` and
    /// its leases older than [`crate::numbers::LEASE_RETENTION`]; how many. SQLite deletes
    /// them here; DynamoDB answers 0, because the `ttl` every call and lease item carries has
    /// DynamoDB delete them (within days, and nothing depends on when).
    async fn delete_expired(&self, tenant: &Tenant, now: DateTime<Utc>) -> StoreResult<u64>;
    /// The unit of work: event claim + calls + deal + rollups + outbox items, atomically.
    /// Versions are written as the commit carries them ([`CallWrite`], [`DealWrite`]); an outbox
    /// item already present under its key is left as it is.
    async fn commit(&self, commit: &Commit) -> StoreResult<CommitOutcome>;
    /// Outbox items of every tenant due at `now`, earliest first, at most `limit`.
    async fn outbox_due(&self, now: DateTime<Utc>, limit: usize) -> StoreResult<Vec<OutboxItem>>;
    /// Removes a delivered item (`None`) or stores its next attempt.
    async fn outbox_settle(&self, item: &OutboxItem, retry: Option<&OutboxItem>)
        -> StoreResult<()>;
}

/// A position in a call listing: the last call a page showed, (start, id). Opaque to clients
/// ([`CallCursor::encode`]: base64url of `{start ms}:{id}`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CallCursor {
    pub started_at: DateTime<Utc>,
    pub id: CallId,
}

impl CallCursor {
    pub fn after(call: &Call) -> Self {
        Self {
            started_at: call.started_at,
            id: call.id.clone(),
        }
    }

    pub fn encode(&self) -> String {
        use base64::Engine as _;
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(format!(
            "{}:{}",
            self.started_at.timestamp_millis(),
            self.id
        ))
    }

    /// `None` for anything [`encode`](Self::encode) did not make.
    pub fn decode(s: &str) -> Option<Self> {
        use base64::Engine as _;
        let raw = base64::engine::general_purpose::URL_SAFE_NO_PAD
            .decode(s.trim())
            .ok()?;
        let text = String::from_utf8(raw).ok()?;
        let (ms, id) = text.split_once(':')?;
        Some(Self {
            started_at: Utc.timestamp_millis_opt(ms.parse().ok()?).single()?,
            id: CallId::parse(id).ok()?,
        })
    }
}

/// CRM deals and ad costs.
#[async_trait]
pub trait DealStore: Send + Sync {
    async fn get_deal(&self, tenant: &TenantId, id: &str) -> StoreResult<Option<Deal>>;
    async fn deals_between(
        &self,
        tenant: &TenantId,
        from: NaiveDate,
        to: NaiveDate,
    ) -> StoreResult<Vec<Deal>>;
    /// Replaces costs by (date, channel, campaign), all rows or none.
    async fn put_costs(&self, tenant: &TenantId, rows: &[Cost]) -> StoreResult<()>;
    /// Costs with `from <= date <= to`.
    async fn costs_between(
        &self,
        tenant: &TenantId,
        from: NaiveDate,
        to: NaiveDate,
    ) -> StoreResult<Vec<Cost>>;
}

/// What reports read (the rollups) and the claims that make scheduled work happen once.
#[async_trait]
pub trait ReportStore: Send + Sync {
    /// Rollup rows of one dimension with `from <= day <= to`.
    async fn rollups_between(
        &self,
        tenant: &TenantId,
        dimension: Dimension,
        from: NaiveDate,
        to: NaiveDate,
    ) -> StoreResult<Vec<Rollup>>;
    /// The sketch cells ([`crate::sketch`]) of one dimension's rows with `from <= day <= to`,
    /// summed per group over those days (groups whose cells sum to nothing are left out).
    async fn cells_between(
        &self,
        tenant: &TenantId,
        dimension: Dimension,
        from: NaiveDate,
        to: NaiveDate,
    ) -> StoreResult<Vec<RollupCells>>;
    /// The problem index's entries for `from <= day <= to`: at most `per_day` per day, the worst
    /// of each day (by [`ProblemCall::rank`]).
    async fn problems_between(
        &self,
        tenant: &TenantId,
        from: NaiveDate,
        to: NaiveDate,
        per_day: usize,
    ) -> StoreResult<Vec<ProblemCall>>;
    /// Claims a key once (a sent report, a started job). False if it was claimed before.
    async fn claim_once(
        &self,
        tenant: &TenantId,
        key: &str,
        expires_at: DateTime<Utc>,
    ) -> StoreResult<bool>;
    /// Whether a key was claimed (a report already mailed).
    async fn has_claim(&self, tenant: &TenantId, key: &str) -> StoreResult<bool>;
}

/// Everything durable calltrack keeps: one adapter per backend implements every use case's
/// port, and one conformance suite pins them all. Use cases take the narrow ports they need.
pub trait Store:
    TenantStore + NumberStore + LeaseStore + CallStore + DealStore + ReportStore
{
    /// Requests this adapter has sent to its backend, for budgets and benchmarks.
    fn request_count(&self) -> u64 {
        0
    }
}

/// Blob failures: `NotFound` is an answer, everything else is retryable.
#[derive(Debug, thiserror::Error)]
pub enum BlobError {
    #[error("no blob at {0}")]
    NotFound(String),
    #[error("blob store unavailable: {0}")]
    Unavailable(String),
}

/// Recordings, transcripts and reports (S3 in AWS, a directory on one machine).
#[async_trait]
pub trait BlobStore: Send + Sync {
    async fn put(&self, key: &str, bytes: Vec<u8>, content_type: &str) -> Result<(), BlobError>;
    async fn get(&self, key: &str) -> Result<Vec<u8>, BlobError>;
    /// A time-limited link to read the blob.
    async fn link(&self, key: &str, valid_for: std::time::Duration) -> Result<String, BlobError>;
    /// Stores what `body` yields, chunk by chunk, never holding all of it (S3: a multipart
    /// upload once the body outgrows one part). Nothing is stored at `key` unless the whole body
    /// arrived. Returns the bytes written.
    async fn put_stream(
        &self,
        key: &str,
        content_type: &str,
        body: &mut dyn ByteSource,
    ) -> Result<u64, StreamError>;
    /// Deletes every blob whose key starts with `prefix` (a tenant purge); how many.
    async fn delete_prefix(&self, prefix: &str) -> Result<u64, BlobError>;
}

/// Why a streamed put failed: the source (a download) or the store.
#[derive(Debug, thiserror::Error)]
pub enum StreamError {
    #[error(transparent)]
    Source(#[from] FetchError),
    #[error(transparent)]
    Store(#[from] BlobError),
}

/// A body read in chunks (a download on its way to the blob store).
#[async_trait]
pub trait ByteSource: Send {
    /// The next chunk; `None` at the end.
    async fn next_chunk(&mut self) -> Result<Option<Vec<u8>>, FetchError>;
}

/// A request to transcribe one recording.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TranscriptionJob {
    /// Deterministic from the recording key: a second start of the same key is a no-op.
    pub name: String,
    pub media_key: String,
    pub output_key: String,
    /// `None` asks for language identification.
    pub language: Option<String>,
    /// Two-channel recording: channel identification; otherwise speaker labels.
    pub stereo: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StartOutcome {
    Started,
    AlreadyExists,
}

#[derive(Debug, thiserror::Error)]
pub enum TranscriberError {
    #[error("transcription rejected: {0}")]
    Rejected(String),
    #[error("transcriber unavailable: {0}")]
    Unavailable(String),
}

#[async_trait]
pub trait Transcriber: Send + Sync {
    async fn start(&self, job: &TranscriptionJob) -> Result<StartOutcome, TranscriberError>;
}

/// Why the model gave no answer. `Unavailable` passed (throttling, a timeout, an outage);
/// `Refused` will not pass by itself (no access to the model, a request it rejects).
#[derive(Debug, thiserror::Error)]
pub enum AiError {
    #[error("the model refused the request: {0}")]
    Refused(String),
    #[error("the model is unavailable: {0}")]
    Unavailable(String),
}

/// A language model that reads a call ([`crate::speech::ai`] builds the request and checks the
/// reply). The rule-based analysis always runs; this only adds to it, and only when a model is
/// configured.
#[async_trait]
pub trait AiAnalyser: Send + Sync {
    /// The model (or inference profile) asked; `None` when AI analysis is off.
    fn model(&self) -> Option<String>;
    async fn ask(
        &self,
        request: &crate::speech::ai::AiRequest,
    ) -> Result<crate::speech::ai::AiReply, AiError>;
}

/// No model: the rule-based analysis alone (the default, and the embedded backend's).
#[derive(Debug, Default, Clone, Copy)]
pub struct RulesOnly;

#[async_trait]
impl AiAnalyser for RulesOnly {
    fn model(&self) -> Option<String> {
        None
    }
    async fn ask(
        &self,
        _: &crate::speech::ai::AiRequest,
    ) -> Result<crate::speech::ai::AiReply, AiError> {
        Err(AiError::Refused("no model is configured".into()))
    }
}

/// An email to send (reports, missed-call alerts).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Email {
    pub to: Vec<String>,
    pub subject: String,
    pub html: String,
    /// The plain-text alternative, for clients (and readers) that do not show HTML.
    pub text: String,
    /// Images the HTML shows as `cid:` links (the report's charts).
    pub inline: Vec<InlineImage>,
}

/// One image carried inside the message, referenced from the HTML as `cid:{cid}`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InlineImage {
    pub cid: String,
    pub content_type: String,
    pub bytes: Vec<u8>,
}

impl Email {
    /// The whole message as MIME: the text and the HTML as alternatives, the HTML's images
    /// beside it in `multipart/related` (what mail clients need to show `cid:` images).
    pub fn mime(&self, from: &str) -> Result<Vec<u8>, MailError> {
        use mail_builder::mime::MimePart;
        let mut related = vec![MimePart::new("text/html", self.html.as_str())];
        for img in &self.inline {
            related.push(
                MimePart::new(img.content_type.as_str(), img.bytes.as_slice())
                    .inline()
                    .cid(img.cid.as_str()),
            );
        }
        let html = if self.inline.is_empty() {
            related.remove(0)
        } else {
            MimePart::new("multipart/related", related)
        };
        let body = MimePart::new(
            "multipart/alternative",
            vec![MimePart::new("text/plain", self.text.as_str()), html],
        );
        mail_builder::MessageBuilder::new()
            .from(from)
            .to(self.to.iter().map(String::as_str).collect::<Vec<_>>())
            .subject(self.subject.as_str())
            .body(body)
            .write_to_vec()
            .map_err(|e| MailError(e.to_string()))
    }
}

#[derive(Debug, thiserror::Error)]
#[error("mailer: {0}")]
pub struct MailError(pub String);

#[async_trait]
pub trait Mailer: Send + Sync {
    async fn send(&self, email: &Email) -> Result<(), MailError>;
}

#[derive(Debug, thiserror::Error)]
#[error("fetch {url}: {reason}")]
pub struct FetchError {
    pub url: String,
    pub reason: String,
    /// The HTTP status when the server answered with a failure (4xx/5xx).
    pub status: Option<u16>,
}

impl FetchError {
    pub fn new(url: &str, reason: impl Into<String>) -> Self {
        Self {
            url: url.to_string(),
            reason: reason.into(),
            status: None,
        }
    }

    /// True when asking again later may succeed: no answer, a 5xx, 408 or 429. A 4xx is final.
    pub fn is_retryable(&self) -> bool {
        self.status.is_none_or(|s| s >= 500 || s == 408 || s == 429)
    }
}

/// One outbound request: a GET, or a POST with a form or JSON body, with extra headers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FetchRequest {
    pub method: http::Method,
    pub url: String,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl FetchRequest {
    pub fn get(url: impl Into<String>) -> Self {
        Self {
            method: http::Method::GET,
            url: url.into(),
            headers: vec![],
            body: vec![],
        }
    }

    /// A form POST (`application/x-www-form-urlencoded`).
    pub fn post_form(url: impl Into<String>, fields: &[(&str, &str)]) -> Self {
        Self {
            method: http::Method::POST,
            url: url.into(),
            headers: vec![(
                "content-type".into(),
                "application/x-www-form-urlencoded".into(),
            )],
            body: serde_urlencoded::to_string(fields)
                .unwrap_or_default()
                .into_bytes(),
        }
    }

    pub fn header(mut self, name: &str, value: impl Into<String>) -> Self {
        self.headers.push((name.to_string(), value.into()));
        self
    }
}

/// A successful answer whose body has not been read yet.
pub struct Download {
    pub content_type: String,
    pub body: Box<dyn ByteSource>,
}

impl Download {
    /// The whole body of a small answer (an API's JSON); `None` when it is over `max` bytes.
    pub async fn read_small(&mut self, max: u64) -> Result<Option<Vec<u8>>, FetchError> {
        let mut out = Vec::new();
        while let Some(chunk) = self.body.next_chunk().await? {
            out.extend_from_slice(&chunk);
            if out.len() as u64 > max {
                return Ok(None);
            }
        }
        Ok(Some(out))
    }
}

/// Outbound HTTP: downloading recordings from providers, posting signed alert webhooks. Every
/// adapter follows redirects itself and checks each hop against the egress policy.
#[async_trait]
pub trait Fetcher: Send + Sync {
    /// Sends `req` and answers once the status and headers are in (a non-2xx is an error with
    /// its status); the body is read through [`Download::body`].
    async fn open(&self, req: &FetchRequest) -> Result<Download, FetchError>;
    async fn post_json(
        &self,
        url: &str,
        body: &[u8],
        headers: &[(String, String)],
    ) -> Result<(), FetchError>;
}

#[derive(Debug, thiserror::Error)]
#[error("recording queue: {0}")]
pub struct QueueError(pub String);

/// Where the webhook leaves a recording to download, so it answers without waiting for it
/// (SQS in AWS, with retries and a dead-letter queue; an in-process queue on one machine).
#[async_trait]
pub trait RecordingQueue: Send + Sync {
    async fn enqueue(&self, job: &crate::recordings::RecordingJob) -> Result<(), QueueError>;
}

/// Every adapter the use cases run on, built once by a composition root (`calltrack_embedded::
/// ports` for one machine, `calltrack_aws::ports_from_env` for AWS) and shared by every request.
#[derive(Clone)]
pub struct Ports {
    pub store: Arc<dyn Store>,
    pub blobs: Arc<dyn BlobStore>,
    pub transcriber: Arc<dyn Transcriber>,
    pub mailer: Arc<dyn Mailer>,
    pub fetcher: Arc<dyn Fetcher>,
    pub recordings: Arc<dyn RecordingQueue>,
    /// The optional AI analysis of transcripts ([`RulesOnly`] when off).
    pub ai: Arc<dyn AiAnalyser>,
    pub clock: Arc<dyn Clock>,
}

impl Ports {
    /// The same adapters on another clock (tests, simulations, the demo).
    pub fn with_clock(self, clock: Arc<dyn Clock>) -> Self {
        Self { clock, ..self }
    }
}

/// Where the time comes from: the system clock in production, a settable one in tests.
pub trait Clock: Send + Sync {
    fn now(&self) -> DateTime<Utc>;
}

/// The real clock.
#[derive(Debug, Default, Clone, Copy)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> DateTime<Utc> {
        Utc::now()
    }
}

/// A clock tests and simulations move by hand (millisecond resolution).
#[derive(Debug, Clone)]
pub struct ManualClock(Arc<AtomicI64>);

impl ManualClock {
    pub fn new(at: DateTime<Utc>) -> Self {
        Self(Arc::new(AtomicI64::new(at.timestamp_millis())))
    }

    pub fn set(&self, at: DateTime<Utc>) {
        self.0.store(at.timestamp_millis(), Ordering::SeqCst);
    }

    pub fn advance(&self, by: chrono::Duration) {
        self.0.fetch_add(by.num_milliseconds(), Ordering::SeqCst);
    }
}

impl Clock for ManualClock {
    fn now(&self) -> DateTime<Utc> {
        Utc.timestamp_millis_opt(self.0.load(Ordering::SeqCst))
            .single()
            .unwrap_or_default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use mail_parser::{MessageParser, MimeHeaders};

    #[test]
    fn mime_carries_text_html_and_the_inline_images_a_client_resolves_by_content_id() {
        let png = b"\x89PNG\r\n\x1a\n\0\0fake".to_vec();
        let email = Email {
            to: vec!["owner@shop.example".into(), "sales@shop.example".into()],
            subject: "Магазин: звонки и ROI за неделю".into(),
            html: "<p>Выручка</p><img src=\"cid:chart@calltrack\">".into(),
            text: "Выручка 100".into(),
            inline: vec![InlineImage {
                cid: "chart@calltrack".into(),
                content_type: "image/png".into(),
                bytes: png.clone(),
            }],
        };
        let raw = email.mime("reports@shop.example").unwrap();
        assert!(raw.is_ascii(), "8-bit text is encoded for transport");
        let msg = MessageParser::default().parse(&raw).unwrap();
        assert_eq!(msg.subject(), Some("Магазин: звонки и ROI за неделю"));
        let to: Vec<&str> = msg
            .to()
            .unwrap()
            .iter()
            .filter_map(|a| a.address())
            .collect();
        assert_eq!(to, ["owner@shop.example", "sales@shop.example"]);
        assert_eq!(msg.body_text(0).as_deref(), Some("Выручка 100"));
        assert!(msg.body_html(0).unwrap().contains("cid:chart@calltrack"));
        let img = msg.attachment(0).unwrap();
        assert_eq!(img.content_id(), Some("chart@calltrack"));
        assert_eq!(img.contents(), png.as_slice());
        let text = String::from_utf8_lossy(&raw);
        let (alt, rel) = (
            text.find("multipart/alternative").unwrap(),
            text.find("multipart/related").unwrap(),
        );
        assert!(alt < rel, "the related html is one alternative to the text");
    }
}
