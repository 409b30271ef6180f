//! Missed-call alerts: an email to the tenant's recipients and, when configured, a JSON POST to
//! the tenant's alert webhook, signed like our generic webhooks (`X-Signature: sha256=<hex>` with
//! the tenant's `alert` secret). And when the callback SLA ends with the call still not returned,
//! an SLA-breach alert the same two ways: an outbox item due at the SLA's end, written with the
//! missed call, which the drain sends only if nobody called back by then.
//!
//! At least once: each alert is an outbox item written in the same commit as the missed call
//! ([`outbox_for`]), delivered right after the commit ([`deliver`]) and removed when its
//! recipient took it; what a crash or an outage left behind, [`drain`] sends later (the
//! lease-expiry schedule every minute, `serve` every 30 s), retrying with backoff. A duplicate is
//! possible only when the process dies between the recipient accepting and the item's removal
//! (neither SES nor a webhook has an idempotency key for us to pass); nothing is lost.

use chrono::{DateTime, Duration, Utc};
use serde_json::json;
use tracing::{error, info, warn};

use crate::model::*;
use crate::ports::*;
use crate::telephony::signature::generic_header_value;

/// The alert's JSON body (also what the alert webhook receives); `kind` is `missed_call` or
/// `missed_call_not_returned`.
pub fn payload(tenant: &Tenant, call: &Call, kind: &str) -> serde_json::Value {
    json!({
        "type": kind,
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

/// The outbox items a newly missed call commits: one per way the tenant is alerted, now, and
/// the same again due when its callback SLA ends.
pub fn outbox_for(tenant: &Tenant, call: &Call, now: DateTime<Utc>) -> Vec<OutboxItem> {
    let deadline = sla_end(tenant, call).max(now);
    let mut items = vec![];
    if !tenant.report_recipients.is_empty() {
        items.push(OutboxItem::new(OutboxChannel::MissedCallMail, call, now));
        items.push(OutboxItem::new(
            OutboxChannel::SlaBreachMail,
            call,
            deadline,
        ));
    }
    if tenant.alert_webhook.is_some() {
        items.push(OutboxItem::new(OutboxChannel::MissedCallWebhook, call, now));
        items.push(OutboxItem::new(
            OutboxChannel::SlaBreachWebhook,
            call,
            deadline,
        ));
    }
    items
}

/// A breach alert later than this after the SLA's end is dropped.
const BREACH_ALERT_HOURS: i64 = 24;

/// When a missed call's callback SLA ends (as `calls::missed_state` decides it).
fn sla_end(tenant: &Tenant, call: &Call) -> DateTime<Utc> {
    call.ended_at.unwrap_or(call.started_at)
        + Duration::minutes(i64::from(tenant.callback_sla_minutes))
}

/// Attempts before an alert is given up (about 7 hours of backoff: the callback SLA has long
/// passed by then, and the loss report still counts the call).
pub const MAX_ATTEMPTS: u32 = 12;

/// The wait before attempt `attempts + 1`: 1, 2, 4, ... minutes, at most an hour.
fn backoff(attempts: u32) -> Duration {
    Duration::minutes(1i64 << attempts.min(6)).min(Duration::hours(1))
}

/// Delivers outbox items and settles each: removed when delivered, rescheduled when not.
/// `known` is the tenant and call the caller already holds (right after the commit), so only
/// the drain reads them again. Failures are logged, not returned: the call is safely stored
/// and the drain will retry.
pub async fn deliver(
    ports: &Ports,
    items: &[OutboxItem],
    known: Option<(&Tenant, &Call)>,
    now: DateTime<Utc>,
) -> usize {
    let mut delivered = 0;
    // Items due later (an SLA's end) wait for the drain.
    for item in items.iter().filter(|i| i.due_at <= now) {
        let sent = send(ports, item, known, now).await;
        let retry = match &sent {
            Ok(()) => None,
            Err(e) if item.attempts + 1 >= MAX_ATTEMPTS => {
                error!(tenant = %item.tenant, call_id = %item.call, key = %item.key, error = %e,
                    "alert given up after {MAX_ATTEMPTS} attempts");
                None
            }
            Err(e) => {
                warn!(tenant = %item.tenant, call_id = %item.call, key = %item.key, error = %e,
                    attempts = item.attempts + 1, "alert not delivered; will retry");
                Some(OutboxItem {
                    attempts: item.attempts + 1,
                    due_at: now + backoff(item.attempts),
                    ..item.clone()
                })
            }
        };
        if sent.is_ok() {
            delivered += 1;
        }
        if let Err(e) = ports.store.outbox_settle(item, retry.as_ref()).await {
            warn!(tenant = %item.tenant, key = %item.key, error = %e, "outbox item not settled");
        }
    }
    delivered
}

/// Sends what is due in every tenant's outbox (at most 100 a run); the number delivered.
pub async fn drain(ports: &Ports) -> Result<usize, StoreError> {
    let now = ports.clock.now();
    let due = ports.store.outbox_due(now, 100).await?;
    if due.is_empty() {
        return Ok(0);
    }
    let n = deliver(ports, &due, None, now).await;
    info!(due = due.len(), delivered = n, "outbox drained");
    Ok(n)
}

/// One outbox item to its recipient, with the tenant and call given, or as stored now.
async fn send(
    ports: &Ports,
    item: &OutboxItem,
    known: Option<(&Tenant, &Call)>,
    now: DateTime<Utc>,
) -> Result<(), String> {
    if let Some((tenant, call)) = known.filter(|(t, c)| t.id == item.tenant && c.id == item.call) {
        return send_to(ports, item.channel, tenant, call, now).await;
    }
    let tenant = ports
        .store
        .get_tenant(&item.tenant)
        .await
        .map_err(|e| e.to_string())?
        .ok_or("the tenant is gone")?;
    let call = ports
        .store
        .get_call(&item.tenant, &item.call)
        .await
        .map_err(|e| e.to_string())?
        .ok_or("the call is gone")?;
    send_to(ports, item.channel, &tenant, &call, now).await
}

async fn send_to(
    ports: &Ports,
    channel: OutboxChannel,
    tenant: &Tenant,
    call: &Call,
    now: DateTime<Utc>,
) -> Result<(), String> {
    let breach = matches!(
        channel,
        OutboxChannel::SlaBreachMail | OutboxChannel::SlaBreachWebhook
    );
    // A breach alert for a call returned in time (or not yet past its SLA) has nothing to say,
    // and one a day late (an outage, a demo's data served later) is noise, not a prompt.
    if breach
        && (crate::calls::missed_state(tenant, call, now) != Some(crate::calls::MissedState::Lost)
            || now - sla_end(tenant, call) > Duration::hours(BREACH_ALERT_HOURS))
    {
        return Ok(());
    }
    match channel {
        OutboxChannel::MissedCallMail => mail(&*ports.mailer, tenant, call).await,
        OutboxChannel::MissedCallWebhook => {
            webhook(&*ports.fetcher, tenant, call, "missed_call").await
        }
        OutboxChannel::SlaBreachMail => breach_mail(&*ports.mailer, tenant, call).await,
        OutboxChannel::SlaBreachWebhook => {
            webhook(&*ports.fetcher, tenant, call, "missed_call_not_returned").await
        }
    }
}

async fn breach_mail(mailer: &dyn Mailer, tenant: &Tenant, call: &Call) -> Result<(), String> {
    let (caller, at, channel) = (
        caller_of(call, tenant),
        local(tenant, call),
        &call.attribution.channel,
    );
    let sla = tenant.callback_sla_minutes;
    let (subject, text) = if tenant.writes_russian() {
        (
            format!("Не перезвонили за {sla} мин.: пропущенный звонок {caller} ({channel})"),
            format!(
                "Звонок {caller} в {at} ({channel}) пропущен, и за {sla} мин. никто не перезвонил. \
                 Перезвоните сейчас: с каждым часом шанс на сделку ниже. Звонок: {}.",
                call.id
            ),
        )
    } else {
        (
            format!("Not returned in {sla} minutes: missed call {caller} ({channel})"),
            format!(
                "The call {caller} at {at} ({channel}) was missed and nobody has called back \
                 within the {sla} minutes you set. Call back now: every hour lowers the chance of \
                 the deal. Call id: {}.",
                call.id
            ),
        )
    };
    send_mail(mailer, tenant, subject, text).await
}

async fn mail(mailer: &dyn Mailer, tenant: &Tenant, call: &Call) -> Result<(), String> {
    let (caller, at, channel) = (
        caller_of(call, tenant),
        local(tenant, call),
        &call.attribution.channel,
    );
    let sla = tenant.callback_sla_minutes;
    let to = call.tracking_number.as_ref().map(|n| n.as_str());
    let (subject, text) = if tenant.writes_russian() {
        (
            format!("Пропущенный звонок {caller} ({channel})"),
            format!(
                "Звонок {caller} на {} в {at} ({channel}) пропущен. Перезвоните в течение {sla} \
                 мин., чтобы не потерять клиента. Звонок: {}.",
                to.unwrap_or("ваш номер"),
                call.id
            ),
        )
    } else {
        (
            format!("Missed call {caller} ({channel})"),
            format!(
                "A call {caller} to {} came in at {at} from {channel} and was missed. Call back \
                 within {sla} minutes so the customer is not lost. Call id: {}.",
                to.unwrap_or("your number"),
                call.id
            ),
        )
    };
    send_mail(mailer, tenant, subject, text).await
}

/// When the call started, on the tenant's clock ("2026-11-07 12:09 MSK").
fn local(tenant: &Tenant, call: &Call) -> String {
    call.started_at
        .with_timezone(&tenant.tz())
        .format("%Y-%m-%d %H:%M %Z")
        .to_string()
}

/// Who called, with its preposition: "from +15551234567", "с +79161234567", "со скрытого номера".
fn caller_of(call: &Call, tenant: &Tenant) -> String {
    match (&call.caller, tenant.writes_russian()) {
        (Some(c), false) => format!("from {}", c.as_str()),
        (Some(c), true) => format!("с {}", c.as_str()),
        (None, false) => "from a hidden number".into(),
        (None, true) => "со скрытого номера".into(),
    }
}

/// An alert email to the tenant's recipients (none configured: nothing to send).
async fn send_mail(
    mailer: &dyn Mailer,
    tenant: &Tenant,
    subject: String,
    text: String,
) -> Result<(), String> {
    if tenant.report_recipients.is_empty() {
        return Ok(());
    }
    let html = format!("<p>{}</p>", text.replace('&', "&amp;").replace('<', "&lt;"));
    mailer
        .send(&Email {
            to: tenant.report_recipients.clone(),
            subject,
            html,
            text,
            inline: vec![],
        })
        .await
        .map(|_| ())
        .map_err(|e| e.to_string())
}

async fn webhook(
    fetcher: &dyn Fetcher,
    tenant: &Tenant,
    call: &Call,
    kind: &str,
) -> Result<(), String> {
    let Some(url) = &tenant.alert_webhook else {
        return Ok(());
    };
    let body = payload(tenant, call, kind).to_string().into_bytes();
    let mut headers = vec![("Content-Type".to_string(), "application/json".to_string())];
    if let Some(secret) = tenant.secret("alert") {
        headers.push(("X-Signature".into(), generic_header_value(secret, &body)));
    }
    fetcher
        .post_json(url, &body, &headers)
        .await
        .map(|_| ())
        .map_err(|e| e.to_string())
}
