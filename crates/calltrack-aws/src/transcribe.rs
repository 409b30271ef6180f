//! Speech to text with Amazon Transcribe: one job per recording, named after it.

use async_trait::async_trait;
use aws_sdk_transcribe::error::DisplayErrorContext;
use aws_sdk_transcribe::operation::start_transcription_job::StartTranscriptionJobError;
use aws_sdk_transcribe::types::{LanguageCode, Media, Settings};
use aws_sdk_transcribe::Client;
use calltrack::ports::{StartOutcome, Transcriber, TranscriberError, TranscriptionJob};

/// Starts jobs on media in `bucket` and has Transcribe write the JSON transcript back to the
/// same bucket at the job's `output_key` (where the S3 trigger picks it up for analysis).
pub struct TranscribeTranscriber {
    client: Client,
    bucket: String,
}

impl TranscribeTranscriber {
    pub fn from_env(config: &aws_config::SdkConfig, bucket: String) -> Self {
        Self {
            client: Client::new(config),
            bucket,
        }
    }

    /// The SDK client, for reading jobs back in tests.
    pub fn client(&self) -> &Client {
        &self.client
    }
}

#[async_trait]
impl Transcriber for TranscribeTranscriber {
    async fn start(&self, job: &TranscriptionJob) -> Result<StartOutcome, TranscriberError> {
        let mut req = self
            .client
            .start_transcription_job()
            .transcription_job_name(&job.name)
            .media(
                Media::builder()
                    .media_file_uri(format!("s3://{}/{}", self.bucket, job.media_key))
                    .build(),
            )
            .output_bucket_name(&self.bucket)
            .output_key(&job.output_key);
        req = match &job.language {
            Some(lang) => req.language_code(LanguageCode::from(lang.as_str())),
            None => req.identify_language(true),
        };
        // Two channels: agent and customer apart. One channel: tell the two speakers apart.
        let settings = if job.stereo {
            Settings::builder().channel_identification(true).build()
        } else {
            Settings::builder()
                .show_speaker_labels(true)
                .max_speaker_labels(2)
                .build()
        };
        match req.settings(settings).send().await {
            Ok(_) => Ok(StartOutcome::Started),
            Err(e) => match e.as_service_error() {
                // The job name is derived from the recording: a second start is a no-op.
                Some(StartTranscriptionJobError::ConflictException(_)) => {
                    Ok(StartOutcome::AlreadyExists)
                }
                Some(StartTranscriptionJobError::BadRequestException(b)) => Err(
                    TranscriberError::Rejected(b.message().unwrap_or("bad request").to_string()),
                ),
                _ => Err(TranscriberError::Unavailable(
                    DisplayErrorContext(e).to_string(),
                )),
            },
        }
    }
}
