//! A discrete-event simulation of a website's visitors and their calls, driving the real pool
//! ([`Pool`]) and attribution code through the store port with a simulated clock.
//!
//! The workload (arrivals, stays, who calls when, taps and copies) is drawn up front from its
//! own seeded stream, and the `random` policy draws from another, so every policy and pool size
//! sees exactly the same visitors and calls for a seed: comparisons are paired. Each call is
//! credited twice, with and without evidence, from the same leases. The behaviour model and its
//! defaults are documented in `docs/pool.md`.

use std::cmp::Reverse;
use std::collections::{BinaryHeap, HashMap};

use chrono::{DateTime, Duration, TimeZone, Utc};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use rand_distr::{Distribution, LogNormal};
use serde::Serialize;

use super::directory::{leases_at, look_up};
use super::pool::{AcquireError, AcquireOutcome, LeaseError, Pool};
use crate::attribution::AttributionRules;
use crate::model::{
    self, Attribution, AttributionMethod, ExhaustionPolicy, IntentKind, LeaseId, PhoneNumber,
    PoolId, Selection, Tenant, TenantId, TrackingNumber, Visit,
};
use crate::ports::{ManualClock, Store, StoreError};

/// How visitors behave. `Default` is the documented model.
#[derive(Debug, Clone, PartialEq)]
pub struct Behaviour {
    /// Share of visitors who call.
    pub call_share: f64,
    /// Share of callers who call while on the page (the rest call after leaving).
    pub during_visit_share: f64,
    /// Share of in-visit callers who tap or click the number first (mobile).
    pub tap_share: f64,
    /// Share of after-visit callers who copied the number before leaving.
    pub copy_share: f64,
    /// Median minutes from leaving to an after-visit call (lognormal).
    pub after_median_minutes: f64,
    /// Spread (sigma of the log) of the after-visit delay.
    pub after_sigma: f64,
    /// Spread (sigma of the log) of the stay around its mean.
    pub stay_sigma: f64,
    /// The snippet's heartbeat period while the page is open.
    pub heartbeat_seconds: i64,
    /// Amplitude of the daily curve: the rate is `V * (1 + a * sin(2pi (h - 9) / 24))`, peaking
    /// at 15:00 and lowest at 03:00, averaging V over a day.
    pub daily_amplitude: f64,
    /// How often the lease-expiry job runs.
    pub expiry_every_seconds: i64,
}

impl Default for Behaviour {
    fn default() -> Self {
        Self {
            call_share: 0.10,
            during_visit_share: 0.5,
            tap_share: 0.6,
            copy_share: 0.2,
            after_median_minutes: 10.0,
            after_sigma: 1.0,
            stay_sigma: 0.8,
            heartbeat_seconds: 60,
            daily_amplitude: 0.5,
            expiry_every_seconds: 60,
        }
    }
}

/// One simulation's parameters. Pool settings default to `model::PoolSettings::new`'s.
#[derive(Debug, Clone, PartialEq)]
pub struct SimParams {
    pub visitors_per_hour: f64,
    /// Mean stay on the site, minutes.
    pub session_minutes: f64,
    pub pool_size: u32,
    pub hours: u32,
    pub seed: u64,
    pub policy: Selection,
    pub lease_minutes: u32,
    pub grace_minutes: u32,
    pub cooldown_minutes: u32,
    pub behaviour: Behaviour,
}

impl SimParams {
    pub fn new(visitors_per_hour: f64, session_minutes: f64, pool_size: u32) -> Self {
        let d = model::PoolSettings::new(sim_tenant(), sim_pool_id());
        Self {
            visitors_per_hour,
            session_minutes,
            pool_size,
            hours: 24,
            seed: 1,
            policy: Selection::Lru,
            lease_minutes: d.lease_minutes,
            grace_minutes: d.grace_minutes,
            cooldown_minutes: d.cooldown_minutes,
            behaviour: Behaviour::default(),
        }
    }

    /// The pool under test: `lru-hard-cooldown` shows the default number on exhaustion (its
    /// point is precision over coverage); the other policies share the oldest number.
    pub fn pool(&self) -> model::PoolSettings {
        let mut p = model::PoolSettings::new(sim_tenant(), sim_pool_id());
        p.lease_minutes = self.lease_minutes;
        p.grace_minutes = self.grace_minutes;
        p.cooldown_minutes = self.cooldown_minutes;
        p.selection = self.policy;
        p.default_number = Some(number(0));
        p.exhaustion = match self.policy {
            Selection::LruHardCooldown => ExhaustionPolicy::DefaultNumber,
            _ => ExhaustionPolicy::ShareOldest,
        };
        p
    }
}

/// How the calls were credited under one set of rules.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize)]
pub struct Score {
    pub calls: u64,
    pub attributed_correctly: u64,
    /// Correct / calls (every simulated call comes from a pooled visitor).
    pub accuracy: f64,
    /// Correct / calls credited to some visitor (an ambiguous call counts as its best candidate).
    pub precision: f64,
    /// Credited to another visitor.
    pub misattributed: u64,
    /// No candidate (called after the lease and its grace ended).
    pub unattributed: u64,
    /// Credited with a close runner-up (counted in correct or misattributed as well).
    pub ambiguous: u64,
    /// Dialled the default number shown on exhaustion.
    pub overflow: u64,
}

/// One simulation's result.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SimOutcome {
    pub visitors: u64,
    pub with_evidence: Score,
    pub without_evidence: Score,
    /// Acquires that found no free number (shared or default number), from the pool's health.
    pub exhaustions: i64,
    /// Free numbers taken inside their cool-down, from the pool's health.
    pub early_reuses: i64,
    pub peak_leased: u32,
    /// Mean leased numbers / pool size, sampled every minute.
    pub utilisation: f64,
}

#[derive(Debug, thiserror::Error)]
pub enum SimError {
    #[error("{0}")]
    Invalid(String),
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Acquire(#[from] AcquireError),
}

fn sim_tenant() -> TenantId {
    TenantId::parse("sim").expect("static")
}

fn sim_pool_id() -> PoolId {
    PoolId::parse("web").expect("static")
}

/// The simulation's numbers: `+7 495 100 00 00 + i` (0 is the default number).
fn number(i: u32) -> PhoneNumber {
    PhoneNumber::parse(&format!("+7495{:07}", 1_000_000 + i), None).expect("valid Moscow number")
}

/// One visitor's whole behaviour, drawn before the run from the workload stream.
#[derive(Debug, Clone)]
struct Plan {
    arrive: i64,
    leave: i64,
    call_at: Option<i64>,
    intent: Option<(i64, IntentKind)>,
}

/// Draws the workload: the same for every policy and pool size for a seed.
fn workload(p: &SimParams) -> Result<Vec<Plan>, SimError> {
    let b = &p.behaviour;
    let mut rng = ChaCha8Rng::seed_from_u64(p.seed);
    let horizon = i64::from(p.hours) * 3_600_000;
    let peak = p.visitors_per_hour * (1.0 + b.daily_amplitude.abs()) / 3_600_000.0;
    let stay_mu = p.session_minutes.max(0.05).ln() - b.stay_sigma * b.stay_sigma / 2.0;
    let stay =
        LogNormal::new(stay_mu, b.stay_sigma).map_err(|e| SimError::Invalid(e.to_string()))?;
    let after = LogNormal::new(b.after_median_minutes.max(0.01).ln(), b.after_sigma)
        .map_err(|e| SimError::Invalid(e.to_string()))?;
    let mut plans = vec![];
    let mut t = 0.0f64;
    loop {
        // Thinning: candidate arrivals at the peak rate, kept by the daily curve.
        t += -rng.gen::<f64>().max(1e-12).ln() / peak;
        if t >= horizon as f64 {
            break;
        }
        let hour = t / 3_600_000.0;
        let rate = 1.0 + b.daily_amplitude * (std::f64::consts::TAU * (hour - 9.0) / 24.0).sin();
        let keep = rng.gen::<f64>() < rate / (1.0 + b.daily_amplitude.abs());
        // Draw every visitor's behaviour whether kept or not, so the streams stay aligned.
        let stay_ms = (stay.sample(&mut rng) * 60_000.0).max(10_000.0) as i64;
        let calls = rng.gen::<f64>() < b.call_share;
        let during = rng.gen::<f64>() < b.during_visit_share;
        let u = rng.gen::<f64>();
        let with_intent = rng.gen::<f64>();
        let lead = rng.gen_range(2_000..20_000);
        let delay_ms = (after.sample(&mut rng) * 60_000.0) as i64;
        if !keep {
            continue;
        }
        let arrive = t as i64;
        let leave = arrive + stay_ms;
        let (call_at, intent) = if !calls {
            (None, None)
        } else if during {
            let at = arrive + lead + ((stay_ms - lead).max(0) as f64 * u) as i64;
            let tap = (with_intent < b.tap_share).then_some((at - lead, IntentKind::Tap));
            (Some(at), tap)
        } else {
            let copy_at = arrive + (stay_ms as f64 * u) as i64;
            let copy = (with_intent < b.copy_share).then_some((copy_at, IntentKind::Copy));
            (Some(leave + delay_ms), copy)
        };
        plans.push(Plan {
            arrive,
            leave,
            call_at,
            intent,
        });
    }
    Ok(plans)
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Ev {
    /// The expiry job (sorted first at equal times, as a scheduler would fire it).
    Expiry,
    Arrive(usize),
    Heartbeat(usize),
    Intent(usize),
    Call(usize),
}

/// What a visitor was shown.
#[derive(Debug, Clone)]
struct Shown {
    lease: Option<LeaseId>,
    number: PhoneNumber,
}

/// Runs one simulation on an empty store (a fresh `SqliteStore::in_memory()` is right).
pub async fn simulate(store: &dyn Store, p: &SimParams) -> Result<SimOutcome, SimError> {
    if p.pool_size == 0 || p.visitors_per_hour <= 0.0 || p.session_minutes <= 0.0 || p.hours == 0 {
        return Err(SimError::Invalid(
            "pool, visitors per hour, session minutes and hours must be positive".into(),
        ));
    }
    let plans = workload(p)?;
    let start = Utc
        .with_ymd_and_hms(2024, 1, 1, 0, 0, 0)
        .single()
        .expect("static");
    let at = |ms: i64| start + Duration::milliseconds(ms);
    let clock = ManualClock::new(start);
    let pool_cfg = p.pool();
    let tenant = Tenant::new(sim_tenant(), "simulation");
    store.put_tenant(&tenant).await?;
    store.put_pool(&pool_cfg).await?;
    for i in 1..=p.pool_size {
        let n = TrackingNumber {
            number: number(i),
            tenant: tenant.id.clone(),
            kind: model::NumberKind::Pool {
                pool: pool_cfg.id.clone(),
            },
            forward_to: None,
        };
        store.put_number(&n).await?;
    }
    let pool = Pool::seeded(store, &clock, p.seed ^ 0x5eed_9001_u64);
    let with = AttributionRules::default();
    let without = AttributionRules::lease_only();

    let horizon = i64::from(p.hours) * 3_600_000;
    let mut queue: BinaryHeap<Reverse<(i64, Ev)>> = BinaryHeap::new();
    for (i, plan) in plans.iter().enumerate() {
        queue.push(Reverse((plan.arrive, Ev::Arrive(i))));
        if let Some((t, _)) = plan.intent {
            queue.push(Reverse((t, Ev::Intent(i))));
        }
        if let Some(t) = plan.call_at.filter(|t| *t < horizon) {
            queue.push(Reverse((t, Ev::Call(i))));
        }
    }
    let tick = p.behaviour.expiry_every_seconds.max(1) * 1000;
    queue.push(Reverse((tick, Ev::Expiry)));

    let hb = p.behaviour.heartbeat_seconds.max(1) * 1000;
    let mut shown: Vec<Option<Shown>> = vec![None; plans.len()];
    // Mirror of each number's slot (holder, available_at), from the results the code returned.
    let mut slots: HashMap<PhoneNumber, (LeaseId, DateTime<Utc>)> = HashMap::new();
    let (mut samples, mut leased_sum, mut peak) = (0u64, 0u64, 0u32);
    let mut score_with = Score::default();
    let mut score_without = Score::default();

    while let Some(Reverse((t, ev))) = queue.pop() {
        if t >= horizon {
            break;
        }
        clock.set(at(t));
        match ev {
            Ev::Expiry => {
                super::pool::expire(store, at(t)).await?;
                let leased = slots.values().filter(|(_, until)| *until > at(t)).count() as u32;
                peak = peak.max(leased);
                leased_sum += u64::from(leased);
                samples += 1;
                queue.push(Reverse((t + tick, Ev::Expiry)));
            }
            Ev::Arrive(i) => {
                let visit = Visit {
                    visitor_id: format!("v{i}"),
                    utm_source: Some(channel(i).into()),
                    ..Visit::default()
                };
                let got = pool.acquire(&tenant, &pool_cfg, visit).await?;
                if let Some(l) = &got.lease {
                    slots.insert(l.number.clone(), (l.id.clone(), l.expires_at));
                }
                shown[i] = Some(Shown {
                    lease: got.lease.map(|l| l.id),
                    number: got.number,
                });
                if got.outcome != AcquireOutcome::Overflow && t + hb < plans[i].leave {
                    queue.push(Reverse((t + hb, Ev::Heartbeat(i))));
                }
            }
            Ev::Heartbeat(i) => {
                let Some(id) = shown[i].as_ref().and_then(|s| s.lease.clone()) else {
                    continue;
                };
                match pool.renew_with(&pool_cfg, &id).await {
                    Ok(l) => {
                        if let Some(slot) = slots
                            .get_mut(&l.number)
                            .filter(|(holder, _)| *holder == l.id)
                        {
                            slot.1 = l.expires_at;
                        }
                    }
                    // (Renewals never answer TooManyIntents; it shares the error type.)
                    Err(LeaseError::Ended | LeaseError::NotFound | LeaseError::TooManyIntents) => {
                        // The snippet asks for a new lease and shows whatever it gets.
                        let visit = Visit {
                            visitor_id: format!("v{i}"),
                            utm_source: Some(channel(i).into()),
                            ..Visit::default()
                        };
                        let got = pool.acquire(&tenant, &pool_cfg, visit).await?;
                        if let Some(l) = &got.lease {
                            slots.insert(l.number.clone(), (l.id.clone(), l.expires_at));
                        }
                        shown[i] = Some(Shown {
                            lease: got.lease.map(|l| l.id),
                            number: got.number,
                        });
                    }
                    Err(LeaseError::Store(e)) => return Err(e.into()),
                }
                if t + hb < plans[i].leave {
                    queue.push(Reverse((t + hb, Ev::Heartbeat(i))));
                }
            }
            Ev::Intent(i) => {
                let kind = plans[i].intent.map(|(_, k)| k).unwrap_or(IntentKind::Tap);
                if let Some(id) = shown[i].as_ref().and_then(|s| s.lease.clone()) {
                    match pool.intent(&id, kind).await {
                        Ok(_)
                        | Err(
                            LeaseError::NotFound | LeaseError::Ended | LeaseError::TooManyIntents,
                        ) => {}
                        Err(LeaseError::Store(e)) => return Err(e.into()),
                    }
                }
            }
            Ev::Call(i) => {
                let Some(s) = shown[i].clone() else { continue };
                let visitor = format!("v{i}");
                if s.lease.is_none() {
                    for score in [&mut score_with, &mut score_without] {
                        score.calls += 1;
                        score.overflow += 1;
                    }
                    continue;
                }
                let dialled = look_up(store, &tenant, &s.number).await?;
                let leases = leases_at(store, &pool_cfg, &s.number, at(t)).await?;
                tally(
                    &mut score_with,
                    &with.attribute_call(&dialled, at(t), &leases, &[]),
                    &visitor,
                );
                tally(
                    &mut score_without,
                    &without.attribute_call(&dialled, at(t), &leases, &[]),
                    &visitor,
                );
            }
        }
    }
    let health = store
        .pool_health(&tenant.id, &pool_cfg.id, start, at(horizon + 3_600_000))
        .await?;
    let (exhaustions, early_reuses) = health.iter().fold((0, 0), |(e, r), (_, h)| {
        (e + h.exhaustions, r + h.early_reuses)
    });
    finish(&mut score_with);
    finish(&mut score_without);
    Ok(SimOutcome {
        visitors: plans.len() as u64,
        with_evidence: score_with,
        without_evidence: score_without,
        exhaustions,
        early_reuses,
        peak_leased: peak,
        utilisation: if samples == 0 {
            0.0
        } else {
            leased_sum as f64 / samples as f64 / f64::from(p.pool_size)
        },
    })
}

/// A few channels, so rollups and candidates carry something to tell apart.
fn channel(i: usize) -> &'static str {
    ["google", "yandex", "facebook", "newsletter"][i % 4]
}

fn tally(s: &mut Score, a: &Attribution, visitor: &str) {
    s.calls += 1;
    match a.method {
        AttributionMethod::Lease | AttributionMethod::Ambiguous => {
            if a.method == AttributionMethod::Ambiguous {
                s.ambiguous += 1;
            }
            if a.visit.as_ref().is_some_and(|v| v.visitor_id == visitor) {
                s.attributed_correctly += 1;
            } else {
                s.misattributed += 1;
            }
        }
        AttributionMethod::PoolOverflow => s.overflow += 1,
        AttributionMethod::Unattributed | AttributionMethod::Static => s.unattributed += 1,
    }
}

fn finish(s: &mut Score) {
    let ratio = |a: u64, b: u64| if b == 0 { 0.0 } else { a as f64 / b as f64 };
    s.accuracy = ratio(s.attributed_correctly, s.calls);
    s.precision = ratio(
        s.attributed_correctly,
        s.attributed_correctly + s.misattributed,
    );
}

/// Little's law: the visitors on the site at once, on average (`V x M / 60`).
pub fn littles_law(visitors_per_hour: f64, session_minutes: f64) -> f64 {
    visitors_per_hour * session_minutes / 60.0
}

/// The pool-size search's answer.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SizeAdvice {
    pub recommended_pool: u32,
    pub reachable: bool,
    pub littles_law: f64,
    /// The rule of thumb of one number per 20 daily visitors.
    pub per_20_daily_visitors: u32,
    pub accuracy: f64,
    pub precision: f64,
    /// Pool sizes tried, with their accuracy, in the order tried.
    pub tried: Vec<(u32, f64)>,
}

/// The smallest pool whose simulated accuracy reaches `target` (the default policy, the
/// params' hours and seed), to within 5%: doubling upward from Little's law, then bisecting. Each size runs on a fresh store from `make_store`. When no pool up to 20 x Little's
/// law reaches it, `reachable` is false and the best size found is given.
pub async fn size<S: Store, F: FnMut() -> Result<S, StoreError>>(
    base: &SimParams,
    target: f64,
    mut make_store: F,
) -> Result<SizeAdvice, SimError> {
    let little = littles_law(base.visitors_per_hour, base.session_minutes);
    let limit = ((20.0 * little).ceil() as u32).max(2);
    let mut tried: Vec<(u32, f64, f64)> = vec![];
    let mut run = |n: u32| {
        let mut params = base.clone();
        params.pool_size = n;
        params.policy = Selection::Lru;
        let store = make_store();
        async move {
            let store = store?;
            let out = simulate(&store, &params).await?;
            Ok::<_, SimError>((n, out.with_evidence.accuracy, out.with_evidence.precision))
        }
    };
    // Double until the target is met or the limit passed (coarse), then bisect between the
    // last miss and the first hit down to 5% of the size (fine): about ten runs in all.
    let mut lo = 0u32; // largest size known to miss
    let mut hi = None; // smallest size known to meet
    let mut n = (little.ceil() as u32).max(1);
    loop {
        let r = run(n).await?;
        tried.push(r);
        if r.1 >= target {
            hi = Some(r);
            break;
        }
        lo = n;
        if n >= limit {
            break;
        }
        n = (n * 2).min(limit);
    }
    if let Some(mut best) = hi {
        let mut top = best.0;
        while top - lo > (top / 20).max(1) {
            let mid = lo + (top - lo) / 2;
            let r = run(mid).await?;
            tried.push(r);
            if r.1 >= target {
                top = mid;
                best = r;
            } else {
                lo = mid;
            }
        }
        return Ok(advice(best, true, little, base, &tried));
    }
    let best = tried
        .iter()
        .copied()
        .fold(tried[0], |b, r| if r.1 > b.1 { r } else { b });
    Ok(advice(best, false, little, base, &tried))
}

fn advice(
    best: (u32, f64, f64),
    reachable: bool,
    little: f64,
    base: &SimParams,
    tried: &[(u32, f64, f64)],
) -> SizeAdvice {
    SizeAdvice {
        recommended_pool: best.0,
        reachable,
        littles_law: (little * 100.0).round() / 100.0,
        per_20_daily_visitors: ((base.visitors_per_hour * 24.0 / 20.0).ceil() as u32).max(1),
        accuracy: best.1,
        precision: best.2,
        tried: tried.iter().map(|r| (r.0, r.1)).collect(),
    }
}
