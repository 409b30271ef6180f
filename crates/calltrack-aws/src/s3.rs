//! Recordings, transcripts and reports in one S3 bucket.

use std::time::Duration;

use async_trait::async_trait;
use aws_sdk_s3::config::RequestChecksumCalculation;
use aws_sdk_s3::error::DisplayErrorContext;
use aws_sdk_s3::presigning::PresigningConfig;
use aws_sdk_s3::primitives::ByteStream;
use aws_sdk_s3::types::{CompletedMultipartUpload, CompletedPart};
use aws_sdk_s3::Client;
use calltrack::ports::{BlobError, BlobStore, ByteSource, StreamError};

/// A multipart upload's part (S3's minimum is 5 MiB for all but the last); the most a
/// streamed put holds in memory.
pub const PART_SIZE: usize = 8 * 1024 * 1024;

/// Reads from `body` into `part` until it holds [`PART_SIZE`] bytes or the body ends; true at
/// the end.
async fn fill(body: &mut dyn ByteSource, part: &mut Vec<u8>) -> Result<bool, StreamError> {
    while part.len() < PART_SIZE {
        match body.next_chunk().await? {
            Some(chunk) => part.extend_from_slice(&chunk),
            None => return Ok(true),
        }
    }
    Ok(false)
}

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
    /// Lists the prefix a page (1,000 keys) at a time and deletes each page in one request.
    async fn delete_prefix(&self, prefix: &str) -> Result<u64, BlobError> {
        let mut removed = 0u64;
        loop {
            let page = self
                .client
                .list_objects_v2()
                .bucket(&self.bucket)
                .prefix(prefix)
                .send()
                .await
                .map_err(unavailable)?;
            let ids = page
                .contents()
                .iter()
                .filter_map(|o| o.key())
                .map(|k| {
                    aws_sdk_s3::types::ObjectIdentifier::builder()
                        .key(k)
                        .build()
                        .map_err(unavailable)
                })
                .collect::<Result<Vec<_>, _>>()?;
            if ids.is_empty() {
                return Ok(removed);
            }
            removed += ids.len() as u64;
            let delete = aws_sdk_s3::types::Delete::builder()
                .set_objects(Some(ids))
                .quiet(true)
                .build()
                .map_err(unavailable)?;
            self.client
                .delete_objects()
                .bucket(&self.bucket)
                .delete(delete)
                .send()
                .await
                .map_err(unavailable)?;
        }
    }

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

    /// One `PutObject` when the body fits a part; otherwise a multipart upload of
    /// [`PART_SIZE`] parts (one part in memory at a time), aborted if anything fails.
    async fn put_stream(
        &self,
        key: &str,
        content_type: &str,
        body: &mut dyn ByteSource,
    ) -> Result<u64, StreamError> {
        let mut part = Vec::with_capacity(PART_SIZE);
        let mut ended = fill(body, &mut part).await?;
        if ended {
            let n = part.len() as u64;
            self.put(key, part, content_type).await?;
            return Ok(n);
        }
        let upload = self
            .client
            .create_multipart_upload()
            .bucket(&self.bucket)
            .key(key)
            .content_type(content_type)
            .send()
            .await
            .map_err(unavailable)?;
        let id = upload
            .upload_id()
            .ok_or_else(|| BlobError::Unavailable("S3 gave no upload id".into()))?
            .to_string();
        let parts = async {
            let mut done = vec![];
            let mut total = 0u64;
            loop {
                let number = i32::try_from(done.len() + 1).unwrap_or(i32::MAX);
                total += part.len() as u64;
                let out = self
                    .client
                    .upload_part()
                    .bucket(&self.bucket)
                    .key(key)
                    .upload_id(&id)
                    .part_number(number)
                    .body(ByteStream::from(std::mem::take(&mut part)))
                    .send()
                    .await
                    .map_err(unavailable)?;
                done.push(
                    CompletedPart::builder()
                        .part_number(number)
                        .set_e_tag(out.e_tag().map(str::to_string))
                        .build(),
                );
                if ended {
                    return Ok::<_, StreamError>((done, total));
                }
                part.reserve(PART_SIZE);
                ended = fill(body, &mut part).await?;
                if part.is_empty() {
                    return Ok((done, total));
                }
            }
        }
        .await;
        let completed = match parts {
            Ok((done, total)) => self
                .client
                .complete_multipart_upload()
                .bucket(&self.bucket)
                .key(key)
                .upload_id(&id)
                .multipart_upload(
                    CompletedMultipartUpload::builder()
                        .set_parts(Some(done))
                        .build(),
                )
                .send()
                .await
                .map(|_| total)
                .map_err(|e| StreamError::Store(unavailable(e))),
            Err(e) => Err(e),
        };
        if completed.is_err() {
            let _ = self
                .client
                .abort_multipart_upload()
                .bucket(&self.bucket)
                .key(key)
                .upload_id(&id)
                .send()
                .await;
        }
        completed
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
