//! The number directory's answer to "what is this number to this tenant?", and the leases of a
//! pooled number around a moment: what attribution and call routing read.

use chrono::{DateTime, Duration, Utc};
use tracing::warn;

use crate::model::{
    Lease, NumberKind, PhoneNumber, PoolSettings, Tenant, TenantId, TrackingNumber,
};
use crate::ports::{LeaseStore, NumberStore, StoreResult};

/// No lease lives longer than this (a pool's maximum session is far shorter): how far before a
/// moment a lease that overlaps it can have started.
pub const LONGEST_LEASE: Duration = Duration::days(2);

/// What a dialled number is to a tenant.
#[derive(Debug, Clone, PartialEq)]
pub enum Dialled {
    /// A fixed number printed on one source.
    Static(TrackingNumber),
    /// A member of a DNI pool.
    Pooled {
        number: TrackingNumber,
        pool: PoolSettings,
    },
    /// A pool's default number (shown to bots and when the pool ran out); it forwards where the
    /// pool's numbers do.
    PoolDefault {
        pool: PoolSettings,
        forward_to: Option<PhoneNumber>,
    },
    /// Not a number of this tenant's.
    Untracked,
}

impl Dialled {
    /// The business line a call to this number rings.
    pub fn forward_to(&self) -> Option<&PhoneNumber> {
        match self {
            Self::Static(n) | Self::Pooled { number: n, .. } => n.forward_to.as_ref(),
            Self::PoolDefault { forward_to, .. } => forward_to.as_ref(),
            Self::Untracked => None,
        }
    }
}

/// Looks `number` up for `tenant`: one read of the directory; a number not in it costs one more
/// read (the tenant's pools, for a default number) and, for a default number, one of the
/// tenant's numbers (where its pool forwards).
pub async fn look_up<S: NumberStore + ?Sized>(
    store: &S,
    tenant: &Tenant,
    number: &PhoneNumber,
) -> StoreResult<Dialled> {
    match store.get_number(number).await? {
        Some(tracked) if tracked.tenant != tenant.id => {
            warn!(tenant = %tenant.id, number = %number.masked(), "call to a number owned by another tenant");
            Ok(Dialled::Untracked)
        }
        Some(tracked) => match &tracked.kind {
            NumberKind::Static { .. } => Ok(Dialled::Static(tracked)),
            NumberKind::Pool { pool } => Ok(match store.get_pool(&tenant.id, pool).await? {
                Some(pool) => Dialled::Pooled {
                    number: tracked,
                    pool,
                },
                None => Dialled::Untracked,
            }),
        },
        None => {
            let pools = store.list_pools(&tenant.id).await?;
            let Some(pool) = pools
                .into_iter()
                .find(|p| p.default_number.as_ref() == Some(number))
            else {
                return Ok(Dialled::Untracked);
            };
            let forward_to = store
                .list_numbers(&tenant.id)
                .await?
                .into_iter()
                .filter(|n| matches!(&n.kind, NumberKind::Pool { pool: p } if *p == pool.id))
                .find_map(|n| n.forward_to);
            Ok(Dialled::PoolDefault { pool, forward_to })
        }
    }
}

/// The leases of a pooled `number` that can be candidates for a call at `call_at`: those whose
/// lifetime overlaps `[call_at - grace, call_at]`, oldest first.
pub async fn leases_at<S: LeaseStore + ?Sized>(
    store: &S,
    pool: &PoolSettings,
    number: &PhoneNumber,
    call_at: DateTime<Utc>,
) -> StoreResult<Vec<Lease>> {
    let grace = Duration::minutes(i64::from(pool.grace_minutes));
    leases_overlapping(store, &pool.tenant, number, call_at - grace, call_at).await
}

/// The leases on `number` whose lifetime overlaps `[from, to]`, oldest first: one query of
/// leases that started in `[from - LONGEST_LEASE, to]`.
pub async fn leases_overlapping<S: LeaseStore + ?Sized>(
    store: &S,
    tenant: &TenantId,
    number: &PhoneNumber,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
) -> StoreResult<Vec<Lease>> {
    let started = store
        .leases_started_between(tenant, number, from - LONGEST_LEASE, to)
        .await?;
    Ok(started.into_iter().filter(|l| l.end() >= from).collect())
}
