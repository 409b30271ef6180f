# `make test` is what CI runs (.ci/run): it installs and starts what the tests need itself.
.PHONY: test build demo lambda bench load deploy-check

test:
	bash scripts/test.sh

build:
	cargo build --workspace

demo:
	cargo run --release -p calltrack-cli -- demo

# Lambda binaries for `sam build` (cargo-lambda uses the `lambda` profile, see infra/template.yaml).
lambda:
	cargo build --profile lambda -p webhook-ingest -p number-lease -p lease-expiry -p transcribe-recording -p roi-aggregate -p recording-fetch

bench:
	cargo bench -p calltrack

# Bounded loopback load against a release `calltrack serve`: once undisturbed (throughput,
# p50/p99), once killed mid-load and resent; both recounted (crates/calltrack-cli/benches/load.rs).
load:
	cargo bench -p calltrack-cli --bench load

# The build ops run (sam validate --lint, sam build --beta-features, every bootstrap checked).
deploy-check:
	bash scripts/deploy-check.sh
