//! calltrack: which ad made the phone ring, what became of the call, how well it was handled,
//! and what each channel truly returns.
//!
//! This crate is the domain and its use cases, with no AWS and no I/O of its own: adapters
//! implement the traits in [`ports`], and [`http::router`] serves every HTTP route for both
//! `calltrack serve` and the Lambda functions.

pub mod alerts;
pub mod attribution;
pub mod blobs;
pub mod calls;
pub mod chart;
pub mod deals;
pub mod egress;
pub mod exports;
pub mod http;
pub mod loss;
pub mod model;
pub mod numbers;
pub mod period;
pub mod ports;
pub mod recordings;
pub mod report;
pub mod reporting;
pub mod roi;
pub mod rollups;
pub mod secrets;
pub mod sketch;
pub mod speech;
pub mod telephony;
pub mod tenants;
pub mod transcription;
