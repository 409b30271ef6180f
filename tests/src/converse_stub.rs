//! A local stand-in for Amazon Bedrock's Converse API (moto has no Bedrock): `POST
//! /model/{modelId}/converse` on a loopback port, answering from a queue of replies (or, when the
//! queue is empty, a valid analysis that answers every question the request's schema asks), and
//! keeping every request it was sent. It runs on its own thread and runtime, so a test may block
//! on a Lambda binary while the stub answers it.

use std::collections::VecDeque;
use std::sync::{Arc, Mutex};

use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use axum::Router;
use serde_json::{json, Value};

/// One request the stub received.
#[derive(Debug, Clone)]
pub struct Received {
    /// The model id from the path, decoded.
    pub model: String,
    pub body: Value,
    /// Whether the request carried a SigV4 `Authorization` header.
    pub signed: bool,
}

#[derive(Default)]
struct Shared {
    replies: VecDeque<(u16, Option<String>, Value)>,
    received: Vec<Received>,
}

/// The running stub; it stops when the process ends.
#[derive(Clone)]
pub struct ConverseStub {
    pub url: String,
    shared: Arc<Mutex<Shared>>,
}

impl ConverseStub {
    pub fn start() -> Self {
        let shared = Arc::new(Mutex::new(Shared::default()));
        let state = shared.clone();
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            let rt = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .expect("a runtime for the Converse stub");
            rt.block_on(async move {
                let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
                    .await
                    .expect("a loopback port");
                tx.send(listener.local_addr().expect("its address"))
                    .expect("the test waits for the address");
                let app = Router::new()
                    .route("/model/{model}/converse", post(converse))
                    .with_state(state);
                axum::serve(listener, app).await.expect("the stub serves");
            });
        });
        let addr = rx.recv().expect("the stub started");
        Self {
            url: format!("http://{addr}"),
            shared,
        }
    }

    /// The next answer: `status` with `body`; an error answer names its type as Bedrock does
    /// (`x-amzn-ErrorType: ThrottlingException`).
    pub fn answer(&self, status: u16, error_type: Option<&str>, body: Value) {
        self.shared.lock().unwrap().replies.push_back((
            status,
            error_type.map(str::to_string),
            body,
        ));
    }

    /// Every request so far, oldest first.
    pub fn received(&self) -> Vec<Received> {
        self.shared.lock().unwrap().received.clone()
    }
}

/// A Converse response in which the model called `tool` with `input`.
pub fn tool_use(tool: &str, input: Value, input_tokens: u64, output_tokens: u64) -> Value {
    json!({
        "output": {"message": {"role": "assistant", "content": [
            {"toolUse": {"toolUseId": "tooluse_stub1", "name": tool, "input": input}}
        ]}},
        "stopReason": "tool_use",
        "usage": {"inputTokens": input_tokens, "outputTokens": output_tokens,
                  "totalTokens": input_tokens + output_tokens},
        "metrics": {"latencyMs": 420}
    })
}

/// A valid answer to a request: every numbered question the schema asks answered "yes".
fn default_answer(body: &Value) -> Value {
    let tool = body
        .pointer("/toolConfig/tools/0/toolSpec/name")
        .and_then(Value::as_str)
        .unwrap_or("record_call_analysis");
    let n = body
        .pointer("/toolConfig/tools/0/toolSpec/inputSchema/json/properties/answers/minItems")
        .and_then(Value::as_u64)
        .unwrap_or(0);
    let answers: Vec<Value> = (1..=n)
        .map(|i| json!({"question": i, "answer": "yes", "evidence": "as the agent said"}))
        .collect();
    let input = json!({
        "summary": "The caller asked about the service and the agent answered.",
        "label": "lead",
        "sentiment": "neutral",
        "answers": answers
    });
    tool_use(tool, input, 900, 80)
}

async fn converse(
    State(shared): State<Arc<Mutex<Shared>>>,
    Path(model): Path<String>,
    headers: HeaderMap,
    body: axum::body::Bytes,
) -> Response {
    let body: Value = serde_json::from_slice(&body).unwrap_or(Value::Null);
    let mut s = shared.lock().unwrap();
    s.received.push(Received {
        model,
        body: body.clone(),
        signed: headers
            .get("authorization")
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.starts_with("AWS4-HMAC-SHA256")),
    });
    let (status, error_type, reply) = s
        .replies
        .pop_front()
        .unwrap_or_else(|| (200, None, default_answer(&body)));
    let mut res = (
        StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR),
        [("content-type", "application/json")],
        reply.to_string(),
    )
        .into_response();
    if let Some(t) = error_type {
        res.headers_mut()
            .insert("x-amzn-errortype", t.parse().expect("a header value"));
    }
    res
}
