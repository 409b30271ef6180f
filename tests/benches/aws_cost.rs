//! What 1,000 calls cost on AWS, from the requests the code really makes: N Twilio calls (the
//! voice request, the `in-progress` and `completed` status callbacks, the recording callback)
//! through the router on DynamoDB and S3 (moto server), each recording downloaded by the
//! recording worker into S3, its transcription started on Transcribe, its transcript analysed.
//! Counted: HTTP API requests, function invocations and their durations (in-process wall time
//! against moto: a stand-in for Lambda's billed duration, see BENCHMARKS.md), DynamoDB requests
//! and capacity units per operation (worked out from each request and answer by DynamoDB's
//! rules), S3 requests and bytes, SQS messages, Transcribe minutes.
//!
//! Run: `cargo bench -p calltrack-integration --bench aws_cost` (`COST_CALLS=N`, default 100).

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::body::Body;
use calltrack::http::{router, App, HttpConfig};
use calltrack::model::*;
use calltrack::ports::*;
use calltrack::recordings::{self, LocalQueue};
use calltrack::telephony::twilio;
use calltrack_aws::{OpUsage, S3BlobStore, TranscribeTranscriber};
use calltrack_embedded::with_store;
use calltrack_integration::moto;
use http::Request;
use tower::ServiceExt;

const BASE: &str = "https://calls.example";
const TOKEN: &str = "cost-token";
/// Talk time per call; a two-channel 8 kHz 16-bit WAV is 32,000 bytes a second.
const TALK_SECONDS: usize = 180;

/// The blob store, counting requests by kind (a streamed put of more than one part is a
/// multipart upload: create + parts + complete).
struct Counted {
    inner: S3BlobStore,
    puts: AtomicU64,
    gets: AtomicU64,
    bytes: AtomicU64,
}

#[async_trait::async_trait]
impl BlobStore for Counted {
    async fn put(&self, key: &str, bytes: Vec<u8>, ct: &str) -> Result<(), BlobError> {
        self.puts.fetch_add(1, Ordering::Relaxed);
        self.bytes.fetch_add(bytes.len() as u64, Ordering::Relaxed);
        self.inner.put(key, bytes, ct).await
    }
    async fn get(&self, key: &str) -> Result<Vec<u8>, BlobError> {
        self.gets.fetch_add(1, Ordering::Relaxed);
        self.inner.get(key).await
    }
    async fn link(&self, key: &str, d: Duration) -> Result<String, BlobError> {
        self.inner.link(key, d).await
    }
    async fn delete_prefix(&self, prefix: &str) -> Result<u64, BlobError> {
        self.inner.delete_prefix(prefix).await
    }
    async fn put_stream(
        &self,
        key: &str,
        ct: &str,
        body: &mut dyn ByteSource,
    ) -> Result<u64, StreamError> {
        let n = self.inner.put_stream(key, ct, body).await?;
        let parts = (n as usize).div_ceil(calltrack_aws::PART_SIZE) as u64;
        self.puts
            .fetch_add(if parts > 1 { parts + 2 } else { 1 }, Ordering::Relaxed);
        self.bytes.fetch_add(n, Ordering::Relaxed);
        Ok(n)
    }
}

struct Wav(usize);

#[async_trait::async_trait]
impl ByteSource for Wav {
    async fn next_chunk(&mut self) -> Result<Option<Vec<u8>>, FetchError> {
        if self.0 == 0 {
            return Ok(None);
        }
        let n = self.0.min(16 * 1024);
        self.0 -= n;
        Ok(Some(vec![0; n]))
    }
}

/// Twilio's media host, serving every recording as a WAV of the call's length.
struct Twilio;

#[async_trait::async_trait]
impl Fetcher for Twilio {
    async fn open(&self, _: &FetchRequest) -> Result<Download, FetchError> {
        Ok(Download {
            content_type: "audio/x-wav".into(),
            body: Box::new(Wav(TALK_SECONDS * 32_000)),
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

fn form(path: &str, params: &[(&str, &str)]) -> Request<Body> {
    let p: Vec<(String, String)> = params
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    Request::post(path)
        .header("content-type", "application/x-www-form-urlencoded")
        .header(
            "x-twilio-signature",
            twilio::sign(&format!("{BASE}{path}"), &p, TOKEN),
        )
        .body(Body::from(serde_urlencoded::to_string(&p).unwrap()))
        .unwrap()
}

#[derive(Default)]
struct Phase {
    invocations: u64,
    busy: Duration,
}

fn diff(
    after: &std::collections::BTreeMap<String, OpUsage>,
    before: &std::collections::BTreeMap<String, OpUsage>,
) -> (u64, f64, f64) {
    let mut out = (0, 0.0, 0.0);
    for (op, a) in after {
        let b = before.get(op).copied().unwrap_or_default();
        out.0 += a.requests - b.requests;
        out.1 += a.read_units - b.read_units;
        out.2 += a.write_units - b.write_units;
    }
    out
}

#[tokio::main]
async fn main() {
    let calls: usize = std::env::var("COST_CALLS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(100);
    let config = moto::sdk_config().await;
    let store = Arc::new(moto::dynamo_store().await);
    let bucket = moto::unique("cost");
    let s3 = S3BlobStore::from_env(&config, bucket.clone());
    s3.client()
        .create_bucket()
        .bucket(&bucket)
        .send()
        .await
        .unwrap();
    let blobs = Arc::new(Counted {
        inner: s3,
        puts: 0.into(),
        gets: 0.into(),
        bytes: 0.into(),
    });
    let transcriber = TranscribeTranscriber::from_env(&config, bucket.clone());
    let mut t = Tenant::new(TenantId::parse("acme").unwrap(), "Acme");
    t.provider_secrets.insert("twilio".into(), TOKEN.into());
    calltrack::tenants::save(&*store, &t).await.unwrap();
    store
        .put_number(&TrackingNumber {
            number: PhoneNumber::parse("+14155552671", None).unwrap(),
            tenant: t.id.clone(),
            kind: NumberKind::Static {
                source: "billboard".into(),
                medium: None,
                campaign: None,
            },
            forward_to: Some(PhoneNumber::parse("+14155550100", None).unwrap()),
        })
        .await
        .unwrap();
    let queue = Arc::new(LocalQueue::default());
    let dir = std::env::temp_dir().join(format!("ct-cost-{}", std::process::id()));
    let ports = Ports {
        blobs: blobs.clone(),
        fetcher: Arc::new(Twilio),
        recordings: queue.clone(),
        ..with_store(store.clone(), &dir, Arc::new(SystemClock))
    };
    let app = App::new(
        ports.clone(),
        HttpConfig {
            public_base_url: BASE.into(),
        },
    );
    let run = format!("{}", std::process::id());
    let fixture = std::fs::read(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../shared/fixtures/transcribe/aws-docs-channel-id-output-batch.json"
    ))
    .unwrap();

    let u0 = store.usage();
    let mut ingest = Phase::default();
    for i in 0..calls {
        let sid = format!("CA{run}x{i:06}");
        let caller = format!("+1212555{:04}", i % 10_000);
        let secs = TALK_SECONDS.to_string();
        let rec_sid = format!("RE{run}x{i:06}");
        let rec_url =
            format!("https://api.twilio.com/2010-04-01/Accounts/AC0f/Recordings/{rec_sid}");
        let common = [
            ("CallSid", sid.as_str()),
            ("From", caller.as_str()),
            ("To", "+14155552671"),
            ("Direction", "inbound"),
        ];
        let reqs = [
            form(
                "/v1/voice/acme/twilio",
                &[
                    common[0],
                    common[1],
                    common[2],
                    common[3],
                    ("CallStatus", "ringing"),
                ],
            ),
            form(
                "/v1/hooks/acme/twilio",
                &[
                    common[0],
                    common[1],
                    common[2],
                    common[3],
                    ("CallStatus", "in-progress"),
                    ("SequenceNumber", "1"),
                ],
            ),
            form(
                "/v1/hooks/acme/twilio",
                &[
                    common[0],
                    common[1],
                    common[2],
                    common[3],
                    ("CallStatus", "completed"),
                    ("CallDuration", secs.as_str()),
                    ("SequenceNumber", "2"),
                ],
            ),
            form(
                "/v1/hooks/acme/twilio",
                &[
                    ("AccountSid", "AC0f"),
                    ("CallSid", sid.as_str()),
                    ("RecordingSid", rec_sid.as_str()),
                    ("RecordingUrl", rec_url.as_str()),
                    ("RecordingStatus", "completed"),
                    ("RecordingChannels", "2"),
                ],
            ),
        ];
        for req in reqs {
            let started = Instant::now();
            let resp = router(app.clone()).oneshot(req).await.unwrap();
            ingest.busy += started.elapsed();
            ingest.invocations += 1;
            assert!(resp.status().is_success(), "{}", resp.status());
        }
    }
    let u1 = store.usage();
    assert_eq!(queue.len(), calls, "one recording job per call");

    let mut fetch = Phase::default();
    let mut keys = vec![];
    while let Some(job) = queue.pop() {
        let started = Instant::now();
        let out = recordings::fetch(&ports, &job).await.unwrap();
        fetch.busy += started.elapsed();
        fetch.invocations += 1;
        match out {
            recordings::Fetched::Stored { key, .. } => keys.push(key),
            other => panic!("{other:?}"),
        }
    }
    let u2 = store.usage();

    let mut transcribe = Phase::default();
    for key in &keys {
        let started = Instant::now();
        calltrack::transcription::on_recording(&*store, &transcriber, key)
            .await
            .unwrap();
        transcribe.busy += started.elapsed();
        transcribe.invocations += 1;
        let BlobKindCall { tenant, call } = kind(key);
        let tkey = calltrack::blobs::transcript_key(&tenant, &call);
        blobs
            .inner
            .put(&tkey, fixture.clone(), "application/json")
            .await
            .unwrap();
        let started = Instant::now();
        calltrack::transcription::on_transcript(
            &*store,
            &*blobs,
            &calltrack::ports::RulesOnly,
            &tkey,
        )
        .await
        .unwrap();
        transcribe.busy += started.elapsed();
        transcribe.invocations += 1;
    }
    let u3 = store.usage();

    let per = 1000.0 / calls as f64;
    let (wr, wrr, wwu) = diff(&u1, &u0);
    let (fr, frr, fwu) = diff(&u2, &u1);
    let (tr, trr, twu) = diff(&u3, &u2);
    println!("calls: {calls}, talk {TALK_SECONDS} s each; figures per 1,000 calls");
    println!("| function | invocations | busy ms (sum) | ms per invocation | DynamoDB requests | read units | write units |");
    println!("|---|---|---|---|---|---|---|");
    for (name, p, (r, ru, wu)) in [
        ("webhook-ingest", &ingest, (wr, wrr, wwu)),
        ("recording-fetch", &fetch, (fr, frr, fwu)),
        ("transcribe-recording", &transcribe, (tr, trr, twu)),
    ] {
        println!(
            "| {name} | {:.0} | {:.0} | {:.1} | {:.0} | {:.1} | {:.1} |",
            p.invocations as f64 * per,
            p.busy.as_secs_f64() * 1000.0 * per,
            p.busy.as_secs_f64() * 1000.0 / p.invocations as f64,
            r as f64 * per,
            ru * per,
            wu * per
        );
    }
    println!("DynamoDB per operation (whole run, per 1,000 calls):");
    for (op, a) in &u3 {
        let b = u0.get(op).copied().unwrap_or_default();
        println!(
            "  {op}: {:.0} requests, {:.1} RRU, {:.1} WRU",
            (a.requests - b.requests) as f64 * per,
            (a.read_units - b.read_units) * per,
            (a.write_units - b.write_units) * per
        );
    }
    println!(
        "S3: {:.0} PUT-class, {:.0} GET, {:.2} GB stored; SQS: {:.0} messages; API requests: {:.0}; Transcribe: {:.0} minutes",
        blobs.puts.load(Ordering::Relaxed) as f64 * per + keys.len() as f64 * per, // + Transcribe's own transcript PUT
        blobs.gets.load(Ordering::Relaxed) as f64 * per,
        blobs.bytes.load(Ordering::Relaxed) as f64 * per / 1e9,
        calls as f64 * per,
        ingest.invocations as f64 * per,
        (calls * TALK_SECONDS) as f64 / 60.0 * per,
    );
}

struct BlobKindCall {
    tenant: TenantId,
    call: CallId,
}

fn kind(key: &str) -> BlobKindCall {
    match calltrack::blobs::classify(key).unwrap() {
        calltrack::blobs::BlobKind::Recording { tenant, call, .. } => BlobKindCall { tenant, call },
        other => panic!("{other:?}"),
    }
}
