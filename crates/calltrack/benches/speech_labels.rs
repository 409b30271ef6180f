//! Precision and recall of the speech analyser per label on the labelled set
//! (crates/calltrack/tests/speech-eval/), and every miss: the table BENCHMARKS.md quotes.
//! `cargo bench -p calltrack --bench speech_labels`.

#[path = "../tests/speech_eval/mod.rs"]
mod speech_eval;

fn main() {
    for (name, set) in [
        ("training set", speech_eval::TRAINING),
        ("held-out set", speech_eval::HELD_OUT),
        ("second held-out set", speech_eval::HELD_OUT_2),
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
