//! The Bedrock adapter against a local stub of the Converse API (moto has no Bedrock): the
//! request it signs and sends, the answer it reads, and what the transcript use case stores on a
//! call when the model answers well, badly, refuses, fails or is asked twice.

use std::sync::Arc;

use aws_config::{BehaviorVersion, Region};
use aws_sdk_dynamodb::config::Credentials;
use calltrack::model::*;
use calltrack::ports::*;
use calltrack::speech::ai::{CallLabel, YesNo, TOOL};
use calltrack::speech::{self, Analysis};
use calltrack::transcription::{on_transcript, Handled};
use calltrack_aws::BedrockAnalyser;
use calltrack_embedded::SqliteStore;
use calltrack_integration::converse_stub::{tool_use, ConverseStub};
use serde_json::{json, Value};

const MODEL: &str = "eu.anthropic.claude-3-5-haiku-20241022-v1:0";

const CALL: &str = "\
== ru-ai | ru-RU |
A: Добрый день, компания Уютный дом, меня зовут Анна, чем могу помочь?
C: Здравствуйте, хочу узнать, сколько стоит дом из бруса сто двадцать метров.
A: Такой дом стоит от шести миллионов, можно в рассрочку. Приглашаю вас на объект в субботу, посмотрите вживую.
C: Да, давайте в субботу, спасибо.
A: Записала вас на субботу, до свидания.
";

async fn analyser(stub: &ConverseStub) -> BedrockAnalyser {
    let config = aws_config::defaults(BehaviorVersion::latest())
        .endpoint_url(&stub.url)
        .region(Region::new("eu-central-1"))
        .credentials_provider(Credentials::new("test", "test", None, None, "stub"))
        .load()
        .await;
    BedrockAnalyser::from_env(&config, MODEL.to_string(), None)
}

struct World {
    ports: Ports,
    tenant: Tenant,
    call: Call,
    key: String,
}

/// A Russian tenant with two questions of its own, one answered call, and its transcript in
/// the blob store.
async fn world(name: &str) -> World {
    let store = Arc::new(SqliteStore::in_memory().unwrap());
    let dir = std::env::temp_dir().join(format!("ct-bedrock-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let ports = calltrack_embedded::with_store(store, &dir, Arc::new(SystemClock));
    let mut tenant = Tenant::new(TenantId::parse("acme").unwrap(), "Acme");
    tenant.language = "ru-RU".into();
    ports.store.put_tenant(&tenant).await.unwrap();
    let at = chrono::DateTime::parse_from_rfc3339("2026-11-12T09:00:00Z")
        .unwrap()
        .to_utc();
    let call = Call {
        id: CallId::parse("c_0123456789abcdef0123").unwrap(),
        talk_seconds: Some(40),
        outcome: Outcome::Answered,
        transcription: Transcription::Pending,
        ..Call::new(&tenant.id, Provider::Twilio, "CA1", Direction::Inbound, at)
    };
    ports
        .store
        .commit(&Commit {
            calls: vec![CallWrite::new(call.clone(), None)],
            ..Default::default()
        })
        .await
        .unwrap();
    ports
        .blobs
        .put(
            &calltrack::blobs::speech_config_key(&tenant.id),
            "[ai]\nquestions = [\"Пригласил ли менеджер на объект?\", \"Назвал ли менеджер цену?\"]\n"
                .as_bytes()
                .to_vec(),
            "text/plain",
        )
        .await
        .unwrap();
    let d = speech::parse_script(CALL).unwrap();
    let json = speech::transcribe_json(&d[0].lines, "ru-RU").to_string();
    let key = calltrack::blobs::transcript_key(&tenant.id, &call.id);
    ports
        .blobs
        .put(&key, json.into_bytes(), "application/json")
        .await
        .unwrap();
    World {
        ports,
        tenant,
        call,
        key,
    }
}

async fn analysis(w: &World) -> Analysis {
    let c = w
        .ports
        .store
        .get_call(&w.tenant.id, &w.call.id)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(c.transcription, Transcription::Done, "the call is analysed");
    serde_json::from_value(c.analysis.expect("an analysis")).unwrap()
}

fn good_answer() -> Value {
    tool_use(
        TOOL,
        json!({
            "summary": "Клиент спросил цену дома из бруса; менеджер назвал цену и записал на просмотр в субботу.",
            "label": "lead",
            "sentiment": "positive",
            "answers": [
                {"question": 2, "answer": "yes", "evidence": "стоит от шести миллионов"},
                {"question": 1, "answer": "yes", "evidence": "Приглашаю вас на объект"}
            ]
        }),
        1234,
        97,
    )
}

#[tokio::test]
async fn the_model_is_asked_once_with_a_signed_request_and_its_answer_is_stored() {
    let stub = ConverseStub::start();
    let ai = analyser(&stub).await;
    let w = world("good").await;
    stub.answer(200, None, good_answer());
    let handled = on_transcript(&*w.ports.store, &*w.ports.blobs, &ai, &w.key)
        .await
        .unwrap();
    assert!(matches!(handled, Handled::Analysed { .. }), "{handled:?}");

    let sent = stub.received();
    assert_eq!(sent.len(), 1);
    let req = &sent[0];
    assert_eq!(req.model, MODEL, "the model id travels in the path");
    assert!(req.signed, "SigV4-signed");
    let body = &req.body;
    assert!(body["system"][0]["text"]
        .as_str()
        .unwrap()
        .contains("in Russian"));
    let user = body["messages"][0]["content"][0]["text"].as_str().unwrap();
    assert!(
        user.contains("1. Пригласил ли менеджер на объект?"),
        "{user}"
    );
    assert!(user.contains("Caller: Здравствуйте, хочу узнать"), "{user}");
    assert_eq!(body["toolConfig"]["toolChoice"]["tool"]["name"], TOOL);
    let schema = &body["toolConfig"]["tools"][0]["toolSpec"]["inputSchema"]["json"];
    assert_eq!(schema["properties"]["answers"]["minItems"], 2);
    assert_eq!(schema["additionalProperties"], false);
    assert_eq!(body["inferenceConfig"]["temperature"], 0.0);

    let a = analysis(&w).await;
    let got = a.ai.as_ref().expect("the model's part");
    assert_eq!(got.model, MODEL);
    assert_eq!(got.label, Some(CallLabel::Lead));
    assert!(got.summary.as_deref().unwrap().contains("в субботу"));
    assert_eq!(
        got.answers
            .iter()
            .map(|x| (x.question.as_str(), x.answer))
            .collect::<Vec<_>>(),
        vec![
            ("Пригласил ли менеджер на объект?", YesNo::Yes),
            ("Назвал ли менеджер цену?", YesNo::Yes)
        ],
        "answers in the tenant's order, whatever order the model used"
    );
    assert_eq!((got.input_tokens, got.output_tokens), (1234, 97));
    assert!(!a.partial, "{:?}", a.warnings);

    // The rule-based figures are the same with or without the model.
    let rules = calltrack::transcription::config_for(&*w.ports.blobs, &w.tenant)
        .await
        .unwrap();
    let bytes = w.ports.blobs.get(&w.key).await.unwrap();
    let alone = speech::analyse_json(&bytes, &rules).unwrap();
    assert_eq!(
        (a.score, &a.script, &a.reasons),
        (alone.score, &alone.script, &alone.reasons)
    );

    // A second delivery of the same S3 event does not pay for a second answer.
    on_transcript(&*w.ports.store, &*w.ports.blobs, &ai, &w.key)
        .await
        .unwrap();
    assert_eq!(stub.received().len(), 1, "asked once");
    assert_eq!(analysis(&w).await.ai, a.ai);
}

#[tokio::test]
async fn a_malformed_or_refused_answer_marks_the_analysis_partial_and_keeps_the_tokens() {
    let cases = [
        (
            tool_use(
                TOOL,
                json!({"summary": "Клиент звонил", "label": "hot"}),
                1000,
                20,
            ),
            "does not fit the schema",
            1000,
        ),
        (
            json!({
                "output": {"message": {"role": "assistant", "content": [{"text": "Sorry, I can't."}]}},
                "stopReason": "content_filtered",
                "usage": {"inputTokens": 950, "outputTokens": 5, "totalTokens": 955},
                "metrics": {"latencyMs": 100}
            }),
            "declined",
            950,
        ),
    ];
    for (i, (reply, why, tokens)) in cases.into_iter().enumerate() {
        let stub = ConverseStub::start();
        let ai = analyser(&stub).await;
        let w = world(&format!("bad{i}")).await;
        stub.answer(200, None, reply);
        on_transcript(&*w.ports.store, &*w.ports.blobs, &ai, &w.key)
            .await
            .unwrap();
        let a = analysis(&w).await;
        assert!(a.partial);
        assert!(
            a.warnings
                .iter()
                .any(|x| x.starts_with("AI analysis not used") && x.contains(why)),
            "{:?}",
            a.warnings
        );
        let got = a.ai.unwrap();
        assert!(got.summary.is_none() && got.label.is_none());
        assert_eq!(got.input_tokens, tokens, "paid for, so recorded");
        assert!(a.score > 0, "the rules still scored the call");
    }
}

#[tokio::test]
async fn a_rejected_or_throttled_request_never_fails_the_call() {
    // Rejected: no access to the model in this account (not retried).
    let stub = ConverseStub::start();
    let ai = analyser(&stub).await;
    let w = world("denied").await;
    stub.answer(
        403,
        Some("AccessDeniedException"),
        json!({"message": "You don't have access to the model with the specified model ID."}),
    );
    on_transcript(&*w.ports.store, &*w.ports.blobs, &ai, &w.key)
        .await
        .unwrap();
    let a = analysis(&w).await;
    assert!(a.partial);
    let error = a.ai.unwrap().error.unwrap();
    assert!(
        error.contains("refused") && error.contains("AccessDenied"),
        "{error}"
    );
    assert_eq!(stub.received().len(), 1, "a refusal is not retried");

    // Throttled on every attempt: the SDK retries, then the rules stand alone.
    let stub = ConverseStub::start();
    let ai = analyser(&stub).await;
    let w = world("throttled").await;
    for _ in 0..3 {
        stub.answer(
            429,
            Some("ThrottlingException"),
            json!({"message": "Too many requests, please wait before trying again."}),
        );
    }
    on_transcript(&*w.ports.store, &*w.ports.blobs, &ai, &w.key)
        .await
        .unwrap();
    assert_eq!(stub.received().len(), 3, "the SDK retried throttling");
    let a = analysis(&w).await;
    assert!(a.partial);
    assert!(a.ai.unwrap().error.unwrap().contains("unavailable"));
}

#[tokio::test]
async fn a_tenant_that_turned_ai_off_is_not_sent_to_the_model() {
    let stub = ConverseStub::start();
    let ai = analyser(&stub).await;
    let w = world("off").await;
    w.ports
        .blobs
        .put(
            &calltrack::blobs::speech_config_key(&w.tenant.id),
            b"[ai]\nenabled = false\n".to_vec(),
            "text/plain",
        )
        .await
        .unwrap();
    on_transcript(&*w.ports.store, &*w.ports.blobs, &ai, &w.key)
        .await
        .unwrap();
    assert!(stub.received().is_empty());
    let a = analysis(&w).await;
    assert!(a.ai.is_none() && !a.partial, "{:?}", a.warnings);
}
