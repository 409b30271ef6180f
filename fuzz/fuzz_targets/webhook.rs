//! Every provider's webhook parser and signature check, then the merge of what it parsed into a
//! call. Input: byte 0 picks the provider and whether a secret is given; up to the first
//! newline is the signature header's value; the rest is the body. Nothing may panic.
#![no_main]

use calltrack::model::{Call, Direction, Provider, Tenant, TenantId};
use calltrack::telephony::{self, WebhookRequest};
use chrono::{TimeZone, Utc};
use libfuzzer_sys::fuzz_target;

const KINDS: [&str; 5] = ["call", "summary", "recording", "record/added", "dtmf"];

fuzz_target!(|data: &[u8]| {
    let Some((&mode, rest)) = data.split_first() else {
        return;
    };
    let provider = Provider::ALL[usize::from(mode) % Provider::ALL.len()];
    let verify = mode & 0x80 != 0;
    let (sig, body) = match rest.iter().position(|&b| b == b'\n') {
        Some(i) => (&rest[..i], &rest[i + 1..]),
        None => (&b""[..], rest),
    };
    let mut headers = http::HeaderMap::new();
    let content_type = match provider {
        Provider::Telnyx | Provider::Generic => "application/json",
        _ => "application/x-www-form-urlencoded",
    };
    headers.insert(
        http::header::CONTENT_TYPE,
        http::HeaderValue::from_static(content_type),
    );
    if let Ok(v) = http::HeaderValue::from_bytes(sig) {
        for name in [
            "x-twilio-signature",
            "telnyx-signature-ed25519",
            "signature",
            "x-signature",
        ] {
            headers.insert(name, v.clone());
        }
    }
    headers.insert(
        "telnyx-timestamp",
        http::HeaderValue::from_static("1709288100"),
    );
    let req = WebhookRequest {
        public_url: "https://hooks.example/v1/hooks/acme/x",
        headers: &headers,
        body,
        mango_kind: (provider == Provider::Mango && mode & 0x40 != 0)
            .then(|| KINDS[usize::from(mode >> 3) % KINDS.len()]),
    };
    // A Telnyx secret is an ed25519 public key (base64); the others are shared secrets.
    let secret = verify.then_some(match provider {
        Provider::Telnyx => "GB9ECWmEzf6FQbrBZ9w7lshQhqowtrbLDFw4rXAxZuE=",
        Provider::Mango => "key:salt",
        _ => "secret",
    });
    let now = Utc.with_ymd_and_hms(2024, 3, 1, 10, 15, 0).unwrap();
    let Ok(events) = telephony::parse(provider, &req, secret, "RU", now) else {
        return;
    };
    let _ = telephony::incoming_call(&events);
    let tenant = Tenant::new(TenantId::parse("acme").unwrap(), "Acme");
    for ev in &events {
        let call = Call::new(
            &tenant.id,
            ev.provider,
            &ev.provider_call_id,
            Direction::Inbound,
            ev.at,
        );
        let merged = calltrack::calls::merge(&tenant, call, ev);
        let _ = calltrack::calls::merge(&tenant, merged, ev);
    }
});
