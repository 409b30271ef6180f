//! Adapters for one machine: the SQLite store, blobs in a directory, mail into an outbox
//! directory, and a transcriber that takes transcripts from files. `calltrack serve` and
//! `calltrack demo` run on these; the conformance suite runs the store against DynamoDB's twin.

mod files;
mod sqlite;

pub use files::{FileMailer, FsBlobStore, OfflineFetcher};
pub use sqlite::SqliteStore;
