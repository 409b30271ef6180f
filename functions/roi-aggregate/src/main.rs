//! EventBridge schedule -> per tenant: aggregate ROI, store JSON/CSV/HTML in S3, email it once.

use calltrack::reporting::{run_scheduled, Outputs, Schedule};
use calltrack_aws::AwsPorts;
use lambda_runtime::{service_fn, Error, LambdaEvent};
use serde_json::{json, Value};

/// Runs the schedule named in `detail.period` at the event's time.
async fn handle(ports: &AwsPorts, event: Value) -> Result<Value, Error> {
    let now = event
        .get("time")
        .and_then(|t| t.as_str())
        .and_then(|t| chrono::DateTime::parse_from_rfc3339(t).ok())
        .map(|t| t.to_utc())
        .unwrap_or_else(chrono::Utc::now);
    let which = Schedule::from_period(event.pointer("/detail/period").and_then(|p| p.as_str()));
    let outputs = Outputs {
        store: &*ports.store,
        blobs: &*ports.blobs,
        mailer: &*ports.mailer,
    };
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
    let ports = AwsPorts::from_env().await?;
    lambda_runtime::run(service_fn(|e: LambdaEvent<Value>| {
        handle(&ports, e.payload)
    }))
    .await
}
