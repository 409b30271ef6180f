//! The ad cost import, CSV or JSON, in a tenant's currency.
#![no_main]

use calltrack::model::{Tenant, TenantId};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Some((&mode, body)) = data.split_first() else {
        return;
    };
    let tenant = Tenant::new(TenantId::parse("acme").unwrap(), "Acme");
    let _ = calltrack::deals::parse_costs(&tenant, body, mode & 1 == 1);
});
