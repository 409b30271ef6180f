//! API Gateway HTTP API -> the calltrack router: the site snippet's lease, renew and intent
//! routes. Adapters are built once at cold start; the routes themselves live in
//! `calltrack::http::leases`, so `calltrack serve` answers exactly the same.

use calltrack::http::{App, HttpConfig};
use calltrack_aws::{ports_from_env, var};

#[tokio::main]
async fn main() -> Result<(), lambda_http::Error> {
    lambda_http::tracing::init_default_subscriber();
    let config = HttpConfig {
        public_base_url: var("PUBLIC_BASE_URL")?,
    };
    let router = calltrack::http::router(App::new(ports_from_env().await?, config));
    lambda_http::run(calltrack_aws::edge::lambda_router(router)).await
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use super::*;
    use calltrack::model::*;
    use calltrack::ports::*;
    use calltrack_embedded::{with_store, SqliteStore};
    use http_body_util::BodyExt;
    use lambda_http::request::LambdaRequest;
    use tower::ServiceExt;

    /// The API Gateway v2 sample event (a `text/plain` beacon from the tenant's site), decoded by
    /// lambda_http exactly as in Lambda, leases a pool number with CORS for the tenant's origin.
    #[tokio::test]
    async fn api_gateway_lease_request_leases_a_number() {
        let dir = std::env::temp_dir().join(format!("ct-nl-{}", std::process::id()));
        let at = chrono::DateTime::parse_from_rfc3339("2026-03-12T19:08:18Z")
            .unwrap()
            .to_utc();
        let ports = with_store(
            Arc::new(SqliteStore::in_memory().unwrap()),
            &dir,
            Arc::new(ManualClock::new(at)),
        );
        let store = ports.store.clone();
        let mut t = Tenant::new(TenantId::parse("acme").unwrap(), "Acme");
        t.site_key = Some("site-acme".into());
        t.allowed_origins = vec!["https://www.acme-plumbing.example".into()];
        store.put_tenant(&t).await.unwrap();
        let pool = PoolSettings::new(t.id.clone(), PoolId::parse("web").unwrap());
        store.put_pool(&pool).await.unwrap();
        let number = PhoneNumber::parse("+14158675300", None).unwrap();
        let n = TrackingNumber {
            number: number.clone(),
            tenant: t.id.clone(),
            kind: NumberKind::Pool {
                pool: pool.id.clone(),
            },
            forward_to: None,
        };
        store.put_number(&n).await.unwrap();
        let app = App::new(
            ports,
            HttpConfig {
                public_base_url: "https://a1b2c3d4e5.execute-api.us-east-1.amazonaws.com".into(),
            },
        );
        let event: LambdaRequest =
            serde_json::from_str(include_str!("../../../events/apigw-v2-number-lease.json"))
                .unwrap();
        let req: lambda_http::Request = event.into();
        let resp = calltrack::http::router(app).oneshot(req).await.unwrap();
        assert_eq!(resp.status(), 200);
        assert_eq!(
            resp.headers()["access-control-allow-origin"],
            "https://www.acme-plumbing.example"
        );
        let body: serde_json::Value =
            serde_json::from_slice(&resp.into_body().collect().await.unwrap().to_bytes()).unwrap();
        assert_eq!(body["number"], "+14158675300");
        assert_eq!(body["display_number"], "(415) 867-5300");
        let id = LeaseId::parse(body["lease_id"].as_str().unwrap()).unwrap();
        let lease = store.get_lease(&id).await.unwrap().unwrap();
        assert_eq!(lease.visit.channel(), "google/cpc");
        assert_eq!(lease.visit.utm_campaign.as_deref(), Some("burst-pipes"));
    }
}
