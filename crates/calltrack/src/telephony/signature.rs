//! Signature primitives shared by the providers. Every comparison of a secret-derived value is
//! constant time, so a forger learns nothing from how long a refusal takes.

use hmac::{Hmac, Mac};
use sha1::Sha1;
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

use super::WebhookError;

/// Constant-time equality of two byte strings (their lengths are not secret).
pub fn ct_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && bool::from(a.ct_eq(b))
}

/// HMAC-SHA1 of `msg` under `key`.
pub fn hmac_sha1(key: &[u8], msg: &[u8]) -> [u8; 20] {
    let mut mac = Hmac::<Sha1>::new_from_slice(key).expect("HMAC takes a key of any length");
    mac.update(msg);
    mac.finalize().into_bytes().into()
}

/// HMAC-SHA256 of `msg` under `key`.
pub fn hmac_sha256(key: &[u8], msg: &[u8]) -> [u8; 32] {
    let mut mac = Hmac::<Sha256>::new_from_slice(key).expect("HMAC takes a key of any length");
    mac.update(msg);
    mac.finalize().into_bytes().into()
}

/// Plain SHA-256 as lowercase hex.
pub fn sha256_hex(data: &[u8]) -> String {
    hex::encode(Sha256::digest(data))
}

/// The value of the `X-Signature` header we ask generic senders (PBX relays, CRMs) to send:
/// `sha256=<hex HMAC-SHA256 of the raw body>`.
pub fn generic_header_value(secret: &str, body: &[u8]) -> String {
    format!(
        "sha256={}",
        hex::encode(hmac_sha256(secret.as_bytes(), body))
    )
}

/// Checks an `X-Signature: sha256=<hex>` header (the `sha256=` prefix may be left out).
pub fn verify_generic(
    headers: &http::HeaderMap,
    secret: &str,
    body: &[u8],
) -> Result<(), WebhookError> {
    let header = headers
        .get("x-signature")
        .ok_or_else(|| WebhookError::signature("X-Signature header is missing"))?
        .to_str()
        .map_err(|_| WebhookError::signature("X-Signature header is not text"))?
        .trim();
    let hex_sig = header.strip_prefix("sha256=").unwrap_or(header);
    let given = hex::decode(hex_sig)
        .map_err(|_| WebhookError::signature("X-Signature is not sha256=<hex>"))?;
    let mut mac =
        Hmac::<Sha256>::new_from_slice(secret.as_bytes()).expect("HMAC takes a key of any length");
    mac.update(body);
    mac.verify_slice(&given)
        .map_err(|_| WebhookError::signature("X-Signature does not match the body"))
}

/// A header as text, or a refused signature naming it.
pub(crate) fn header<'h>(
    headers: &'h http::HeaderMap,
    name: &str,
) -> Result<&'h str, WebhookError> {
    headers
        .get(name)
        .ok_or_else(|| WebhookError::signature(format!("{name} header is missing")))?
        .to_str()
        .map(str::trim)
        .map_err(|_| WebhookError::signature(format!("{name} header is not text")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generic_signature_round_trips_and_refuses_a_changed_body() {
        let mut h = http::HeaderMap::new();
        h.insert(
            "x-signature",
            generic_header_value("s3cret", b"{}").parse().unwrap(),
        );
        assert!(verify_generic(&h, "s3cret", b"{}").is_ok());
        assert!(verify_generic(&h, "s3cret", b"{ }").is_err());
        assert!(verify_generic(&h, "other", b"{}").is_err());
    }

    #[test]
    fn constant_time_equality_needs_equal_lengths() {
        assert!(ct_eq(b"abc", b"abc"));
        assert!(!ct_eq(b"abc", b"abd"));
        assert!(!ct_eq(b"abc", b"ab"));
    }
}
