use calltrack::model::Selection;
use calltrack::numbers::sim::{simulate, SimParams};
use calltrack_embedded::SqliteStore;

#[tokio::test]
async fn probe() {
    for n in [45u32, 90, 135, 180] {
        for pol in [
            Selection::Lru,
            Selection::Random,
            Selection::Mru,
            Selection::LruHardCooldown,
        ] {
            let mut p = SimParams::new(300.0, 6.0, n);
            p.policy = pol;
            let t = std::time::Instant::now();
            let o = simulate(&SqliteStore::in_memory().unwrap(), &p)
                .await
                .unwrap();
            eprintln!(
                "{n} {pol:?} {:?} {:.3}s\n   with {:?}\n   without {:?}",
                (
                    o.visitors,
                    o.exhaustions,
                    o.early_reuses,
                    o.peak_leased,
                    o.utilisation
                ),
                t.elapsed().as_secs_f64(),
                o.with_evidence,
                o.without_evidence
            );
        }
    }
}
