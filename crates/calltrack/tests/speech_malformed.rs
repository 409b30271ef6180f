//! Damaged transcripts: a clear error or a partial analysis flagged as such, never a panic.

use calltrack::speech::{self, AnalysisConfig, TranscriptError};
use proptest::prelude::*;

fn ru_call() -> Vec<u8> {
    let path = format!(
        "{}/tests/data/ru-channel-call.json",
        env!("CARGO_MANIFEST_DIR")
    );
    std::fs::read(path).unwrap()
}

fn en() -> AnalysisConfig {
    AnalysisConfig::for_language("en-US")
}

fn item(start: Option<&str>, end: Option<&str>, label: &str, word: &str) -> serde_json::Value {
    let mut v = serde_json::json!({"type": "pronunciation", "channel_label": label,
        "alternatives": [{"confidence": "0.9", "content": word}]});
    if let Some(s) = start {
        v["start_time"] = s.into();
    }
    if let Some(e) = end {
        v["end_time"] = e.into();
    }
    v
}

fn doc(items: Vec<serde_json::Value>) -> Vec<u8> {
    serde_json::to_vec(&serde_json::json!({"results": {"items": items}})).unwrap()
}

#[test]
fn truncated_json_is_an_error_that_says_where() {
    let bytes = ru_call();
    let err = speech::parse(&bytes[..bytes.len() / 2]).unwrap_err();
    assert!(
        matches!(err, TranscriptError::Json { line, .. } if line > 1),
        "{err}"
    );
    assert!(err.to_string().starts_with("not valid JSON at line"));
}

#[test]
fn json_that_is_not_a_transcript_is_refused() {
    for text in [&b"{}"[..], b"[]", b"42", br#"{"results": 3}"#] {
        assert!(
            speech::parse(text).is_err(),
            "{}",
            String::from_utf8_lossy(text)
        );
    }
}

#[test]
fn words_without_times_are_skipped_and_the_analysis_is_partial() {
    let bytes = doc(vec![
        item(Some("0.5"), Some("0.9"), "ch_0", "hello"),
        item(None, Some("1.5"), "ch_0", "there"),
        item(Some("abc"), Some("2.0"), "ch_0", "friend"),
        item(Some("1.0"), Some("1.4"), "ch_1", "hi"),
    ]);
    let a = speech::analyse_json(&bytes, &en()).unwrap();
    assert!(a.partial);
    assert!(
        a.warnings
            .iter()
            .any(|w| w.starts_with("2 word(s) without")),
        "{:?}",
        a.warnings
    );
    assert_eq!((a.agent.words, a.customer.words), (1, 1));
}

#[test]
fn empty_items_give_a_partial_analysis_of_nothing() {
    let a = speech::analyse_json(br#"{"results": {"items": []}}"#, &en()).unwrap();
    assert!(a.partial);
    assert_eq!(a.duration_seconds, 0.0);
    assert_eq!(a.agent.words_per_minute, None);
    assert_eq!(a.talk_to_listen, None);
    assert_eq!(a.score, 0);
    assert_eq!(a.reasons[0].code, "no_speech");
}

#[test]
fn a_single_channel_is_a_partial_analysis_with_a_silent_customer() {
    let bytes = doc(vec![
        item(Some("0.5"), Some("0.9"), "ch_0", "hello"),
        item(Some("1.0"), Some("1.4"), "ch_0", "anyone"),
    ]);
    let a = speech::analyse_json(&bytes, &en()).unwrap();
    assert!(a.partial);
    assert!(
        a.warnings.iter().any(|w| w.contains("customer side")),
        "{:?}",
        a.warnings
    );
    assert_eq!(a.customer.talk_seconds, 0.0);
    assert_eq!(a.talk_to_listen, None);
}

#[test]
fn items_without_any_labels_are_all_the_agents_and_flagged() {
    let bytes = br#"{"results": {"items": [{"start_time": "0.1", "end_time": "0.5",
        "type": "pronunciation", "alternatives": [{"confidence": "1.0", "content": "Hello"}]}]}}"#;
    let a = speech::analyse_json(bytes, &en()).unwrap();
    assert!(a.partial);
    assert_eq!(a.agent.words, 1);
}

#[test]
fn numeric_times_and_newer_audio_segments_are_understood() {
    // Newer outputs number the items and list them per speaker in `audio_segments`.
    let bytes = br#"{"results": {"language_code": "en-US", "items": [
        {"id": 0, "start_time": 0.5, "end_time": 0.9, "type": "pronunciation",
         "alternatives": [{"confidence": "0.99", "content": "Hello"}]},
        {"id": 1, "type": "punctuation", "alternatives": [{"confidence": "0.0", "content": "."}]},
        {"id": 2, "start_time": "1.5", "end_time": "1.9", "type": "pronunciation",
         "alternatives": [{"confidence": "0.99", "content": "Hi"}]}],
      "audio_segments": [
        {"id": 0, "transcript": "Hello.", "start_time": "0.5", "end_time": "0.9",
         "speaker_label": "spk_0", "items": [0, 1]},
        {"id": 1, "transcript": "Hi", "start_time": "1.5", "end_time": "1.9",
         "speaker_label": "spk_1", "items": [2]}]}}"#;
    let t = speech::parse(bytes).unwrap();
    assert_eq!(t.speakers, ["spk_0", "spk_1"]);
    let a = speech::analyse(&t, &en());
    assert!(!a.partial, "{:?}", a.warnings);
    assert_eq!((a.agent.words, a.customer.words), (1, 1));
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]

    #[test]
    fn no_truncation_of_a_transcript_panics(cut in 0usize..70_000) {
        let bytes = ru_call();
        let cut = cut % (bytes.len() + 1);
        if let Ok(t) = speech::parse(&bytes[..cut]) {
            let a = speech::analyse(&t, &AnalysisConfig::for_language("ru-RU"));
            prop_assert!(a.score <= 100);
        }
    }

    #[test]
    fn no_corrupted_byte_panics_and_figures_stay_sane(pos in 0usize..70_000, byte in any::<u8>()) {
        let mut bytes = ru_call();
        let pos = pos % bytes.len();
        bytes[pos] = byte;
        if let Ok(t) = speech::parse(&bytes) {
            let a = speech::analyse(&t, &AnalysisConfig::for_language("ru-RU"));
            prop_assert!(a.score <= 100);
            prop_assert!(a.non_talk_seconds <= a.duration_seconds + 0.01);
            prop_assert!((0.0..=1.0).contains(&a.overtalk_share));
        }
    }
}
