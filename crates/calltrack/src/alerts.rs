//! Missed-call alerts: an email to the tenant's recipients and, when configured, a JSON POST to
//! the tenant's alert webhook, signed like our generic webhooks (`X-Signature: sha256=<hex>` with
//! the tenant's `alert` secret), sent as soon as a missed call is committed.

use serde_json::json;
use tracing::warn;

use crate::model::*;
use crate::ports::*;
use crate::telephony::signature::generic_header_value;

/// The alert's JSON body (also what the alert webhook receives).
pub fn payload(tenant: &Tenant, call: &Call) -> serde_json::Value {
    json!({
        "type": "missed_call",
        "tenant": tenant.id,
        "call_id": call.id,
        "caller": call.caller,
        "tracking_number": call.tracking_number,
        "channel": call.attribution.channel,
        "campaign": call.attribution.campaign,
        "at": call.started_at,
        "missed_reason": call.missed_reason,
        "call_back_within_minutes": tenant.callback_sla_minutes,
    })
}

/// Sends the alert. Failures are logged, not returned: the call is already safely stored, and a
/// provider retry would be a duplicate that changes nothing.
pub async fn missed_call(mailer: &dyn Mailer, fetcher: &dyn Fetcher, tenant: &Tenant, call: &Call) {
    let caller = call
        .caller
        .as_ref()
        .map(|c| c.as_str().to_string())
        .unwrap_or_else(|| "a hidden number".into());
    if !tenant.report_recipients.is_empty() {
        let subject = format!("Missed call from {caller} ({})", call.attribution.channel);
        let text = format!(
            "A call from {caller} to {} came in at {} UTC from {} and was missed. Call back within {} minutes \
             so the customer is not lost. Call id: {}.",
            call.tracking_number.as_ref().map(|n| n.as_str()).unwrap_or("your number"),
            call.started_at.format("%Y-%m-%d %H:%M"),
            call.attribution.channel,
            tenant.callback_sla_minutes,
            call.id
        );
        let html = format!("<p>{}</p>", text.replace('&', "&amp;").replace('<', "&lt;"));
        let email = Email {
            to: tenant.report_recipients.clone(),
            subject,
            html,
            text,
        };
        if let Err(e) = mailer.send(&email).await {
            warn!(tenant = %tenant.id, call_id = %call.id, error = %e, "missed-call email failed");
        }
    }
    if let Some(url) = &tenant.alert_webhook {
        let body = payload(tenant, call).to_string().into_bytes();
        let mut headers = vec![("Content-Type".to_string(), "application/json".to_string())];
        if let Some(secret) = tenant.secret("alert") {
            headers.push(("X-Signature".into(), generic_header_value(secret, &body)));
        }
        if let Err(e) = fetcher.post_json(url, &body, &headers).await {
            warn!(tenant = %tenant.id, call_id = %call.id, error = %e, "missed-call webhook failed");
        }
    }
}
