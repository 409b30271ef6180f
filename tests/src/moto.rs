//! moto server for the AWS adapter tests: one emulator per test process, shared by every test.
//!
//! `CALLTRACK_TEST_AWS_ENDPOINT` points the tests at a running emulator; otherwise the first test
//! that asks starts moto on a free loopback port (Python's `moto[server]` must be installed: the
//! tests panic with the install command when it is not, they never skip). The server watches its
//! stdin and exits when this process does, so no emulator outlives its test binary.
//!
//! moto serves single-threaded here: AWS-LOCAL.md records a trial where threaded moto let two
//! concurrent conditional updates of one item both succeed, which would make the take-slot race
//! test flaky for reasons that are moto's, not ours. Tests stay parallel: each makes its own
//! table, bucket or sender, so they never need `POST /moto-api/reset`.

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Mutex, OnceLock};
use std::time::{Duration, Instant};

use aws_config::{BehaviorVersion, Region, SdkConfig};
use aws_sdk_dynamodb::config::Credentials;
use calltrack_aws::DynamoStore;

/// The environment variable naming an emulator that is already running.
pub const ENDPOINT_ENV: &str = "CALLTRACK_TEST_AWS_ENDPOINT";

/// Starts moto (tests/moto_server.py), exiting when stdin closes (the test process ended).
const LAUNCHER: &str = include_str!("../moto_server.py");

struct Server {
    url: String,
    /// Kept so the child's stdin stays open for as long as this process lives.
    _child: Option<Mutex<Child>>,
}

static SERVER: OnceLock<Server> = OnceLock::new();

/// The emulator's base URL (`http://127.0.0.1:PORT`), starting moto on first use.
pub async fn endpoint() -> String {
    tokio::task::spawn_blocking(|| SERVER.get_or_init(start).url.clone())
        .await
        .expect("moto start-up thread")
}

fn start() -> Server {
    if let Ok(url) = std::env::var(ENDPOINT_ENV) {
        if !url.is_empty() {
            return Server {
                url: url.trim_end_matches('/').to_string(),
                _child: None,
            };
        }
    }
    let python = std::env::var("PYTHON").unwrap_or_else(|_| "python3".into());
    let mut last_error = String::new();
    for _ in 0..3 {
        let port = free_port();
        let log_path = std::env::temp_dir().join(format!("calltrack-moto-{port}.log"));
        let log = std::fs::File::create(&log_path).expect("a log file for moto in the temp dir");
        let child = Command::new(&python)
            .arg("-c")
            .arg(LAUNCHER)
            .arg(port.to_string())
            .arg("--exit-with-stdin")
            .stdin(Stdio::piped())
            .stdout(Stdio::null())
            .stderr(log)
            .spawn();
        let mut child = match child {
            Ok(c) => c,
            Err(e) => panic!(
                "cannot run {python} to start moto server ({e}). Install it with \
                 `pip install 'moto[server]'`, or set {ENDPOINT_ENV} to a running emulator"
            ),
        };
        match wait_ready(&mut child, port, &log_path) {
            Ok(()) => {
                return Server {
                    url: format!("http://127.0.0.1:{port}"),
                    _child: Some(Mutex::new(child)),
                };
            }
            Err(e) => {
                let _ = child.kill();
                let _ = child.wait();
                last_error = e;
            }
        }
    }
    panic!(
        "moto server did not start: {last_error}\nInstall it with `pip install 'moto[server]'`, \
         or set {ENDPOINT_ENV} to a running emulator"
    );
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free loopback port")
}

fn wait_ready(child: &mut Child, port: u16, log: &std::path::Path) -> Result<(), String> {
    let deadline = Instant::now() + Duration::from_secs(30);
    while Instant::now() < deadline {
        if let Ok(Some(status)) = child.try_wait() {
            let err = std::fs::read_to_string(log).unwrap_or_default();
            return Err(format!("moto exited with {status}: {}", err.trim()));
        }
        if http_get(&format!("http://127.0.0.1:{port}"), "/moto-api/data.json").is_ok() {
            return Ok(());
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    Err("no answer within 30 s".into())
}

/// A minimal HTTP/1.0 GET (no client library needed for moto's own API): the status and body.
pub fn http_get(base: &str, path: &str) -> std::io::Result<(u16, String)> {
    let hostport = base.trim_start_matches("http://").trim_end_matches('/');
    let mut stream = TcpStream::connect(hostport)?;
    // moto is single-threaded: behind the other suites' requests an answer can take a while.
    stream.set_read_timeout(Some(Duration::from_secs(60)))?;
    write!(
        stream,
        "GET {path} HTTP/1.0\r\nHost: {hostport}\r\nConnection: close\r\n\r\n"
    )?;
    let mut raw = Vec::new();
    stream.read_to_end(&mut raw)?;
    let text = String::from_utf8_lossy(&raw);
    let (head, body) = text.split_once("\r\n\r\n").unwrap_or((&text, ""));
    let status = head
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .ok_or_else(|| std::io::Error::other(format!("not an HTTP answer: {head}")))?;
    Ok((status, body.to_string()))
}

/// The mail moto's SES took, as JSON (`GET /calltrack-test/ses-sent.json`, served by
/// tests/moto_server.py): `ses.Message` (simple content) and `ses.RawMessage` (raw MIME), each
/// with `source` and `destinations`.
pub async fn sent_mail() -> serde_json::Value {
    let base = endpoint().await;
    let (status, body) =
        tokio::task::spawn_blocking(move || http_get(&base, "/calltrack-test/ses-sent.json"))
            .await
            .expect("moto api thread")
            .expect("GET /calltrack-test/ses-sent.json");
    assert_eq!(status, 200, "moto sent mail: {body}");
    serde_json::from_str(&body).expect("moto's sent mail is JSON")
}

/// An SDK configuration for the emulator: static test keys, us-east-1, the endpoint override.
pub async fn sdk_config() -> SdkConfig {
    aws_config::defaults(BehaviorVersion::latest())
        .endpoint_url(endpoint().await)
        .region(Region::new("us-east-1"))
        .credentials_provider(Credentials::new("test", "test", None, None, "moto"))
        .load()
        .await
}

/// A name unique to this test (tables, buckets, job names): lowercase, digits and `-`.
pub fn unique(prefix: &str) -> String {
    static N: AtomicU32 = AtomicU32::new(0);
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.subsec_nanos())
        .unwrap_or(0);
    format!(
        "{prefix}-{}-{:x}-{}",
        std::process::id(),
        nanos,
        N.fetch_add(1, Ordering::Relaxed)
    )
}

/// A KMS key on the emulator for sealing tenant secrets (`SECRETS_KEY_ID`), one per process.
pub async fn secrets_key() -> String {
    static KEY: tokio::sync::OnceCell<String> = tokio::sync::OnceCell::const_new();
    KEY.get_or_init(|| async {
        let kms = aws_sdk_kms::Client::new(&sdk_config().await);
        let key = kms
            .create_key()
            .description("calltrack test: tenant secrets")
            .send()
            .await
            .expect("create a KMS key on moto");
        key.key_metadata()
            .expect("key metadata")
            .key_id()
            .to_string()
    })
    .await
    .clone()
}

/// A DynamoDB store on a fresh table of its own (so tests run in parallel on one moto), sealing
/// tenant secrets with [`secrets_key`] as the deployed functions do.
pub async fn dynamo_store() -> DynamoStore {
    let config = sdk_config().await;
    let sealer = calltrack_aws::KmsSealer::from_env(&config, secrets_key().await);
    let store = DynamoStore::from_env(&config, unique("calltrack"))
        .with_sealer(std::sync::Arc::new(sealer));
    store
        .create_table()
        .await
        .expect("create the test table on moto");
    store
}
