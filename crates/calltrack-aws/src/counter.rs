//! Counts the HTTP requests an SDK client really sends (retries included), for request budgets,
//! and tallies the DynamoDB capacity units they consume by DynamoDB's published rules (for the
//! cost figures in BENCHMARKS.md; moto reports units for single-item writes only).

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use aws_sdk_dynamodb::config::interceptors::BeforeTransmitInterceptorContextRef;
use aws_sdk_dynamodb::config::{ConfigBag, Intercept, RuntimeComponents};
use aws_sdk_dynamodb::error::BoxError;

/// Requests and capacity units of one DynamoDB operation.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct OpUsage {
    pub requests: u64,
    /// Read request units: 4 KB strongly consistent = 1, eventually consistent = 0.5,
    /// transactional = 2.
    pub read_units: f64,
    /// Write request units: 1 KB = 1, transactional = 2, per item.
    pub write_units: f64,
}

/// An interceptor that adds one for every request put on the wire and tallies its units.
#[derive(Debug, Clone, Default)]
pub(crate) struct RequestCounter {
    sent: Arc<AtomicU64>,
    usage: Arc<Mutex<BTreeMap<String, OpUsage>>>,
}

impl RequestCounter {
    pub(crate) fn get(&self) -> u64 {
        self.sent.load(Ordering::Relaxed)
    }

    /// Per operation (`GetItem`, `TransactWriteItems`, ...), since the store was built.
    pub(crate) fn usage(&self) -> BTreeMap<String, OpUsage> {
        self.usage.lock().unwrap_or_else(|p| p.into_inner()).clone()
    }
}

fn kb_units(bytes: usize, unit: usize) -> f64 {
    bytes.div_ceil(unit).max(1) as f64
}

/// The units of one request, from its JSON body and, for reads, the size of the answer.
fn units(op: &str, request: &serde_json::Value, answer_bytes: usize) -> (f64, f64) {
    let consistent = request
        .get("ConsistentRead")
        .and_then(|c| c.as_bool())
        .unwrap_or(false);
    let read = kb_units(answer_bytes, 4096) * if consistent { 1.0 } else { 0.5 };
    match op {
        "GetItem" | "Query" | "Scan" | "BatchGetItem" => (read, 0.0),
        "TransactGetItems" => (2.0 * kb_units(answer_bytes, 4096), 0.0),
        "PutItem" | "UpdateItem" | "DeleteItem" => {
            let item = request.get("Item").unwrap_or(request);
            (0.0, kb_units(item.to_string().len(), 1024))
        }
        "TransactWriteItems" => {
            let items = request
                .get("TransactItems")
                .and_then(|t| t.as_array())
                .map(Vec::as_slice)
                .unwrap_or_default();
            let w = items
                .iter()
                .map(|i| 2.0 * kb_units(i.to_string().len(), 1024))
                .sum();
            (0.0, w)
        }
        "BatchWriteItem" => {
            let n: usize = request
                .get("RequestItems")
                .and_then(|r| r.as_object())
                .map(|m| m.values().filter_map(|v| v.as_array()).map(Vec::len).sum())
                .unwrap_or(0);
            (0.0, n as f64)
        }
        _ => (0.0, 0.0),
    }
}

impl RequestCounter {
    fn add(&self, op: &str, requests: u64, read: f64, write: f64) {
        let mut usage = self.usage.lock().unwrap_or_else(|p| p.into_inner());
        let u = usage.entry(op.to_string()).or_default();
        u.requests += requests;
        u.read_units += read;
        u.write_units += write;
    }
}

/// The operation of an `x-amz-target` header (`DynamoDB_20120810.GetItem` -> `GetItem`).
fn operation(target: Option<&str>) -> String {
    target
        .and_then(|t| t.rsplit('.').next())
        .unwrap_or("unknown")
        .to_string()
}

impl Intercept for RequestCounter {
    fn name(&self) -> &'static str {
        "calltrack::RequestCounter"
    }

    /// Counts the request and its units. Reads count one 4 KB unit each (the answer is not in
    /// hand here): exact for single items, a lower bound for a Query returning more.
    fn read_before_transmit(
        &self,
        context: &BeforeTransmitInterceptorContextRef<'_>,
        _runtime_components: &RuntimeComponents,
        _cfg: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        self.sent.fetch_add(1, Ordering::Relaxed);
        let req = context.request();
        let body: serde_json::Value = req
            .body()
            .bytes()
            .and_then(|b| serde_json::from_slice(b).ok())
            .unwrap_or_default();
        let op = operation(req.headers().get("x-amz-target"));
        let (r, w) = units(&op, &body, 0);
        self.add(&op, 1, r, w);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn units_follow_dynamodbs_rules() {
        let get = serde_json::json!({"Key": {}});
        assert_eq!(units("GetItem", &get, 100), (0.5, 0.0));
        let strong = serde_json::json!({"ConsistentRead": true});
        assert_eq!(units("GetItem", &strong, 5000), (2.0, 0.0));
        let tx = serde_json::json!({"TransactItems": [{"Put": {"Item": {"a": {"S": "x"}}}}, {"ConditionCheck": {}}]});
        assert_eq!(units("TransactWriteItems", &tx, 0), (0.0, 4.0));
        let put = serde_json::json!({"Item": {"a": {"S": "x".repeat(1500)}}});
        assert_eq!(units("PutItem", &put, 0), (0.0, 2.0));
    }
}
