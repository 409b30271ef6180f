//! The store conformance suite against the DynamoDB adapter on moto server (a fresh table per
//! case, so cases run in parallel on one emulator).

use std::sync::Arc;

use calltrack::ports::Store;

async fn dynamodb() -> Arc<dyn Store> {
    Arc::new(calltrack_integration::moto::dynamo_store().await)
}

calltrack_integration::conformance_tests!(dynamodb);
