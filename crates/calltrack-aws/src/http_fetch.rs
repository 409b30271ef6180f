//! Outbound HTTPS for Lambda: copying provider recordings at once, posting signed alerts.
//!
//! Every hop (the URL and each redirect) is https only, and the host's addresses are resolved
//! here and filtered to public ones ([`calltrack::egress::is_public`]) before connecting, so no
//! URL, redirect or DNS answer can steer a request to loopback, the VPC, or the metadata service.

use std::future::Future;
use std::net::{IpAddr, SocketAddr};
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;

use async_trait::async_trait;
use calltrack::ports::{ByteSource, Download, FetchError, FetchRequest, Fetcher};
use http_body_util::{BodyExt, Full};
use hyper::body::Bytes;
use hyper_util::client::legacy::connect::dns::Name;
use hyper_util::client::legacy::{connect::HttpConnector, Client};
use hyper_util::rt::TokioExecutor;

/// Until the status and headers are in.
const TIMEOUT: Duration = Duration::from_secs(60);
/// The whole body (a 500 MB recording at 4 MB/s); a stalled one fails sooner, per chunk.
const BODY_TIMEOUT: Duration = Duration::from_secs(240);
const IDLE_TIMEOUT: Duration = Duration::from_secs(30);
const MAX_REDIRECTS: usize = 5;

type Https = hyper_rustls::HttpsConnector<HttpConnector<PublicOnly>>;

/// A DNS resolver that keeps only public addresses: a host that resolves to nothing else is
/// refused before any connection is made.
#[derive(Clone, Copy, Debug, Default)]
pub struct PublicOnly;

impl tower_service::Service<Name> for PublicOnly {
    type Response = std::vec::IntoIter<SocketAddr>;
    type Error = std::io::Error;
    type Future = Pin<Box<dyn Future<Output = Result<Self::Response, Self::Error>> + Send>>;

    fn poll_ready(&mut self, _: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, name: Name) -> Self::Future {
        Box::pin(async move {
            let public: Vec<SocketAddr> = tokio::net::lookup_host((name.as_str(), 0))
                .await?
                .filter(|a| calltrack::egress::is_public(a.ip()))
                .collect();
            if public.is_empty() {
                return Err(std::io::Error::new(
                    std::io::ErrorKind::PermissionDenied,
                    "the host resolves to no public address",
                ));
            }
            Ok(public.into_iter())
        })
    }
}

/// An error and its causes, `outer: inner: ...` (hyper's own message names only the stage).
fn with_causes(e: &dyn std::error::Error) -> String {
    let mut out = e.to_string();
    let mut cause = e.source();
    while let Some(c) = cause {
        out.push_str(": ");
        out.push_str(&c.to_string());
        cause = c.source();
    }
    out
}

/// Refuses a hop that is not https, or names a non-public IP address directly (IP literals
/// bypass the resolver).
fn check_hop(url: &str) -> Result<(), String> {
    let uri: http::Uri = url.parse().map_err(|_| "not a URL".to_string())?;
    if uri.scheme_str() != Some("https") {
        return Err("only https is fetched".into());
    }
    let host = uri.host().ok_or("no host")?;
    let literal = host.trim_start_matches('[').trim_end_matches(']');
    if let Ok(ip) = literal.parse::<IpAddr>() {
        if !calltrack::egress::is_public(ip) {
            return Err("not a public address".into());
        }
    }
    Ok(())
}

/// A small HTTPS client (hyper with rustls and the system roots) with timeouts and redirect
/// following (Twilio's recording URLs redirect to storage); bodies are read as they arrive.
pub struct HttpFetcher {
    client: Option<Client<Https, Full<Bytes>>>,
}

impl Default for HttpFetcher {
    fn default() -> Self {
        Self::new()
    }
}

impl HttpFetcher {
    pub fn new() -> Self {
        let client = hyper_rustls::HttpsConnectorBuilder::new()
            .with_native_roots()
            .map(|b| {
                let mut http = HttpConnector::new_with_resolver(PublicOnly);
                http.enforce_http(false);
                b.https_only().enable_http1().wrap_connector(http)
            })
            .ok()
            .map(|https| Client::builder(TokioExecutor::new()).build(https));
        Self { client }
    }

    async fn request(
        &self,
        req: http::Request<Full<Bytes>>,
    ) -> Result<http::Response<hyper::body::Incoming>, String> {
        let client = self
            .client
            .as_ref()
            .ok_or("no TLS roots available on this machine")?;
        match tokio::time::timeout(TIMEOUT, client.request(req)).await {
            Ok(Ok(r)) => Ok(r),
            Ok(Err(e)) => Err(with_causes(&e)),
            Err(_) => Err(format!("no answer within {}s", TIMEOUT.as_secs())),
        }
    }
}

#[async_trait]
impl Fetcher for HttpFetcher {
    /// Follows up to [`MAX_REDIRECTS`] redirects, each hop checked; a 301/302/303 after a POST
    /// continues as a GET (Mango's recording API answers its file that way).
    async fn open(&self, req: &FetchRequest) -> Result<Download, FetchError> {
        let fail = |reason: String| FetchError::new(&req.url, reason);
        let mut current = req.url.clone();
        let mut method = req.method.clone();
        let mut body = req.body.clone();
        let mut headers = req.headers.clone();
        for _ in 0..=MAX_REDIRECTS {
            check_hop(&current).map_err(fail)?;
            let mut b = http::Request::builder()
                .method(method.clone())
                .uri(&current);
            for (k, v) in &headers {
                b = b.header(k, v);
            }
            let http_req = b
                .body(Full::new(Bytes::from(body.clone())))
                .map_err(|e| fail(e.to_string()))?;
            let resp = self.request(http_req).await.map_err(fail)?;
            let status = resp.status();
            if status.is_redirection() {
                let next = resp
                    .headers()
                    .get(http::header::LOCATION)
                    .and_then(|v| v.to_str().ok())
                    .ok_or_else(|| fail("redirect without a Location".into()))?;
                let base: http::Uri = current.parse().map_err(|_| fail("not a URL".into()))?;
                current = absolute(&base, next);
                if status != http::StatusCode::TEMPORARY_REDIRECT
                    && status != http::StatusCode::PERMANENT_REDIRECT
                {
                    method = http::Method::GET;
                    body.clear();
                }
                // Credentials are for the host they were given to, not wherever it points.
                headers.retain(|(k, _)| !k.eq_ignore_ascii_case("authorization"));
                continue;
            }
            if !status.is_success() {
                let mut e = fail(format!("answered {status}"));
                e.status = Some(status.as_u16());
                return Err(e);
            }
            let content_type = resp
                .headers()
                .get(http::header::CONTENT_TYPE)
                .and_then(|v| v.to_str().ok())
                .unwrap_or("application/octet-stream")
                .to_string();
            return Ok(Download {
                content_type,
                body: Box::new(Chunks {
                    body: resp.into_body(),
                    url: req.url.clone(),
                    deadline: tokio::time::Instant::now() + BODY_TIMEOUT,
                }),
            });
        }
        Err(fail(format!("more than {MAX_REDIRECTS} redirects")))
    }

    async fn post_json(
        &self,
        url: &str,
        body: &[u8],
        headers: &[(String, String)],
    ) -> Result<(), FetchError> {
        let fail = |reason: String| FetchError::new(url, reason);
        check_hop(url).map_err(fail)?;
        let mut b = http::Request::post(url);
        for (k, v) in headers {
            b = b.header(k, v);
        }
        let req = b
            .body(Full::new(Bytes::copy_from_slice(body)))
            .map_err(|e| fail(e.to_string()))?;
        let resp = self.request(req).await.map_err(fail)?;
        if resp.status().is_success() {
            Ok(())
        } else {
            Err(fail(format!("answered {}", resp.status())))
        }
    }
}

/// A `Location` made absolute against the URL that answered it.
fn absolute(base: &http::Uri, location: &str) -> String {
    if location.contains("://") {
        return location.to_string();
    }
    let scheme = base.scheme_str().unwrap_or("https");
    let authority = base.authority().map(|a| a.as_str()).unwrap_or("");
    if location.starts_with('/') {
        format!("{scheme}://{authority}{location}")
    } else {
        let dir = base.path().rsplit_once('/').map_or("", |(d, _)| d);
        format!("{scheme}://{authority}{dir}/{location}")
    }
}

/// A response body read frame by frame, within the body deadline and an idle timeout.
struct Chunks {
    body: hyper::body::Incoming,
    url: String,
    deadline: tokio::time::Instant,
}

#[async_trait]
impl ByteSource for Chunks {
    async fn next_chunk(&mut self) -> Result<Option<Vec<u8>>, FetchError> {
        loop {
            let wait = IDLE_TIMEOUT.min(
                self.deadline
                    .saturating_duration_since(tokio::time::Instant::now()),
            );
            let frame = match tokio::time::timeout(wait, self.body.frame()).await {
                Err(_) => {
                    return Err(FetchError::new(
                        &self.url,
                        "the body stalled or took too long",
                    ))
                }
                Ok(None) => return Ok(None),
                Ok(Some(Err(e))) => return Err(FetchError::new(&self.url, with_causes(&e))),
                Ok(Some(Ok(f))) => f,
            };
            if let Ok(data) = frame.into_data() {
                if !data.is_empty() {
                    return Ok(Some(data.to_vec()));
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn relative_redirects_resolve_against_the_url_that_answered() {
        let base: http::Uri = "https://api.twilio.com/2010-04-01/Accounts/AC1/Recordings/RE1.wav"
            .parse()
            .unwrap();
        assert_eq!(
            absolute(&base, "https://media.twiliocdn.com/x"),
            "https://media.twiliocdn.com/x"
        );
        assert_eq!(absolute(&base, "/y.wav"), "https://api.twilio.com/y.wav");
        assert_eq!(
            absolute(&base, "RE2.wav"),
            "https://api.twilio.com/2010-04-01/Accounts/AC1/Recordings/RE2.wav"
        );
    }

    #[test]
    fn hops_must_be_https_and_not_name_a_private_address() {
        assert!(check_hop("https://api.twilio.com/r.wav").is_ok());
        for bad in [
            "http://api.twilio.com/r.wav",
            "https://127.0.0.1/r.wav",
            "https://169.254.169.254/latest/meta-data/",
            "https://[::1]:8443/r.wav",
            "https://10.0.0.8/r.wav",
            "ftp://api.twilio.com/r.wav",
        ] {
            assert!(check_hop(bad).is_err(), "{bad}");
        }
    }

    #[tokio::test]
    async fn a_name_resolving_only_to_loopback_is_refused_before_connecting() {
        let got = HttpFetcher::new()
            .open(&FetchRequest::get("https://localhost/rec.wav"))
            .await;
        let Err(e) = got else {
            panic!("localhost is not fetched")
        };
        assert!(e.reason.contains("public"), "{}", e.reason);
    }
}
