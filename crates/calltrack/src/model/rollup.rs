//! Additive counters per day and channel, and per-pool health counters.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

/// Additive counters per tenant, day and channel. Written with `ADD` in the same transaction as
/// the fact they count, so reports read these and never scan calls.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Counters {
    pub visits: i64,
    pub calls: i64,
    pub first_time_callers: i64,
    pub answered: i64,
    pub missed: i64,
    pub returned: i64,
    pub deals: i64,
    pub won: i64,
    pub revenue_minor: i64,
    pub talk_seconds: i64,
}

impl Counters {
    pub const FIELDS: [&'static str; 10] = [
        "visits",
        "calls",
        "first_time_callers",
        "answered",
        "missed",
        "returned",
        "deals",
        "won",
        "revenue_minor",
        "talk_seconds",
    ];

    pub fn values(&self) -> [i64; 10] {
        [
            self.visits,
            self.calls,
            self.first_time_callers,
            self.answered,
            self.missed,
            self.returned,
            self.deals,
            self.won,
            self.revenue_minor,
            self.talk_seconds,
        ]
    }

    pub fn from_values(v: [i64; 10]) -> Self {
        Self {
            visits: v[0],
            calls: v[1],
            first_time_callers: v[2],
            answered: v[3],
            missed: v[4],
            returned: v[5],
            deals: v[6],
            won: v[7],
            revenue_minor: v[8],
            talk_seconds: v[9],
        }
    }

    pub fn is_zero(&self) -> bool {
        self.values().iter().all(|v| *v == 0)
    }

    pub fn add(&mut self, o: &Counters) {
        let mut v = self.values();
        for (a, b) in v.iter_mut().zip(o.values()) {
            *a += b;
        }
        *self = Self::from_values(v);
    }

    pub fn sub(&self, o: &Counters) -> Counters {
        let mut v = self.values();
        for (a, b) in v.iter_mut().zip(o.values()) {
            *a -= b;
        }
        Self::from_values(v)
    }
}

/// A change to one rollup row.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RollupDelta {
    pub day: NaiveDate,
    pub channel: String,
    pub counters: Counters,
}

/// One rollup row as read back.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Rollup {
    pub day: NaiveDate,
    pub channel: String,
    pub counters: Counters,
}

/// Per-pool health, counted per hour: exhaustions and early reuse say "pool too small".
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct PoolHealth {
    pub acquires: i64,
    pub exhaustions: i64,
    pub early_reuses: i64,
    pub expired: i64,
}
