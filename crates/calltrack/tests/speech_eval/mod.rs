//! The labelled speech set (tests/speech-eval/*.txt) scored against the analyser: precision and
//! recall per label, shared by the regression test (tests/speech_labels.rs) and the bench that
//! prints the table for BENCHMARKS.md (benches/speech_labels.rs).

use std::collections::{BTreeMap, BTreeSet};

use calltrack::speech::{self, Analysis, AnalysisConfig, Dialogue};

/// The set the rules and dictionaries were tuned on.
pub const TRAINING: &[(&str, &str)] = &[
    ("ru.txt", include_str!("../speech-eval/ru.txt")),
    ("en.txt", include_str!("../speech-eval/en.txt")),
];

/// Calls written after the tuning and never tuned on: what the figures are on wordings nobody
/// fitted the rules to.
pub const HELD_OUT: &[(&str, &str)] = &[
    (
        "heldout-ru.txt",
        include_str!("../speech-eval/heldout-ru.txt"),
    ),
    (
        "heldout-en.txt",
        include_str!("../speech-eval/heldout-en.txt"),
    ),
];

/// Calls written after the rules were changed on [`HELD_OUT`] and scored once, never tuned on:
/// the honest figure once the first held-out set has been used for tuning.
pub const HELD_OUT_2: &[(&str, &str)] = &[
    (
        "heldout2-ru.txt",
        include_str!("../speech-eval/heldout2-ru.txt"),
    ),
    (
        "heldout2-en.txt",
        include_str!("../speech-eval/heldout2-en.txt"),
    ),
];

/// Calls written (2026-12-07) before the rule changes of that day, scored once before and once
/// after them, never tuned on: the honest figure once the second held-out set has been used.
pub const HELD_OUT_3: &[(&str, &str)] = &[
    (
        "heldout3-ru.txt",
        include_str!("../speech-eval/heldout3-ru.txt"),
    ),
    (
        "heldout3-en.txt",
        include_str!("../speech-eval/heldout3-en.txt"),
    ),
];

/// Calls written (2026-12-07) before the rule changes that followed them that day, scored once
/// before and once after them, never tuned on: the honest figure once the third set is used.
pub const HELD_OUT_4: &[(&str, &str)] = &[
    (
        "heldout4-ru.txt",
        include_str!("../speech-eval/heldout4-ru.txt"),
    ),
    (
        "heldout4-en.txt",
        include_str!("../speech-eval/heldout4-en.txt"),
    ),
];

/// Calls written in a later session (2026-12-07), committed before the rule changes that followed
/// them and scored once before and once after them: the honest figure once the fourth set is used.
pub const HELD_OUT_5: &[(&str, &str)] = &[
    (
        "heldout5-ru.txt",
        include_str!("../speech-eval/heldout5-ru.txt"),
    ),
    (
        "heldout5-en.txt",
        include_str!("../speech-eval/heldout5-en.txt"),
    ),
];

/// Calls written after the fifth set's rule changes (2026-12-07, afternoon), committed before the
/// rule changes that followed them and scored once before and once after them.
pub const HELD_OUT_6: &[(&str, &str)] = &[
    (
        "heldout6-ru.txt",
        include_str!("../speech-eval/heldout6-ru.txt"),
    ),
    (
        "heldout6-en.txt",
        include_str!("../speech-eval/heldout6-en.txt"),
    ),
];

/// Every call of a set, parsed.
pub fn calls(set: &[(&str, &str)]) -> Vec<Dialogue> {
    set.iter()
        .flat_map(|(name, text)| {
            speech::parse_script(text).unwrap_or_else(|e| panic!("{name}: {e}"))
        })
        .collect()
}

/// One call's labels as `name` or `family:kind` units: stages, `objection:<kind>`,
/// `handled:<kind>`, `complaint`, `conflict`.
pub fn truth(d: &Dialogue) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    for l in &d.labels {
        match l.split_once(':') {
            Some((kind, state)) => {
                out.insert(format!("objection:{kind}"));
                assert!(
                    matches!(state, "handled" | "unhandled"),
                    "{}: objection label `{l}` is kind:handled or kind:unhandled",
                    d.id
                );
                if state == "handled" {
                    out.insert(format!("handled:{kind}"));
                }
            }
            None => {
                out.insert(l.clone());
            }
        }
    }
    out
}

/// What the analyser found, in the same units as [`truth`]. The objection-handling stage is
/// not its own unit: it is `handled:<kind>`.
pub fn predicted(a: &Analysis) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    for s in &a.script.stages {
        if s.found && s.at.is_some() && s.name != "objection_handling" {
            out.insert(s.name.clone());
        }
    }
    for o in &a.objections {
        out.insert(format!("objection:{}", o.kind));
        if o.handled {
            out.insert(format!("handled:{}", o.kind));
        }
    }
    if a.complaint {
        out.insert("complaint".into());
    }
    if a.conflict {
        out.insert("conflict".into());
    }
    out
}

/// The label a unit is counted under: `handled:<kind>` units add up into one `handled` label.
fn label_of(unit: &str) -> &str {
    if unit.starts_with("handled:") {
        "handled"
    } else {
        unit
    }
}

#[derive(Debug, Default, Clone, Copy)]
pub struct Counts {
    pub tp: usize,
    pub fp: usize,
    pub r#fn: usize,
}

impl Counts {
    pub fn precision(&self) -> Option<f64> {
        (self.tp + self.fp > 0).then(|| self.tp as f64 / (self.tp + self.fp) as f64)
    }
    pub fn recall(&self) -> Option<f64> {
        (self.tp + self.r#fn > 0).then(|| self.tp as f64 / (self.tp + self.r#fn) as f64)
    }
}

/// The whole set scored: counts per label, and every miss as (call, unit, "false positive" or
/// "missed").
pub struct Evaluation {
    pub calls: usize,
    pub labels: BTreeMap<String, Counts>,
    pub misses: Vec<(String, String, &'static str)>,
}

/// The analysis of one call of the set, as the product makes it (Transcribe's shape, the
/// language's defaults).
pub fn analyse(d: &Dialogue) -> Analysis {
    let cfg = AnalysisConfig::for_language(&d.language);
    let json = serde_json::to_vec(&speech::transcribe_json(&d.lines, &d.language)).unwrap();
    speech::analyse_json(&json, &cfg).expect("a generated transcript parses")
}

pub fn evaluate(set: &[(&str, &str)]) -> Evaluation {
    let calls = calls(set);
    let mut labels: BTreeMap<String, Counts> = BTreeMap::new();
    let mut misses = Vec::new();
    for d in &calls {
        let a = analyse(d);
        let (t, p) = (truth(d), predicted(&a));
        for unit in t.union(&p) {
            let c = labels.entry(label_of(unit).to_string()).or_default();
            match (t.contains(unit), p.contains(unit)) {
                (true, true) => c.tp += 1,
                (false, true) => {
                    c.fp += 1;
                    misses.push((d.id.clone(), unit.clone(), "false positive"));
                }
                (true, false) => {
                    c.r#fn += 1;
                    misses.push((d.id.clone(), unit.clone(), "missed"));
                }
                (false, false) => unreachable!(),
            }
        }
    }
    Evaluation {
        calls: calls.len(),
        labels,
        misses,
    }
}

/// The table BENCHMARKS.md quotes: one row per label.
pub fn table(e: &Evaluation) -> String {
    let f = |x: Option<f64>| x.map_or("-".to_string(), |v| format!("{v:.2}"));
    let mut s = format!(
        "{} calls\n| label | in the set | found right | false | missed | precision | recall |\n|---|---|---|---|---|---|---|\n",
        e.calls
    );
    for (label, c) in &e.labels {
        s += &format!(
            "| {label} | {} | {} | {} | {} | {} | {} |\n",
            c.tp + c.r#fn,
            c.tp,
            c.fp,
            c.r#fn,
            f(c.precision()),
            f(c.recall())
        );
    }
    s
}
