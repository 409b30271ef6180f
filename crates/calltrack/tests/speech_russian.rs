//! A Russian sales call (tests/data/ru-channel-call.json, built by make_ru_call.py in the shape
//! of a Transcribe channel-identification output): stages, objections and keywords are found
//! through inflected forms with the shipped Russian defaults.

use calltrack::speech::{self, Analysis, AnalysisConfig, Side};

fn analysis() -> Analysis {
    let path = format!(
        "{}/tests/data/ru-channel-call.json",
        env!("CARGO_MANIFEST_DIR")
    );
    let t = speech::parse(&std::fs::read(path).unwrap()).unwrap();
    assert_eq!(t.language_code.as_deref(), Some("ru-RU"));
    speech::analyse(&t, &AnalysisConfig::for_language("ru-RU"))
}

#[test]
fn russian_call_completes_every_script_stage_through_inflected_forms() {
    let a = analysis();
    let at = |name: &str| {
        let s = a.script.stages.iter().find(|s| s.name == name).unwrap();
        assert!(s.found, "{name}: {}", s.reason);
        s.at.unwrap()
    };
    assert_eq!(at("greeting"), 0.8); // "Добрый день"
    assert_eq!(at("introduction"), 1.9); // "Меня зовут"
    assert_eq!(at("needs_discovery"), 9.2); // "Подскажите" (stem подскаж-)
    assert_eq!(at("offer"), 24.5); // "Могу предложить" (мог-, предлож-)
    assert_eq!(at("objection_handling"), 34.5); // "Понимаю вас", after the objection
    assert_eq!(at("next_step"), 49.6); // "Оформляем" (оформ*)
    assert_eq!(at("farewell"), 63.2); // "Спасибо за звонок", within the last 30 s
    assert_eq!(a.script.score, 100);
}

#[test]
fn russian_objections_are_found_and_each_marked_answered_or_not() {
    let a = analysis();
    let got: Vec<(&str, f64, bool)> = a
        .objections
        .iter()
        .map(|o| (o.kind.as_str(), o.at, o.handled))
        .collect();
    assert_eq!(
        got,
        [
            ("price", 29.81, true), // "дороговато"; the agent answers "Понимаю вас. Зато..."
            ("competitor", 31.62, true), // "у конкурентов"
            ("trust", 43.83, false), // "отзывам"; the agent only says "Да." and "Оформляем?"
            ("timing", 51.86, true), // "подумать, посоветоваться"; "Давайте я отправлю..."
        ]
    );
    let unhandled: Vec<&str> = a
        .reasons
        .iter()
        .filter(|r| r.code == "objection_unhandled")
        .map(|r| r.message.as_str())
        .collect();
    assert_eq!(
        unhandled,
        ["trust objection at 43.83 s was not answered (\"А отзывам вашим вообще можно верить?\")"]
    );
}

#[test]
fn russian_keywords_match_case_forms_with_side_and_time() {
    let a = analysis();
    let has = |category: &str, phrase: &str, side: Side| {
        a.keywords
            .iter()
            .any(|k| k.category == category && k.phrase == phrase && k.side == side)
    };
    assert!(
        has("prices", "цена", Side::Customer),
        "\"цену\" is a form of \"цена\""
    );
    assert!(has("prices", "рубл*", Side::Agent));
    assert!(has("prices", "стоимост*", Side::Agent), "\"стоимость\"");
    assert!(
        has("competitors", "конкурент*", Side::Customer),
        "\"конкурентов\""
    );
    assert!(has("competitors", "у других", Side::Agent));
    assert!(!a.complaint);
    assert!(!a.conflict);
}

#[test]
fn russian_call_timing_has_one_silence_and_one_interruption() {
    let a = analysis();
    assert!(!a.partial, "{:?}", a.warnings);
    assert_eq!(a.duration_seconds, 66.06);
    assert_eq!((a.agent.words, a.customer.words), (68, 36));
    // The agent checks the catalogue: 20.39 -> 24.5.
    assert_eq!(a.silences.len(), 1);
    assert_eq!((a.silences[0].start, a.silences[0].seconds), (20.39, 4.11));
    // The customer cuts into the offer at 29.5; the offer's last word ends at 31.92.
    assert_eq!(a.interruptions.len(), 1);
    let i = &a.interruptions[0];
    assert_eq!(
        (i.at, i.by, i.overlap_seconds),
        (29.5, Side::Customer, 2.42)
    );
    // The offer (24.5-31.92) and its answer (34.5-43.0) are the agent's longest turns.
    assert_eq!(a.agent.longest_monologue_seconds, 8.5);
    // 100 - 10 (unanswered trust objection) - 2 (one long silence).
    assert_eq!(a.score, 88);
}

#[test]
fn swapping_the_agent_channel_swaps_the_sides() {
    let path = format!(
        "{}/tests/data/ru-channel-call.json",
        env!("CARGO_MANIFEST_DIR")
    );
    let t = speech::parse(&std::fs::read(path).unwrap()).unwrap();
    let mut cfg = AnalysisConfig::for_language("ru-RU");
    cfg.agent_channel = 1;
    let a = speech::analyse(&t, &cfg);
    assert_eq!((a.agent.words, a.customer.words), (36, 68));
    // ch_1's "дороговато" is no longer a customer's objection.
    assert!(
        a.objections.iter().all(|o| o.at != 29.81),
        "{:?}",
        a.objections
    );
}
