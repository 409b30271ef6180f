//! Who is shown which number: bots get the pool's default number, people a lease from the pool
//! the snippet names (or the tenant's first), written the way the tenant's visitors write it.

use crate::model::{PhoneNumber, PoolId, PoolSettings, Tenant};
use crate::ports::{NumberStore, StoreResult};

/// Substrings of user agents that are crawlers, link previewers or headless checkers: they are
/// shown the pool's default number and never consume a lease.
const BOT_MARKERS: &[&str] = &[
    "bot",
    "crawl",
    "spider",
    "slurp",
    "facebookexternalhit",
    "mediapartners-google",
    "adsbot",
    "headlesschrome",
    "lighthouse",
    "pingdom",
    "preview",
    "bingpreview",
    "yandexmetrika",
    "python-requests",
    "wget",
];

/// True for a user agent of a known bot.
pub fn is_bot(user_agent: &str) -> bool {
    let ua = user_agent.to_ascii_lowercase();
    BOT_MARKERS.iter().any(|m| ua.contains(m))
}

/// The number as the tenant's visitors write it: national format when it is in the tenant's
/// region, international otherwise.
pub fn display_number(number: &PhoneNumber, region: &str) -> String {
    match phonenumber::parse(None, number.as_str()) {
        Ok(p) => {
            let home = region.parse::<phonenumber::country::Id>().ok();
            let mode = if home.is_some() && p.country().id() == home {
                phonenumber::Mode::National
            } else {
                phonenumber::Mode::International
            };
            p.format().mode(mode).to_string()
        }
        Err(_) => number.to_string(),
    }
}

/// The pool a visit leases from: the one named, else the tenant's first pool by id. `None`
/// when there is no such pool.
pub async fn pool_for_visit<S: NumberStore + ?Sized>(
    store: &S,
    tenant: &Tenant,
    named: Option<&PoolId>,
) -> StoreResult<Option<PoolSettings>> {
    match named {
        Some(id) => store.get_pool(&tenant.id, id).await,
        None => Ok(store.list_pools(&tenant.id).await?.into_iter().next()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn crawlers_and_headless_checkers_are_bots_and_browsers_are_not() {
        assert!(is_bot("Mozilla/5.0 (compatible; Googlebot/2.1)"));
        assert!(is_bot("Mozilla/5.0 HeadlessChrome/120.0"));
        assert!(!is_bot(
            "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 Chrome/120.0 Safari/537.36"
        ));
    }

    #[test]
    fn numbers_show_nationally_at_home_and_internationally_abroad() {
        let n = PhoneNumber::parse("+14158675300", None).unwrap();
        assert_eq!(display_number(&n, "US"), "(415) 867-5300");
        assert_eq!(display_number(&n, "GB"), "+1 415-867-5300");
    }
}
