//! Shared harness for the integration tests: the store conformance suite, the moto server, a
//! Lambda Runtime API emulator and a stub of the Bedrock Converse API.

pub mod conformance;
pub mod converse_stub;
pub mod moto;
pub mod runtime;
