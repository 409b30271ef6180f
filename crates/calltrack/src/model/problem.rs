//! Calls worth a manager's listen, indexed per day when their analysis is stored.

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

use super::*;

/// A call worth a manager's listen: low score, complaint, unhandled objection, long silences.
/// Kept in a per-day index written with the analysis, so a report reads a few of them per day
/// instead of every call of its period.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ProblemCall {
    pub call_id: CallId,
    /// The call's day in the tenant's zone (its rollup day): the index's partition.
    pub day: NaiveDate,
    pub started_at: DateTime<Utc>,
    pub channel: String,
    #[serde(default)]
    pub manager: Option<String>,
    pub score: Option<u8>,
    /// The costliest first.
    pub reasons: Vec<String>,
    /// The costliest reason's code (`complaint`, `objection_unhandled`, `conflict`, ...): the
    /// list of calls to listen to takes the worst call of each kind before the rest. Absent on
    /// entries written before it (`calltrack migrate` writes it).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kind: Option<String>,
    /// The call's retention: the entry goes with the call.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub retain_until: Option<DateTime<Utc>>,
}

impl ProblemCall {
    /// The index's order within a day: worst score first, then earliest.
    pub fn rank(&self) -> (u8, DateTime<Utc>) {
        (self.score.unwrap_or(100), self.started_at)
    }
}

/// A change to the index, in the same commit as the analysis it comes from: the call's old
/// entry (to remove) and its new one (to write); either may be absent.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ProblemChange {
    pub old: Option<ProblemCall>,
    pub new: Option<ProblemCall>,
}
