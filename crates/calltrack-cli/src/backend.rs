//! The CLI's composition root: the ports for the chosen backend, SQLite and files under
//! `--data`, or AWS from the environment. Built once per command.

use calltrack::ports::Ports;

use crate::exit::Failure;
use crate::{Backend, Globals};

/// The embedded backend under a data directory: `store.db`, `blobs/`, `outbox/`.
pub fn embedded(dir: &std::path::Path) -> Result<Ports, Failure> {
    calltrack_embedded::ports(dir)
        .map_err(|e| Failure::Other(anyhow::anyhow!("cannot open {}: {e}", dir.display())))
}

pub async fn open(g: &Globals) -> Result<Ports, Failure> {
    match g.backend {
        Backend::Sqlite => embedded(&g.data),
        Backend::Aws => calltrack_aws::ports_from_env()
            .await
            .map_err(|e| Failure::Usage(e.to_string())),
    }
}
