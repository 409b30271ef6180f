//! What missed calls cost and what fixing them is worth: the loss estimate behind the product's
//! pitch. Of N potential deals a month, a share M of the calls is missed and a share L of those
//! never becomes the deal it would have been: N x M x L deals lost, worth V each. Bringing the
//! missed share down to T saves the difference, less the tool's monthly cost C.
//!
//! [`what_if`] computes it from figures a person states; [`measured`] takes them from a
//! tenant's own ROI over a period, scaled to 30 days.

use serde::Serialize;

use crate::model::Invalid;
use crate::roi::Roi;

/// The inputs of the estimate. Money is in minor units (cents).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct LossInputs {
    /// Deals a month the business would win if it answered every call.
    pub potential_deals: f64,
    pub avg_deal_minor: i64,
    /// Share of calls missed today, 0..1.
    pub missed_share: f64,
    /// Share of missed calls whose deal is lost (the rest are won back), 0..1.
    pub lost_per_missed: f64,
    /// The missed share to reach, 0..1.
    pub target_missed_share: f64,
    /// What the tool costs a month.
    pub tool_cost_minor: i64,
}

/// The estimate, per month unless named otherwise. Money in minor units.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct WhatIf {
    pub lost_deals_now: f64,
    pub lost_revenue_now_minor: i64,
    pub lost_deals_after: f64,
    pub lost_revenue_after_minor: i64,
    pub monthly_saving_minor: i64,
    pub monthly_net_minor: i64,
    pub yearly_net_minor: i64,
}

impl LossInputs {
    /// Every share inside 0..1 and every count and amount finite and not negative, each
    /// failure naming its input.
    pub fn validate(&self) -> Result<(), Invalid> {
        for (field, v) in [
            ("missed_share", self.missed_share),
            ("lost_per_missed", self.lost_per_missed),
            ("target_missed_share", self.target_missed_share),
        ] {
            if !(0.0..=1.0).contains(&v) {
                return Err(Invalid::new(
                    field,
                    format!("{v} is not a share between 0 and 1"),
                ));
            }
        }
        if !self.potential_deals.is_finite() || self.potential_deals < 0.0 {
            return Err(Invalid::new(
                "potential_deals",
                "must be a number of deals, 0 or more",
            ));
        }
        for (field, v) in [
            ("avg_deal", self.avg_deal_minor),
            ("tool_cost", self.tool_cost_minor),
        ] {
            if v < 0 {
                return Err(Invalid::new(field, "must not be negative"));
            }
        }
        Ok(())
    }
}

/// The estimate for stated inputs (validated first).
pub fn what_if(i: &LossInputs) -> Result<WhatIf, Invalid> {
    i.validate()?;
    let lost = |missed_share: f64| i.potential_deals * missed_share * i.lost_per_missed;
    let worth = |deals: f64| (deals * i.avg_deal_minor as f64).round() as i64;
    let (now, after) = (lost(i.missed_share), lost(i.target_missed_share));
    let (now_minor, after_minor) = (worth(now), worth(after));
    let saving = now_minor - after_minor;
    let net = saving - i.tool_cost_minor;
    Ok(WhatIf {
        lost_deals_now: round3(now),
        lost_revenue_now_minor: now_minor,
        lost_deals_after: round3(after),
        lost_revenue_after_minor: after_minor,
        monthly_saving_minor: saving,
        monthly_net_minor: net,
        yearly_net_minor: net * 12,
    })
}

/// The inputs as a tenant's own period measures them, scaled to 30 days: potential deals =
/// calls x the share of answered calls that became won deals; the missed share of all calls;
/// the share of missed calls that were lost (not returned in time); the average won deal (the
/// tenant's assumption while nothing was won).
pub fn measured(
    roi: &Roi,
    assumed_avg_deal_minor: i64,
    target_missed_share: f64,
    tool_cost_minor: i64,
) -> LossInputs {
    let t = &roi.totals;
    let c = &t.counters;
    let days = ((roi.to - roi.from).num_days() + 1).max(1) as f64;
    let share = |part: i64, whole: i64| {
        if whole > 0 {
            (part as f64 / whole as f64).clamp(0.0, 1.0)
        } else {
            0.0
        }
    };
    LossInputs {
        potential_deals: c.calls as f64 * share(c.won, c.answered) * 30.0 / days,
        avg_deal_minor: if c.won > 0 {
            c.revenue_minor / c.won
        } else {
            assumed_avg_deal_minor
        },
        missed_share: share(c.missed, c.calls),
        lost_per_missed: share(t.lost, c.missed),
        target_missed_share,
        tool_cost_minor,
    }
}

fn round3(x: f64) -> f64 {
    (x * 1000.0).round() / 1000.0
}

#[cfg(test)]
mod tests {
    use super::*;

    fn example() -> LossInputs {
        LossInputs {
            potential_deals: 1000.0,
            avg_deal_minor: 20_000 * 100,
            missed_share: 0.10,
            lost_per_missed: 0.5,
            target_missed_share: 0.02,
            tool_cost_minor: 30_000 * 100,
        }
    }

    #[test]
    fn the_worked_example_reproduces() {
        let w = what_if(&example()).unwrap();
        assert_eq!(w.lost_deals_now, 50.0);
        assert_eq!(w.lost_revenue_now_minor, 1_000_000 * 100);
        assert_eq!(w.lost_deals_after, 10.0);
        assert_eq!(w.lost_revenue_after_minor, 200_000 * 100);
        assert_eq!(w.monthly_saving_minor, 800_000 * 100);
        assert_eq!(w.monthly_net_minor, 770_000 * 100);
        assert_eq!(w.yearly_net_minor, 9_240_000 * 100);
    }

    #[test]
    fn shares_outside_0_to_1_and_negative_values_name_their_input() {
        let bad = [
            LossInputs {
                missed_share: 1.5,
                ..example()
            },
            LossInputs {
                target_missed_share: -0.1,
                ..example()
            },
            LossInputs {
                potential_deals: -1.0,
                ..example()
            },
            LossInputs {
                tool_cost_minor: -1,
                ..example()
            },
            LossInputs {
                lost_per_missed: f64::NAN,
                ..example()
            },
        ];
        let fields: Vec<String> = bad.iter().map(|i| what_if(i).unwrap_err().field).collect();
        assert_eq!(
            fields,
            [
                "missed_share",
                "target_missed_share",
                "potential_deals",
                "tool_cost",
                "lost_per_missed"
            ]
        );
    }
}
