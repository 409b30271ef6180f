//! `calltrack pool simulate` and `calltrack pool size`: the real pool and attribution code
//! driven through the store port by a simulated clock.

use calltrack::model::Selection;
use calltrack::numbers::sim::{self, SimOutcome, SimParams};
use calltrack_embedded::SqliteStore;
use serde_json::json;

use crate::exit::{print_json, CmdResult, Failure};

/// Which free number the simulated pool hands out next.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Policy {
    /// Least recently released first (the default).
    Lru,
    /// A random free number.
    Random,
    /// Most recently released first (a stack).
    Mru,
    /// Least recently released, never inside the cool-down; the default number on exhaustion.
    LruHardCooldown,
}

impl Policy {
    fn selection(self) -> Selection {
        match self {
            Self::Lru => Selection::Lru,
            Self::Random => Selection::Random,
            Self::Mru => Selection::Mru,
            Self::LruHardCooldown => Selection::LruHardCooldown,
        }
    }
}

#[derive(Debug, clap::Args)]
pub struct SimulateArgs {
    /// Mean visitors per hour (arrivals follow a daily curve around it).
    #[arg(long)]
    pub visitors_per_hour: f64,
    /// Mean minutes a visitor stays on the site.
    #[arg(long)]
    pub session_minutes: f64,
    /// Numbers in the pool.
    #[arg(long)]
    pub pool: u32,
    /// Hours to simulate.
    #[arg(long, default_value_t = 24)]
    pub hours: u32,
    /// Seed of the workload (and, separately derived, of the `random` policy).
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    #[arg(long, value_enum, default_value_t = Policy::Lru)]
    pub policy: Policy,
    /// Credit calls by who held the number only, ignoring call intents and heartbeats.
    #[arg(long)]
    pub no_evidence: bool,
    /// Minutes a lease lives after the last heartbeat (default: the pool default, 15).
    #[arg(long)]
    pub lease_minutes: Option<u32>,
    /// Minutes after a lease ends that a call is still credited to it (default 30).
    #[arg(long)]
    pub grace_minutes: Option<u32>,
    /// Minutes a released number should rest (default 30).
    #[arg(long)]
    pub cooldown_minutes: Option<u32>,
}

#[derive(Debug, clap::Args)]
pub struct SizeArgs {
    /// Mean visitors per hour.
    #[arg(long)]
    pub visitors_per_hour: f64,
    /// Mean minutes a visitor stays on the site.
    #[arg(long)]
    pub session_minutes: f64,
    /// The accuracy the pool must reach (0-1).
    #[arg(long, default_value_t = 0.95)]
    pub target_accuracy: f64,
}

fn check_load(visitors_per_hour: f64, session_minutes: f64) -> Result<(), Failure> {
    if !(visitors_per_hour.is_finite() && visitors_per_hour > 0.0 && visitors_per_hour <= 100_000.0)
    {
        return Err(Failure::Invalid(
            "--visitors-per-hour must be between 0 and 100000".into(),
        ));
    }
    if !(session_minutes.is_finite() && session_minutes > 0.0 && session_minutes <= 24.0 * 60.0) {
        return Err(Failure::Invalid(
            "--session-minutes must be between 0 and 1440".into(),
        ));
    }
    Ok(())
}

fn runtime() -> Result<tokio::runtime::Runtime, Failure> {
    Ok(tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?)
}

fn store() -> Result<SqliteStore, calltrack::ports::StoreError> {
    SqliteStore::in_memory()
}

pub fn simulate(args: &SimulateArgs, json: bool) -> CmdResult {
    check_load(args.visitors_per_hour, args.session_minutes)?;
    if args.pool == 0 || args.pool > 10_000 {
        return Err(Failure::Invalid(
            "--pool must be between 1 and 10000".into(),
        ));
    }
    if args.hours == 0 || args.hours > 24 * 31 {
        return Err(Failure::Invalid("--hours must be between 1 and 744".into()));
    }
    let mut p = SimParams::new(args.visitors_per_hour, args.session_minutes, args.pool);
    p.hours = args.hours;
    p.seed = args.seed;
    p.policy = args.policy.selection();
    p.lease_minutes = args.lease_minutes.unwrap_or(p.lease_minutes);
    p.grace_minutes = args.grace_minutes.unwrap_or(p.grace_minutes);
    p.cooldown_minutes = args.cooldown_minutes.unwrap_or(p.cooldown_minutes);
    if p.lease_minutes == 0 {
        return Err(Failure::Invalid(
            "--lease-minutes must be at least 1".into(),
        ));
    }
    let out = runtime()?
        .block_on(async { sim::simulate(&store()?, &p).await })
        .map_err(|e| match e {
            sim::SimError::Invalid(m) => Failure::Invalid(m),
            e => Failure::Other(e.into()),
        })?;
    let s = if args.no_evidence {
        out.without_evidence
    } else {
        out.with_evidence
    };
    let doc = json!({
        "calls": s.calls,
        "attributed_correctly": s.attributed_correctly,
        "accuracy": round4(s.accuracy),
        "precision": round4(s.precision),
        "misattributed": s.misattributed,
        "unattributed": s.unattributed,
        "ambiguous": s.ambiguous,
        "overflow": s.overflow,
        "exhaustions": out.exhaustions,
        "early_reuses": out.early_reuses,
        "peak_leased": out.peak_leased,
        "utilisation": round4(out.utilisation),
        "visitors": out.visitors,
        "policy": policy_name(args.policy),
        "evidence": !args.no_evidence,
        "pool": args.pool,
        "hours": args.hours,
        "seed": args.seed,
    });
    if json {
        return print_json(&doc);
    }
    print_human(args, &out, !args.no_evidence);
    Ok(())
}

fn print_human(args: &SimulateArgs, out: &SimOutcome, evidence: bool) {
    let s = if evidence {
        out.with_evidence
    } else {
        out.without_evidence
    };
    println!(
        "{} visitors over {} h, pool of {} ({}, evidence {}):",
        out.visitors,
        args.hours,
        args.pool,
        policy_name(args.policy),
        if evidence { "on" } else { "off" }
    );
    println!("  calls            {}", s.calls);
    println!(
        "  correct          {} (accuracy {:.1}%, precision {:.1}%)",
        s.attributed_correctly,
        100.0 * s.accuracy,
        100.0 * s.precision
    );
    println!("  misattributed    {}", s.misattributed);
    println!("  unattributed     {}", s.unattributed);
    println!("  ambiguous        {}", s.ambiguous);
    println!("  default number   {}", s.overflow);
    println!(
        "  exhaustions      {} (early reuses {})",
        out.exhaustions, out.early_reuses
    );
    println!(
        "  peak leased      {} of {} (utilisation {:.1}%)",
        out.peak_leased,
        args.pool,
        100.0 * out.utilisation
    );
}

fn policy_name(p: Policy) -> &'static str {
    match p {
        Policy::Lru => "lru",
        Policy::Random => "random",
        Policy::Mru => "mru",
        Policy::LruHardCooldown => "lru-hard-cooldown",
    }
}

fn round4(x: f64) -> f64 {
    (x * 10_000.0).round() / 10_000.0
}

pub fn size(args: &SizeArgs, json: bool) -> CmdResult {
    check_load(args.visitors_per_hour, args.session_minutes)?;
    if !(args.target_accuracy > 0.0 && args.target_accuracy <= 1.0) {
        return Err(Failure::Invalid(
            "--target-accuracy must be in (0, 1]".into(),
        ));
    }
    let base = SimParams::new(args.visitors_per_hour, args.session_minutes, 1);
    let advice = runtime()?
        .block_on(sim::size(&base, args.target_accuracy, store))
        .map_err(|e| Failure::Other(e.into()))?;
    if json {
        return print_json(&json!({
            "recommended_pool": advice.recommended_pool,
            "reachable": advice.reachable,
            "littles_law": advice.littles_law,
            "per_20_daily_visitors": advice.per_20_daily_visitors,
            "accuracy": round4(advice.accuracy),
            "precision": round4(advice.precision),
            "target_accuracy": args.target_accuracy,
            "tried": advice.tried.iter().map(|(n, a)| json!({"pool": n, "accuracy": round4(*a)})).collect::<Vec<_>>(),
        }));
    }
    if advice.reachable {
        println!(
            "recommended pool: {} numbers (accuracy {:.1}%, precision {:.1}%)",
            advice.recommended_pool,
            100.0 * advice.accuracy,
            100.0 * advice.precision
        );
    } else {
        println!(
            "no pool up to 20 x Little's law reaches {:.1}% accuracy; best found: {} numbers ({:.1}%)",
            100.0 * args.target_accuracy,
            advice.recommended_pool,
            100.0 * advice.accuracy
        );
    }
    println!(
        "rules of thumb: Little's law {:.1}, one per 20 daily visitors {}",
        advice.littles_law, advice.per_20_daily_visitors
    );
    Ok(())
}
