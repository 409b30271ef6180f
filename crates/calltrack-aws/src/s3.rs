//! Recordings, transcripts and reports in one S3 bucket.

use std::time::Duration;

use async_trait::async_trait;
use aws_sdk_s3::config::RequestChecksumCalculation;
use aws_sdk_s3::error::DisplayErrorContext;
use aws_sdk_s3::presigning::PresigningConfig;
use aws_sdk_s3::primitives::ByteStream;
use aws_sdk_s3::Client;
use calltrack::ports::{BlobError, BlobStore};

/// Blobs in `bucket`; keys are used as given (S3 event keys must be URL-decoded by the caller).
pub struct S3BlobStore {
    client: Client,
    bucket: String,
}

impl S3BlobStore {
    /// The store on `bucket` (Lambdas read its name from `RECORDINGS_BUCKET`). Against a local
    /// emulator (an endpoint override is set) it uses path-style addressing; checksums are only
    /// sent where S3 requires them, which local S3 servers accept.
    pub fn from_env(config: &aws_config::SdkConfig, bucket: String) -> Self {
        let local = crate::has_endpoint_override(config, "AWS_ENDPOINT_URL_S3");
        let conf = aws_sdk_s3::config::Builder::from(config)
            .force_path_style(local)
            .request_checksum_calculation(RequestChecksumCalculation::WhenRequired)
            .build();
        Self {
            client: Client::from_conf(conf),
            bucket,
        }
    }

    pub fn bucket(&self) -> &str {
        &self.bucket
    }

    /// The SDK client, for setup in tests (creating the bucket).
    pub fn client(&self) -> &Client {
        &self.client
    }
}

fn unavailable(e: impl std::error::Error) -> BlobError {
    BlobError::Unavailable(DisplayErrorContext(e).to_string())
}

#[async_trait]
impl BlobStore for S3BlobStore {
    async fn put(&self, key: &str, bytes: Vec<u8>, content_type: &str) -> Result<(), BlobError> {
        self.client
            .put_object()
            .bucket(&self.bucket)
            .key(key)
            .content_type(content_type)
            .body(ByteStream::from(bytes))
            .send()
            .await
            .map_err(unavailable)?;
        Ok(())
    }

    async fn get(&self, key: &str) -> Result<Vec<u8>, BlobError> {
        let out = match self
            .client
            .get_object()
            .bucket(&self.bucket)
            .key(key)
            .send()
            .await
        {
            Ok(out) => out,
            Err(e) if e.as_service_error().is_some_and(|s| s.is_no_such_key()) => {
                return Err(BlobError::NotFound(key.to_string()))
            }
            Err(e) => return Err(unavailable(e)),
        };
        let body = out.body.collect().await.map_err(unavailable)?;
        Ok(body.into_bytes().to_vec())
    }

    async fn link(&self, key: &str, valid_for: Duration) -> Result<String, BlobError> {
        let presigning = PresigningConfig::expires_in(valid_for).map_err(unavailable)?;
        let req = self
            .client
            .get_object()
            .bucket(&self.bucket)
            .key(key)
            .presigned(presigning)
            .await
            .map_err(unavailable)?;
        Ok(req.uri().to_string())
    }
}
