//! Routes for the site snippet: lease a number, renew it, report a call intent.

use axum::Router;

use super::AppState;

pub fn routes() -> Router<AppState> {
    Router::new()
}
