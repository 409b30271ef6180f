//! The AWS backend's composition root: every adapter built once from the environment (Lambda
//! cold start, `--backend aws`).
//!
//! Variables: `TABLE_NAME` (DynamoDB table, required), `RECORDINGS_BUCKET` (S3 bucket for
//! recordings, transcripts and reports, required), `REPORT_SENDER` (SES verified sender, for
//! reports and alerts; without it mail is refused with a clear error), `RECORDING_QUEUE_URL`
//! (the SQS queue recordings are downloaded from; without it a recording event answers 503),
//! `SECRETS_KEY_ID` (the KMS key tenant secrets are sealed with, required),
//! `BEDROCK_MODEL_ID` (the Bedrock model or inference profile that adds AI summaries to call
//! analyses; empty or unset: off) and `BEDROCK_REGION` (where it is called; default the
//! function's region), plus the standard AWS ones
//! (`AWS_REGION`, credentials, `AWS_ENDPOINT_URL` for a local emulator).

use std::sync::Arc;

use calltrack::ports::{AiAnalyser, Ports, RulesOnly, SystemClock};

use crate::{
    BedrockAnalyser, DynamoStore, HttpFetcher, KmsSealer, NoRecordingQueue, S3BlobStore, SesMailer,
    SqsRecordingQueue, TranscribeTranscriber,
};

#[derive(Debug, thiserror::Error)]
#[error("{0} is not set: the AWS backend needs it (see README, Configuration)")]
pub struct MissingVar(pub &'static str);

/// A required variable.
pub fn var(name: &'static str) -> Result<String, MissingVar> {
    std::env::var(name)
        .ok()
        .filter(|v| !v.is_empty())
        .ok_or(MissingVar(name))
}

/// The AWS adapters behind the ports, on the system clock.
pub async fn ports_from_env() -> Result<Ports, MissingVar> {
    let table = var("TABLE_NAME")?;
    let bucket = var("RECORDINGS_BUCKET")?;
    let sender = var("REPORT_SENDER").unwrap_or_default();
    let queue = var("RECORDING_QUEUE_URL").ok();
    let key = var("SECRETS_KEY_ID")?;
    let config = aws_config::load_defaults(aws_config::BehaviorVersion::latest()).await;
    let ai: Arc<dyn AiAnalyser> = match var("BEDROCK_MODEL_ID") {
        Ok(model) => Arc::new(BedrockAnalyser::from_env(
            &config,
            model,
            var("BEDROCK_REGION").ok(),
        )),
        Err(_) => Arc::new(RulesOnly),
    };
    Ok(Ports {
        store: Arc::new(
            DynamoStore::from_env(&config, table)
                .with_sealer(Arc::new(KmsSealer::from_env(&config, key))),
        ),
        blobs: Arc::new(S3BlobStore::from_env(&config, bucket.clone())),
        transcriber: Arc::new(TranscribeTranscriber::from_env(&config, bucket)),
        mailer: Arc::new(SesMailer::from_env(&config, sender)),
        fetcher: Arc::new(HttpFetcher::new()),
        recordings: match queue {
            Some(url) => Arc::new(SqsRecordingQueue::from_env(&config, url)),
            None => Arc::new(NoRecordingQueue),
        },
        ai,
        clock: Arc::new(SystemClock),
    })
}
