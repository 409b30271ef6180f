//! The store conformance suite against the SQLite adapter (a fresh in-memory store per case).

use std::sync::Arc;

use calltrack::ports::Store;
use calltrack_embedded::SqliteStore;

async fn sqlite() -> Arc<dyn Store> {
    Arc::new(SqliteStore::in_memory().expect("in-memory SQLite"))
}

calltrack_integration::conformance_tests!(sqlite);
