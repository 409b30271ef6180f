//! Tracking numbers (static or pooled), DNI pool settings and pool slots.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::*;

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
pub struct PoolSettings {
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
    /// With `share_oldest`: at most this many live leases share one number (each sharer makes
    /// every call to it ambiguous); past that a visitor gets the default number, or none.
    #[serde(default = "default_max_sharing")]
    pub max_sharing: u32,
}

/// Three visitors on one number: attribution still weighs them; more is noise.
pub const DEFAULT_MAX_SHARING: u32 = 3;

fn default_max_sharing() -> u32 {
    DEFAULT_MAX_SHARING
}

impl PoolSettings {
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
            max_sharing: DEFAULT_MAX_SHARING,
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
