//! The S3 blob store against moto server: round trips, missing keys, presigned links.

use std::time::Duration;

use calltrack::ports::{BlobError, BlobStore, ByteSource, FetchError, StreamError};
use calltrack_aws::{S3BlobStore, PART_SIZE};
use calltrack_integration::moto;

async fn blobs() -> S3BlobStore {
    let store = S3BlobStore::from_env(&moto::sdk_config().await, moto::unique("blobs"));
    store
        .client()
        .create_bucket()
        .bucket(store.bucket())
        .send()
        .await
        .expect("create bucket");
    store
}

#[tokio::test]
async fn blobs_round_trip_under_keys_with_spaces_and_unicode() {
    let store = blobs().await;
    let key = "recordings/acme/2025-01-02/call one é+.wav";
    store
        .put(key, b"RIFF....WAVE".to_vec(), "audio/wav")
        .await
        .unwrap();
    assert_eq!(store.get(key).await.unwrap(), b"RIFF....WAVE");
    let head = store
        .client()
        .head_object()
        .bucket(store.bucket())
        .key(key)
        .send()
        .await
        .unwrap();
    assert_eq!(head.content_type(), Some("audio/wav"));
}

#[tokio::test]
async fn missing_blob_is_not_found_not_unavailable() {
    let store = blobs().await;
    let err = store.get("transcripts/none.json").await.unwrap_err();
    assert!(
        matches!(err, BlobError::NotFound(ref k) if k == "transcripts/none.json"),
        "{err:?}"
    );
}

#[tokio::test]
async fn missing_bucket_is_unavailable() {
    let store = S3BlobStore::from_env(&moto::sdk_config().await, moto::unique("nobucket"));
    let err = store.put("a", vec![1], "text/plain").await.unwrap_err();
    assert!(matches!(err, BlobError::Unavailable(_)), "{err:?}");
}

#[tokio::test]
async fn link_is_a_presigned_get_that_reads_the_blob() {
    let store = blobs().await;
    let key = "reports/acme/roi 2025-01.csv";
    store
        .put(key, b"channel,calls\nbillboard,3\n".to_vec(), "text/csv")
        .await
        .unwrap();
    let link = store.link(key, Duration::from_secs(600)).await.unwrap();
    let base = moto::endpoint().await;
    assert!(
        link.starts_with(&format!("{base}/{}/", store.bucket())),
        "path-style link on the emulator: {link}"
    );
    assert!(
        link.contains("X-Amz-Signature=") && link.contains("X-Amz-Expires=600"),
        "{link}"
    );
    let path = link[base.len()..].to_string();
    let (status, body) = tokio::task::spawn_blocking(move || moto::http_get(&base, &path))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(status, 200, "{body}");
    assert_eq!(body, "channel,calls\nbillboard,3\n");
}

/// A body produced `chunk` bytes at a time, `total` bytes in all (a byte pattern that tells
/// parts apart), failing after `fail_after` bytes when set.
struct Synthetic {
    total: usize,
    sent: usize,
    chunk: usize,
    fail_after: Option<usize>,
}

fn byte_at(i: usize) -> u8 {
    (i % 251) as u8
}

#[async_trait::async_trait]
impl ByteSource for Synthetic {
    async fn next_chunk(&mut self) -> Result<Option<Vec<u8>>, FetchError> {
        if self.fail_after.is_some_and(|f| self.sent >= f) {
            return Err(FetchError::new(
                "https://api.twilio.com/r.wav",
                "connection reset",
            ));
        }
        if self.sent >= self.total {
            return Ok(None);
        }
        let n = self.chunk.min(self.total - self.sent);
        let out = (self.sent..self.sent + n).map(byte_at).collect();
        self.sent += n;
        Ok(Some(out))
    }
}

#[tokio::test]
async fn a_streamed_body_larger_than_a_part_is_uploaded_in_parts_and_reads_back_whole() {
    let store = blobs().await;
    let total = 2 * PART_SIZE + 3;
    let mut body = Synthetic {
        total,
        sent: 0,
        chunk: 64 * 1024,
        fail_after: None,
    };
    let key = "recordings/acme/c_0123456789abcdef0123.wav";
    let n = store
        .put_stream(key, "audio/x-wav", &mut body)
        .await
        .unwrap();
    assert_eq!(n, total as u64);
    let got = store.get(key).await.unwrap();
    assert_eq!(got.len(), total);
    assert!(got.iter().enumerate().all(|(i, b)| *b == byte_at(i)));
    let head = store
        .client()
        .head_object()
        .bucket(store.bucket())
        .key(key)
        .send()
        .await
        .unwrap();
    assert!(
        head.e_tag().unwrap_or("").ends_with("-3\""),
        "three parts: {:?}",
        head.e_tag()
    );
    assert_eq!(head.content_type(), Some("audio/x-wav"));
}

#[tokio::test]
async fn a_small_streamed_body_is_one_put() {
    let store = blobs().await;
    let mut body = Synthetic {
        total: 1000,
        sent: 0,
        chunk: 7,
        fail_after: None,
    };
    assert_eq!(
        store
            .put_stream("a/b.wav", "audio/wav", &mut body)
            .await
            .unwrap(),
        1000
    );
    assert_eq!(store.get("a/b.wav").await.unwrap().len(), 1000);
}

#[tokio::test]
async fn a_download_that_breaks_midway_leaves_no_object_and_no_open_upload() {
    let store = blobs().await;
    let mut body = Synthetic {
        total: 3 * PART_SIZE,
        sent: 0,
        chunk: 1024 * 1024,
        fail_after: Some(PART_SIZE + 2 * 1024 * 1024),
    };
    let key = "recordings/acme/c_0123456789abcdef0124.wav";
    let err = store
        .put_stream(key, "audio/wav", &mut body)
        .await
        .unwrap_err();
    assert!(matches!(err, StreamError::Source(_)), "{err:?}");
    assert!(matches!(store.get(key).await, Err(BlobError::NotFound(_))));
    let open = store
        .client()
        .list_multipart_uploads()
        .bucket(store.bucket())
        .send()
        .await
        .unwrap();
    assert!(open.uploads().is_empty(), "aborted: {:?}", open.uploads());
}

/// A tenant purge deletes every object under the tenant's prefixes and nothing beside them.
#[tokio::test]
async fn delete_prefix_removes_exactly_the_prefix() {
    let b = blobs().await;
    for k in [
        "recordings/acme/c1.wav",
        "recordings/acme/c2.wav",
        "recordings/acme2/c3.wav",
        "reports/acme/2026-03-01_2026-03-01.json",
    ] {
        b.put(k, b"x".to_vec(), "application/octet-stream")
            .await
            .unwrap();
    }
    assert_eq!(b.delete_prefix("recordings/acme/").await.unwrap(), 2);
    assert!(matches!(
        b.get("recordings/acme/c1.wav").await,
        Err(BlobError::NotFound(_))
    ));
    assert_eq!(b.get("recordings/acme2/c3.wav").await.unwrap(), b"x");
    assert!(b
        .get("reports/acme/2026-03-01_2026-03-01.json")
        .await
        .is_ok());
    assert_eq!(b.delete_prefix("recordings/acme/").await.unwrap(), 0);
}
