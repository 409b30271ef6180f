//! What each fact adds to the per-day, per-channel counters.
//!
//! A fact's contribution is a pure function of its current state; a change writes the
//! difference between the new and the old contribution in the same transaction as the fact.
//! So the rollups always equal the sum over the facts, whatever order events arrive in.

use std::collections::BTreeMap;

use chrono::{DateTime, NaiveDate, Utc};

use crate::model::*;

/// A call's contribution: inbound calls only (outbound calls are call-backs, counted through the
/// missed calls they return).
pub fn call_contribution(tenant: &Tenant, call: &Call) -> Option<RollupDelta> {
    if call.direction != Direction::Inbound {
        return None;
    }
    let answered = matches!(call.outcome, Outcome::Answered | Outcome::Short);
    let missed = call.outcome == Outcome::Missed;
    let counters = Counters {
        calls: 1,
        first_time_callers: i64::from(call.first_time_caller),
        answered: i64::from(answered),
        missed: i64::from(missed),
        returned: i64::from(missed && call.returned_at.is_some()),
        talk_seconds: if answered {
            i64::from(call.talk_seconds.unwrap_or(0))
        } else {
            0
        },
        ..Counters::default()
    };
    Some(RollupDelta {
        day: call
            .rollup_day
            .unwrap_or_else(|| tenant.day_of(call.started_at)),
        channel: call.attribution.channel.clone(),
        counters,
    })
}

/// A deal's contribution: one deal, and when won, one win and its revenue.
pub fn deal_contribution(deal: &Deal) -> Option<RollupDelta> {
    let won = deal.status == DealStatus::Won;
    let counters = Counters {
        deals: 1,
        won: i64::from(won),
        revenue_minor: if won { deal.amount_minor } else { 0 },
        ..Counters::default()
    };
    Some(RollupDelta {
        day: deal.day,
        channel: deal.channel.clone(),
        counters,
    })
}

/// The changes that take the counters from `old` contributions to `new` ones, one per row, rows
/// that do not move left out.
pub fn diff(
    old: impl IntoIterator<Item = RollupDelta>,
    new: impl IntoIterator<Item = RollupDelta>,
) -> Vec<RollupDelta> {
    let mut rows: BTreeMap<(NaiveDate, String), Counters> = BTreeMap::new();
    for d in new {
        rows.entry((d.day, d.channel)).or_default().add(&d.counters);
    }
    for d in old {
        let e = rows.entry((d.day, d.channel)).or_default();
        *e = e.sub(&d.counters);
    }
    rows.into_iter()
        .filter(|(_, c)| !c.is_zero())
        .map(|((day, channel), counters)| RollupDelta {
            day,
            channel,
            counters,
        })
        .collect()
}

/// One visit on the visit's channel, on the tenant's day of `at`: what a new lease counts.
pub fn visit(tenant: &Tenant, visit: &Visit, at: DateTime<Utc>) -> RollupDelta {
    RollupDelta {
        day: tenant.day_of(at),
        channel: visit.channel(),
        counters: Counters {
            visits: 1,
            ..Counters::default()
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(day: &str, ch: &str, calls: i64, missed: i64) -> RollupDelta {
        RollupDelta {
            day: day.parse().unwrap(),
            channel: ch.into(),
            counters: Counters {
                calls,
                missed,
                ..Counters::default()
            },
        }
    }

    #[test]
    fn diff_cancels_unchanged_rows_and_moves_changed_ones() {
        let old = vec![d("2026-01-01", "radio", 1, 0)];
        let new = vec![d("2026-01-01", "radio", 1, 1)];
        assert_eq!(diff(old.clone(), new), vec![d("2026-01-01", "radio", 0, 1)]);
        assert!(diff(old.clone(), old.clone()).is_empty());
        // A call whose day moved leaves one row and joins another.
        let moved = vec![d("2026-01-02", "radio", 1, 0)];
        assert_eq!(
            diff(old, moved),
            vec![
                d("2026-01-01", "radio", -1, 0),
                d("2026-01-02", "radio", 1, 0)
            ]
        );
    }

    #[test]
    fn diff_merges_deltas_for_one_row() {
        let new = vec![
            d("2026-01-01", "radio", 1, 0),
            d("2026-01-01", "radio", 0, 1),
        ];
        assert_eq!(diff(vec![], new), vec![d("2026-01-01", "radio", 1, 1)]);
    }
}
