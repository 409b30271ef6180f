//! The S3 blob store against moto server: round trips, missing keys, presigned links.

use std::time::Duration;

use calltrack::ports::{BlobError, BlobStore};
use calltrack_aws::S3BlobStore;
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
