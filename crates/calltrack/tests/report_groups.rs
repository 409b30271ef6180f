//! Reports by a dimension over history counted before dimensions existed: the missing part is a
//! `(not recorded)` group, said so in the notes, never a silent zero; a change to such a call
//! counts it in full.

use calltrack::model::*;
use calltrack::ports::*;
use calltrack::roi::{aggregate_by, NOT_RECORDED};
use calltrack::rollups::{call_contribution, diff};
use calltrack_embedded::SqliteStore;
use chrono::{DateTime, Utc};

fn t(s: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
}

async fn commit(store: &SqliteStore, tenant: &Tenant, was: Option<&Call>, now: &Call) {
    let commit = Commit {
        tenant: Some(tenant.id.clone()),
        rollups: diff(
            was.map(|c| call_contribution(tenant, c))
                .unwrap_or_default(),
            call_contribution(tenant, now),
        ),
        calls: vec![CallWrite::new(now.clone(), was.map(|c| c.version))],
        ..Commit::default()
    };
    assert_eq!(
        store.commit(&commit).await.unwrap(),
        CommitOutcome::Committed
    );
}

#[tokio::test]
async fn history_before_dimensions_is_a_not_recorded_group_until_the_call_changes() {
    let store = SqliteStore::in_memory().unwrap();
    let tenant = Tenant::new(TenantId::parse("acme").unwrap(), "Acme");
    store.put_tenant(&tenant).await.unwrap();
    let at = t("2026-03-02T10:00:00Z");
    let mut attribution = Attribution::unattributed();
    attribution.channel = "google/cpc".into();
    attribution.campaign = Some("brand".into());
    let old = Call {
        outcome: Outcome::Missed,
        attribution,
        grouped: false,
        ..Call::new(
            &tenant.id,
            Provider::Generic,
            "old-1",
            Direction::Inbound,
            at,
        )
    };
    let fresh = Call {
        grouped: true,
        ..Call::new(
            &tenant.id,
            Provider::Generic,
            "new-1",
            Direction::Inbound,
            at,
        )
    };
    commit(&store, &tenant, None, &old).await;
    commit(&store, &tenant, None, &fresh).await;
    let day = at.date_naive();
    let now = t("2026-03-10T00:00:00Z");
    let by = aggregate_by(&store, &tenant, Dimension::Campaign, day, day, now)
        .await
        .unwrap();
    let group = |roi: &calltrack::roi::Roi, g: &str| {
        roi.channels
            .iter()
            .find(|c| c.channel == g)
            .map(|c| c.counters.calls)
    };
    assert_eq!(group(&by, NOT_RECORDED), Some(1));
    assert_eq!(
        group(&by, Groups::NONE),
        Some(1),
        "the new call, without a campaign"
    );
    assert_eq!(by.totals.counters.calls, 2);
    assert_eq!(
        by.totals.lost, 1,
        "the old missed call is lost in the totals too"
    );
    assert!(by
        .notes
        .iter()
        .any(|n| n.contains("before reports by campaign existed")));

    // The old call is returned: its new version is counted under every dimension.
    let stored = store.get_call(&tenant.id, &old.id).await.unwrap().unwrap();
    let returned = Call {
        returned_at: Some(at + chrono::Duration::minutes(5)),
        grouped: true,
        ..stored.clone()
    };
    commit(&store, &tenant, Some(&stored), &returned).await;
    let by = aggregate_by(&store, &tenant, Dimension::Campaign, day, day, now)
        .await
        .unwrap();
    assert_eq!(group(&by, NOT_RECORDED), None);
    assert_eq!(group(&by, "brand"), Some(1));
    assert!(by.notes.iter().all(|n| !n.contains("before reports")));
    let brand = by.channels.iter().find(|c| c.channel == "brand").unwrap();
    assert_eq!((brand.counters.missed, brand.counters.returned), (1, 1));
}

#[tokio::test]
async fn calls_analysed_before_the_problem_index_are_indexed_by_migrate_once() {
    let store = SqliteStore::in_memory().unwrap();
    let tenant = Tenant::new(TenantId::parse("acme").unwrap(), "Acme");
    store.put_tenant(&tenant).await.unwrap();
    let at = t("2026-03-02T10:00:00Z");
    let analysed = Call {
        outcome: Outcome::Answered,
        analysis: Some(
            serde_json::json!({"reasons": [{"points": 12.0, "message": "no greeting"}]}),
        ),
        quality_score: Some(40),
        rollup_day: Some(at.date_naive()),
        ..Call::new(
            &tenant.id,
            Provider::Generic,
            "old-2",
            Direction::Inbound,
            at,
        )
    };
    commit(&store, &tenant, None, &analysed).await;
    let day = at.date_naive();
    assert!(
        store
            .problems_between(&tenant.id, day, day, 10)
            .await
            .unwrap()
            .is_empty(),
        "written before the index existed"
    );
    assert_eq!(
        calltrack::report::index_problems(&store, &tenant)
            .await
            .unwrap(),
        1
    );
    calltrack::report::index_problems(&store, &tenant)
        .await
        .unwrap();
    let entries = store
        .problems_between(&tenant.id, day, day, 10)
        .await
        .unwrap();
    assert_eq!(entries.len(), 1, "indexing again changes nothing");
    assert_eq!(entries[0].reasons, vec!["no greeting".to_string()]);
    assert_eq!(entries[0].score, Some(40));
}

#[tokio::test]
async fn calls_counted_in_part_are_counted_in_full_by_migrate_once() {
    let store = SqliteStore::in_memory().unwrap();
    let tenant = Tenant::new(TenantId::parse("acme").unwrap(), "Acme");
    store.put_tenant(&tenant).await.unwrap();
    let at = t("2026-03-02T10:00:00Z");
    let mut attribution = Attribution::unattributed();
    attribution.channel = "google/cpc".into();
    attribution.campaign = Some("brand".into());
    let caller = |n: u32| Some(PhoneNumber::parse(&format!("+1415867{n:04}"), None).unwrap());
    // Stored by earlier versions: one before dimensions, one before the sketches (a missed call
    // returned by vera after 7 minutes), and one counted in full already.
    let before_dimensions = Call {
        outcome: Outcome::Answered,
        caller: caller(1),
        attribution: attribution.clone(),
        ..Call::new(&tenant.id, Provider::Generic, "a", Direction::Inbound, at)
    };
    let before_sketches = Call {
        outcome: Outcome::Missed,
        caller: caller(2),
        attribution: attribution.clone(),
        ended_at: Some(at),
        returned_at: Some(at + chrono::Duration::minutes(7)),
        returned_by_agent: Some("vera".into()),
        grouped: true,
        ..Call::new(&tenant.id, Provider::Generic, "b", Direction::Inbound, at)
    };
    let full = Call {
        outcome: Outcome::Answered,
        caller: caller(1),
        attribution,
        grouped: true,
        sketched: true,
        ..Call::new(&tenant.id, Provider::Generic, "c", Direction::Inbound, at)
    };
    for c in [&before_dimensions, &before_sketches, &full] {
        commit(&store, &tenant, None, c).await;
    }
    let day = at.date_naive();
    let now = t("2026-03-10T00:00:00Z");
    let before = aggregate_by(&store, &tenant, Dimension::Campaign, day, day, now)
        .await
        .unwrap();
    assert!(before.channels.iter().any(|c| c.channel == NOT_RECORDED));
    assert!(
        before
            .notes
            .iter()
            .any(|n| n.contains("2 calls were counted before unique callers")),
        "{:?}",
        before.notes
    );

    assert_eq!(
        calltrack::calls::count_in_full(&store, &tenant)
            .await
            .unwrap(),
        2
    );
    let after = aggregate_by(&store, &tenant, Dimension::Campaign, day, day, now)
        .await
        .unwrap();
    assert_eq!(after.channels.len(), 1, "{:?}", after.channels);
    let brand = &after.channels[0];
    assert_eq!(brand.channel, "brand");
    assert_eq!(
        (brand.counters.calls, brand.counters.sketched),
        (3, 3),
        "every call is in its campaign and its sketches now"
    );
    assert_eq!(after.totals.counters.calls, before.totals.counters.calls);
    assert_eq!(calltrack::sketch::unique_callers(&brand.cells), Some(2));
    assert_eq!(
        calltrack::sketch::median_return_minutes(&brand.cells),
        Some(7.5)
    );
    assert!(after.notes.iter().all(|n| !n.contains("counted before")));
    let by_manager = aggregate_by(&store, &tenant, Dimension::Manager, day, day, now)
        .await
        .unwrap();
    let vera = by_manager
        .channels
        .iter()
        .find(|c| c.channel == "vera")
        .unwrap();
    assert_eq!(vera.counters.returned, 1);
    assert_eq!(
        calltrack::calls::count_in_full(&store, &tenant)
            .await
            .unwrap(),
        0,
        "idempotent"
    );
}
