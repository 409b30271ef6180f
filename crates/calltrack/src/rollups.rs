//! What each fact adds to the per-day counters of each group (channel, campaign, number...).
//!
//! A fact's contribution is a pure function of its current state; a change writes the
//! difference between the new and the old contribution in the same transaction as the fact.
//! So the rollups always equal the sum over the facts, whatever order events arrive in.

use std::collections::BTreeMap;

use chrono::{DateTime, NaiveDate, Utc};

use crate::model::*;
use crate::sketch;

/// The groups a call falls in: its visit's campaign, keyword and landing page, the number it
/// rang, who answered (or returned) it, and the caller's first touch.
pub fn call_groups(call: &Call) -> Groups {
    let or_none = |v: Option<&str>| {
        v.filter(|s| !s.is_empty())
            .unwrap_or(Groups::NONE)
            .to_string()
    };
    let a = &call.attribution;
    let answered = matches!(call.outcome, Outcome::Answered | Outcome::Short);
    Groups {
        campaign: or_none(a.campaign.as_deref()),
        keyword: or_none(a.term.as_deref()),
        number: or_none(call.tracking_number.as_ref().map(|n| n.as_str())),
        landing: or_none(a.visit.as_ref().and_then(|v| v.landing_page.as_deref())),
        // Who answered; for a missed call, who returned it (their row's `returned`).
        manager: or_none(if answered {
            call.answered_by.as_deref()
        } else {
            call.returned_by_agent.as_deref()
        }),
        first_touch: a
            .first_touch_channel
            .clone()
            .unwrap_or_else(|| a.channel.clone()),
    }
}

/// One delta per dimension: the channel's, and each group's when `groups` is known.
fn per_dimension(
    day: NaiveDate,
    channel: &str,
    groups: Option<&Groups>,
    counters: Counters,
    cells: &Cells,
) -> Vec<RollupDelta> {
    let mut out = vec![RollupDelta {
        day,
        dimension: Dimension::Channel,
        group: channel.to_string(),
        counters,
        cells: cells.clone(),
    }];
    if let Some(g) = groups {
        for dim in Dimension::ALL {
            if let Some(group) = g.get(dim) {
                out.push(RollupDelta {
                    day,
                    dimension: dim,
                    group: group.to_string(),
                    counters,
                    cells: cells.clone(),
                });
            }
        }
    }
    out
}

/// A call's contribution: inbound calls only (outbound calls are call-backs, counted through the
/// missed calls they return). Under every dimension once the call is [`Call::grouped`].
pub fn call_contribution(tenant: &Tenant, call: &Call) -> Vec<RollupDelta> {
    let day = call
        .rollup_day
        .unwrap_or_else(|| tenant.day_of(call.started_at));
    call_contribution_on(day, call)
}

/// [`call_contribution`] on a known day (the call's pinned `rollup_day`). An analysed call adds
/// its quality and script scores; a [`Call::sketched`] call its sketch cells; a missed call
/// that rang named agents counts once in each of their manager rows.
pub fn call_contribution_on(day: NaiveDate, call: &Call) -> Vec<RollupDelta> {
    if call.direction != Direction::Inbound {
        return vec![];
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
        rung: i64::from(answered),
        ring_seconds: if answered {
            i64::from(call.ring_seconds.unwrap_or(0))
        } else {
            0
        },
        scored: i64::from(call.quality_score.is_some()),
        score_sum: call.quality_score.map(i64::from).unwrap_or(0),
        script_sum: call
            .quality_score
            .and_then(|_| script_score(call))
            .unwrap_or(0),
        missed_rung: if missed { call.rung.len() as i64 } else { 0 },
        sketched: i64::from(call.sketched),
        ..Counters::default()
    };
    let cells = if call.sketched {
        call_cells(call)
    } else {
        Cells::default()
    };
    let groups = call.grouped.then(|| call_groups(call));
    let mut out = per_dimension(
        day,
        &call.attribution.channel,
        groups.as_ref(),
        counters,
        &cells,
    );
    if missed && groups.is_some() && !call.rung.is_empty() {
        // By manager, each agent the call rang missed it: their own rows count it, not the row
        // of whoever returned it, so the rows still add up to the channel's figure.
        for d in out.iter_mut().filter(|d| d.dimension == Dimension::Manager) {
            d.counters.missed_rung = 0;
        }
        for agent in &call.rung {
            out.push(RollupDelta {
                day,
                dimension: Dimension::Manager,
                group: agent.clone(),
                counters: Counters {
                    missed_rung: 1,
                    ..Counters::default()
                },
                cells: Cells::default(),
            });
        }
    }
    out
}

/// A call's sketch cells: its caller (unique callers) and, once a missed call is returned, the
/// minutes it waited (the median time to return).
fn call_cells(call: &Call) -> Cells {
    let mut cells = Cells::default();
    if let Some(caller) = &call.caller {
        cells.add(sketch::caller_cell(caller), 1);
    }
    if call.outcome == Outcome::Missed {
        if let Some(back) = call.returned_at {
            let ended = call.ended_at.unwrap_or(call.started_at);
            cells.add(sketch::return_cell((back - ended).num_seconds()), 1);
        }
    }
    cells
}

/// The script compliance (0-100) the call's speech analysis gave.
fn script_score(call: &Call) -> Option<i64> {
    call.analysis
        .as_ref()?
        .get("script")?
        .get("score")?
        .as_i64()
}

/// A deal's contribution: one deal, and when won, one win and its revenue.
pub fn deal_contribution(deal: &Deal) -> Vec<RollupDelta> {
    let won = deal.status == DealStatus::Won;
    let counters = Counters {
        deals: 1,
        won: i64::from(won),
        revenue_minor: if won { deal.amount_minor } else { 0 },
        ..Counters::default()
    };
    per_dimension(
        deal.day,
        &deal.channel,
        deal.groups.as_ref(),
        counters,
        &Cells::default(),
    )
}

/// The changes that take the counters from `old` contributions to `new` ones, one per row, rows
/// that do not move left out.
pub fn diff(
    old: impl IntoIterator<Item = RollupDelta>,
    new: impl IntoIterator<Item = RollupDelta>,
) -> Vec<RollupDelta> {
    let mut rows: BTreeMap<(NaiveDate, Dimension, String), (Counters, Cells)> = BTreeMap::new();
    for d in new {
        let e = rows.entry((d.day, d.dimension, d.group)).or_default();
        e.0.add(&d.counters);
        e.1.merge(&d.cells);
    }
    for d in old {
        let e = rows.entry((d.day, d.dimension, d.group)).or_default();
        e.0 = e.0.sub(&d.counters);
        e.1.subtract(&d.cells);
    }
    rows.into_iter()
        .map(|((day, dimension, group), (counters, cells))| RollupDelta {
            day,
            dimension,
            group,
            counters,
            cells,
        })
        .filter(|d| !d.is_zero())
        .collect()
}

/// One visit on the tenant's day of `at`, under the visit's channel, campaign, keyword and
/// landing page, and [`Groups::NONE`] for manager and number (the pool sets the number it gave).
pub fn visit(tenant: &Tenant, visit: &Visit, at: DateTime<Utc>) -> Vec<RollupDelta> {
    let or_none = |v: &Option<String>| {
        v.as_deref()
            .filter(|s| !s.is_empty())
            .unwrap_or(Groups::NONE)
            .to_string()
    };
    let groups = Groups {
        campaign: or_none(&visit.utm_campaign),
        keyword: or_none(&visit.utm_term),
        landing: or_none(&visit.landing_page),
        first_touch: visit.channel(),
        ..Groups::all(Groups::NONE)
    };
    let counters = Counters {
        visits: 1,
        ..Counters::default()
    };
    per_dimension(
        tenant.day_of(at),
        &visit.channel(),
        Some(&groups),
        counters,
        &Cells::default(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(day: &str, ch: &str, calls: i64, missed: i64) -> RollupDelta {
        RollupDelta {
            day: day.parse().unwrap(),
            dimension: Dimension::Channel,
            group: ch.into(),
            counters: Counters {
                calls,
                missed,
                ..Counters::default()
            },
            cells: Cells::default(),
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
    fn an_analysed_call_adds_its_scores_under_its_manager_and_nothing_else_moves() {
        let tenant = TenantId::parse("acme").unwrap();
        let at = chrono::DateTime::parse_from_rfc3339("2026-09-20T10:00:00Z")
            .unwrap()
            .with_timezone(&Utc);
        let mut call = Call::new(&tenant, Provider::Twilio, "CA1", Direction::Inbound, at);
        call.outcome = Outcome::Answered;
        call.answered_by = Some("anna".into());
        call.grouped = true;
        let day = NaiveDate::from_ymd_opt(2026, 9, 20).unwrap();
        let before = call_contribution_on(day, &call);
        call.quality_score = Some(72);
        call.analysis = Some(serde_json::json!({"script": {"score": 60, "stages": []}}));
        let change = diff(before, call_contribution_on(day, &call));
        let scores = Counters {
            scored: 1,
            score_sum: 72,
            script_sum: 60,
            ..Counters::default()
        };
        assert_eq!(change.len(), Dimension::ALL.len(), "{change:?}");
        assert!(change.iter().all(|d| d.counters == scores), "{change:?}");
        assert!(change
            .iter()
            .any(|d| d.dimension == Dimension::Manager && d.group == "anna"));
    }

    fn missed_call(rung: &[&str]) -> Call {
        let tenant = TenantId::parse("acme").unwrap();
        let at = chrono::DateTime::parse_from_rfc3339("2026-09-20T10:00:00Z")
            .unwrap()
            .with_timezone(&Utc);
        let mut call = Call::new(&tenant, Provider::Twilio, "CA2", Direction::Inbound, at);
        call.outcome = Outcome::Missed;
        call.ended_at = Some(at + chrono::Duration::seconds(20));
        call.caller = Some(PhoneNumber::parse("+14158675309", None).unwrap());
        call.rung = rung.iter().map(|s| s.to_string()).collect();
        call.grouped = true;
        call.sketched = true;
        call
    }

    fn sum(deltas: &[RollupDelta], dim: Dimension) -> Counters {
        let mut c = Counters::default();
        for d in deltas.iter().filter(|d| d.dimension == dim) {
            c.add(&d.counters);
        }
        c
    }

    #[test]
    fn a_missed_call_counts_against_each_agent_it_rang_and_the_rows_still_add_up() {
        let day = NaiveDate::from_ymd_opt(2026, 9, 20).unwrap();
        let call = missed_call(&["anna", "boris"]);
        let deltas = call_contribution_on(day, &call);
        let channel = sum(&deltas, Dimension::Channel);
        assert_eq!(channel.missed_rung, 2, "once per agent rung");
        for dim in Dimension::ALL {
            assert_eq!(sum(&deltas, dim), channel, "{dim:?} adds up");
        }
        let rung: Vec<(&str, i64)> = deltas
            .iter()
            .filter(|d| d.dimension == Dimension::Manager && d.counters.missed_rung > 0)
            .map(|d| (d.group.as_str(), d.counters.missed_rung))
            .collect();
        assert_eq!(rung, [("anna", 1), ("boris", 1)]);
        // Answered, the same call rang them but nobody missed it.
        let mut answered = call.clone();
        answered.outcome = Outcome::Answered;
        answered.answered_by = Some("boris".into());
        assert_eq!(
            sum(&call_contribution_on(day, &answered), Dimension::Channel).missed_rung,
            0
        );
    }

    #[test]
    fn a_returned_call_moves_its_caller_cell_to_the_returner_and_adds_its_wait() {
        let day = NaiveDate::from_ymd_opt(2026, 9, 20).unwrap();
        let missed = missed_call(&[]);
        let before = call_contribution_on(day, &missed);
        let caller = sketch::caller_cell(missed.caller.as_ref().unwrap());
        assert!(before.iter().all(|d| d.cells.iter().eq([(caller, 1)])));
        let mut back = missed.clone();
        back.returned_at = Some(missed.ended_at.unwrap() + chrono::Duration::minutes(7));
        back.returned_by_agent = Some("vera".into());
        let change = diff(before, call_contribution_on(day, &back));
        let wait = Cell::Return { minutes: 7 };
        let manager = |g: &str| {
            change
                .iter()
                .find(|d| d.dimension == Dimension::Manager && d.group == g)
                .map(|d| d.cells.iter().collect::<Vec<_>>())
        };
        assert_eq!(manager("(none)"), Some(vec![(caller, -1)]));
        assert_eq!(manager("vera"), Some(vec![(caller, 1), (wait, 1)]));
        let channel = change
            .iter()
            .find(|d| d.dimension == Dimension::Channel)
            .unwrap();
        assert_eq!(channel.cells.iter().collect::<Vec<_>>(), [(wait, 1)]);
        // A call counted before cells existed moves no cell, so no row goes below zero.
        let (mut old, mut old_back) = (missed.clone(), back.clone());
        old.sketched = false;
        old_back.sketched = false;
        let change = diff(
            call_contribution_on(day, &old),
            call_contribution_on(day, &old_back),
        );
        assert!(change.iter().all(|d| d.cells.is_empty()));
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
