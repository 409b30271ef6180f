//! The analyser on every Amazon Transcribe sample in ../shared/fixtures/transcribe, with figures
//! checked by hand (and recomputed with a short Python script from the same files).

use calltrack::speech::{self, AnalysisConfig, Labelling, Side, TranscriptError};

/// The shared fixtures sit beside the repository (`../shared/fixtures`); CALLTRACK_FIXTURES
/// points elsewhere.
fn fixture(name: &str) -> Vec<u8> {
    let root = std::env::var("CALLTRACK_FIXTURES")
        .unwrap_or_else(|_| format!("{}/../../../shared/fixtures", env!("CARGO_MANIFEST_DIR")));
    let path = format!("{root}/transcribe/{name}");
    std::fs::read(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

fn en() -> AnalysisConfig {
    AnalysisConfig::for_language("en-US")
}

#[test]
fn channel_identified_docs_example_splits_agent_and_customer_by_channel() {
    let t = speech::parse(&fixture("aws-docs-channel-id-output-batch.json")).unwrap();
    assert_eq!(t.labelling, Labelling::Channels);
    assert_eq!(t.speakers, ["ch_0", "ch_1"]);
    assert_eq!(t.words.len(), 10, "7 + 3 words; punctuation has no time");
    let a = speech::analyse(&t, &en());
    assert!(!a.partial, "{:?}", a.warnings);
    // ch_0 speaks 4.86-6.87 (the 0.27 s pause before "an" is inside the 0.5 s merge gap).
    assert_eq!(a.agent.talk_seconds, 2.01);
    assert_eq!(a.agent.words, 7);
    assert_eq!(a.agent.words_per_minute, Some(208.96)); // 7 / (2.01 / 60)
    assert_eq!(a.customer.talk_seconds, 0.75); // 8.50-9.25
    assert_eq!(a.customer.words_per_minute, Some(240.0));
    assert_eq!(a.duration_seconds, 9.25);
    assert_eq!(a.talk_to_listen, Some(2.68));
    // 9.25 - 2.01 - 0.75; the 4.86 s before the first word is a silence.
    assert_eq!(a.non_talk_seconds, 6.49);
    assert_eq!(a.silences.len(), 1);
    assert_eq!((a.silences[0].start, a.silences[0].seconds), (0.0, 4.86));
    assert!(a.interruptions.is_empty());
    assert_eq!(a.overtalk_share, 0.0);
}

#[test]
fn the_on_hold_complaint_counts_only_when_said_by_the_customer() {
    let bytes = fixture("aws-docs-channel-id-output-batch.json");
    let t = speech::parse(&bytes).unwrap();
    let as_agent = speech::analyse(&t, &en());
    assert!(!as_agent.complaint, "ch_0 is the agent by default");
    let hit = &as_agent.keywords[0];
    assert_eq!(
        (hit.category.as_str(), hit.side, hit.at),
        ("complaints", Side::Agent, 5.16)
    );

    let mut cfg = en();
    cfg.agent_channel = 1;
    let a = speech::analyse(&t, &cfg);
    assert!(a.complaint);
    assert_eq!(a.agent.words, 3);
    assert!(a.reasons.iter().any(|r| r.code == "complaint"));
}

#[test]
fn diarized_docs_example_takes_the_first_speaker_as_the_agent() {
    let t = speech::parse(&fixture("aws-docs-diarization-output-batch.json")).unwrap();
    assert_eq!(t.labelling, Labelling::Speakers);
    let a = speech::analyse(&t, &en());
    assert!(!a.partial);
    assert_eq!(a.agent.words, 7); // spk_0: "I've been on hold for an hour"
    assert_eq!(a.agent.talk_seconds, 2.01); // 4.87-6.88
    assert_eq!(a.customer.talk_seconds, 0.75); // 8.49-9.24
    assert_eq!(a.duration_seconds, 9.24);
    assert_eq!(a.non_talk_seconds, 6.48);
    assert_eq!(a.silences[0].seconds, 4.87);
}

#[test]
fn real_three_speaker_job_maps_unlabelled_items_to_speakers_through_segments() {
    // This job's items carry no speaker_label: only speaker_labels.segments say who spoke.
    let t = speech::parse(&fixture("real-job-speaker-identification-3spk.json")).unwrap();
    assert_eq!(t.labelling, Labelling::Speakers);
    assert_eq!(t.speakers.len(), 3);
    assert_eq!(t.words.len(), 354);
    assert_eq!(t.language_code, None);
    let a = speech::analyse(&t, &en());
    assert!(!a.partial, "{:?}", a.warnings);
    assert_eq!(a.duration_seconds, 141.54);
    // spk_0 talks first and is the agent; spk_1 (96 words) and spk_2 (53) are the customer side.
    assert_eq!((a.agent.words, a.customer.words), (205, 149));
    assert_eq!(a.agent.talk_seconds, 62.46);
    assert_eq!(a.customer.talk_seconds, 47.46);
    assert_eq!(a.agent.words_per_minute, Some(196.93));
    assert_eq!(a.customer.words_per_minute, Some(188.37));
    assert_eq!(a.non_talk_seconds, 31.62);
    let silences: Vec<(f64, f64)> = a.silences.iter().map(|s| (s.start, s.seconds)).collect();
    assert_eq!(silences, [(52.7, 5.34), (111.9, 4.84)]);
    assert!((0..=100).contains(&a.score));
}

#[test]
fn agent_speaker_can_be_chosen_and_the_others_are_the_customer() {
    let t = speech::parse(&fixture("real-job-speaker-identification-3spk.json")).unwrap();
    let mut cfg = en();
    cfg.agent_speaker = Some("spk_1".into());
    let a = speech::analyse(&t, &cfg);
    assert_eq!((a.agent.words, a.customer.words), (96, 258));
    assert!(!a.partial);
}

#[test]
fn an_unknown_agent_speaker_falls_back_to_the_first_and_says_so() {
    let t = speech::parse(&fixture("real-job-speaker-identification-3spk.json")).unwrap();
    let mut cfg = en();
    cfg.agent_speaker = Some("spk_9".into());
    let a = speech::analyse(&t, &cfg);
    assert!(a.partial);
    assert!(a.warnings.iter().any(|w| w.contains("spk_9")));
    assert_eq!(a.agent.words, 205);
}

#[test]
fn call_analytics_excerpt_alone_is_refused_as_not_a_transcript() {
    // The fixture is only the ConversationCharacteristics block: no turns to analyse.
    let err = speech::parse(&fixture(
        "aws-docs-tca-conversation-characteristics.excerpt.json",
    ))
    .unwrap_err();
    assert!(matches!(err, TranscriptError::NotTranscribe), "{err}");
}

/// A Call Analytics document BUILT FOR THIS TEST (no complete public one is known): the turns
/// the AWS docs' compiled example shows (content, offsets, roles) with the docs' own
/// ConversationCharacteristics block from the excerpt fixture, which pins the field names.
fn built_call_analytics() -> Vec<u8> {
    let chars: serde_json::Value = serde_json::from_slice(&fixture(
        "aws-docs-tca-conversation-characteristics.excerpt.json",
    ))
    .unwrap();
    let turn = |content: &str, begin: u64, end: u64, role: &str| {
        serde_json::json!({"LoudnessScores": [78.6, 77.9], "Content": content, "Id": "x",
            "BeginOffsetMillis": begin, "EndOffsetMillis": end, "Sentiment": "NEUTRAL",
            "ParticipantRole": role})
    };
    let doc = serde_json::json!({
        "JobStatus": "COMPLETED",
        "LanguageCode": "en-US",
        "Transcript": [
            turn("That's very sad to hear. Can I offer you a 50% discount to have you stay with us?", 12180, 16960, "AGENT"),
            turn("That is a very generous offer. And I accept.", 17140, 19860, "CUSTOMER"),
            turn("I will send an email with all the details to you today, and I will call you back next week to follow up. Have a wonderful evening.", 31800, 39450, "AGENT"),
            turn("Thank you very much, sir. Goodbye.", 40040, 42460, "CUSTOMER"),
        ],
        "ConversationCharacteristics": chars["ConversationCharacteristics"],
    });
    serde_json::to_vec(&doc).unwrap()
}

#[test]
fn call_analytics_output_reads_roles_and_millisecond_offsets() {
    let t = speech::parse(&built_call_analytics()).unwrap();
    assert_eq!(t.labelling, Labelling::Roles);
    assert_eq!(t.language_code.as_deref(), Some("en-US"));
    let a = speech::analyse(&t, &en());
    // The last turn ends at 42460 ms = the docs' TotalConversationDurationMillis.
    assert_eq!(a.duration_seconds, 42.46);
    assert_eq!(a.agent.talk_seconds, 12.43); // 4.78 + 7.65
    assert_eq!(a.customer.talk_seconds, 5.14); // 2.72 + 2.42
    assert_eq!(a.agent.words, 18 + 27);
    assert!(a.warnings.iter().any(|w| w.contains("spread evenly")));
    let stage = |name: &str| a.script.stages.iter().find(|s| s.name == name).unwrap();
    assert!(stage("offer").found);
    assert!(stage("next_step").found);
    assert!(stage("farewell").found, "{:?}", stage("farewell"));
    assert!(!stage("greeting").found);
}

#[test]
fn analysis_json_has_exactly_the_documented_keys_and_round_trips() {
    let t = speech::parse(&fixture("aws-docs-diarization-output-batch.json")).unwrap();
    let a = speech::analyse(&t, &en());
    let v = serde_json::to_value(&a).unwrap();
    let keys: Vec<&str> = v.as_object().unwrap().keys().map(String::as_str).collect();
    let mut want = vec![
        "duration_seconds",
        "language",
        "partial",
        "warnings",
        "agent",
        "customer",
        "talk_to_listen",
        "non_talk_seconds",
        "silences",
        "interruptions",
        "overtalk_share",
        "keywords",
        "script",
        "objections",
        "complaint",
        "conflict",
        "score",
        "reasons",
    ];
    let mut got = keys.clone();
    got.sort_unstable();
    want.sort_unstable();
    assert_eq!(got, want);
    let side: Vec<&str> = v["agent"]
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    assert_eq!(side.len(), 4);
    let back: speech::Analysis = serde_json::from_value(v).unwrap();
    assert_eq!(back, a);
}
