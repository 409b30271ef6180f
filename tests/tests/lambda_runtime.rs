//! The Lambda binaries themselves (not only their handlers), each under the Runtime API emulator
//! with the environment the SAM template gives it, against DynamoDB, S3, Transcribe and SES on
//! moto server. The chain a real call follows:
//!
//! webhook-ingest (API Gateway v2: Twilio status callback, then its recording callback) ->
//! recording object in S3 -> transcribe-recording on the recording's S3 event starts a
//! Transcribe job -> (moto writes no transcript, so the test puts a Transcribe fixture under
//! `transcripts/`) -> transcribe-recording on that S3 event stores the analysis; a FAILED job
//! event marks a second call (transcribe-recording asks a stub of Bedrock's Converse API for
//! the AI summary, as a stack deployed with `BedrockModelId` does) -> roi-aggregate on its schedule event stores the report in S3 and
//! sends one SES message; lease-expiry and number-lease on their own events.
//!
//! The Twilio recording callbacks here point at a media server on 127.0.0.1, which the egress
//! policy refuses (only Twilio's hosts, over https, resolving to public addresses): the calls are
//! stored without the audio, nothing is queued and the server is never asked. A generic PBX's
//! recording on a host the tenant allows is queued on SQS by webhook-ingest (which answers
//! without downloading); recording-fetch takes that message and, with no network to reach the
//! host (`.invalid` never resolves), hands it back to SQS for a retry. The test then puts the
//! Twilio recordings where the download would have (`recordings/{tenant}/{call}.wav`).
//!
//! Each function's init time (process start to its first `/next`) and peak RSS are printed:
//! `cargo test -p calltrack-integration --test lambda_runtime -- --nocapture`.

use base64::Engine as _;
use calltrack::model::*;
use calltrack::ports::*;
use calltrack::telephony::twilio;
use calltrack_aws::DynamoStore;
use calltrack_integration::converse_stub::ConverseStub;
use calltrack_integration::moto;
use calltrack_integration::runtime::Function;
use serde_json::{json, Value};

const BASE: &str = "https://a1b2c3d4e5.execute-api.us-east-1.amazonaws.com";
const TOKEN: &str = "acme-twilio-auth-token";

struct Cloud {
    store: DynamoStore,
    s3: aws_sdk_s3::Client,
    bucket: String,
    sender: String,
    sqs: aws_sdk_sqs::Client,
    queue: String,
    bedrock: ConverseStub,
    env: Vec<(&'static str, String)>,
}

async fn cloud() -> Cloud {
    let config = moto::sdk_config().await;
    let store =
        DynamoStore::from_env(&config, moto::unique("calltrack")).with_sealer(std::sync::Arc::new(
            calltrack_aws::KmsSealer::from_env(&config, moto::secrets_key().await),
        ));
    store.create_table().await.expect("table");
    let bucket = moto::unique("recordings");
    let s3 = aws_sdk_s3::Client::new(&config);
    s3.create_bucket()
        .bucket(&bucket)
        .send()
        .await
        .expect("bucket");
    let sender = format!("{}@reports.example.com", moto::unique("ct"));
    aws_sdk_sesv2::Client::new(&config)
        .create_email_identity()
        .email_identity(&sender)
        .send()
        .await
        .expect("verify the sender");
    let sqs = aws_sdk_sqs::Client::new(&config);
    let queue = sqs
        .create_queue()
        .queue_name(moto::unique("recordings"))
        .send()
        .await
        .expect("queue")
        .queue_url()
        .expect("queue url")
        .to_string();
    let bedrock = ConverseStub::start();
    let env = vec![
        ("RECORDING_QUEUE_URL", queue.clone()),
        (
            "BEDROCK_MODEL_ID",
            "anthropic.claude-3-5-haiku-20241022-v1:0".into(),
        ),
        // The SDK's service-specific endpoint: Bedrock goes to the stub, the rest to moto.
        ("AWS_ENDPOINT_URL_BEDROCK_RUNTIME", bedrock.url.clone()),
        ("TABLE_NAME", store.table().to_string()),
        ("RECORDINGS_BUCKET", bucket.clone()),
        ("REPORT_SENDER", sender.clone()),
        ("PUBLIC_BASE_URL", BASE.to_string()),
        ("AWS_ENDPOINT_URL", moto::endpoint().await),
        ("SECRETS_KEY_ID", moto::secrets_key().await),
    ];
    Cloud {
        store,
        s3,
        bucket,
        sender,
        sqs,
        queue,
        bedrock,
        env,
    }
}

/// The API Gateway v2 sample event with `params` as its Twilio form body, signed with the
/// tenant's auth token for the public URL.
fn twilio_event(params: &[(&str, &str)]) -> Value {
    let mut event: Value = serde_json::from_str(include_str!(
        "../../events/apigw-v2-webhook-ingest-twilio.json"
    ))
    .unwrap();
    let pairs: Vec<(String, String)> = params
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    let body = serde_urlencoded::to_string(&pairs).unwrap();
    let sig = twilio::sign(&format!("{BASE}/v1/hooks/acme/twilio"), &pairs, TOKEN);
    event["body"] = json!(base64::engine::general_purpose::STANDARD.encode(&body));
    event["headers"]["x-twilio-signature"] = json!(sig);
    event["headers"]["content-length"] = json!(body.len().to_string());
    event
}

/// The API Gateway v2 sample event carrying a generic-format JSON event, signed with `secret`.
fn generic_event(body: &Value, secret: &str) -> Value {
    let mut event: Value = serde_json::from_str(include_str!(
        "../../events/apigw-v2-webhook-ingest-twilio.json"
    ))
    .unwrap();
    let bytes = body.to_string();
    event["rawPath"] = json!("/v1/hooks/acme/generic");
    event["requestContext"]["http"]["path"] = json!("/v1/hooks/acme/generic");
    event["pathParameters"]["provider"] = json!("generic");
    event["body"] = json!(base64::engine::general_purpose::STANDARD.encode(&bytes));
    let headers = event["headers"].as_object_mut().unwrap();
    headers.remove("x-twilio-signature");
    headers.insert("content-type".into(), json!("application/json"));
    headers.insert("content-length".into(), json!(bytes.len().to_string()));
    headers.insert(
        "x-signature".into(),
        json!(calltrack::telephony::signature::generic_header_value(
            secret,
            bytes.as_bytes()
        )),
    );
    event
}

/// The sample SQS event carrying one received message.
fn sqs_event(message_id: &str, body: &str) -> Value {
    let mut e: Value =
        serde_json::from_str(include_str!("../../events/sqs-recording-job.json")).unwrap();
    e["Records"][0]["messageId"] = json!(message_id);
    e["Records"][0]["body"] = json!(body);
    e
}

fn s3_event(bucket: &str, key: &str) -> Value {
    let mut e: Value =
        serde_json::from_str(include_str!("../../events/s3-objectcreated-recording.json")).unwrap();
    e["Records"][0]["s3"]["bucket"]["name"] = json!(bucket);
    e["Records"][0]["s3"]["bucket"]["arn"] = json!(format!("arn:aws:s3:::{bucket}"));
    e["Records"][0]["s3"]["object"]["key"] = json!(key);
    e
}

fn report(f: &Function) {
    println!(
        "lambda {:<22} init {:>6.1} ms  peak RSS {:>6.1} MB",
        f.name(),
        f.init_time().map_or(f64::NAN, |d| d.as_secs_f64() * 1000.0),
        f.peak_rss_kib().map_or(f64::NAN, |k| k as f64 / 1024.0)
    );
}

fn ok_http(answer: &Result<Value, Value>) -> Value {
    let v = answer.as_ref().expect("the function answered, not errored");
    assert_eq!(v["statusCode"], 200, "{v}");
    let body = v["body"].as_str().unwrap_or("");
    serde_json::from_str(body).unwrap_or(Value::String(body.to_string()))
}

/// A completed inbound Twilio call and its dual-channel recording, through webhook-ingest.
async fn call_with_recording(
    ingest: &Function,
    sid: &str,
    seconds: &str,
    recording_base: &str,
) -> CallId {
    let status = ingest
        .invoke(&twilio_event(&[
            ("AccountSid", "AC0f2b7d4c9e8a6b5d3c1e0f9a8b7c6d5e"),
            ("CallSid", sid),
            ("CallStatus", "completed"),
            ("CallDuration", seconds),
            ("Direction", "inbound"),
            ("From", "+14155550123"),
            ("To", "+14155552671"),
            ("SequenceNumber", "3"),
            ("Timestamp", "Thu, 12 Mar 2026 19:03:58 +0000"),
        ]))
        .await;
    assert_eq!(ok_http(&status)["accepted"], 1);
    let rec_sid = format!("RE{}", &sid[2..]);
    let url = format!("{recording_base}/2010-04-01/Accounts/AC0f/Recordings/{rec_sid}");
    let recording = ingest
        .invoke(&twilio_event(&[
            ("AccountSid", "AC0f2b7d4c9e8a6b5d3c1e0f9a8b7c6d5e"),
            ("CallSid", sid),
            ("RecordingSid", &rec_sid),
            ("RecordingUrl", &url),
            ("RecordingStatus", "completed"),
            ("RecordingChannels", "2"),
            ("RecordingDuration", seconds),
        ]))
        .await;
    assert_eq!(ok_http(&recording)["accepted"], 1);
    CallId::derive(&TenantId::parse("acme").unwrap(), Provider::Twilio, sid)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_function_binary_runs_the_chain_a_call_follows() {
    let c = cloud().await;
    let mut t = Tenant::new(TenantId::parse("acme").unwrap(), "Acme Plumbing");
    t.provider_secrets.insert("twilio".into(), TOKEN.into());
    t.provider_secrets
        .insert("generic".into(), "pbx-secret".into());
    t.recording_hosts = vec!["media.pbx.invalid".into()];
    t.site_key = Some("site-acme".into());
    t.allowed_origins = vec!["https://www.acme-plumbing.example".into()];
    t.report_recipients = vec!["owner@acme.example".into()];
    calltrack::tenants::save(&c.store, &t).await.unwrap();
    c.store
        .put_number(&TrackingNumber {
            number: PhoneNumber::parse("+14155552671", None).unwrap(),
            tenant: t.id.clone(),
            kind: NumberKind::Static {
                source: "billboard".into(),
                medium: None,
                campaign: None,
            },
            forward_to: Some(PhoneNumber::parse("+14155550100", None).unwrap()),
        })
        .await
        .unwrap();
    let pool = PoolSettings::new(t.id.clone(), PoolId::parse("web").unwrap());
    c.store.put_pool(&pool).await.unwrap();
    c.store
        .put_number(&TrackingNumber {
            number: PhoneNumber::parse("+14158675300", None).unwrap(),
            tenant: t.id.clone(),
            kind: NumberKind::Pool {
                pool: pool.id.clone(),
            },
            forward_to: None,
        })
        .await
        .unwrap();

    // A "media server" on loopback that a signed callback points at: it must never be asked.
    let audio = b"RIFF\x24\x00\x00\x00WAVEfmt two channels of a call".to_vec();
    let hits = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let counted = hits.clone();
    let media = axum::Router::new().fallback(move || {
        counted.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        async { "RIFF" }
    });
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let media_base = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, media).await.unwrap() });

    // webhook-ingest: two calls and their recording callbacks. Call ids unique to this run, so
    // their Transcribe job names are new even on a long-lived moto server.
    let sid = |n: u8| format!("CA{n}{}", moto::unique("run").replace('-', ""));
    let ingest = Function::start("webhook-ingest", &c.env).await;
    let done = call_with_recording(&ingest, &sid(1), "42", &media_base).await;
    let failed = call_with_recording(&ingest, &sid(2), "60", &media_base).await;
    // The generic format is held to the tenant's replay window, and the functions run on the
    // system clock: this call is dated now, so the 2026-03-12 report counts the two Twilio calls.
    let pbx_call = format!("pbx-{}", sid(3));
    let pbx = ok_http(
        &ingest
            .invoke(&generic_event(
                &json!({"event_id": "rec-1", "call_id": pbx_call, "event": "recording",
                        "direction": "inbound", "from": "+14155550123", "to": "+14155552671",
                        "at": chrono::Utc::now(), "talk_seconds": 30,
                        "recording_url": "https://media.pbx.invalid/rec/1.wav"}),
                "pbx-secret",
            ))
            .await,
    );
    assert_eq!(pbx["accepted"], 1, "{pbx}");
    report(&ingest);
    drop(ingest);
    let pbx_id = CallId::derive(&t.id, Provider::Generic, &pbx_call);

    // The allowed recording is queued (not downloaded) on SQS; the refused ones are not.
    let got = c
        .sqs
        .receive_message()
        .queue_url(&c.queue)
        .max_number_of_messages(10)
        .send()
        .await
        .unwrap();
    let messages = got.messages();
    assert_eq!(messages.len(), 1, "{messages:?}");
    let body = messages[0].body().unwrap();
    let job: calltrack::recordings::RecordingJob = serde_json::from_str(body).unwrap();
    assert_eq!(job.call, pbx_id);
    let pending = c.store.get_call(&t.id, &pbx_id).await.unwrap().unwrap();
    assert!(pending.recording_pending && pending.recording_key.is_none());
    // recording-fetch: the host does not resolve, so the job goes back to SQS for a retry.
    let fetch = Function::start("recording-fetch", &c.env).await;
    let message_id = messages[0].message_id().unwrap();
    let out = fetch.invoke(&sqs_event(message_id, body)).await.unwrap();
    assert_eq!(
        out["batchItemFailures"],
        json!([{"itemIdentifier": message_id}]),
        "{out}"
    );
    report(&fetch);
    drop(fetch);
    let still = c.store.get_call(&t.id, &pbx_id).await.unwrap().unwrap();
    assert!(
        still.recording_pending,
        "pending until a try succeeds or gives up"
    );
    assert_eq!(
        hits.load(std::sync::atomic::Ordering::SeqCst),
        0,
        "loopback never fetched"
    );
    let mut keys = vec![];
    for id in [&done, &failed] {
        let call = c.store.get_call(&t.id, id).await.unwrap().expect("stored");
        assert_eq!(call.outcome, Outcome::Answered);
        assert_eq!(call.attribution.channel, "billboard");
        assert_eq!(call.recording_key, None, "refused URL, no copy");
        let key = calltrack::blobs::recording_key(&t.id, id, "wav");
        c.s3.put_object()
            .bucket(&c.bucket)
            .key(&key)
            .body(audio.clone().into())
            .send()
            .await
            .expect("the recording object is in S3");
        keys.push(key);
    }

    // transcribe-recording: each recording's S3 event starts a Transcribe job.
    let transcribe = Function::start("transcribe-recording", &c.env).await;
    for key in &keys {
        let out = transcribe.invoke(&s3_event(&c.bucket, key)).await.unwrap();
        assert_eq!(out["handled"][0]["handled"], "Started", "{out}");
        let job = calltrack::transcription::job_name(key);
        let got = aws_sdk_transcribe::Client::new(&moto::sdk_config().await)
            .get_transcription_job()
            .transcription_job_name(&job)
            .send()
            .await
            .expect("the job exists on Transcribe");
        assert!(got.transcription_job().is_some());
    }
    // The first job's output arrives (moto writes none: a real Transcribe output stands in).
    let fixture = std::fs::read(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../shared/fixtures/transcribe/aws-docs-channel-id-output-batch.json"
    ))
    .expect("the shared Transcribe fixture");
    let transcript_key = calltrack::blobs::transcript_key(&t.id, &done);
    c.s3.put_object()
        .bucket(&c.bucket)
        .key(&transcript_key)
        .body(fixture.into())
        .send()
        .await
        .unwrap();
    let out = transcribe
        .invoke(&s3_event(&c.bucket, &transcript_key))
        .await
        .unwrap();
    assert!(
        out["handled"][0]["handled"]
            .as_str()
            .is_some_and(|h| h.starts_with("Analysed")),
        "{out}"
    );
    // The second job fails, as EventBridge reports it.
    let mut failed_event: Value = serde_json::from_str(include_str!(
        "../../events/eventbridge-transcribe-job-failed.json"
    ))
    .unwrap();
    failed_event["detail"]["TranscriptionJobName"] =
        json!(calltrack::transcription::job_name(&keys[1]));
    failed_event["detail"]["FailureReason"] = json!("The media format is not supported");
    let out = transcribe.invoke(&failed_event).await.unwrap();
    assert!(out["handled"].is_string(), "{out}");
    report(&transcribe);
    drop(transcribe);
    let analysed = c.store.get_call(&t.id, &done).await.unwrap().unwrap();
    assert_eq!(analysed.transcription, Transcription::Done);
    assert!(analysed.quality_score.is_some());
    let sent = c.bedrock.received();
    assert_eq!(sent.len(), 1, "one Converse request for the one transcript");
    assert_eq!(sent[0].model, "anthropic.claude-3-5-haiku-20241022-v1:0");
    assert!(sent[0].signed);
    let ai = &analysed.analysis.as_ref().unwrap()["ai"];
    assert_eq!(ai["label"], "lead", "{ai}");
    assert!(ai["summary"].as_str().is_some_and(|s| !s.is_empty()));
    assert_eq!(ai["input_tokens"], 900);
    let marked = c.store.get_call(&t.id, &failed).await.unwrap().unwrap();
    assert!(
        matches!(&marked.transcription, Transcription::Failed(r) if r.contains("media format")),
        "{:?}",
        marked.transcription
    );

    // roi-aggregate on the daily schedule: the report in S3 and one SES message.
    let aggregate = Function::start("roi-aggregate", &c.env).await;
    let schedule: Value = serde_json::from_str(include_str!(
        "../../events/eventbridge-scheduled-roi-aggregate.json"
    ))
    .unwrap();
    let out = aggregate.invoke(&schedule).await.unwrap();
    assert_eq!(out["delivered"][0]["emailed"], true, "{out}");
    report(&aggregate);
    drop(aggregate);
    let json_report =
        c.s3.get_object()
            .bucket(&c.bucket)
            .key("reports/acme/2026-03-12_2026-03-12.json")
            .send()
            .await
            .expect("the report is in S3");
    let r: Value =
        serde_json::from_slice(&json_report.body.collect().await.unwrap().into_bytes()).unwrap();
    assert_eq!(r["totals"]["calls"], 2, "{r}");
    // The ad platforms' upload files sit beside it.
    let google =
        c.s3.get_object()
            .bucket(&c.bucket)
            .key("reports/acme/2026-03-12_2026-03-12.google-ads.csv")
            .send()
            .await
            .expect("the Google Ads export is in S3");
    let google = google.body.collect().await.unwrap().into_bytes();
    assert!(String::from_utf8_lossy(&google)
        .starts_with("Google Click ID,Conversion Name,Conversion Time,"));
    for kind in [
        "google-ads-calls.csv",
        "yandex-offline.csv",
        "yandex-calls.csv",
        "ga4.ndjson",
    ] {
        c.s3.head_object()
            .bucket(&c.bucket)
            .key(format!("reports/acme/2026-03-12_2026-03-12.{kind}"))
            .send()
            .await
            .unwrap_or_else(|e| panic!("{kind} is in S3: {e}"));
    }
    let sent = moto::sent_mail().await;
    let ours: Vec<&Value> = sent["ses"]["RawMessage"]
        .as_array()
        .map(|m| {
            m.iter()
                .filter(|m| m["source"] == c.sender.as_str())
                .collect()
        })
        .unwrap_or_default();
    assert_eq!(ours.len(), 1, "one report mail from {}", c.sender);
    // The charts were drawn inside the Lambda (the committed font, no fontconfig) and ride
    // along as inline PNG parts.
    let raw = ours[0]["raw_data"].as_str().unwrap_or_default();
    let mail = mail_parser::MessageParser::default()
        .parse(raw.as_bytes())
        .expect("the report mail parses");
    let charts = mail
        .attachments()
        .filter(|p| p.contents().starts_with(b"\x89PNG"))
        .count();
    assert_eq!(charts, 3, "three PNG charts in the report mail");

    // number-lease: the snippet's lease request leases the pool number.
    let lease = Function::start("number-lease", &c.env).await;
    let event: Value =
        serde_json::from_str(include_str!("../../events/apigw-v2-number-lease.json")).unwrap();
    let body = ok_http(&lease.invoke(&event).await);
    assert_eq!(body["number"], "+14158675300", "{body}");
    let id = LeaseId::parse(body["lease_id"].as_str().unwrap()).unwrap();
    assert!(c.store.get_lease(&id).await.unwrap().is_some());
    report(&lease);
    drop(lease);

    // lease-expiry on its schedule: every tenant's pools walked.
    let expiry = Function::start("lease-expiry", &c.env).await;
    let tick: Value = serde_json::from_str(include_str!(
        "../../events/eventbridge-scheduled-lease-expiry.json"
    ))
    .unwrap();
    let out = expiry.invoke(&tick).await.unwrap();
    assert!(out["tenants"].as_u64().unwrap() >= 1, "{out}");
    assert!(out["pools"].as_u64().unwrap() >= 1, "{out}");
    report(&expiry);
}
