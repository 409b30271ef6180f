//! The pool's use cases on the SQLite store with a hand-moved clock: acquire, renew, intents,
//! exhaustion, cool-down and expiry.

use calltrack::model::*;
use calltrack::numbers::{self, AcquireOutcome, LeaseError, Pool as Pools};
use calltrack::ports::*;
use calltrack_embedded::SqliteStore;
use chrono::{DateTime, Duration, TimeZone, Utc};

fn t0() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2024, 3, 1, 12, 0, 0).unwrap()
}

fn num(i: u32) -> PhoneNumber {
    PhoneNumber::parse(&format!("+1415867{:04}", 5300 + i), None).unwrap()
}

fn visit(v: &str) -> Visit {
    Visit {
        visitor_id: v.into(),
        utm_source: Some("google".into()),
        utm_medium: Some("cpc".into()),
        ..Visit::default()
    }
}

async fn setup(
    numbers: u32,
    tweak: impl FnOnce(&mut PoolSettings),
) -> (SqliteStore, ManualClock, Tenant, PoolSettings) {
    let store = SqliteStore::in_memory().unwrap();
    let clock = ManualClock::new(t0());
    let tenant = Tenant::new(TenantId::parse("acme").unwrap(), "Acme");
    store.put_tenant(&tenant).await.unwrap();
    let mut pool = PoolSettings::new(tenant.id.clone(), PoolId::parse("web").unwrap());
    pool.default_number = Some(num(99));
    tweak(&mut pool);
    store.put_pool(&pool).await.unwrap();
    for i in 0..numbers {
        let n = TrackingNumber {
            number: num(i),
            tenant: tenant.id.clone(),
            kind: NumberKind::Pool {
                pool: pool.id.clone(),
            },
            forward_to: None,
        };
        store.put_number(&n).await.unwrap();
    }
    (store, clock, tenant, pool)
}

#[tokio::test]
async fn the_same_visitor_with_a_live_lease_gets_it_back() {
    let (store, clock, tenant, pool) = setup(3, |_| {}).await;
    let a = numbers::acquire(&store, &clock, &tenant, &pool, visit("v1"))
        .await
        .unwrap();
    clock.advance(Duration::minutes(5));
    let b = numbers::acquire(&store, &clock, &tenant, &pool, visit("v1"))
        .await
        .unwrap();
    assert_eq!(b.outcome, AcquireOutcome::Existing);
    assert_eq!(a.lease.unwrap().id, b.lease.unwrap().id);
    let day = tenant.day_of(t0());
    let rollups = store
        .rollups_between(&tenant.id, Dimension::Channel, day, day)
        .await
        .unwrap();
    assert_eq!(rollups.len(), 1);
    assert_eq!(rollups[0].group, "google/cpc");
    assert_eq!(
        rollups[0].counters.visits, 1,
        "a returning page view is not a second visit"
    );
}

#[tokio::test]
async fn lru_hands_out_the_number_released_longest_ago() {
    let (store, clock, tenant, pool) = setup(3, |p| p.lease_minutes = 10).await;
    // v1..v3 take all three numbers a minute apart; they expire a minute apart in that order.
    let mut got = vec![];
    for v in ["v1", "v2", "v3"] {
        got.push(
            numbers::acquire(&store, &clock, &tenant, &pool, visit(v))
                .await
                .unwrap()
                .number,
        );
        clock.advance(Duration::minutes(1));
    }
    clock.set(t0() + Duration::minutes(60));
    let next = numbers::acquire(&store, &clock, &tenant, &pool, visit("v4"))
        .await
        .unwrap();
    assert_eq!(next.number, got[0], "the first released rests longest");
    assert_eq!(next.outcome, AcquireOutcome::Fresh);
    let next = numbers::acquire(&store, &clock, &tenant, &pool, visit("v5"))
        .await
        .unwrap();
    assert_eq!(next.number, got[1]);
}

#[tokio::test]
async fn mru_hands_out_the_number_released_last() {
    let (store, clock, tenant, pool) = setup(3, |p| {
        p.lease_minutes = 10;
        p.selection = Selection::Mru;
    })
    .await;
    let mut got = vec![];
    for v in ["v1", "v2", "v3"] {
        got.push(
            numbers::acquire(&store, &clock, &tenant, &pool, visit(v))
                .await
                .unwrap()
                .number,
        );
        clock.advance(Duration::minutes(1));
    }
    clock.set(t0() + Duration::minutes(60));
    let next = numbers::acquire(&store, &clock, &tenant, &pool, visit("v4"))
        .await
        .unwrap();
    assert_eq!(next.number, got[2]);
}

#[tokio::test]
async fn random_choices_repeat_for_a_seed() {
    let mut runs = vec![];
    for _ in 0..2 {
        let (store, clock, tenant, pool) = setup(10, |p| p.selection = Selection::Random).await;
        let pools = Pools::seeded(&store, &clock, 42);
        let mut picked = vec![];
        for i in 0..6 {
            picked.push(
                pools
                    .acquire(&tenant, &pool, visit(&format!("v{i}")))
                    .await
                    .unwrap()
                    .number,
            );
        }
        runs.push(picked);
    }
    assert_eq!(runs[0], runs[1]);
}

#[tokio::test]
async fn a_lease_ends_at_its_expiry_whether_or_not_a_job_ran() {
    let (store, clock, tenant, pool) = setup(1, |p| p.lease_minutes = 10).await;
    let a = numbers::acquire(&store, &clock, &tenant, &pool, visit("v1"))
        .await
        .unwrap();
    let lease = a.lease.unwrap();
    assert_eq!(lease.expires_at, t0() + Duration::minutes(10));
    clock.set(lease.expires_at - Duration::milliseconds(1));
    let b = numbers::acquire(&store, &clock, &tenant, &pool, visit("v2"))
        .await
        .unwrap();
    assert_eq!(
        b.outcome,
        AcquireOutcome::Shared,
        "one millisecond before expiry the number is still held"
    );
    clock.set(lease.expires_at + Duration::minutes(20));
    let c = numbers::acquire(&store, &clock, &tenant, &pool, visit("v3"))
        .await
        .unwrap();
    assert_ne!(c.outcome, AcquireOutcome::Shared);
    assert_eq!(c.number, num(0));
}

#[tokio::test]
async fn renew_extends_from_the_last_heartbeat_capped_by_the_maximum_session() {
    let (store, clock, tenant, pool) = setup(2, |p| {
        p.lease_minutes = 10;
        p.max_session_minutes = 25;
    })
    .await;
    let lease = numbers::acquire(&store, &clock, &tenant, &pool, visit("v1"))
        .await
        .unwrap()
        .lease
        .unwrap();
    clock.advance(Duration::minutes(8));
    let r = numbers::renew(&store, &clock, &lease.id).await.unwrap();
    assert_eq!(r.expires_at, t0() + Duration::minutes(18));
    assert_eq!(r.last_seen_at, t0() + Duration::minutes(8));
    clock.advance(Duration::minutes(9));
    let r = numbers::renew(&store, &clock, &lease.id).await.unwrap();
    assert_eq!(
        r.expires_at,
        t0() + Duration::minutes(25),
        "capped at the maximum session"
    );
    let slots = store.all_slots(&tenant.id, &pool.id).await.unwrap();
    let slot = slots.iter().find(|s| s.number == lease.number).unwrap();
    assert_eq!(
        slot.available_at, r.expires_at,
        "the slot follows the lease"
    );
    clock.set(t0() + Duration::minutes(25));
    assert!(matches!(
        numbers::renew(&store, &clock, &lease.id).await,
        Err(LeaseError::Ended)
    ));
}

#[tokio::test]
async fn renewing_an_ended_or_unknown_lease_is_refused() {
    let (store, clock, tenant, pool) = setup(1, |p| p.lease_minutes = 10).await;
    let lease = numbers::acquire(&store, &clock, &tenant, &pool, visit("v1"))
        .await
        .unwrap()
        .lease
        .unwrap();
    clock.advance(Duration::minutes(10));
    assert!(matches!(
        numbers::renew(&store, &clock, &lease.id).await,
        Err(LeaseError::Ended)
    ));
    let unknown = LeaseId::parse("l_nope").unwrap();
    assert!(matches!(
        numbers::renew(&store, &clock, &unknown).await,
        Err(LeaseError::NotFound)
    ));
}

#[tokio::test]
async fn a_resting_number_is_used_before_the_pool_is_exhausted_and_counted() {
    let (store, clock, tenant, pool) = setup(1, |p| {
        p.lease_minutes = 10;
        p.cooldown_minutes = 30;
    })
    .await;
    numbers::acquire(&store, &clock, &tenant, &pool, visit("v1"))
        .await
        .unwrap();
    clock.set(t0() + Duration::minutes(15)); // released at 10, resting until 40
    let b = numbers::acquire(&store, &clock, &tenant, &pool, visit("v2"))
        .await
        .unwrap();
    assert_eq!(b.outcome, AcquireOutcome::EarlyReuse);
    assert!(b.lease.unwrap().reused_early);
    let health = store
        .pool_health(&tenant.id, &pool.id, t0(), t0() + Duration::hours(1))
        .await
        .unwrap();
    assert_eq!(health.len(), 1);
    assert_eq!(health[0].0, t0());
    assert_eq!((health[0].1.early_reuses, health[0].1.exhaustions), (1, 0));
}

#[tokio::test]
async fn a_hard_cooldown_shows_the_default_number_rather_than_reuse_early() {
    let (store, clock, tenant, pool) = setup(1, |p| {
        p.lease_minutes = 10;
        p.cooldown_minutes = 30;
        p.selection = Selection::LruHardCooldown;
        p.exhaustion = ExhaustionPolicy::DefaultNumber;
    })
    .await;
    numbers::acquire(&store, &clock, &tenant, &pool, visit("v1"))
        .await
        .unwrap();
    clock.set(t0() + Duration::minutes(15));
    let b = numbers::acquire(&store, &clock, &tenant, &pool, visit("v2"))
        .await
        .unwrap();
    assert_eq!(b.outcome, AcquireOutcome::Overflow);
    assert_eq!(b.number, num(99));
    assert!(b.lease.is_none());
    clock.set(t0() + Duration::minutes(40));
    let c = numbers::acquire(&store, &clock, &tenant, &pool, visit("v3"))
        .await
        .unwrap();
    assert_eq!((c.outcome, c.number), (AcquireOutcome::Fresh, num(0)));
    let health = store
        .pool_health(&tenant.id, &pool.id, t0(), t0() + Duration::hours(1))
        .await
        .unwrap();
    assert_eq!(health[0].1.exhaustions, 1);
    let day = tenant.day_of(t0());
    let visits: i64 = store
        .rollups_between(&tenant.id, Dimension::Channel, day, day)
        .await
        .unwrap()
        .iter()
        .map(|r| r.counters.visits)
        .sum();
    assert_eq!(
        visits, 3,
        "a visit shown the default number is still a visit"
    );
}

#[tokio::test]
async fn share_oldest_leases_the_number_with_the_oldest_activity_and_keeps_both_leases() {
    let (store, clock, tenant, pool) = setup(2, |p| p.lease_minutes = 10).await;
    let a = numbers::acquire(&store, &clock, &tenant, &pool, visit("v1"))
        .await
        .unwrap()
        .lease
        .unwrap();
    clock.advance(Duration::minutes(2));
    let b = numbers::acquire(&store, &clock, &tenant, &pool, visit("v2"))
        .await
        .unwrap()
        .lease
        .unwrap();
    clock.advance(Duration::minutes(1));
    numbers::renew(&store, &clock, &a.id).await.unwrap(); // v1 active again: v2 is now oldest
    clock.advance(Duration::minutes(1));
    let c = numbers::acquire(&store, &clock, &tenant, &pool, visit("v3"))
        .await
        .unwrap();
    assert_eq!(c.outcome, AcquireOutcome::Shared);
    assert_eq!(c.number, b.number);
    // The shared-out lease still renews (it lost the slot, not its visit).
    clock.advance(Duration::minutes(1));
    let b2 = numbers::renew(&store, &clock, &b.id).await.unwrap();
    assert!(b2.expires_at > clock.now());
    let health = store
        .pool_health(&tenant.id, &pool.id, t0(), t0() + Duration::hours(1))
        .await
        .unwrap();
    assert_eq!(health[0].1.exhaustions, 1);
}

#[tokio::test]
async fn default_number_policy_without_a_default_number_shares_instead() {
    let (store, clock, tenant, pool) = setup(1, |p| {
        p.exhaustion = ExhaustionPolicy::DefaultNumber;
        p.default_number = None;
    })
    .await;
    numbers::acquire(&store, &clock, &tenant, &pool, visit("v1"))
        .await
        .unwrap();
    let b = numbers::acquire(&store, &clock, &tenant, &pool, visit("v2"))
        .await
        .unwrap();
    assert_eq!(b.outcome, AcquireOutcome::Shared);
}

#[tokio::test]
async fn an_empty_pool_without_a_default_number_says_so() {
    let (store, clock, tenant, pool) = setup(0, |p| p.default_number = None).await;
    let e = numbers::acquire(&store, &clock, &tenant, &pool, visit("v1"))
        .await
        .unwrap_err();
    assert!(matches!(e, numbers::AcquireError::NoNumbers(_)), "{e}");
}

#[tokio::test]
async fn intents_are_recorded_with_the_clock_time() {
    let (store, clock, tenant, pool) = setup(1, |_| {}).await;
    let lease = numbers::acquire(&store, &clock, &tenant, &pool, visit("v1"))
        .await
        .unwrap()
        .lease
        .unwrap();
    clock.advance(Duration::seconds(30));
    numbers::intent(&store, &clock, &lease.id, IntentKind::Tap)
        .await
        .unwrap();
    let stored = store.get_lease(&lease.id).await.unwrap().unwrap();
    assert_eq!(
        stored.intents,
        vec![Intent {
            kind: IntentKind::Tap,
            at: t0() + Duration::seconds(30)
        }]
    );
    let unknown = LeaseId::parse("l_nope").unwrap();
    assert!(matches!(
        numbers::intent(&store, &clock, &unknown, IntentKind::Copy).await,
        Err(LeaseError::NotFound)
    ));
}

#[tokio::test]
async fn the_expiry_job_closes_expired_leases_once_and_counts_them() {
    let (store, clock, tenant, pool) = setup(3, |p| p.lease_minutes = 10).await;
    for v in ["v1", "v2"] {
        numbers::acquire(&store, &clock, &tenant, &pool, visit(v))
            .await
            .unwrap();
    }
    let later = t0() + Duration::minutes(11);
    let first = numbers::expire(&store, later).await.unwrap();
    assert_eq!((first.tenants, first.pools, first.closed), (1, 1, 2));
    let again = numbers::expire(&store, later).await.unwrap();
    assert_eq!(again.closed, 0, "idempotent");
    let health = store
        .pool_health(&tenant.id, &pool.id, t0(), t0() + Duration::hours(1))
        .await
        .unwrap();
    assert_eq!(health[0].1.expired, 2);
    assert!(store
        .all_slots(&tenant.id, &pool.id)
        .await
        .unwrap()
        .iter()
        .all(|s| s.lease_id.is_none()));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn expiry_racing_acquires_never_double_leases_a_number() {
    let (store, clock, tenant, pool) = setup(5, |p| {
        p.lease_minutes = 10;
        p.exhaustion = ExhaustionPolicy::DefaultNumber;
    })
    .await;
    for i in 0..5 {
        numbers::acquire(&store, &clock, &tenant, &pool, visit(&format!("old{i}")))
            .await
            .unwrap();
    }
    // At exactly the old leases' expiry, ten visitors race the expiry job for five numbers.
    clock.set(t0() + Duration::minutes(10));
    let store = std::sync::Arc::new(store);
    let mut tasks = vec![];
    for i in 0..10 {
        let (store, clock, tenant, pool) =
            (store.clone(), clock.clone(), tenant.clone(), pool.clone());
        tasks.push(tokio::spawn(async move {
            if i % 3 == 0 {
                numbers::expire(store.as_ref(), clock.now()).await.unwrap();
            }
            numbers::acquire(
                store.as_ref(),
                &clock,
                &tenant,
                &pool,
                visit(&format!("new{i}")),
            )
            .await
            .unwrap()
        }));
    }
    let mut leased = vec![];
    let mut overflow = 0;
    for t in tasks {
        let got = t.await.unwrap();
        match got.lease {
            Some(l) => leased.push(l.number),
            None => overflow += 1,
        }
    }
    leased.sort();
    let before = leased.len();
    leased.dedup();
    assert_eq!((before, leased.len(), overflow), (5, 5, 5));
}

/// Intents count while the lease is live and for the pool's grace after it ended, and at most
/// `MAX_INTENTS_PER_LEASE` of them: more would only let a script pile evidence on one number.
#[tokio::test]
async fn intents_are_taken_within_the_grace_and_a_few_per_lease() {
    let (store, clock, tenant, pool) = setup(2, |p| {
        p.lease_minutes = 10;
        p.grace_minutes = 30;
    })
    .await;
    let lease = numbers::acquire(&store, &clock, &tenant, &pool, visit("v1"))
        .await
        .unwrap()
        .lease
        .unwrap();
    for _ in 0..numbers::MAX_INTENTS_PER_LEASE {
        numbers::intent(&store, &clock, &lease.id, IntentKind::Tap)
            .await
            .unwrap();
    }
    assert!(matches!(
        numbers::intent(&store, &clock, &lease.id, IntentKind::Copy).await,
        Err(LeaseError::TooManyIntents)
    ));
    let other = numbers::acquire(&store, &clock, &tenant, &pool, visit("v2"))
        .await
        .unwrap()
        .lease
        .unwrap();
    // The lease ended at +10 min; its grace runs to +40 min.
    clock.advance(Duration::minutes(39));
    numbers::intent(&store, &clock, &other.id, IntentKind::Click)
        .await
        .unwrap();
    clock.advance(Duration::minutes(2));
    assert!(matches!(
        numbers::intent(&store, &clock, &other.id, IntentKind::Tap).await,
        Err(LeaseError::Ended)
    ));
}

/// "Exhausted" means a visitor had to share a number whose other page is still open. Reusing a
/// free number before its cool-down (nothing free has rested) is an early reuse only, so the
/// report's "pool too small" warning does not fire while attribution is unaffected.
#[tokio::test]
async fn reusing_a_free_number_early_is_not_counted_as_exhaustion() {
    // Hard cool-down with sharing: an unrested free number goes through the exhaustion path.
    let (store, clock, tenant, pool) = setup(1, |p| {
        p.lease_minutes = 10;
        p.cooldown_minutes = 30;
        p.selection = Selection::LruHardCooldown;
        p.exhaustion = ExhaustionPolicy::ShareOldest;
    })
    .await;
    numbers::acquire(&store, &clock, &tenant, &pool, visit("v1"))
        .await
        .unwrap();
    clock.advance(Duration::minutes(15)); // v1's lease ended, its number has not rested
    let b = numbers::acquire(&store, &clock, &tenant, &pool, visit("v2"))
        .await
        .unwrap();
    assert_eq!(b.outcome, AcquireOutcome::EarlyReuse);
    let c = numbers::acquire(&store, &clock, &tenant, &pool, visit("v3"))
        .await
        .unwrap();
    assert_eq!(c.outcome, AcquireOutcome::Shared, "v2's lease is live");
    let health = store
        .pool_health(&tenant.id, &pool.id, t0(), t0() + Duration::hours(1))
        .await
        .unwrap();
    let total = health.iter().fold((0, 0), |(e, r), (_, h)| {
        (e + h.exhaustions, r + h.early_reuses)
    });
    assert_eq!(total, (1, 2), "one real exhaustion (v3), two early reuses");
}

/// A lease outlives its page: sharing a number whose visitor stopped heartbeating minutes ago
/// takes nothing from an open page, so it is an early reuse, not an exhaustion; sharing one
/// whose page still beats is.
#[tokio::test]
async fn sharing_a_number_whose_page_has_closed_is_not_an_exhaustion() {
    let (store, clock, tenant, pool) = setup(1, |p| p.lease_minutes = 15).await;
    numbers::acquire(&store, &clock, &tenant, &pool, visit("v1"))
        .await
        .unwrap();
    clock.advance(Duration::minutes(5)); // v1 left without a heartbeat; its lease runs to +15
    let b = numbers::acquire(&store, &clock, &tenant, &pool, visit("v2"))
        .await
        .unwrap();
    assert_eq!(b.outcome, AcquireOutcome::Shared);
    clock.advance(Duration::minutes(1)); // v2's page was seen a minute ago
    let c = numbers::acquire(&store, &clock, &tenant, &pool, visit("v3"))
        .await
        .unwrap();
    assert_eq!(c.outcome, AcquireOutcome::Shared);
    let health = store
        .pool_health(&tenant.id, &pool.id, t0(), t0() + Duration::hours(1))
        .await
        .unwrap();
    let total = health.iter().fold((0, 0), |(e, r), (_, h)| {
        (e + h.exhaustions, r + h.early_reuses)
    });
    assert_eq!(total, (1, 2), "only v3 took a number from an open page");
}

/// With every number shared by `max_sharing` live leases, the next visitor gets the default
/// number (or, without one, no number: the page keeps its own), counted as an exhaustion; a
/// number whose sharers have expired takes sharers again.
#[tokio::test]
async fn a_number_carries_at_most_max_sharing_live_leases() {
    let (store, clock, tenant, pool) = setup(1, |p| p.max_sharing = 2).await;
    let mut outcomes = vec![];
    for v in ["v1", "v2", "v3"] {
        let got = numbers::acquire(&store, &clock, &tenant, &pool, visit(v))
            .await
            .unwrap();
        outcomes.push((got.outcome, got.number));
        clock.advance(Duration::seconds(10));
    }
    assert_eq!(
        outcomes,
        vec![
            (AcquireOutcome::Fresh, num(0)),
            (AcquireOutcome::Shared, num(0)),
            (AcquireOutcome::Overflow, num(99)),
        ]
    );
    let bare = PoolSettings {
        default_number: None,
        ..pool.clone()
    };
    let e = numbers::acquire(&store, &clock, &tenant, &bare, visit("v4"))
        .await
        .unwrap_err();
    assert!(matches!(e, numbers::AcquireError::AllShared(_)), "{e}");
    let day = tenant.day_of(t0());
    let visits: i64 = store
        .rollups_between(&tenant.id, Dimension::Channel, day, day)
        .await
        .unwrap()
        .iter()
        .map(|r| r.counters.visits)
        .sum();
    assert_eq!(visits, 4, "every visit is counted, whatever number it saw");
    clock.advance(Duration::minutes(i64::from(pool.lease_minutes) + 1));
    let later = numbers::acquire(&store, &clock, &tenant, &pool, visit("v5"))
        .await
        .unwrap();
    assert_eq!(later.number, num(0));
}

/// A visitor who gets no lease holds nothing the pool can find again, so a resent request
/// (its answer lost) or the next page of the same visit must not count another visit: found in
/// a load run killed mid-load, where 3,000 visitors counted 3,001 visits.
#[tokio::test]
async fn a_visitor_without_a_lease_is_one_visit_however_often_it_asks() {
    let (store, clock, tenant, pool) = setup(1, |p| {
        p.max_sharing = 1;
        p.default_number = None;
    })
    .await;
    let visits = || async {
        let day = tenant.day_of(t0());
        store
            .rollups_between(&tenant.id, Dimension::Channel, day, day)
            .await
            .unwrap()
            .iter()
            .map(|r| r.counters.visits)
            .sum::<i64>()
    };
    // The late visitor asks just before a window of the lease length ends, so its resends
    // fall into the next window.
    let length = Duration::minutes(i64::from(pool.lease_minutes));
    let now = clock.now().timestamp_millis();
    let to_edge = length.num_milliseconds() - now.rem_euclid(length.num_milliseconds());
    clock.advance(Duration::milliseconds(to_edge) - Duration::minutes(1));
    numbers::acquire(&store, &clock, &tenant, &pool, visit("holder"))
        .await
        .unwrap();
    clock.advance(Duration::seconds(59));
    for _ in 0..3 {
        let e = numbers::acquire(&store, &clock, &tenant, &pool, visit("late"))
            .await
            .unwrap_err();
        assert!(matches!(e, numbers::AcquireError::AllShared(_)), "{e}");
        clock.advance(Duration::seconds(1));
    }
    assert_eq!(
        visits().await,
        2,
        "the holder's visit and one for the late visitor"
    );
    // Another visitor is another visit; the late one, a lease length later, a new one.
    numbers::acquire(&store, &clock, &tenant, &pool, visit("other"))
        .await
        .unwrap_err();
    clock.advance(length + Duration::minutes(3));
    let _ = numbers::acquire(&store, &clock, &tenant, &pool, visit("late")).await;
    assert_eq!(visits().await, 4);
}
