//! Dynamic number insertion: the pool, leases and the attribution of calls to visits.
//!
//! A web visitor is shown a number leased from the tenant's pool ([`Pool::acquire`]); the page
//! keeps the lease alive with heartbeats ([`Pool::renew`]) and reports call intents
//! ([`Pool::intent`]). A call to a pooled number is credited by [`attribute`], which weighs that
//! evidence across every lease of the number that was live, or recently ended, at the call.
//! [`sim`] drives the same code through the store port with a simulated clock to compare
//! policies and size pools. The behaviour model and the rules are written up in `docs/pool.md`.

mod attribution;
mod pool;
pub mod sim;

pub use attribution::{attribute, attribute_from, leases_at, overflow, AttributionRules};
pub use pool::{
    acquire, expire, intent, renew, AcquireError, AcquireOutcome, Acquired, ExpiryReport,
    LeaseError, Pool,
};
