//! The HTTP edge in Lambda: labels each request with its [`Source`], the client address API
//! Gateway saw (`requestContext.http.sourceIp`), for the lease rate limits. A header cannot
//! forge it: API Gateway fills it from the connection.

use calltrack::http::Source;

/// The router as the Lambda functions run it.
pub fn lambda_router(router: axum::Router) -> axum::Router {
    router.layer(axum::middleware::map_request(
        |mut req: axum::extract::Request| async move {
            let ip = match req
                .extensions()
                .get::<lambda_http::request::RequestContext>()
            {
                Some(lambda_http::request::RequestContext::ApiGatewayV2(ctx)) => {
                    ctx.http.source_ip.as_deref().and_then(|s| s.parse().ok())
                }
                _ => None,
            };
            req.extensions_mut().insert(Source(ip));
            req
        },
    ))
}
