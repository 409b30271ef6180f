//! Where calltrack may fetch from: a recording URL in a signed webhook is still outside input,
//! so it is fetched only over https, only from the provider's own media hosts (for the generic
//! format, the hosts the tenant listed; none by default), and only when every address it
//! resolves to, on every redirect hop, is a public one ([`is_public`], checked by the fetcher).
//! Anything else is not fetched: the event is stored without its audio and the refusal logged,
//! never echoed to the sender.

use std::net::IpAddr;

use crate::model::{Provider, Tenant};

/// The hosts a provider serves recordings from (`.suffix` matches that domain's subdomains).
/// Twilio: `RecordingUrl` is on `api.twilio.com` (or a regional `api.<edge>.<region>.twilio.com`);
/// Telnyx: `recording_urls` are presigned links to its S3 buckets. Zadarma and Mango announce
/// recordings by id: their APIs (`api.zadarma.com`, `app.mango-office.ru`) answer a link on
/// their own domains.
pub fn media_hosts(provider: Provider) -> &'static [&'static str] {
    match provider {
        Provider::Twilio => &["api.twilio.com", ".twilio.com"],
        Provider::Telnyx => &[".telnyx.com", "s3.amazonaws.com", ".s3.amazonaws.com"],
        Provider::Zadarma => &["api.zadarma.com", ".zadarma.com"],
        Provider::Mango => &["app.mango-office.ru", ".mango-office.ru"],
        Provider::Generic => &[],
    }
}

/// True when `host` is `pattern`, or a subdomain of it for a `.domain` pattern.
pub fn host_matches(host: &str, pattern: &str) -> bool {
    let host = host.trim_end_matches('.').to_ascii_lowercase();
    let pattern = pattern.to_ascii_lowercase();
    match pattern.strip_prefix('.') {
        Some(domain) => host.len() > domain.len() && host.ends_with(&format!(".{domain}")),
        None => host == pattern,
    }
}

/// The host of an `https://` URL with no user info and the default port; `None` for anything
/// else (another scheme, `user@host`, a port, an IP literal).
pub fn https_host(url: &str) -> Option<String> {
    let rest = url.strip_prefix("https://")?;
    let authority = rest.split(['/', '?', '#']).next()?;
    if authority.is_empty() || authority.contains('@') {
        return None;
    }
    let host = match authority.rsplit_once(':') {
        Some((h, "443")) => h,
        Some(_) => return None,
        None => authority,
    };
    let host = host.to_ascii_lowercase();
    if host.parse::<IpAddr>().is_ok() || host.starts_with('[') {
        return None;
    }
    Some(host)
}

/// Why a recording URL is not fetched, or `Ok` when it may be.
pub fn check_recording_url(tenant: &Tenant, provider: Provider, url: &str) -> Result<(), String> {
    let host = https_host(url)
        .ok_or_else(|| "not an https URL on a named host and the default port".to_string())?;
    let listed = media_hosts(provider)
        .iter()
        .map(|p| p.to_string())
        .chain(
            (provider == Provider::Generic)
                .then(|| tenant.recording_hosts.clone())
                .into_iter()
                .flatten(),
        )
        .any(|p| host_matches(&host, &p));
    if listed {
        Ok(())
    } else {
        Err(format!(
            "{host} is not a recording host allowed for {provider}"
        ))
    }
}

/// True for an address on the public internet: not loopback, private, link-local (the cloud
/// metadata service at 169.254.169.254 among them), carrier-grade NAT, unspecified, multicast,
/// broadcast, documentation or benchmarking ranges, nor an IPv6 form of those.
pub fn is_public(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => {
            let o = v4.octets();
            !(v4.is_loopback()
                || v4.is_private()
                || v4.is_link_local()
                || v4.is_unspecified()
                || v4.is_multicast()
                || v4.is_broadcast()
                || v4.is_documentation()
                || o[0] == 0
                || (o[0] == 100 && (64..128).contains(&o[1]))
                || (o[0] == 198 && (o[1] == 18 || o[1] == 19))
                || o[0] >= 240)
        }
        IpAddr::V6(v6) => {
            if let Some(v4) = v6.to_ipv4_mapped() {
                return is_public(IpAddr::V4(v4));
            }
            let s = v6.segments();
            !(v6.is_loopback()
                || v6.is_unspecified()
                || v6.is_multicast()
                || (s[0] & 0xfe00) == 0xfc00
                || (s[0] & 0xffc0) == 0xfe80
                || (s[0] == 0x2001 && s[1] == 0x0db8)
                || (s[0] == 0x64 && s[1] == 0xff9b))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::TenantId;

    fn tenant() -> Tenant {
        Tenant::new(TenantId::parse("acme").unwrap(), "Acme")
    }

    #[test]
    fn only_https_urls_on_the_providers_media_hosts_are_fetched() {
        let t = tenant();
        let ok = "https://api.twilio.com/2010-04-01/Accounts/AC1/Recordings/RE1.wav";
        assert!(check_recording_url(&t, Provider::Twilio, ok).is_ok());
        assert!(check_recording_url(
            &t,
            Provider::Twilio,
            "https://api.dublin.ie1.twilio.com/r.wav"
        )
        .is_ok());
        for bad in [
            "http://api.twilio.com/rec.wav",
            "https://127.0.0.1/rec.wav",
            "https://169.254.169.254/latest/meta-data/",
            "https://[::1]/rec.wav",
            "https://api.twilio.com:8443/rec.wav",
            "https://user@api.twilio.com/rec.wav",
            "https://evil.example/rec.wav",
            "https://api.twilio.com.evil.example/rec.wav",
            "https://twilio.com.evil.example/rec.wav",
            "file:///etc/passwd",
        ] {
            assert!(
                check_recording_url(&t, Provider::Twilio, bad).is_err(),
                "{bad}"
            );
        }
    }

    #[test]
    fn generic_recordings_come_only_from_hosts_the_tenant_listed() {
        let mut t = tenant();
        let url = "https://media.pbx.example/rec/1.wav";
        assert!(
            check_recording_url(&t, Provider::Generic, url).is_err(),
            "none by default"
        );
        t.recording_hosts = vec!["media.pbx.example".into()];
        assert!(check_recording_url(&t, Provider::Generic, url).is_ok());
        assert!(
            check_recording_url(&t, Provider::Twilio, url).is_err(),
            "only for generic"
        );
    }

    #[test]
    fn loopback_private_link_local_cgnat_and_metadata_addresses_are_not_public() {
        for ip in [
            "127.0.0.1",
            "10.1.2.3",
            "172.16.0.1",
            "192.168.1.1",
            "169.254.169.254",
            "100.64.0.1",
            "0.0.0.0",
            "224.0.0.1",
            "255.255.255.255",
            "::1",
            "::",
            "fd00::1",
            "fe80::1",
            "::ffff:127.0.0.1",
            "::ffff:169.254.169.254",
            "64:ff9b::a9fe:a9fe",
        ] {
            assert!(!is_public(ip.parse().unwrap()), "{ip}");
        }
        for ip in ["54.172.60.3", "8.8.8.8", "2600:1f18::1"] {
            assert!(is_public(ip.parse().unwrap()), "{ip}");
        }
    }
}
