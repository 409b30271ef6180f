//! Dynamic number insertion: the number directory, the pool and its leases.
//!
//! A web visitor is shown a number leased from the tenant's pool ([`Pool::acquire`]); the page
//! keeps the lease alive with heartbeats ([`Pool::renew`]) and reports call intents
//! ([`Pool::intent`]). A call's number is looked up in the directory ([`look_up`]); a call to a
//! pooled number is credited in [`crate::attribution`], which weighs that evidence across every
//! lease of the number that was live, or recently ended, at the call ([`leases_at`]).
//! [`sim`] drives the same code through the store port with a simulated clock to compare
//! policies and size pools. The behaviour model and the rules are written up in `docs/pool.md`.

mod directory;
pub mod limits;

/// How long a lease (a visit's id, landing page and click ids) is kept after it started: long
/// past any grace a call could be credited in; then DynamoDB's TTL or the embedded sweep
/// ([`crate::calls::sweep_retention`]) deletes it.
pub const LEASE_RETENTION: chrono::Duration = chrono::Duration::days(90);
mod pool;
pub mod sim;
mod visitors;

pub use directory::{leases_at, leases_overlapping, look_up, Dialled, LONGEST_LEASE};
pub use pool::{
    acquire, expire, free_at, intent, renew, AcquireError, AcquireOutcome, Acquired, ExpiryReport,
    LeaseError, Pool, MAX_INTENTS_PER_LEASE,
};
pub use visitors::{display_number, is_bot, pool_for_visit};
