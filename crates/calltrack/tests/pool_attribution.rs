//! Crediting calls: every case of `attribution::attribute_call` (static, pooled, a pool's default
//! number, untracked and foreign numbers, first touch), and for pooled numbers the candidates,
//! the weight of evidence and the edges of the grace window. Pure except the cases at the end,
//! which go through the store as ingest does.

use calltrack::attribution::{attribute_call, attribute_new_call, AttributionRules};
use calltrack::model::*;
use calltrack::numbers::{self, Dialled};
use calltrack::ports::*;
use calltrack_embedded::SqliteStore;
use chrono::{DateTime, Duration, TimeZone, Utc};

fn t0() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2024, 3, 1, 12, 0, 0).unwrap()
}

fn at(min: i64) -> DateTime<Utc> {
    t0() + Duration::minutes(min)
}

fn pool() -> PoolSettings {
    let mut p = PoolSettings::new(
        TenantId::parse("acme").unwrap(),
        PoolId::parse("web").unwrap(),
    );
    p.lease_minutes = 15;
    p.grace_minutes = 30;
    p
}

/// A lease of the shared number from `start` to `end` minutes, last seen at `seen`.
fn lease(visitor: &str, start: i64, seen: i64, end: i64) -> Lease {
    Lease {
        id: LeaseId::parse(&format!("l_{visitor}")).unwrap(),
        tenant: TenantId::parse("acme").unwrap(),
        pool: PoolId::parse("web").unwrap(),
        number: PhoneNumber::parse("+14158675300", None).unwrap(),
        visit: Visit {
            visitor_id: visitor.into(),
            utm_source: Some(format!("src-{visitor}")),
            utm_medium: Some("cpc".into()),
            utm_campaign: Some(format!("camp-{visitor}")),
            ..Visit::default()
        },
        started_at: at(start),
        last_seen_at: at(seen),
        expires_at: at(end),
        ended_at: None,
        intents: vec![],
        reused_early: false,
    }
}

fn shared_number() -> PhoneNumber {
    PhoneNumber::parse("+14158675300", None).unwrap()
}

/// The shared number as the directory answers for it: a member of `pool()`.
fn pooled(pool: &PoolSettings) -> Dialled {
    Dialled::Pooled {
        number: TrackingNumber {
            number: shared_number(),
            tenant: pool.tenant.clone(),
            kind: NumberKind::Pool {
                pool: pool.id.clone(),
            },
            forward_to: None,
        },
        pool: pool.clone(),
    }
}

/// A call at `call_at` to the pooled shared number, with no caller history.
fn attribute_from(leases: &[Lease], call_at: DateTime<Utc>, pool: &PoolSettings) -> Attribution {
    attribute_call(&pooled(pool), call_at, leases, &[])
}

fn who(a: &Attribution) -> Option<&str> {
    a.visit.as_ref().map(|v| v.visitor_id.as_str())
}

#[test]
fn no_candidate_means_unattributed() {
    let a = attribute_from(&[], at(0), &pool());
    assert_eq!(a.method, AttributionMethod::Unattributed);
    assert_eq!(a.confidence, 0.0);
}

#[test]
fn a_call_at_the_exact_expiry_goes_to_the_lease_that_just_ended() {
    let l = lease("a", 0, 5, 20);
    let a = attribute_from(&[l], at(20), &pool());
    assert_eq!(a.method, AttributionMethod::Lease);
    assert_eq!(who(&a), Some("a"));
    assert_eq!(a.channel, "src-a/cpc");
    assert_eq!(a.campaign.as_deref(), Some("camp-a"));
    assert_eq!(a.lease_id.as_ref().map(|l| l.as_str()), Some("l_a"));
}

#[test]
fn a_call_inside_the_grace_window_is_credited_and_after_it_is_not() {
    let l = lease("a", 0, 5, 20);
    let inside = attribute_from(std::slice::from_ref(&l), at(49), &pool());
    assert_eq!(who(&inside), Some("a"));
    let edge = attribute_from(std::slice::from_ref(&l), at(50), &pool());
    assert_eq!(
        who(&edge),
        Some("a"),
        "the grace window includes its last instant"
    );
    let after = attribute_from(&[l], at(50) + Duration::seconds(1), &pool());
    assert_eq!(after.method, AttributionMethod::Unattributed);
}

#[test]
fn a_lease_that_had_not_started_is_no_candidate() {
    let l = lease("a", 10, 10, 25);
    assert_eq!(
        attribute_from(&[l], at(9), &pool()).method,
        AttributionMethod::Unattributed
    );
}

#[test]
fn after_reuse_without_intent_the_open_page_wins() {
    // a left at 5 (lease ended 20); b took the number at 22 and is on the page when the call comes.
    let first = lease("a", 0, 5, 20);
    let second = lease("b", 22, 30, 45);
    let a = attribute_from(&[first, second], at(30), &pool());
    assert_eq!(who(&a), Some("b"));
    assert_eq!(a.method, AttributionMethod::Lease);
    assert_eq!(a.runners_up.len(), 1);
    assert_eq!(a.runners_up[0].visitor_id, "a");
    assert!(a.runners_up[0].likelihood < a.confidence);
}

#[test]
fn after_reuse_a_recent_intent_from_the_first_visitor_wins() {
    // a copied the number at 4, left at 5; b holds it now; a calls at 12 while b is on the page.
    let mut first = lease("a", 0, 5, 20);
    first.intents.push(Intent {
        kind: IntentKind::Copy,
        at: at(4),
    });
    let second = lease("b", 10, 12, 27);
    let a = attribute_from(&[first, second], at(12), &pool());
    assert_eq!(who(&a), Some("a"));
    assert!(a.confidence > 0.8, "{}", a.confidence);
}

#[test]
fn a_tap_just_before_the_call_is_near_certain() {
    let mut l = lease("a", 0, 3, 18);
    l.intents.push(Intent {
        kind: IntentKind::Tap,
        at: at(3) - Duration::seconds(10),
    });
    let a = attribute_from(&[l], at(3), &pool());
    assert!(a.confidence >= 0.95, "{}", a.confidence);
}

#[test]
fn an_open_page_beats_a_closed_one() {
    let closed = lease("a", 0, 2, 25);
    let open = lease("b", 1, 9, 25);
    let a = attribute_from(&[closed, open], at(10), &pool());
    assert_eq!(who(&a), Some("b"));
}

#[test]
fn two_open_pages_on_a_shared_number_are_ambiguous() {
    let a1 = lease("a", 0, 9, 25);
    let b1 = lease("b", 2, 9, 25);
    let a = attribute_from(&[a1, b1], at(10), &pool());
    assert_eq!(a.method, AttributionMethod::Ambiguous);
    assert_eq!(
        who(&a),
        Some("b"),
        "on a tie, the lease that holds the number"
    );
    assert_eq!(a.runners_up.len(), 1);
    assert!(a.confidence < 0.5);
}

#[test]
fn without_evidence_the_holder_wins_even_against_a_recent_intent() {
    let mut first = lease("a", 0, 5, 20);
    first.intents.push(Intent {
        kind: IntentKind::Copy,
        at: at(4),
    });
    let second = lease("b", 10, 12, 27);
    let a = AttributionRules::lease_only().attribute_call(
        &pooled(&pool()),
        at(12),
        &[first, second],
        &[],
    );
    assert_eq!(who(&a), Some("b"));
}

#[tokio::test]
async fn attribute_reads_the_numbers_leases_from_the_store() {
    let store = SqliteStore::in_memory().unwrap();
    let clock = ManualClock::new(t0());
    let tenant = Tenant::new(TenantId::parse("acme").unwrap(), "Acme");
    store.put_tenant(&tenant).await.unwrap();
    let p = pool();
    store.put_pool(&p).await.unwrap();
    let number = PhoneNumber::parse("+14158675300", None).unwrap();
    let n = TrackingNumber {
        number: number.clone(),
        tenant: tenant.id.clone(),
        kind: NumberKind::Pool { pool: p.id.clone() },
        forward_to: None,
    };
    store.put_number(&n).await.unwrap();
    let v = Visit {
        visitor_id: "v1".into(),
        gclid: Some("abc".into()),
        ..Visit::default()
    };
    let lease = numbers::acquire(&store, &clock, &tenant, &p, v)
        .await
        .unwrap()
        .lease
        .unwrap();
    let a = attribute_stored(&store, &tenant, &number, at(20)).await;
    assert_eq!(a.lease_id, Some(lease.id));
    assert_eq!(a.channel, "google/cpc");
    let late = attribute_stored(&store, &tenant, &number, at(15 + 31)).await;
    assert_eq!(late.method, AttributionMethod::Unattributed);
}

/// A new inbound call to `number` at `call_at` from an unknown caller, attributed as ingest does.
async fn attribute_stored(
    store: &SqliteStore,
    tenant: &Tenant,
    number: &PhoneNumber,
    call_at: DateTime<Utc>,
) -> Attribution {
    let call = Call {
        tracking_number: Some(number.clone()),
        ..Call::new(
            &tenant.id,
            Provider::Generic,
            "c1",
            Direction::Inbound,
            call_at,
        )
    };
    attribute_new_call(store, tenant, &call).await.unwrap().0
}

#[test]
fn a_static_number_is_its_source_with_certainty() {
    let billboard = Dialled::Static(TrackingNumber {
        number: shared_number(),
        tenant: TenantId::parse("acme").unwrap(),
        kind: NumberKind::Static {
            source: "billboard".into(),
            medium: None,
            campaign: Some("spring".into()),
        },
        forward_to: None,
    });
    let a = attribute_call(&billboard, at(0), &[], &[]);
    assert_eq!(a.method, AttributionMethod::Static);
    assert_eq!(a.channel, "billboard");
    assert_eq!(a.campaign.as_deref(), Some("spring"));
    assert_eq!(a.confidence, 1.0);
}

#[test]
fn an_untracked_number_is_unattributed() {
    let a = attribute_call(&Dialled::Untracked, at(0), &[lease("a", 0, 0, 15)], &[]);
    assert_eq!(a.method, AttributionMethod::Unattributed);
    assert_eq!(a.channel, "(unattributed)");
}

#[test]
fn first_touch_is_the_callers_first_inbound_channel_when_it_differs() {
    let earlier = Call {
        attribution: Attribution {
            channel: "radio".into(),
            ..Attribution::unattributed()
        },
        ..Call::new(
            &TenantId::parse("acme").unwrap(),
            Provider::Generic,
            "c0",
            Direction::Inbound,
            at(-600),
        )
    };
    let a = attribute_from(&[lease("a", 0, 0, 15)], at(5), &pool());
    assert_eq!(a.first_touch_channel, None, "no history, no first touch");
    let again = attribute_call(
        &pooled(&pool()),
        at(5),
        &[lease("a", 0, 0, 15)],
        std::slice::from_ref(&earlier),
    );
    assert_eq!(again.channel, "src-a/cpc");
    assert_eq!(again.first_touch_channel.as_deref(), Some("radio"));
}

#[tokio::test]
async fn a_call_to_the_pools_default_number_is_pool_overflow() {
    let store = SqliteStore::in_memory().unwrap();
    let tenant = Tenant::new(TenantId::parse("acme").unwrap(), "Acme");
    store.put_tenant(&tenant).await.unwrap();
    let mut p = pool();
    let default = PhoneNumber::parse("+14158675399", None).unwrap();
    p.default_number = Some(default.clone());
    store.put_pool(&p).await.unwrap();
    let line = PhoneNumber::parse("+14155550123", None).unwrap();
    store
        .put_number(&TrackingNumber {
            number: shared_number(),
            tenant: tenant.id.clone(),
            kind: NumberKind::Pool { pool: p.id.clone() },
            forward_to: Some(line.clone()),
        })
        .await
        .unwrap();
    let a = attribute_stored(&store, &tenant, &default, at(3)).await;
    assert_eq!(a.method, AttributionMethod::PoolOverflow);
    assert_eq!(a.channel, "(pool overflow)");
    // It rings where the pool's numbers ring.
    let dialled = numbers::look_up(&store, &tenant, &default).await.unwrap();
    assert_eq!(dialled.forward_to(), Some(&line));
}

#[tokio::test]
async fn another_tenants_number_is_unattributed() {
    let store = SqliteStore::in_memory().unwrap();
    let ours = Tenant::new(TenantId::parse("acme").unwrap(), "Acme");
    let theirs = Tenant::new(TenantId::parse("other").unwrap(), "Other");
    for t in [&ours, &theirs] {
        store.put_tenant(t).await.unwrap();
    }
    store
        .put_number(&TrackingNumber {
            number: shared_number(),
            tenant: theirs.id.clone(),
            kind: NumberKind::Static {
                source: "billboard".into(),
                medium: None,
                campaign: None,
            },
            forward_to: None,
        })
        .await
        .unwrap();
    let a = attribute_stored(&store, &ours, &shared_number(), at(0)).await;
    assert_eq!(a.method, AttributionMethod::Unattributed);
}
