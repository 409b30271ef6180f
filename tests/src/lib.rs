//! Shared harness for the integration tests: the store conformance suite and the moto server.

pub mod conformance;
pub mod moto;
