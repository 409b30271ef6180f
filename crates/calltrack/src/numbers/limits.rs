//! Rate limits on new leases, so nobody can drain a pool or fill the ROI with fake visits: a
//! token bucket (GCRA: one "theoretical arrival time" per bucket) per source address and, split
//! into [`TENANT_SHARDS`] buckets chosen by source, per tenant. Buckets live in the store (their
//! own item each on DynamoDB, so a flood never makes one item hot), read the clock port, and
//! expire once full again.
//!
//! A minute's worth may arrive at once (a burst of `per_minute`), then one per
//! `60 / per_minute` seconds. A refused request is told when to come back (`Retry-After`).

use std::net::IpAddr;

use chrono::{DateTime, Duration, Utc};

use crate::model::{LeaseRate, Tenant};
use crate::ports::{Store, StoreResult};

/// The tenant-wide bucket is this many buckets of 1/N of the rate, picked by source.
pub const TENANT_SHARDS: u32 = 8;
/// Compare-and-set attempts on one bucket before the request is refused as too busy.
const ATTEMPTS: usize = 4;

/// Where a request came from, as far as the edge can tell (`None`: unknown, one shared bucket).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Source(pub Option<IpAddr>);

impl Source {
    /// The bucket key: the address, an IPv6 one by its /64 (one subscriber's allocation).
    fn key(&self) -> String {
        match self.0 {
            Some(IpAddr::V4(a)) => format!("src#{a}"),
            Some(IpAddr::V6(a)) => {
                let s = a.segments();
                format!("src#{:x}:{:x}:{:x}:{:x}::/64", s[0], s[1], s[2], s[3])
            }
            None => "src#unknown".into(),
        }
    }

    fn shard(&self) -> u32 {
        // FNV-1a: stable across processes, unlike the std hasher.
        let mut h: u32 = 0x811c_9dc5;
        for b in self.key().bytes() {
            h = (h ^ u32::from(b)).wrapping_mul(0x0100_0193);
        }
        h % TENANT_SHARDS
    }
}

/// Refused: retry after this many whole seconds (at least 1).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetryAfter(pub u64);

/// Takes one token for a new lease from `source`'s bucket and the tenant's; `Err` when either
/// is empty. Nothing else is written, so a refused request consumes no number and no visit.
pub async fn admit_lease(
    store: &dyn Store,
    tenant: &Tenant,
    source: Source,
    now: DateTime<Utc>,
) -> StoreResult<Result<(), RetryAfter>> {
    let LeaseRate {
        per_source_per_minute,
        per_tenant_per_minute,
    } = tenant.lease_rate;
    if let Err(r) = take(store, tenant, &source.key(), per_source_per_minute, now).await? {
        return Ok(Err(r));
    }
    let shard_rate = per_tenant_per_minute.div_ceil(TENANT_SHARDS);
    let key = format!("tenant#{}", source.shard());
    take(store, tenant, &key, shard_rate, now).await
}

/// One token from the bucket `key` refilling `per_minute` a minute (0: unlimited).
async fn take(
    store: &dyn Store,
    tenant: &Tenant,
    key: &str,
    per_minute: u32,
    now: DateTime<Utc>,
) -> StoreResult<Result<(), RetryAfter>> {
    if per_minute == 0 {
        return Ok(Ok(()));
    }
    let interval = (60_000 / i64::from(per_minute)).max(1);
    let tolerance = interval * (i64::from(per_minute) - 1);
    let now_ms = now.timestamp_millis();
    for _ in 0..ATTEMPTS {
        let current = store.get_bucket(&tenant.id, key, now).await?;
        let tat = current.unwrap_or(now_ms).max(now_ms);
        if tat - now_ms > tolerance {
            let wait_ms = tat - now_ms - tolerance;
            return Ok(Err(RetryAfter(((wait_ms + 999) / 1000).max(1) as u64)));
        }
        let next = tat + interval;
        // Once the bucket is full again it is the same as no bucket: let it go.
        let expires = now + Duration::milliseconds(next - now_ms) + Duration::minutes(1);
        if store
            .put_bucket(&tenant.id, key, next, current, now, expires)
            .await?
        {
            return Ok(Ok(()));
        }
    }
    Ok(Err(RetryAfter(1)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ipv6_sources_count_by_their_64_and_shards_are_stable() {
        let a = Source(Some("2001:db8:1:2:aaaa::1".parse().unwrap()));
        let b = Source(Some("2001:db8:1:2:bbbb::9".parse().unwrap()));
        let c = Source(Some("2001:db8:1:3::1".parse().unwrap()));
        assert_eq!(a.key(), b.key());
        assert_ne!(a.key(), c.key());
        assert_eq!(
            Source(Some("203.0.113.9".parse().unwrap())).key(),
            "src#203.0.113.9"
        );
        assert_eq!(a.shard(), b.shard());
        assert!(a.shard() < TENANT_SHARDS);
    }
}
