//! Exactly once under load and faults: a short run of the load mix against `calltrack serve`,
//! killed twice mid-load with every unanswered request sent again, then recounted. The long
//! run with throughput and latencies is `make load` (benches/load.rs).

mod load;

#[test]
fn a_server_killed_mid_load_loses_and_duplicates_nothing() {
    let dir = std::env::temp_dir().join(format!("ct-load-faults-{}", std::process::id()));
    let out = load::run(
        &load::Config {
            bin: env!("CARGO_BIN_EXE_calltrack").into(),
            sessions: 160,
            workers: 6,
            pool_numbers: 20,
            kills: 2,
            seed: 7,
        },
        &dir,
    );
    eprintln!("{}", out.summary());
    assert_eq!(out.kills, 2, "the server was killed twice");
    assert!(out.recount.calls_sent > 50, "{:?}", out.recount);
    assert_eq!(out.recount.calls_found, out.recount.calls_sent);
    assert!(out.recount.deals_sent > 5, "{:?}", out.recount);
    assert_eq!(out.defects(), Vec::<String>::new());
    let _ = std::fs::remove_dir_all(&dir);
}
