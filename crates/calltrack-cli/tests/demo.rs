//! `calltrack demo` end to end: the report it prints is read back from the store, and must agree
//! with the generator's own tallies, kept apart from anything the system computed.

use std::path::Path;
use std::process::Command;

use serde_json::Value;

fn demo(dir: &Path, extra: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_calltrack"))
        .args([
            "demo",
            "--days",
            "6",
            "--seed",
            "3",
            "--until",
            "2026-01-31",
            "--json",
            "--data",
        ])
        .arg(dir)
        .args(extra)
        .output()
        .expect("run calltrack")
}

fn tmp(name: &str) -> std::path::PathBuf {
    let d = std::env::temp_dir().join(format!("ct-demo-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    d
}

fn major(v: &Value) -> i64 {
    (v.as_f64().expect("a number") * 100.0).round() as i64
}

#[test]
fn demo_report_agrees_with_the_generators_own_tallies() {
    let dir = tmp("tallies");
    let tallies = dir.with_extension("tallies.json");
    let out = demo(&dir, &["--tallies", tallies.to_str().unwrap()]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let report: Value = serde_json::from_slice(&out.stdout).expect("one JSON document on stdout");
    let t: Value = serde_json::from_slice(&std::fs::read(&tallies).unwrap()).unwrap();
    let t = t.as_object().unwrap();
    let sum = |k: &str| t.values().map(|v| v[k].as_i64().unwrap()).sum::<i64>();
    let totals = &report["totals"];
    assert!(
        sum("calls") > 50,
        "the demo generated too little traffic to test"
    );
    assert_eq!(totals["calls"].as_i64().unwrap(), sum("calls"));
    assert_eq!(totals["answered"].as_i64().unwrap(), sum("answered"));
    assert_eq!(totals["missed"].as_i64().unwrap(), sum("missed"));
    assert_eq!(totals["deals"].as_i64().unwrap(), sum("deals"));
    assert_eq!(major(&totals["revenue"]), sum("revenue_minor"));
    assert_eq!(major(&totals["cost"]), sum("cost_minor"));
    // Static numbers are attributed exactly; web calls go through the pool's evidence.
    let channels = report["channels"].as_array().unwrap();
    for source in ["billboard", "flyer", "radio"] {
        let row = channels
            .iter()
            .find(|c| c["channel"] == source)
            .expect(source);
        assert_eq!(
            row["calls"].as_i64(),
            t[source]["calls"].as_i64(),
            "{source}"
        );
        assert_eq!(
            major(&row["cost"]),
            t[source]["cost_minor"].as_i64().unwrap(),
            "{source}"
        );
    }
    // Channel rows add up to the totals.
    assert_eq!(
        channels
            .iter()
            .map(|c| c["calls"].as_i64().unwrap())
            .sum::<i64>(),
        totals["calls"].as_i64().unwrap()
    );
}

#[test]
fn demo_is_deterministic_for_a_seed_and_refuses_a_used_data_dir() {
    let (a, b) = (tmp("a"), tmp("b"));
    let first = demo(&a, &[]);
    let second = demo(&b, &[]);
    assert!(first.status.success() && second.status.success());
    let strip = |o: &[u8]| {
        let mut v: Value = serde_json::from_slice(o).unwrap();
        // Problem calls carry ids only; everything else must repeat exactly.
        v.as_object_mut().unwrap().remove("problem_calls");
        v
    };
    assert_eq!(strip(&first.stdout), strip(&second.stdout));
    let again = demo(&a, &[]);
    assert_eq!(again.status.code(), Some(4), "a used data dir is refused");
    assert!(String::from_utf8_lossy(&again.stderr).contains("--reset"));
    assert!(demo(&a, &["--reset"]).status.success());
}
