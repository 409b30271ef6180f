//! How a call was credited: the attribution stored on it.

use serde::{Deserialize, Serialize};

use super::*;

/// How a call was credited.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AttributionMethod {
    Static,
    Lease,
    Ambiguous,
    PoolOverflow,
    Unattributed,
}

/// A visit that may have made a call, with its weight of evidence.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Candidate {
    pub lease_id: LeaseId,
    pub visitor_id: String,
    pub channel: String,
    pub likelihood: f64,
}

/// Where a call came from, stored on the call when it is first seen.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Attribution {
    pub method: AttributionMethod,
    /// `source/medium` for web, the static source name for offline.
    pub channel: String,
    pub campaign: Option<String>,
    pub term: Option<String>,
    pub visit: Option<Visit>,
    pub lease_id: Option<LeaseId>,
    /// 0..1: how sure the attribution is.
    pub confidence: f64,
    pub runners_up: Vec<Candidate>,
    /// The caller's earliest known touch, when it differs from this one.
    pub first_touch_channel: Option<String>,
}

impl Attribution {
    pub fn unattributed() -> Self {
        Self {
            method: AttributionMethod::Unattributed,
            channel: "(unattributed)".into(),
            campaign: None,
            term: None,
            visit: None,
            lease_id: None,
            confidence: 0.0,
            runners_up: vec![],
            first_touch_channel: None,
        }
    }
}
