//! Crediting a call on a pooled number to a visit, by weighing evidence.
//!
//! Candidates are the number's leases that were live at the call or ended within the pool's
//! grace window. Each gets a weight: a call intent (tap, click, copy) shortly before the call is
//! near-certain; a page still open at the call (a heartbeat within two periods) beats a closed
//! one; a closed page's claim fades with the time since it was last seen. The heaviest wins;
//! its share of all the weight (plus a fixed weight for "someone we never saw") is the
//! confidence, and a runner-up close to it makes the call `ambiguous`. The rules and their
//! numbers are in `docs/pool.md`.

use chrono::{DateTime, Duration, Utc};

use crate::model::{self, Attribution, AttributionMethod, Candidate, Lease, PhoneNumber, TenantId};
use crate::ports::{Store, StoreResult};

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

    /// Credits a call at `call_at` given the number's leases around it (any superset of the
    /// candidates: leases outside the window are ignored).
    pub fn attribute(
        &self,
        leases: &[Lease],
        call_at: DateTime<Utc>,
        pool: &model::Pool,
    ) -> Attribution {
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
        let open = since_seen <= self.heartbeat * 2 + Duration::seconds(30);
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

/// Credits a call at `call_at` from the number's leases, with the default rules. Pure: the
/// simulator and tests use it without a store.
pub fn attribute_from(leases: &[Lease], call_at: DateTime<Utc>, pool: &model::Pool) -> Attribution {
    AttributionRules::default().attribute(leases, call_at, pool)
}

/// The leases of `number` that can be candidates for a call at `call_at`: those overlapping
/// `[call_at - grace, call_at]`.
pub async fn leases_at(
    store: &dyn Store,
    tenant: &TenantId,
    pool: &model::Pool,
    number: &PhoneNumber,
    call_at: DateTime<Utc>,
) -> StoreResult<Vec<Lease>> {
    let grace = Duration::minutes(i64::from(pool.grace_minutes));
    store
        .leases_for_number(tenant, number, call_at - grace, call_at)
        .await
}

/// Credits a call to a pooled `number` at `call_at` (one store read). Call ingest uses this for
/// pool numbers; static numbers take `Attribution::static_source`, and the pool's default
/// number takes [`overflow`].
pub async fn attribute(
    store: &dyn Store,
    tenant: &TenantId,
    pool: &model::Pool,
    number: &PhoneNumber,
    call_at: DateTime<Utc>,
) -> StoreResult<Attribution> {
    let leases = leases_at(store, tenant, pool, number, call_at).await?;
    Ok(attribute_from(&leases, call_at, pool))
}

/// The attribution of a call to a pool's default number (shown to bots and on exhaustion).
pub fn overflow() -> Attribution {
    Attribution {
        method: AttributionMethod::PoolOverflow,
        channel: "pool_overflow".into(),
        ..Attribution::unattributed()
    }
}
