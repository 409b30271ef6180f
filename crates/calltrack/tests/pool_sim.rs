//! The simulator: paired runs (same calls for every policy), repeatable for a seed, and the
//! default policy ahead of the others where the pool is not simply exhausted.

use calltrack::model::Selection;
use calltrack::numbers::sim::{simulate, size, SimOutcome, SimParams};
use calltrack_embedded::SqliteStore;

async fn run(pool: u32, policy: Selection) -> SimOutcome {
    let mut p = SimParams::new(300.0, 6.0, pool);
    p.hours = 6;
    p.policy = policy;
    simulate(&SqliteStore::in_memory().unwrap(), &p)
        .await
        .unwrap()
}

#[tokio::test]
async fn every_policy_sees_the_same_calls_and_a_seed_repeats() {
    let lru = run(120, Selection::Lru).await;
    let again = run(120, Selection::Lru).await;
    assert_eq!(lru, again, "same seed, same result");
    for policy in [
        Selection::Random,
        Selection::Mru,
        Selection::LruHardCooldown,
    ] {
        let other = run(120, policy).await;
        assert_eq!(
            other.with_evidence.calls, lru.with_evidence.calls,
            "{policy:?}"
        );
        assert_eq!(other.visitors, lru.visitors);
    }
    assert!(lru.with_evidence.calls > 50, "{lru:?}");
}

#[tokio::test]
async fn lru_is_ahead_of_mru_when_the_pool_has_room() {
    let lru = run(150, Selection::Lru).await;
    let mru = run(150, Selection::Mru).await;
    assert!(
        lru.with_evidence.attributed_correctly > mru.with_evidence.attributed_correctly,
        "{lru:?}\n{mru:?}"
    );
}

#[tokio::test]
async fn pool_size_finds_a_pool_meeting_a_modest_target() {
    let mut base = SimParams::new(60.0, 5.0, 1);
    base.hours = 6;
    let advice = size(&base, 0.6, SqliteStore::in_memory).await.unwrap();
    assert!(advice.reachable, "{advice:?}");
    assert!(advice.accuracy >= 0.6);
    assert_eq!(advice.littles_law, 5.0);
    assert_eq!(advice.per_20_daily_visitors, 72);
    assert!(
        advice
            .tried
            .iter()
            .all(|(n, a)| *n >= advice.recommended_pool || *a < 0.6),
        "{advice:?}"
    );
}
