//! Scheduled reports: every day yesterday's figures (and on Mondays last week's) per tenant,
//! stored as JSON, CSV and HTML in the blob store and emailed to the tenant's recipients once,
//! with the ad platforms' export files beside them (GA4's daily only: it takes 72 hours).

use chrono::{DateTime, Datelike, Duration, NaiveDate, Utc, Weekday};
use tracing::{error, info};

use crate::exports::{export, ExportKind, DEFAULT_GOAL};
use crate::model::*;
use crate::ports::*;
use crate::report::build;

#[derive(Debug, thiserror::Error)]
pub enum ReportingError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Blob(#[from] BlobError),
    #[error(transparent)]
    Mail(#[from] MailError),
}

/// One report that was produced.
#[derive(Debug, Clone, PartialEq)]
pub struct Delivered {
    pub tenant: TenantId,
    pub from: NaiveDate,
    pub to: NaiveDate,
    /// Blob keys of the JSON, CSV and HTML files, then of the exports.
    pub keys: Vec<String>,
    /// False when there were no recipients or it was mailed before.
    pub emailed: bool,
}

/// Which reports a scheduled run produces.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Schedule {
    /// Yesterday.
    Daily,
    /// The 7 days up to yesterday.
    Weekly,
    /// Yesterday, and on Mondays the week before too.
    Due,
}

impl Schedule {
    /// Reads the schedule's `detail.period` (`daily`, `weekly`); anything else means `Due`.
    pub fn from_period(p: Option<&str>) -> Self {
        match p {
            Some("daily") => Self::Daily,
            Some("weekly") => Self::Weekly,
            _ => Self::Due,
        }
    }
}

/// The periods a schedule covers at `now` for a tenant (days in the tenant's zone).
pub fn due_periods(
    tenant: &Tenant,
    now: DateTime<Utc>,
    which: Schedule,
) -> Vec<(NaiveDate, NaiveDate, &'static str)> {
    let today = tenant.day_of(now);
    let yesterday = today - Duration::days(1);
    let daily = (yesterday, yesterday, "daily");
    let weekly = (today - Duration::days(7), yesterday, "weekly");
    match which {
        Schedule::Daily => vec![daily],
        Schedule::Weekly => vec![weekly],
        Schedule::Due if today.weekday() == Weekday::Mon => vec![daily, weekly],
        Schedule::Due => vec![daily],
    }
}

/// The ports a report run writes to.
#[derive(Clone, Copy)]
pub struct Outputs<'a> {
    pub store: &'a dyn Store,
    pub blobs: &'a dyn BlobStore,
    pub mailer: &'a dyn Mailer,
}

/// Produces, stores and mails one tenant's report for `[from, to]`.
pub async fn deliver(
    out: Outputs<'_>,
    tenant: &Tenant,
    (from, to, label): (NaiveDate, NaiveDate, &str),
    now: DateTime<Utc>,
) -> Result<Delivered, ReportingError> {
    let Outputs {
        store,
        blobs,
        mailer,
    } = out;
    let report = build(store, tenant, from, to, now).await?;
    let report = crate::report::with_managers(store, tenant, report, now).await?;
    let title = if report.russian() {
        let label = match label {
            "daily" => "за день",
            "weekly" => "за неделю",
            other => other,
        };
        format!("{}: звонки и ROI {label}, с {from} по {to}", tenant.name)
    } else {
        format!(
            "{}: {label} calls and ROI report, {from} to {to}",
            tenant.name
        )
    };
    let html = report.html(&title);
    let base = crate::blobs::report_key_stem(&tenant.id, from, to);
    let json =
        serde_json::to_vec_pretty(&report).map_err(|e| StoreError::Corrupt(e.to_string()))?;
    let files = [
        (format!("{base}.json"), json, "application/json"),
        (format!("{base}.csv"), report.csv().into_bytes(), "text/csv"),
        (
            format!("{base}.html"),
            html.clone().into_bytes(),
            "text/html",
        ),
    ];
    let mut keys = vec![];
    for (key, bytes, ct) in files {
        blobs.put(&key, bytes, ct).await?;
        keys.push(key);
    }
    let mut emailed = false;
    if !tenant.report_recipients.is_empty() {
        // At least once: the sent record is written after SES took the message, so a failed
        // send is an error the run reports and the schedule's retry (or the next run for the
        // same period) sends again. A duplicate is possible only if the process dies between
        // SES accepting and the record being written, or two runs for one period overlap (SES
        // takes no idempotency key to close either window).
        let sent = format!("report-email:{from}:{to}");
        if !store.has_claim(&tenant.id, &sent).await? {
            mailer
                .send(&report.email(&title, tenant.report_recipients.clone()))
                .await?;
            store
                .claim_once(&tenant.id, &sent, now + Duration::days(60))
                .await?;
            emailed = true;
        }
    }
    // The exports come after the email: a failed export (the run reports it and retries) must
    // not hold back the manager's report, which the claim above keeps from going out twice.
    for kind in ExportKind::ALL {
        if kind == ExportKind::Ga4 && from != to {
            continue;
        }
        let e = export(store, tenant, kind, from, to, DEFAULT_GOAL, now).await?;
        let key = format!("{base}.{}", kind.file_name());
        blobs
            .put(&key, e.body.into_bytes(), kind.content_type())
            .await?;
        info!(tenant = %tenant.id, %from, %to, kind = kind.as_str(), rows = e.rows, left_out = ?e.notes, "export stored");
        keys.push(key);
    }
    info!(tenant = %tenant.id, %from, %to, emailed, "report delivered");
    Ok(Delivered {
        tenant: tenant.id.clone(),
        from,
        to,
        keys,
        emailed,
    })
}

/// Runs every due report of every tenant; one tenant's failure does not stop the others.
pub async fn run_scheduled(
    outputs: Outputs<'_>,
    which: Schedule,
    now: DateTime<Utc>,
) -> Result<Vec<Result<Delivered, ReportingError>>, StoreError> {
    let mut out = vec![];
    for tenant in outputs.store.list_tenants().await? {
        for (from, to, label) in due_periods(&tenant, now, which) {
            let r = deliver(outputs, &tenant, (from, to, label), now).await;
            if let Err(e) = &r {
                error!(tenant = %tenant.id, %from, %to, error = %e, "report failed");
            }
            out.push(r);
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mondays_add_last_week_to_yesterday() {
        let t = Tenant::new(TenantId::parse("acme").unwrap(), "Acme");
        let monday = DateTime::parse_from_rfc3339("2026-11-23T06:00:00Z")
            .unwrap()
            .with_timezone(&Utc);
        let p = due_periods(&t, monday, Schedule::Due);
        assert_eq!(p.len(), 2);
        assert_eq!(p[1].0.to_string(), "2026-11-16");
        assert_eq!(p[1].1.to_string(), "2026-11-22");
        assert_eq!(
            due_periods(&t, monday + Duration::days(1), Schedule::Due).len(),
            1
        );
        assert_eq!(
            due_periods(&t, monday + Duration::days(1), Schedule::Weekly)[0].2,
            "weekly"
        );
    }
}
