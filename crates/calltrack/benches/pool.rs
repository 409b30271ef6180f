//! The number pool's benchmark: attribution accuracy and precision against pool size for every
//! selection policy (paired runs of the simulator, evidence on and off), then acquire, renew and
//! attribution throughput on SQLite.
//!
//! `cargo bench -p calltrack --bench pool` runs both; `POOL_BENCH=table` or `POOL_BENCH=speed`
//! runs one. Results are written up in BENCHMARKS.md, "Number pool".

use std::time::Instant;

use calltrack::attribution::attribute_call;
use calltrack::model::*;
use calltrack::numbers::sim::{simulate, SimOutcome, SimParams};
use calltrack::numbers::{self, Dialled, Pool as Pools};
use calltrack::ports::*;
use calltrack_embedded::SqliteStore;
use chrono::{Duration, TimeZone, Utc};
use criterion::Criterion;

const POOLS: [u32; 8] = [45, 60, 75, 90, 105, 120, 150, 180];
const POLICIES: [(Selection, &str); 4] = [
    (Selection::Lru, "lru"),
    (Selection::Random, "random"),
    (Selection::Mru, "mru"),
    (Selection::LruHardCooldown, "lru-hard-cooldown"),
];

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
}

/// 300 visitors/hour, 6-minute sessions, 24 hours, seed 1: one run per policy and pool size,
/// each call credited with and without evidence.
fn accuracy_table() {
    let rt = runtime();
    let started = Instant::now();
    let mut rows: Vec<(u32, Vec<SimOutcome>)> = vec![];
    for n in POOLS {
        let mut outs = vec![];
        for (policy, _) in POLICIES {
            let mut p = SimParams::new(300.0, 6.0, n);
            p.policy = policy;
            let store = SqliteStore::in_memory().unwrap();
            outs.push(rt.block_on(simulate(&store, &p)).unwrap());
        }
        rows.push((n, outs));
    }
    let first = &rows[0].1[0];
    println!(
        "\nsimulated: 300 visitors/h, 6-min sessions, 24 h, seed 1: {} visitors, {} calls ({:.1} s for {} runs)",
        first.visitors,
        first.with_evidence.calls,
        started.elapsed().as_secs_f64(),
        POOLS.len() * POLICIES.len()
    );
    for (label, evidence) in [("evidence on", true), ("evidence off", false)] {
        println!("\naccuracy / precision, {label}");
        print!("| pool |");
        for (_, name) in POLICIES {
            print!(" {name} |");
        }
        println!(" exhaustions (lru) | utilisation (lru) |");
        println!("|---:|---:|---:|---:|---:|---:|---:|");
        for (n, outs) in &rows {
            print!("| {n} |");
            for o in outs {
                let s = if evidence {
                    o.with_evidence
                } else {
                    o.without_evidence
                };
                print!(" {:.3} / {:.3} |", s.accuracy, s.precision);
            }
            println!(" {} | {:.2} |", outs[0].exhaustions, outs[0].utilisation);
        }
    }
    println!();
}

fn num(i: u32) -> PhoneNumber {
    PhoneNumber::parse(&format!("+7495{:07}", 2_000_000 + i), None).unwrap()
}

async fn pool_store(size: u32) -> (SqliteStore, Tenant, PoolSettings) {
    let store = SqliteStore::in_memory().unwrap();
    let tenant = Tenant::new(TenantId::parse("bench").unwrap(), "Bench");
    store.put_tenant(&tenant).await.unwrap();
    let pool = PoolSettings::new(tenant.id.clone(), PoolId::parse("web").unwrap());
    store.put_pool(&pool).await.unwrap();
    for i in 0..size {
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
    (store, tenant, pool)
}

fn throughput(c: &mut Criterion) {
    let rt = runtime();
    let start = Utc.with_ymd_and_hms(2024, 1, 1, 0, 0, 0).unwrap();
    let mut g = c.benchmark_group("pool_sqlite");

    // A new visitor every simulated second on 1,000 numbers: leases of 15 minutes cycle through
    // the pool without exhausting it, so this is the common path.
    let (store, tenant, pool) = rt.block_on(pool_store(1000));
    let clock = ManualClock::new(start);
    let pools = Pools::seeded(&store, &clock, 1);
    let mut i = 0u64;
    g.bench_function("acquire", |b| {
        b.iter(|| {
            i += 1;
            clock.advance(Duration::seconds(1));
            let visit = Visit {
                visitor_id: format!("v{i}"),
                ..Visit::default()
            };
            rt.block_on(pools.acquire(&tenant, &pool, visit)).unwrap()
        })
    });

    let lease = rt
        .block_on(pools.acquire(
            &tenant,
            &pool,
            Visit {
                visitor_id: "renewer".into(),
                ..Visit::default()
            },
        ))
        .unwrap()
        .lease
        .unwrap();
    let mut live = lease.id.clone();
    g.bench_function("renew", |b| {
        b.iter(|| {
            clock.advance(Duration::milliseconds(10));
            match rt.block_on(pools.renew(&live)) {
                Ok(l) => l,
                Err(_) => {
                    // Past the maximum session: start a new one and go on.
                    let v = Visit {
                        visitor_id: format!("renewer{}", clock.now().timestamp_millis()),
                        ..Visit::default()
                    };
                    let l = rt
                        .block_on(pools.acquire(&tenant, &pool, v))
                        .unwrap()
                        .lease
                        .unwrap();
                    live = l.id.clone();
                    l
                }
            }
        })
    });

    let now = clock.now();
    let number = lease.number.clone();
    let dialled = Dialled::Pooled {
        number: TrackingNumber {
            number: number.clone(),
            tenant: tenant.id.clone(),
            kind: NumberKind::Pool {
                pool: pool.id.clone(),
            },
            forward_to: None,
        },
        pool: pool.clone(),
    };
    g.bench_function("attribute_store", |b| {
        b.iter(|| {
            let leases = rt
                .block_on(numbers::leases_at(&store, &pool, &number, now))
                .unwrap();
            attribute_call(&dialled, now, &leases, &[])
        })
    });

    // Five candidates on one number, one with an intent: the pure weighing alone.
    let leases: Vec<Lease> = (0..5)
        .map(|k| {
            let mut l = lease.clone();
            l.id = LeaseId::parse(&format!("l_{k}")).unwrap();
            l.started_at = start + Duration::minutes(k * 5);
            l.last_seen_at = l.started_at + Duration::minutes(3);
            l.expires_at = l.last_seen_at + Duration::minutes(15);
            if k == 2 {
                l.intents.push(Intent {
                    kind: IntentKind::Copy,
                    at: l.started_at + Duration::minutes(1),
                });
            }
            l
        })
        .collect();
    let call_at = start + Duration::minutes(24);
    g.bench_function("attribute_pure_5_candidates", |b| {
        b.iter(|| attribute_call(&dialled, call_at, &leases, &[]))
    });
    g.finish();
    println!("sqlite store requests so far: {}", store.request_count());
}

fn main() {
    let which = std::env::var("POOL_BENCH").unwrap_or_default();
    if which.is_empty() || which == "table" {
        accuracy_table();
    }
    if which.is_empty() || which == "speed" {
        let mut c = Criterion::default().configure_from_args();
        throughput(&mut c);
        c.final_summary();
    }
}
