//! Setting a tenant up by hand: the admin commands, their JSON, and their answers to bad input
//! (exit 4 with a reason, nothing written; exit 2 for a wrong command line).

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use serde_json::Value;

fn ct(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_calltrack"))
        .arg("--data")
        .arg(dir)
        .args(args)
        .output()
        .expect("run calltrack")
}

fn fresh(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("ct-admin-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    d
}

fn json(o: &Output) -> Value {
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    serde_json::from_slice(&o.stdout).expect("one JSON document")
}

#[test]
fn a_tenant_set_up_by_hand_gets_an_api_key_once_and_numbers_and_a_pool() {
    let d = fresh("setup");
    let t = json(&ct(
        &d,
        &[
            "--json",
            "tenant",
            "add",
            "acme",
            "--name",
            "Acme",
            "--timezone",
            "Europe/Moscow",
            "--currency",
            "RUB",
            "--region",
            "RU",
            "--site-key",
            "acme-site",
            "--origin",
            "https://acme.example",
            "--secret",
            "twilio=tok123456",
        ],
    ));
    assert!(t["api_key"].as_str().unwrap().starts_with("ctk_acme."));
    assert_eq!(
        t["provider_secrets"]["twilio"], "tok1…",
        "secrets are shown masked"
    );
    let shown = json(&ct(&d, &["--json", "tenant", "show", "acme"]));
    assert!(shown.get("api_key").is_none(), "the key is printed once");
    assert_eq!(shown["api_key_hash"], "set");
    json(&ct(
        &d,
        &[
            "--json",
            "number",
            "add",
            "acme",
            "8 (495) 123-45-67",
            "--static",
            "--source",
            "Billboard",
            "--forward-to",
            "+74951234568",
        ],
    ));
    json(&ct(
        &d,
        &[
            "--json",
            "pool",
            "add",
            "acme",
            "web",
            "--default-number",
            "+74951234500",
            "--exhaustion",
            "default-number",
        ],
    ));
    let n = json(&ct(
        &d,
        &[
            "--json",
            "number",
            "add",
            "acme",
            "+74951234501",
            "--pool",
            "web",
        ],
    ));
    assert_eq!(n["kind"]["pool"], "web");
    let list = json(&ct(&d, &["--json", "number", "list", "acme"]));
    assert_eq!(list.as_array().unwrap().len(), 2);
    let billboard = list
        .as_array()
        .unwrap()
        .iter()
        .find(|n| n["kind"]["kind"] == "static")
        .unwrap();
    assert_eq!(
        billboard["number"], "+74951234567",
        "national notation normalised with the tenant's region"
    );
    assert_eq!(billboard["kind"]["source"], "billboard");
    let pool = json(&ct(&d, &["--json", "pool", "show", "acme", "web"]));
    assert_eq!(pool["numbers"].as_array().unwrap().len(), 1);
    let rotated = json(&ct(
        &d,
        &[
            "--json",
            "tenant",
            "set",
            "acme",
            "--rotate-api-key",
            "--callback-sla-minutes",
            "15",
        ],
    ));
    assert_ne!(rotated["api_key"], t["api_key"]);
    assert_eq!(rotated["callback_sla_minutes"], 15);
}

#[test]
fn bad_admin_input_exits_4_with_a_reason_and_writes_nothing() {
    let d = fresh("bad");
    let bad = [
        vec!["tenant", "add", "Acme Corp", "--name", "x"],
        vec![
            "tenant",
            "add",
            "acme",
            "--name",
            "x",
            "--timezone",
            "Mars/Olympus",
        ],
        vec![
            "tenant",
            "add",
            "acme",
            "--name",
            "x",
            "--currency",
            "dollars",
        ],
        vec![
            "tenant",
            "add",
            "acme",
            "--name",
            "x",
            "--origin",
            "acme.example",
        ],
        vec![
            "number",
            "add",
            "nobody",
            "+14155552671",
            "--static",
            "--source",
            "radio",
        ],
    ];
    for args in &bad {
        let o = ct(&d, args);
        assert_eq!(
            o.status.code(),
            Some(4),
            "{args:?}: {}",
            String::from_utf8_lossy(&o.stderr)
        );
        assert!(
            String::from_utf8_lossy(&o.stderr).contains("invalid input"),
            "{args:?}"
        );
    }
    let listed = ct(&d, &["--json", "tenant", "show", "acme"]);
    assert_eq!(listed.status.code(), Some(4), "no tenant was written");
    // Without a site to lease numbers to, and without saying any site may: refused, naming it.
    let o = ct(&d, &["tenant", "add", "acme", "--name", "Acme"]);
    assert_eq!(o.status.code(), Some(4));
    assert!(String::from_utf8_lossy(&o.stderr).contains("origin"));
    json(&ct(
        &d,
        &[
            "tenant",
            "add",
            "acme",
            "--name",
            "Acme",
            "--any-origin",
            "--json",
        ],
    ));
    for args in [
        vec!["tenant", "add", "acme", "--name", "again"],
        vec![
            "number",
            "add",
            "acme",
            "not-a-number",
            "--static",
            "--source",
            "radio",
        ],
        vec!["number", "add", "acme", "+14155552671", "--pool", "nope"],
        vec!["tenant", "set", "acme", "--replay-window-minutes", "0"],
        vec!["tenant", "set", "acme", "--replay-window-minutes", "20161"],
        vec![
            "pool",
            "add",
            "acme",
            "web",
            "--exhaustion",
            "default-number",
        ],
    ] {
        let o = ct(&d, &args);
        assert_eq!(
            o.status.code(),
            Some(4),
            "{args:?}: {}",
            String::from_utf8_lossy(&o.stderr)
        );
    }
    assert_eq!(
        json(&ct(&d, &["--json", "number", "list", "acme"])),
        Value::Array(vec![])
    );
    assert_eq!(
        ct(&d, &["number", "add", "acme", "+14155552671"])
            .status
            .code(),
        Some(2),
        "neither --static nor --pool"
    );
    assert_eq!(ct(&d, &["tenant", "frobnicate"]).status.code(), Some(2));
}

/// A tenant stored before secrets were sealed (its secrets in the clear in the document) still
/// works, and `calltrack migrate` seals it: afterwards the database holds no secret in the
/// clear and the tenant still has it. Running it again changes nothing.
#[test]
fn migrate_seals_secrets_stored_in_the_clear() {
    let d = fresh("migrate");
    json(&ct(
        &d,
        &[
            "--json",
            "tenant",
            "add",
            "acme",
            "--name",
            "Acme",
            "--any-origin",
        ],
    ));
    // What an older version wrote: the document with plain secrets, no seal.
    let db = rusqlite::Connection::open(d.join("store.db")).unwrap();
    let doc: String = db
        .query_row("SELECT data FROM tenants WHERE id = 'acme'", [], |r| {
            r.get(0)
        })
        .unwrap();
    let mut v: Value = serde_json::from_str(&doc).unwrap();
    v["provider_secrets"] = serde_json::json!({"generic": "legacy-plain-secret"});
    v.as_object_mut().unwrap().remove("sealed_secrets");
    db.execute(
        "UPDATE tenants SET data = ?1 WHERE id = 'acme'",
        [v.to_string()],
    )
    .unwrap();
    drop(db);
    let shown = json(&ct(&d, &["--json", "tenant", "show", "acme"]));
    assert!(
        shown["provider_secrets"]["generic"].is_string(),
        "read as it is: {shown}"
    );
    let m = json(&ct(&d, &["--json", "migrate"]));
    assert_eq!(m["tenants_sealed"], 1);
    let db = rusqlite::Connection::open(d.join("store.db")).unwrap();
    let doc: String = db
        .query_row("SELECT data FROM tenants WHERE id = 'acme'", [], |r| {
            r.get(0)
        })
        .unwrap();
    assert!(!doc.contains("legacy-plain-secret"), "{doc}");
    assert!(doc.contains("aes256gcm+local"), "{doc}");
    let shown = json(&ct(&d, &["--json", "tenant", "show", "acme"]));
    assert!(shown["provider_secrets"]["generic"].is_string(), "{shown}");
    assert_eq!(json(&ct(&d, &["--json", "migrate"]))["tenants_sealed"], 1);
}

/// Data an earlier version stored (calls without the sketch flag, no sketch cells, counters
/// without `sketched`) reports unique callers and the time to return as missing, says so, and
/// after `calltrack migrate` reports them as a fresh store does; a second run counts nothing.
#[test]
fn migrate_counts_calls_stored_before_the_sketches_in_full() {
    let d = fresh("migrate-sketch");
    let demo = ct(
        &d,
        &["demo", "--days", "4", "--until", "2026-02-10", "--json"],
    );
    assert!(
        demo.status.success(),
        "{}",
        String::from_utf8_lossy(&demo.stderr)
    );
    let report = |dim: &str| {
        json(&ct(
            &d,
            &[
                "report",
                "demo",
                "--from",
                "2026-02-07",
                "--to",
                "2026-02-10",
                "--group-by",
                dim,
                "--format",
                "json",
            ],
        ))
    };
    let rows = |r: &Value, key: &str| -> Vec<(String, i64, i64, Value)> {
        let mut all: Vec<Value> = r[key].as_array().unwrap().clone();
        all.push(r["totals"].clone());
        all.iter()
            .map(|g| {
                (
                    g.get("group").or(g.get("channel")).unwrap().to_string(),
                    g["calls"].as_i64().unwrap(),
                    g["unique_callers"].as_i64().unwrap(),
                    g["median_return_minutes"].clone(),
                )
            })
            .collect()
    };
    let (fresh_channels, fresh_managers) = (
        rows(&report("channel"), "channels"),
        rows(&report("manager"), "groups"),
    );
    assert!(
        fresh_channels.iter().any(|r| r.3.is_number()),
        "{fresh_channels:?}"
    );
    let db = rusqlite::Connection::open(d.join("store.db")).unwrap();
    db.execute_batch(
        "UPDATE calls SET data = json_remove(data, '$.sketched');
         DELETE FROM rollup_cells;
         UPDATE rollups SET sketched = 0;
         UPDATE group_rollups SET sketched = 0;",
    )
    .unwrap();
    drop(db);
    let old = report("channel");
    assert_eq!(old["totals"]["unique_callers"], 0, "{}", old["totals"]);
    let calls = old["totals"]["calls"].as_i64().unwrap();
    assert!(
        old["notes"].as_array().unwrap().iter().any(|n| n
            .as_str()
            .unwrap()
            .starts_with(&format!("{calls} calls were counted before"))),
        "{}",
        old["notes"]
    );
    let m = json(&ct(&d, &["--json", "migrate"]));
    assert!(m["calls_counted_in_full"].as_i64().unwrap() >= calls, "{m}");
    assert_eq!(rows(&report("channel"), "channels"), fresh_channels);
    assert_eq!(rows(&report("manager"), "groups"), fresh_managers);
    assert_eq!(
        json(&ct(&d, &["--json", "migrate"]))["calls_counted_in_full"],
        0
    );
}

/// `tenant purge ID --yes` removes the tenant, its numbers and its recordings (the number can
/// be added again, by anyone); without `--yes` it is a usage error and removes nothing; another
/// tenant keeps everything.
#[test]
fn purge_removes_a_tenant_and_its_recordings_and_nothing_else() {
    let d = fresh("purge");
    for t in ["acme", "other"] {
        json(&ct(
            &d,
            &["--json", "tenant", "add", t, "--name", t, "--any-origin"],
        ));
    }
    json(&ct(
        &d,
        &[
            "--json",
            "number",
            "add",
            "acme",
            "+14155552671",
            "--static",
            "--source",
            "radio",
        ],
    ));
    json(&ct(
        &d,
        &[
            "--json",
            "number",
            "add",
            "other",
            "+14155552672",
            "--static",
            "--source",
            "radio",
        ],
    ));
    let rec = d.join("blobs/recordings/acme/c_0123456789abcdef0123.wav");
    let theirs = d.join("blobs/recordings/other/c_0123456789abcdef0124.wav");
    for f in [&rec, &theirs] {
        std::fs::create_dir_all(f.parent().unwrap()).unwrap();
        std::fs::write(f, b"RIFF").unwrap();
    }
    assert_eq!(ct(&d, &["tenant", "purge", "acme"]).status.code(), Some(2));
    assert!(rec.exists(), "nothing removed without --yes");
    let out = json(&ct(&d, &["--json", "tenant", "purge", "acme", "--yes"]));
    assert_eq!(out["blobs"], 1, "{out}");
    assert!(out["records"].as_u64().unwrap() >= 2, "{out}");
    assert!(!rec.exists());
    assert_eq!(
        ct(&d, &["--json", "tenant", "show", "acme"]).status.code(),
        Some(4)
    );
    // The number is free again; the other tenant is whole.
    json(&ct(
        &d,
        &[
            "--json",
            "number",
            "add",
            "other",
            "+14155552671",
            "--static",
            "--source",
            "tv",
        ],
    ));
    assert!(theirs.exists());
    assert!(json(&ct(&d, &["--json", "tenant", "show", "other"]))["id"] == "other");
}
