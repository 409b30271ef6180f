//! Recordings, off the webhook request: the webhook stores the event with a "recording pending"
//! fact and leaves a [`RecordingJob`] on the [`RecordingQueue`]; a worker ([`fetch`]) downloads
//! the audio, streaming it into the blob store (where storing it starts the transcription), and
//! clears the fact on the call.
//!
//! Where the audio comes from, per provider: Twilio's `RecordingUrl` (with HTTP basic auth,
//! the account SID from the signed URL and the tenant's auth token, for accounts that protect
//! their media); Telnyx's presigned `recording_urls`; Zadarma's `pbx/record/request` API (signed
//! with the tenant's API key and secret) and the link it answers; Mango's
//! `queries/recording/post` API (signed like its webhooks), which redirects to the file;
//! a generic sender's `recording_url` on a host the tenant allowed. Every URL passes [`egress`]
//! first.
//!
//! The worker is idempotent: a call whose audio is stored already is not downloaded again,
//! so a redelivered job or a duplicate webhook costs one read. A failure the provider may
//! recover from (no answer, 5xx, 429) is returned for the queue to retry (SQS, then its
//! dead-letter queue); a final one (4xx, a refused host, too large) clears the fact and marks
//! the call's transcription failed with the reason.

use std::collections::VecDeque;
use std::sync::Mutex;

use async_trait::async_trait;
use base64::Engine as _;
use serde::{Deserialize, Serialize};
use tracing::{info, warn};

use crate::model::*;
use crate::ports::*;
use crate::{blobs, egress, rollups, telephony};

/// The largest recording stored: a 60-minute two-channel 16 kHz 16-bit WAV is ~460 MB.
pub const MAX_RECORDING_BYTES: u64 = 512 * 1024 * 1024;
/// The largest API answer read to find a recording's link (Zadarma answers a small JSON).
const MAX_API_ANSWER: u64 = 64 * 1024;
/// Optimistic retries of the call update before giving up with a retryable error.
const MAX_ATTEMPTS: usize = 8;

/// One recording to download, as the queue carries it (JSON in an SQS message).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RecordingJob {
    pub tenant: TenantId,
    pub call: CallId,
    pub provider: Provider,
    pub source: RecordingSource,
}

/// Where a recording is, as the signed webhook said.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum RecordingSource {
    /// A media URL (Twilio, Telnyx, generic), already allowed by [`egress`].
    Url { url: String },
    /// An id to ask the provider's API for (Zadarma `call_id_with_rec`, Mango `recording_id`).
    ProviderId { id: String },
}

/// What the worker did with a job.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Fetched {
    /// The audio is stored under `key` (`bytes` long) and the call points at it.
    Stored { key: String, bytes: u64 },
    /// The call has its audio already (a redelivered job): nothing downloaded.
    AlreadyStored,
    /// Not downloadable (the reason is on the call); the job is done.
    GaveUp(String),
}

/// A failure the queue should retry later.
#[derive(Debug, thiserror::Error)]
pub enum RecordingError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Blob(#[from] BlobError),
    #[error("download failed, to be retried: {0}")]
    Fetch(FetchError),
    #[error("the call changed under us {0} times in a row; retry")]
    Contended(usize),
}

/// The job a recording event sets off, or why none may: `Ok(None)` for an event that is not a
/// recording, `Err` for one that is but may not be fetched (the reason is logged, never sent
/// back).
pub fn source_for(tenant: &Tenant, event: &CallEvent) -> Result<Option<RecordingSource>, String> {
    if event.kind != EventKind::Recording {
        return Ok(None);
    }
    if let Some(url) = &event.recording_url {
        egress::check_recording_url(tenant, event.provider, url)?;
        return Ok(Some(RecordingSource::Url { url: url.clone() }));
    }
    match (&event.recording_id, event.provider) {
        (Some(id), Provider::Zadarma | Provider::Mango) => {
            api_credentials(tenant, event.provider)?;
            Ok(Some(RecordingSource::ProviderId { id: id.clone() }))
        }
        _ => Ok(None),
    }
}

/// The tenant's API credentials for a provider that hands recordings out by id.
fn api_credentials(tenant: &Tenant, provider: Provider) -> Result<(String, String), String> {
    match provider {
        Provider::Zadarma => match (tenant.secret("zadarma_key"), tenant.secret("zadarma")) {
            (Some(key), Some(secret)) => Ok((key.to_string(), secret.to_string())),
            _ => {
                Err("fetching Zadarma recordings needs the zadarma_key and zadarma secrets".into())
            }
        },
        Provider::Mango => tenant
            .secret("mango")
            .and_then(|s| s.split_once(':'))
            .map(|(k, s)| (k.to_string(), s.to_string()))
            .ok_or_else(|| {
                "fetching Mango recordings needs the mango secret (api_key:salt)".into()
            }),
        other => Err(format!("{other} announces no recordings by id")),
    }
}

/// Downloads one job's recording into the blob store and points the call at it.
pub async fn fetch(ports: &Ports, job: &RecordingJob) -> Result<Fetched, RecordingError> {
    let store = &*ports.store;
    let Some(tenant) = store.get_tenant(&job.tenant).await? else {
        return Ok(Fetched::GaveUp("no such tenant".into()));
    };
    let Some(call) = store.get_call(&tenant.id, &job.call).await? else {
        return Ok(Fetched::GaveUp("no such call".into()));
    };
    if call.recording_key.is_some() {
        return Ok(Fetched::AlreadyStored);
    }
    match download(ports, &tenant, job).await {
        Ok((key, bytes)) => {
            finish(store, &tenant, &job.call, Ok(&key)).await?;
            info!(tenant = %tenant.id, call_id = %job.call, bytes, "recording stored");
            Ok(Fetched::Stored { key, bytes })
        }
        Err(Failure::Retry(e)) => Err(e),
        Err(Failure::Final(reason)) => {
            warn!(tenant = %tenant.id, call_id = %job.call, provider = %job.provider, %reason, "recording not downloaded");
            finish(store, &tenant, &job.call, Err(&reason)).await?;
            Ok(Fetched::GaveUp(reason))
        }
    }
}

enum Failure {
    Retry(RecordingError),
    Final(String),
}

impl From<FetchError> for Failure {
    fn from(e: FetchError) -> Self {
        if e.is_retryable() {
            Failure::Retry(RecordingError::Fetch(e))
        } else {
            Failure::Final(match e.status {
                Some(s) => format!("the provider answered {s}"),
                None => e.reason,
            })
        }
    }
}

/// The download itself: the provider's request, then the body streamed to its key.
async fn download(
    ports: &Ports,
    tenant: &Tenant,
    job: &RecordingJob,
) -> Result<(String, u64), Failure> {
    let (url, answer) = match &job.source {
        RecordingSource::Url { url } => {
            egress::check_recording_url(tenant, job.provider, url).map_err(Failure::Final)?;
            let req = media_request(tenant, job.provider, url);
            (url.clone(), ports.fetcher.open(&req).await?)
        }
        RecordingSource::ProviderId { id } => {
            let (key, secret) = api_credentials(tenant, job.provider).map_err(Failure::Final)?;
            match job.provider {
                Provider::Zadarma => {
                    let req = telephony::zadarma::record_request(&key, &secret, id);
                    let mut api = ports.fetcher.open(&req).await?;
                    let answer = api.read_small(MAX_API_ANSWER).await?.ok_or_else(|| {
                        Failure::Final(format!("the API answered more than {MAX_API_ANSWER} bytes"))
                    })?;
                    let link = telephony::zadarma::record_link(&answer).map_err(Failure::Final)?;
                    egress::check_recording_url(tenant, job.provider, &link)
                        .map_err(Failure::Final)?;
                    let open = ports.fetcher.open(&FetchRequest::get(&link)).await?;
                    (link, open)
                }
                Provider::Mango => {
                    let req = telephony::mango::recording_request(&key, &secret, id);
                    (req.url.clone(), ports.fetcher.open(&req).await?)
                }
                other => return Err(Failure::Final(format!("{other} has no recording API"))),
            }
        }
    };
    if answer.content_type.starts_with("application/json")
        || answer.content_type.starts_with("text/")
    {
        // Mango and Zadarma answer an error as JSON with 200; audio is never text.
        return Err(Failure::Final(format!(
            "the provider answered {} instead of audio",
            answer.content_type
        )));
    }
    let key = blobs::recording_key(
        &tenant.id,
        &job.call,
        recording_ext(&url, &answer.content_type),
    );
    let mut body = Limited {
        inner: answer.body,
        url: url.clone(),
        left: MAX_RECORDING_BYTES,
    };
    match ports
        .blobs
        .put_stream(&key, &answer.content_type, &mut body)
        .await
    {
        Ok(bytes) => Ok((key, bytes)),
        Err(StreamError::Source(e)) => Err(e.into()),
        Err(StreamError::Store(e)) => Err(Failure::Retry(e.into())),
    }
}

/// The request for a media URL: Twilio's carries basic auth (account SID from the signed URL,
/// the tenant's auth token) so accounts that protect their recordings are served too.
fn media_request(tenant: &Tenant, provider: Provider, url: &str) -> FetchRequest {
    let req = FetchRequest::get(url);
    match (provider, tenant.secret("twilio"), twilio_account(url)) {
        (Provider::Twilio, Some(token), Some(sid)) => {
            let auth = base64::engine::general_purpose::STANDARD.encode(format!("{sid}:{token}"));
            req.header("authorization", format!("Basic {auth}"))
        }
        _ => req,
    }
}

/// The account SID in a Twilio REST URL (`/2010-04-01/Accounts/AC.../Recordings/RE...`).
fn twilio_account(url: &str) -> Option<&str> {
    let mut parts = url.split('/');
    parts.find(|p| *p == "Accounts")?;
    parts
        .next()
        .filter(|sid| sid.starts_with("AC") && sid.chars().all(|c| c.is_ascii_alphanumeric()))
}

/// Points the call at its stored audio (and queues its transcription state), or records why
/// there is none; either way the pending fact is cleared.
async fn finish(
    store: &dyn Store,
    tenant: &Tenant,
    id: &CallId,
    outcome: Result<&str, &str>,
) -> Result<(), RecordingError> {
    for _ in 0..MAX_ATTEMPTS {
        let Some(was) = store.get_call(&tenant.id, id).await? else {
            return Ok(());
        };
        let mut call = was.clone();
        call.recording_pending = false;
        match outcome {
            Ok(key) => {
                call.recording_key = Some(key.to_string());
                if call.transcription == Transcription::None {
                    call.transcription = Transcription::Pending;
                }
            }
            Err(reason) => {
                if call.recording_key.is_some() {
                    return Ok(());
                }
                call.transcription =
                    Transcription::Failed(format!("recording not downloaded: {reason}"));
            }
        }
        let commit = Commit {
            tenant: Some(tenant.id.clone()),
            rollups: rollups::diff(
                rollups::call_contribution(tenant, &was),
                rollups::call_contribution(tenant, &call),
            ),
            calls: vec![CallWrite::new(call, Some(was.version))],
            ..Commit::default()
        };
        if store.commit(&commit).await? == CommitOutcome::Committed {
            return Ok(());
        }
    }
    Err(RecordingError::Contended(MAX_ATTEMPTS))
}

/// The file extension for a recording, from its URL or content type (`mp3` by default).
fn recording_ext(url: &str, content_type: &str) -> &'static str {
    let path = url
        .split(['?', '#'])
        .next()
        .unwrap_or("")
        .to_ascii_lowercase();
    if path.ends_with(".wav") || content_type.contains("wav") {
        "wav"
    } else if path.ends_with(".ogg") || content_type.contains("ogg") {
        "ogg"
    } else {
        "mp3"
    }
}

/// A body cut off (as an error) once it passes its size bound.
struct Limited {
    inner: Box<dyn ByteSource>,
    url: String,
    left: u64,
}

#[async_trait]
impl ByteSource for Limited {
    async fn next_chunk(&mut self) -> Result<Option<Vec<u8>>, FetchError> {
        let Some(chunk) = self.inner.next_chunk().await? else {
            return Ok(None);
        };
        let n = chunk.len() as u64;
        if n > self.left {
            let mut e = FetchError::new(
                &self.url,
                format!("the recording is larger than {MAX_RECORDING_BYTES} bytes"),
            );
            e.status = Some(413);
            return Err(e);
        }
        self.left -= n;
        Ok(Some(chunk))
    }
}

/// An in-process recording queue (`calltrack serve`, the CLI, tests): jobs wait in memory
/// until [`drain`] or a worker loop takes them.
#[derive(Debug, Default)]
pub struct LocalQueue {
    jobs: Mutex<VecDeque<RecordingJob>>,
}

impl LocalQueue {
    /// The oldest waiting job.
    pub fn pop(&self) -> Option<RecordingJob> {
        self.jobs
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .pop_front()
    }

    pub fn len(&self) -> usize {
        self.jobs.lock().unwrap_or_else(|p| p.into_inner()).len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

#[async_trait]
impl RecordingQueue for LocalQueue {
    async fn enqueue(&self, job: &RecordingJob) -> Result<(), QueueError> {
        self.jobs
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .push_back(job.clone());
        Ok(())
    }
}

/// Runs every job waiting in `queue` once, in order; what each came to.
pub async fn drain(
    ports: &Ports,
    queue: &LocalQueue,
) -> Vec<(RecordingJob, Result<Fetched, RecordingError>)> {
    let mut done = vec![];
    while let Some(job) = queue.pop() {
        let out = fetch(ports, &job).await;
        done.push((job, out));
    }
    done
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_twilio_account_comes_from_the_signed_recording_url() {
        assert_eq!(
            twilio_account("https://api.twilio.com/2010-04-01/Accounts/AC0f9a/Recordings/RE1.wav"),
            Some("AC0f9a")
        );
        assert_eq!(
            twilio_account("https://api.twilio.com/2010-04-01/Recordings/RE1"),
            None
        );
        assert_eq!(
            twilio_account("https://api.twilio.com/Accounts/AC..%2f/Recordings/RE1"),
            None
        );
    }

    #[test]
    fn a_twilio_media_request_carries_basic_auth_only_with_a_token() {
        let mut t = Tenant::new(TenantId::parse("acme").unwrap(), "Acme");
        let url = "https://api.twilio.com/2010-04-01/Accounts/AC1/Recordings/RE1.wav";
        assert!(media_request(&t, Provider::Twilio, url).headers.is_empty());
        t.provider_secrets.insert("twilio".into(), "tok".into());
        let req = media_request(&t, Provider::Twilio, url);
        assert_eq!(
            req.headers,
            vec![(
                "authorization".to_string(),
                "Basic QUMxOnRvaw==".to_string()
            )]
        );
        assert!(media_request(&t, Provider::Telnyx, url).headers.is_empty());
    }

    #[test]
    fn recordings_by_id_need_the_providers_api_credentials() {
        let mut t = Tenant::new(TenantId::parse("acme").unwrap(), "Acme");
        let mut e = CallEvent::new(
            Provider::Zadarma,
            "in_1",
            "in_1:NOTIFY_RECORD:r1",
            EventKind::Recording,
            chrono::Utc::now(),
        );
        e.recording_id = Some("1.2-rec".into());
        assert!(source_for(&t, &e).is_err());
        t.provider_secrets.insert("zadarma".into(), "s".into());
        t.provider_secrets.insert("zadarma_key".into(), "k".into());
        assert_eq!(
            source_for(&t, &e),
            Ok(Some(RecordingSource::ProviderId {
                id: "1.2-rec".into()
            }))
        );
        e.kind = EventKind::Ended;
        assert_eq!(source_for(&t, &e), Ok(None));
    }
}
