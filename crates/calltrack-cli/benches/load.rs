//! `make load`: the load mix of `tests/load` against a release `calltrack serve` on loopback,
//! once undisturbed (throughput, p50/p99 per route) and once with the server killed mid-load
//! (resends, recount). Exits 1 when a recount finds anything lost, duplicated or changed.
//!
//! `cargo bench -p calltrack-cli --bench load -- [--sessions N] [--workers W] [--pool-numbers P] [--kills K] [--seed S]`

#[path = "../tests/load/mod.rs"]
mod load;

use load::{Config, Outcome};

fn arg(args: &[String], name: &str, default: usize) -> usize {
    args.iter()
        .position(|a| a == name)
        .and_then(|i| args.get(i + 1))
        .map(|v| {
            v.parse()
                .unwrap_or_else(|_| panic!("{name} wants a number"))
        })
        .unwrap_or(default)
}

fn show(label: &str, cfg: &Config, out: &Outcome) {
    println!(
        "\n{label}: {} sessions, {} workers, seed {}\n{}",
        cfg.sessions,
        cfg.workers,
        cfg.seed,
        out.summary()
    );
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    if args.iter().any(|a| a == "--list") {
        return; // `cargo bench -- --list` and `cargo test --benches` probe bench binaries.
    }
    let bin = std::path::PathBuf::from(env!("CARGO_BIN_EXE_calltrack"));
    let sessions = arg(&args, "--sessions", 3000);
    let workers = arg(&args, "--workers", 16);
    let pool_numbers = arg(&args, "--pool-numbers", 900);
    let kills = arg(&args, "--kills", 3);
    let seed = arg(&args, "--seed", 1) as u64;
    let mut failed = false;
    for (label, kills, seed) in [
        ("undisturbed", 0, seed),
        ("killed mid-load", kills, seed + 1),
    ] {
        let cfg = Config {
            bin: bin.clone(),
            sessions,
            workers,
            pool_numbers,
            kills,
            seed,
        };
        let dir = std::env::temp_dir().join(format!("ct-load-bench-{}-{seed}", std::process::id()));
        let out = load::run(&cfg, &dir);
        show(label, &cfg, &out);
        failed |= !out.defects().is_empty();
        let _ = std::fs::remove_dir_all(&dir);
    }
    if failed {
        std::process::exit(1);
    }
}
