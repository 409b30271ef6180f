//! API Gateway HTTP API -> the calltrack router: telephony and CRM webhooks, the incoming-call
//! answer, costs, the call log and reports. Adapters are built once at cold start.

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
    use lambda_http::request::LambdaRequest;
    use tower::ServiceExt;

    /// The API Gateway v2 sample event, decoded by lambda_http exactly as in Lambda, reaches the
    /// router, passes Twilio's signature check against PUBLIC_BASE_URL and stores the call.
    #[tokio::test]
    async fn api_gateway_twilio_event_is_verified_and_stored() {
        let dir = std::env::temp_dir().join(format!("ct-wh-{}", std::process::id()));
        let at = chrono::DateTime::parse_from_rfc3339("2026-03-12T19:04:00Z")
            .unwrap()
            .to_utc();
        let ports = with_store(
            Arc::new(SqliteStore::in_memory().unwrap()),
            &dir,
            Arc::new(ManualClock::new(at)),
        );
        let store = ports.store.clone();
        let mut t = Tenant::new(TenantId::parse("acme").unwrap(), "Acme");
        t.provider_secrets
            .insert("twilio".into(), "acme-twilio-auth-token".into());
        store.put_tenant(&t).await.unwrap();
        let app = App::new(
            ports,
            HttpConfig {
                public_base_url: "https://a1b2c3d4e5.execute-api.us-east-1.amazonaws.com".into(),
            },
        );
        let event: LambdaRequest = serde_json::from_str(include_str!(
            "../../../events/apigw-v2-webhook-ingest-twilio.json"
        ))
        .unwrap();
        let req: lambda_http::Request = event.into();
        let resp = calltrack::http::router(app).oneshot(req).await.unwrap();
        assert_eq!(resp.status(), 200);
        let calls = store
            .calls_between(
                &t.id,
                at - chrono::Duration::hours(1),
                at + chrono::Duration::hours(1),
            )
            .await
            .unwrap();
        assert_eq!(calls.len(), 1);
        assert_eq!(
            calls[0].caller.as_ref().map(|c| c.as_str()),
            Some("+14155550123")
        );
    }
}
