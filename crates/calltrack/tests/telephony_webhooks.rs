//! Provider webhooks end to end through `telephony::parse`: published signature vectors and real
//! samples where they exist (tests/data/telephony, see SOURCES.md); elsewhere payloads built from
//! the vendor's documented parameter lists and signed with the documented algorithm (the test
//! names say `documented_`). Then the bad input every edge must survive.

use base64::Engine as _;
use calltrack::model::{Direction, EventKind, MissedReason, Outcome, Provider};
use calltrack::telephony::{self, mango, twilio, zadarma, WebhookError, WebhookRequest};
use chrono::{DateTime, TimeZone, Utc};
use ed25519_dalek::{Signer, SigningKey};
use http::HeaderMap;
use serde_json::Value;

const DATA: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/data/telephony");

fn data(name: &str) -> Vec<u8> {
    std::fs::read(format!("{DATA}/{name}")).unwrap_or_else(|e| panic!("{name}: {e}"))
}

fn now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2024, 3, 1, 10, 20, 0).unwrap()
}

fn headers(pairs: &[(&str, &str)]) -> HeaderMap {
    let mut h = HeaderMap::new();
    for (k, v) in pairs {
        h.insert(
            http::HeaderName::from_bytes(k.as_bytes()).unwrap(),
            v.parse().unwrap(),
        );
    }
    h
}

fn parse(
    provider: Provider,
    url: &str,
    h: &HeaderMap,
    body: &[u8],
    secret: Option<&str>,
) -> Result<Vec<calltrack::model::CallEvent>, WebhookError> {
    let req = WebhookRequest {
        public_url: url,
        headers: h,
        body,
        mango_kind: None,
    };
    telephony::parse(provider, &req, secret, "US", now())
}

fn form(pairs: &[(&str, &str)]) -> String {
    serde_urlencoded::to_string(pairs).unwrap()
}

fn pairs(body: &str) -> Vec<(String, String)> {
    serde_urlencoded::from_str(body).unwrap()
}

fn assert_malformed(r: Result<Vec<calltrack::model::CallEvent>, WebhookError>, field: &str) {
    match r {
        Err(WebhookError::Malformed { field: f, reason }) => {
            assert_eq!(f, field, "reason: {reason}")
        }
        other => panic!("expected malformed {field}, got {other:?}"),
    }
}

fn assert_refused(r: Result<Vec<calltrack::model::CallEvent>, WebhookError>) {
    assert!(
        matches!(r, Err(WebhookError::Signature(_))),
        "expected a refused signature, got {r:?}"
    );
}

// ---------------------------------------------------------------------------------------------
// Twilio

const TWILIO_URL: &str = "https://mycompany.com/myapp.php?foo=1&bar=2";

fn vectors() -> Value {
    serde_json::from_slice(&data("twilio-request-validator-vectors.json")).unwrap()
}

#[test]
fn twilio_published_vector_is_accepted() {
    let body = data("twilio-voice-webhook-params.form-urlencoded.txt");
    let h = headers(&[("x-twilio-signature", "RSOYDt4T1cUTdK1PDd93/VVr8B8=")]);
    let events = parse(Provider::Twilio, TWILIO_URL, &h, &body, Some("12345")).unwrap();
    assert_eq!(events.len(), 1);
    let e = &events[0];
    assert_eq!(e.provider_call_id, "CA1234567890ABCDE");
    assert_eq!(e.from.as_ref().unwrap().as_str(), "+14158675309");
    assert_eq!(e.to.as_ref().unwrap().as_str(), "+18005551212");
    // No Timestamp in the payload: the event is dated when received.
    assert_eq!(e.at, now());
}

#[test]
fn twilio_published_port_and_duplicate_vectors_all_verify() {
    let v = vectors();
    let token = v["auth_token"].as_str().unwrap();
    for vector in v["vectors"].as_array().unwrap() {
        let name = vector["name"].as_str().unwrap();
        let url = vector["url"].as_str().unwrap();
        let sig = vector["expected_signature"].as_str().unwrap();
        let body = if let Some(b) = vector["body"].as_str() {
            b.to_string()
        } else if let Some(f) = vector["params_form_urlencoded"].as_str() {
            f.to_string()
        } else {
            let p: Vec<(String, String)> = vector["params"]
                .as_object()
                .unwrap()
                .iter()
                .map(|(k, v)| (k.clone(), v.as_str().unwrap().to_string()))
                .collect();
            serde_urlencoded::to_string(&p).unwrap()
        };
        let h = headers(&[("x-twilio-signature", sig)]);
        twilio::verify(url, &h, body.as_bytes(), token).unwrap_or_else(|e| panic!("{name}: {e}"));
    }
}

#[test]
fn twilio_signature_with_a_changed_digit_is_refused() {
    let body = data("twilio-voice-webhook-params.form-urlencoded.txt");
    let h = headers(&[("x-twilio-signature", "RSOYDt4T1cUTdK1PDd93/VVr8B9=")]);
    assert_refused(parse(
        Provider::Twilio,
        TWILIO_URL,
        &h,
        &body,
        Some("12345"),
    ));
}

#[test]
fn twilio_signature_for_another_url_or_token_is_refused() {
    let body = data("twilio-voice-webhook-params.form-urlencoded.txt");
    let h = headers(&[("x-twilio-signature", "RSOYDt4T1cUTdK1PDd93/VVr8B8=")]);
    assert_refused(parse(
        Provider::Twilio,
        "https://evil.example/myapp.php?foo=1&bar=2",
        &h,
        &body,
        Some("12345"),
    ));
    assert_refused(parse(
        Provider::Twilio,
        TWILIO_URL,
        &h,
        &body,
        Some("54321"),
    ));
    assert_refused(parse(
        Provider::Twilio,
        TWILIO_URL,
        &HeaderMap::new(),
        &body,
        Some("12345"),
    ));
}

#[test]
fn twilio_bodysha256_with_a_changed_body_is_refused() {
    let v = vectors();
    let json_vector = v["vectors"]
        .as_array()
        .unwrap()
        .iter()
        .find(|x| x["body"].is_string())
        .unwrap();
    let h = headers(&[(
        "x-twilio-signature",
        json_vector["expected_signature"].as_str().unwrap(),
    )]);
    let url = json_vector["url"].as_str().unwrap();
    assert!(twilio::verify(
        url,
        &h,
        br#"{"property": "value", "boolean": false}"#,
        "12345"
    )
    .is_err());
}

/// Signs a Twilio-style form with the documented algorithm and parses it.
fn twilio_signed(
    fields: &[(&str, &str)],
) -> Result<Vec<calltrack::model::CallEvent>, WebhookError> {
    let url = "https://api.example.com/v1/hooks/acme/twilio";
    let body = form(fields);
    let sig = twilio::sign(url, &pairs(&body), "tok");
    let h = headers(&[
        ("x-twilio-signature", &sig),
        ("content-type", "application/x-www-form-urlencoded"),
    ]);
    parse(Provider::Twilio, url, &h, body.as_bytes(), Some("tok"))
}

#[test]
fn twilio_documented_status_callbacks_map_to_the_lifecycle() {
    let base = [
        ("AccountSid", "AC00000000000000000000000000000000"),
        ("CallSid", "CA11111111111111111111111111111111"),
        ("From", "+14158675309"),
        ("To", "+14155550100"),
        ("Direction", "inbound"),
        ("Timestamp", "Fri, 01 Mar 2024 10:15:00 +0000"),
        ("CallbackSource", "call-progress-events"),
    ];
    type Case = (
        &'static str,
        &'static str,
        EventKind,
        Option<Outcome>,
        Option<MissedReason>,
    );
    let cases: [Case; 8] = [
        ("initiated", "", EventKind::Started, None, None),
        ("ringing", "", EventKind::Ringing, None, None),
        ("in-progress", "", EventKind::Answered, None, None),
        (
            "completed",
            "95",
            EventKind::Ended,
            Some(Outcome::Answered),
            None,
        ),
        (
            "busy",
            "0",
            EventKind::Ended,
            Some(Outcome::Missed),
            Some(MissedReason::Busy),
        ),
        (
            "no-answer",
            "0",
            EventKind::Ended,
            Some(Outcome::Missed),
            Some(MissedReason::NoAnswer),
        ),
        (
            "canceled",
            "0",
            EventKind::Ended,
            Some(Outcome::Missed),
            Some(MissedReason::Abandoned),
        ),
        ("failed", "0", EventKind::Ended, Some(Outcome::Failed), None),
    ];
    for (i, (status, duration, kind, outcome, reason)) in cases.into_iter().enumerate() {
        let seq = i.to_string();
        let mut fields = base.to_vec();
        fields.extend([("CallStatus", status), ("SequenceNumber", seq.as_str())]);
        if !duration.is_empty() {
            fields.push(("CallDuration", duration));
        }
        let e = twilio_signed(&fields).unwrap().remove(0);
        assert_eq!(
            (e.kind, e.outcome, e.missed_reason),
            (kind, outcome, reason),
            "{status}"
        );
        assert_eq!(
            e.event_id,
            format!("CA11111111111111111111111111111111:{status}:{i}")
        );
        assert_eq!(e.sequence, Some(i as u64));
        assert_eq!(e.at, Utc.with_ymd_and_hms(2024, 3, 1, 10, 15, 0).unwrap());
        assert_eq!(e.direction, Direction::Inbound);
        if status == "completed" {
            assert_eq!(e.talk_seconds, Some(95));
        }
    }
}

#[test]
fn twilio_documented_dial_leg_is_filed_under_the_callers_call() {
    let e = twilio_signed(&[
        ("CallSid", "CA22222222222222222222222222222222"),
        ("ParentCallSid", "CA11111111111111111111111111111111"),
        ("Direction", "outbound-dial"),
        ("From", "+14158675309"),
        ("To", "+14155550199"),
        ("CallStatus", "no-answer"),
        ("SequenceNumber", "3"),
    ])
    .unwrap()
    .remove(0);
    assert_eq!(e.provider_call_id, "CA11111111111111111111111111111111");
    assert_eq!(e.direction, Direction::Inbound);
    assert_eq!(e.to, None, "the business line is not the tracking number");
    assert_eq!(e.from.unwrap().as_str(), "+14158675309");
    assert_eq!(
        (e.outcome, e.missed_reason),
        (Some(Outcome::Missed), Some(MissedReason::NoAnswer))
    );
}

#[test]
fn twilio_names_the_agent_who_answered_a_dial_leg_or_called_out_from_a_softphone() {
    let leg = |to: &str, status: &str, duration: &str| {
        twilio_signed(&[
            ("CallSid", "CA22222222222222222222222222222222"),
            ("ParentCallSid", "CA11111111111111111111111111111111"),
            ("Direction", "outbound-dial"),
            ("From", "+14158675309"),
            ("To", to),
            ("CallStatus", status),
            ("CallDuration", duration),
        ])
        .unwrap()
        .remove(0)
        .answered_by
    };
    assert_eq!(leg("client:anna", "in-progress", ""), Some("anna".into()));
    assert_eq!(
        leg("sip:boris@pbx.example.com", "completed", "95"),
        Some("boris".into())
    );
    assert_eq!(
        leg("client:anna", "no-answer", "0"),
        None,
        "rung, but did not answer"
    );
    assert_eq!(
        leg("+14155550199", "completed", "95"),
        None,
        "a phone line names no one"
    );
    assert_eq!(
        leg("sip:+14155550199@pbx.example.com", "completed", "95"),
        None
    );

    let rung = |to: &str, status: &str| {
        twilio_signed(&[
            ("CallSid", "CA22222222222222222222222222222222"),
            ("ParentCallSid", "CA11111111111111111111111111111111"),
            ("Direction", "outbound-dial"),
            ("From", "+14158675309"),
            ("To", to),
            ("CallStatus", status),
        ])
        .unwrap()
        .remove(0)
        .rung
    };
    for status in ["ringing", "no-answer", "busy", "canceled", "in-progress"] {
        assert_eq!(
            rung("client:anna", status),
            Some("anna".into()),
            "a dial leg names whom it rang ({status})"
        );
    }
    assert_eq!(rung("+14155550199", "no-answer"), None);

    let out = twilio_signed(&[
        ("CallSid", "CA33333333333333333333333333333333"),
        ("Direction", "outbound-api"),
        ("From", "client:vera"),
        ("To", "+14158675309"),
        ("CallStatus", "in-progress"),
    ])
    .unwrap()
    .remove(0);
    assert_eq!(out.answered_by.as_deref(), Some("vera"));
    assert_eq!(out.rung, None, "a call placed by an agent rang no agent");
    assert_eq!(out.to.unwrap().as_str(), "+14158675309");
    assert_eq!(out.from, None, "a softphone is not a phone number");
}

#[test]
fn twilio_documented_recording_callback_gives_a_dual_channel_wav_url() {
    let e = twilio_signed(&[
        ("AccountSid", "AC00000000000000000000000000000000"),
        ("CallSid", "CA11111111111111111111111111111111"),
        ("RecordingSid", "RE33333333333333333333333333333333"),
        (
            "RecordingUrl",
            "https://api.twilio.com/2010-04-01/Accounts/AC00000000000000000000000000000000/Recordings/RE33333333333333333333333333333333",
        ),
        ("RecordingStatus", "completed"),
        ("RecordingDuration", "95"),
        ("RecordingChannels", "2"),
        ("RecordingSource", "DialVerb"),
    ])
    .unwrap()
    .remove(0);
    assert_eq!(e.kind, EventKind::Recording);
    assert_eq!(
        e.event_id,
        "CA11111111111111111111111111111111:recording:RE33333333333333333333333333333333"
    );
    assert!(e
        .recording_url
        .unwrap()
        .ends_with("/RE33333333333333333333333333333333.wav"));
}

#[test]
fn twilio_recording_still_in_progress_yields_no_event() {
    let events = twilio_signed(&[
        ("CallSid", "CA1"),
        ("RecordingSid", "RE1"),
        ("RecordingStatus", "in-progress"),
    ])
    .unwrap();
    assert!(events.is_empty());
}

#[test]
fn twilio_unknown_status_is_kept_raw_not_fatal() {
    let e = twilio_signed(&[
        ("CallSid", "CA1"),
        ("CallStatus", "teleporting"),
        ("From", "+14158675309"),
    ])
    .unwrap()
    .remove(0);
    assert_eq!(e.kind, EventKind::Started);
    assert_eq!(e.raw_status.as_deref(), Some("teleporting"));
}

#[test]
fn twilio_odd_number_formats_normalise_or_name_the_field() {
    let e = twilio_signed(&[
        ("CallSid", "CA1"),
        ("CallStatus", "ringing"),
        ("From", "(415) 867-5309"),
        ("To", "1 (415) 555-0100"),
    ])
    .unwrap()
    .remove(0);
    assert_eq!(e.from.unwrap().as_str(), "+14158675309");
    assert_eq!(e.to.unwrap().as_str(), "+14155550100");
    let anon = twilio_signed(&[
        ("CallSid", "CA1"),
        ("CallStatus", "ringing"),
        ("From", "anonymous"),
        ("To", "+14155550100"),
    ])
    .unwrap()
    .remove(0);
    assert_eq!(
        anon.from, None,
        "a withheld caller is no number, not an error"
    );
    assert_malformed(
        twilio_signed(&[
            ("CallSid", "CA1"),
            ("CallStatus", "ringing"),
            ("From", "12#45*99"),
        ]),
        "From",
    );
}

#[test]
fn twilio_json_body_is_refused_naming_the_content_type() {
    let body = data("telnyx-call-control-call.hangup.json");
    assert_malformed(
        parse(Provider::Twilio, TWILIO_URL, &HeaderMap::new(), &body, None),
        "content-type",
    );
    let h = headers(&[("content-type", "application/json")]);
    assert_malformed(
        parse(Provider::Twilio, TWILIO_URL, &h, b"CallSid=CA1", None),
        "content-type",
    );
}

#[test]
fn twilio_invalid_utf8_and_truncated_bodies_are_malformed() {
    assert_malformed(
        parse(
            Provider::Twilio,
            TWILIO_URL,
            &HeaderMap::new(),
            b"CallSid=CA\xff\xfe",
            None,
        ),
        "body",
    );
    assert_malformed(
        parse(
            Provider::Twilio,
            TWILIO_URL,
            &HeaderMap::new(),
            b"CallSid=CA1&From=%2",
            None,
        ),
        "body",
    );
    assert_malformed(
        parse(
            Provider::Twilio,
            TWILIO_URL,
            &HeaderMap::new(),
            b"AccountSid=AC1&CallS",
            None,
        ),
        "CallSid",
    );
}

#[test]
fn twilio_voice_request_gives_the_tracking_number_and_caller() {
    let url = "https://api.example.com/v1/voice/acme/twilio";
    let body = form(&[
        ("CallSid", "CA9"),
        ("From", "+14158675309"),
        ("To", "+14155550100"),
        ("CallStatus", "ringing"),
        ("Direction", "inbound"),
    ]);
    let h = headers(&[(
        "x-twilio-signature",
        &twilio::sign(url, &pairs(&body), "tok"),
    )]);
    let req = WebhookRequest {
        public_url: url,
        headers: &h,
        body: body.as_bytes(),
        mango_kind: None,
    };
    let events = telephony::parse(Provider::Twilio, &req, Some("tok"), "US", now()).unwrap();
    let telephony::IncomingCall {
        to,
        from,
        call_id: sid,
    } = telephony::incoming_call(&events).unwrap();
    assert_eq!(
        (to.as_str(), from.unwrap().as_str(), sid.as_str()),
        ("+14155550100", "+14158675309", "CA9")
    );
    assert!(telephony::parse(Provider::Twilio, &req, Some("other"), "US", now()).is_err());
    // The same request is also the call's first event.
    let e = events[0].clone();
    assert_eq!(e.kind, EventKind::Ringing);
}

// ---------------------------------------------------------------------------------------------
// Telnyx

fn telnyx_key() -> (SigningKey, String) {
    // A fixed test key (no public Telnyx test key exists); the algorithm is Telnyx's documented one.
    let sk = SigningKey::from_bytes(&[7u8; 32]);
    let pk = base64::engine::general_purpose::STANDARD.encode(sk.verifying_key().to_bytes());
    (sk, pk)
}

fn telnyx_headers(sk: &SigningKey, ts: i64, body: &[u8], content_type: &str) -> HeaderMap {
    let mut msg = format!("{ts}|").into_bytes();
    msg.extend_from_slice(body);
    let sig = base64::engine::general_purpose::STANDARD.encode(sk.sign(&msg).to_bytes());
    headers(&[
        ("telnyx-signature-ed25519", &sig),
        ("telnyx-timestamp", &ts.to_string()),
        ("content-type", content_type),
    ])
}

const TELNYX_URL: &str = "https://api.example.com/v1/hooks/acme/telnyx";

#[test]
fn telnyx_real_hangup_sample_signed_with_a_test_key_is_accepted() {
    let (sk, pk) = telnyx_key();
    let body = data("telnyx-call-control-call.hangup.json");
    let h = telnyx_headers(&sk, now().timestamp() - 10, &body, "application/json");
    let e = parse(Provider::Telnyx, TELNYX_URL, &h, &body, Some(&pk))
        .unwrap()
        .remove(0);
    assert_eq!(e.kind, EventKind::Ended);
    assert_eq!(e.event_id, "0ccc7b54-4df3-4bca-a65a-3da1ecc777f0");
    assert_eq!(e.provider_call_id, "428c31b6-7af4-4bcb-b7f5-5013ef9657c1");
    assert_eq!(e.from.unwrap().as_str(), "+35319605860");
    // hangup_cause call_rejected: the callee declined.
    assert_eq!(
        (e.outcome, e.missed_reason),
        (Some(Outcome::Missed), Some(MissedReason::Busy))
    );
    assert_eq!(
        e.at,
        Utc.with_ymd_and_hms(2018, 2, 2, 22, 25, 27).unwrap()
            + chrono::Duration::microseconds(521992)
    );
}

#[test]
fn telnyx_signature_made_by_an_independent_ed25519_implementation_is_accepted() {
    // Made with Python's `cryptography` (seed 32 x 0x07) over `1709288400|{hangup sample}`,
    // so our verifier is checked against another implementation, not only against itself.
    let pk = "6kpsY+KcUgq+9VB7Ey7F+ZVHdq6+vnuSQh7qaRRG0iw=";
    let sig =
        "3tYw4MEX4JXge5vuQ1JKlkrmdwMCRkGfIl63hIkQTLZfORYfrlluRGY6MSYd9wZrbIwk6Ayay/rOedWmSNY8Cw==";
    assert_eq!(telnyx_key().1, pk);
    let body = data("telnyx-call-control-call.hangup.json");
    let h = headers(&[
        ("telnyx-signature-ed25519", sig),
        ("telnyx-timestamp", "1709288400"),
    ]);
    let req = WebhookRequest {
        public_url: TELNYX_URL,
        headers: &h,
        body: &body,
        mango_kind: None,
    };
    let at = Utc.timestamp_opt(1709288400 + 60, 0).unwrap();
    assert_eq!(
        telephony::parse(Provider::Telnyx, &req, Some(pk), "US", at)
            .unwrap()
            .len(),
        1
    );
}

#[test]
fn telnyx_replayed_timestamp_is_refused() {
    let (sk, pk) = telnyx_key();
    let body = data("telnyx-call-control-call.hangup.json");
    for skew in [-301, 301, -86_400] {
        let h = telnyx_headers(&sk, now().timestamp() + skew, &body, "application/json");
        assert_refused(parse(Provider::Telnyx, TELNYX_URL, &h, &body, Some(&pk)));
    }
    let h = telnyx_headers(&sk, now().timestamp() - 300, &body, "application/json");
    assert!(
        parse(Provider::Telnyx, TELNYX_URL, &h, &body, Some(&pk)).is_ok(),
        "300 s is within tolerance"
    );
}

#[test]
fn telnyx_signature_over_another_body_or_key_is_refused() {
    let (sk, pk) = telnyx_key();
    let body = data("telnyx-call-control-call.hangup.json");
    let h = telnyx_headers(&sk, now().timestamp(), &body, "application/json");
    let mut changed = body.clone();
    let i = changed.iter().position(|b| *b == b'5').unwrap();
    changed[i] = b'6';
    assert_refused(parse(Provider::Telnyx, TELNYX_URL, &h, &changed, Some(&pk)));
    let other = base64::engine::general_purpose::STANDARD.encode(
        SigningKey::from_bytes(&[9u8; 32])
            .verifying_key()
            .to_bytes(),
    );
    assert_refused(parse(Provider::Telnyx, TELNYX_URL, &h, &body, Some(&other)));
    assert_refused(parse(
        Provider::Telnyx,
        TELNYX_URL,
        &h,
        &body,
        Some("not-a-key"),
    ));
    assert_refused(parse(
        Provider::Telnyx,
        TELNYX_URL,
        &HeaderMap::new(),
        &body,
        Some(&pk),
    ));
}

fn telnyx_event(event_type: &str, payload: Value) -> Vec<u8> {
    serde_json::to_vec(&serde_json::json!({
        "data": {
            "record_type": "event",
            "event_type": event_type,
            "id": format!("evt-{event_type}"),
            "occurred_at": "2024-03-01T10:15:00.000000Z",
            "payload": payload,
        },
        "meta": {"attempt": 1, "delivered_to": TELNYX_URL}
    }))
    .unwrap()
}

#[test]
fn telnyx_documented_initiated_answered_and_recording_saved_map_to_events() {
    let (sk, pk) = telnyx_key();
    let common = serde_json::json!({
        "call_control_id": "v3:abc", "call_leg_id": "leg-1", "call_session_id": "sess-1",
        "connection_id": "123", "from": "+14158675309", "to": "+14155550100", "direction": "incoming",
    });
    let mut rec = common.clone();
    rec["recording_urls"] = serde_json::json!({"mp3": "https://s3.example/rec.mp3?sig=1", "wav": "https://s3.example/rec.wav?sig=1"});
    rec["public_recording_urls"] = serde_json::json!({});
    rec["channels"] = "dual".into();
    for (event_type, payload, kind) in [
        ("call.initiated", common.clone(), EventKind::Started),
        ("call.answered", common.clone(), EventKind::Answered),
        ("call.recording.saved", rec, EventKind::Recording),
    ] {
        let body = telnyx_event(event_type, payload);
        let h = telnyx_headers(&sk, now().timestamp(), &body, "application/json");
        let e = parse(Provider::Telnyx, TELNYX_URL, &h, &body, Some(&pk))
            .unwrap()
            .remove(0);
        assert_eq!(e.kind, kind, "{event_type}");
        assert_eq!(e.provider_call_id, "sess-1");
        assert_eq!(e.event_id, format!("evt-{event_type}"));
        if kind == EventKind::Recording {
            assert_eq!(
                e.recording_url.as_deref(),
                Some("https://s3.example/rec.wav?sig=1")
            );
        }
    }
}

#[test]
fn telnyx_unknown_call_event_is_kept_raw_and_non_call_events_are_ignored() {
    let p = serde_json::json!({"call_session_id": "sess-1", "from": "+14158675309", "to": "+14155550100"});
    let e = parse(
        Provider::Telnyx,
        TELNYX_URL,
        &HeaderMap::new(),
        &telnyx_event("call.dtmf.received", p.clone()),
        None,
    )
    .unwrap()
    .remove(0);
    assert_eq!(e.raw_status.as_deref(), Some("call.dtmf.received"));
    assert!(parse(
        Provider::Telnyx,
        TELNYX_URL,
        &HeaderMap::new(),
        &telnyx_event("message.received", p),
        None
    )
    .unwrap()
    .is_empty());
}

#[test]
fn telnyx_real_texml_sample_is_read_as_json_and_as_the_wire_form() {
    let json_body = data("telnyx-texml-call-initiated.json");
    let v: Value = serde_json::from_slice(&json_body).unwrap();
    let fields: Vec<(String, String)> = v
        .as_object()
        .unwrap()
        .iter()
        .map(|(k, v)| {
            (
                k.clone(),
                v.as_str()
                    .map(str::to_string)
                    .unwrap_or_else(|| v.to_string()),
            )
        })
        .collect();
    let form_body = serde_urlencoded::to_string(&fields).unwrap();
    let (sk, pk) = telnyx_key();
    for (body, ct) in [
        (json_body.clone(), "application/json"),
        (form_body.into_bytes(), "application/x-www-form-urlencoded"),
    ] {
        let h = telnyx_headers(&sk, now().timestamp(), &body, ct);
        let e = parse(Provider::Telnyx, TELNYX_URL, &h, &body, Some(&pk))
            .unwrap()
            .remove(0);
        assert_eq!(e.kind, EventKind::Started, "{ct}");
        assert_eq!(e.from.as_ref().unwrap().as_str(), "+35319605860");
        assert_eq!(e.sequence, Some(0));
        assert_eq!(e.at, Utc.with_ymd_and_hms(2024, 1, 15, 10, 30, 0).unwrap());
        // The sample carries a ParentCallSid: a dial leg, filed under the parent call.
        assert_eq!(
            e.provider_call_id,
            "v3:MdI91X4lWFEs7IgbBEOT9M4AigoY08M0WWZFISt1Yw2axZ_IiE4pqg"
        );
    }
}

#[test]
fn telnyx_truncated_json_is_malformed() {
    assert_malformed(
        parse(
            Provider::Telnyx,
            TELNYX_URL,
            &HeaderMap::new(),
            br#"{"data": {"event_type": "#,
            None,
        ),
        "body",
    );
    assert_malformed(
        parse(
            Provider::Telnyx,
            TELNYX_URL,
            &HeaderMap::new(),
            br#"{"data": {}}"#,
            None,
        ),
        "data.event_type",
    );
    let h = headers(&[("content-type", "text/plain")]);
    assert_malformed(
        parse(Provider::Telnyx, TELNYX_URL, &h, b"hello", None),
        "content-type",
    );
}

// ---------------------------------------------------------------------------------------------
// Zadarma

const ZADARMA_URL: &str = "https://api.example.com/v1/hooks/acme/zadarma";

fn zadarma_signed(body: &str, secret: &str) -> HeaderMap {
    let sig = zadarma::sign(&pairs(body), secret).unwrap();
    headers(&[
        ("signature", &sig),
        ("content-type", "application/x-www-form-urlencoded"),
    ])
}

#[test]
fn zadarma_documented_notify_end_signed_with_hex_then_base64_is_accepted() {
    let body = String::from_utf8(data("zadarma-notify-end.form")).unwrap();
    let h = zadarma_signed(&body, "zsecret");
    // The documented algorithm by hand: base64 of the hex HMAC-SHA1 of caller_id+called_did+call_start.
    let mac = calltrack::telephony::signature::hmac_sha1(
        b"zsecret",
        b"74951234567749576543212024-03-01 10:15:00",
    );
    let by_hand = base64::engine::general_purpose::STANDARD.encode(hex::encode(mac));
    assert_eq!(h["signature"].to_str().unwrap(), by_hand);
    let e = parse(
        Provider::Zadarma,
        ZADARMA_URL,
        &h,
        body.as_bytes(),
        Some("zsecret"),
    )
    .unwrap()
    .remove(0);
    assert_eq!(e.kind, EventKind::Ended);
    assert_eq!(e.provider_call_id, "in_6f0a1b2c3d");
    assert_eq!(e.from.unwrap().as_str(), "+74951234567");
    assert_eq!(e.to.unwrap().as_str(), "+74957654321");
    assert_eq!(
        (e.outcome, e.talk_seconds),
        (Some(Outcome::Answered), Some(95))
    );
    assert_eq!(e.answered_by.as_deref(), Some("101"));
    assert_refused(parse(
        Provider::Zadarma,
        ZADARMA_URL,
        &h,
        body.as_bytes(),
        Some("other"),
    ));
}

#[test]
fn zadarma_documented_events_each_sign_their_own_fields() {
    let cases = [
        (
            form(&[
                ("event", "NOTIFY_START"),
                ("call_start", "2024-03-01 10:15:00"),
                ("pbx_call_id", "in_1"),
                ("caller_id", "74951234567"),
                ("called_did", "74957654321"),
            ]),
            EventKind::Started,
            Direction::Inbound,
        ),
        (
            form(&[
                ("event", "NOTIFY_ANSWER"),
                ("caller_id", "74951234567"),
                ("destination", "101"),
                ("call_start", "2024-03-01 10:15:00"),
                ("pbx_call_id", "in_1"),
                ("internal", "101"),
            ]),
            EventKind::Answered,
            Direction::Inbound,
        ),
        (
            form(&[
                ("event", "NOTIFY_OUT_START"),
                ("call_start", "2024-03-01 11:00:00"),
                ("pbx_call_id", "out_2"),
                ("destination", "74951234567"),
                ("caller_id", "74957654321"),
                ("internal", "101"),
            ]),
            EventKind::Started,
            Direction::Outbound,
        ),
        (
            form(&[
                ("event", "NOTIFY_OUT_END"),
                ("call_start", "2024-03-01 11:00:00"),
                ("pbx_call_id", "out_2"),
                ("caller_id", "74957654321"),
                ("destination", "74951234567"),
                ("internal", "101"),
                ("duration", "0"),
                ("disposition", "no answer"),
                ("status_code", "19"),
                ("is_recorded", "0"),
                ("call_id_with_rec", ""),
            ]),
            EventKind::Ended,
            Direction::Outbound,
        ),
        (
            form(&[
                ("event", "NOTIFY_RECORD"),
                ("call_id_with_rec", "1709280900.123456"),
                ("pbx_call_id", "in_1"),
            ]),
            EventKind::Recording,
            Direction::Inbound,
        ),
    ];
    for (body, kind, direction) in cases {
        let h = zadarma_signed(&body, "zsecret");
        let e = parse(
            Provider::Zadarma,
            ZADARMA_URL,
            &h,
            body.as_bytes(),
            Some("zsecret"),
        )
        .unwrap_or_else(|err| panic!("{body}: {err}"))
        .remove(0);
        assert_eq!((e.kind, e.direction), (kind, direction), "{body}");
        if kind == EventKind::Answered {
            assert_eq!(
                (e.answered_by.as_deref(), e.rung.as_deref()),
                (Some("101"), Some("101"))
            );
        }
        if kind == EventKind::Ended {
            assert_eq!(
                (e.outcome, e.missed_reason),
                (Some(Outcome::Missed), Some(MissedReason::NoAnswer))
            );
            assert_eq!(e.to.as_ref().unwrap().as_str(), "+74951234567");
        }
    }
    // ANSWER signs destination, not called_did: a START-style signature is refused.
    let body = form(&[
        ("event", "NOTIFY_ANSWER"),
        ("caller_id", "74951234567"),
        ("destination", "101"),
        ("called_did", "74957654321"),
        ("call_start", "2024-03-01 10:15:00"),
        ("pbx_call_id", "in_1"),
    ]);
    let start_style = base64::engine::general_purpose::STANDARD.encode(hex::encode(
        calltrack::telephony::signature::hmac_sha1(
            b"zsecret",
            b"74951234567749576543212024-03-01 10:15:00".as_slice(),
        ),
    ));
    let h = headers(&[("signature", &start_style)]);
    assert_refused(parse(
        Provider::Zadarma,
        ZADARMA_URL,
        &h,
        body.as_bytes(),
        Some("zsecret"),
    ));
}

#[test]
fn zadarma_unknown_disposition_is_kept_raw_and_unknown_events_are_ignored() {
    let body = form(&[
        ("event", "NOTIFY_END"),
        ("call_start", "2024-03-01 10:15:00"),
        ("pbx_call_id", "in_1"),
        ("caller_id", "74951234567"),
        ("called_did", "74957654321"),
        ("duration", "0"),
        ("disposition", "abducted"),
    ]);
    let e = parse(
        Provider::Zadarma,
        ZADARMA_URL,
        &zadarma_signed(&body, "s"),
        body.as_bytes(),
        Some("s"),
    )
    .unwrap()
    .remove(0);
    assert_eq!((e.kind, e.outcome), (EventKind::Ended, None));
    assert_eq!(e.raw_status.as_deref(), Some("abducted"));
    let sms = form(&[("event", "SMS"), ("result", "x")]);
    assert!(parse(
        Provider::Zadarma,
        ZADARMA_URL,
        &HeaderMap::new(),
        sms.as_bytes(),
        Some("s")
    )
    .unwrap()
    .is_empty());
}

#[test]
fn zadarma_bad_called_number_is_rejected_naming_the_field() {
    let body = form(&[
        ("event", "NOTIFY_START"),
        ("call_start", "2024-03-01 10:15:00"),
        ("pbx_call_id", "in_1"),
        ("caller_id", "74951234567"),
        ("called_did", "+7 not a number"),
    ]);
    assert_malformed(
        parse(
            Provider::Zadarma,
            ZADARMA_URL,
            &HeaderMap::new(),
            body.as_bytes(),
            None,
        ),
        "called_did",
    );
}

#[test]
fn zadarma_echo_answers_the_url_check() {
    assert_eq!(zadarma::echo("zd_echo=8f2a").as_deref(), Some("8f2a"));
}

// ---------------------------------------------------------------------------------------------
// Mango Office

const MANGO_URL: &str = "https://api.example.com/v1/hooks/acme/mango/events/summary";

fn mango_req<'a>(h: &'a HeaderMap, body: &'a [u8], kind: Option<&'a str>) -> WebhookRequest<'a> {
    WebhookRequest {
        public_url: MANGO_URL,
        headers: h,
        body,
        mango_kind: kind,
    }
}

fn mango_form(json: &Value, key: &str, salt: &str) -> String {
    let j = json.to_string();
    form(&[
        ("vpbx_api_key", key),
        ("sign", &mango::sign(key, &j, salt)),
        ("json", &j),
    ])
}

#[test]
fn mango_documented_summary_signed_with_plain_sha256_is_accepted() {
    // Signed by an independent SHA-256 (Python hashlib) when the file was built.
    let body = data("mango-summary.form");
    let h = HeaderMap::new();
    let events = telephony::parse(
        Provider::Mango,
        &mango_req(&h, &body, Some("summary")),
        Some("testkey123:testsalt456"),
        "RU",
        now(),
    )
    .unwrap();
    let e = &events[0];
    assert_eq!(e.kind, EventKind::Ended);
    assert_eq!(e.provider_call_id, "MjA3NjY4NjQwNjQ6MTAy");
    assert_eq!(e.from.as_ref().unwrap().as_str(), "+74951234567");
    assert_eq!(e.to.as_ref().unwrap().as_str(), "+74957654321");
    assert_eq!(e.outcome, Some(Outcome::Answered));
    assert_eq!((e.ring_seconds, e.talk_seconds), (Some(12), Some(95)));
    assert_eq!(e.answered_by.as_deref(), Some("101"));
    // Without the path, the kind is guessed from the payload.
    assert_eq!(
        telephony::parse(
            Provider::Mango,
            &mango_req(&h, &body, None),
            None,
            "RU",
            now()
        )
        .unwrap(),
        events
    );
    for wrong in ["testkey123:other", "otherkey:testsalt456", "no-colon"] {
        assert_refused(telephony::parse(
            Provider::Mango,
            &mango_req(&h, &body, Some("summary")),
            Some(wrong),
            "RU",
            now(),
        ));
    }
}

#[test]
fn mango_documented_call_states_map_and_disconnect_waits_for_the_summary() {
    let h = HeaderMap::new();
    let call = |state: &str, seq: u64, location: &str| {
        serde_json::json!({
            "entry_id": "ENTRY1", "call_id": "LEG1", "timestamp": 1709280905, "seq": seq,
            "call_state": state, "location": location,
            "from": {"number": "74951234567"},
            "to": {"extension": "101", "number": "sip:101@acme.mangosip.ru", "line_number": "74957654321"},
            "disconnect_reason": 0
        })
    };
    let parse_call = |v: Value| {
        let body = mango_form(&v, "k", "s");
        telephony::parse(
            Provider::Mango,
            &mango_req(&h, body.as_bytes(), Some("call")),
            Some("k:s"),
            "RU",
            now(),
        )
        .unwrap()
    };
    let ringing = parse_call(call("Appeared", 1, "abonent")).remove(0);
    assert_eq!(
        (ringing.kind, ringing.sequence),
        (EventKind::Ringing, Some(1))
    );
    assert_eq!(
        ringing.rung.as_deref(),
        Some("101"),
        "the extension it rings"
    );
    assert_eq!(parse_call(call("Appeared", 1, "ivr")).remove(0).rung, None);
    assert_eq!(ringing.to.unwrap().as_str(), "+74957654321");
    assert_eq!(ringing.at, Utc.timestamp_opt(1709280905, 0).unwrap());
    let answered = parse_call(call("Connected", 2, "abonent")).remove(0);
    assert_eq!(
        (answered.kind, answered.answered_by.as_deref()),
        (EventKind::Answered, Some("101"))
    );
    assert!(parse_call(call("OnHold", 3, "abonent")).is_empty());
    assert!(parse_call(call("Disconnected", 4, "abonent")).is_empty());
    let odd = parse_call(call("Teleported", 5, "abonent")).remove(0);
    assert_eq!(odd.raw_status.as_deref(), Some("Teleported"));
}

#[test]
fn mango_documented_missed_summary_is_a_missed_call() {
    let v = serde_json::json!({
        "entry_id": "ENTRY2", "call_direction": 1, "from": {"number": "74951234567"},
        "to": {"extension": "", "number": ""}, "line_number": "74957654321",
        "create_time": 1709280900, "forward_time": 1709280903, "talk_time": 0, "end_time": 1709280933,
        "entry_result": 0, "disconnect_reason": 1110
    });
    let summary = |v: &Value| {
        let body = mango_form(v, "k", "s");
        telephony::parse(
            Provider::Mango,
            &mango_req(&HeaderMap::new(), body.as_bytes(), Some("summary")),
            Some("k:s"),
            "RU",
            now(),
        )
        .unwrap()
        .remove(0)
    };
    let e = summary(&v);
    assert_eq!(
        (e.outcome, e.missed_reason),
        (Some(Outcome::Missed), Some(MissedReason::NoAnswer))
    );
    assert_eq!((e.ring_seconds, e.talk_seconds), (Some(30), Some(0)));
    assert_eq!(e.rung, None, "the summary names no extension");
    let mut rang = v.clone();
    rang["to"]["extension"] = "102".into();
    assert_eq!(
        summary(&rang).rung.as_deref(),
        Some("102"),
        "a missed leg's extension"
    );
}

#[test]
fn mango_truncated_json_field_is_malformed_after_the_signature_check() {
    let h = HeaderMap::new();
    let j = r#"{"entry_id": "E1", "call_st"#;
    let body = form(&[
        ("vpbx_api_key", "k"),
        ("sign", &mango::sign("k", j, "s")),
        ("json", j),
    ]);
    match telephony::parse(
        Provider::Mango,
        &mango_req(&h, body.as_bytes(), Some("call")),
        Some("k:s"),
        "RU",
        now(),
    ) {
        Err(WebhookError::Malformed { field, reason }) => {
            assert_eq!(field, "json");
            assert!(reason.contains("truncated"), "{reason}");
        }
        other => panic!("{other:?}"),
    }
}

// ---------------------------------------------------------------------------------------------
// Generic JSON

const GENERIC_URL: &str = "https://api.example.com/v1/hooks/acme/generic";

fn generic_signed(body: &[u8], secret: &str) -> HeaderMap {
    let v = calltrack::telephony::signature::generic_header_value(secret, body);
    headers(&[("x-signature", &v), ("content-type", "application/json")])
}

#[test]
fn generic_documented_example_signed_with_hmac_sha256_is_accepted() {
    let body = data("generic-ended.json");
    let h = generic_signed(&body, "gsecret");
    let e = parse(Provider::Generic, GENERIC_URL, &h, &body, Some("gsecret"))
        .unwrap()
        .remove(0);
    assert_eq!(e.kind, EventKind::Ended);
    assert_eq!(e.provider_call_id, "1709280900.42");
    assert_eq!(e.from.as_ref().unwrap().as_str(), "+14158675309");
    assert_eq!(e.to.as_ref().unwrap().as_str(), "+14155550100");
    assert_eq!(
        (e.ring_seconds, e.talk_seconds, e.outcome),
        (Some(12), Some(95), Some(Outcome::Answered))
    );
    assert_refused(parse(
        Provider::Generic,
        GENERIC_URL,
        &h,
        &body,
        Some("other"),
    ));
    assert_refused(parse(
        Provider::Generic,
        GENERIC_URL,
        &HeaderMap::new(),
        &body,
        Some("gsecret"),
    ));
}

#[test]
fn generic_batch_names_the_bad_item_and_field() {
    let body = br#"[{"event_id":"a","call_id":"1","event":"ringing"},{"event_id":"b","call_id":"1","event":"ended","talk_seconds":-4}]"#;
    assert_malformed(
        parse(
            Provider::Generic,
            GENERIC_URL,
            &HeaderMap::new(),
            body,
            None,
        ),
        "[1].talk_seconds",
    );
    let body = br#"{"event_id":"a","call_id":"1","event":"exploded"}"#;
    assert_malformed(
        parse(
            Provider::Generic,
            GENERIC_URL,
            &HeaderMap::new(),
            body,
            None,
        ),
        "event",
    );
    let body = br#"{"event_id":"a","call_id":"1","event":"ringing","from":"call me maybe"}"#;
    assert_malformed(
        parse(
            Provider::Generic,
            GENERIC_URL,
            &HeaderMap::new(),
            body,
            None,
        ),
        "from",
    );
}

#[test]
fn generic_rung_names_the_agent_a_call_rang_and_is_bounded() {
    let body = br#"{"event_id":"a","call_id":"1","event":"ringing","rung":"101"}"#;
    let e = parse(
        Provider::Generic,
        GENERIC_URL,
        &HeaderMap::new(),
        body,
        None,
    )
    .unwrap()
    .remove(0);
    assert_eq!(e.rung.as_deref(), Some("101"));
    let long = format!(
        r#"{{"event_id":"a","call_id":"1","event":"ringing","rung":"{}"}}"#,
        "x".repeat(65)
    );
    assert_malformed(
        parse(
            Provider::Generic,
            GENERIC_URL,
            &HeaderMap::new(),
            long.as_bytes(),
            None,
        ),
        "rung",
    );
}

#[test]
fn zadarma_internal_notification_names_the_extension_it_rings() {
    let body = form(&[
        ("event", "NOTIFY_INTERNAL"),
        ("call_start", "2024-03-01 10:15:00"),
        ("pbx_call_id", "in_1"),
        ("caller_id", "74951234567"),
        ("called_did", "74957654321"),
        ("internal", "102"),
    ]);
    let h = zadarma_signed(&body, "zsecret");
    let e = parse(
        Provider::Zadarma,
        ZADARMA_URL,
        &h,
        body.as_bytes(),
        Some("zsecret"),
    )
    .unwrap()
    .remove(0);
    assert_eq!(
        (e.kind, e.rung.as_deref()),
        (EventKind::Ringing, Some("102"))
    );
}

#[test]
fn generic_form_body_and_invalid_utf8_are_malformed() {
    let h = headers(&[("content-type", "application/x-www-form-urlencoded")]);
    assert_malformed(
        parse(Provider::Generic, GENERIC_URL, &h, b"event=ended", None),
        "content-type",
    );
    assert_malformed(
        parse(
            Provider::Generic,
            GENERIC_URL,
            &HeaderMap::new(),
            b"{\"event_id\":\"\xff\"}",
            None,
        ),
        "body",
    );
}

#[test]
fn every_provider_survives_garbage_without_panicking() {
    let junk: [&[u8]; 8] = [
        b"",
        b"{",
        b"[",
        b"\xff\xfe\xfd",
        b"=&=&%%%",
        b"null",
        b"[1,2,3]",
        br#"{"data":[]}"#,
    ];
    for p in Provider::ALL {
        for body in junk {
            let _ = parse(p, GENERIC_URL, &HeaderMap::new(), body, None);
            let _ = parse(p, GENERIC_URL, &HeaderMap::new(), body, Some("k:s"));
        }
    }
}

#[test]
fn mango_event_kind_comes_from_the_signed_json_not_the_unsigned_path() {
    // A signed `call` event (a ringing leg) posted under `/events/summary`: still a ringing call,
    // never the summary that would end it.
    let v = serde_json::json!({
        "entry_id": "ENTRY3", "call_id": "LEG3", "timestamp": 1709280905, "seq": 1,
        "call_state": "Appeared", "location": "abonent",
        "from": {"number": "74951234567"},
        "to": {"extension": "101", "number": "sip:101@acme.mangosip.ru", "line_number": "74957654321"}
    });
    let body = mango_form(&v, "k", "s");
    let h = HeaderMap::new();
    let events = telephony::parse(
        Provider::Mango,
        &mango_req(&h, body.as_bytes(), Some("summary")),
        Some("k:s"),
        "RU",
        now(),
    )
    .unwrap();
    assert_eq!(events.len(), 1);
    assert_eq!(events[0].kind, EventKind::Ringing);
    assert_eq!(events[0].outcome, None);
}

#[test]
fn mango_unsigned_malformed_request_is_refused_as_unsigned_when_a_secret_is_set() {
    let h = HeaderMap::new();
    for body in ["", "not a form at all", "vpbx_api_key=k&sign=abc"] {
        assert_refused(telephony::parse(
            Provider::Mango,
            &mango_req(&h, body.as_bytes(), Some("call")),
            Some("k:s"),
            "RU",
            now(),
        ));
        // Without a secret (the CLI) the shape is what is wrong.
        assert!(matches!(
            telephony::parse(
                Provider::Mango,
                &mango_req(&h, body.as_bytes(), None),
                None,
                "RU",
                now()
            ),
            Err(WebhookError::Malformed { .. })
        ));
    }
}

#[test]
fn zadarma_unsigned_malformed_request_is_refused_as_unsigned_when_a_secret_is_set() {
    let h = HeaderMap::new();
    let req = |body: &'static str| WebhookRequest {
        public_url: "https://api.example.com/v1/hooks/acme/zadarma",
        headers: &h,
        body: body.as_bytes(),
        mango_kind: None,
    };
    for body in ["", "pbx_call_id=x"] {
        assert_refused(telephony::parse(
            Provider::Zadarma,
            &req(body),
            Some("secret"),
            "RU",
            now(),
        ));
        assert!(matches!(
            telephony::parse(Provider::Zadarma, &req(body), None, "RU", now()),
            Err(WebhookError::Malformed { .. })
        ));
    }
}
