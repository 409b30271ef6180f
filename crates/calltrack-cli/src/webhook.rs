//! `calltrack webhook`: parse and verify one provider webhook payload from a file.
//!
//! The file is the raw request body as the provider sends it (for Mango Office the whole form).
//! The signature and its companions come from flags, so a captured request can be replayed
//! offline exactly as the HTTP route would judge it.

use std::path::PathBuf;

use calltrack::model::{CallEvent, Provider};
use calltrack::telephony::{self, WebhookError, WebhookRequest};
use chrono::{DateTime, SecondsFormat, Utc};
use serde_json::{json, Value};

use crate::exit::{print_json, CmdResult, Failure};

#[derive(Debug, clap::Args)]
pub struct Args {
    /// The provider that sent the payload: twilio, telnyx, zadarma, mango or generic.
    #[arg(value_parser = parse_provider)]
    provider: Provider,
    /// The raw request body (for mango, the whole form: vpbx_api_key, sign, json).
    payload: PathBuf,
    /// The public URL the request was sent to (Twilio signs it; needed with --secret).
    #[arg(long)]
    url: Option<String>,
    /// The tenant's secret: Twilio auth token, Telnyx public key (base64), Zadarma API secret,
    /// Mango `api_key:salt`, generic shared secret. Without it nothing is verified.
    #[arg(long, env = "CALLTRACK_WEBHOOK_SECRET", hide_env_values = true)]
    secret: Option<String>,
    /// The signature header's value (X-Twilio-Signature, telnyx-signature-ed25519, Signature,
    /// X-Signature). Mango signs inside the form.
    #[arg(long)]
    signature: Option<String>,
    /// Telnyx: the telnyx-timestamp header (unix seconds).
    #[arg(long)]
    timestamp: Option<String>,
    /// The time to judge Telnyx's replay window by (RFC 3339 or unix seconds); default now.
    #[arg(long)]
    now: Option<String>,
    /// The region (ISO 3166 alpha-2) for numbers written without a country code.
    #[arg(long, default_value = "US")]
    region: String,
    /// Mango: the event kind from the URL path (call, summary, recording, ...); guessed if absent.
    #[arg(long)]
    kind: Option<String>,
}

fn parse_provider(s: &str) -> Result<Provider, String> {
    Provider::parse(&s.to_ascii_lowercase())
        .ok_or_else(|| format!("'{s}' is not one of twilio, telnyx, zadarma, mango, generic"))
}

fn parse_now(s: &str) -> Result<DateTime<Utc>, Failure> {
    if let Ok(secs) = s.trim().parse::<i64>() {
        return DateTime::from_timestamp(secs, 0)
            .ok_or_else(|| Failure::Usage(format!("--now {s}: out of range")));
    }
    DateTime::parse_from_rfc3339(s.trim())
        .map(|t| t.with_timezone(&Utc))
        .map_err(|_| Failure::Usage(format!("--now {s}: not an RFC 3339 time or unix seconds")))
}

fn header_value(flag: &str, v: &str) -> Result<http::HeaderValue, Failure> {
    http::HeaderValue::from_str(v.trim())
        .map_err(|_| Failure::Usage(format!("{flag}: not a valid header value")))
}

pub fn run(args: &Args, json: bool) -> CmdResult {
    let provider = args.provider;
    if args.secret.is_some() && provider == Provider::Twilio && args.url.is_none() {
        return Err(Failure::Usage(
            "twilio signs the public URL: give --url with --secret".into(),
        ));
    }
    let now = match &args.now {
        Some(s) => parse_now(s)?,
        None => Utc::now(),
    };
    let body = std::fs::read(&args.payload)
        .map_err(|e| Failure::Invalid(format!("cannot read {}: {e}", args.payload.display())))?;

    let mut headers = http::HeaderMap::new();
    if let Some(sig) = &args.signature {
        match telephony::of(provider).signature_header() {
            Some(name) => {
                headers.insert(name, header_value("--signature", sig)?);
            }
            None => eprintln!("calltrack: warning: mango signs inside the form (sign field); --signature is ignored"),
        }
    }
    if let Some(ts) = &args.timestamp {
        headers.insert("telnyx-timestamp", header_value("--timestamp", ts)?);
    }
    if args.secret.is_none() {
        eprintln!("calltrack: warning: no --secret given, so the payload is parsed WITHOUT verifying its signature");
    }
    let req = WebhookRequest {
        public_url: args.url.as_deref().unwrap_or("https://localhost/"),
        headers: &headers,
        body: &body,
        mango_kind: args.kind.as_deref(),
    };
    let events = telephony::parse(provider, &req, args.secret.as_deref(), &args.region, now)
        .map_err(|e| match e {
            WebhookError::Signature(reason) => {
                Failure::Refused(format!("{provider} signature: {reason}"))
            }
            WebhookError::Malformed { field, reason } => {
                Failure::Invalid(format!("{provider} payload: {field}: {reason}"))
            }
        })?;

    if json {
        return print_json(&events.iter().map(event_json).collect::<Vec<_>>());
    }
    if events.is_empty() {
        println!("no call events in this payload (understood, nothing to record)");
    }
    for e in &events {
        println!("{}", event_line(e));
    }
    Ok(())
}

fn event_json(e: &CallEvent) -> Value {
    json!({
        "provider": e.provider,
        "provider_call_id": e.provider_call_id,
        "event_id": e.event_id,
        "event": e.kind,
        "outcome": e.outcome,
        "missed_reason": e.missed_reason,
        "from": e.from,
        "to": e.to,
        "direction": e.direction,
        "at": e.at.to_rfc3339_opts(SecondsFormat::Secs, true),
        "ring_seconds": e.ring_seconds,
        "talk_seconds": e.talk_seconds,
        "answered_by": e.answered_by,
        "recording_url": e.recording_url,
        "raw_status": e.raw_status,
        "sequence": e.sequence,
    })
}

fn event_line(e: &CallEvent) -> String {
    let word = |v: &Value| match v {
        Value::String(s) => s.clone(),
        Value::Null => "-".into(),
        other => other.to_string(),
    };
    let j = event_json(e);
    let mut line = format!(
        "{} {} {} {} {} from {} to {} at {}",
        e.provider,
        e.provider_call_id,
        word(&j["event"]),
        word(&j["direction"]),
        word(&j["outcome"]),
        word(&j["from"]),
        word(&j["to"]),
        word(&j["at"]),
    );
    if let Some(r) = e.missed_reason {
        line.push_str(&format!(" ({})", word(&json!(r))));
    }
    line.push_str(&format!(
        " ring {} talk {}",
        word(&j["ring_seconds"]),
        word(&j["talk_seconds"])
    ));
    for (label, key) in [
        ("by", "answered_by"),
        ("recording", "recording_url"),
        ("status", "raw_status"),
    ] {
        if !j[key].is_null() {
            line.push_str(&format!(" {label} {}", word(&j[key])));
        }
    }
    line
}
