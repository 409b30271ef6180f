//! Shared harness for the integration tests: the store conformance suite, the moto server and a
//! Lambda Runtime API emulator.

pub mod conformance;
pub mod moto;
pub mod runtime;
