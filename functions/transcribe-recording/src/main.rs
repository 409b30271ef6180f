//! S3 ObjectCreated under recordings/ -> start transcription; under transcripts/ -> analyse;
//! EventBridge "Transcribe Job State Change" FAILED -> record the failure on the call.

use aws_lambda_events::s3::S3Event;
use calltrack::ports::Ports;
use calltrack::transcription::{on_job_failed, on_recording, on_transcript, Handled};
use calltrack_aws::ports_from_env;
use lambda_runtime::{service_fn, Error, LambdaEvent};
use serde_json::{json, Value};
use tracing::info;

/// S3 keys arrive URL-encoded (`+` for a space): decode before use.
fn decode_key(k: &str) -> String {
    percent_encoding::percent_decode_str(&k.replace('+', " "))
        .decode_utf8_lossy()
        .into_owned()
}

async fn handle(ports: &Ports, event: Value) -> Result<Value, Error> {
    if event.get("Records").is_some() {
        let s3: S3Event = serde_json::from_value(event)?;
        let mut out = vec![];
        for r in s3.records {
            let Some(raw) = r.s3.object.key else { continue };
            let key = decode_key(&raw);
            let handled = if key.starts_with("recordings/") {
                on_recording(&*ports.store, &*ports.transcriber, &key).await?
            } else if key.starts_with("transcripts/") {
                on_transcript(&*ports.store, &*ports.blobs, &*ports.ai, &key).await?
            } else {
                continue;
            };
            info!(key, handled = ?handled, "blob handled");
            out.push(json!({"key": key, "handled": format!("{handled:?}")}));
        }
        return Ok(json!({"handled": out}));
    }
    let status = event
        .pointer("/detail/TranscriptionJobStatus")
        .and_then(|s| s.as_str());
    let job = event
        .pointer("/detail/TranscriptionJobName")
        .and_then(|s| s.as_str());
    match (status, job) {
        (Some("FAILED"), Some(job)) => {
            let reason = event
                .pointer("/detail/FailureReason")
                .and_then(|s| s.as_str())
                .unwrap_or("the job failed");
            let h: Handled = on_job_failed(&*ports.store, job, reason).await?;
            Ok(json!({"job": job, "handled": format!("{h:?}")}))
        }
        _ => Ok(json!({"ignored": true})),
    }
}

#[tokio::main]
async fn main() -> Result<(), Error> {
    lambda_runtime::tracing::init_default_subscriber();
    let ports = ports_from_env().await?;
    lambda_runtime::run(service_fn(|e: LambdaEvent<Value>| {
        handle(&ports, e.payload)
    }))
    .await
}

#[cfg(test)]
mod tests {
    use super::*;
    use calltrack::model::*;
    use std::sync::Arc;

    use calltrack::ports::*;
    use calltrack_embedded::SqliteStore;

    #[test]
    fn s3_keys_are_url_decoded() {
        assert_eq!(decode_key("Happy%20Face.jpg"), "Happy Face.jpg");
        assert_eq!(decode_key("a+b%2Fc"), "a b/c");
        assert_eq!(decode_key("bad%zz%"), "bad%zz%");
    }

    /// The embedded ports over `store`, blobs under `dir` (no job is started in these cases).
    fn ports(store: SqliteStore, dir: &str) -> Ports {
        let dir = std::env::temp_dir().join(format!("{dir}-{}", std::process::id()));
        calltrack_embedded::with_store(Arc::new(store), &dir, Arc::new(SystemClock))
    }

    async fn store_with_call() -> (SqliteStore, Call) {
        let store = SqliteStore::in_memory().unwrap();
        let t = Tenant::new(TenantId::parse("acme").unwrap(), "Acme");
        store.put_tenant(&t).await.unwrap();
        let at = chrono::DateTime::parse_from_rfc3339("2026-03-12T19:00:00Z")
            .unwrap()
            .to_utc();
        // The id the sample events name (events/s3-objectcreated-recording.json and the FAILED job).
        let call = Call {
            id: CallId::parse("c_0123456789abcdef0123").unwrap(),
            ring_seconds: Some(5),
            talk_seconds: Some(120),
            outcome: Outcome::Answered,
            transcription: Transcription::Pending,
            ..Call::new(&t.id, Provider::Twilio, "CA1", Direction::Inbound, at)
        };
        store
            .commit(&Commit {
                calls: vec![CallWrite::new(call.clone(), None)],
                ..Default::default()
            })
            .await
            .unwrap();
        (store, call)
    }

    #[tokio::test]
    async fn failed_job_event_marks_the_call_failed() {
        let (store, call) = store_with_call().await;
        let deps = ports(store, "ct-tr-failed");
        let event: Value = serde_json::from_str(include_str!(
            "../../../events/eventbridge-transcribe-job-failed.json"
        ))
        .unwrap();
        handle(&deps, event).await.unwrap();
        let stored = deps
            .store
            .get_call(&call.tenant, &call.id)
            .await
            .unwrap()
            .unwrap();
        assert!(
            matches!(stored.transcription, Transcription::Failed(_)),
            "{:?}",
            stored.transcription
        );
    }

    #[tokio::test]
    async fn transcript_object_event_stores_the_analysis_on_the_call() {
        let (store, call) = store_with_call().await;
        let deps = ports(store, "ct-tr");
        // The shared fixtures sit beside the repository.
        let fixture = concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../../../shared/fixtures/transcribe/aws-docs-channel-id-output-batch.json"
        );
        let transcript = std::fs::read(fixture).unwrap();
        let key = format!("transcripts/acme/{}.json", call.id);
        deps.blobs
            .put(&key, transcript, "application/json")
            .await
            .unwrap();
        let mut event: Value = serde_json::from_str(include_str!(
            "../../../events/s3-objectcreated-recording.json"
        ))
        .unwrap();
        event["Records"][0]["s3"]["object"]["key"] = json!(key);
        handle(&deps, event).await.unwrap();
        let stored = deps
            .store
            .get_call(&call.tenant, &call.id)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(stored.transcription, Transcription::Done);
        assert!(stored.quality_score.is_some());
        assert!(stored
            .analysis
            .as_ref()
            .and_then(|a| a.get("agent"))
            .is_some());
    }

    #[tokio::test]
    async fn recording_for_an_unknown_call_is_reported_not_dropped() {
        let deps = ports(SqliteStore::in_memory().unwrap(), "ct-tr-unknown");
        let event: Value = serde_json::from_str(include_str!(
            "../../../events/s3-objectcreated-recording.json"
        ))
        .unwrap();
        let out = handle(&deps, event).await.unwrap();
        assert_eq!(out["handled"][0]["handled"], "UnknownCall");
    }
}
