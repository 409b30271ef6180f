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
    let misses = miss_lines(&e);
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

#[test]
fn the_held_out_sets_are_distinct_calls_in_both_languages() {
    let mut ids: Vec<String> = Vec::new();
    for (set, at_least) in [
        (speech_eval::TRAINING, 30),
        (speech_eval::HELD_OUT, 20),
        (speech_eval::HELD_OUT_2, 10),
        (speech_eval::HELD_OUT_3, 20),
        (speech_eval::HELD_OUT_4, 20),
        (speech_eval::HELD_OUT_5, 14),
        (speech_eval::HELD_OUT_6, 12),
    ] {
        let calls = speech_eval::calls(set);
        assert!(calls.len() >= at_least, "{} < {at_least}", calls.len());
        for lang in ["ru-RU", "en-US"] {
            assert!(calls.iter().any(|c| c.language == lang), "{lang}");
        }
        ids.extend(calls.into_iter().map(|c| c.id));
    }
    let n = ids.len();
    ids.sort();
    ids.dedup();
    assert_eq!(ids.len(), n, "no call is in two sets");
}

/// The held-out sets are held to the misses BENCHMARKS.md quotes for them now that the first
/// five have been tuned on (2 on the first, 1 on the second, 6 on the third, 9 on the fourth, 13
/// on the fifth) and the sixth was scored once before and once after the rule changes that
/// followed it (18, then 16), so a change cannot quietly lose ground. A lower count is progress:
/// lower the bound.
#[test]
fn the_held_out_sets_keep_their_measured_miss_counts() {
    for (name, set, most) in [
        ("held-out", speech_eval::HELD_OUT, 2),
        ("second held-out", speech_eval::HELD_OUT_2, 1),
        ("third held-out", speech_eval::HELD_OUT_3, 6),
        ("fourth held-out", speech_eval::HELD_OUT_4, 9),
        ("fifth held-out", speech_eval::HELD_OUT_5, 13),
        ("sixth held-out", speech_eval::HELD_OUT_6, 16),
    ] {
        let e = speech_eval::evaluate(set);
        let misses = miss_lines(&e);
        assert!(
            misses.len() <= most,
            "{name}: {} misses, at most {most}\n{}\n{}",
            misses.len(),
            speech_eval::table(&e),
            misses.join("\n")
        );
    }
}

/// Each miss as `call: unit kind`, for a failing assertion's message.
fn miss_lines(e: &speech_eval::Evaluation) -> Vec<String> {
    e.misses
        .iter()
        .map(|(c, u, k)| format!("{c}: {u} {k}"))
        .collect()
}

/// The target, 0.9, for every label but the one BENCHMARKS.md explains: a customer's
/// "ну, в рассрочку уже можно подумать" after a handled price objection reads as a timing hedge.
fn floor(label: &str) -> (f64, f64) {
    match label {
        "objection:timing" => (0.75, 0.9),
        _ => (0.9, 0.9),
    }
}
