//! ROI per channel: calls, outcomes, deals, revenue, cost, and the revenue lost to missed calls
//! nobody returned. Read from the rollups (not by scanning calls), plus the costs and the few
//! missed calls still inside their callback SLA.

use std::collections::BTreeMap;

use chrono::{DateTime, Duration, NaiveDate, Utc};
use serde::Serialize;

use crate::calls::{missed_state, MissedState};
use crate::model::*;
use crate::ports::*;

/// Below this many answered calls (or won deals) a channel's own conversion (or deal value) is
/// too noisy, and the tenant's assumption is used for the lost-revenue estimate.
const MIN_ANSWERED_FOR_OWN_CONVERSION: i64 = 20;
const MIN_WON_FOR_OWN_DEAL_VALUE: i64 = 5;

/// One channel's figures over a period. Money in minor units; see [`Report`] for people.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct ChannelFigures {
    pub channel: String,
    pub counters: Counters,
    pub cost_minor: i64,
    /// Missed, not returned, past the callback SLA.
    pub lost: i64,
    /// Missed, not returned, still inside the SLA.
    pub pending: i64,
    /// Estimated revenue the lost calls would have brought.
    pub lost_revenue_minor: i64,
}

impl ChannelFigures {
    /// (revenue - cost) / cost, or `None` where nothing was spent.
    pub fn roi(&self) -> Option<f64> {
        (self.cost_minor > 0).then(|| {
            (self.counters.revenue_minor - self.cost_minor) as f64 / self.cost_minor as f64
        })
    }
}

/// The ROI picture of one tenant over `[from, to]` (days in the tenant's zone).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Roi {
    pub tenant: TenantId,
    pub currency: Currency,
    pub from: NaiveDate,
    pub to: NaiveDate,
    pub channels: Vec<ChannelFigures>,
    pub totals: ChannelFigures,
}

/// Aggregates the period's rollups, costs and open missed calls per channel.
pub async fn aggregate(
    store: &dyn Store,
    tenant: &Tenant,
    from: NaiveDate,
    to: NaiveDate,
    now: DateTime<Utc>,
) -> Result<Roi, StoreError> {
    let mut by: BTreeMap<String, ChannelFigures> = BTreeMap::new();
    fn row<'a>(by: &'a mut BTreeMap<String, ChannelFigures>, ch: &str) -> &'a mut ChannelFigures {
        by.entry(ch.to_string()).or_insert_with(|| ChannelFigures {
            channel: ch.to_string(),
            ..Default::default()
        })
    }
    for r in store.rollups_between(&tenant.id, from, to).await? {
        row(&mut by, &r.channel).counters.add(&r.counters);
    }
    for c in store.costs_between(&tenant.id, from, to).await? {
        row(&mut by, &c.channel).cost_minor += c.cost_minor;
    }
    // Only calls inside the SLA window can still be pending; everything older is decided.
    let sla = Duration::minutes(i64::from(tenant.callback_sla_minutes));
    let (start, end) = day_bounds(tenant, from, to);
    let recent_from = start.max(now - sla - Duration::hours(1));
    if recent_from < end {
        for call in store.calls_between(&tenant.id, recent_from, end).await? {
            if missed_state(tenant, &call, now) == Some(MissedState::Pending) {
                row(&mut by, &call.attribution.channel).pending += 1;
            }
        }
    }
    let mut channels: Vec<ChannelFigures> = by.into_values().collect();
    for ch in &mut channels {
        let c = ch.counters;
        ch.lost = (c.missed - c.returned - ch.pending).max(0);
        ch.lost_revenue_minor = lost_revenue(tenant, &c, ch.lost);
    }
    channels.sort_by(|a, b| {
        b.counters
            .calls
            .cmp(&a.counters.calls)
            .then_with(|| a.channel.cmp(&b.channel))
    });
    let mut totals = ChannelFigures {
        channel: "total".into(),
        ..Default::default()
    };
    for ch in &channels {
        totals.counters.add(&ch.counters);
        totals.cost_minor += ch.cost_minor;
        totals.lost += ch.lost;
        totals.pending += ch.pending;
        totals.lost_revenue_minor += ch.lost_revenue_minor;
    }
    Ok(Roi {
        tenant: tenant.id.clone(),
        currency: tenant.currency,
        from,
        to,
        channels,
        totals,
    })
}

/// lost calls x conversion x average deal value, each from the channel's own history when it
/// has enough of it, else from the tenant's assumptions.
fn lost_revenue(tenant: &Tenant, c: &Counters, lost: i64) -> i64 {
    if lost == 0 {
        return 0;
    }
    let conversion_bp = if c.answered >= MIN_ANSWERED_FOR_OWN_CONVERSION {
        (c.won * 10_000 / c.answered.max(1)).min(10_000)
    } else {
        i64::from(tenant.loss.conversion_bp)
    };
    let deal_value = if c.won >= MIN_WON_FOR_OWN_DEAL_VALUE {
        c.revenue_minor / c.won
    } else {
        tenant.loss.average_deal_minor
    };
    lost * conversion_bp * deal_value / 10_000
}

/// The instants bounding `[from, to]` in the tenant's zone: `[start of from, start of to + 1)`.
pub fn day_bounds(
    tenant: &Tenant,
    from: NaiveDate,
    to: NaiveDate,
) -> (DateTime<Utc>, DateTime<Utc>) {
    let tz = tenant.tz();
    let at = |d: NaiveDate| {
        d.and_hms_opt(0, 0, 0)
            .and_then(|n| n.and_local_timezone(tz).earliest())
            .map(|t| t.with_timezone(&Utc))
            .unwrap_or_else(|| d.and_hms_opt(0, 0, 0).unwrap_or_default().and_utc())
    };
    (at(from), at(to + Duration::days(1)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn roi_is_none_without_cost_and_a_ratio_otherwise() {
        let mut f = ChannelFigures::default();
        assert_eq!(f.roi(), None);
        f.cost_minor = 10_000;
        f.counters.revenue_minor = 25_000;
        assert_eq!(f.roi(), Some(1.5));
    }

    #[test]
    fn lost_revenue_uses_assumptions_until_a_channel_has_history() {
        let t = Tenant::new(TenantId::parse("acme").unwrap(), "Acme");
        let few = Counters {
            answered: 3,
            won: 1,
            revenue_minor: 99_999,
            ..Default::default()
        };
        // 2 lost x 25% x 200.00
        assert_eq!(lost_revenue(&t, &few, 2), 10_000);
        let many = Counters {
            answered: 40,
            won: 10,
            revenue_minor: 500_000,
            ..Default::default()
        };
        // 2 lost x (10/40) x 500.00
        assert_eq!(lost_revenue(&t, &many, 2), 25_000);
    }
}
