//! The admin CLI on `--backend aws`: the same commands against DynamoDB on moto server, configured
//! only through the standard AWS environment and TABLE_NAME, as ops run it against a deployment.

use std::process::{Command, Output};

use calltrack_integration::moto;
use serde_json::Value;

/// The stack's KMS key for tenant secrets (`SECRETS_KEY_ID`), made on moto by the first test.
static SECRETS_KEY: std::sync::OnceLock<String> = std::sync::OnceLock::new();

fn ct(endpoint: &str, table: &str, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_calltrack"))
        .env(
            "SECRETS_KEY_ID",
            SECRETS_KEY.get().cloned().unwrap_or_default(),
        )
        .args(["--backend", "aws"])
        .args(args)
        .env("AWS_ENDPOINT_URL", endpoint)
        .env("AWS_REGION", "us-east-1")
        .env("AWS_ACCESS_KEY_ID", "test")
        .env("AWS_SECRET_ACCESS_KEY", "test")
        .env("TABLE_NAME", table)
        .env("RECORDINGS_BUCKET", "calltrack-test-recordings")
        .output()
        .expect("run calltrack")
}

#[tokio::test]
async fn admin_commands_work_on_dynamodb_through_the_aws_environment() {
    let store = moto::dynamo_store().await;
    let endpoint = moto::endpoint().await;
    let _ = SECRETS_KEY.set(moto::secrets_key().await);
    let table = store.table().to_string();
    let ok = |o: Output| -> Value {
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
        serde_json::from_slice(&o.stdout).expect("one JSON document")
    };
    let t = ok(ct(
        &endpoint,
        &table,
        &[
            "--json",
            "tenant",
            "add",
            "acme",
            "--name",
            "Acme",
            "--site-key",
            "acme-site",
            "--origin",
            "https://www.acme-plumbing.example",
        ],
    ));
    assert!(t["api_key"].as_str().unwrap().starts_with("ctk_acme."));
    ok(ct(
        &endpoint,
        &table,
        &["--json", "pool", "add", "acme", "web"],
    ));
    ok(ct(
        &endpoint,
        &table,
        &[
            "--json",
            "number",
            "add",
            "acme",
            "+14155552671",
            "--pool",
            "web",
        ],
    ));
    // The deploy guide's secrets: Zadarma needs its API key as well to fetch recordings.
    let set = ok(ct(
        &endpoint,
        &table,
        &[
            "--json",
            "tenant",
            "set",
            "acme",
            "--secret",
            "twilio=tw-token",
            "--secret",
            "zadarma=zd-secret",
            "--secret",
            "zadarma_key=zd-key",
            "--recipient",
            "owner@acme.example",
        ],
    ));
    let secrets = set["provider_secrets"].as_object().expect("masked secrets");
    assert!(secrets.contains_key("zadarma_key") && secrets.contains_key("zadarma"));
    assert!(!set.to_string().contains("zd-secret"), "secrets are masked");
    let shown = ok(ct(
        &endpoint,
        &table,
        &["--json", "pool", "show", "acme", "web"],
    ));
    assert_eq!(shown["numbers"][0]["number"], "+14155552671");
    let bad = ct(
        &endpoint,
        &table,
        &["tenant", "add", "acme", "--name", "again"],
    );
    assert_eq!(bad.status.code(), Some(4), "an existing tenant is refused");
    let no_table = Command::new(env!("CARGO_BIN_EXE_calltrack"))
        .args(["--backend", "aws", "tenant", "show", "acme"])
        .env_remove("TABLE_NAME")
        .output()
        .unwrap();
    assert_eq!(
        no_table.status.code(),
        Some(2),
        "a missing TABLE_NAME is a usage error naming it"
    );
    assert!(String::from_utf8_lossy(&no_table.stderr).contains("TABLE_NAME"));
}
