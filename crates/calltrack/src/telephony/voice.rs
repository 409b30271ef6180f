//! The incoming-call answer for providers that ask the app how to route a call: TwiML for
//! Twilio, TeXML for Telnyx. Without it a tracking number would never ring the business.
//!
//! The answer forwards the call to the business line showing the caller's number, rings for the
//! tenant's timeout, records both channels from the moment the business answers (agent and
//! customer apart, for speech analytics), and asks for a status callback for every state of the
//! forwarded leg and for the finished recording, all at our hooks URL.

use super::WebhookError;
use crate::model::{CallEvent, PhoneNumber, Provider, Tenant};
use crate::numbers::Dialled;

/// An incoming call's routing question: the number dialled (our tracking number), the caller
/// when shown, and the provider's call id.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IncomingCall {
    pub to: PhoneNumber,
    pub from: Option<PhoneNumber>,
    pub call_id: String,
}

/// Reads the routing question from the events of a verified voice request: Twilio and Telnyx
/// TeXML send the same form as a status callback (`To`, `From`, `CallSid`), so the request is
/// parsed once and is also the call's first event.
pub fn incoming_call(events: &[CallEvent]) -> Result<IncomingCall, WebhookError> {
    let first = events
        .iter()
        .find(|e| e.to.is_some())
        .ok_or_else(|| WebhookError::malformed("To", "is missing or withheld"))?;
    Ok(IncomingCall {
        to: first.to.clone().expect("found by its number"),
        from: first.from.clone(),
        call_id: first.provider_call_id.clone(),
    })
}

/// Why an incoming call cannot be routed (HTTP 404: the number is not set up for it).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RouteError {
    #[error("{0} is not a tracking number of this tenant")]
    NotTracked(String),
    #[error("{0} has no business line to forward to")]
    NoBusinessLine(String),
}

/// How to route an incoming call: to the dialled number's business line (for a pool's default
/// number, its pool's), showing the caller, ringing for the tenant's timeout, reporting to
/// `hooks_url`.
pub fn route(
    tenant: &Tenant,
    call: &IncomingCall,
    dialled: &Dialled,
    hooks_url: String,
) -> Result<VoiceRequest, RouteError> {
    if *dialled == Dialled::Untracked {
        return Err(RouteError::NotTracked(call.to.masked()));
    }
    let forward_to = dialled
        .forward_to()
        .cloned()
        .ok_or_else(|| RouteError::NoBusinessLine(call.to.masked()))?;
    Ok(VoiceRequest {
        forward_to,
        caller_id: call.from.clone(),
        ring_timeout_seconds: tenant.ring_timeout_seconds,
        hooks_url,
    })
}

/// What the answer needs to know: where to forward, whom to show, how long to ring, where to report.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VoiceRequest {
    /// The business line the tracking number forwards to.
    pub forward_to: PhoneNumber,
    /// The caller's number, shown to the business; `None` when withheld.
    pub caller_id: Option<PhoneNumber>,
    pub ring_timeout_seconds: u32,
    /// Our webhook URL for this tenant and provider, e.g. `https://api.example.com/v1/hooks/acme/twilio`.
    pub hooks_url: String,
}

/// Twilio accepts a `<Dial timeout>` of 5 to 600 seconds.
const MIN_RING: u32 = 5;
const MAX_RING: u32 = 600;

/// The routing answer as (content type, body).
pub fn voice_response(
    provider: Provider,
    req: &VoiceRequest,
) -> Result<(String, String), WebhookError> {
    let content_type = super::of(provider).routing_document().ok_or_else(|| {
        WebhookError::malformed(
            "provider",
            format!("{provider} routes calls inside its own PBX; only twilio and telnyx ask us how to route"),
        )
    })?;
    let url = req.hooks_url.trim();
    if !(url.starts_with("https://") || url.starts_with("http://")) {
        return Err(WebhookError::malformed(
            "hooks_url",
            "must be an absolute http(s) URL",
        ));
    }
    let url = match provider {
        Provider::Twilio => format!("{url}{}", super::twilio::RETRY_OVERRIDES),
        _ => url.to_string(),
    };
    let url = xml_escape(&url);
    let timeout = req.ring_timeout_seconds.clamp(MIN_RING, MAX_RING);
    let caller = req
        .caller_id
        .as_ref()
        .map(|c| format!(r#" callerId="{}""#, xml_escape(c.as_str())))
        .unwrap_or_default();
    let body = format!(
        concat!(
            r#"<?xml version="1.0" encoding="UTF-8"?>"#,
            "\n<Response>\n",
            r#"  <Dial{caller} timeout="{timeout}" record="record-from-answer-dual" recordingStatusCallback="{url}" recordingStatusCallbackMethod="POST" recordingStatusCallbackEvent="completed">"#,
            "\n",
            r#"    <Number statusCallback="{url}" statusCallbackMethod="POST" statusCallbackEvent="initiated ringing answered completed">{number}</Number>"#,
            "\n  </Dial>\n</Response>\n"
        ),
        caller = caller,
        timeout = timeout,
        url = url,
        number = xml_escape(req.forward_to.as_str()),
    );
    Ok((content_type.to_string(), body))
}

fn xml_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn req() -> VoiceRequest {
        VoiceRequest {
            forward_to: PhoneNumber::parse("+14155550100", None).unwrap(),
            caller_id: Some(PhoneNumber::parse("+14158675309", None).unwrap()),
            ring_timeout_seconds: 25,
            hooks_url: "https://api.example.com/v1/hooks/acme/twilio?a=1&b=2".into(),
        }
    }

    #[test]
    fn twiml_forwards_with_the_callers_number_and_records_both_channels() {
        let (ct, body) = voice_response(Provider::Twilio, &req()).unwrap();
        assert!(ct.starts_with("text/xml"));
        assert!(body.contains(r#"callerId="+14158675309""#), "{body}");
        assert!(body.contains(r#"timeout="25""#));
        assert!(body.contains(r#"record="record-from-answer-dual""#));
        assert!(body.contains(
            r#"recordingStatusCallback="https://api.example.com/v1/hooks/acme/twilio?a=1&amp;b=2#ct=3000&amp;rt=7000&amp;tt=15000&amp;rc=3&amp;rp=ct,rt,5xx""#
        ), "{body}");
        assert!(body.contains(r#"statusCallbackEvent="initiated ringing answered completed""#));
        assert!(body.contains(">+14155550100</Number>"));
    }

    #[test]
    fn twiml_callbacks_ask_twilio_to_retry_timeouts_and_5xx() {
        let (_, body) = voice_response(Provider::Twilio, &req()).unwrap();
        for attr in ["statusCallback", "recordingStatusCallback"] {
            let start = body.find(&format!(r#" {attr}=""#)).unwrap() + attr.len() + 3;
            let url = &body[start..start + body[start..].find('"').unwrap()];
            assert!(
                url.contains("#ct=3000&amp;rt=7000&amp;tt=15000&amp;rc=3&amp;rp=ct,rt,5xx"),
                "{attr}: {url}"
            );
        }
        let (_, texml) = voice_response(Provider::Telnyx, &req()).unwrap();
        assert!(!texml.contains("rc=3"), "Telnyx has no such overrides");
    }

    #[test]
    fn texml_has_the_same_shape_and_an_xml_content_type() {
        let (ct, body) = voice_response(Provider::Telnyx, &req()).unwrap();
        assert!(ct.starts_with("application/xml"));
        assert!(body.contains("<Dial callerId="));
    }

    #[test]
    fn withheld_caller_omits_caller_id_and_timeout_is_clamped() {
        let mut r = req();
        r.caller_id = None;
        r.ring_timeout_seconds = 0;
        let (_, body) = voice_response(Provider::Twilio, &r).unwrap();
        assert!(!body.contains("callerId"));
        assert!(body.contains(r#"timeout="5""#));
    }

    #[test]
    fn providers_that_route_in_their_own_pbx_get_no_answer() {
        for p in [Provider::Zadarma, Provider::Mango, Provider::Generic] {
            assert!(matches!(
                voice_response(p, &req()),
                Err(WebhookError::Malformed { .. })
            ));
        }
    }
}
