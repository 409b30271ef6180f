//! The store conformance suite against the SQLite adapter (a fresh in-memory store per case).

use std::sync::Arc;

use calltrack::ports::Store;
use calltrack_embedded::SqliteStore;

async fn sqlite() -> Arc<dyn Store> {
    Arc::new(SqliteStore::in_memory().expect("in-memory SQLite"))
}

calltrack_integration::conformance_tests!(sqlite);

/// On one machine provider secrets are sealed with the data dir's `secrets.key` (created 0600
/// on first use): the database file never holds them, and the store opens them again after a
/// restart.
#[tokio::test]
async fn tenant_secrets_are_sealed_with_the_data_dirs_key() {
    use calltrack::model::{Tenant, TenantId};
    use calltrack::ports::TenantStore;
    let dir = std::env::temp_dir().join(format!("ct-sealed-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let mut tn = Tenant::new(TenantId::parse("acme").unwrap(), "Acme");
    tn.provider_secrets
        .insert("generic".into(), "gen-s3cret-value".into());
    {
        let store = SqliteStore::open(&dir).unwrap();
        store.put_tenant(&tn).await.unwrap();
    }
    let key = dir.join(calltrack_embedded::SECRET_KEY_FILE);
    assert_eq!(std::fs::read(&key).unwrap().len(), 32);
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&key).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600);
    }
    let db = std::fs::read(dir.join("store.db")).unwrap();
    let wal = std::fs::read(dir.join("store.db-wal")).unwrap_or_default();
    for bytes in [&db, &wal] {
        assert!(!String::from_utf8_lossy(bytes).contains("gen-s3cret-value"));
    }
    let reopened = SqliteStore::open(&dir).unwrap();
    assert_eq!(reopened.get_tenant(&tn.id).await.unwrap(), Some(tn));
    let _ = std::fs::remove_dir_all(&dir);
}

/// Retention on one machine: the sweep deletes calls past the tenant's retention and leases
/// past the lease retention, keeps the rest and every rollup, and keeps everything of a tenant
/// with retention 0.
#[tokio::test]
async fn the_retention_sweep_deletes_old_calls_and_leases_and_keeps_rollups() {
    use calltrack::model::*;
    use calltrack::ports::*;
    use chrono::{Duration, TimeZone, Utc};
    let store = SqliteStore::in_memory().unwrap();
    let now = Utc.with_ymd_and_hms(2026, 6, 1, 12, 0, 0).unwrap();
    let mut short = Tenant::new(TenantId::parse("short").unwrap(), "Short");
    short.retention_days = 30;
    let mut forever = Tenant::new(TenantId::parse("forever").unwrap(), "Forever");
    forever.retention_days = 0;
    for t in [&short, &forever] {
        store.put_tenant(t).await.unwrap();
        for (id, age) in [("old", 31), ("new", 29)] {
            let started = now - Duration::days(age);
            let call = Call {
                retain_until: t.retain_until(started),
                ..Call::new(&t.id, Provider::Generic, id, Direction::Inbound, started)
            };
            let commit = Commit {
                calls: vec![CallWrite::new(call, None)],
                rollups: vec![RollupDelta {
                    day: started.date_naive(),
                    dimension: Dimension::Channel,
                    group: "billboard".into(),
                    counters: Counters {
                        calls: 1,
                        ..Counters::default()
                    },
                    cells: Cells::default(),
                }],
                tenant: Some(t.id.clone()),
                ..Commit::default()
            };
            store.commit(&commit).await.unwrap();
        }
    }
    assert_eq!(
        calltrack::calls::sweep_retention(&store, now)
            .await
            .unwrap(),
        1
    );
    let left = |t: &Tenant| {
        let store = &store;
        let id = t.id.clone();
        async move {
            store
                .calls_between(&id, now - Duration::days(400), now)
                .await
                .unwrap()
                .len()
        }
    };
    assert_eq!(left(&short).await, 1, "the 31-day-old call is gone");
    assert_eq!(left(&forever).await, 2, "retention 0 keeps calls");
    let rollups = store
        .rollups_between(
            &short.id,
            Dimension::Channel,
            (now - Duration::days(40)).date_naive(),
            now.date_naive(),
        )
        .await
        .unwrap();
    assert_eq!(
        rollups.iter().map(|r| r.counters.calls).sum::<i64>(),
        2,
        "counts stay"
    );
}

/// A data dir written before the score counters existed opens with them added (zero for the
/// rows it already had), keeps its counts, and counts scores from then on.
#[tokio::test]
async fn a_data_dir_from_before_the_score_counters_gains_them_and_keeps_its_counts() {
    use calltrack::model::*;
    use calltrack::ports::*;
    let dir = std::env::temp_dir().join(format!("ct-old-rollups-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    {
        let old = rusqlite::Connection::open(dir.join("store.db")).unwrap();
        old.execute_batch(
            "CREATE TABLE rollups (tenant TEXT NOT NULL, day TEXT NOT NULL, channel TEXT NOT NULL,
               visits INTEGER NOT NULL DEFAULT 0, calls INTEGER NOT NULL DEFAULT 0,
               first_time_callers INTEGER NOT NULL DEFAULT 0, answered INTEGER NOT NULL DEFAULT 0,
               missed INTEGER NOT NULL DEFAULT 0, returned INTEGER NOT NULL DEFAULT 0,
               deals INTEGER NOT NULL DEFAULT 0, won INTEGER NOT NULL DEFAULT 0,
               revenue_minor INTEGER NOT NULL DEFAULT 0, talk_seconds INTEGER NOT NULL DEFAULT 0,
               PRIMARY KEY (tenant, day, channel));
             INSERT INTO rollups (tenant, day, channel, calls, answered) VALUES ('acme', '2026-09-20', 'radio', 7, 5);",
        )
        .unwrap();
    }
    let store = SqliteStore::open(&dir).unwrap();
    let tenant = TenantId::parse("acme").unwrap();
    let day = chrono::NaiveDate::from_ymd_opt(2026, 9, 20).unwrap();
    let read = || async {
        store
            .rollups_between(&tenant, Dimension::Channel, day, day)
            .await
            .unwrap()
    };
    let before = read().await;
    assert_eq!(before.len(), 1);
    assert_eq!(
        (before[0].counters.calls, before[0].counters.answered),
        (7, 5)
    );
    assert_eq!(before[0].counters.scored, 0);
    let commit = Commit {
        rollups: vec![RollupDelta {
            day,
            dimension: Dimension::Channel,
            group: "radio".into(),
            counters: Counters {
                scored: 1,
                score_sum: 80,
                script_sum: 75,
                ..Counters::default()
            },
            cells: Cells::default(),
        }],
        tenant: Some(tenant.clone()),
        ..Commit::default()
    };
    store.commit(&commit).await.unwrap();
    let after = read().await[0].counters;
    assert_eq!(
        (after.calls, after.scored, after.score_sum, after.script_sum),
        (7, 1, 80, 75)
    );
    drop(store);
    // Opening again adds nothing twice.
    SqliteStore::open(&dir).unwrap();
    let _ = std::fs::remove_dir_all(&dir);
}
