//! What each provider can do, said once: how its webhooks are verified and read, which header
//! carries its signature, whether it asks us how to route an incoming call, and how its
//! recordings are laid out, in one table. Everything outside `telephony/` asks [`of`] instead of
//! matching on the provider.

use chrono::{DateTime, Utc};

use super::{generic, mango, telnyx, twilio, zadarma, WebhookError, WebhookRequest};
use crate::model::{CallEvent, Provider};

/// Verifies (with the secret, when given) and parses one webhook into normalised events.
type Parse =
    fn(&WebhookRequest, Option<&str>, &str, DateTime<Utc>) -> Result<Vec<CallEvent>, WebhookError>;

/// One telephony provider's webhooks and capabilities: a row of the table [`of`] reads.
pub struct ProviderWebhooks {
    provider: Provider,
    parse: Parse,
    routing_document: Option<&'static str>,
    recording_is_stereo: bool,
    signature_header: Option<&'static str>,
}

impl ProviderWebhooks {
    pub fn provider(&self) -> Provider {
        self.provider
    }

    /// Verifies (with `secret`, when given) and parses one webhook into normalised events.
    pub fn parse(
        &self,
        req: &WebhookRequest,
        secret: Option<&str>,
        default_region: &str,
        now: DateTime<Utc>,
    ) -> Result<Vec<CallEvent>, WebhookError> {
        (self.parse)(req, secret, default_region, now)
    }

    /// The content type of the routing answer (TwiML, TeXML) for a provider that asks us how
    /// to route an incoming call; `None` for one that routes inside its own PBX.
    pub fn routing_document(&self) -> Option<&'static str> {
        self.routing_document
    }

    /// True when its recordings carry agent and customer on separate channels (transcribed by
    /// channel identification); otherwise one mixed channel (speaker labels).
    pub fn recording_is_stereo(&self) -> bool {
        self.recording_is_stereo
    }

    /// The request header that carries its signature; `None` when it signs inside the body.
    pub fn signature_header(&self) -> Option<&'static str> {
        self.signature_header
    }
}

/// Every provider, said once.
const PROVIDERS: [ProviderWebhooks; 5] = [
    ProviderWebhooks {
        provider: Provider::Twilio,
        parse: twilio::parse,
        routing_document: Some("text/xml; charset=utf-8"),
        recording_is_stereo: true,
        signature_header: Some("x-twilio-signature"),
    },
    ProviderWebhooks {
        provider: Provider::Telnyx,
        parse: telnyx::parse,
        routing_document: Some("application/xml; charset=utf-8"),
        recording_is_stereo: true,
        signature_header: Some("telnyx-signature-ed25519"),
    },
    ProviderWebhooks {
        provider: Provider::Zadarma,
        parse: zadarma::parse,
        routing_document: None,
        recording_is_stereo: false,
        signature_header: Some("signature"),
    },
    ProviderWebhooks {
        provider: Provider::Mango,
        parse: mango::parse,
        routing_document: None,
        recording_is_stereo: false,
        signature_header: None,
    },
    ProviderWebhooks {
        provider: Provider::Generic,
        parse: generic::parse,
        routing_document: None,
        recording_is_stereo: false,
        signature_header: Some("x-signature"),
    },
];

/// The provider's webhooks and capabilities.
pub fn of(provider: Provider) -> &'static ProviderWebhooks {
    let row = match provider {
        Provider::Twilio => 0,
        Provider::Telnyx => 1,
        Provider::Zadarma => 2,
        Provider::Mango => 3,
        Provider::Generic => 4,
    };
    &PROVIDERS[row]
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
