//! `calltrack serve`: the HTTP API on the embedded backend, the same router as the Lambdas.
//!
//! On the embedded backend recordings are downloaded for real, in-process: webhooks leave jobs
//! on a local queue and a background worker fetches them over HTTPS (the same egress policy and
//! fetcher as in Lambda), as the recording-fetch function does from SQS.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use axum::extract::ConnectInfo;
use calltrack::http::{App, HttpConfig};
use calltrack::ports::Ports;
use calltrack::recordings::{self, LocalQueue};
use clap::Args as ClapArgs;
use tracing::{error, warn};

use crate::backend;
use crate::exit::{CmdResult, Failure};
use crate::{Backend, Globals};

/// Tries per recording job before it is left pending (SQS's maxReceiveCount in the template).
const TRIES: u32 = 5;
/// Downloads running at once.
const PARALLEL: usize = 4;

#[derive(Debug, ClapArgs)]
pub struct Args {
    /// Address to listen on.
    #[arg(long, default_value = "127.0.0.1:3000")]
    pub addr: SocketAddr,
    /// The public URL providers post to; webhook signatures are checked against it.
    #[arg(long, env = "PUBLIC_BASE_URL")]
    pub public_base_url: Option<String>,
    /// A proxy in front of serve (CIDR, repeatable): requests from it are counted by the
    /// rightmost X-Forwarded-For address outside these ranges. Without it the socket's peer
    /// address is the source, and X-Forwarded-For is ignored.
    #[arg(long = "trusted-proxy", value_parser = parse_cidr)]
    pub trusted_proxies: Vec<ipnet::IpNet>,
    /// Seconds a client may take to send a request's headers, and again its body and our
    /// answer; a slower client is dropped (headers) or answered 408 (body), not held.
    #[arg(long, default_value_t = 10, value_parser = clap::value_parser!(u64).range(1..=300))]
    pub read_timeout_seconds: u64,
}

fn parse_cidr(s: &str) -> Result<ipnet::IpNet, String> {
    s.parse::<ipnet::IpNet>()
        .or_else(|_| s.parse::<std::net::IpAddr>().map(ipnet::IpNet::from))
        .map_err(|_| format!("'{s}' is not an address or CIDR range (10.0.0.0/8, ::1)"))
}

pub async fn run(g: &Globals, a: Args) -> CmdResult {
    let mut ports = backend::open(g).await?;
    if g.backend == Backend::Sqlite {
        let queue = Arc::new(LocalQueue::default());
        ports.fetcher = Arc::new(calltrack_aws::HttpFetcher::new());
        ports.recordings = queue.clone();
        spawn_recording_worker(ports.clone(), queue);
    }
    spawn_outbox_drain(ports.clone());
    let base = a
        .public_base_url
        .unwrap_or_else(|| format!("http://{}", a.addr));
    let trusted = Arc::new(a.trusted_proxies);
    let app = calltrack::http::router(App::new(
        ports,
        HttpConfig {
            public_base_url: base.clone(),
        },
    ))
    .layer(axum::middleware::map_request(
        move |ConnectInfo(peer): ConnectInfo<SocketAddr>, mut req: axum::extract::Request| {
            let trusted = trusted.clone();
            async move {
                let xff = req
                    .headers()
                    .get("x-forwarded-for")
                    .and_then(|v| v.to_str().ok());
                let source = calltrack::http::source_from(peer.ip(), xff, &trusted);
                req.extensions_mut().insert(source);
                req
            }
        },
    ));
    let listener = tokio::net::TcpListener::bind(a.addr)
        .await
        .map_err(|e| Failure::Usage(format!("cannot listen on {}: {e}", a.addr)))?;
    eprintln!(
        "calltrack: serving on http://{} (public base URL {base}); Ctrl-C stops",
        a.addr
    );
    serve_connections(listener, app, Duration::from_secs(a.read_timeout_seconds)).await;
    Ok(())
}

/// Accepts connections until Ctrl-C, then lets the open ones finish. Each connection gets
/// `timeout` to deliver its headers (hyper drops it otherwise: a slow-loris holds nothing), and
/// each request as long again for its body and our answer (408 in the JSON error shape).
async fn serve_connections(
    listener: tokio::net::TcpListener,
    app: axum::Router,
    timeout: Duration,
) {
    let graceful = hyper_util::server::graceful::GracefulShutdown::new();
    let ctrl_c = tokio::signal::ctrl_c();
    tokio::pin!(ctrl_c);
    loop {
        let (stream, peer) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(a) => a,
                Err(e) => {
                    // Out of file descriptors and the like: wait rather than spin.
                    warn!(error = %e, "accept failed");
                    tokio::time::sleep(Duration::from_millis(100)).await;
                    continue;
                }
            },
            _ = &mut ctrl_c => break,
        };
        let app = app.clone();
        let service =
            hyper::service::service_fn(move |req: http::Request<hyper::body::Incoming>| {
                let mut req = req.map(axum::body::Body::new);
                req.extensions_mut().insert(ConnectInfo(peer));
                let app = app.clone();
                async move {
                    use tower::ServiceExt as _;
                    let answer = tokio::time::timeout(timeout, app.oneshot(req)).await;
                    Ok::<_, std::convert::Infallible>(match answer {
                        Ok(Ok(resp)) => resp,
                        Ok(Err(never)) => match never {},
                        Err(_) => request_timeout(timeout),
                    })
                }
            });
        let conn = hyper::server::conn::http1::Builder::new()
            .timer(hyper_util::rt::TokioTimer::new())
            .header_read_timeout(timeout)
            .serve_connection(hyper_util::rt::TokioIo::new(stream), service);
        let conn = graceful.watch(conn);
        tokio::spawn(async move {
            if let Err(e) = conn.await {
                tracing::debug!(error = %e, "connection closed");
            }
        });
    }
    graceful.shutdown().await;
}

/// The answer to a request whose body (or our answer) took longer than the read timeout; the
/// connection is closed after it.
fn request_timeout(timeout: Duration) -> axum::response::Response {
    use axum::response::IntoResponse as _;
    let mut resp = calltrack::http::ApiError::new(
        http::StatusCode::REQUEST_TIMEOUT,
        "request_timeout",
        format!(
            "the request was not complete within {} s",
            timeout.as_secs()
        ),
    )
    .into_response();
    resp.headers_mut().insert(
        http::header::CONNECTION,
        http::HeaderValue::from_static("close"),
    );
    resp
}

/// Sends the alerts a crash or an outage left in the outbox, every 30 s (`alerts::drain`), and
/// applies retention every hour (`calls::sweep_retention`).
fn spawn_outbox_drain(ports: Ports) {
    tokio::spawn(async move {
        for tick in 0u64.. {
            tokio::time::sleep(Duration::from_secs(30)).await;
            if let Err(e) = calltrack::alerts::drain(&ports).await {
                warn!(error = %e, "outbox drain failed");
            }
            if tick % 120 == 0 {
                let now = ports.clock.now();
                if let Err(e) = calltrack::calls::sweep_retention(&*ports.store, now).await {
                    warn!(error = %e, "retention sweep failed");
                }
            }
        }
    });
}

/// Downloads queued recordings in the background, [`PARALLEL`] at a time; a job that failed
/// retryably is tried again after 2, 4, 8, 16 s, and after [`TRIES`] tries stays pending on
/// its call (logged).
fn spawn_recording_worker(ports: Ports, queue: Arc<LocalQueue>) {
    let slots = Arc::new(tokio::sync::Semaphore::new(PARALLEL));
    tokio::spawn(async move {
        loop {
            let Some(job) = queue.pop() else {
                tokio::time::sleep(Duration::from_millis(100)).await;
                continue;
            };
            let Ok(slot) = slots.clone().acquire_owned().await else {
                return;
            };
            let ports = ports.clone();
            tokio::spawn(async move {
                let _slot = slot;
                for attempt in 1..=TRIES {
                    match recordings::fetch(&ports, &job).await {
                        Ok(_) => return,
                        Err(e) if attempt < TRIES => {
                            warn!(tenant = %job.tenant, call_id = %job.call, attempt, error = %e, "recording download to be retried");
                            tokio::time::sleep(Duration::from_secs(1 << attempt)).await;
                        }
                        Err(e) => {
                            error!(tenant = %job.tenant, call_id = %job.call, error = %e, "recording download given up; the call stays pending");
                        }
                    }
                }
            });
        }
    });
}
