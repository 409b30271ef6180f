//! Opens the ports for the chosen backend: SQLite and files under `--data`, or AWS.

use std::sync::Arc;

use calltrack::http::App;
use calltrack::ports::{BlobStore, Fetcher, Mailer, Store};
use calltrack_embedded::{FileMailer, FsBlobStore, OfflineFetcher, SqliteStore};

use crate::exit::Failure;
use crate::{Backend, Globals};

/// The adapters a command works with.
pub struct Ports {
    pub store: Arc<dyn Store>,
    pub blobs: Arc<dyn BlobStore>,
    pub mailer: Arc<dyn Mailer>,
    pub fetcher: Arc<dyn Fetcher>,
}

impl Ports {
    /// The HTTP application over these ports, with the real clock.
    pub fn app(&self, public_base_url: String) -> Arc<App> {
        App::new(
            self.store.clone(),
            self.blobs.clone(),
            self.mailer.clone(),
            self.fetcher.clone(),
            public_base_url,
        )
    }
}

/// The embedded backend under a data directory: `store.db`, `blobs/`, `outbox/`.
pub fn embedded(dir: &std::path::Path) -> Result<Ports, Failure> {
    let store = SqliteStore::open(dir)
        .map_err(|e| Failure::Other(anyhow::anyhow!("cannot open {}: {e}", dir.display())))?;
    Ok(Ports {
        store: Arc::new(store),
        blobs: Arc::new(FsBlobStore::new(dir.join("blobs"))),
        mailer: Arc::new(FileMailer::new(dir.join("outbox"))),
        fetcher: Arc::new(OfflineFetcher),
    })
}

pub async fn open(g: &Globals) -> Result<Ports, Failure> {
    match g.backend {
        Backend::Sqlite => embedded(&g.data),
        Backend::Aws => {
            let p = calltrack_aws::AwsPorts::from_env()
                .await
                .map_err(|e| Failure::Usage(e.to_string()))?;
            Ok(Ports {
                store: p.store,
                blobs: p.blobs,
                mailer: p.mailer,
                fetcher: p.fetcher,
            })
        }
    }
}
