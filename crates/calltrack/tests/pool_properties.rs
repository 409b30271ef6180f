//! Property tests of the pool's invariants over random sequences of acquires, heartbeats,
//! clock moves and expiry runs, for every selection and exhaustion policy.

use std::collections::HashMap;

use calltrack::model::*;
use calltrack::numbers::{self, AcquireOutcome, Pool as Pools};
use calltrack::ports::*;
use calltrack_embedded::SqliteStore;
use chrono::{DateTime, Duration, TimeZone, Utc};
use proptest::prelude::*;

#[derive(Debug, Clone)]
enum Op {
    Acquire(u8),
    Renew(u8),
    Advance(u16),
    Expire,
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        4 => (0u8..8).prop_map(Op::Acquire),
        3 => (0u8..8).prop_map(Op::Renew),
        3 => (0u16..1200).prop_map(Op::Advance),
        1 => Just(Op::Expire),
    ]
}

fn selection() -> impl Strategy<Value = Selection> {
    prop_oneof![
        Just(Selection::Lru),
        Just(Selection::Random),
        Just(Selection::Mru),
        Just(Selection::LruHardCooldown)
    ]
}

fn exhaustion() -> impl Strategy<Value = ExhaustionPolicy> {
    prop_oneof![
        Just(ExhaustionPolicy::ShareOldest),
        Just(ExhaustionPolicy::DefaultNumber)
    ]
}

fn num(i: u32) -> PhoneNumber {
    PhoneNumber::parse(&format!("+1415867{:04}", 5300 + i), None).unwrap()
}

fn t0() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2024, 3, 1, 12, 0, 0).unwrap()
}

struct Case {
    numbers: u32,
    lease_minutes: u32,
    cooldown_minutes: u32,
    selection: Selection,
    exhaustion: ExhaustionPolicy,
    seed: u64,
    ops: Vec<Op>,
}

async fn run(case: Case) -> Result<(), TestCaseError> {
    let store = SqliteStore::in_memory().unwrap();
    let clock = ManualClock::new(t0());
    let tenant = Tenant::new(TenantId::parse("acme").unwrap(), "Acme");
    store.put_tenant(&tenant).await.unwrap();
    let mut pool = PoolSettings::new(tenant.id.clone(), PoolId::parse("web").unwrap());
    pool.lease_minutes = case.lease_minutes;
    pool.cooldown_minutes = case.cooldown_minutes;
    pool.selection = case.selection;
    pool.exhaustion = case.exhaustion;
    pool.default_number = Some(num(99));
    store.put_pool(&pool).await.unwrap();
    for i in 0..case.numbers {
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
    let pools = Pools::seeded(&store, &clock, case.seed);
    let mut leases: HashMap<u8, LeaseId> = HashMap::new();
    let mut issued: Vec<LeaseId> = vec![];
    let mut shared_once = false;
    let mut last_available: HashMap<PhoneNumber, DateTime<Utc>> = HashMap::new();

    for op in case.ops {
        let now = clock.now();
        match op {
            Op::Acquire(v) => {
                let slots = store.all_slots(&tenant.id, &pool.id).await.unwrap();
                let rested = now - Duration::minutes(i64::from(pool.cooldown_minutes));
                let free_before = slots.iter().any(|s| s.available_at <= now);
                let rested_before = slots.iter().any(|s| s.available_at <= rested.min(now));
                let held = match leases.get(&v) {
                    Some(id) => store
                        .get_lease(id)
                        .await
                        .unwrap()
                        .filter(|l| l.ended_at.is_none() && l.is_live(now)),
                    None => None,
                };
                let visit = Visit {
                    visitor_id: format!("v{v}"),
                    ..Visit::default()
                };
                let got = pools.acquire(&tenant, &pool, visit).await.unwrap();
                if let Some(h) = held {
                    prop_assert_eq!(got.outcome, AcquireOutcome::Existing);
                    prop_assert_eq!(
                        got.lease.as_ref().map(|l| &l.id),
                        Some(&h.id),
                        "same visitor, same lease"
                    );
                    continue;
                }
                match got.outcome {
                    AcquireOutcome::Existing => prop_assert!(false, "no live lease, yet Existing"),
                    AcquireOutcome::Shared => {
                        prop_assert!(!free_before, "shared a number while one was free")
                    }
                    AcquireOutcome::Overflow => {
                        if pool.selection == Selection::LruHardCooldown {
                            prop_assert!(
                                !rested_before,
                                "default number while a rested number was free"
                            );
                        } else {
                            prop_assert!(!free_before, "default number while a number was free");
                        }
                    }
                    AcquireOutcome::Fresh | AcquireOutcome::EarlyReuse => {
                        let lease = got.lease.as_ref().unwrap();
                        if !shared_once {
                            for id in &issued {
                                let other = store.get_lease(id).await.unwrap().unwrap();
                                prop_assert!(
                                    !(other.number == lease.number && other.is_live(now)),
                                    "two live leases on {} while no number had been shared",
                                    lease.number
                                );
                            }
                        }
                        if pool.selection == Selection::LruHardCooldown
                            && got.outcome == AcquireOutcome::Fresh
                        {
                            let slot = slots.iter().find(|s| s.number == lease.number).unwrap();
                            prop_assert!(
                                slot.available_at <= rested,
                                "hard cool-down reused a resting number"
                            );
                        }
                    }
                }
                shared_once |= got.outcome == AcquireOutcome::Shared;
                if let Some(l) = got.lease {
                    leases.insert(v, l.id.clone());
                    issued.push(l.id);
                }
            }
            Op::Renew(v) => {
                if let Some(id) = leases.get(&v) {
                    let _ = pools.renew(id).await;
                }
            }
            Op::Advance(secs) => clock.advance(Duration::seconds(i64::from(secs))),
            Op::Expire => {
                numbers::expire(&store, now).await.unwrap();
            }
        }
        for s in store.all_slots(&tenant.id, &pool.id).await.unwrap() {
            let prev = last_available.insert(s.number.clone(), s.available_at);
            prop_assert!(
                prev.is_none_or(|p| p <= s.available_at),
                "available_at of {} went back",
                s.number
            );
        }
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 96, ..ProptestConfig::default() })]

    #[test]
    fn pool_invariants_hold_under_any_sequence(
        numbers in 1u32..5,
        lease_minutes in 1u32..15,
        cooldown_minutes in 0u32..30,
        selection in selection(),
        exhaustion in exhaustion(),
        seed in any::<u64>(),
        ops in proptest::collection::vec(op(), 1..60),
    ) {
        let rt = tokio::runtime::Builder::new_current_thread().build().unwrap();
        rt.block_on(run(Case { numbers, lease_minutes, cooldown_minutes, selection, exhaustion, seed, ops }))?;
    }
}
