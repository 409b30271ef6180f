//! A Lambda Runtime API emulator: the documented `2018-06-01` interface the Lambda service
//! offers a function's `bootstrap` (`/runtime/invocation/next`, `/response`, `/error`,
//! `/runtime/init/error`), served on a loopback port. [`Function::start`] runs a built function
//! binary under it with the environment the SAM template gives it; [`Function::invoke`] hands it
//! one event and waits for its answer, exactly as the real runtime loop sees it.

use std::collections::{HashMap, VecDeque};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::{Duration, Instant};

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::Router;
use serde_json::Value;
use tokio::sync::Notify;

/// What the function answered for one invocation.
pub type Answer = Result<Value, Value>;

#[derive(Default)]
struct Shared {
    pending: Mutex<VecDeque<(String, Vec<u8>)>>,
    event_ready: Notify,
    answers: Mutex<HashMap<String, Answer>>,
    answered: Notify,
    init_error: Mutex<Option<Value>>,
    first_next: OnceLock<Instant>,
}

/// One function process under the emulator. Dropping it stops the process.
pub struct Function {
    name: String,
    child: Child,
    shared: Arc<Shared>,
    spawned: Instant,
    counter: std::sync::atomic::AtomicU64,
    server: tokio::task::JoinHandle<()>,
}

/// The built binary of a function crate (`target/<profile>/<name>`, next to this test's own
/// `deps/` directory): `scripts/test.sh` builds them with `cargo build --workspace --bins`.
pub fn binary(name: &str) -> PathBuf {
    let exe = std::env::current_exe().expect("the test binary's path");
    let dir = exe
        .parent()
        .and_then(|deps| deps.parent())
        .expect("target/<profile>/deps");
    let bin = dir.join(name);
    assert!(
        bin.is_file(),
        "{} is not built: run `cargo build --workspace --bins` first (make test does)",
        bin.display()
    );
    bin
}

fn json_or_text(body: &[u8]) -> Value {
    serde_json::from_slice(body)
        .unwrap_or_else(|_| Value::String(String::from_utf8_lossy(body).into_owned()))
}

async fn next(State(s): State<Arc<Shared>>) -> Response {
    let _ = s.first_next.set(Instant::now());
    loop {
        let waiting = s.event_ready.notified();
        if let Some((id, body)) = s.pending.lock().unwrap().pop_front() {
            let deadline = std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .unwrap_or_default()
                .as_millis()
                + 60_000;
            let mut h = HeaderMap::new();
            let mut set = |k: &'static str, v: String| {
                h.insert(k, HeaderValue::from_str(&v).expect("header value"));
            };
            set("lambda-runtime-aws-request-id", id);
            set("lambda-runtime-deadline-ms", deadline.to_string());
            set(
                "lambda-runtime-invoked-function-arn",
                "arn:aws:lambda:us-east-1:123456789012:function:calltrack-test".into(),
            );
            set(
                "lambda-runtime-trace-id",
                "Root=1-5bef4de7-ad49b0e87f6ef6c87fc2e700;Parent=9a9197af755a6419;Sampled=1".into(),
            );
            h.insert("content-type", HeaderValue::from_static("application/json"));
            return (StatusCode::OK, h, body).into_response();
        }
        waiting.await;
    }
}

async fn respond(State(s): State<Arc<Shared>>, Path(id): Path<String>, body: Bytes) -> StatusCode {
    s.answers
        .lock()
        .unwrap()
        .insert(id, Ok(json_or_text(&body)));
    s.answered.notify_waiters();
    StatusCode::ACCEPTED
}

async fn fail(State(s): State<Arc<Shared>>, Path(id): Path<String>, body: Bytes) -> StatusCode {
    s.answers
        .lock()
        .unwrap()
        .insert(id, Err(json_or_text(&body)));
    s.answered.notify_waiters();
    StatusCode::ACCEPTED
}

async fn init_error(State(s): State<Arc<Shared>>, body: Bytes) -> StatusCode {
    *s.init_error.lock().unwrap() = Some(json_or_text(&body));
    s.answered.notify_waiters();
    StatusCode::ACCEPTED
}

impl Function {
    /// Starts the function crate `name`'s binary with `env` (plus the variables the Lambda
    /// service always sets) against a fresh emulator on 127.0.0.1.
    pub async fn start(name: &str, env: &[(&str, String)]) -> Function {
        let shared = Arc::new(Shared::default());
        let app = Router::new()
            .route("/2018-06-01/runtime/invocation/next", get(next))
            .route(
                "/2018-06-01/runtime/invocation/{id}/response",
                post(respond),
            )
            .route("/2018-06-01/runtime/invocation/{id}/error", post(fail))
            .route("/2018-06-01/runtime/init/error", post(init_error))
            .with_state(shared.clone());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind the runtime API");
        let addr = listener.local_addr().expect("its address");
        let server = tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        let mut cmd = Command::new(binary(name));
        cmd.env_clear()
            .env("PATH", std::env::var("PATH").unwrap_or_default())
            .env("AWS_LAMBDA_RUNTIME_API", addr.to_string())
            .env("AWS_LAMBDA_FUNCTION_NAME", format!("calltrack-{name}"))
            .env("AWS_LAMBDA_FUNCTION_VERSION", "$LATEST")
            .env("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "256")
            .env(
                "AWS_LAMBDA_LOG_GROUP_NAME",
                format!("/aws/lambda/calltrack-{name}"),
            )
            .env("AWS_LAMBDA_LOG_STREAM_NAME", "2026/12/01/[$LATEST]emulator")
            .env("AWS_LAMBDA_LOG_FORMAT", "JSON")
            .env("AWS_REGION", "us-east-1")
            .env("AWS_ACCESS_KEY_ID", "test")
            .env("AWS_SECRET_ACCESS_KEY", "test")
            .env("RUST_LOG", "info")
            .stdout(Stdio::null())
            .stderr(Stdio::inherit());
        for (k, v) in env {
            cmd.env(k, v);
        }
        let spawned = Instant::now();
        let child = cmd.spawn().expect("start the function binary");
        Function {
            name: name.to_string(),
            child,
            shared,
            spawned,
            counter: std::sync::atomic::AtomicU64::new(0),
            server,
        }
    }

    /// Hands the function one event and waits (up to 60 s) for its response or error.
    pub async fn invoke(&self, event: &Value) -> Answer {
        let n = self
            .counter
            .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let id = format!("{}-{n:04}-emulated", self.name);
        let body = serde_json::to_vec(event).expect("an event serialises");
        self.shared
            .pending
            .lock()
            .unwrap()
            .push_back((id.clone(), body));
        self.shared.event_ready.notify_waiters();
        let deadline = Instant::now() + Duration::from_secs(60);
        loop {
            let waiting = self.shared.answered.notified();
            if let Some(a) = self.shared.answers.lock().unwrap().remove(&id) {
                return a;
            }
            if let Some(e) = self.shared.init_error.lock().unwrap().clone() {
                panic!("{} failed to initialise: {e}", self.name);
            }
            let left = deadline.saturating_duration_since(Instant::now());
            assert!(!left.is_zero(), "{} did not answer within 60 s", self.name);
            // Wake now and then to notice a process that died without answering.
            let _ = tokio::time::timeout(left.min(Duration::from_millis(200)), waiting).await;
        }
    }

    /// The function crate's name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// Process start to its first `/next`: the function's init time.
    pub fn init_time(&self) -> Option<Duration> {
        self.shared
            .first_next
            .get()
            .map(|t| t.duration_since(self.spawned))
    }

    /// The process's peak resident set so far (`VmHWM`), in KiB.
    pub fn peak_rss_kib(&self) -> Option<u64> {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.child.id())).ok()?;
        status
            .lines()
            .find_map(|l| l.strip_prefix("VmHWM:"))
            .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
    }
}

impl Drop for Function {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        self.server.abort();
    }
}
