//! Adapters for one machine: the SQLite store, blobs in a directory, mail into an outbox
//! directory, recordings queued in memory, no outbound HTTP and no transcription service. `calltrack serve` and
//! `calltrack demo` run on these; the conformance suite runs the store against DynamoDB's twin.
//! [`ports`] is this backend's composition root.

mod files;
mod sqlite;

use std::path::Path;
use std::sync::Arc;

use calltrack::ports::{Clock, Ports, Store, StoreResult, SystemClock};
use calltrack::recordings::LocalQueue;

pub use files::{FileMailer, FsBlobStore, OfflineFetcher, OfflineTranscriber};
pub use sqlite::{SqliteStore, SECRET_KEY_FILE};

/// The embedded backend under a data directory (`store.db`, `blobs/`, `outbox/`), on the
/// system clock.
pub fn ports(dir: &Path) -> StoreResult<Ports> {
    Ok(with_store(
        Arc::new(SqliteStore::open(dir)?),
        dir,
        Arc::new(SystemClock),
    ))
}

/// The embedded adapters around a given store (SQLite, or DynamoDB in the suites that run on
/// both) and clock, blobs and outbox under `dir`: tests, the demo and benchmarks build their
/// ports here.
pub fn with_store(store: Arc<dyn Store>, dir: &Path, clock: Arc<dyn Clock>) -> Ports {
    Ports {
        store,
        blobs: Arc::new(FsBlobStore::new(dir.join("blobs"))),
        transcriber: Arc::new(OfflineTranscriber),
        mailer: Arc::new(FileMailer::new(dir.join("outbox"))),
        fetcher: Arc::new(OfflineFetcher),
        recordings: Arc::new(LocalQueue::default()),
        ai: Arc::new(calltrack::ports::RulesOnly),
        clock,
    }
}
