//! Precision and recall of the speech analyser per label on the labelled set
//! (crates/calltrack/tests/speech-eval/), and every miss: the table BENCHMARKS.md quotes.
//! `cargo bench -p calltrack --bench speech_labels`.

#[path = "../tests/speech_eval/mod.rs"]
mod speech_eval;

fn main() {
    // `SPEECH_CALL=<id>` prints that call's objections, complaint and stages instead.
    if let Ok(id) = std::env::var("SPEECH_CALL") {
        for set in [
            speech_eval::TRAINING,
            speech_eval::HELD_OUT,
            speech_eval::HELD_OUT_2,
            speech_eval::HELD_OUT_3,
            speech_eval::HELD_OUT_4,
            speech_eval::HELD_OUT_5,
            speech_eval::HELD_OUT_6,
        ] {
            for d in speech_eval::calls(set).iter().filter(|d| d.id == id) {
                let a = speech_eval::analyse(d);
                let v = serde_json::json!({"objections": a.objections, "complaint": a.complaint, "interruptions": a.interruptions,
                    "conflict": a.conflict, "stages": a.script.stages, "reasons": a.reasons});
                println!("{}", serde_json::to_string_pretty(&v).unwrap());
            }
        }
        return;
    }
    for (name, set) in [
        ("training set", speech_eval::TRAINING),
        ("held-out set", speech_eval::HELD_OUT),
        ("second held-out set", speech_eval::HELD_OUT_2),
        ("third held-out set", speech_eval::HELD_OUT_3),
        ("fourth held-out set", speech_eval::HELD_OUT_4),
        ("fifth held-out set", speech_eval::HELD_OUT_5),
        ("sixth held-out set", speech_eval::HELD_OUT_6),
    ] {
        let e = speech_eval::evaluate(set);
        println!("## {name}");
        print!("{}", speech_eval::table(&e));
        println!("\nmisses ({}):", e.misses.len());
        for (call, unit, kind) in &e.misses {
            println!("- {call}: {unit} {kind}");
        }
        println!();
    }
}
