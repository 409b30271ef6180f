//! EventBridge schedule -> per tenant: aggregate ROI, store JSON/CSV/HTML in S3, email it once.

use calltrack::reporting::{run_scheduled, Outputs, Schedule};
use calltrack_aws::ports_from_env;
use lambda_runtime::{service_fn, Error, LambdaEvent};
use serde_json::{json, Value};

/// Runs the schedule named in `detail.period` at the event's time.
async fn handle(outputs: Outputs<'_>, event: Value) -> Result<Value, Error> {
    let now = event
        .get("time")
        .and_then(|t| t.as_str())
        .and_then(|t| chrono::DateTime::parse_from_rfc3339(t).ok())
        .map(|t| t.to_utc())
        .unwrap_or_else(chrono::Utc::now);
    let which = Schedule::from_period(event.pointer("/detail/period").and_then(|p| p.as_str()));
    let results = run_scheduled(outputs, which, now).await?;
    let failed = results.iter().filter(|r| r.is_err()).count();
    let delivered: Vec<Value> = results
        .iter()
        .flatten()
        .map(|d| json!({"tenant": d.tenant, "from": d.from, "to": d.to, "emailed": d.emailed, "keys": d.keys}))
        .collect();
    if failed > 0 {
        return Err(format!("{failed} report(s) failed; see the log").into());
    }
    Ok(json!({"delivered": delivered}))
}

#[tokio::main]
async fn main() -> Result<(), Error> {
    lambda_runtime::tracing::init_default_subscriber();
    let p = ports_from_env().await?;
    let outputs = Outputs {
        store: &*p.store,
        blobs: &*p.blobs,
        mailer: &*p.mailer,
    };
    lambda_runtime::run(service_fn(|e: LambdaEvent<Value>| {
        handle(outputs, e.payload)
    }))
    .await
}

#[cfg(test)]
mod tests {
    use super::*;
    use calltrack::model::*;
    use calltrack::ports::*;
    use calltrack_embedded::{FileMailer, FsBlobStore, SqliteStore};

    /// The scheduled event (daily) produces yesterday's report per tenant in the blob store and
    /// mails it once; the same event delivered again stores it again but mails nothing.
    #[tokio::test]
    async fn scheduled_event_stores_and_mails_yesterdays_report_once() {
        let dir = std::env::temp_dir().join(format!("ct-roi-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        let store = SqliteStore::in_memory().unwrap();
        let mut t = Tenant::new(TenantId::parse("acme").unwrap(), "Acme");
        t.report_recipients = vec!["owner@acme.example".into()];
        store.put_tenant(&t).await.unwrap();
        let day: chrono::NaiveDate = "2026-03-12".parse().unwrap();
        let cost = Cost {
            date: day,
            channel: "google/cpc".into(),
            campaign: "".into(),
            cost_minor: 4200,
            currency: t.currency,
        };
        store.put_costs(&t.id, &[cost]).await.unwrap();
        let blobs = FsBlobStore::new(dir.join("blobs"));
        let mailer = FileMailer::new(dir.join("outbox"));
        let outputs = Outputs {
            store: &store,
            blobs: &blobs,
            mailer: &mailer,
        };
        let event: Value = serde_json::from_str(include_str!(
            "../../../events/eventbridge-scheduled-roi-aggregate.json"
        ))
        .unwrap();
        let out = handle(outputs, event.clone()).await.unwrap();
        assert_eq!(out["delivered"][0]["emailed"], true);
        let report: Value = serde_json::from_slice(
            &blobs
                .get("reports/acme/2026-03-12_2026-03-12.json")
                .await
                .unwrap(),
        )
        .unwrap();
        assert_eq!(report["totals"]["cost"], 42.0);
        let again = handle(outputs, event).await.unwrap();
        assert_eq!(again["delivered"][0]["emailed"], false);
        assert_eq!(std::fs::read_dir(dir.join("outbox")).unwrap().count(), 1);
    }
}
