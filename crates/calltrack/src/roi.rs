//! ROI per channel (or campaign, number, manager...): calls, outcomes, deals, revenue, cost, and the revenue lost to missed calls
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

/// One group's figures over a period (a channel's, a campaign's...). Money in minor units; see
/// [`Report`](crate::report::Report) for people.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct ChannelFigures {
    /// The channel, campaign, number... (`total` for the totals).
    pub channel: String,
    pub counters: Counters,
    pub cost_minor: i64,
    /// Missed, not returned, past the callback SLA.
    pub lost: i64,
    /// Missed, not returned, still inside the SLA.
    pub pending: i64,
    /// Estimated revenue the lost calls would have brought.
    pub lost_revenue_minor: i64,
    /// True when the estimate used the tenant's assumptions: the group had too few answered
    /// calls or won deals of its own.
    pub lost_revenue_assumed: bool,
    /// Revenue of won deals whose caller first came through this channel (channel reports).
    pub first_touch_revenue_minor: i64,
    /// The group's sketch cells summed over the period: unique callers and the time to return
    /// ([`crate::sketch`]).
    #[serde(skip)]
    pub cells: Cells,
}

impl ChannelFigures {
    /// (revenue - cost) / cost, or `None` where nothing was spent.
    pub fn roi(&self) -> Option<f64> {
        (self.cost_minor > 0).then(|| {
            (self.counters.revenue_minor - self.cost_minor) as f64 / self.cost_minor as f64
        })
    }
}

/// One day of the period over every group: the email's "calls per day" chart.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct DayFigures {
    pub day: NaiveDate,
    pub calls: i64,
    pub answered: i64,
    pub missed: i64,
}

/// The group of facts counted before the dimension existed (their channel has them).
pub const NOT_RECORDED: &str = "(not recorded)";

/// The ROI picture of one tenant over `[from, to]` (days in the tenant's zone), by one dimension.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Roi {
    pub tenant: TenantId,
    pub currency: Currency,
    pub from: NaiveDate,
    pub to: NaiveDate,
    pub dimension: Dimension,
    /// The tenant's IANA zone: days are its days, and times are shown in it.
    pub timezone: String,
    /// The tenant's language (`ru-RU`, `en-US`): the email is written in it.
    pub language: String,
    /// One row per group, most calls first.
    pub channels: Vec<ChannelFigures>,
    pub totals: ChannelFigures,
    /// What a reader must know to read the groups right (costs not split, history missing).
    pub notes: Vec<String>,
    /// Every day of `[from, to]` in order, days without calls included.
    pub daily: Vec<DayFigures>,
}

/// Aggregates the period's rollups, costs and open missed calls per channel.
pub async fn aggregate(
    store: &dyn Store,
    tenant: &Tenant,
    from: NaiveDate,
    to: NaiveDate,
    now: DateTime<Utc>,
) -> Result<Roi, StoreError> {
    aggregate_by(store, tenant, Dimension::Channel, from, to, now).await
}

/// Aggregates the period per group of `dim`. The groups add up to the channel totals: facts
/// counted before the dimension existed form a [`NOT_RECORDED`] group, never a silent zero.
pub async fn aggregate_by(
    store: &dyn Store,
    tenant: &Tenant,
    dim: Dimension,
    from: NaiveDate,
    to: NaiveDate,
    now: DateTime<Utc>,
) -> Result<Roi, StoreError> {
    let mut by: BTreeMap<String, ChannelFigures> = BTreeMap::new();
    fn row<'a>(by: &'a mut BTreeMap<String, ChannelFigures>, g: &str) -> &'a mut ChannelFigures {
        by.entry(g.to_string()).or_insert_with(|| ChannelFigures {
            channel: g.to_string(),
            ..Default::default()
        })
    }
    let mut notes = vec![];
    let ru = tenant.writes_russian();
    let channel_rows = store
        .rollups_between(&tenant.id, Dimension::Channel, from, to)
        .await?;
    if dim == Dimension::Channel {
        for r in &channel_rows {
            row(&mut by, &r.group).counters.add(&r.counters);
        }
        let first = store
            .rollups_between(&tenant.id, Dimension::FirstTouch, from, to)
            .await?;
        for r in first {
            if r.group != NOT_RECORDED {
                row(&mut by, &r.group).first_touch_revenue_minor += r.counters.revenue_minor;
            }
        }
    } else {
        let mut grouped = Counters::default();
        for r in store.rollups_between(&tenant.id, dim, from, to).await? {
            grouped.add(&r.counters);
            row(&mut by, &r.group).counters.add(&r.counters);
        }
        let mut all = Counters::default();
        for r in &channel_rows {
            all.add(&r.counters);
        }
        let missing = all.sub(&grouped);
        if !missing.is_zero() {
            row(&mut by, NOT_RECORDED).counters.add(&missing);
            notes.push(if ru {
                format!(
                    "{NOT_RECORDED}: {} звонков, {} визитов и {} сделок учтены до появления отчёта по «{}»; \
                     они есть в отчёте по каналам.",
                    missing.calls,
                    missing.visits,
                    missing.deals,
                    dim.as_str()
                )
            } else {
                format!(
                    "{NOT_RECORDED}: {} calls, {} visits and {} deals were counted before reports by {} existed; \
                     their channels have them.",
                    missing.calls,
                    missing.visits,
                    missing.deals,
                    dim.as_str()
                )
            });
        }
    }
    for r in store.cells_between(&tenant.id, dim, from, to).await? {
        row(&mut by, &r.group).cells.merge(&r.cells);
    }
    let mut unsplit_cost = 0;
    for c in store.costs_between(&tenant.id, from, to).await? {
        match dim {
            Dimension::Channel => row(&mut by, &c.channel).cost_minor += c.cost_minor,
            Dimension::Campaign => {
                let g = if c.campaign.is_empty() {
                    Groups::NONE
                } else {
                    &c.campaign
                };
                row(&mut by, g).cost_minor += c.cost_minor
            }
            _ => unsplit_cost += c.cost_minor,
        }
    }
    if unsplit_cost > 0 {
        notes.push(if ru {
            format!(
                "Расходы загружаются по каналам и кампаниям, поэтому в отчёте по «{}» они только в итоге.",
                dim.as_str()
            )
        } else {
            format!(
                "Costs are imported per channel and campaign, so by {} they are in the totals only.",
                dim.as_str()
            )
        });
    }
    // Only calls inside the SLA window can still be pending; everything older is decided.
    let sla = Duration::minutes(i64::from(tenant.callback_sla_minutes));
    let (start, end) = day_bounds(tenant, from, to);
    let recent_from = start.max(now - sla - Duration::hours(1));
    let mut pending_by_channel: BTreeMap<String, i64> = BTreeMap::new();
    if recent_from < end {
        for call in store.calls_between(&tenant.id, recent_from, end).await? {
            if missed_state(tenant, &call, now) == Some(MissedState::Pending) {
                *pending_by_channel
                    .entry(call.attribution.channel.clone())
                    .or_default() += 1;
                let groups = call.grouped.then(|| crate::rollups::call_groups(&call));
                let g = match dim {
                    Dimension::Channel => call.attribution.channel.clone(),
                    _ => groups
                        .as_ref()
                        .and_then(|g| g.get(dim))
                        .unwrap_or(NOT_RECORDED)
                        .to_string(),
                };
                row(&mut by, &g).pending += 1;
            }
        }
    }
    // A missed call is worth what its channel's answered calls earn, whoever was rung and
    // whatever its campaign: the estimate is made per channel in every dimension, so the lost
    // revenue adds up to the same total by any of them.
    let losses = channel_losses(tenant, &channel_rows, &pending_by_channel);
    let mut channels: Vec<ChannelFigures> = by.into_values().collect();
    for ch in &mut channels {
        if dim == Dimension::Channel {
            if let Some(l) = losses.get(&ch.channel) {
                (ch.lost, ch.lost_revenue_minor, ch.lost_revenue_assumed) =
                    (l.lost, l.revenue_minor, l.assumed);
            }
        } else {
            let c = ch.counters;
            ch.lost = (c.missed - c.returned - ch.pending).max(0);
        }
    }
    let any_assumed = losses.values().any(|l| l.lost > 0 && l.assumed);
    if dim != Dimension::Channel {
        let total: i64 = losses.values().map(|l| l.revenue_minor).sum();
        let weights: Vec<i64> = channels.iter().map(|c| c.lost).collect();
        for (ch, share) in channels.iter_mut().zip(apportion(total, &weights)) {
            ch.lost_revenue_minor = share;
            ch.lost_revenue_assumed = any_assumed;
        }
        if total > 0 {
            notes.push(if ru {
                format!(
                    "Потерянная выручка оценивается по каналам (пропущенный звонок стоит столько, сколько \
                     приносят принятые звонки его канала) и делится между строками по «{}» пропорционально \
                     потерянным звонкам.",
                    dim.as_str()
                )
            } else {
                format!(
                    "Lost revenue is estimated per channel (a missed call is worth what its channel's answered \
                     calls earn) and shared between the rows by {} in proportion to their lost calls.",
                    dim.as_str()
                )
            });
        }
    }
    if any_assumed {
        let (share, deal) = (
            f64::from(tenant.loss.conversion_bp) / 100.0,
            tenant.currency.format(tenant.loss.average_deal_minor),
        );
        notes.push(if ru {
            format!(
                "Потерянная выручка оценена по допущениям клиента ({share:.0}% принятых звонков становятся \
                 сделками, сделка {deal}) там, где в канале меньше {MIN_ANSWERED_FOR_OWN_CONVERSION} принятых \
                 звонков или {MIN_WON_FOR_OWN_DEAL_VALUE} выигранных сделок."
            )
        } else {
            format!(
                "Lost revenue uses the tenant's assumptions ({share:.0}% of answered calls become deals, {deal} \
                 a deal) where a channel has fewer than {MIN_ANSWERED_FOR_OWN_CONVERSION} answered calls or \
                 {MIN_WON_FOR_OWN_DEAL_VALUE} won deals of its own."
            )
        });
    }
    channels.sort_by(|a, b| {
        b.counters
            .calls
            .cmp(&a.counters.calls)
            .then_with(|| a.channel.cmp(&b.channel))
    });
    let mut totals = ChannelFigures {
        channel: "total".into(),
        cost_minor: unsplit_cost,
        ..Default::default()
    };
    for ch in &channels {
        totals.counters.add(&ch.counters);
        totals.cost_minor += ch.cost_minor;
        totals.lost += ch.lost;
        totals.pending += ch.pending;
        totals.lost_revenue_minor += ch.lost_revenue_minor;
        totals.first_touch_revenue_minor += ch.first_touch_revenue_minor;
        totals.lost_revenue_assumed |= ch.lost_revenue_assumed && ch.lost > 0;
        totals.cells.merge(&ch.cells);
    }
    notes.extend(sketch_notes(&totals.counters, dim, ru));
    Ok(Roi {
        daily: daily(&channel_rows, from, to),
        tenant: tenant.id.clone(),
        currency: tenant.currency,
        from,
        to,
        dimension: dim,
        timezone: tenant.timezone.clone(),
        language: tenant.language.clone(),
        channels,
        totals,
        notes,
    })
}

/// What the reader must know about the figures read from sketches and about missed calls by
/// manager: which are estimates, and which calls they do not cover.
fn sketch_notes(totals: &Counters, dim: Dimension, ru: bool) -> Vec<String> {
    let mut notes = vec![];
    if totals.sketched > 0 {
        notes.push(if ru {
            "Уникальные звонящие оценены по скетчу HyperLogLog (1024 регистра): до нескольких тысяч \
             звонящих точность 2–3%, дальше около 3,3%; они не складываются по строкам (звонивший по \
             двум каналам — один звонящий в итоге). Медиана времени до перезвона — с точностью до минуты."
                .to_string()
        } else {
            "Unique callers are estimated from a HyperLogLog sketch (1024 registers): within about 2-3% up to a \
             few thousand callers, about 3.3% beyond, and they do not add up across rows (a caller who came \
             through two channels is one caller in the totals). The median time to return is read to the \
             minute."
                .to_string()
        });
    }
    let unsketched = totals.calls - totals.sketched;
    if unsketched > 0 {
        notes.push(if ru {
            format!(
                "{unsketched} звонков учтены до появления уникальных звонящих и времени до перезвона и в них \
                 не входят; `calltrack migrate` добавит их."
            )
        } else {
            format!(
                "{unsketched} calls were counted before unique callers and the time to return were kept and \
                 are not in them; `calltrack migrate` adds them."
            )
        });
    }
    if dim == Dimension::Manager {
        notes.push(missed_rung_note(ru));
    }
    notes
}

/// What "missed when rung" covers: only calls whose provider says whom it rang.
pub fn missed_rung_note(ru: bool) -> String {
    if ru {
        "«Пропустил» — пропущенные звонки, для которых телефония назвала, кого вызывали (Twilio: плечо на \
         client:/sip:, Mango и Zadarma: добавочный, общий формат: поле `rung`); о других звонках это \
         неизвестно, и они здесь не учтены."
            .to_string()
    } else {
        "Missed when rung counts the missed calls whose provider named the agents it rang (Twilio dial \
         legs to client:/sip:, Mango and Zadarma extensions, the generic format's `rung`); for other \
         calls nobody knows who was rung, and they are left out."
            .to_string()
    }
}

/// Per-day totals from the channel rollups (every call has exactly one channel).
fn daily(rows: &[Rollup], from: NaiveDate, to: NaiveDate) -> Vec<DayFigures> {
    let mut days: Vec<DayFigures> = from
        .iter_days()
        .take_while(|d| *d <= to)
        .map(|day| DayFigures {
            day,
            calls: 0,
            answered: 0,
            missed: 0,
        })
        .collect();
    for r in rows {
        let Ok(i) = usize::try_from((r.day - from).num_days()) else {
            continue;
        };
        if let Some(d) = days.get_mut(i) {
            d.calls += r.counters.calls;
            d.answered += r.counters.answered;
            d.missed += r.counters.missed;
        }
    }
    days
}

/// One channel's lost calls over the period and what they would have brought.
struct ChannelLoss {
    lost: i64,
    revenue_minor: i64,
    assumed: bool,
}

/// Lost calls and their estimated revenue per channel, from the channel rollups and the calls
/// still inside their callback SLA.
fn channel_losses(
    tenant: &Tenant,
    rows: &[Rollup],
    pending: &BTreeMap<String, i64>,
) -> BTreeMap<String, ChannelLoss> {
    let mut by: BTreeMap<&str, Counters> = BTreeMap::new();
    for r in rows {
        by.entry(&r.group).or_default().add(&r.counters);
    }
    by.into_iter()
        .map(|(channel, c)| {
            let lost = (c.missed - c.returned - pending.get(channel).copied().unwrap_or(0)).max(0);
            let (revenue_minor, assumed) = lost_revenue(tenant, &c, lost);
            (
                channel.to_string(),
                ChannelLoss {
                    lost,
                    revenue_minor,
                    assumed,
                },
            )
        })
        .collect()
}

/// Splits `total` in proportion to `weights` in whole units that add up to `total` exactly
/// (largest remainders first; all zero when the weights are).
fn apportion(total: i64, weights: &[i64]) -> Vec<i64> {
    let sum: i128 = weights.iter().map(|w| i128::from((*w).max(0))).sum();
    if sum == 0 {
        return vec![0; weights.len()];
    }
    let exact: Vec<(i64, i128)> = weights
        .iter()
        .map(|w| {
            let n = i128::from(total) * i128::from((*w).max(0));
            ((n / sum) as i64, n % sum)
        })
        .collect();
    let mut shares: Vec<i64> = exact.iter().map(|(q, _)| *q).collect();
    let left = total - shares.iter().sum::<i64>();
    let mut order: Vec<usize> = (0..weights.len()).collect();
    order.sort_by(|a, b| exact[*b].1.cmp(&exact[*a].1).then(a.cmp(b)));
    for i in order.into_iter().take(usize::try_from(left).unwrap_or(0)) {
        shares[i] += 1;
    }
    shares
}

/// lost calls x conversion x average deal value, each from the channel's own history when it
/// has enough of it, else from the tenant's assumptions.
/// The estimate, and whether any of its two factors was the tenant's assumption.
fn lost_revenue(tenant: &Tenant, c: &Counters, lost: i64) -> (i64, bool) {
    let own_conversion = c.answered >= MIN_ANSWERED_FOR_OWN_CONVERSION;
    let own_value = c.won >= MIN_WON_FOR_OWN_DEAL_VALUE;
    if lost == 0 {
        return (0, !(own_conversion && own_value));
    }
    let conversion_bp = if own_conversion {
        (c.won * 10_000 / c.answered.max(1)).min(10_000)
    } else {
        i64::from(tenant.loss.conversion_bp)
    };
    let deal_value = if own_value {
        c.revenue_minor / c.won
    } else {
        tenant.loss.average_deal_minor
    };
    (
        lost * conversion_bp * deal_value / 10_000,
        !(own_conversion && own_value),
    )
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
        assert_eq!(lost_revenue(&t, &few, 2), (10_000, true));
        let many = Counters {
            answered: 40,
            won: 10,
            revenue_minor: 500_000,
            ..Default::default()
        };
        // 2 lost x (10/40) x 500.00
        assert_eq!(lost_revenue(&t, &many, 2), (25_000, false));
    }

    #[test]
    fn apportion_adds_up_exactly_and_follows_the_weights() {
        assert_eq!(apportion(100, &[1, 1, 1]), vec![34, 33, 33]);
        assert_eq!(apportion(10, &[3, 0, 1]), vec![8, 0, 2]);
        assert_eq!(apportion(7, &[0, 0]), vec![0, 0]);
        let shares = apportion(342_400, &[5, 7, 11, 0, 2]);
        assert_eq!(shares.iter().sum::<i64>(), 342_400);
    }
}
