//! Identifiers and the field-level validation error every edge turns into a 400 or exit code 4.

use std::fmt;

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use super::*;

/// A field-level validation failure: which field, and why. Edges turn it into a 400 or exit code 4.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{field}: {reason}")]
pub struct Invalid {
    pub field: String,
    pub reason: String,
}

impl Invalid {
    pub fn new(field: impl Into<String>, reason: impl Into<String>) -> Self {
        Self {
            field: field.into(),
            reason: reason.into(),
        }
    }
}

macro_rules! string_id {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        #[serde(transparent)]
        pub struct $name(String);

        impl $name {
            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }
    };
}

string_id!(
    /// A tenant's id: 1-40 chars of `a-z`, `0-9`, `-`; it appears in URLs and keys.
    TenantId
);
string_id!(
    /// Our id for a call, derived from the provider's call id so any event finds it in one read.
    CallId
);
string_id!(
    /// A lease's id, handed to the site snippet; unguessable.
    LeaseId
);
string_id!(
    /// A pool's name within a tenant (`web`, `google-ads`).
    PoolId
);

impl TenantId {
    pub fn parse(s: &str) -> Result<Self, Invalid> {
        let ok = !s.is_empty()
            && s.len() <= 40
            && s.bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-');
        if ok {
            Ok(Self(s.to_string()))
        } else {
            Err(Invalid::new(
                "tenant",
                "must be 1-40 characters of a-z, 0-9 and '-'",
            ))
        }
    }
}

impl PoolId {
    pub fn parse(s: &str) -> Result<Self, Invalid> {
        let ok = !s.is_empty()
            && s.len() <= 40
            && s.bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
        if ok {
            Ok(Self(s.to_string()))
        } else {
            Err(Invalid::new(
                "pool",
                "must be 1-40 characters of letters, digits, '-' and '_'",
            ))
        }
    }
}

impl LeaseId {
    /// A fresh random lease id (UUID v4, so the snippet cannot guess another visitor's lease).
    pub fn random() -> Self {
        Self(format!("l_{}", uuid::Uuid::new_v4().simple()))
    }

    pub fn parse(s: &str) -> Result<Self, Invalid> {
        let ok = s.len() > 2
            && s.len() <= 64
            && s.bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-');
        if ok {
            Ok(Self(s.to_string()))
        } else {
            Err(Invalid::new("lease_id", "not a lease id"))
        }
    }
}

impl CallId {
    /// The deterministic id of a provider's call within a tenant: every event of the call maps to it.
    pub fn derive(tenant: &TenantId, provider: Provider, provider_call_id: &str) -> Self {
        let mut h = Sha256::new();
        h.update(tenant.as_str());
        h.update([0]);
        h.update(provider.as_str());
        h.update([0]);
        h.update(provider_call_id);
        let d = h.finalize();
        Self(format!("c_{}", hex::encode(&d[..10])))
    }

    pub fn parse(s: &str) -> Result<Self, Invalid> {
        let ok =
            s.len() == 22 && s.starts_with("c_") && s[2..].bytes().all(|b| b.is_ascii_hexdigit());
        if ok {
            Ok(Self(s.to_string()))
        } else {
            Err(Invalid::new(
                "call_id",
                "not a call id (c_ followed by 20 hex digits)",
            ))
        }
    }
}
