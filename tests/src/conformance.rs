//! The store conformance suite: one set of behaviours every `Store` adapter must show, written
//! once and run against SQLite and against DynamoDB on moto server. A behaviour not pinned here
//! is one that drifts between the two.
//!
//! Each case makes its own tenant and numbers (unique per run), so cases can share one store.

use std::collections::BTreeMap;

use calltrack::model::*;
use calltrack::numbers;
use calltrack::ports::*;
use chrono::{DateTime, Duration, NaiveDate, TimeZone, Utc};

/// Expands to one `#[tokio::test]` per conformance case, each calling `$make().await` for a store.
#[macro_export]
macro_rules! conformance_tests {
    ($make:path) => {
        $crate::conformance_tests!(@cases $make;
            tenant_round_trips_and_is_found_by_site_key,
            site_key_belongs_to_one_tenant,
            number_directory_is_global_and_owned_by_one_tenant,
            pool_number_gets_a_free_slot_once,
            free_slots_come_least_recently_released_first,
            take_slot_is_compare_and_swap_on_the_slot_as_read,
            renew_extends_a_live_lease_and_refuses_an_ended_one,
            intents_append_to_an_existing_lease_only,
            a_renew_keeps_intents_written_after_the_lease_was_read,
            outbox_items_commit_with_their_fact_once_and_settle,
            purging_a_tenant_removes_all_of_it_and_nothing_else,
            leases_for_number_are_those_overlapping_the_window,
            close_expired_detaches_only_expired_slots_once,
            pool_health_counters_add_up_per_hour,
            commit_claims_the_event_once_and_changes_nothing_on_redelivery,
            commit_with_a_stale_version_writes_nothing,
            commit_of_several_calls_is_all_or_nothing,
            rollups_of_each_dimension_are_kept_and_read_apart,
            sketch_cells_add_move_and_read_per_dimension_and_period,
            problem_index_keeps_the_worst_per_day_and_moves_with_reanalysis,
            calls_are_listed_by_time_and_by_caller,
            calls_page_through_a_period_in_order_without_gaps_or_repeats,
            rate_buckets_are_compare_and_set_and_expire,
            deals_update_by_version_and_list_by_day,
            costs_replace_by_date_channel_and_campaign,
            claim_once_claims_a_key_once,
            lease_for_visitor_is_the_latest,
            a_call_to_the_pools_default_number_is_pool_overflow,
            a_caller_with_98_missed_calls_gets_every_one_returned,
            a_call_back_returning_missed_calls_of_many_days_splits_its_commits);
    };
    (@cases $make:path; $($case:ident),* $(,)?) => {
        $(
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn $case() {
                let store = $make().await;
                $crate::conformance::$case(store.as_ref()).await;
            }
        )*
    };
}

/// The pool's slots free at `now`, least recently released first, as the pool reads them: the
/// store's ordered slots through the domain's filter.
async fn free_slots(
    store: &dyn Store,
    tenant: &TenantId,
    pool: &PoolId,
    now: DateTime<Utc>,
    limit: usize,
) -> StoreResult<Vec<PoolSlot>> {
    let slots = store.all_slots(tenant, pool).await?;
    Ok(numbers::free_at(&slots, now).take(limit).cloned().collect())
}

/// A string unique within this process and unlikely to repeat across runs.
fn uniq() -> String {
    use std::sync::atomic::{AtomicU32, Ordering};
    static N: AtomicU32 = AtomicU32::new(0);
    let n = N.fetch_add(1, Ordering::Relaxed);
    format!(
        "{:x}{:04x}",
        std::process::id() ^ (Utc::now().timestamp_subsec_nanos() & 0xffff),
        n
    )
}

fn t(s: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
}

fn day(s: &str) -> NaiveDate {
    s.parse().unwrap()
}

async fn tenant(store: &dyn Store) -> Tenant {
    let id = TenantId::parse(&format!("t-{}", uniq())).unwrap();
    let mut tn = Tenant::new(id, "Conformance Ltd");
    tn.site_key = Some(format!("site-{}", uniq()));
    store.put_tenant(&tn).await.unwrap();
    tn
}

/// A valid, unique US number (555-01xx numbers are not valid in libphonenumber's metadata, so a
/// real area code with a counter-derived line).
fn number(i: u32) -> PhoneNumber {
    use std::sync::atomic::{AtomicU32, Ordering};
    static N: AtomicU32 = AtomicU32::new(0);
    let base = N.fetch_add(1, Ordering::Relaxed) * 100 + i;
    let seed = (std::process::id() % 500) * 10_000;
    PhoneNumber::parse(
        &format!("+1415{:07}", 2_000_000 + (seed + base) % 7_000_000),
        None,
    )
    .unwrap()
}

async fn pool_with(store: &dyn Store, tn: &Tenant, n: u32) -> (PoolSettings, Vec<PhoneNumber>) {
    let pool = PoolSettings::new(tn.id.clone(), PoolId::parse("web").unwrap());
    store.put_pool(&pool).await.unwrap();
    let mut nums = vec![];
    for i in 0..n {
        let num = number(i);
        let tnum = TrackingNumber {
            number: num.clone(),
            tenant: tn.id.clone(),
            kind: NumberKind::Pool {
                pool: pool.id.clone(),
            },
            forward_to: None,
        };
        store.put_number(&tnum).await.unwrap();
        nums.push(num);
    }
    (pool, nums)
}

fn lease_on(
    tn: &Tenant,
    pool: &PoolSettings,
    num: &PhoneNumber,
    visitor: &str,
    start: DateTime<Utc>,
    minutes: i64,
) -> Lease {
    Lease {
        id: LeaseId::random(),
        tenant: tn.id.clone(),
        pool: pool.id.clone(),
        number: num.clone(),
        visit: Visit {
            visitor_id: visitor.into(),
            utm_source: Some("google".into()),
            utm_medium: Some("cpc".into()),
            ..Default::default()
        },
        started_at: start,
        last_seen_at: start,
        expires_at: start + Duration::minutes(minutes),
        ended_at: None,
        intents: vec![],
        reused_early: false,
    }
}

async fn take(
    store: &dyn Store,
    slot: &PoolSlot,
    lease: &Lease,
    rollups: Vec<RollupDelta>,
) -> bool {
    store
        .take_slot(&TakeSlot {
            slot: slot.clone(),
            lease: lease.clone(),
            rollups,
            displaced_until: None,
        })
        .await
        .unwrap()
}

fn call(tn: &Tenant, pcid: &str, caller: &PhoneNumber, at: DateTime<Utc>) -> Call {
    Call {
        caller: Some(caller.clone()),
        ..Call::new(&tn.id, Provider::Generic, pcid, Direction::Inbound, at)
    }
}

fn delta(d: &str, channel: &str, f: impl FnOnce(&mut Counters)) -> RollupDelta {
    grouped(Dimension::Channel, d, channel, f)
}

fn grouped(dim: Dimension, d: &str, group: &str, f: impl FnOnce(&mut Counters)) -> RollupDelta {
    let mut c = Counters::default();
    f(&mut c);
    RollupDelta {
        day: day(d),
        dimension: dim,
        group: group.into(),
        counters: c,
        cells: Cells::default(),
    }
}

/// A delta of sketch cells alone (no counter moves).
fn cells(dim: Dimension, d: &str, group: &str, cells: &[(Cell, i64)]) -> RollupDelta {
    RollupDelta {
        cells: cells.iter().copied().collect(),
        ..grouped(dim, d, group, |_| {})
    }
}

async fn cells_of(
    store: &dyn Store,
    tn: &Tenant,
    dim: Dimension,
    from: &str,
    to: &str,
) -> BTreeMap<String, Vec<(Cell, i64)>> {
    let rows = store
        .cells_between(&tn.id, dim, day(from), day(to))
        .await
        .unwrap();
    let map: BTreeMap<String, Vec<(Cell, i64)>> = rows
        .iter()
        .map(|r| (r.group.clone(), r.cells.iter().collect()))
        .collect();
    assert_eq!(map.len(), rows.len(), "one set of cells per group");
    map
}

fn event(tn: &Tenant, key: &str) -> EventKey {
    EventKey {
        tenant: tn.id.clone(),
        key: key.into(),
        expires_at: t("2030-01-01T00:00:00Z"),
    }
}

async fn rollup_map(store: &dyn Store, tn: &Tenant) -> BTreeMap<(NaiveDate, String), Counters> {
    rollups_of(store, tn, Dimension::Channel).await
}

async fn rollups_of(
    store: &dyn Store,
    tn: &Tenant,
    dim: Dimension,
) -> BTreeMap<(NaiveDate, String), Counters> {
    store
        .rollups_between(&tn.id, dim, day("2000-01-01"), day("2100-01-01"))
        .await
        .unwrap()
        .into_iter()
        .map(|r| ((r.day, r.group), r.counters))
        .collect()
}

pub async fn tenant_round_trips_and_is_found_by_site_key(store: &dyn Store) {
    let mut tn = tenant(store).await;
    tn.provider_secrets.insert("twilio".into(), "s3cret".into());
    tn.allowed_origins = vec!["https://shop.example".into()];
    store.put_tenant(&tn).await.unwrap();
    assert_eq!(store.get_tenant(&tn.id).await.unwrap().as_ref(), Some(&tn));
    let by_key = store
        .tenant_by_site_key(tn.site_key.as_deref().unwrap())
        .await
        .unwrap();
    let by_key = by_key.expect("found by its site key");
    assert_eq!(by_key.id, tn.id);
    assert_eq!(by_key.allowed_origins, tn.allowed_origins);
    assert!(
        by_key.provider_secrets.is_empty() && by_key.api_key_hash.is_none(),
        "the public site-key copy carries no secrets"
    );
    assert!(store
        .tenant_by_site_key("no-such-key")
        .await
        .unwrap()
        .is_none());
    assert!(store
        .list_tenants()
        .await
        .unwrap()
        .iter()
        .any(|t| t.id == tn.id));
    let unknown = TenantId::parse(&format!("nobody-{}", uniq())).unwrap();
    assert!(store.get_tenant(&unknown).await.unwrap().is_none());
}

pub async fn site_key_belongs_to_one_tenant(store: &dyn Store) {
    let a = tenant(store).await;
    let mut b = tenant(store).await;
    b.site_key = a.site_key.clone();
    let err = store.put_tenant(&b).await.unwrap_err();
    assert!(matches!(err, StoreError::Conflict(_)), "{err:?}");
    let a_again = store
        .tenant_by_site_key(a.site_key.as_deref().unwrap())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(a_again.id, a.id);
    // Changing a tenant's own key frees the old one.
    let mut a2 = a.clone();
    a2.site_key = Some(format!("site-{}", uniq()));
    store.put_tenant(&a2).await.unwrap();
    assert!(store
        .tenant_by_site_key(a.site_key.as_deref().unwrap())
        .await
        .unwrap()
        .is_none());
    store.put_tenant(&b).await.unwrap();
}

pub async fn number_directory_is_global_and_owned_by_one_tenant(store: &dyn Store) {
    let a = tenant(store).await;
    let b = tenant(store).await;
    let num = number(0);
    let n = TrackingNumber {
        number: num.clone(),
        tenant: a.id.clone(),
        kind: NumberKind::Static {
            source: "billboard".into(),
            medium: Some("offline".into()),
            campaign: None,
        },
        forward_to: Some(number(1)),
    };
    store.put_number(&n).await.unwrap();
    assert_eq!(store.get_number(&num).await.unwrap().as_ref(), Some(&n));
    let stolen = TrackingNumber {
        tenant: b.id.clone(),
        ..n.clone()
    };
    assert!(matches!(
        store.put_number(&stolen).await.unwrap_err(),
        StoreError::Conflict(_)
    ));
    assert_eq!(store.get_number(&num).await.unwrap().unwrap().tenant, a.id);
    assert_eq!(store.list_numbers(&a.id).await.unwrap(), vec![n]);
    assert!(store.list_numbers(&b.id).await.unwrap().is_empty());
}

pub async fn pool_number_gets_a_free_slot_once(store: &dyn Store) {
    let tn = tenant(store).await;
    let (pool, nums) = pool_with(store, &tn, 1).await;
    let now = t("2026-01-01T10:00:00Z");
    let slots = free_slots(store, &tn.id, &pool.id, now, 10).await.unwrap();
    assert_eq!(slots.len(), 1);
    assert_eq!(slots[0].number, nums[0]);
    assert_eq!(slots[0].lease_id, None);
    let lease = lease_on(&tn, &pool, &nums[0], "v1", now, 15);
    assert!(take(store, &slots[0], &lease, vec![]).await);
    // Putting the number again (e.g. a new forward-to) keeps the slot as it is.
    let again = store.get_number(&nums[0]).await.unwrap().unwrap();
    store.put_number(&again).await.unwrap();
    let all = store.all_slots(&tn.id, &pool.id).await.unwrap();
    assert_eq!(all.len(), 1);
    assert_eq!(all[0].lease_id.as_ref(), Some(&lease.id));
    assert_eq!(
        store.get_pool(&tn.id, &pool.id).await.unwrap(),
        Some(pool.clone())
    );
    assert_eq!(store.list_pools(&tn.id).await.unwrap(), vec![pool]);
}

pub async fn free_slots_come_least_recently_released_first(store: &dyn Store) {
    let tn = tenant(store).await;
    let (pool, nums) = pool_with(store, &tn, 3).await;
    let t0 = t("2026-01-01T10:00:00Z");
    // Lease all three with different lengths: they become free in order 2, 0, 1.
    for (i, minutes) in [(0usize, 20i64), (1, 30), (2, 10)] {
        let slot = store
            .all_slots(&tn.id, &pool.id)
            .await
            .unwrap()
            .into_iter()
            .find(|s| s.number == nums[i])
            .unwrap();
        assert!(
            take(
                store,
                &slot,
                &lease_on(&tn, &pool, &nums[i], &format!("v{i}"), t0, minutes),
                vec![]
            )
            .await
        );
    }
    assert!(
        free_slots(store, &tn.id, &pool.id, t0 + Duration::minutes(5), 10)
            .await
            .unwrap()
            .is_empty()
    );
    let free = free_slots(store, &tn.id, &pool.id, t0 + Duration::minutes(25), 10)
        .await
        .unwrap();
    assert_eq!(
        free.iter().map(|s| s.number.clone()).collect::<Vec<_>>(),
        vec![nums[2].clone(), nums[0].clone()]
    );
    let free = free_slots(store, &tn.id, &pool.id, t0 + Duration::minutes(30), 1)
        .await
        .unwrap();
    assert_eq!(free.len(), 1, "limit is honoured");
    assert_eq!(free[0].number, nums[2]);
    // Exactly at expiry the number is free (available_at <= now).
    let free = free_slots(store, &tn.id, &pool.id, t0 + Duration::minutes(30), 10)
        .await
        .unwrap();
    assert_eq!(free.len(), 3);
}

pub async fn take_slot_is_compare_and_swap_on_the_slot_as_read(store: &dyn Store) {
    let tn = tenant(store).await;
    let (pool, nums) = pool_with(store, &tn, 1).await;
    let now = t("2026-01-02T09:00:00Z");
    let slot = free_slots(store, &tn.id, &pool.id, now, 1)
        .await
        .unwrap()
        .remove(0);
    let first = lease_on(&tn, &pool, &nums[0], "first", now, 15);
    let second = lease_on(&tn, &pool, &nums[0], "second", now, 15);
    let visit = delta("2026-01-02", "google/cpc", |c| c.visits = 1);
    assert!(take(store, &slot, &first, vec![visit.clone()]).await);
    assert!(
        !take(store, &slot, &second, vec![visit.clone()]).await,
        "the slot changed since it was read"
    );
    assert_eq!(
        store.get_lease(&first.id).await.unwrap().as_ref(),
        Some(&first)
    );
    assert!(
        store.get_lease(&second.id).await.unwrap().is_none(),
        "a failed take stores no lease"
    );
    let after = store.all_slots(&tn.id, &pool.id).await.unwrap().remove(0);
    assert_eq!(after.available_at, first.expires_at);
    assert_eq!(after.lease_id.as_ref(), Some(&first.id));
    assert_eq!(
        after.visitor_id.as_deref(),
        Some("first"),
        "the slot names its lease's visitor"
    );
    assert_eq!(after.displaced_until, None);
    let r = rollup_map(store, &tn).await;
    assert_eq!(
        r[&(day("2026-01-02"), "google/cpc".to_string())].visits,
        1,
        "only the successful take counted"
    );
    // Sharing a held number (share_oldest) is a take on the slot as read while leased.
    let shared = lease_on(
        &tn,
        &pool,
        &nums[0],
        "third",
        now + Duration::minutes(1),
        15,
    );
    let displaced = now + Duration::hours(4);
    let share = TakeSlot {
        slot: after.clone(),
        lease: shared,
        rollups: vec![],
        displaced_until: Some(displaced),
    };
    assert!(store.take_slot(&share).await.unwrap());
    let after_share = store.all_slots(&tn.id, &pool.id).await.unwrap().remove(0);
    assert_eq!(after_share.visitor_id.as_deref(), Some("third"));
    assert_eq!(
        after_share.displaced_until,
        Some(displaced),
        "sharing records how long the displaced lease may live"
    );
}

pub async fn renew_extends_a_live_lease_and_refuses_an_ended_one(store: &dyn Store) {
    let tn = tenant(store).await;
    let (pool, nums) = pool_with(store, &tn, 1).await;
    let t0 = t("2026-01-03T12:00:00Z");
    let slot = free_slots(store, &tn.id, &pool.id, t0, 1)
        .await
        .unwrap()
        .remove(0);
    let lease = lease_on(&tn, &pool, &nums[0], "v", t0, 15);
    assert!(take(store, &slot, &lease, vec![]).await);
    let now = t0 + Duration::minutes(10);
    let renewed = Lease {
        last_seen_at: now,
        expires_at: now + Duration::minutes(15),
        ..lease.clone()
    };
    assert!(store.renew_lease(&renewed, now, true).await.unwrap());
    assert_eq!(
        store
            .get_lease(&lease.id)
            .await
            .unwrap()
            .unwrap()
            .expires_at,
        renewed.expires_at
    );
    assert_eq!(
        store.all_slots(&tn.id, &pool.id).await.unwrap()[0].available_at,
        renewed.expires_at
    );
    // After expiry a renew is refused and changes nothing.
    let late = renewed.expires_at + Duration::seconds(1);
    let too_late = Lease {
        last_seen_at: late,
        expires_at: late + Duration::minutes(15),
        ..lease.clone()
    };
    assert!(!store.renew_lease(&too_late, late, true).await.unwrap());
    assert_eq!(
        store
            .get_lease(&lease.id)
            .await
            .unwrap()
            .unwrap()
            .expires_at,
        renewed.expires_at
    );
    // A lease whose slot went to someone else renews only without touching the slot.
    let slot = store.all_slots(&tn.id, &pool.id).await.unwrap().remove(0);
    let other = lease_on(&tn, &pool, &nums[0], "other", now, 15);
    assert!(take(store, &slot, &other, vec![]).await);
    let again = Lease {
        last_seen_at: now,
        expires_at: now + Duration::minutes(14),
        ..renewed.clone()
    };
    assert!(!store.renew_lease(&again, now, true).await.unwrap());
    assert!(store.renew_lease(&again, now, false).await.unwrap());
    assert_eq!(
        store.all_slots(&tn.id, &pool.id).await.unwrap()[0]
            .lease_id
            .as_ref(),
        Some(&other.id)
    );
    let missing = Lease {
        id: LeaseId::random(),
        ..again
    };
    assert!(!store.renew_lease(&missing, now, false).await.unwrap());
}

/// A renew written from a lease read before an intent was added keeps that intent: it sets only
/// the expiry and the heartbeat (the lost update of a whole-lease write).
pub async fn a_renew_keeps_intents_written_after_the_lease_was_read(store: &dyn Store) {
    let tn = tenant(store).await;
    let (pool, nums) = pool_with(store, &tn, 1).await;
    let t0 = t("2026-01-04T13:00:00Z");
    let slot = free_slots(store, &tn.id, &pool.id, t0, 1)
        .await
        .unwrap()
        .remove(0);
    let lease = lease_on(&tn, &pool, &nums[0], "v", t0, 15);
    assert!(take(store, &slot, &lease, vec![]).await);
    let read_for_renew = store.get_lease(&lease.id).await.unwrap().unwrap();
    let tap = Intent {
        kind: IntentKind::Tap,
        at: t0 + Duration::minutes(1),
    };
    assert!(store.add_intent(&lease.id, &tap, 5).await.unwrap());
    let now = t0 + Duration::minutes(2);
    let renewed = Lease {
        last_seen_at: now,
        expires_at: now + Duration::minutes(15),
        ..read_for_renew
    };
    assert!(store.renew_lease(&renewed, now, true).await.unwrap());
    let stored = store.get_lease(&lease.id).await.unwrap().unwrap();
    assert_eq!(stored.intents, vec![tap], "the intent survives the renew");
    assert_eq!(
        (stored.expires_at, stored.last_seen_at),
        (renewed.expires_at, now)
    );
}

pub async fn intents_append_to_an_existing_lease_only(store: &dyn Store) {
    let tn = tenant(store).await;
    let (pool, nums) = pool_with(store, &tn, 1).await;
    let t0 = t("2026-01-04T12:00:00Z");
    let slot = free_slots(store, &tn.id, &pool.id, t0, 1)
        .await
        .unwrap()
        .remove(0);
    let lease = lease_on(&tn, &pool, &nums[0], "v", t0, 15);
    assert!(take(store, &slot, &lease, vec![]).await);
    let i1 = Intent {
        kind: IntentKind::Tap,
        at: t0 + Duration::minutes(1),
    };
    let i2 = Intent {
        kind: IntentKind::Copy,
        at: t0 + Duration::minutes(2),
    };
    assert!(store.add_intent(&lease.id, &i1, 5).await.unwrap());
    assert!(store.add_intent(&lease.id, &i2, 5).await.unwrap());
    assert_eq!(
        store.get_lease(&lease.id).await.unwrap().unwrap().intents,
        vec![i1.clone(), i2]
    );
    assert!(!store.add_intent(&LeaseId::random(), &i1, 5).await.unwrap());
    assert!(
        !store.add_intent(&lease.id, &i1, 2).await.unwrap(),
        "a lease holding `max` intents takes no more"
    );
    assert_eq!(
        store
            .get_lease(&lease.id)
            .await
            .unwrap()
            .unwrap()
            .intents
            .len(),
        2
    );
}

pub async fn leases_for_number_are_those_overlapping_the_window(store: &dyn Store) {
    let tn = tenant(store).await;
    let (pool, nums) = pool_with(store, &tn, 2).await;
    let t0 = t("2026-01-05T08:00:00Z");
    let mut ids = vec![];
    for (k, start) in [0i64, 30, 60].into_iter().enumerate() {
        let slot = store
            .all_slots(&tn.id, &pool.id)
            .await
            .unwrap()
            .into_iter()
            .find(|s| s.number == nums[0])
            .unwrap();
        let l = lease_on(
            &tn,
            &pool,
            &nums[0],
            &format!("v{k}"),
            t0 + Duration::minutes(start),
            15,
        );
        assert!(take(store, &slot, &l, vec![]).await);
        ids.push(l.id);
    }
    let slot = store
        .all_slots(&tn.id, &pool.id)
        .await
        .unwrap()
        .into_iter()
        .find(|s| s.number == nums[1])
        .unwrap();
    assert!(
        take(
            store,
            &slot,
            &lease_on(&tn, &pool, &nums[1], "x", t0, 120),
            vec![]
        )
        .await
    );
    // Window 08:20..08:40 overlaps only the lease 08:30-08:45.
    let got = numbers::leases_overlapping(
        store,
        &tn.id,
        &nums[0],
        t0 + Duration::minutes(20),
        t0 + Duration::minutes(40),
    )
    .await
    .unwrap();
    assert_eq!(
        got.iter().map(|l| l.id.clone()).collect::<Vec<_>>(),
        vec![ids[1].clone()]
    );
    // Window 08:10..09:00 overlaps all three, oldest first; an end exactly at `from` counts.
    let got = numbers::leases_overlapping(
        store,
        &tn.id,
        &nums[0],
        t0 + Duration::minutes(15),
        t0 + Duration::minutes(60),
    )
    .await
    .unwrap();
    assert_eq!(got.iter().map(|l| l.id.clone()).collect::<Vec<_>>(), ids);
}

pub async fn close_expired_detaches_only_expired_slots_once(store: &dyn Store) {
    let tn = tenant(store).await;
    let (pool, nums) = pool_with(store, &tn, 2).await;
    let t0 = t("2026-01-06T08:00:00Z");
    for (i, minutes) in [(0usize, 10i64), (1, 30)] {
        let slot = store
            .all_slots(&tn.id, &pool.id)
            .await
            .unwrap()
            .into_iter()
            .find(|s| s.number == nums[i])
            .unwrap();
        assert!(
            take(
                store,
                &slot,
                &lease_on(&tn, &pool, &nums[i], "v", t0, minutes),
                vec![]
            )
            .await
        );
    }
    let now = t0 + Duration::minutes(20);
    assert_eq!(store.close_expired(&tn.id, &pool.id, now).await.unwrap(), 1);
    assert_eq!(
        store.close_expired(&tn.id, &pool.id, now).await.unwrap(),
        0,
        "idempotent"
    );
    let slots = store.all_slots(&tn.id, &pool.id).await.unwrap();
    let s0 = slots.iter().find(|s| s.number == nums[0]).unwrap();
    let s1 = slots.iter().find(|s| s.number == nums[1]).unwrap();
    assert_eq!(s0.lease_id, None);
    assert_eq!(s0.visitor_id, None, "an expired slot names no visitor");
    assert_eq!(
        s0.available_at,
        t0 + Duration::minutes(10),
        "released at the lease's expiry"
    );
    assert!(s1.lease_id.is_some());
}

pub async fn pool_health_counters_add_up_per_hour(store: &dyn Store) {
    let tn = tenant(store).await;
    let (pool, _) = pool_with(store, &tn, 0).await;
    let h = t("2026-01-07T10:00:00Z");
    let d = PoolHealth {
        acquires: 3,
        exhaustions: 1,
        early_reuses: 2,
        expired: 0,
    };
    store
        .add_pool_health(&tn.id, &pool.id, h, &d)
        .await
        .unwrap();
    store
        .add_pool_health(&tn.id, &pool.id, h, &d)
        .await
        .unwrap();
    store
        .add_pool_health(&tn.id, &pool.id, h + Duration::hours(1), &d)
        .await
        .unwrap();
    let got = store
        .pool_health(&tn.id, &pool.id, h, h + Duration::hours(1))
        .await
        .unwrap();
    assert_eq!(
        got,
        vec![(
            h,
            PoolHealth {
                acquires: 6,
                exhaustions: 2,
                early_reuses: 4,
                expired: 0
            }
        )]
    );
    assert_eq!(
        store
            .pool_health(&tn.id, &pool.id, h, h + Duration::hours(2))
            .await
            .unwrap()
            .len(),
        2
    );
}

/// `purge_tenant` leaves nothing of the tenant readable (settings, site key, numbers, pool,
/// leases, calls, rollups, outbox) and frees its numbers; another tenant keeps everything.
pub async fn purging_a_tenant_removes_all_of_it_and_nothing_else(store: &dyn Store) {
    let mut doomed = Vec::new();
    for _ in 0..2 {
        let tn = tenant(store).await;
        let (pool, nums) = pool_with(store, &tn, 2).await;
        let at = t("2026-01-10T10:00:00Z");
        let slot = free_slots(store, &tn.id, &pool.id, at, 1)
            .await
            .unwrap()
            .remove(0);
        let lease = lease_on(&tn, &pool, &nums[0], "v", at, 15);
        assert!(take(store, &slot, &lease, vec![]).await);
        let c = call(&tn, "pc-purge", &number(0), at);
        let commit = Commit {
            event: Some(event(&tn, "generic:purge")),
            calls: vec![CallWrite::new(c.clone(), None)],
            rollups: vec![
                delta("2026-01-10", "billboard", |k| k.calls = 1),
                cells(
                    Dimension::Channel,
                    "2026-01-10",
                    "billboard",
                    &[(Cell::Return { minutes: 1 }, 1)],
                ),
            ],
            outbox: vec![OutboxItem::new(OutboxChannel::MissedCallMail, &c, at)],
            ..Default::default()
        };
        assert_eq!(
            store.commit(&commit).await.unwrap(),
            CommitOutcome::Committed
        );
        doomed.push((tn, pool, nums, lease, c));
    }
    let (gone, pool, nums, lease, c) = doomed.remove(0);
    let (kept, _, kept_nums, kept_lease, kept_call) = doomed.remove(0);
    assert!(store.purge_tenant(&gone.id).await.unwrap() >= 8);
    let at = t("2026-01-10T10:00:00Z");
    assert!(store.get_tenant(&gone.id).await.unwrap().is_none());
    assert!(store
        .tenant_by_site_key(gone.site_key.as_deref().unwrap())
        .await
        .unwrap()
        .is_none());
    assert!(store.get_pool(&gone.id, &pool.id).await.unwrap().is_none());
    assert!(
        store.get_number(&nums[0]).await.unwrap().is_none(),
        "the number is free"
    );
    assert!(store.get_lease(&lease.id).await.unwrap().is_none());
    assert!(store.get_call(&gone.id, &c.id).await.unwrap().is_none());
    assert!(store
        .rollups_between(
            &gone.id,
            Dimension::Channel,
            at.date_naive(),
            at.date_naive()
        )
        .await
        .unwrap()
        .is_empty());
    assert!(store
        .cells_between(
            &gone.id,
            Dimension::Channel,
            at.date_naive(),
            at.date_naive()
        )
        .await
        .unwrap()
        .is_empty());
    assert!(store
        .outbox_due(at, 100)
        .await
        .unwrap()
        .iter()
        .all(|o| o.tenant != gone.id));
    // The other tenant is whole.
    assert!(store.get_tenant(&kept.id).await.unwrap().is_some());
    assert!(store.get_number(&kept_nums[0]).await.unwrap().is_some());
    assert!(store.get_lease(&kept_lease.id).await.unwrap().is_some());
    assert!(store
        .get_call(&kept.id, &kept_call.id)
        .await
        .unwrap()
        .is_some());
    assert_eq!(
        store.purge_tenant(&gone.id).await.unwrap(),
        0,
        "nothing left to purge"
    );
}

/// An outbox item is written in the commit of the fact that causes it, once per key (a second
/// commit naming the same key leaves the first, and a duplicate event writes nothing); it is due
/// from its time, rescheduled by a retry and gone once settled as delivered.
pub async fn outbox_items_commit_with_their_fact_once_and_settle(store: &dyn Store) {
    let tn = tenant(store).await;
    let at = t("2026-01-09T10:00:00Z");
    let c = call(&tn, "pc-outbox", &number(0), at);
    let item = OutboxItem::new(OutboxChannel::MissedCallMail, &c, at);
    let commit = Commit {
        event: Some(event(&tn, "generic:outbox-1")),
        calls: vec![CallWrite::new(c.clone(), None)],
        outbox: vec![item.clone()],
        ..Default::default()
    };
    assert_eq!(
        store.commit(&commit).await.unwrap(),
        CommitOutcome::Committed
    );
    assert_eq!(
        store.commit(&commit).await.unwrap(),
        CommitOutcome::Duplicate
    );
    let ours = |v: Vec<OutboxItem>| -> Vec<OutboxItem> {
        v.into_iter().filter(|o| o.tenant == tn.id).collect()
    };
    assert!(ours(
        store
            .outbox_due(at - Duration::seconds(1), 10)
            .await
            .unwrap()
    )
    .is_empty());
    assert_eq!(
        ours(store.outbox_due(at, 10).await.unwrap()),
        vec![item.clone()]
    );
    // Another commit naming the same key (a later event) leaves the pending item as it was.
    let again = Commit {
        event: Some(event(&tn, "generic:outbox-2")),
        outbox: vec![OutboxItem {
            due_at: at + Duration::hours(5),
            ..item.clone()
        }],
        ..Default::default()
    };
    assert_eq!(
        store.commit(&again).await.unwrap(),
        CommitOutcome::Committed
    );
    assert_eq!(
        ours(store.outbox_due(at, 10).await.unwrap()),
        vec![item.clone()]
    );
    let retry = OutboxItem {
        attempts: 1,
        due_at: at + Duration::minutes(1),
        ..item.clone()
    };
    store.outbox_settle(&item, Some(&retry)).await.unwrap();
    assert!(ours(store.outbox_due(at, 10).await.unwrap()).is_empty());
    let later = at + Duration::minutes(2);
    assert_eq!(
        ours(store.outbox_due(later, 10).await.unwrap()),
        vec![retry.clone()]
    );
    store.outbox_settle(&retry, None).await.unwrap();
    assert!(ours(store.outbox_due(later, 10).await.unwrap()).is_empty());
}

pub async fn commit_claims_the_event_once_and_changes_nothing_on_redelivery(store: &dyn Store) {
    let tn = tenant(store).await;
    let caller = number(0);
    let c = call(&tn, "pc-1", &caller, t("2026-01-08T10:00:00Z"));
    let commit = Commit {
        event: Some(event(&tn, "generic:e1")),
        calls: vec![CallWrite::new(c.clone(), None)],
        rollups: vec![delta("2026-01-08", "billboard", |k| k.calls = 1)],
        ..Default::default()
    };
    assert_eq!(
        store.commit(&commit).await.unwrap(),
        CommitOutcome::Committed
    );
    let stored = store.get_call(&tn.id, &c.id).await.unwrap().unwrap();
    assert_eq!(stored.version, 1);
    assert_eq!(
        Call {
            version: 0,
            ..stored
        },
        c
    );
    // The same event again: Duplicate, and neither the call nor the counters move.
    let mut changed = c.clone();
    changed.outcome = Outcome::Answered;
    let redelivery = Commit {
        calls: vec![CallWrite::new(changed, Some(1))],
        ..commit.clone()
    };
    assert_eq!(
        store.commit(&redelivery).await.unwrap(),
        CommitOutcome::Duplicate
    );
    assert_eq!(
        store
            .get_call(&tn.id, &c.id)
            .await
            .unwrap()
            .unwrap()
            .outcome,
        Outcome::Ringing
    );
    assert_eq!(
        rollup_map(store, &tn).await[&(day("2026-01-08"), "billboard".to_string())].calls,
        1
    );
}

pub async fn commit_with_a_stale_version_writes_nothing(store: &dyn Store) {
    let tn = tenant(store).await;
    let c = call(&tn, "pc-2", &number(0), t("2026-01-09T10:00:00Z"));
    let first = Commit {
        calls: vec![CallWrite::new(c.clone(), None)],
        ..Default::default()
    };
    assert_eq!(
        store.commit(&first).await.unwrap(),
        CommitOutcome::Committed
    );
    assert_eq!(
        store.commit(&first).await.unwrap(),
        CommitOutcome::Conflict,
        "must not exist yet"
    );
    let stale = Commit {
        tenant: Some(tn.id.clone()),
        event: Some(event(&tn, "generic:e2")),
        calls: vec![CallWrite::new(
            Call {
                outcome: Outcome::Missed,
                ..c.clone()
            },
            Some(7),
        )],
        rollups: vec![delta("2026-01-09", "radio", |k| k.missed = 1)],
        ..Default::default()
    };
    assert_eq!(store.commit(&stale).await.unwrap(), CommitOutcome::Conflict);
    assert_eq!(
        store
            .get_call(&tn.id, &c.id)
            .await
            .unwrap()
            .unwrap()
            .outcome,
        Outcome::Ringing
    );
    assert!(
        rollup_map(store, &tn).await.is_empty(),
        "no counters from a failed commit"
    );
    // The event was not claimed either: the retry with the right version goes through.
    let fresh = Commit {
        calls: vec![CallWrite::new(
            Call {
                outcome: Outcome::Missed,
                ..c.clone()
            },
            Some(1),
        )],
        ..stale
    };
    assert_eq!(
        store.commit(&fresh).await.unwrap(),
        CommitOutcome::Committed
    );
    assert_eq!(
        store
            .get_call(&tn.id, &c.id)
            .await
            .unwrap()
            .unwrap()
            .version,
        2
    );
    assert_eq!(
        rollup_map(store, &tn).await[&(day("2026-01-09"), "radio".to_string())].missed,
        1
    );
}

pub async fn commit_of_several_calls_is_all_or_nothing(store: &dyn Store) {
    let tn = tenant(store).await;
    let caller = number(0);
    let missed = call(&tn, "pc-missed", &caller, t("2026-01-10T10:00:00Z"));
    assert_eq!(
        store
            .commit(&Commit {
                calls: vec![CallWrite::new(missed.clone(), None)],
                ..Default::default()
            })
            .await
            .unwrap(),
        CommitOutcome::Committed
    );
    let back = call(&tn, "pc-back", &caller, t("2026-01-10T10:05:00Z"));
    let returned = Call {
        returned_at: Some(back.started_at),
        returned_by: Some(back.id.clone()),
        ..missed.clone()
    };
    // One stale write spoils the whole unit.
    let bad = Commit {
        calls: vec![
            CallWrite::new(back.clone(), None),
            CallWrite::new(returned.clone(), Some(5)),
        ],
        rollups: vec![
            delta("2026-01-10", "radio", |k| k.returned = 1),
            delta("2026-01-10", "radio", |k| k.calls = 1),
        ],
        ..Default::default()
    };
    assert_eq!(store.commit(&bad).await.unwrap(), CommitOutcome::Conflict);
    assert!(store.get_call(&tn.id, &back.id).await.unwrap().is_none());
    assert!(rollup_map(store, &tn).await.is_empty());
    let good = Commit {
        calls: vec![
            CallWrite::new(back.clone(), None),
            CallWrite::new(returned.clone(), Some(1)),
        ],
        ..bad
    };
    assert_eq!(store.commit(&good).await.unwrap(), CommitOutcome::Committed);
    assert_eq!(
        store
            .get_call(&tn.id, &missed.id)
            .await
            .unwrap()
            .unwrap()
            .returned_by,
        Some(back.id.clone())
    );
    // Two deltas on one row in one commit add up.
    let r = rollup_map(store, &tn).await[&(day("2026-01-10"), "radio".to_string())];
    assert_eq!((r.calls, r.returned), (1, 1));
}

pub async fn rollups_of_each_dimension_are_kept_and_read_apart(store: &dyn Store) {
    let tn = tenant(store).await;
    // The same name under two dimensions, and a campaign on the range's last day and the next.
    let commit = Commit {
        tenant: Some(tn.id.clone()),
        rollups: vec![
            delta("2026-01-10", "brand", |k| k.calls = 1),
            grouped(Dimension::Campaign, "2026-01-10", "brand", |k| k.calls = 2),
            grouped(Dimension::Campaign, "2026-01-10", "brand", |k| k.won = 1),
            grouped(Dimension::Campaign, "2026-01-11", "brand", |k| k.calls = 4),
            grouped(Dimension::Keyword, "2026-01-10", "brand", |k| k.calls = 8),
            grouped(Dimension::Manager, "2026-01-10", "Anna", |k| k.answered = 1),
        ],
        ..Default::default()
    };
    assert_eq!(
        store.commit(&commit).await.unwrap(),
        CommitOutcome::Committed
    );
    let brand = |d: &str| (day(d), "brand".to_string());
    assert_eq!(rollup_map(store, &tn).await[&brand("2026-01-10")].calls, 1);
    assert_eq!(
        rollup_map(store, &tn).await.len(),
        1,
        "only the channel's rows"
    );
    let campaign = rollups_of(store, &tn, Dimension::Campaign).await;
    assert_eq!(campaign.len(), 2);
    assert_eq!(
        (
            campaign[&brand("2026-01-10")].calls,
            campaign[&brand("2026-01-10")].won
        ),
        (2, 1),
        "two deltas on one row merge"
    );
    assert_eq!(
        rollups_of(store, &tn, Dimension::Keyword).await[&brand("2026-01-10")].calls,
        8
    );
    assert!(rollups_of(store, &tn, Dimension::Number).await.is_empty());
    let one_day = store
        .rollups_between(
            &tn.id,
            Dimension::Campaign,
            day("2026-01-10"),
            day("2026-01-10"),
        )
        .await
        .unwrap();
    assert_eq!(one_day.len(), 1, "the period bounds a dimension's rows too");
    let manager = rollups_of(store, &tn, Dimension::Manager).await;
    assert_eq!(
        manager[&(day("2026-01-10"), "Anna".to_string())].answered,
        1
    );
}

/// Sketch cells are counts kept per row like the counters: deltas add, a cell moved out of a
/// row leaves it (a cell at zero is not read back), dimensions and days are read apart, and cells
/// alone write no counters row.
pub async fn sketch_cells_add_move_and_read_per_dimension_and_period(store: &dyn Store) {
    let tn = tenant(store).await;
    let (a, b) = (
        Cell::Caller {
            register: 700,
            rank: 2,
        },
        Cell::Return { minutes: 12 },
    );
    let mut first = delta("2026-01-10", "radio", |k| k.calls = 1);
    first.cells = [(a, 1), (b, 1)].into_iter().collect();
    let commit = Commit {
        tenant: Some(tn.id.clone()),
        rollups: vec![
            first,
            cells(Dimension::Channel, "2026-01-10", "radio", &[(a, 2)]),
            cells(Dimension::Channel, "2026-01-10", "tv", &[(a, 1)]),
            cells(Dimension::Manager, "2026-01-10", "(none)", &[(a, 1)]),
            cells(Dimension::Channel, "2026-01-12", "radio", &[(b, 1)]),
        ],
        ..Default::default()
    };
    assert_eq!(
        store.commit(&commit).await.unwrap(),
        CommitOutcome::Committed
    );
    let by_channel = cells_of(store, &tn, Dimension::Channel, "2026-01-01", "2026-01-31").await;
    assert_eq!(
        by_channel["radio"],
        vec![(a, 3), (b, 2)],
        "summed over the period's days"
    );
    assert_eq!(by_channel["tv"], vec![(a, 1)]);
    assert_eq!(
        cells_of(store, &tn, Dimension::Channel, "2026-01-11", "2026-01-12").await["radio"],
        vec![(b, 1)],
        "the period bounds the cells"
    );
    assert!(
        !rollup_map(store, &tn)
            .await
            .contains_key(&(day("2026-01-12"), "radio".to_string())),
        "cells alone write no counters row"
    );
    // The call moves from nobody to Anna.
    let moved = Commit {
        tenant: Some(tn.id.clone()),
        rollups: vec![
            cells(Dimension::Manager, "2026-01-10", "(none)", &[(a, -1)]),
            cells(Dimension::Manager, "2026-01-10", "Anna", &[(a, 1)]),
        ],
        ..Default::default()
    };
    assert_eq!(
        store.commit(&moved).await.unwrap(),
        CommitOutcome::Committed
    );
    let managers = cells_of(store, &tn, Dimension::Manager, "2026-01-10", "2026-01-10").await;
    assert_eq!(
        managers.into_iter().collect::<Vec<_>>(),
        vec![("Anna".to_string(), vec![(a, 1)])],
        "a cell at zero is not read back"
    );
}

pub async fn problem_index_keeps_the_worst_per_day_and_moves_with_reanalysis(store: &dyn Store) {
    let tn = tenant(store).await;
    let entry = |id: &str, d: &str, score: u8, at: &str| ProblemCall {
        call_id: CallId::derive(&tn.id, Provider::Generic, id),
        day: day(d),
        started_at: t(at),
        channel: "radio".into(),
        manager: None,
        score: Some(score),
        reasons: vec![format!("reason of {id}")],
        kind: Some("complaint".into()),
        retain_until: None,
    };
    let put = |old: Option<ProblemCall>, new: Option<ProblemCall>| Commit {
        tenant: Some(tn.id.clone()),
        problems: vec![ProblemChange { old, new }],
        ..Default::default()
    };
    let entries = [
        entry("a", "2026-01-10", 50, "2026-01-10T09:00:00Z"),
        entry("b", "2026-01-10", 20, "2026-01-10T10:00:00Z"),
        entry("c", "2026-01-10", 20, "2026-01-10T08:00:00Z"),
        entry("d", "2026-01-11", 70, "2026-01-11T08:00:00Z"),
    ];
    for e in &entries {
        assert_eq!(
            store.commit(&put(None, Some(e.clone()))).await.unwrap(),
            CommitOutcome::Committed
        );
    }
    let ids = |v: Vec<ProblemCall>| v.into_iter().map(|p| p.call_id).collect::<Vec<_>>();
    let two = store
        .problems_between(&tn.id, day("2026-01-10"), day("2026-01-11"), 2)
        .await
        .unwrap();
    assert_eq!(
        ids(two),
        vec![
            entries[2].call_id.clone(),
            entries[1].call_id.clone(),
            entries[3].call_id.clone()
        ],
        "per day the worst first, ties by time, at most two"
    );
    // Re-analysed: the old entry leaves, the new one ranks by its new score.
    let better = ProblemCall {
        score: Some(90),
        ..entries[2].clone()
    };
    assert_eq!(
        store
            .commit(&put(Some(entries[2].clone()), Some(better.clone())))
            .await
            .unwrap(),
        CommitOutcome::Committed
    );
    let day10 = store
        .problems_between(&tn.id, day("2026-01-10"), day("2026-01-10"), 10)
        .await
        .unwrap();
    assert_eq!(day10.len(), 3, "one entry per call");
    assert_eq!(day10[2], better);
    // Nothing left to hear: the entry goes.
    store.commit(&put(Some(better), None)).await.unwrap();
    assert_eq!(
        store
            .problems_between(&tn.id, day("2026-01-10"), day("2026-01-10"), 10)
            .await
            .unwrap()
            .len(),
        2
    );
    assert!(store
        .problems_between(&tn.id, day("2026-01-12"), day("2026-01-20"), 10)
        .await
        .unwrap()
        .is_empty());
}

pub async fn calls_are_listed_by_time_and_by_caller(store: &dyn Store) {
    let tn = tenant(store).await;
    let (a, b) = (number(0), number(1));
    let t0 = t("2026-01-11T00:00:00Z");
    for (i, (who, h)) in [(&a, 1i64), (&b, 2), (&a, 3), (&b, 27)]
        .into_iter()
        .enumerate()
    {
        let c = call(&tn, &format!("pc-{i}"), who, t0 + Duration::hours(h));
        store
            .commit(&Commit {
                calls: vec![CallWrite::new(c, None)],
                ..Default::default()
            })
            .await
            .unwrap();
    }
    let day1 = store
        .calls_between(&tn.id, t0, t0 + Duration::days(1))
        .await
        .unwrap();
    assert_eq!(
        day1.iter()
            .map(|c| c.provider_call_id.as_str())
            .collect::<Vec<_>>(),
        ["pc-0", "pc-1", "pc-2"]
    );
    let half_open = store
        .calls_between(&tn.id, t0 + Duration::hours(1), t0 + Duration::hours(3))
        .await
        .unwrap();
    assert_eq!(half_open.len(), 2, "from is inclusive, to exclusive");
    let from_a = store.calls_with(&tn.id, &a, t0).await.unwrap();
    assert_eq!(
        from_a
            .iter()
            .map(|c| c.provider_call_id.as_str())
            .collect::<Vec<_>>(),
        ["pc-0", "pc-2"]
    );
    let b_late = store
        .calls_with(&tn.id, &b, t0 + Duration::hours(3))
        .await
        .unwrap();
    assert_eq!(b_late.len(), 1);
    // The bounded caller summary: the earliest calls only, oldest first.
    let first_b = store.first_calls_with(&tn.id, &b, 1).await.unwrap();
    assert_eq!(
        first_b
            .iter()
            .map(|c| c.provider_call_id.as_str())
            .collect::<Vec<_>>(),
        ["pc-1"]
    );
    assert_eq!(
        store.first_calls_with(&tn.id, &a, 10).await.unwrap().len(),
        2
    );
    let other = tenant(store).await;
    assert!(
        store
            .calls_with(&other.id, &a, t0)
            .await
            .unwrap()
            .is_empty(),
        "tenants are isolated"
    );
    assert!(store
        .first_calls_with(&other.id, &a, 10)
        .await
        .unwrap()
        .is_empty());
    assert!(store
        .calls_between(&other.id, t0, t0 + Duration::days(9))
        .await
        .unwrap()
        .is_empty());
}

/// Paging a period `limit` at a time yields every call of `[from, to)` once, in (start, id)
/// order, calls that started at the same millisecond included; another tenant's never.
pub async fn calls_page_through_a_period_in_order_without_gaps_or_repeats(store: &dyn Store) {
    let tn = tenant(store).await;
    let other = tenant(store).await;
    let t0 = t("2026-02-01T00:00:00Z");
    // Eleven calls, three of them at the same instant; one before and one after the period.
    let starts = [-1i64, 0, 5, 5, 5, 9, 12, 30, 31, 40, 41, 59, 60];
    for (i, m) in starts.iter().enumerate() {
        for owner in [&tn, &other] {
            let c = call(
                owner,
                &format!("pg-{i:02}"),
                &number(i as u32),
                t0 + Duration::minutes(*m),
            );
            store
                .commit(&Commit {
                    calls: vec![CallWrite::new(c, None)],
                    ..Default::default()
                })
                .await
                .unwrap();
        }
    }
    let (from, to) = (t0, t0 + Duration::minutes(60));
    let all = store.calls_between(&tn.id, from, to).await.unwrap();
    assert_eq!(all.len(), 11);
    for limit in [1, 3, 4, 11, 50] {
        let mut got = vec![];
        let mut cursor: Option<CallCursor> = None;
        loop {
            let page = store
                .calls_page(&tn.id, from, to, cursor.as_ref(), limit)
                .await
                .unwrap();
            assert!(page.len() <= limit);
            cursor = page.last().map(CallCursor::after);
            let done = page.len() < limit;
            got.extend(page);
            if done {
                break;
            }
        }
        let ids: Vec<&CallId> = got.iter().map(|c| &c.id).collect();
        let want: Vec<&CallId> = all.iter().map(|c| &c.id).collect();
        assert_eq!(ids, want, "limit {limit}");
        assert!(got.iter().all(|c| c.tenant == tn.id));
    }
    let mut keys: Vec<(DateTime<Utc>, CallId)> =
        all.iter().map(|c| (c.started_at, c.id.clone())).collect();
    let sorted = {
        let mut k = keys.clone();
        k.sort();
        k
    };
    assert_eq!(keys, sorted, "ordered by (start, id)");
    keys.dedup();
    assert_eq!(keys.len(), 11);
    assert!(store
        .calls_page(&tn.id, from, to, None, 0)
        .await
        .unwrap()
        .is_empty());
}

/// A rate bucket is written only over the state it was read in (two requests racing on one
/// bucket: one wins), reads as absent once expired, and is the tenant's alone.
pub async fn rate_buckets_are_compare_and_set_and_expire(store: &dyn Store) {
    let tn = tenant(store).await;
    let other = tenant(store).await;
    let now = t("2026-02-01T10:00:00Z");
    let later = now + Duration::minutes(2);
    assert_eq!(
        store
            .get_bucket(&tn.id, "src#203.0.113.7", now)
            .await
            .unwrap(),
        None
    );
    assert!(store
        .put_bucket(&tn.id, "src#203.0.113.7", 100, None, now, later)
        .await
        .unwrap());
    assert!(
        !store
            .put_bucket(&tn.id, "src#203.0.113.7", 200, None, now, later)
            .await
            .unwrap(),
        "a second writer that read 'absent' loses"
    );
    assert_eq!(
        store
            .get_bucket(&tn.id, "src#203.0.113.7", now)
            .await
            .unwrap(),
        Some(100)
    );
    assert!(!store
        .put_bucket(&tn.id, "src#203.0.113.7", 300, Some(99), now, later)
        .await
        .unwrap());
    assert!(store
        .put_bucket(&tn.id, "src#203.0.113.7", 300, Some(100), now, later)
        .await
        .unwrap());
    assert_eq!(
        store
            .get_bucket(&tn.id, "src#203.0.113.7", now)
            .await
            .unwrap(),
        Some(300)
    );
    assert_eq!(
        store
            .get_bucket(&other.id, "src#203.0.113.7", now)
            .await
            .unwrap(),
        None,
        "buckets are per tenant"
    );
    // Past its expiry the bucket is gone: absent for reads and for the next writer.
    let after = later + Duration::seconds(1);
    assert_eq!(
        store
            .get_bucket(&tn.id, "src#203.0.113.7", after)
            .await
            .unwrap(),
        None
    );
    assert!(!store
        .put_bucket(
            &tn.id,
            "src#203.0.113.7",
            400,
            Some(300),
            after,
            after + Duration::minutes(1)
        )
        .await
        .unwrap());
    assert!(store
        .put_bucket(
            &tn.id,
            "src#203.0.113.7",
            400,
            None,
            after,
            after + Duration::minutes(1)
        )
        .await
        .unwrap());
    assert_eq!(
        store
            .get_bucket(&tn.id, "src#203.0.113.7", after)
            .await
            .unwrap(),
        Some(400)
    );
}

pub async fn deals_update_by_version_and_list_by_day(store: &dyn Store) {
    let tn = tenant(store).await;
    let deal = Deal {
        tenant: tn.id.clone(),
        id: "D-1".into(),
        status: DealStatus::Open,
        amount_minor: 50_000,
        currency: tn.currency,
        at: t("2026-01-12T10:00:00Z"),
        call_id: None,
        caller: Some(number(0)),
        channel: "(unlinked)".into(),
        groups: Some(Groups::all("(unlinked)")),
        day: day("2026-01-12"),
        version: 0,
    };
    let create = Commit {
        event: Some(event(&tn, "crm:1")),
        deal: Some(DealWrite::new(deal.clone(), None)),
        rollups: vec![delta("2026-01-12", "(unlinked)", |k| k.deals = 1)],
        ..Default::default()
    };
    assert_eq!(
        store.commit(&create).await.unwrap(),
        CommitOutcome::Committed
    );
    let stored = store.get_deal(&tn.id, "D-1").await.unwrap().unwrap();
    assert_eq!(stored.version, 1);
    let won = Deal {
        status: DealStatus::Won,
        ..stored.clone()
    };
    let win = Commit {
        event: Some(event(&tn, "crm:2")),
        deal: Some(DealWrite::new(won.clone(), Some(stored.clone()))),
        rollups: vec![delta("2026-01-12", "(unlinked)", |k| {
            k.won = 1;
            k.revenue_minor = 50_000
        })],
        ..Default::default()
    };
    assert_eq!(store.commit(&win).await.unwrap(), CommitOutcome::Committed);
    let stale = Commit {
        event: Some(event(&tn, "crm:3")),
        ..win.clone()
    };
    assert_eq!(store.commit(&stale).await.unwrap(), CommitOutcome::Conflict);
    let got = store
        .deals_between(&tn.id, day("2026-01-12"), day("2026-01-12"))
        .await
        .unwrap();
    assert_eq!(got.len(), 1);
    assert_eq!((got[0].status, got[0].version), (DealStatus::Won, 2));
    assert!(store
        .deals_between(&tn.id, day("2026-01-13"), day("2026-01-20"))
        .await
        .unwrap()
        .is_empty());
    let r = rollup_map(store, &tn).await[&(day("2026-01-12"), "(unlinked)".to_string())];
    assert_eq!((r.deals, r.won, r.revenue_minor), (1, 1, 50_000));
}

pub async fn costs_replace_by_date_channel_and_campaign(store: &dyn Store) {
    let tn = tenant(store).await;
    let row = |d: &str, ch: &str, camp: &str, minor: i64| Cost {
        date: day(d),
        channel: ch.into(),
        campaign: camp.into(),
        cost_minor: minor,
        currency: tn.currency,
    };
    store
        .put_costs(
            &tn.id,
            &[
                row("2026-01-01", "google/cpc", "brand", 1000),
                row("2026-01-01", "google/cpc", "generic", 2000),
            ],
        )
        .await
        .unwrap();
    store
        .put_costs(
            &tn.id,
            &[
                row("2026-01-01", "google/cpc", "brand", 1500),
                row("2026-01-02", "yandex/cpc", "", 700),
            ],
        )
        .await
        .unwrap();
    let got = store
        .costs_between(&tn.id, day("2026-01-01"), day("2026-01-02"))
        .await
        .unwrap();
    let mut flat: Vec<_> = got
        .iter()
        .map(|c| {
            (
                c.date.to_string(),
                c.channel.clone(),
                c.campaign.clone(),
                c.cost_minor,
            )
        })
        .collect();
    flat.sort();
    assert_eq!(
        flat,
        vec![
            (
                "2026-01-01".into(),
                "google/cpc".into(),
                "brand".into(),
                1500
            ),
            (
                "2026-01-01".into(),
                "google/cpc".into(),
                "generic".into(),
                2000
            ),
            ("2026-01-02".into(), "yandex/cpc".into(), "".into(), 700),
        ]
    );
    assert_eq!(
        store
            .costs_between(&tn.id, day("2026-01-02"), day("2026-01-02"))
            .await
            .unwrap()
            .len(),
        1
    );
}

pub async fn claim_once_claims_a_key_once(store: &dyn Store) {
    let tn = tenant(store).await;
    let exp = t("2030-01-01T00:00:00Z");
    assert!(store
        .claim_once(&tn.id, "report:2026-01-01", exp)
        .await
        .unwrap());
    assert!(!store
        .claim_once(&tn.id, "report:2026-01-01", exp)
        .await
        .unwrap());
    assert!(store.has_claim(&tn.id, "report:2026-01-01").await.unwrap());
    assert!(!store.has_claim(&tn.id, "report:2026-01-02").await.unwrap());
    let other = tenant(store).await;
    assert!(!store
        .has_claim(&other.id, "report:2026-01-01")
        .await
        .unwrap());
    assert!(
        store
            .claim_once(&other.id, "report:2026-01-01", exp)
            .await
            .unwrap(),
        "claims are per tenant"
    );
    // A claim outlives its TTL date: correctness never waits on TTL deletion.
    let past = Utc.with_ymd_and_hms(2000, 1, 1, 0, 0, 0).unwrap();
    assert!(store.claim_once(&tn.id, "old", past).await.unwrap());
    assert!(!store.claim_once(&tn.id, "old", past).await.unwrap());
}

pub async fn lease_for_visitor_is_the_latest(store: &dyn Store) {
    let tn = tenant(store).await;
    let (pool, nums) = pool_with(store, &tn, 2).await;
    let t0 = t("2026-01-13T08:00:00Z");
    let s0 = store
        .all_slots(&tn.id, &pool.id)
        .await
        .unwrap()
        .into_iter()
        .find(|s| s.number == nums[0])
        .unwrap();
    let old = lease_on(&tn, &pool, &nums[0], "vis", t0, 15);
    assert!(take(store, &s0, &old, vec![]).await);
    let s1 = store
        .all_slots(&tn.id, &pool.id)
        .await
        .unwrap()
        .into_iter()
        .find(|s| s.number == nums[1])
        .unwrap();
    let new = lease_on(&tn, &pool, &nums[1], "vis", t0 + Duration::hours(2), 15);
    assert!(take(store, &s1, &new, vec![]).await);
    assert_eq!(
        store
            .lease_for_visitor(&tn.id, &pool.id, "vis")
            .await
            .unwrap()
            .map(|l| l.id),
        Some(new.id)
    );
    assert!(store
        .lease_for_visitor(&tn.id, &pool.id, "stranger")
        .await
        .unwrap()
        .is_none());
}

/// Ingest on this store attributes a call to a pool's default number (shown to bots and when the
/// pool ran out) to `pool_overflow`, and one to a pool number with no lease stays unattributed.
pub async fn a_call_to_the_pools_default_number_is_pool_overflow(store: &dyn Store) {
    let tn = tenant(store).await;
    let (mut pool, nums) = pool_with(store, &tn, 1).await;
    let default = number(50);
    pool.default_number = Some(default.clone());
    store.put_pool(&pool).await.unwrap();
    let at = t("2026-01-20T10:00:00Z");
    let ended = |id: &str, to: &PhoneNumber| CallEvent {
        from: Some(number(60)),
        to: Some(to.clone()),
        outcome: Some(Outcome::Answered),
        talk_seconds: Some(90),
        ..CallEvent::new(
            Provider::Generic,
            id,
            format!("{id}:ended"),
            EventKind::Ended,
            at,
        )
    };
    let mut got = vec![];
    for (id, to) in [("overflow-1", &default), ("pooled-1", &nums[0])] {
        let out = calltrack::calls::ingest(store, &tn, &ended(id, to), false, at)
            .await
            .unwrap();
        let calltrack::calls::Ingested::Applied { call, .. } = out else {
            panic!("a new call is applied")
        };
        got.push((call.attribution.method, call.attribution.channel));
    }
    assert_eq!(
        got,
        [
            (
                AttributionMethod::PoolOverflow,
                "(pool overflow)".to_string()
            ),
            (
                AttributionMethod::Unattributed,
                "(unattributed)".to_string()
            ),
        ]
    );
    let stored = store
        .calls_between(&tn.id, at - Duration::hours(1), at + Duration::hours(1))
        .await
        .unwrap();
    assert!(stored
        .iter()
        .any(|c| c.attribution.method == AttributionMethod::PoolOverflow));
}

/// A caller who left 98 missed calls inside the callback SLA gets through: every one of them is
/// marked returned (in transactions far below DynamoDB's 100-item limit), and the counters agree.
/// A generic `ended` event of `caller`'s call `id` to `line`.
fn ended(
    caller: &PhoneNumber,
    line: &PhoneNumber,
    id: String,
    at: DateTime<Utc>,
    outcome: Outcome,
    talk: u32,
) -> CallEvent {
    CallEvent {
        from: Some(caller.clone()),
        to: Some(line.clone()),
        outcome: Some(outcome),
        talk_seconds: Some(talk),
        ..CallEvent::new(
            Provider::Generic,
            id.clone(),
            format!("{id}:ended"),
            EventKind::Ended,
            at,
        )
    }
}

pub async fn a_caller_with_98_missed_calls_gets_every_one_returned(store: &dyn Store) {
    let tn = tenant(store).await;
    let caller = number(70);
    let line = number(71);
    let t0 = t("2026-01-21T09:00:00Z");
    let event = |id: String, at, outcome, talk| ended(&caller, &line, id, at, outcome, talk);
    for i in 0..98 {
        let at = t0 + Duration::seconds(10 * i);
        calltrack::calls::ingest(
            store,
            &tn,
            &event(format!("missed-{i}"), at, Outcome::Missed, 0),
            false,
            at,
        )
        .await
        .unwrap();
    }
    // Ends at 19 min after 120 s of talk: it connected at 17 min, after the last missed call.
    let at = t0 + Duration::minutes(19);
    let out = calltrack::calls::ingest(
        store,
        &tn,
        &event("through".into(), at, Outcome::Answered, 120),
        false,
        at,
    )
    .await
    .unwrap();
    let calltrack::calls::Ingested::Applied { returned, .. } = out else {
        panic!("applied")
    };
    assert_eq!(returned.len(), 98);
    let calls = store
        .calls_with(&tn.id, &caller, t0 - Duration::hours(1))
        .await
        .unwrap();
    let missed: Vec<&Call> = calls
        .iter()
        .filter(|c| c.outcome == Outcome::Missed)
        .collect();
    assert_eq!(missed.len(), 98);
    let connected = at - Duration::seconds(120);
    assert!(missed.iter().all(|c| c.returned_at == Some(connected)));
    let totals =
        rollup_map(store, &tn)
            .await
            .into_values()
            .fold(Counters::default(), |mut a, c| {
                a.add(&c);
                a
            });
    assert_eq!((totals.calls, totals.missed, totals.returned), (99, 98, 98));
}

/// Missed calls spread over 40 days (a tenant with a long callback SLA) are each in rows of their
/// own day: marking them returned in one commit would take it far past DynamoDB's 100 actions,
/// so ingest splits the marking into commits that fit, and every call is still returned and
/// counted once.
pub async fn a_call_back_returning_missed_calls_of_many_days_splits_its_commits(store: &dyn Store) {
    let mut tn = tenant(store).await;
    tn.callback_sla_minutes = 60 * 24 * 45;
    let caller = number(72);
    let line = number(73);
    let t0 = t("2026-02-01T09:00:00Z");
    let event = |id: String, at, outcome, talk| CallEvent {
        answered_by: (outcome == Outcome::Answered).then(|| "anna".to_string()),
        ..ended(&caller, &line, id, at, outcome, talk)
    };
    for i in 0..40 {
        let at = t0 + Duration::days(i);
        calltrack::calls::ingest(
            store,
            &tn,
            &event(format!("missed-{i}"), at, Outcome::Missed, 0),
            false,
            at,
        )
        .await
        .unwrap();
    }
    let at = t0 + Duration::days(41);
    let out = calltrack::calls::ingest(
        store,
        &tn,
        &event("back".into(), at, Outcome::Answered, 60),
        false,
        at,
    )
    .await
    .unwrap();
    let calltrack::calls::Ingested::Applied { returned, .. } = out else {
        panic!("applied")
    };
    assert_eq!(returned.len(), 40);
    let managers = rollups_of(store, &tn, Dimension::Manager).await;
    let anna: i64 = managers
        .iter()
        .filter(|((_, g), _)| g == "anna")
        .map(|(_, c)| c.returned)
        .sum();
    assert_eq!(
        anna, 40,
        "each returned call counts once for the agent who returned it"
    );
    let cells = store
        .cells_between(
            &tn.id,
            Dimension::Manager,
            day("2026-01-01"),
            day("2026-12-31"),
        )
        .await
        .unwrap();
    let waits: i64 = cells
        .iter()
        .filter(|r| r.group == "anna")
        .flat_map(|r| r.cells.iter())
        .filter(|(c, _)| matches!(c, Cell::Return { .. }))
        .map(|(_, n)| n)
        .sum();
    assert_eq!(waits, 40, "and its wait once");
}
