//! Additive counters per day and group (channel, campaign, number...), the sketch cells beside
//! them, and per-pool health.

use std::collections::BTreeMap;

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
    /// Inbound calls with a speech analysis, and the sums of their quality and script scores
    /// (0-100 each): averages per manager or channel without reading a call.
    pub scored: i64,
    pub score_sum: i64,
    pub script_sum: i64,
    /// Answered calls timed for ring, and the seconds they rang before someone picked up (the
    /// mean speed of answer; calls counted before this counter existed are in neither).
    pub rung: i64,
    pub ring_seconds: i64,
    /// Missed calls counted once per named agent they rang (where the provider says who was
    /// rung). Under the manager dimension each agent's own row counts the missed calls that rang
    /// them, so the rows still add up to the channel's figure.
    pub missed_rung: i64,
    /// Inbound calls whose contribution includes the sketch cells ([`Cells`]); the calls
    /// counted before cells existed are `calls - sketched` until `calltrack migrate` adds them.
    pub sketched: i64,
}

impl Counters {
    /// How many counters there are (stores keep one column or attribute each).
    pub const N: usize = 17;

    pub const FIELDS: [&'static str; Self::N] = [
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
        "scored",
        "score_sum",
        "script_sum",
        "rung",
        "ring_seconds",
        "missed_rung",
        "sketched",
    ];

    pub fn values(&self) -> [i64; Self::N] {
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
            self.scored,
            self.score_sum,
            self.script_sum,
            self.rung,
            self.ring_seconds,
            self.missed_rung,
            self.sketched,
        ]
    }

    pub fn from_values(v: [i64; Self::N]) -> Self {
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
            scored: v[10],
            score_sum: v[11],
            script_sum: v[12],
            rung: v[13],
            ring_seconds: v[14],
            missed_rung: v[15],
            sketched: v[16],
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

/// What a report can group by. Every fact is counted once under each dimension, so the groups
/// of any dimension add up to the channel totals (DESIGN: Reports).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Dimension {
    /// `source/medium`, or a static number's source.
    Channel,
    /// `utm_campaign` of the visit (costs carry their campaign too).
    Campaign,
    /// `utm_term` of the visit.
    Keyword,
    /// The tracking number that rang.
    Number,
    /// The landing page (origin and path).
    Landing,
    /// Who answered the call.
    Manager,
    /// The caller's earliest known channel (the channel itself on a first touch): revenue by
    /// first touch beside the channel's last touch.
    FirstTouch,
}

impl Dimension {
    pub const ALL: [Self; 7] = [
        Self::Channel,
        Self::Campaign,
        Self::Keyword,
        Self::Number,
        Self::Landing,
        Self::Manager,
        Self::FirstTouch,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Channel => "channel",
            Self::Campaign => "campaign",
            Self::Keyword => "keyword",
            Self::Number => "number",
            Self::Landing => "landing",
            Self::Manager => "manager",
            Self::FirstTouch => "first_touch",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|d| d.as_str() == s)
    }
}

/// The group a fact falls in under each dimension but the channel (a deal copies its call's).
/// A value the fact does not have is [`Groups::NONE`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Groups {
    pub campaign: String,
    pub keyword: String,
    pub number: String,
    pub landing: String,
    pub manager: String,
    pub first_touch: String,
}

impl Groups {
    /// The group of facts without a value for the dimension (no campaign, an unanswered call).
    pub const NONE: &'static str = "(none)";

    /// Every dimension in the one group `name` (`(unlinked)` deals).
    pub fn all(name: &str) -> Self {
        Self {
            campaign: name.into(),
            keyword: name.into(),
            number: name.into(),
            landing: name.into(),
            manager: name.into(),
            first_touch: name.into(),
        }
    }

    /// The group under `dim`; the channel is kept beside the groups, not in them.
    pub fn get(&self, dim: Dimension) -> Option<&str> {
        Some(match dim {
            Dimension::Channel => return None,
            Dimension::Campaign => &self.campaign,
            Dimension::Keyword => &self.keyword,
            Dimension::Number => &self.number,
            Dimension::Landing => &self.landing,
            Dimension::Manager => &self.manager,
            Dimension::FirstTouch => &self.first_touch,
        })
    }
}

/// One cell of a rollup row's sketches ([`crate::sketch`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum Cell {
    /// Calls whose caller hashes to this HyperLogLog register and rank (unique callers).
    Caller { register: u16, rank: u8 },
    /// Returned missed calls, by whole minutes from their end to their return.
    Return { minutes: u16 },
}

impl Cell {
    /// The cell's name in a store (a SQLite key, a DynamoDB attribute): `u<register>_<rank>`,
    /// `r<minutes>`.
    pub fn key(self) -> String {
        match self {
            Self::Caller { register, rank } => format!("u{register}_{rank}"),
            Self::Return { minutes } => format!("r{minutes}"),
        }
    }

    /// The cell as one number, for stores that keep cells in an integer column: a caller cell
    /// is `register * 64 + rank` (below 65,536), a return cell `65,536 + minutes`.
    pub fn code(self) -> i64 {
        match self {
            Self::Caller { register, rank } => i64::from(register) * 64 + i64::from(rank),
            Self::Return { minutes } => 65_536 + i64::from(minutes),
        }
    }

    /// The cell a [`Cell::code`] stands for; `None` for a number no cell has.
    pub fn from_code(code: i64) -> Option<Self> {
        match code {
            0..=65_535 => Some(Self::Caller {
                register: u16::try_from(code / 64).ok()?,
                rank: u8::try_from(code % 64).ok()?,
            }),
            _ => Some(Self::Return {
                minutes: u16::try_from(code - 65_536).ok()?,
            }),
        }
    }

    /// The cell a store key names; `None` for anything else.
    pub fn parse(key: &str) -> Option<Self> {
        if let Some(rest) = key.strip_prefix('u') {
            let (register, rank) = rest.split_once('_')?;
            return Some(Self::Caller {
                register: register.parse().ok()?,
                rank: rank.parse().ok()?,
            });
        }
        let minutes = key.strip_prefix('r')?.parse().ok()?;
        Some(Self::Return { minutes })
    }
}

/// A rollup row's sketch cells: counts that add and subtract like [`Counters`] (a cell at zero
/// is the same as no cell), so they too equal the sum over the facts.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Cells(BTreeMap<Cell, i64>);

impl Cells {
    pub fn add(&mut self, cell: Cell, n: i64) {
        let e = self.0.entry(cell).or_default();
        *e += n;
        if *e == 0 {
            self.0.remove(&cell);
        }
    }

    pub fn merge(&mut self, other: &Cells) {
        for (c, n) in other.iter() {
            self.add(c, n);
        }
    }

    pub fn subtract(&mut self, other: &Cells) {
        for (c, n) in other.iter() {
            self.add(c, -n);
        }
    }

    pub fn iter(&self) -> impl Iterator<Item = (Cell, i64)> + '_ {
        self.0.iter().map(|(c, n)| (*c, *n))
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    pub fn len(&self) -> usize {
        self.0.len()
    }
}

impl FromIterator<(Cell, i64)> for Cells {
    fn from_iter<I: IntoIterator<Item = (Cell, i64)>>(iter: I) -> Self {
        let mut c = Cells::default();
        for (cell, n) in iter {
            c.add(cell, n);
        }
        c
    }
}

/// A change to one rollup row: a day's counters of one group of one dimension, and its cells.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RollupDelta {
    pub day: NaiveDate,
    pub dimension: Dimension,
    /// The channel, campaign, number... the row counts.
    pub group: String,
    pub counters: Counters,
    /// Stored apart from the counters (they change only when a call joins or leaves the row).
    #[serde(default, skip_serializing_if = "Cells::is_empty")]
    pub cells: Cells,
}

impl RollupDelta {
    /// True when the delta changes nothing.
    pub fn is_zero(&self) -> bool {
        self.counters.is_zero() && self.cells.is_empty()
    }
}

/// One rollup row as read back (of the dimension asked for).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Rollup {
    pub day: NaiveDate,
    pub group: String,
    pub counters: Counters,
}

/// One group's cells summed over a period (of the dimension asked for): what a report needs
/// of the sketches, at most one set of cells per group whatever the days.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RollupCells {
    pub group: String,
    pub cells: Cells,
}

/// Per-pool health, counted per hour: exhaustions and early reuse say "pool too small".
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct PoolHealth {
    pub acquires: i64,
    pub exhaustions: i64,
    pub early_reuses: i64,
    pub expired: i64,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cells_round_trip_through_their_store_names_and_codes() {
        let cells = [
            Cell::Caller {
                register: 0,
                rank: 1,
            },
            Cell::Caller {
                register: 1023,
                rank: 55,
            },
            Cell::Return { minutes: 0 },
            Cell::Return { minutes: u16::MAX },
        ];
        for c in cells {
            assert_eq!(Cell::parse(&c.key()), Some(c));
            assert_eq!(Cell::from_code(c.code()), Some(c));
        }
        for not_a_cell in ["day", "grp", "u", "u1", "r", "rx", "u1_x", "pk"] {
            assert_eq!(Cell::parse(not_a_cell), None, "{not_a_cell}");
        }
    }
}
