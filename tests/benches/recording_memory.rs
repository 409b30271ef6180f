//! Peak memory of downloading one recording into S3 (moto server): the recording worker
//! (`recordings::fetch`, streaming, multipart) against the old way (the whole body collected,
//! then one PutObject), for a 60-minute two-channel WAV at 8 kHz (115 MB, Twilio's format) and
//! at 16 kHz (230 MB). Each run is its own child process, so its peak RSS (VmHWM) is its own.
//!
//! Run: `cargo bench -p calltrack-integration --bench recording_memory`.

use std::sync::Arc;

use calltrack::model::*;
use calltrack::ports::*;
use calltrack::recordings::{self, Fetched, RecordingJob, RecordingSource};
use calltrack_aws::S3BlobStore;
use calltrack_embedded::{with_store, SqliteStore};
use calltrack_integration::moto;

const URL: &str = "https://api.twilio.com/2010-04-01/Accounts/AC1/Recordings/RE1.wav";
/// A network delivers a body in frames of about this size.
const FRAME: usize = 16 * 1024;

/// A WAV-sized body produced frame by frame, never held whole.
struct Wav {
    left: usize,
}

#[async_trait::async_trait]
impl ByteSource for Wav {
    async fn next_chunk(&mut self) -> Result<Option<Vec<u8>>, FetchError> {
        if self.left == 0 {
            return Ok(None);
        }
        let n = FRAME.min(self.left);
        self.left -= n;
        Ok(Some(vec![0x55; n]))
    }
}

/// The internet, serving one recording of `bytes` bytes.
struct OneRecording {
    bytes: usize,
}

#[async_trait::async_trait]
impl Fetcher for OneRecording {
    async fn open(&self, _: &FetchRequest) -> Result<Download, FetchError> {
        Ok(Download {
            content_type: "audio/x-wav".into(),
            body: Box::new(Wav { left: self.bytes }),
        })
    }

    async fn post_json(
        &self,
        url: &str,
        _: &[u8],
        _: &[(String, String)],
    ) -> Result<(), FetchError> {
        Err(FetchError::new(url, "not served"))
    }
}

fn peak_rss_mb() -> f64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<f64>().ok())
        .map_or(f64::NAN, |kb| kb / 1024.0)
}

async fn child(mode: &str, bytes: usize) {
    let config = moto::sdk_config().await;
    let blobs = S3BlobStore::from_env(&config, moto::unique("mem"));
    blobs
        .client()
        .create_bucket()
        .bucket(blobs.bucket())
        .send()
        .await
        .unwrap();
    let before = peak_rss_mb();
    let started = std::time::Instant::now();
    match mode {
        "stream" => {
            let dir = std::env::temp_dir().join(format!("ct-mem-{}", std::process::id()));
            let store = Arc::new(SqliteStore::in_memory().unwrap());
            let t = Tenant::new(TenantId::parse("acme").unwrap(), "Acme");
            store.put_tenant(&t).await.unwrap();
            let mut call = Call::new(
                &t.id,
                Provider::Twilio,
                "CA1",
                Direction::Inbound,
                chrono::Utc::now(),
            );
            call.recording_pending = true;
            let commit = Commit {
                tenant: Some(t.id.clone()),
                calls: vec![CallWrite::new(call.clone(), None)],
                ..Commit::default()
            };
            store.commit(&commit).await.unwrap();
            let ports = Ports {
                blobs: Arc::new(blobs),
                fetcher: Arc::new(OneRecording { bytes }),
                ..with_store(store, &dir, Arc::new(SystemClock))
            };
            let job = RecordingJob {
                tenant: t.id,
                call: call.id,
                provider: Provider::Twilio,
                source: RecordingSource::Url { url: URL.into() },
            };
            let out = recordings::fetch(&ports, &job).await.unwrap();
            assert!(
                matches!(out, Fetched::Stored { bytes: b, .. } if b == bytes as u64),
                "{out:?}"
            );
        }
        _ => {
            let mut body = Wav { left: bytes };
            let mut whole = Vec::new();
            while let Some(c) = body.next_chunk().await.unwrap() {
                whole.extend_from_slice(&c);
            }
            blobs
                .put("recordings/acme/whole.wav", whole, "audio/x-wav")
                .await
                .unwrap();
        }
    }
    println!(
        "{mode} {bytes} {:.1} {:.1} {:.2}",
        before,
        peak_rss_mb(),
        started.elapsed().as_secs_f64()
    );
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    if let (Some(mode), Some(bytes)) = (args.get(2).filter(|_| args[1] == "--child"), args.get(3)) {
        let rt = tokio::runtime::Runtime::new().unwrap();
        rt.block_on(child(mode, bytes.parse().unwrap()));
        return;
    }
    // One moto for every child: started here, passed down.
    let rt = tokio::runtime::Runtime::new().unwrap();
    let endpoint = rt.block_on(moto::endpoint());
    println!("| recording | way | peak RSS before | peak RSS after | growth | seconds |");
    println!("|---|---|---|---|---|---|");
    for (label, bytes) in [
        ("60 min, 2 ch, 8 kHz", 115_200_000usize),
        ("60 min, 2 ch, 16 kHz", 230_400_000),
    ] {
        for mode in ["stream", "whole"] {
            let out = std::process::Command::new(&args[0])
                .args(["--child", mode, &bytes.to_string()])
                .env(moto::ENDPOINT_ENV, &endpoint)
                .output()
                .expect("child run");
            let text = String::from_utf8_lossy(&out.stdout);
            let line = text.lines().last().unwrap_or("");
            let f: Vec<&str> = line.split_whitespace().collect();
            if !out.status.success() || f.len() < 5 {
                eprintln!(
                    "{mode} {bytes}: failed\n{}",
                    String::from_utf8_lossy(&out.stderr)
                );
                std::process::exit(1);
            }
            let (b, a): (f64, f64) = (f[2].parse().unwrap(), f[3].parse().unwrap());
            println!(
                "| {label} ({} MB) | {mode} | {b:.1} MB | {a:.1} MB | {:.1} MB | {} |",
                bytes / 1_000_000,
                a - b,
                f[4]
            );
        }
    }
}
