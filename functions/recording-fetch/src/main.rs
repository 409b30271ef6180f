//! SQS (the recording queue) -> download each recording into S3, off the webhook request.
//!
//! Each message is one `RecordingJob`. A job that may succeed later (the provider did not
//! answer, answered 5xx or 429, S3 failed) is reported in `batchItemFailures`, so SQS makes it
//! visible again after the visibility timeout and, after `maxReceiveCount` tries, moves it to
//! the dead-letter queue (an alarm watches its depth). Everything else is done with: stored,
//! stored already (a redelivery downloads nothing), or given up with the reason on the call.
//! A message that is not a job at all is logged and dropped: retrying cannot mend it.

use aws_lambda_events::sqs::{BatchItemFailure, SqsBatchResponse, SqsEvent};
use calltrack::ports::Ports;
use calltrack::recordings::{self, RecordingJob};
use calltrack_aws::ports_from_env;
use lambda_runtime::{service_fn, Error, LambdaEvent};
use tracing::{error, info, warn};

async fn handle(ports: &Ports, event: SqsEvent) -> SqsBatchResponse {
    let mut failures = vec![];
    for m in event.records {
        let id = m.message_id.clone().unwrap_or_default();
        let job: RecordingJob = match serde_json::from_str(m.body.as_deref().unwrap_or("")) {
            Ok(j) => j,
            Err(e) => {
                error!(message_id = %id, error = %e, "not a recording job; dropped");
                continue;
            }
        };
        match recordings::fetch(ports, &job).await {
            Ok(done) => {
                info!(message_id = %id, tenant = %job.tenant, call_id = %job.call, outcome = ?done, "recording job done")
            }
            Err(e) => {
                warn!(message_id = %id, tenant = %job.tenant, call_id = %job.call, error = %e, "recording job to be retried");
                let mut f = BatchItemFailure::default();
                f.item_identifier = id;
                failures.push(f);
            }
        }
    }
    let mut out = SqsBatchResponse::default();
    out.batch_item_failures = failures;
    out
}

#[tokio::main]
async fn main() -> Result<(), Error> {
    lambda_runtime::tracing::init_default_subscriber();
    let ports = ports_from_env().await?;
    lambda_runtime::run(service_fn(|e: LambdaEvent<SqsEvent>| async {
        Ok::<_, Error>(handle(&ports, e.payload).await)
    }))
    .await
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use super::*;
    use calltrack::model::*;
    use calltrack::ports::*;
    use calltrack::recordings::RecordingSource;
    use calltrack_embedded::{with_store, SqliteStore};

    /// The sample SQS event (events/sqs-recording-job.json) with `bodies` as its messages.
    fn event(bodies: &[String]) -> SqsEvent {
        let mut e: serde_json::Value =
            serde_json::from_str(include_str!("../../../events/sqs-recording-job.json")).unwrap();
        let template = e["Records"][0].clone();
        e["Records"] = bodies
            .iter()
            .enumerate()
            .map(|(i, b)| {
                let mut r = template.clone();
                r["messageId"] = format!("m{i}").into();
                r["body"] = b.clone().into();
                r
            })
            .collect();
        serde_json::from_value(e).unwrap()
    }

    #[tokio::test]
    async fn only_jobs_that_may_succeed_later_are_handed_back_to_sqs() {
        let dir = std::env::temp_dir().join(format!("ct-rf-{}", std::process::id()));
        let ports = with_store(
            Arc::new(SqliteStore::in_memory().unwrap()),
            &dir,
            Arc::new(SystemClock),
        );
        let t = Tenant::new(TenantId::parse("acme").unwrap(), "Acme");
        ports.store.put_tenant(&t).await.unwrap();
        let mut pending = Call::new(
            &t.id,
            Provider::Twilio,
            "CA1",
            Direction::Inbound,
            chrono::Utc::now(),
        );
        pending.recording_pending = true;
        let mut stored = Call::new(
            &t.id,
            Provider::Twilio,
            "CA2",
            Direction::Inbound,
            chrono::Utc::now(),
        );
        stored.recording_key = Some("recordings/acme/x.wav".into());
        for c in [&pending, &stored] {
            let commit = Commit {
                tenant: Some(t.id.clone()),
                calls: vec![CallWrite::new(c.clone(), None)],
                ..Commit::default()
            };
            assert_eq!(
                ports.store.commit(&commit).await.unwrap(),
                CommitOutcome::Committed
            );
        }
        let job = |c: &Call| {
            serde_json::to_string(&RecordingJob {
                tenant: t.id.clone(),
                call: c.id.clone(),
                provider: Provider::Twilio,
                source: RecordingSource::Url {
                    url: "https://api.twilio.com/2010-04-01/Accounts/AC1/Recordings/RE1.wav".into(),
                },
            })
            .unwrap()
        };
        // The embedded fetcher has no network: the pending call's download fails, retryably.
        let out = handle(
            &ports,
            event(&[job(&pending), job(&stored), "{not a job".into()]),
        )
        .await;
        let failed: Vec<&str> = out
            .batch_item_failures
            .iter()
            .map(|f| f.item_identifier.as_str())
            .collect();
        assert_eq!(
            failed,
            vec!["m0"],
            "stored already and malformed are done with"
        );
        let still = ports
            .store
            .get_call(&t.id, &pending.id)
            .await
            .unwrap()
            .unwrap();
        assert!(still.recording_pending, "kept pending for the retry");
    }
}
