//! Crediting calls on pooled numbers: the candidates, the weight of evidence, and the edges of
//! the grace window. Pure (`attribute_from`) except the last case, which goes through the store.

use calltrack::model::*;
use calltrack::numbers::{self, attribute_from, AttributionRules};
use calltrack::ports::{ManualClock, Store};
use calltrack_embedded::SqliteStore;
use chrono::{DateTime, Duration, TimeZone, Utc};

fn t0() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2024, 3, 1, 12, 0, 0).unwrap()
}

fn at(min: i64) -> DateTime<Utc> {
    t0() + Duration::minutes(min)
}

fn pool() -> Pool {
    let mut p = Pool::new(
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
    let a = AttributionRules::lease_only().attribute(&[first, second], at(12), &pool());
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
    let a = numbers::attribute(&store, &tenant.id, &p, &number, at(20))
        .await
        .unwrap();
    assert_eq!(a.lease_id, Some(lease.id));
    assert_eq!(a.channel, "google/cpc");
    let late = numbers::attribute(&store, &tenant.id, &p, &number, at(15 + 31))
        .await
        .unwrap();
    assert_eq!(late.method, AttributionMethod::Unattributed);
    assert_eq!(numbers::overflow().method, AttributionMethod::PoolOverflow);
}
