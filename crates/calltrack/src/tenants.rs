//! Tenants: saving one (validated here, so no adapter has to), purging one, and the tenant API
//! key.

use subtle::ConstantTimeEq;

use crate::model::{Tenant, TenantId};
use crate::ports::{BlobError, Ports, StoreError, StoreResult, TenantStore};

/// What a purge removed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub struct Purged {
    /// Store records (settings, numbers, leases, calls, deals, rollups, ...).
    pub records: u64,
    /// Blobs (recordings, transcripts, speech config, reports).
    pub blobs: u64,
}

#[derive(Debug, thiserror::Error)]
pub enum PurgeError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Blobs(#[from] BlobError),
}

/// Removes a tenant and everything stored for it, on the store and in the blob store: the
/// blobs first, so a purge cut short leaves the tenant (and a way to run it again) in place.
pub async fn purge(ports: &Ports, id: &TenantId) -> Result<Purged, PurgeError> {
    let mut blobs = 0;
    for prefix in crate::blobs::tenant_prefixes(id) {
        blobs += ports.blobs.delete_prefix(&prefix).await?;
    }
    let records = ports.store.purge_tenant(id).await?;
    Ok(Purged { records, blobs })
}

/// Validates and stores a tenant: the CLI, the demo and tests save tenants through here, so an
/// invalid one never reaches a store.
pub async fn save<S: TenantStore + ?Sized>(store: &S, tenant: &Tenant) -> StoreResult<()> {
    tenant.validate()?;
    store.put_tenant(tenant).await
}

/// A new tenant API key, `ctk_<tenant>.<secret>`, and its SHA-256 (only the hash is stored).
pub fn new_api_key(tenant: &TenantId) -> (String, String) {
    let secret =
        uuid::Uuid::new_v4().simple().to_string() + &uuid::Uuid::new_v4().simple().to_string();
    let key = format!("ctk_{}.{}", tenant, secret);
    let hash = hash_api_key(&key);
    (key, hash)
}

/// The stored form of an API key.
pub fn hash_api_key(key: &str) -> String {
    use sha2::Digest;
    hex::encode(sha2::Sha256::digest(key.as_bytes()))
}

/// The tenant an API key names, if the key is theirs (compared in constant time).
pub async fn tenant_for_api_key<S: TenantStore + ?Sized>(
    store: &S,
    key: &str,
) -> StoreResult<Option<Tenant>> {
    let Some(id) = key
        .strip_prefix("ctk_")
        .and_then(|k| k.split_once('.'))
        .and_then(|(t, _)| TenantId::parse(t).ok())
    else {
        return Ok(None);
    };
    let Some(tenant) = store.get_tenant(&id).await? else {
        return Ok(None);
    };
    let stored = tenant.api_key_hash.as_deref().unwrap_or("");
    let given = hash_api_key(key);
    let matches = !stored.is_empty() && bool::from(given.as_bytes().ct_eq(stored.as_bytes()));
    Ok(matches.then_some(tenant))
}
