//! What each provider can do, said once: how its webhooks are verified and read, which header
//! carries its signature, whether it asks us how to route an incoming call, and how its
//! recordings are laid out. Everything outside `telephony/` asks [`of`] instead of matching on
//! the provider.

use chrono::{DateTime, Utc};

use super::{generic, mango, telnyx, twilio, zadarma, WebhookError, WebhookRequest};
use crate::model::{CallEvent, Provider};

/// One telephony provider's webhooks and capabilities.
pub trait ProviderWebhooks: Send + Sync {
    fn provider(&self) -> Provider;

    /// Verifies (with `secret`, when given) and parses one webhook into normalised events.
    fn parse(
        &self,
        req: &WebhookRequest,
        secret: Option<&str>,
        default_region: &str,
        now: DateTime<Utc>,
    ) -> Result<Vec<CallEvent>, WebhookError>;

    /// The content type of the routing answer (TwiML, TeXML) for a provider that asks us how
    /// to route an incoming call; `None` for one that routes inside its own PBX.
    fn routing_document(&self) -> Option<&'static str> {
        None
    }

    /// True when its recordings carry agent and customer on separate channels (transcribed by
    /// channel identification); otherwise one mixed channel (speaker labels).
    fn recording_is_stereo(&self) -> bool {
        false
    }

    /// The request header that carries its signature; `None` when it signs inside the body.
    fn signature_header(&self) -> Option<&'static str>;
}

struct Twilio;
struct Telnyx;
struct Zadarma;
struct Mango;
struct Generic;

impl ProviderWebhooks for Twilio {
    fn provider(&self) -> Provider {
        Provider::Twilio
    }
    fn parse(
        &self,
        req: &WebhookRequest,
        secret: Option<&str>,
        region: &str,
        now: DateTime<Utc>,
    ) -> Result<Vec<CallEvent>, WebhookError> {
        twilio::parse(req, secret, region, now)
    }
    fn routing_document(&self) -> Option<&'static str> {
        Some("text/xml; charset=utf-8")
    }
    fn recording_is_stereo(&self) -> bool {
        true
    }
    fn signature_header(&self) -> Option<&'static str> {
        Some("x-twilio-signature")
    }
}

impl ProviderWebhooks for Telnyx {
    fn provider(&self) -> Provider {
        Provider::Telnyx
    }
    fn parse(
        &self,
        req: &WebhookRequest,
        secret: Option<&str>,
        region: &str,
        now: DateTime<Utc>,
    ) -> Result<Vec<CallEvent>, WebhookError> {
        telnyx::parse(req, secret, region, now)
    }
    fn routing_document(&self) -> Option<&'static str> {
        Some("application/xml; charset=utf-8")
    }
    fn recording_is_stereo(&self) -> bool {
        true
    }
    fn signature_header(&self) -> Option<&'static str> {
        Some("telnyx-signature-ed25519")
    }
}

impl ProviderWebhooks for Zadarma {
    fn provider(&self) -> Provider {
        Provider::Zadarma
    }
    fn parse(
        &self,
        req: &WebhookRequest,
        secret: Option<&str>,
        region: &str,
        now: DateTime<Utc>,
    ) -> Result<Vec<CallEvent>, WebhookError> {
        zadarma::parse(req, secret, region, now)
    }
    fn signature_header(&self) -> Option<&'static str> {
        Some("signature")
    }
}

impl ProviderWebhooks for Mango {
    fn provider(&self) -> Provider {
        Provider::Mango
    }
    fn parse(
        &self,
        req: &WebhookRequest,
        secret: Option<&str>,
        region: &str,
        now: DateTime<Utc>,
    ) -> Result<Vec<CallEvent>, WebhookError> {
        mango::parse(req, secret, region, now)
    }
    fn signature_header(&self) -> Option<&'static str> {
        None
    }
}

impl ProviderWebhooks for Generic {
    fn provider(&self) -> Provider {
        Provider::Generic
    }
    fn parse(
        &self,
        req: &WebhookRequest,
        secret: Option<&str>,
        region: &str,
        now: DateTime<Utc>,
    ) -> Result<Vec<CallEvent>, WebhookError> {
        generic::parse(req, secret, region, now)
    }
    fn signature_header(&self) -> Option<&'static str> {
        Some("x-signature")
    }
}

/// The provider's webhooks and capabilities.
pub fn of(provider: Provider) -> &'static dyn ProviderWebhooks {
    match provider {
        Provider::Twilio => &Twilio,
        Provider::Telnyx => &Telnyx,
        Provider::Zadarma => &Zadarma,
        Provider::Mango => &Mango,
        Provider::Generic => &Generic,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_twilio_and_telnyx_ask_how_to_route_and_record_in_stereo() {
        for p in Provider::ALL {
            let w = of(p);
            assert_eq!(w.provider(), p);
            let routes = matches!(p, Provider::Twilio | Provider::Telnyx);
            assert_eq!(w.routing_document().is_some(), routes, "{p}");
            assert_eq!(w.recording_is_stereo(), routes, "{p}");
            assert_eq!(w.signature_header().is_none(), p == Provider::Mango, "{p}");
        }
    }
}
