//! The CRM deal webhook bodies: the generic signed JSON (with and without a secret), amoCRM's
//! form, Bitrix24's event form and its re-read deal (JSON). Every input goes to each parser.
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
    let rub = calltrack::model::Currency::parse("RUB").unwrap();
    let now = chrono::DateTime::from_timestamp(1_764_000_000, 0).unwrap();
    let _ = calltrack::deals::amocrm::parse(body, rub, "RU", now);
    let _ = calltrack::deals::bitrix24::notice(body, "token");
    if let Ok(deal) = serde_json::from_slice::<serde_json::Value>(body) {
        let _ = calltrack::deals::bitrix24::deal_event(&deal, "RU");
        let _ = calltrack::deals::bitrix24::contact_phone(&deal, "RU");
    }
});
