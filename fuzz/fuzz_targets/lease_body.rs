//! The snippet's lease request body, as `POST /v1/leases` reads it, and the visit's channel.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(visit) = calltrack::http::leases::parse_visit(data) {
        let _ = visit.channel();
    }
});
