//! Adapters for AWS: the DynamoDB store, S3 blobs, Amazon Transcribe, Amazon Bedrock (the
//! optional AI analysis), SES mail and the SQS recording queue.
//!
//! Every adapter is built once from an `aws_config::SdkConfig` (which honours `AWS_ENDPOINT_URL`,
//! so the same code runs against moto server in tests and against AWS in Lambda) and then
//! implements one port of `calltrack::ports`. Condition failures become domain answers (`false`,
//! `Duplicate`, `Conflict`, `AlreadyExists`); only throttling and transport failures become
//! `Unavailable`, which the edges turn into a 5xx so senders retry.

mod bedrock;
mod counter;
mod dynamo;
pub mod edge;
mod env;
mod http_fetch;
mod kms;
mod s3;
mod ses;
mod sqs;
mod transcribe;

pub use bedrock::BedrockAnalyser;
pub use counter::OpUsage;
pub use dynamo::{DynamoStore, TABLE_DEFINITION};
pub use env::{ports_from_env, var, MissingVar};
pub use http_fetch::HttpFetcher;
pub use kms::{KmsSealer, KMS_SCHEME};
pub use s3::{S3BlobStore, PART_SIZE};
pub use ses::SesMailer;
pub use sqs::{NoRecordingQueue, SqsRecordingQueue};
pub use transcribe::TranscribeTranscriber;

/// True when the configuration points the SDK at a local emulator rather than AWS itself.
pub(crate) fn has_endpoint_override(config: &aws_config::SdkConfig, service_env: &str) -> bool {
    config.endpoint_url().is_some() || std::env::var_os(service_env).is_some_and(|v| !v.is_empty())
}
