//! The CRM deal webhook body (generic signed JSON), with and without a secret.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Some((&mode, body)) = data.split_first() else {
        return;
    };
    let mut headers = http::HeaderMap::new();
    headers.insert(
        http::header::CONTENT_TYPE,
        http::HeaderValue::from_static("application/json"),
    );
    headers.insert("x-signature", http::HeaderValue::from_static("sha256=00"));
    let secret = (mode & 1 == 1).then_some("secret");
    let _ = calltrack::deals::crm::parse(body, &headers, secret, "US");
});
