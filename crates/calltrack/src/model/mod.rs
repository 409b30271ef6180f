//! The product's vocabulary as types: tenants, numbers, pools, leases, visits, calls, deals, costs.
//!
//! Everything here is plain data with validation at construction, so an invalid tenant id or a
//! phone number that is not E.164 cannot travel further than the edge that received it.

mod attribution;
mod call;
mod deal;
mod ids;
mod money;
mod number;
mod phone;
mod problem;
mod rollup;
mod tenant;
mod visit;

pub use attribution::*;
pub use call::*;
pub use deal::*;
pub use ids::*;
pub use money::*;
pub use number::*;
pub use phone::*;
pub use problem::*;
pub use rollup::*;
pub use tenant::*;
pub use visit::*;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn phone_numbers_normalise_to_e164_from_common_notations() {
        let want = "+14158675309";
        for s in [
            "+14158675309",
            "+1 (415) 867-5309",
            "14158675309",
            "0014158675309",
        ] {
            assert_eq!(PhoneNumber::parse(s, None).unwrap().as_str(), want, "{s}");
        }
        assert_eq!(
            PhoneNumber::parse("(415) 867-5309", Some("US"))
                .unwrap()
                .as_str(),
            want
        );
        assert_eq!(
            PhoneNumber::parse("8 (495) 123-45-67", Some("RU"))
                .unwrap()
                .as_str(),
            "+74951234567"
        );
    }

    #[test]
    fn invalid_phone_numbers_are_rejected_with_a_masked_reason() {
        for s in [
            "",
            "hello",
            "+1",
            "+999123",
            "1234567890123456789012345678901234",
        ] {
            let e = PhoneNumber::parse(s, Some("US")).unwrap_err();
            assert_eq!(e.field, "phone");
        }
    }

    #[test]
    fn masked_numbers_hide_the_middle() {
        let p = PhoneNumber::parse("+14158675309", None).unwrap();
        assert_eq!(p.masked(), "+1415*****09");
    }

    #[test]
    fn money_parses_exactly_in_minor_units() {
        let usd = Currency::parse("usd").unwrap();
        assert_eq!(usd.parse_major("12.5").unwrap(), 1250);
        assert_eq!(usd.parse_major("0.07").unwrap(), 7);
        assert_eq!(usd.parse_major("-3").unwrap(), -300);
        assert!(usd.parse_major("1.234").is_err());
        assert!(usd.parse_major("abc").is_err());
        assert_eq!(usd.format(123450), "1234.50");
        let jpy = Currency::parse("JPY").unwrap();
        assert_eq!(jpy.parse_major("500").unwrap(), 500);
    }

    #[test]
    fn call_ids_are_deterministic_per_tenant_and_provider() {
        let t = TenantId::parse("acme").unwrap();
        let a = CallId::derive(&t, Provider::Twilio, "CA1");
        assert_eq!(a, CallId::derive(&t, Provider::Twilio, "CA1"));
        assert_ne!(a, CallId::derive(&t, Provider::Telnyx, "CA1"));
        assert!(CallId::parse(a.as_str()).is_ok());
    }

    #[test]
    fn visit_channel_prefers_utm_then_click_ids_then_referrer() {
        let mut v = Visit {
            utm_source: Some("Google".into()),
            utm_medium: Some("CPC".into()),
            ..Default::default()
        };
        assert_eq!(v.channel(), "google/cpc");
        v.utm_source = None;
        v.gclid = Some("x".into());
        assert_eq!(v.channel(), "google/cpc");
        v.gclid = None;
        v.referrer = Some("https://www.google.com/search?q=x".into());
        assert_eq!(v.channel(), "google/organic");
        v.referrer = Some("https://news.example.org/a".into());
        assert_eq!(v.channel(), "news.example.org/referral");
        v.referrer = None;
        assert_eq!(v.channel(), "(direct)/(none)");
    }
}
