//! The recording queue on SQS: one JSON [`RecordingJob`] per message, consumed by the
//! recording-fetch function (retries by visibility timeout, then the dead-letter queue).

use async_trait::async_trait;
use aws_sdk_sqs::error::DisplayErrorContext;
use aws_sdk_sqs::Client;
use calltrack::ports::{QueueError, RecordingQueue};
use calltrack::recordings::RecordingJob;

/// Jobs sent to the queue at `url` (Lambdas read it from `RECORDING_QUEUE_URL`).
pub struct SqsRecordingQueue {
    client: Client,
    url: String,
}

impl SqsRecordingQueue {
    pub fn from_env(config: &aws_config::SdkConfig, url: String) -> Self {
        Self {
            client: Client::new(config),
            url,
        }
    }
}

#[async_trait]
impl RecordingQueue for SqsRecordingQueue {
    async fn enqueue(&self, job: &RecordingJob) -> Result<(), QueueError> {
        let body = serde_json::to_string(job).map_err(|e| QueueError(e.to_string()))?;
        self.client
            .send_message()
            .queue_url(&self.url)
            .message_body(body)
            .send()
            .await
            .map_err(|e| QueueError(DisplayErrorContext(e).to_string()))?;
        Ok(())
    }
}

/// Where `RECORDING_QUEUE_URL` is not set (functions that never receive a recording event,
/// the CLI against AWS): queueing fails with the reason, so the webhook answers 503.
pub struct NoRecordingQueue;

#[async_trait]
impl RecordingQueue for NoRecordingQueue {
    async fn enqueue(&self, _job: &RecordingJob) -> Result<(), QueueError> {
        Err(QueueError(
            "RECORDING_QUEUE_URL is not set: recordings cannot be queued".into(),
        ))
    }
}
