//! What only the DynamoDB adapter must show, beyond the conformance suite: the request budget,
//! write units, merged rollups in one transaction, and compare-and-swap under real concurrency.

use std::sync::Arc;

use calltrack::model::*;
use calltrack::numbers;
use calltrack::ports::*;
use calltrack_aws::DynamoStore;
use calltrack_integration::moto;
use chrono::{DateTime, Duration, NaiveDate, Utc};

fn t(s: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
}

fn day(s: &str) -> NaiveDate {
    s.parse().unwrap()
}

async fn tenant(store: &DynamoStore) -> Tenant {
    let mut tn = Tenant::new(TenantId::parse("acme").unwrap(), "Acme");
    tn.site_key = Some("site-acme".into());
    store.put_tenant(&tn).await.unwrap();
    tn
}

fn phone(i: u32) -> PhoneNumber {
    PhoneNumber::parse(&format!("+1415{:07}", 2_000_000 + i), None).unwrap()
}

async fn pool(store: &DynamoStore, tn: &Tenant, numbers: u32) -> PoolSettings {
    let pool = PoolSettings::new(tn.id.clone(), PoolId::parse("web").unwrap());
    store.put_pool(&pool).await.unwrap();
    for i in 0..numbers {
        let n = TrackingNumber {
            number: phone(i),
            tenant: tn.id.clone(),
            kind: NumberKind::Pool {
                pool: pool.id.clone(),
            },
            forward_to: None,
        };
        store.put_number(&n).await.unwrap();
    }
    pool
}

fn lease(
    tn: &Tenant,
    pool: &PoolSettings,
    slot: &PoolSlot,
    visitor: &str,
    at: DateTime<Utc>,
) -> Lease {
    Lease {
        id: LeaseId::random(),
        tenant: tn.id.clone(),
        pool: pool.id.clone(),
        number: slot.number.clone(),
        visit: Visit {
            visitor_id: visitor.into(),
            ..Default::default()
        },
        started_at: at,
        last_seen_at: at,
        expires_at: at + Duration::minutes(15),
        ended_at: None,
        intents: vec![],
        reused_early: false,
    }
}

/// A call built from JSON, so new optional fields on `Call` do not break this test.
fn call(tn: &Tenant, pcid: &str, at: DateTime<Utc>) -> Call {
    serde_json::from_value(serde_json::json!({
        "id": CallId::derive(&tn.id, Provider::Generic, pcid),
        "tenant": tn.id,
        "provider": "generic",
        "provider_call_id": pcid,
        "direction": "inbound",
        "caller": "+14155550199",
        "started_at": at,
        "outcome": "ringing",
        "attribution": Attribution::unattributed(),
        "first_time_caller": true,
        "transcription": {"state": "none"},
        "version": 0
    }))
    .expect("a call from JSON")
}

fn calls(d: &str, channel: &str, n: i64) -> RollupDelta {
    RollupDelta {
        day: day(d),
        dimension: Dimension::Channel,
        group: channel.into(),
        counters: Counters {
            calls: n,
            ..Default::default()
        },
        cells: Cells::default(),
    }
}

#[tokio::test]
async fn webhook_event_costs_one_transaction_and_its_write_units_are_counted() {
    let store = moto::dynamo_store().await;
    let tn = tenant(&store).await;
    let at = t("2025-03-01T10:00:00Z");
    let c = call(&tn, "CA1", at);
    let commit = Commit {
        tenant: Some(tn.id.clone()),
        event: Some(EventKey {
            tenant: tn.id.clone(),
            key: "generic:ev1".into(),
            expires_at: at + Duration::days(7),
        }),
        calls: vec![CallWrite::new(c.clone(), None)],
        deal: None,
        outbox: vec![],
        rollups: vec![calls("2025-03-01", "billboard", 1)],
        problems: vec![],
    };
    // The common case: read the call (1), commit (1).
    let before = store.request_count();
    assert!(store.get_call(&tn.id, &c.id).await.unwrap().is_none());
    assert_eq!(
        store.commit(&commit).await.unwrap(),
        CommitOutcome::Committed
    );
    assert_eq!(
        store.request_count() - before,
        2,
        "a webhook event is at most 2 requests"
    );

    let before = store.request_count();
    assert_eq!(
        store.commit(&commit).await.unwrap(),
        CommitOutcome::Duplicate
    );
    assert_eq!(
        store.request_count() - before,
        1,
        "a redelivery is one request"
    );
    let stored = store.get_call(&tn.id, &c.id).await.unwrap().unwrap();
    assert_eq!(stored.version, 1);

    // Write units as DynamoDB reports them (moto reports them for single-item writes only, an
    // empty list for transactions; AWS reports both).
    let units = store.write_units();
    assert!(store
        .claim_once(&tn.id, "report:2025-03", at + Duration::days(40))
        .await
        .unwrap());
    assert!(
        store.write_units() > units,
        "consumed write units are counted"
    );
}

#[tokio::test]
async fn deltas_for_one_rollup_row_merge_into_one_transaction_item() {
    let store = moto::dynamo_store().await;
    let tn = tenant(&store).await;
    let commit = Commit {
        tenant: Some(tn.id.clone()),
        rollups: vec![
            calls("2025-03-01", "google/cpc", 1),
            calls("2025-03-01", "billboard", 2),
            calls("2025-03-01", "google/cpc", 4),
            RollupDelta {
                day: day("2025-03-01"),
                dimension: Dimension::Channel,
                group: "google/cpc".into(),
                counters: Counters {
                    answered: 1,
                    talk_seconds: 42,
                    ..Default::default()
                },
                cells: Cells::default(),
            },
        ],
        ..Default::default()
    };
    assert_eq!(
        store.commit(&commit).await.unwrap(),
        CommitOutcome::Committed
    );
    let rows = store
        .rollups_between(
            &tn.id,
            Dimension::Channel,
            day("2025-03-01"),
            day("2025-03-01"),
        )
        .await
        .unwrap();
    let got: Vec<_> = rows
        .iter()
        .map(|r| {
            (
                r.group.as_str(),
                r.counters.calls,
                r.counters.answered,
                r.counters.talk_seconds,
            )
        })
        .collect();
    assert_eq!(got, vec![("billboard", 2, 0, 0), ("google/cpc", 5, 1, 42)]);
}

#[tokio::test]
async fn lease_operations_are_one_request_each() {
    let store = moto::dynamo_store().await;
    let tn = tenant(&store).await;
    let pool = pool(&store, &tn, 2).await;
    let now = t("2025-03-01T10:00:00Z");
    let count = |label: &str, want: u64, last: &mut u64| {
        let n = store.request_count();
        assert_eq!(n - *last, want, "{label}");
        *last = n;
    };
    let mut last = store.request_count();
    let site = store
        .tenant_by_site_key("site-acme")
        .await
        .unwrap()
        .unwrap();
    count("tenant by site key", 1, &mut last);
    assert_eq!(site.id, tn.id);
    let slot = numbers::free_at(&store.all_slots(&tn.id, &pool.id).await.unwrap(), now)
        .next()
        .cloned()
        .unwrap();
    count("free slots", 1, &mut last);
    let l = lease(&tn, &pool, &slot, "v1", now);
    assert!(store
        .take_slot(&TakeSlot {
            slot,
            lease: l.clone(),
            rollups: vec![],
            displaced_until: None,
        })
        .await
        .unwrap());
    count("take slot", 1, &mut last);
    let mut renewed = l.clone();
    renewed.expires_at = now + Duration::minutes(30);
    assert!(store
        .renew_lease(&renewed, now + Duration::minutes(1), true)
        .await
        .unwrap());
    count("renew", 1, &mut last);
    assert!(store
        .add_intent(
            &l.id,
            &Intent {
                kind: IntentKind::Tap,
                at: now
            },
            calltrack::numbers::MAX_INTENTS_PER_LEASE
        )
        .await
        .unwrap());
    count("intent", 1, &mut last);
    let got = store.get_lease(&l.id).await.unwrap().unwrap();
    count("get lease", 1, &mut last);
    assert_eq!(
        got.intents,
        vec![Intent {
            kind: IntentKind::Tap,
            at: now
        }]
    );
    assert_eq!(got.expires_at, renewed.expires_at);
}

/// Many visitors race for the one free number: exactly one lease wins each round. This is the
/// case AWS-LOCAL.md warns threaded moto can get wrong; the harness serves moto single-threaded.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_takes_of_one_slot_let_exactly_one_win() {
    let store = Arc::new(moto::dynamo_store().await);
    let tn = tenant(&store).await;
    let pool = pool(&store, &tn, 1).await;
    let mut now = t("2025-03-01T10:00:00Z");
    for round in 0..5 {
        let slot = numbers::free_at(&store.all_slots(&tn.id, &pool.id).await.unwrap(), now)
            .next()
            .cloned()
            .unwrap();
        let mut tasks = Vec::new();
        for v in 0..8 {
            let store = store.clone();
            let take = TakeSlot {
                slot: slot.clone(),
                lease: lease(&tn, &pool, &slot, &format!("v{round}-{v}"), now),
                rollups: vec![],
                displaced_until: None,
            };
            tasks.push(tokio::spawn(async move {
                (store.take_slot(&take).await.unwrap(), take.lease.id)
            }));
        }
        let mut winners = Vec::new();
        for task in tasks {
            let (won, id) = task.await.unwrap();
            if won {
                winners.push(id);
            }
        }
        assert_eq!(winners.len(), 1, "round {round}: exactly one take wins");
        let slots = store.all_slots(&tn.id, &pool.id).await.unwrap();
        assert_eq!(slots[0].lease_id.as_ref(), Some(&winners[0]));
        now += Duration::minutes(20);
    }
}

#[tokio::test]
async fn creating_the_table_again_is_harmless() {
    let store = moto::dynamo_store().await;
    store.create_table().await.unwrap();
    assert!(store.is_empty().await.unwrap());
    tenant(&store).await;
    assert!(!store.is_empty().await.unwrap());
}

#[tokio::test]
async fn a_missing_table_is_unavailable_not_a_domain_answer() {
    let store = DynamoStore::from_env(&moto::sdk_config().await, moto::unique("missing"));
    let err = store
        .get_tenant(&TenantId::parse("acme").unwrap())
        .await
        .unwrap_err();
    assert!(matches!(err, StoreError::Unavailable(_)), "{err:?}");
    let err = store
        .claim_once(&TenantId::parse("acme").unwrap(), "k", Utc::now())
        .await
        .unwrap_err();
    assert!(matches!(err, StoreError::Unavailable(_)), "{err:?}");
}

/// Provider secrets are sealed with the KMS key before they reach the table: no item (tenant or
/// its public site-key copy) holds them in the clear, a read opens them, and a store without a
/// key refuses to write them rather than store them plain.
#[tokio::test]
async fn tenant_secrets_are_sealed_with_kms_and_never_stored_in_the_clear() {
    let store = moto::dynamo_store().await;
    let mut tn = Tenant::new(TenantId::parse("sealed").unwrap(), "Sealed");
    tn.site_key = Some("site-sealed".into());
    tn.provider_secrets
        .insert("twilio".into(), "tw-s3cret-token".into());
    tn.api_key_hash = Some("hash-of-the-api-key".into());
    store.put_tenant(&tn).await.unwrap();
    let raw = aws_sdk_dynamodb::Client::new(&moto::sdk_config().await)
        .scan()
        .table_name(store.table())
        .send()
        .await
        .unwrap();
    let items = format!("{:?}", raw.items());
    assert!(items.contains("aes256gcm+kms"), "{items}");
    assert!(!items.contains("tw-s3cret-token"), "{items}");
    assert_eq!(
        items.matches("hash-of-the-api-key").count(),
        1,
        "the hash is on the tenant item only, not on its public copy"
    );
    assert_eq!(store.get_tenant(&tn.id).await.unwrap(), Some(tn.clone()));

    let plain = DynamoStore::from_env(&moto::sdk_config().await, store.table().to_string());
    let refused = plain.put_tenant(&tn).await.unwrap_err();
    assert!(refused.to_string().contains("SECRETS_KEY_ID"), "{refused}");
}

/// Retention on DynamoDB: a call item carries `ttl` = its start + the tenant's retention, so
/// DynamoDB deletes it.
#[tokio::test]
async fn call_and_lease_items_carry_the_retention_ttl() {
    let store = moto::dynamo_store().await;
    let mut tn = tenant(&store).await;
    tn.retention_days = 30;
    let at = t("2026-05-01T10:00:00Z");
    let c = Call {
        retain_until: tn.retain_until(at),
        ..Call::new(&tn.id, Provider::Generic, "ret-1", Direction::Inbound, at)
    };
    let commit = Commit {
        calls: vec![CallWrite::new(c.clone(), None)],
        ..Commit::default()
    };
    assert_eq!(
        store.commit(&commit).await.unwrap(),
        CommitOutcome::Committed
    );
    let raw = aws_sdk_dynamodb::Client::new(&moto::sdk_config().await)
        .get_item()
        .table_name(store.table())
        .key(
            "pk",
            aws_sdk_dynamodb::types::AttributeValue::S(format!("T#{}", tn.id)),
        )
        .key(
            "sk",
            aws_sdk_dynamodb::types::AttributeValue::S(format!("CALL#{}", c.id)),
        )
        .send()
        .await
        .unwrap();
    let ttl = raw.item().unwrap()["ttl"]
        .as_n()
        .unwrap()
        .parse::<i64>()
        .unwrap();
    assert_eq!(ttl, (at + Duration::days(30)).timestamp());

    // A lease is kept 90 days after it started, whatever the tenant's call retention.
    let pool = pool(&store, &tn, 1).await;
    let clock = ManualClock::new(at);
    let leased = numbers::Pool::new(&store, &clock)
        .acquire(
            &tn,
            &pool,
            Visit {
                visitor_id: "ret-visitor".into(),
                ..Default::default()
            },
        )
        .await
        .unwrap()
        .lease
        .expect("a lease");
    let raw = aws_sdk_dynamodb::Client::new(&moto::sdk_config().await)
        .get_item()
        .table_name(store.table())
        .key(
            "pk",
            aws_sdk_dynamodb::types::AttributeValue::S(format!("LEASE#{}", leased.id)),
        )
        .key(
            "sk",
            aws_sdk_dynamodb::types::AttributeValue::S("LEASE".into()),
        )
        .send()
        .await
        .unwrap();
    let ttl = raw.item().expect("the lease item")["ttl"]
        .as_n()
        .unwrap()
        .parse::<i64>()
        .unwrap();
    assert_eq!(ttl, (at + numbers::LEASE_RETENTION).timestamp());
}

/// Commits `n` analysed, grouped calls spread over March 2025 (one per commit, as ingest does).
async fn month_of_calls(store: &DynamoStore, tn: &Tenant, first: u32, n: u32) {
    for i in first..first + n {
        let at = t("2025-03-01T08:00:00Z") + Duration::hours(i64::from(i) * 7 % (30 * 24));
        let mut c = call(tn, &format!("month-{i}"), at);
        c.outcome = Outcome::Answered;
        c.grouped = true;
        c.sketched = true;
        c.caller = PhoneNumber::parse(&format!("+1415666{:04}", i % 50), None).ok();
        c.attribution.channel = format!("ch{}", i % 4);
        c.attribution.campaign = Some(format!("camp{}", i % 3));
        c.rollup_day = Some(at.date_naive());
        c.analysis =
            Some(serde_json::json!({"reasons": [{"points": 10.0, "message": "no greeting"}]}));
        c.quality_score = Some((i % 90) as u8);
        let problem = calltrack::report::problem_of(&c).unwrap();
        let commit = Commit {
            tenant: Some(tn.id.clone()),
            rollups: calltrack::rollups::call_contribution(tn, &c),
            problems: vec![ProblemChange {
                old: None,
                new: Some(problem),
            }],
            calls: vec![CallWrite::new(c, None)],
            ..Default::default()
        };
        assert_eq!(
            store.commit(&commit).await.unwrap(),
            CommitOutcome::Committed
        );
    }
}

#[tokio::test]
async fn the_report_reads_a_fixed_number_of_items_whatever_the_calls() {
    let store = moto::dynamo_store().await;
    let tn = tenant(&store).await;
    let (from, to) = (day("2025-03-01"), day("2025-03-31"));
    let now = t("2025-06-01T00:00:00Z");
    month_of_calls(&store, &tn, 0, 20).await;
    let before = store.request_count();
    let small = calltrack::report::build_by(&store, &tn, Dimension::Campaign, from, to, now)
        .await
        .unwrap();
    let few = store.request_count() - before;
    month_of_calls(&store, &tn, 20, 100).await;
    let before = store.request_count();
    let big = calltrack::report::build_by(&store, &tn, Dimension::Campaign, from, to, now)
        .await
        .unwrap();
    let many = store.request_count() - before;
    assert_eq!((small.totals.calls, big.totals.calls), (20, 120));
    assert!(
        big.totals.unique_callers > 0,
        "the sketch cells are read too"
    );
    assert_eq!(big.problem_calls.len(), 10);
    assert!(big
        .problem_calls
        .windows(2)
        .all(|w| w[0].rank() <= w[1].rank()));
    eprintln!("report by campaign, 30 days: {many} store requests");
    assert_eq!(few, many, "six times the calls, the same reads");
    assert!(
        many <= 31 + 8,
        "a query per day of the problem index and a few more: {many}"
    );
}
