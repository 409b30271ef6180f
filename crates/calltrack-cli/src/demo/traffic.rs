//! The demo's traffic model: the web channels and offline sources, how often each calls, what it
//! costs and what its deals are worth, and the daily curve of visits.

/// A web channel: how visitors arrive, how often they call, what it costs and earns.
pub(super) struct WebChannel {
    pub(super) channel: &'static str,
    pub(super) share: f64,
    pub(super) utm: Option<(&'static str, &'static str)>,
    pub(super) referrer: Option<&'static str>,
    pub(super) call_rate: f64,
    pub(super) daily_cost: (f64, f64),
}

pub(super) const WEB: [WebChannel; 5] = [
    WebChannel {
        channel: "google/cpc",
        share: 0.35,
        utm: Some(("google", "cpc")),
        referrer: None,
        call_rate: 0.12,
        daily_cost: (45.0, 75.0),
    },
    WebChannel {
        channel: "yandex/cpc",
        share: 0.15,
        utm: Some(("yandex", "cpc")),
        referrer: None,
        call_rate: 0.10,
        daily_cost: (20.0, 35.0),
    },
    WebChannel {
        channel: "facebook/paid",
        share: 0.12,
        utm: Some(("facebook", "paid")),
        referrer: None,
        call_rate: 0.07,
        daily_cost: (25.0, 40.0),
    },
    WebChannel {
        channel: "google/organic",
        share: 0.20,
        utm: None,
        referrer: Some("https://www.google.com/"),
        call_rate: 0.10,
        daily_cost: (0.0, 0.0),
    },
    WebChannel {
        channel: "(direct)/(none)",
        share: 0.18,
        utm: None,
        referrer: None,
        call_rate: 0.14,
        daily_cost: (0.0, 0.0),
    },
];

/// The demo's managers, each with the cumulative share of calls they take (the first busiest).
pub(super) const MANAGERS: [(&str, f64); 4] = [
    ("anna", 0.4),
    ("ben", 0.7),
    ("carmen", 0.9),
    ("dmitri", 1.0),
];

/// Campaigns of the paid channels with their share of the channel's visits and spend, and the
/// keywords their searchers typed.
pub(super) fn campaigns(channel: &str) -> &'static [(&'static str, u64)] {
    match channel {
        "google/cpc" => &[
            ("brand", 30),
            ("emergency-plumber", 50),
            ("water-heaters", 20),
        ],
        "yandex/cpc" => &[("santehnik-srochno", 60), ("brand-yandex", 40)],
        "facebook/paid" => &[("spring-promo", 100)],
        _ => &[],
    }
}

pub(super) const KEYWORDS: [&str; 6] = [
    "emergency plumber",
    "plumber near me",
    "burst pipe repair",
    "water heater installation",
    "drain cleaning",
    "demo plumbing",
];

/// Landing pages the ads and searches lead to.
pub(super) const LANDINGS: [&str; 3] = ["/", "/emergency", "/water-heaters"];

/// Offline sources on static numbers: calls per day and daily cost.
pub(super) const STATIC: [(&str, f64, f64); 3] = [
    ("billboard", 3.0, 30.0),
    ("flyer", 1.5, 8.0),
    ("radio", 2.5, 40.0),
];

/// Share of answered calls that become deals, and the mean deal value, per channel.
pub(super) fn deal_odds(channel: &str) -> (f64, f64) {
    match channel {
        "google/cpc" => (0.22, 320.0),
        "yandex/cpc" => (0.18, 280.0),
        "facebook/paid" => (0.12, 240.0),
        "google/organic" => (0.20, 300.0),
        "(direct)/(none)" => (0.25, 350.0),
        "billboard" => (0.15, 400.0),
        "flyer" => (0.10, 200.0),
        _ => (0.12, 260.0),
    }
}

/// Share of visitors per hour of the day (sums to 1).
pub(super) fn hour_weight(h: u32) -> f64 {
    let w = [
        1, 1, 1, 1, 1, 2, 3, 5, 7, 8, 9, 9, 8, 8, 8, 8, 7, 7, 6, 5, 4, 3, 2, 1,
    ][h as usize];
    f64::from(w) / 115.0
}
