//! The analyser measured on the labelled set: every label keeps at least the precision and
//! recall BENCHMARKS.md quotes, so a change to the dictionaries or the rules that loses ground
//! fails here, with the misses listed.

mod speech_eval;

#[test]
fn the_labelled_set_has_thirty_calls_in_two_languages() {
    let calls = speech_eval::calls(speech_eval::TRAINING);
    assert!(calls.len() >= 30, "{}", calls.len());
    for lang in ["ru-RU", "en-US"] {
        assert!(
            calls.iter().filter(|c| c.language == lang).count() >= 15,
            "{lang}"
        );
    }
    let mut ids: Vec<&str> = calls.iter().map(|c| c.id.as_str()).collect();
    ids.sort();
    ids.dedup();
    assert_eq!(ids.len(), calls.len(), "call ids are unique");
}

#[test]
fn every_label_meets_its_measured_floor() {
    let e = speech_eval::evaluate(speech_eval::TRAINING);
    let table = speech_eval::table(&e);
    let misses: Vec<String> = e
        .misses
        .iter()
        .map(|(c, u, k)| format!("{c}: {u} {k}"))
        .collect();
    for (label, c) in &e.labels {
        let (p, r) = (c.precision().unwrap_or(1.0), c.recall().unwrap_or(1.0));
        let (fp, fr) = floor(label);
        assert!(
            p >= fp && r >= fr,
            "{label}: precision {p:.2}, recall {r:.2} (floors {fp}, {fr})\n{table}\n{}",
            misses.join("\n")
        );
    }
}

/// The target, 0.9, for every label but the one BENCHMARKS.md explains: a customer's
/// "ну, в рассрочку уже можно подумать" after a handled price objection reads as a timing hedge.
fn floor(label: &str) -> (f64, f64) {
    match label {
        "objection:timing" => (0.75, 0.9),
        _ => (0.9, 0.9),
    }
}
