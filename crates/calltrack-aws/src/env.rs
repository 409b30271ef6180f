//! Builds every AWS adapter once from the environment (Lambda cold start, `--backend aws`).
//!
//! Variables: `TABLE_NAME` (DynamoDB table, required), `RECORDINGS_BUCKET` (S3 bucket for
//! recordings, transcripts and reports, required), `REPORT_SENDER` (SES verified sender, for
//! reports and alerts; without it mail is refused with a clear error), plus the standard AWS ones
//! (`AWS_REGION`, credentials, `AWS_ENDPOINT_URL` for a local emulator).

use std::sync::Arc;

use calltrack::http::App;
use calltrack::ports::{BlobStore, Fetcher, Mailer, Store, Transcriber};

use crate::{DynamoStore, HttpFetcher, S3BlobStore, SesMailer, TranscribeTranscriber};

/// The adapters, shared behind the port traits.
pub struct AwsPorts {
    pub store: Arc<dyn Store>,
    pub blobs: Arc<dyn BlobStore>,
    pub mailer: Arc<dyn Mailer>,
    pub fetcher: Arc<dyn Fetcher>,
    pub transcriber: Arc<dyn Transcriber>,
    pub bucket: String,
}

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

impl AwsPorts {
    /// The HTTP application (the same router as `calltrack serve`) over these adapters.
    pub fn app(&self, public_base_url: String) -> Arc<App> {
        App::new(
            self.store.clone(),
            self.blobs.clone(),
            self.mailer.clone(),
            self.fetcher.clone(),
            public_base_url,
        )
    }

    pub async fn from_env() -> Result<Self, MissingVar> {
        let table = var("TABLE_NAME")?;
        let bucket = var("RECORDINGS_BUCKET")?;
        let sender = var("REPORT_SENDER").unwrap_or_default();
        let config = aws_config::load_defaults(aws_config::BehaviorVersion::latest()).await;
        Ok(Self {
            store: Arc::new(DynamoStore::from_env(&config, table)),
            blobs: Arc::new(S3BlobStore::from_env(&config, bucket.clone())),
            mailer: Arc::new(SesMailer::from_env(&config, sender)),
            fetcher: Arc::new(HttpFetcher::new()),
            transcriber: Arc::new(TranscribeTranscriber::from_env(&config, bucket.clone())),
            bucket,
        })
    }
}
