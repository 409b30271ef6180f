//! Leasing pool numbers to visits: acquire, renew, record a call intent, close expired leases.
//!
//! The store owns the truth: a slot is free when its `available_at <= now`, so a lease ends at
//! its expiry whether or not any job ran, and every take is a compare-and-swap on the slot as it
//! was read. Under any concurrency a number is never leased twice while an unleased one existed:
//! a request only shares a number (or shows the default number) after the store said no slot
//! was free.

use std::sync::Mutex;

use chrono::{DateTime, Duration, DurationRound, Utc};
use rand::seq::SliceRandom;
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use serde::Serialize;

use crate::model::{
    self, Dimension, ExhaustionPolicy, Intent, IntentKind, Invalid, Lease, LeaseId, PhoneNumber,
    PoolHealth, PoolSlot, RollupDelta, Selection, Tenant, TenantId, Visit,
};
use crate::ports::{
    Clock, Commit, CommitOutcome, EventKey, Store, StoreError, StoreResult, TakeSlot,
};

/// How many free slots an `lru` acquire reads at once (the next ones are its retries on conflict).
const LRU_BATCH: usize = 16;
/// Re-reads of the free slots before a contended acquire gives up with `Busy` (each failed
/// compare-and-swap means another request took a number, so this is only reached under a storm).
const MAX_ROUNDS: usize = 64;

/// Why no number could be handed out.
#[derive(Debug, thiserror::Error)]
pub enum AcquireError {
    #[error("{0}")]
    Invalid(#[from] Invalid),
    /// The pool has no numbers at all and no default number to show instead.
    #[error("pool '{0}' has no numbers and no default number; add numbers to the pool")]
    NoNumbers(String),
    /// Every free number went to concurrent requests, round after round: retry.
    #[error("the pool is contended; retry")]
    Busy,
    /// Every number is shared by the pool's `max_sharing` live leases and there is no default
    /// number: the visitor keeps the page's own number (counted as an exhaustion).
    #[error("every number of pool '{0}' is shared by as many live leases as the pool allows")]
    AllShared(String),
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// Why a lease could not be renewed or given an intent.
/// Intents one lease may record: a visitor taps or copies a number a few times at most, and
/// more would only let a script pile evidence onto one number.
pub const MAX_INTENTS_PER_LEASE: usize = 5;

/// Numbers looked at for sharing when a pool ran out (oldest activity first).
const SHARE_CANDIDATES: usize = 8;
/// A visitor who got no lease and asks again this soon after a window of the pool's lease
/// length began, having been counted in the window before, is on the same visit.
const VISIT_CONTINUES: Duration = Duration::minutes(2);

#[derive(Debug, thiserror::Error)]
pub enum LeaseError {
    #[error("no such lease")]
    NotFound,
    /// The lease reached its expiry: the page should acquire a new one.
    #[error("the lease has ended; acquire a new one")]
    Ended,
    /// The lease has its [`MAX_INTENTS_PER_LEASE`] intents already.
    #[error("the lease has all the intents it may record")]
    TooManyIntents,
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// What an acquire did.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum AcquireOutcome {
    /// The visitor already held a live lease: the same one, unchanged.
    Existing,
    /// A number that had rested at least the cool-down.
    Fresh,
    /// A free number still inside its cool-down (counted as an early reuse).
    EarlyReuse,
    /// No number was free: the oldest leased number is now shared (counted as an exhaustion).
    Shared,
    /// No number was free: the pool's default number, no lease (counted as an exhaustion).
    Overflow,
}

/// The number to show a visit, and the lease behind it (none for `Overflow`).
#[derive(Debug, Clone, PartialEq)]
pub struct Acquired {
    pub outcome: AcquireOutcome,
    pub lease: Option<Lease>,
    pub number: PhoneNumber,
}

impl Acquired {
    pub fn expires_at(&self) -> Option<DateTime<Utc>> {
        self.lease.as_ref().map(|l| l.expires_at)
    }
}

/// The pool use cases over the store and clock ports. Holds the generator the `random` policy
/// draws from, so a seeded pool repeats its choices exactly (the simulator relies on this).
pub struct Pool<'a> {
    store: &'a dyn Store,
    clock: &'a dyn Clock,
    rng: Mutex<ChaCha8Rng>,
}

impl<'a> Pool<'a> {
    /// A pool whose `random` policy is seeded from the operating system.
    pub fn new(store: &'a dyn Store, clock: &'a dyn Clock) -> Self {
        Self {
            store,
            clock,
            rng: Mutex::new(ChaCha8Rng::from_entropy()),
        }
    }

    /// A pool whose `random` choices repeat for a seed.
    pub fn seeded(store: &'a dyn Store, clock: &'a dyn Clock, seed: u64) -> Self {
        Self {
            store,
            clock,
            rng: Mutex::new(ChaCha8Rng::seed_from_u64(seed)),
        }
    }

    /// Leases a number to a visit. The same visitor with a live lease gets that lease back;
    /// otherwise the pool's selection picks a free number, and on exhaustion its policy decides
    /// between sharing the oldest number and showing the default number. A new lease counts one
    /// visit in the rollup of (tenant's day, visit channel) in the same transaction.
    pub async fn acquire(
        &self,
        tenant: &Tenant,
        pool: &model::PoolSettings,
        visit: Visit,
    ) -> Result<Acquired, AcquireError> {
        if visit.visitor_id.trim().is_empty() {
            return Err(Invalid::new("visitor_id", "must not be empty").into());
        }
        let now = self.clock.now();
        // One read of the pool's slots finds both the visitor's live lease and the free numbers.
        let mut slots = self.store.all_slots(&pool.tenant, &pool.id).await?;
        if let Some(lease) = self
            .live_lease_of(pool, &slots, &visit.visitor_id, now)
            .await?
        {
            let number = lease.number.clone();
            return Ok(Acquired {
                outcome: AcquireOutcome::Existing,
                lease: Some(lease),
                number,
            });
        }
        let rested = now - minutes(pool.cooldown_minutes);
        let visit_counter = crate::rollups::visit(tenant, &visit, now);
        for round in 0..MAX_ROUNDS {
            if round > 0 {
                // Every candidate was taken under us: read the pool again.
                slots = self.store.all_slots(&pool.tenant, &pool.id).await?;
            }
            let candidates = self.candidates(pool, &slots, now, rested);
            if candidates.is_empty() {
                return self.exhausted(pool, visit, visit_counter, now, slots).await;
            }
            for slot in candidates {
                let early = slot.available_at > rested;
                if let Some(lease) = self
                    .take(pool, slot, &visit, &visit_counter, now, early)
                    .await?
                {
                    if early {
                        let delta = PoolHealth {
                            early_reuses: 1,
                            ..PoolHealth::default()
                        };
                        self.count(pool, now, &delta).await?;
                    }
                    let outcome = if early {
                        AcquireOutcome::EarlyReuse
                    } else {
                        AcquireOutcome::Fresh
                    };
                    let number = lease.number.clone();
                    return Ok(Acquired {
                        outcome,
                        lease: Some(lease),
                        number,
                    });
                }
            }
        }
        Err(AcquireError::Busy)
    }

    /// The visitor's live lease: found through the slot that points at it, or, while sharing
    /// has displaced leases from their slots, through the visitor index (one more request,
    /// only in a pool that recently ran out).
    async fn live_lease_of(
        &self,
        pool: &model::PoolSettings,
        slots: &[PoolSlot],
        visitor_id: &str,
        now: DateTime<Utc>,
    ) -> StoreResult<Option<Lease>> {
        let live =
            |l: &Lease| l.ended_at.is_none() && l.is_live(now) && l.visit.visitor_id == visitor_id;
        let held = slots
            .iter()
            .filter(|s| s.available_at > now && s.visitor_id.as_deref() == Some(visitor_id))
            .find_map(|s| s.lease_id.as_ref());
        if let Some(id) = held {
            if let Some(lease) = self.store.get_lease(id).await?.filter(live) {
                return Ok(Some(lease));
            }
        }
        if slots
            .iter()
            .any(|s| s.displaced_until.is_some_and(|d| d > now))
        {
            let found = self
                .store
                .lease_for_visitor(&pool.tenant, &pool.id, visitor_id)
                .await?;
            return Ok(found.filter(live));
        }
        Ok(None)
    }

    /// Free slots in the order the pool's selection tries them, from the pool's slots as read
    /// (ordered by `available_at`: least recently released first).
    fn candidates(
        &self,
        pool: &model::PoolSettings,
        slots: &[PoolSlot],
        now: DateTime<Utc>,
        rested: DateTime<Utc>,
    ) -> Vec<PoolSlot> {
        let free_by = |t: DateTime<Utc>| free_at(slots, t).cloned();
        match pool.selection {
            Selection::Lru => free_by(now).take(LRU_BATCH).collect(),
            Selection::LruHardCooldown => free_by(rested.min(now)).take(LRU_BATCH).collect(),
            Selection::Mru => {
                let mut v: Vec<PoolSlot> = free_by(now).collect();
                v.reverse();
                v
            }
            Selection::Random => {
                let mut v: Vec<PoolSlot> = free_by(now).collect();
                let mut rng = self.rng.lock().unwrap_or_else(|e| e.into_inner());
                v.shuffle(&mut *rng);
                v
            }
        }
    }

    /// One compare-and-swap on a slot as read: the new lease if it won.
    async fn take(
        &self,
        pool: &model::PoolSettings,
        slot: PoolSlot,
        visit: &Visit,
        visit_counter: &[RollupDelta],
        now: DateTime<Utc>,
        reused_early: bool,
    ) -> StoreResult<Option<Lease>> {
        let lease = Lease {
            id: LeaseId::random(),
            tenant: pool.tenant.clone(),
            pool: pool.id.clone(),
            number: slot.number.clone(),
            visit: visit.clone(),
            started_at: now,
            last_seen_at: now,
            expires_at: first_expiry(pool, now),
            ended_at: None,
            intents: vec![],
            reused_early,
        };
        // Sharing a number whose lease is still live displaces that lease from the slot; it can
        // live at most a maximum session past its current expiry (renewals are capped).
        let displaced_until = (slot.lease_id.is_some() && slot.available_at > now).then(|| {
            let bound = slot.available_at + minutes(pool.max_session_minutes);
            slot.displaced_until.map_or(bound, |d| d.max(bound))
        });
        // The visit counts under the number it was given.
        let rollups = visit_counter
            .iter()
            .map(|d| match d.dimension {
                Dimension::Number => RollupDelta {
                    group: slot.number.as_str().to_string(),
                    ..d.clone()
                },
                _ => d.clone(),
            })
            .collect();
        let take = TakeSlot {
            slot,
            lease,
            rollups,
            displaced_until,
        };
        Ok(if self.store.take_slot(&take).await? {
            Some(take.lease)
        } else {
            None
        })
    }

    /// No number is free (for `lru-hard-cooldown`: none has rested): degrade as the pool says,
    /// and count it.
    async fn exhausted(
        &self,
        pool: &model::PoolSettings,
        visit: Visit,
        visit_counter: Vec<RollupDelta>,
        now: DateTime<Utc>,
        slots: Vec<PoolSlot>,
    ) -> Result<Acquired, AcquireError> {
        let overflow = |number: PhoneNumber| Acquired {
            outcome: AcquireOutcome::Overflow,
            lease: None,
            number,
        };
        if let (ExhaustionPolicy::DefaultNumber, Some(number)) =
            (pool.exhaustion, &pool.default_number)
        {
            self.exhausted_without_lease(pool, &visit, visit_counter, now)
                .await?;
            return Ok(overflow(number.clone()));
        }
        // share_oldest (also the fallback of default_number without a default number): the slot
        // released longest ago, or, when all are leased, the one whose last activity is oldest.
        let mut slots = Some(slots);
        for _ in 0..MAX_ROUNDS {
            let read = match slots.take() {
                Some(s) => s,
                None => self.store.all_slots(&pool.tenant, &pool.id).await?,
            };
            if read.is_empty() {
                return match &pool.default_number {
                    Some(n) => Ok(overflow(n.clone())),
                    None => Err(AcquireError::NoNumbers(pool.id.to_string())),
                };
            }
            let Some(slot) = self.shareable(pool, read, now).await? else {
                // Every number tried carries as many live leases as the pool allows.
                self.exhausted_without_lease(pool, &visit, visit_counter, now)
                    .await?;
                return match &pool.default_number {
                    Some(n) => Ok(overflow(n.clone())),
                    None => Err(AcquireError::AllShared(pool.id.to_string())),
                };
            };
            let shared = slot.available_at > now;
            // Its last renewal put the slot's expiry a lease length ahead of when it was seen.
            let page_open = shared
                && crate::attribution::AttributionRules::default()
                    .page_open(now - (slot.available_at - minutes(pool.lease_minutes)));
            if let Some(lease) = self
                .take(pool, slot, &visit, &visit_counter, now, true)
                .await?
            {
                // Exhausted only when the visitor shares a number whose other page is still
                // open (as attribution judges it): a number reused before its cool-down, or
                // whose lease outlives a page already closed, is an early reuse, nothing more.
                let delta = PoolHealth {
                    exhaustions: i64::from(page_open),
                    early_reuses: 1,
                    ..PoolHealth::default()
                };
                self.count(pool, now, &delta).await?;
                let outcome = if shared {
                    AcquireOutcome::Shared
                } else {
                    AcquireOutcome::EarlyReuse
                };
                let number = lease.number.clone();
                return Ok(Acquired {
                    outcome,
                    lease: Some(lease),
                    number,
                });
            }
        }
        Err(AcquireError::Busy)
    }

    /// A visit that gets no lease on exhaustion: the visit counted in the rollups and one
    /// exhaustion in the pool's health, once per visitor and lease length. With no lease to
    /// find again, the visit's claim (`visit:{pool}:{visitor}:{window}`, in the same commit as
    /// the count) is what makes a resent request, or the next page of the same visit, count
    /// nothing; a visitor seen in the first [`VISIT_CONTINUES`] of a window who was counted in
    /// the window before is the same visit too.
    async fn exhausted_without_lease(
        &self,
        pool: &model::PoolSettings,
        visit: &Visit,
        visit_counter: Vec<RollupDelta>,
        now: DateTime<Utc>,
    ) -> StoreResult<()> {
        let length = minutes(pool.lease_minutes.max(1)).num_milliseconds();
        let window = now.timestamp_millis().div_euclid(length);
        let key = |w: i64| format!("visit:{}:{}:{w}", pool.id, visit.visitor_id);
        let into_window = now.timestamp_millis() - window * length;
        if into_window < VISIT_CONTINUES.num_milliseconds()
            && self.store.has_claim(&pool.tenant, &key(window - 1)).await?
        {
            return Ok(());
        }
        let commit = Commit {
            tenant: Some(pool.tenant.clone()),
            event: Some(EventKey {
                tenant: pool.tenant.clone(),
                key: key(window),
                expires_at: now + minutes(pool.lease_minutes) * 3,
            }),
            rollups: visit_counter,
            ..Commit::default()
        };
        if self.store.commit(&commit).await? == CommitOutcome::Committed {
            let delta = PoolHealth {
                exhaustions: 1,
                ..PoolHealth::default()
            };
            self.count(pool, now, &delta).await?;
        }
        Ok(())
    }

    /// The first slot, in the order read (oldest activity first), that is free or carries fewer
    /// than `max_sharing` live leases; at most [`SHARE_CANDIDATES`] are looked at (one query of
    /// the number's leases each), so a pool that ran out costs a bounded number of reads.
    async fn shareable(
        &self,
        pool: &model::PoolSettings,
        slots: Vec<PoolSlot>,
        now: DateTime<Utc>,
    ) -> StoreResult<Option<PoolSlot>> {
        let cap = usize::try_from(pool.max_sharing).unwrap_or(usize::MAX);
        for slot in slots.into_iter().take(SHARE_CANDIDATES) {
            if cap == 0 || slot.available_at <= now {
                return Ok(Some(slot));
            }
            let live = super::leases_overlapping(self.store, &pool.tenant, &slot.number, now, now)
                .await?
                .iter()
                .filter(|l| l.ended_at.is_none() && l.is_live(now))
                .count();
            if live < cap {
                return Ok(Some(slot));
            }
        }
        Ok(None)
    }

    async fn count(
        &self,
        pool: &model::PoolSettings,
        now: DateTime<Utc>,
        delta: &PoolHealth,
    ) -> StoreResult<()> {
        self.store
            .add_pool_health(&pool.tenant, &pool.id, hour_of(now), delta)
            .await
    }

    /// A heartbeat from the page: the lease lives `lease_minutes` from now, capped at the pool's
    /// maximum session after it started, and never shorter than it was. Reads the lease's pool.
    pub async fn renew(&self, id: &LeaseId) -> Result<Lease, LeaseError> {
        let (lease, pool) = self.lease_and_pool(id).await?;
        self.extend(&pool, lease).await
    }

    /// A lease and its pool's settings; a lease whose pool is gone has ended.
    async fn lease_and_pool(
        &self,
        id: &LeaseId,
    ) -> Result<(Lease, model::PoolSettings), LeaseError> {
        let lease = self
            .store
            .get_lease(id)
            .await?
            .ok_or(LeaseError::NotFound)?;
        let pool = self
            .store
            .get_pool(&lease.tenant, &lease.pool)
            .await?
            .ok_or(LeaseError::Ended)?;
        Ok((lease, pool))
    }

    /// `renew` when the caller already has the pool (saves a read).
    pub async fn renew_with(
        &self,
        pool: &model::PoolSettings,
        id: &LeaseId,
    ) -> Result<Lease, LeaseError> {
        let lease = self
            .store
            .get_lease(id)
            .await?
            .ok_or(LeaseError::NotFound)?;
        self.extend(pool, lease).await
    }

    /// `renew` of a lease the caller has just read, in its pool (the HTTP route reads both anyway).
    pub async fn extend(
        &self,
        pool: &model::PoolSettings,
        lease: Lease,
    ) -> Result<Lease, LeaseError> {
        let now = self.clock.now();
        if lease.ended_at.is_some() || lease.expires_at <= now {
            return Err(LeaseError::Ended);
        }
        let cap = lease.started_at + minutes(pool.max_session_minutes);
        let expires_at = (now + minutes(pool.lease_minutes))
            .min(cap)
            .max(lease.expires_at);
        let renewed = Lease {
            last_seen_at: now,
            expires_at,
            ..lease
        };
        if self.store.renew_lease(&renewed, now, true).await? {
            return Ok(renewed);
        }
        // The slot moved on while the lease lives: its number was shared on exhaustion. The
        // lease still stands for attribution; only the slot stays with the newer lease.
        if self.store.renew_lease(&renewed, now, false).await? {
            return Ok(renewed);
        }
        Err(LeaseError::Ended)
    }

    /// Records a call intent (tap, click, copy of the number) on a lease, at the clock's time.
    /// Accepted while the lease is live and for the pool's grace after it ended (evidence for a
    /// call that may still come, and no longer), at most [`MAX_INTENTS_PER_LEASE`] per lease
    /// (the store enforces the count, so concurrent intents cannot pass it either).
    pub async fn intent(&self, id: &LeaseId, kind: IntentKind) -> Result<Intent, LeaseError> {
        let (lease, pool) = self.lease_and_pool(id).await?;
        self.record_intent(&pool, &lease, kind).await
    }

    /// `intent` on a lease and pool the caller has just read (the HTTP route reads both anyway).
    pub async fn record_intent(
        &self,
        pool: &model::PoolSettings,
        lease: &Lease,
        kind: IntentKind,
    ) -> Result<Intent, LeaseError> {
        let now = self.clock.now();
        if now > lease.end() + minutes(pool.grace_minutes) {
            return Err(LeaseError::Ended);
        }
        if lease.intents.len() >= MAX_INTENTS_PER_LEASE {
            return Err(LeaseError::TooManyIntents);
        }
        let intent = Intent { kind, at: now };
        if self
            .store
            .add_intent(&lease.id, &intent, MAX_INTENTS_PER_LEASE)
            .await?
        {
            Ok(intent)
        } else {
            Err(LeaseError::TooManyIntents)
        }
    }
}

/// The slots free at `t` (`available_at <= t`), in the order read: with the pool's slots as the
/// store returns them, least recently released first.
pub fn free_at(slots: &[PoolSlot], t: DateTime<Utc>) -> impl Iterator<Item = &PoolSlot> {
    slots.iter().filter(move |s| s.available_at <= t)
}

/// The first expiry of a new lease: `lease_minutes` from now, within the maximum session.
fn first_expiry(pool: &model::PoolSettings, now: DateTime<Utc>) -> DateTime<Utc> {
    let len = pool.lease_minutes.min(pool.max_session_minutes).max(1);
    now + minutes(len)
}

fn minutes(m: u32) -> Duration {
    Duration::minutes(i64::from(m))
}

/// The hour bucket pool health is counted in.
pub(crate) fn hour_of(at: DateTime<Utc>) -> DateTime<Utc> {
    at.duration_trunc(Duration::hours(1)).unwrap_or(at)
}

/// `Pool::acquire` with an unseeded generator (the HTTP route's way in).
pub async fn acquire(
    store: &dyn Store,
    clock: &dyn Clock,
    tenant: &Tenant,
    pool: &model::PoolSettings,
    visit: Visit,
) -> Result<Acquired, AcquireError> {
    Pool::new(store, clock).acquire(tenant, pool, visit).await
}

/// `Pool::renew`.
pub async fn renew(
    store: &dyn Store,
    clock: &dyn Clock,
    id: &LeaseId,
) -> Result<Lease, LeaseError> {
    Pool::new(store, clock).renew(id).await
}

/// `Pool::intent`.
pub async fn intent(
    store: &dyn Store,
    clock: &dyn Clock,
    id: &LeaseId,
    kind: IntentKind,
) -> Result<Intent, LeaseError> {
    Pool::new(store, clock).intent(id, kind).await
}

/// What one expiry run did.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct ExpiryReport {
    pub tenants: u32,
    pub pools: u32,
    /// Slots detached from expired leases in this run (0 when run again at once).
    pub closed: u32,
}

/// The scheduled job: detaches every pool's expired slots and counts them in the pool's health
/// (`expired`, which over time also counts the leases handed out). Idempotent, and safe while
/// acquires run: the store only detaches slots whose `available_at <= now`, which are free to
/// take either way.
pub async fn expire(store: &dyn Store, now: DateTime<Utc>) -> StoreResult<ExpiryReport> {
    let mut report = ExpiryReport::default();
    for tenant in store.list_tenants().await? {
        report.tenants += 1;
        report.closed += expire_tenant(store, &tenant.id, now, &mut report.pools).await?;
    }
    Ok(report)
}

async fn expire_tenant(
    store: &dyn Store,
    tenant: &TenantId,
    now: DateTime<Utc>,
    pools: &mut u32,
) -> StoreResult<u32> {
    let mut closed = 0;
    for pool in store.list_pools(tenant).await? {
        *pools += 1;
        let n = store.close_expired(tenant, &pool.id, now).await?;
        if n > 0 {
            let delta = PoolHealth {
                expired: i64::from(n),
                ..PoolHealth::default()
            };
            store
                .add_pool_health(tenant, &pool.id, hour_of(now), &delta)
                .await?;
        }
        closed += n;
    }
    Ok(closed)
}
