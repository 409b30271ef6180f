//! CRM deals and ad costs.

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

use super::*;

/// A deal's state in the CRM.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DealStatus {
    Open,
    Won,
    Lost,
}

/// A CRM deal, linked to the call that brought it when we can tell.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Deal {
    pub tenant: TenantId,
    pub id: String,
    pub status: DealStatus,
    pub amount_minor: i64,
    pub currency: Currency,
    pub at: DateTime<Utc>,
    pub call_id: Option<CallId>,
    pub caller: Option<PhoneNumber>,
    /// Copied from the linked call; `(unlinked)` otherwise.
    pub channel: String,
    /// The linked call's campaign, number, manager...; `None` for a deal recorded before
    /// dimensions existed (counted under its channel only).
    #[serde(default)]
    pub groups: Option<Groups>,
    /// The day the deal counts in (the linked call's day, else the deal's).
    pub day: NaiveDate,
    /// Optimistic concurrency: bumped by every committed change.
    pub version: u64,
}

/// Ad spend for one day, channel and campaign.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Cost {
    pub date: NaiveDate,
    pub channel: String,
    pub campaign: String,
    pub cost_minor: i64,
    pub currency: Currency,
}
