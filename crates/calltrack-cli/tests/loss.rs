//! `calltrack loss`: the what-if for stated figures (the seed's worked example) and its exit
//! codes, and the same estimate from a tenant's own demo traffic.

use std::process::Command;

use serde_json::Value;

fn calltrack(args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_calltrack"))
        .args(args)
        .output()
        .expect("run calltrack")
}

const EXAMPLE: [&str; 12] = [
    "--potential-deals",
    "1000",
    "--avg-deal",
    "20000",
    "--missed-share",
    "0.10",
    "--lost-per-missed",
    "0.5",
    "--target-missed-share",
    "0.02",
    "--tool-cost",
    "30000",
];

#[test]
fn the_worked_example_reproduces_with_its_json_keys() {
    let out = calltrack(&[&["--json", "loss"][..], &EXAMPLE].concat());
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let j: Value = serde_json::from_slice(&out.stdout).unwrap();
    let want = [
        ("lost_deals_now", 50.0),
        ("lost_revenue_now", 1_000_000.0),
        ("lost_deals_after", 10.0),
        ("lost_revenue_after", 200_000.0),
        ("monthly_saving", 800_000.0),
        ("monthly_net", 770_000.0),
        ("yearly_net", 9_240_000.0),
    ];
    for (k, v) in want {
        assert_eq!(j[k].as_f64(), Some(v), "{k} in {j}");
    }
}

#[test]
fn a_missing_flag_exits_2_and_a_bad_share_or_negative_value_exits_4() {
    let missing = calltrack(&["loss", "--potential-deals", "1000", "--avg-deal", "20000"]);
    assert_eq!(missing.status.code(), Some(2));
    for (flag, value) in [
        ("--missed-share", "1.5"),
        ("--target-missed-share", "-0.1"),
        ("--avg-deal", "-1"),
        ("--potential-deals", "-5"),
    ] {
        let mut args: Vec<&str> = vec!["loss"];
        for pair in EXAMPLE.chunks(2) {
            args.extend([pair[0], if pair[0] == flag { value } else { pair[1] }]);
        }
        let out = calltrack(&args);
        assert_eq!(out.status.code(), Some(4), "{flag} {value}");
    }
}

#[test]
fn a_tenants_what_if_comes_from_its_own_measured_figures() {
    let dir = std::env::temp_dir().join(format!("ct-loss-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let d = dir.to_str().unwrap();
    let demo = calltrack(&[
        "--data",
        d,
        "demo",
        "--days",
        "7",
        "--seed",
        "5",
        "--until",
        "2026-11-26",
    ]);
    assert!(demo.status.success());
    let period = ["--from", "2026-11-20", "--to", "2026-11-26"];
    let out = calltrack(
        &[
            &["--data", d, "--json", "loss", "demo"][..],
            &period,
            &["--target-missed-share", "0"],
        ]
        .concat(),
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let j: Value = serde_json::from_slice(&out.stdout).unwrap();
    let w = &j["what_if"];
    // At a target of 0 nothing is lost after, so the saving is everything lost now.
    assert_eq!(w["lost_deals_after"].as_f64(), Some(0.0));
    assert_eq!(w["monthly_saving"], w["lost_revenue_now"]);
    assert!(w["lost_deals_now"].as_f64().unwrap() > 0.0, "{j}");
    assert!(j["lost"].as_i64().unwrap() > 0);
    // Measured figures leave no room for stated ones.
    let both = calltrack(
        &[
            &["--data", d, "loss", "demo", "--missed-share", "0.1"][..],
            &period,
        ]
        .concat(),
    );
    assert_eq!(both.status.code(), Some(2));
}
