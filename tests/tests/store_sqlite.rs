//! The store conformance suite against the SQLite adapter (a fresh in-memory store per case).

use std::sync::Arc;

use calltrack::ports::Store;
use calltrack_embedded::SqliteStore;

async fn sqlite() -> Arc<dyn Store> {
    Arc::new(SqliteStore::in_memory().expect("in-memory SQLite"))
}

calltrack_integration::conformance_tests!(sqlite);

/// On one machine provider secrets are sealed with the data dir's `secrets.key` (created 0600
/// on first use): the database file never holds them, and the store opens them again after a
/// restart.
#[tokio::test]
async fn tenant_secrets_are_sealed_with_the_data_dirs_key() {
    use calltrack::model::{Tenant, TenantId};
    use calltrack::ports::TenantStore;
    let dir = std::env::temp_dir().join(format!("ct-sealed-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let mut tn = Tenant::new(TenantId::parse("acme").unwrap(), "Acme");
    tn.provider_secrets
        .insert("generic".into(), "gen-s3cret-value".into());
    {
        let store = SqliteStore::open(&dir).unwrap();
        store.put_tenant(&tn).await.unwrap();
    }
    let key = dir.join(calltrack_embedded::SECRET_KEY_FILE);
    assert_eq!(std::fs::read(&key).unwrap().len(), 32);
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&key).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600);
    }
    let db = std::fs::read(dir.join("store.db")).unwrap();
    let wal = std::fs::read(dir.join("store.db-wal")).unwrap_or_default();
    for bytes in [&db, &wal] {
        assert!(!String::from_utf8_lossy(bytes).contains("gen-s3cret-value"));
    }
    let reopened = SqliteStore::open(&dir).unwrap();
    assert_eq!(reopened.get_tenant(&tn.id).await.unwrap(), Some(tn));
    let _ = std::fs::remove_dir_all(&dir);
}
