//! Tenant secrets at rest: provider secrets are sealed (AES-256-GCM, bound to the tenant id)
//! before a store writes a tenant, and opened when it reads one.
//!
//! Where the key comes from is the adapter's business ([`Sealer`]): on AWS a KMS data key per
//! write (envelope encryption: the wrapped key travels with the ciphertext, KMS unwraps it), on
//! one machine a key file in the data directory. Both seal with [`seal_with`] and open with
//! [`open_with`]; a tenant written before sealing existed (plain secrets, no seal) is read as
//! it is and sealed on its next write (`calltrack migrate` rewrites them all).

use std::collections::BTreeMap;

use aes_gcm::aead::{Aead, AeadCore, KeyInit, OsRng, Payload};
use aes_gcm::{Aes256Gcm, Key, Nonce};
use async_trait::async_trait;
use base64::Engine as _;
use serde::{Deserialize, Serialize};

use crate::model::{Tenant, TenantId};
use crate::ports::{StoreError, StoreResult};

/// A tenant's provider secrets as stored: ciphertext and what is needed to open it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SealedSecrets {
    /// `aes256gcm+kms` (data key wrapped by KMS) or `aes256gcm+local` (the data dir's key).
    pub scheme: String,
    /// The wrapped data key (base64), for schemes that carry one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub wrapped_key: Option<String>,
    /// Base64 of the 96-bit nonce and of the ciphertext with its tag.
    pub nonce: String,
    pub ciphertext: String,
}

/// Seals and opens tenant secrets with a key only the deployment holds.
#[async_trait]
pub trait Sealer: Send + Sync {
    async fn seal(&self, tenant: &TenantId, plain: &[u8]) -> StoreResult<SealedSecrets>;
    async fn open(&self, tenant: &TenantId, sealed: &SealedSecrets) -> StoreResult<Vec<u8>>;
}

fn b64() -> base64::engine::GeneralPurpose {
    base64::engine::general_purpose::STANDARD
}

fn corrupt(what: &str) -> StoreError {
    StoreError::Corrupt(format!("sealed secrets: {what}"))
}

/// AES-256-GCM with the tenant id as associated data: a sealed blob copied onto another
/// tenant does not open.
pub fn seal_with(
    key: &[u8; 32],
    scheme: &str,
    wrapped_key: Option<String>,
    tenant: &TenantId,
    plain: &[u8],
) -> StoreResult<SealedSecrets> {
    let cipher = Aes256Gcm::new(Key::<Aes256Gcm>::from_slice(key));
    let nonce = Aes256Gcm::generate_nonce(&mut OsRng);
    let ct = cipher
        .encrypt(
            &nonce,
            Payload {
                msg: plain,
                aad: tenant.as_str().as_bytes(),
            },
        )
        .map_err(|_| corrupt("encryption failed"))?;
    Ok(SealedSecrets {
        scheme: scheme.to_string(),
        wrapped_key,
        nonce: b64().encode(nonce),
        ciphertext: b64().encode(ct),
    })
}

/// Opens what [`seal_with`] sealed for this tenant with this key.
pub fn open_with(
    key: &[u8; 32],
    tenant: &TenantId,
    sealed: &SealedSecrets,
) -> StoreResult<Vec<u8>> {
    let nonce = b64()
        .decode(&sealed.nonce)
        .ok()
        .filter(|n| n.len() == 12)
        .ok_or_else(|| corrupt("bad nonce"))?;
    let ct = b64()
        .decode(&sealed.ciphertext)
        .map_err(|_| corrupt("bad ciphertext"))?;
    Aes256Gcm::new(Key::<Aes256Gcm>::from_slice(key))
        .decrypt(
            Nonce::from_slice(&nonce),
            Payload {
                msg: &ct,
                aad: tenant.as_str().as_bytes(),
            },
        )
        .map_err(|_| corrupt("does not open with this key for this tenant"))
}

/// The tenant as a store writes it: provider secrets sealed, none in the clear.
pub async fn sealed(sealer: &dyn Sealer, tenant: &Tenant) -> StoreResult<Tenant> {
    let mut doc = tenant.clone();
    doc.sealed_secrets = if tenant.provider_secrets.is_empty() {
        None
    } else {
        let plain = serde_json::to_vec(&tenant.provider_secrets)
            .map_err(|e| StoreError::Corrupt(e.to_string()))?;
        Some(sealer.seal(&tenant.id, &plain).await?)
    };
    doc.provider_secrets.clear();
    Ok(doc)
}

/// The tenant as read: sealed secrets opened (a tenant stored before sealing is used as is).
pub async fn opened(sealer: &dyn Sealer, mut doc: Tenant) -> StoreResult<Tenant> {
    if let Some(s) = doc.sealed_secrets.take() {
        let plain = sealer.open(&doc.id, &s).await?;
        let secrets: BTreeMap<String, String> =
            serde_json::from_slice(&plain).map_err(|_| corrupt("not a secrets map"))?;
        doc.provider_secrets.extend(secrets);
    }
    Ok(doc)
}

/// What the public site-key copy of a tenant may hold (the snippet's hot path reads it): no
/// provider secrets, sealed or not, and no API key hash.
pub fn public_copy(tenant: &Tenant) -> Tenant {
    Tenant {
        provider_secrets: BTreeMap::new(),
        sealed_secrets: None,
        api_key_hash: None,
        ..tenant.clone()
    }
}

/// A sealer with a key held in memory (`aes256gcm+local`): the embedded store's key file, or a
/// random key for an in-memory store.
pub struct LocalSealer {
    key: [u8; 32],
}

/// The scheme name of [`LocalSealer`].
pub const LOCAL_SCHEME: &str = "aes256gcm+local";

impl LocalSealer {
    pub fn new(key: [u8; 32]) -> Self {
        Self { key }
    }

    /// A fresh random key (for a store that lives only in memory).
    pub fn random() -> Self {
        Self {
            key: Aes256Gcm::generate_key(&mut OsRng).into(),
        }
    }
}

#[async_trait]
impl Sealer for LocalSealer {
    async fn seal(&self, tenant: &TenantId, plain: &[u8]) -> StoreResult<SealedSecrets> {
        seal_with(&self.key, LOCAL_SCHEME, None, tenant, plain)
    }

    async fn open(&self, tenant: &TenantId, sealed: &SealedSecrets) -> StoreResult<Vec<u8>> {
        if sealed.scheme != LOCAL_SCHEME {
            return Err(corrupt(&format!(
                "sealed as {}, this store opens {LOCAL_SCHEME}",
                sealed.scheme
            )));
        }
        open_with(&self.key, tenant, sealed)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tenant() -> Tenant {
        let mut t = Tenant::new(TenantId::parse("acme").unwrap(), "Acme");
        t.provider_secrets.insert("twilio".into(), "tok-123".into());
        t.api_key_hash = Some("h".into());
        t
    }

    #[tokio::test]
    async fn secrets_round_trip_sealed_and_never_in_the_clear() {
        let s = LocalSealer::random();
        let doc = sealed(&s, &tenant()).await.unwrap();
        assert!(doc.provider_secrets.is_empty());
        assert!(!serde_json::to_string(&doc).unwrap().contains("tok-123"));
        assert_eq!(opened(&s, doc).await.unwrap(), tenant());
    }

    #[tokio::test]
    async fn a_sealed_blob_opens_only_for_its_tenant_and_key() {
        let s = LocalSealer::random();
        let doc = sealed(&s, &tenant()).await.unwrap();
        let moved = Tenant {
            id: TenantId::parse("other").unwrap(),
            ..doc.clone()
        };
        assert!(opened(&s, moved).await.is_err());
        assert!(opened(&LocalSealer::random(), doc).await.is_err());
    }

    #[tokio::test]
    async fn a_tenant_stored_before_sealing_is_read_as_it_is() {
        let s = LocalSealer::random();
        assert_eq!(opened(&s, tenant()).await.unwrap(), tenant());
    }

    #[test]
    fn the_public_copy_has_no_secrets() {
        let p = public_copy(&tenant());
        assert!(p.provider_secrets.is_empty() && p.api_key_hash.is_none());
    }
}
