//! Where a call came from: the one place every call is attributed.
//!
//! [`attribute_call`] covers every case, decided by what the dialled number is to the tenant
//! ([`Dialled`], read from the number directory by [`crate::numbers::look_up`]):
//!
//! - a **static** number: its source, with certainty (`static`);
//! - a **pooled** number: the visit whose lease weighs most (`lease`, or `ambiguous` when a
//!   runner-up comes close), see below;
//! - a pool's **default number** (shown to bots and when the pool ran out): `pool_overflow`,
//!   channel `(pool overflow)`;
//! - a number we do not track, or another tenant's: `unattributed`;
//! - and for every inbound call, **first touch**: the channel of the caller's earliest call
//!   when it differs from this one ([`first_touch`]), and whether the caller is new
//!   ([`first_time_caller`]).
//!
//! [`attribute_new_call`] reads what that needs (directory, pool, leases, the caller's earlier
//! calls) when ingest first sees a call; the simulator calls [`AttributionRules::attribute_call`]
//! directly.
//!
//! Weighing a pooled number's leases: candidates are the number's leases that were live at the
//! call or ended within the pool's grace window. Each gets a weight: a call intent (tap, click,
//! copy) shortly before the call is near-certain; a page still open at the call (a heartbeat
//! within two periods) beats a closed one; a closed page's claim fades with the time since it
//! was last seen. The heaviest wins; its share of all the weight (plus a fixed weight for
//! "someone we never saw") is the confidence, and a runner-up close to it makes the call
//! `ambiguous`. The rules and their numbers are in `docs/pool.md`.

use chrono::{DateTime, Duration, Utc};

use crate::model::{
    Attribution, AttributionMethod, Call, CallId, Candidate, Direction, Lease, NumberKind,
    PhoneNumber, PoolSettings, Tenant, TrackingNumber,
};
use crate::numbers::{self, Dialled};
use crate::ports::{CallStore, LeaseStore, NumberStore, StoreResult};

/// The channel of calls to a pool's default number.
pub const POOL_OVERFLOW_CHANNEL: &str = "(pool overflow)";

/// The weights of evidence. `Default` is what production uses.
#[derive(Debug, Clone, PartialEq)]
pub struct AttributionRules {
    /// Weigh intents and heartbeats. Off, a call goes to whoever held the number (the live
    /// lease that started last, else the most recently ended): the benchmark's baseline.
    pub evidence: bool,
    /// An intent this long before the call (or up to a minute after, for clock skew) makes its
    /// visit near-certain.
    pub intent_window: Duration,
    /// The snippet's heartbeat period: a page seen within two periods (plus 30 s) of the call
    /// was open at the call.
    pub heartbeat: Duration,
    /// A closed page's claim halves every this long since it was last seen (evidence off: since
    /// the lease ended).
    pub half_life: Duration,
    /// A runner-up with at least this share of the winner's weight makes the call ambiguous.
    pub ambiguous_ratio: f64,
}

impl Default for AttributionRules {
    fn default() -> Self {
        Self {
            evidence: true,
            intent_window: Duration::minutes(10),
            heartbeat: Duration::seconds(60),
            half_life: Duration::minutes(20),
            ambiguous_ratio: 0.5,
        }
    }
}

impl AttributionRules {
    /// A page last seen `since_seen` ago is still open: within two heartbeats, plus 30 s.
    pub fn page_open(&self, since_seen: Duration) -> bool {
        since_seen <= self.heartbeat * 2 + Duration::seconds(30)
    }
}

/// Weight of a page open at the call (or, evidence off, of the lease holding the number).
const OPEN: f64 = 4.0;
/// Weight of a closed page just seen (or, evidence off, of a lease that just ended).
const CLOSED: f64 = 2.0;
/// Factor of an intent inside the window before the call.
const RECENT_INTENT: f64 = 25.0;
/// Factor of an intent earlier in the visit (the visitor copied the number and left).
const EARLIER_INTENT: f64 = 3.0;
/// The weight of every caller we never saw (a number read off a screenshot, a late call):
/// keeps a lone weak candidate from being certain.
const UNSEEN: f64 = 1.0;
/// At most this many runners-up are kept on the call.
const MAX_RUNNERS_UP: usize = 5;

impl AttributionRules {
    /// The default rules with the evidence switched off.
    pub fn lease_only() -> Self {
        Self {
            evidence: false,
            ..Self::default()
        }
    }

    /// Credits a call at `call_at` to the number dialled: every case of the module header.
    /// `leases` are the number's leases around the call (any superset of the candidates; only
    /// read for a pooled number), `history` the caller's earlier calls, oldest first.
    pub fn attribute_call(
        &self,
        dialled: &Dialled,
        call_at: DateTime<Utc>,
        leases: &[Lease],
        history: &[Call],
    ) -> Attribution {
        let mut a = match dialled {
            Dialled::Static(number) => static_source(number),
            Dialled::Pooled { pool, .. } => self.weigh(leases, call_at, pool),
            Dialled::PoolDefault { .. } => Attribution {
                method: AttributionMethod::PoolOverflow,
                channel: POOL_OVERFLOW_CHANNEL.into(),
                ..Attribution::unattributed()
            },
            Dialled::Untracked => Attribution::unattributed(),
        };
        a.first_touch_channel = first_touch(history, &a.channel);
        a
    }

    /// The visit a call to a pooled number came from, by the weight of its lease's evidence.
    fn weigh(&self, leases: &[Lease], call_at: DateTime<Utc>, pool: &PoolSettings) -> Attribution {
        let grace = Duration::minutes(i64::from(pool.grace_minutes));
        let mut weighed: Vec<(f64, &Lease)> = leases
            .iter()
            .filter(|l| l.started_at <= call_at && call_at <= l.end() + grace)
            .map(|l| (self.weight(l, call_at), l))
            .collect();
        if weighed.is_empty() {
            return Attribution::unattributed();
        }
        // Heaviest first; on a tie, the lease that started last (it holds the number).
        weighed.sort_by(|a, b| {
            b.0.total_cmp(&a.0)
                .then(b.1.started_at.cmp(&a.1.started_at))
        });
        let total: f64 = weighed.iter().map(|(w, _)| w).sum::<f64>() + UNSEEN;
        let (best_w, best) = weighed[0];
        let ambiguous = weighed
            .get(1)
            .is_some_and(|(w, _)| *w >= self.ambiguous_ratio * best_w);
        let runners_up = weighed[1..]
            .iter()
            .take(MAX_RUNNERS_UP)
            .map(|(w, l)| Candidate {
                lease_id: l.id.clone(),
                visitor_id: l.visit.visitor_id.clone(),
                channel: l.visit.channel(),
                likelihood: round3(w / total),
            })
            .collect();
        Attribution {
            method: if ambiguous {
                AttributionMethod::Ambiguous
            } else {
                AttributionMethod::Lease
            },
            channel: best.visit.channel(),
            campaign: best.visit.utm_campaign.clone(),
            term: best.visit.utm_term.clone(),
            visit: Some(best.visit.clone()),
            lease_id: Some(best.id.clone()),
            confidence: round3(best_w / total),
            runners_up,
            first_touch_channel: None,
        }
    }

    /// The weight of one candidate lease for a call at `t`.
    fn weight(&self, l: &Lease, t: DateTime<Utc>) -> f64 {
        if !self.evidence {
            return if l.is_live(t) {
                OPEN
            } else {
                CLOSED * self.fade(t - l.end())
            };
        }
        let since_seen = t - l.last_seen_at;
        let open = self.page_open(since_seen);
        let base = if open {
            OPEN
        } else {
            CLOSED * self.fade(since_seen)
        };
        let skew = Duration::minutes(1);
        let recent = l
            .intents
            .iter()
            .any(|i| i.at <= t + skew && t - i.at <= self.intent_window);
        let earlier = l.intents.iter().any(|i| i.at <= t);
        base * if recent {
            RECENT_INTENT
        } else if earlier {
            EARLIER_INTENT
        } else {
            1.0
        }
    }

    /// 1 now, 1/2 after one half-life, ...
    fn fade(&self, age: Duration) -> f64 {
        let age = age.num_milliseconds().max(0) as f64;
        let half = self.half_life.num_milliseconds().max(1) as f64;
        0.5f64.powf(age / half)
    }
}

fn round3(x: f64) -> f64 {
    (x * 1000.0).round() / 1000.0
}

/// Credits a call with the default rules (see [`AttributionRules::attribute_call`]).
pub fn attribute_call(
    dialled: &Dialled,
    call_at: DateTime<Utc>,
    leases: &[Lease],
    history: &[Call],
) -> Attribution {
    AttributionRules::default().attribute_call(dialled, call_at, leases, history)
}

fn static_source(number: &TrackingNumber) -> Attribution {
    match &number.kind {
        NumberKind::Static {
            source, campaign, ..
        } => Attribution {
            method: AttributionMethod::Static,
            channel: source.clone(),
            campaign: campaign.clone(),
            confidence: 1.0,
            ..Attribution::unattributed()
        },
        NumberKind::Pool { .. } => Attribution::unattributed(),
    }
}

/// The channel of the caller's first inbound call, when it differs from this call's.
pub fn first_touch(history: &[Call], channel: &str) -> Option<String> {
    history
        .iter()
        .find(|c| c.direction == Direction::Inbound)
        .map(|first| first.attribution.channel.clone())
        .filter(|first| first != channel)
}

/// A caller who never called the tenant before (outbound calls to them do not count).
pub fn first_time_caller(history: &[Call]) -> bool {
    !history.iter().any(|c| c.direction == Direction::Inbound)
}

/// A new call's attribution and whether its caller is new, read from the store: the dialled
/// number's directory entry, its leases around the call (pooled numbers only) and the caller's
/// earlier calls. Only inbound calls are attributed; an outbound one is `unattributed`.
pub async fn attribute_new_call<S>(
    store: &S,
    tenant: &Tenant,
    call: &Call,
) -> StoreResult<(Attribution, bool)>
where
    S: NumberStore + LeaseStore + CallStore + ?Sized,
{
    if call.direction != Direction::Inbound {
        return Ok((Attribution::unattributed(), false));
    }
    let dialled = match &call.tracking_number {
        Some(number) => numbers::look_up(store, tenant, number).await?,
        None => Dialled::Untracked,
    };
    let leases = match (&dialled, &call.tracking_number) {
        (Dialled::Pooled { pool, .. }, Some(number)) => {
            numbers::leases_at(store, pool, number, call.started_at).await?
        }
        _ => vec![],
    };
    let Some(caller) = &call.caller else {
        // A withheld caller has no history to read: no first touch, not known to be new.
        return Ok((
            attribute_call(&dialled, call.started_at, &leases, &[]),
            false,
        ));
    };
    let history = earlier_calls(store, tenant, caller, &call.id, call.started_at).await?;
    Ok((
        attribute_call(&dialled, call.started_at, &leases, &history),
        first_time_caller(&history),
    ))
}

/// How many of a caller's earliest calls a new call reads: its first inbound call is among them
/// unless the business called that customer this many times before they ever called in.
pub const CALLER_SUMMARY_CALLS: usize = 20;

/// The caller's earliest calls before `at` (a bounded summary, [`CALLER_SUMMARY_CALLS`]),
/// oldest first, this one left out.
async fn earlier_calls<S: CallStore + ?Sized>(
    store: &S,
    tenant: &Tenant,
    caller: &PhoneNumber,
    this: &CallId,
    at: DateTime<Utc>,
) -> StoreResult<Vec<Call>> {
    let first = store
        .first_calls_with(&tenant.id, caller, CALLER_SUMMARY_CALLS + 1)
        .await?;
    Ok(first
        .into_iter()
        .filter(|c| c.id != *this && c.started_at < at)
        .collect())
}
