//! Tenant secrets sealed with KMS envelope encryption (`calltrack::secrets::Sealer`).
//!
//! Each write asks KMS for a fresh AES-256 data key under the stack's key (`SECRETS_KEY_ID`),
//! seals the secrets with it and keeps only the wrapped key beside the ciphertext. A read asks
//! KMS to unwrap that key once per container (unwrapped keys are cached by their wrapped form),
//! so a webhook costs no KMS call after the first for its tenant. The tenant id is the KMS
//! encryption context and the AEAD's associated data: a blob moved to another tenant opens
//! nowhere.

use std::collections::HashMap;
use std::sync::Mutex;

use async_trait::async_trait;
use aws_sdk_kms::primitives::Blob;
use aws_sdk_kms::types::DataKeySpec;
use aws_sdk_kms::Client;
use base64::Engine as _;
use calltrack::model::TenantId;
use calltrack::ports::{StoreError, StoreResult};
use calltrack::secrets::{open_with, seal_with, SealedSecrets, Sealer};

/// The scheme name of [`KmsSealer`].
pub const KMS_SCHEME: &str = "aes256gcm+kms";

/// Seals tenant secrets under a KMS key.
pub struct KmsSealer {
    client: Client,
    key_id: String,
    unwrapped: Mutex<HashMap<Vec<u8>, [u8; 32]>>,
}

impl KmsSealer {
    pub fn from_env(config: &aws_config::SdkConfig, key_id: String) -> Self {
        Self {
            client: Client::new(config),
            key_id,
            unwrapped: Mutex::new(HashMap::new()),
        }
    }
}

fn unavailable(what: &str, e: impl std::fmt::Display) -> StoreError {
    StoreError::Unavailable(format!("KMS {what}: {e}"))
}

fn key32(bytes: &[u8]) -> StoreResult<[u8; 32]> {
    <[u8; 32]>::try_from(bytes)
        .map_err(|_| StoreError::Corrupt("KMS returned a data key that is not 32 bytes".into()))
}

#[async_trait]
impl Sealer for KmsSealer {
    async fn seal(&self, tenant: &TenantId, plain: &[u8]) -> StoreResult<SealedSecrets> {
        let out = self
            .client
            .generate_data_key()
            .key_id(&self.key_id)
            .key_spec(DataKeySpec::Aes256)
            .encryption_context("tenant", tenant.as_str())
            .send()
            .await
            .map_err(|e| {
                unavailable(
                    "GenerateDataKey",
                    aws_sdk_kms::error::DisplayErrorContext(e),
                )
            })?;
        let key = key32(out.plaintext().map(Blob::as_ref).unwrap_or_default())?;
        let wrapped = out
            .ciphertext_blob()
            .ok_or_else(|| StoreError::Corrupt("KMS returned no wrapped key".into()))?
            .as_ref()
            .to_vec();
        let b64 = base64::engine::general_purpose::STANDARD.encode(&wrapped);
        if let Ok(mut cache) = self.unwrapped.lock() {
            cache.insert(wrapped, key);
        }
        seal_with(&key, KMS_SCHEME, Some(b64), tenant, plain)
    }

    async fn open(&self, tenant: &TenantId, sealed: &SealedSecrets) -> StoreResult<Vec<u8>> {
        if sealed.scheme != KMS_SCHEME {
            return Err(StoreError::Corrupt(format!(
                "tenant secrets sealed as {}, this store opens {KMS_SCHEME}",
                sealed.scheme
            )));
        }
        let wrapped = sealed
            .wrapped_key
            .as_deref()
            .and_then(|k| base64::engine::general_purpose::STANDARD.decode(k).ok())
            .ok_or_else(|| StoreError::Corrupt("sealed secrets without a wrapped key".into()))?;
        let cached = self
            .unwrapped
            .lock()
            .ok()
            .and_then(|c| c.get(&wrapped).copied());
        let key = match cached {
            Some(k) => k,
            None => {
                let out = self
                    .client
                    .decrypt()
                    .ciphertext_blob(Blob::new(wrapped.clone()))
                    .encryption_context("tenant", tenant.as_str())
                    .send()
                    .await
                    .map_err(|e| {
                        unavailable("Decrypt", aws_sdk_kms::error::DisplayErrorContext(e))
                    })?;
                let k = key32(out.plaintext().map(Blob::as_ref).unwrap_or_default())?;
                if let Ok(mut cache) = self.unwrapped.lock() {
                    cache.insert(wrapped, k);
                }
                k
            }
        };
        open_with(&key, tenant, sealed)
    }
}
