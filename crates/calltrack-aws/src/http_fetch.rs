//! Outbound HTTPS for Lambda: copying provider recordings at once, posting signed alerts.

use std::time::Duration;

use async_trait::async_trait;
use calltrack::ports::{FetchError, Fetcher};
use http_body_util::{BodyExt, Full, Limited};
use hyper::body::Bytes;
use hyper_util::client::legacy::{connect::HttpConnector, Client};
use hyper_util::rt::TokioExecutor;

/// Recordings larger than this are refused rather than held in a Lambda's memory.
const MAX_DOWNLOAD: usize = 200 * 1024 * 1024;
const TIMEOUT: Duration = Duration::from_secs(60);
const MAX_REDIRECTS: usize = 5;

type Https = hyper_rustls::HttpsConnector<HttpConnector>;

/// A small HTTPS client (hyper with rustls and the system roots) with a timeout, a size limit
/// and redirect following (Twilio's recording URLs redirect to storage).
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
            .map(|b| b.https_or_http().enable_http1().build())
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
            Ok(Err(e)) => Err(e.to_string()),
            Err(_) => Err(format!("no answer within {}s", TIMEOUT.as_secs())),
        }
    }
}

#[async_trait]
impl Fetcher for HttpFetcher {
    async fn get(&self, url: &str) -> Result<(Vec<u8>, String), FetchError> {
        let fail = |reason: String| FetchError {
            url: url.to_string(),
            reason,
        };
        let mut current = url.to_string();
        for _ in 0..=MAX_REDIRECTS {
            let req = http::Request::get(&current)
                .body(Full::new(Bytes::new()))
                .map_err(|e| fail(e.to_string()))?;
            let resp = self.request(req).await.map_err(fail)?;
            if resp.status().is_redirection() {
                let next = resp
                    .headers()
                    .get(http::header::LOCATION)
                    .and_then(|v| v.to_str().ok());
                current = next
                    .ok_or_else(|| fail("redirect without a Location".into()))?
                    .to_string();
                continue;
            }
            if !resp.status().is_success() {
                return Err(fail(format!("answered {}", resp.status())));
            }
            let ct = resp
                .headers()
                .get(http::header::CONTENT_TYPE)
                .and_then(|v| v.to_str().ok())
                .unwrap_or("application/octet-stream")
                .to_string();
            let body = Limited::new(resp.into_body(), MAX_DOWNLOAD)
                .collect()
                .await
                .map_err(|e| fail(e.to_string()))?;
            return Ok((body.to_bytes().to_vec(), ct));
        }
        Err(fail(format!("more than {MAX_REDIRECTS} redirects")))
    }

    async fn post_json(
        &self,
        url: &str,
        body: &[u8],
        headers: &[(String, String)],
    ) -> Result<(), FetchError> {
        let fail = |reason: String| FetchError {
            url: url.to_string(),
            reason,
        };
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
