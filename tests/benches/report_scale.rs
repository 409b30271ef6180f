//! The report over a month as calls grow: time and peak heap of `report::build` (channel and
//! campaign) for 100,000 and 1,000,000 calls across 20 channels on the embedded store, written
//! through the same commits ingest uses (rollups under every dimension, the problem index for
//! the analysed tenth). Beside it, what the report's old problem-call scan (every call of the
//! period) cost at 100,000 calls.
//!
//! Run: `cargo bench -p calltrack-integration --bench report_scale` (release; ~1.5 GB of disk
//! under the temp dir while it runs). `-- --calls N` runs one size.

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Instant;

use calltrack::model::*;
use calltrack::ports::*;
use calltrack::report;
use calltrack::rollups::{call_contribution, diff};
use calltrack_embedded::SqliteStore;
use chrono::{DateTime, Duration, NaiveDate, Utc};

/// The system allocator, counting the bytes live and the most live since the last reset.
struct Counting;

static LIVE: AtomicUsize = AtomicUsize::new(0);
static PEAK: AtomicUsize = AtomicUsize::new(0);

unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, l: Layout) -> *mut u8 {
        let p = unsafe { System.alloc(l) };
        if !p.is_null() {
            let now = LIVE.fetch_add(l.size(), Ordering::Relaxed) + l.size();
            PEAK.fetch_max(now, Ordering::Relaxed);
        }
        p
    }
    unsafe fn dealloc(&self, p: *mut u8, l: Layout) {
        unsafe { System.dealloc(p, l) };
        LIVE.fetch_sub(l.size(), Ordering::Relaxed);
    }
}

#[global_allocator]
static ALLOC: Counting = Counting;

/// Runs `f`, answering its result, seconds, and peak heap above what was live before.
async fn measured<T, F: std::future::Future<Output = T>>(f: F) -> (T, f64, usize) {
    let base = LIVE.load(Ordering::Relaxed);
    PEAK.store(base, Ordering::Relaxed);
    let t = Instant::now();
    let out = f.await;
    let secs = t.elapsed().as_secs_f64();
    (out, secs, PEAK.load(Ordering::Relaxed) - base)
}

const FROM: &str = "2026-11-01";
const DAYS: i64 = 30;
const BATCH: usize = 1000;

fn analysis(i: u64) -> serde_json::Value {
    serde_json::json!({
        "reasons": [
            {"points": 20.0 + (i % 7) as f64, "message": format!("price objection at {}.5 s was not answered", i % 90)},
            {"points": 8.0, "message": "no greeting"},
        ],
        "complaint": i.is_multiple_of(5),
        "talk_seconds": 100 + i % 300,
    })
}

/// Distinct callers the fill uses: calls beyond this many come from callers who called before.
const CALLERS: u64 = 700_000;

/// `n` inbound calls spread over the month, 20 channels, 60 campaigns, 200 numbers, 12
/// managers, from at most [`CALLERS`] callers; a quarter missed (each rang an agent, half of them
/// returned within 30 minutes); a tenth analysed with reasons (so in the problem index). Every
/// call is in the sketch cells (unique callers, time to return) as ingest counts it today.
async fn fill(store: &SqliteStore, tenant: &Tenant, n: u64) {
    let start: DateTime<Utc> = format!("{FROM}T00:00:00Z").parse().unwrap();
    let span = DAYS * 86_400;
    let mut i = 0u64;
    while i < n {
        let mut commit = Commit {
            tenant: Some(tenant.id.clone()),
            ..Commit::default()
        };
        let mut deltas = vec![];
        for _ in 0..BATCH.min((n - i) as usize) {
            let at = start + Duration::seconds((i as i64 * 7919) % span);
            let answered = !i.is_multiple_of(4);
            let mut attribution = Attribution::unattributed();
            attribution.method = AttributionMethod::Lease;
            attribution.channel = format!("source{}/cpc", i % 20);
            attribution.campaign = Some(format!("campaign-{}", i % 60));
            attribution.term = Some(format!("keyword {}", i % 150));
            let mut c = Call {
                tracking_number: PhoneNumber::parse(
                    &format!("+1415555{:04}", 1000 + i % 200),
                    None,
                )
                .ok(),
                caller: PhoneNumber::parse(&format!("+1212{:07}", 2_000_000 + i % CALLERS), None)
                    .ok(),
                answered_by: answered.then(|| format!("agent-{}", i % 12)),
                outcome: if answered {
                    Outcome::Answered
                } else {
                    Outcome::Missed
                },
                talk_seconds: answered.then_some(60 + (i % 500) as u32),
                attribution,
                first_time_caller: i < CALLERS,
                grouped: true,
                sketched: true,
                ..Call::new(
                    &tenant.id,
                    Provider::Generic,
                    &format!("bench-{i}"),
                    Direction::Inbound,
                    at,
                )
            };
            c.rollup_day = Some(tenant.day_of(at));
            if !answered {
                c.ended_at = Some(at + Duration::seconds(20));
                c.rung = vec![format!("agent-{}", i % 12)];
                if i.is_multiple_of(8) {
                    c.returned_at = Some(at + Duration::minutes(1 + (i % 29) as i64));
                    c.returned_by_agent = Some(format!("agent-{}", (i / 8) % 12));
                }
            }
            if i.is_multiple_of(10) {
                c.analysis = Some(analysis(i));
                c.quality_score = Some((20 + i % 70) as u8);
            }
            deltas.extend(call_contribution(tenant, &c));
            if let Some(p) = report::problem_of(&c) {
                commit.problems.push(ProblemChange {
                    old: None,
                    new: Some(p),
                });
            }
            commit.calls.push(CallWrite::new(c, None));
            i += 1;
        }
        commit.rollups = diff(vec![], deltas);
        assert_eq!(
            store.commit(&commit).await.unwrap(),
            CommitOutcome::Committed
        );
    }
}

fn mb(b: usize) -> f64 {
    b as f64 / 1_048_576.0
}

async fn one_size(n: u64, old_scan: bool) {
    let dir = std::env::temp_dir().join(format!("ct-report-scale-{n}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let store = SqliteStore::open(&dir).unwrap();
    let tenant = Tenant::new(TenantId::parse("bench").unwrap(), "Bench");
    store.put_tenant(&tenant).await.unwrap();
    let t = Instant::now();
    fill(&store, &tenant, n).await;
    let fill_s = t.elapsed().as_secs_f64();
    let from: NaiveDate = FROM.parse().unwrap();
    let to = from + Duration::days(DAYS - 1);
    let now = Utc::now();
    for dim in [Dimension::Channel, Dimension::Campaign] {
        let mut runs = vec![];
        let mut unique = 0;
        for _ in 0..5 {
            let (r, secs, peak) =
                measured(report::build_by(&store, &tenant, dim, from, to, now)).await;
            let r = r.unwrap();
            assert_eq!(r.totals.calls as u64, n, "the report counts every call");
            assert_eq!(r.problem_calls.len(), 10);
            unique = r.totals.unique_callers;
            runs.push((secs, peak));
        }
        runs.sort_by(|a, b| a.0.total_cmp(&b.0));
        let (secs, peak) = runs[2];
        let exact = n.min(CALLERS);
        // The sketch's own estimate (the report never shows fewer than the first-time callers).
        let roi = calltrack::roi::aggregate_by(&store, &tenant, dim, from, to, now)
            .await
            .unwrap();
        let sketch = calltrack::sketch::unique_callers(&roi.totals.cells).unwrap_or(0);
        println!(
            "calls {n:>9}  report by {:<8}  median {:>8.1} ms  peak heap {:>7.2} MB  (fill {fill_s:.0} s)  \
             unique callers {unique}, sketch {sketch} of {exact} ({:+.2}%)",
            dim.as_str(),
            secs * 1000.0,
            mb(peak),
            (sketch as f64 - exact as f64) / exact as f64 * 100.0
        );
    }
    if old_scan {
        let (start, end) = calltrack::roi::day_bounds(&tenant, from, to);
        let (calls, secs, peak) = measured(store.calls_between(&tenant.id, start, end)).await;
        let calls = calls.unwrap();
        println!(
            "calls {n:>9}  old problem-call scan (every call of the month): {:>8.1} ms  peak heap {:>7.2} MB  ({} calls read)",
            secs * 1000.0,
            mb(peak),
            calls.len()
        );
    }
    drop(store);
    let _ = std::fs::remove_dir_all(&dir);
}

#[tokio::main(flavor = "current_thread")]
async fn main() {
    let args: Vec<String> = std::env::args().collect();
    let one = args
        .iter()
        .position(|a| a == "--calls")
        .and_then(|i| args.get(i + 1))
        .and_then(|v| v.parse::<u64>().ok());
    match one {
        Some(n) => one_size(n, true).await,
        None => {
            one_size(100_000, true).await;
            one_size(1_000_000, false).await;
        }
    }
}
