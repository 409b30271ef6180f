//! Blobs, mail and outbound HTTP on one machine, kept as plain files under the data directory.

use std::path::{Component, Path, PathBuf};

use async_trait::async_trait;
use calltrack::ports::*;

/// Blobs as files under a root directory; keys are relative paths.
pub struct FsBlobStore {
    root: PathBuf,
}

impl FsBlobStore {
    pub fn new(root: impl Into<PathBuf>) -> Self {
        Self { root: root.into() }
    }

    /// The file for a key; keys that would climb out of the root are refused.
    fn path(&self, key: &str) -> Result<PathBuf, BlobError> {
        let rel = Path::new(key);
        if key.is_empty() || !rel.components().all(|c| matches!(c, Component::Normal(_))) {
            return Err(BlobError::NotFound(key.to_string()));
        }
        Ok(self.root.join(rel))
    }
}

#[async_trait]
impl BlobStore for FsBlobStore {
    async fn put(&self, key: &str, bytes: Vec<u8>, _content_type: &str) -> Result<(), BlobError> {
        let path = self.path(key)?;
        if let Some(dir) = path.parent() {
            tokio::fs::create_dir_all(dir)
                .await
                .map_err(|e| BlobError::Unavailable(e.to_string()))?;
        }
        tokio::fs::write(&path, bytes)
            .await
            .map_err(|e| BlobError::Unavailable(e.to_string()))
    }

    async fn get(&self, key: &str) -> Result<Vec<u8>, BlobError> {
        let path = self.path(key)?;
        match tokio::fs::read(&path).await {
            Ok(b) => Ok(b),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                Err(BlobError::NotFound(key.to_string()))
            }
            Err(e) => Err(BlobError::Unavailable(e.to_string())),
        }
    }

    async fn link(&self, key: &str, _valid_for: std::time::Duration) -> Result<String, BlobError> {
        let path = self.path(key)?;
        Ok(format!("file://{}", path.display()))
    }

    /// Prefixes name directories here (`recordings/acme/`): the directory goes, with its files.
    async fn delete_prefix(&self, prefix: &str) -> Result<u64, BlobError> {
        let dir = self.path(prefix.trim_end_matches('/'))?;
        let count = walk_files(&dir);
        match tokio::fs::remove_dir_all(&dir).await {
            Ok(()) => Ok(count),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(0),
            Err(e) => Err(BlobError::Unavailable(e.to_string())),
        }
    }

    /// Written to a temporary file beside the key and renamed into place once complete.
    async fn put_stream(
        &self,
        key: &str,
        _content_type: &str,
        body: &mut dyn ByteSource,
    ) -> Result<u64, StreamError> {
        use tokio::io::AsyncWriteExt as _;
        let unavailable =
            |e: std::io::Error| StreamError::Store(BlobError::Unavailable(e.to_string()));
        let path = self.path(key)?;
        if let Some(dir) = path.parent() {
            tokio::fs::create_dir_all(dir).await.map_err(unavailable)?;
        }
        let tmp = path.with_extension(format!("part-{}", uuid::Uuid::new_v4().simple()));
        let written = async {
            let mut file = tokio::fs::File::create(&tmp).await.map_err(unavailable)?;
            let mut n = 0u64;
            while let Some(chunk) = body.next_chunk().await? {
                file.write_all(&chunk).await.map_err(unavailable)?;
                n += chunk.len() as u64;
            }
            file.sync_all().await.map_err(unavailable)?;
            Ok::<u64, StreamError>(n)
        }
        .await;
        match written {
            Ok(n) => {
                tokio::fs::rename(&tmp, &path).await.map_err(unavailable)?;
                Ok(n)
            }
            Err(e) => {
                let _ = tokio::fs::remove_file(&tmp).await;
                Err(e)
            }
        }
    }
}

/// Mail written as `.eml` files (the MIME SES would get) into an outbox directory, one per
/// message; any mail client opens them.
pub struct FileMailer {
    outbox: PathBuf,
}

/// The sender the outbox's mail names (the embedded backend sends nothing for real).
const FROM: &str = "calltrack@localhost";

impl FileMailer {
    pub fn new(outbox: impl Into<PathBuf>) -> Self {
        Self {
            outbox: outbox.into(),
        }
    }
}

#[async_trait]
impl Mailer for FileMailer {
    async fn send(&self, email: &Email) -> Result<(), MailError> {
        tokio::fs::create_dir_all(&self.outbox)
            .await
            .map_err(|e| MailError(e.to_string()))?;
        let n = std::fs::read_dir(&self.outbox)
            .map(|d| d.count())
            .unwrap_or(0);
        let slug: String = email
            .subject
            .chars()
            .map(|c| {
                if c.is_ascii_alphanumeric() {
                    c.to_ascii_lowercase()
                } else {
                    '-'
                }
            })
            .take(60)
            .collect();
        let body = email.mime(FROM)?;
        let path = self.outbox.join(format!("{n:05}-{slug}.eml"));
        tokio::fs::write(path, body)
            .await
            .map_err(|e| MailError(e.to_string()))
    }
}

/// Outbound HTTP for a machine with no network (the demo, tests): every fetch fails with a
/// clear reason instead of silently doing nothing. `calltrack serve` fetches for real.
#[derive(Debug, Default)]
pub struct OfflineFetcher;

#[async_trait]
impl Fetcher for OfflineFetcher {
    async fn open(&self, req: &FetchRequest) -> Result<Download, FetchError> {
        Err(FetchError::new(
            &req.url,
            "outbound HTTP is off on this backend",
        ))
    }

    async fn post_json(
        &self,
        url: &str,
        _body: &[u8],
        _headers: &[(String, String)],
    ) -> Result<(), FetchError> {
        Err(FetchError::new(url, "outbound HTTP is off on this backend"))
    }
}

/// Transcription on a machine without Amazon Transcribe: every job is refused with the reason,
/// so the call's transcription reads `failed` with it. A Transcribe output put under
/// `transcripts/` (as the demo does) is still analysed.
#[derive(Debug, Default)]
pub struct OfflineTranscriber;

#[async_trait]
impl Transcriber for OfflineTranscriber {
    async fn start(&self, job: &TranscriptionJob) -> Result<StartOutcome, TranscriberError> {
        Err(TranscriberError::Rejected(format!(
            "the embedded backend has no transcription service for {}; put a Transcribe output at {}",
            job.media_key, job.output_key
        )))
    }
}

/// Files under a directory, recursively (0 when it does not exist).
fn walk_files(dir: &Path) -> u64 {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return 0;
    };
    entries
        .flatten()
        .map(|e| match e.file_type() {
            Ok(t) if t.is_dir() => walk_files(&e.path()),
            Ok(_) => 1,
            Err(_) => 0,
        })
        .sum()
}

/// The data dir's key for sealing tenant secrets: read, or created (32 random bytes, mode
/// 0600, written to a temporary file and renamed, so two processes starting at once agree).
pub fn secret_key(path: &Path) -> std::io::Result<[u8; 32]> {
    use std::io::{Error, ErrorKind, Write};
    if let Ok(bytes) = std::fs::read(path) {
        return <[u8; 32]>::try_from(bytes.as_slice()).map_err(|_| {
            Error::new(
                ErrorKind::InvalidData,
                format!("{} is not a 32-byte key", path.display()),
            )
        });
    }
    let mut key = [0u8; 32];
    getrandom::getrandom(&mut key).map_err(|e| Error::other(e.to_string()))?;
    let tmp = path.with_extension(format!("tmp{}", std::process::id()));
    let mut opts = std::fs::OpenOptions::new();
    opts.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut opts, 0o600);
    let mut f = opts.open(&tmp)?;
    f.write_all(&key)?;
    f.sync_all()?;
    // Another process may have created the key meanwhile: keep the first one.
    match std::fs::hard_link(&tmp, path) {
        Ok(()) => {
            let _ = std::fs::remove_file(&tmp);
            Ok(key)
        }
        Err(e) if e.kind() == ErrorKind::AlreadyExists => {
            let _ = std::fs::remove_file(&tmp);
            secret_key(path)
        }
        Err(e) => {
            let _ = std::fs::remove_file(&tmp);
            Err(e)
        }
    }
}
