#!/usr/bin/env bash
# Runs every test the way CI does: installs what is missing (moto server, cfn-lint, Chromium via
# scripts/web-test.sh, SAM CLI and cargo-lambda via scripts/deploy-check.sh), starts moto server
# on a free loopback port, runs fmt, clippy, the Rust tests (the DynamoDB suite and the Lambda
# binaries under the runtime emulator against moto), a brief fuzzing run, cfn-lint on the SAM
# template, the browser test of the snippet and the report, the CLI contracts and the SAM build
# (which runs in the background beside the tests); stops what it started, even on failure.
set -euo pipefail
cd "$(dirname "$0")/.."

step() { printf '\n== %s\n' "$*" >&2; }

need_py() { # module, pip spec
  python3 -c "import $1" 2>/dev/null || { step "installing $2"; python3 -m pip install --quiet "$2"; }
}
# moto 5.2.1 answers CompleteMultipartUpload with the wrong XML root, which aws-sdk-s3 rejects
# (the streamed recording upload); 5.2.5 answers as S3 does.
python3 -c 'import sys, moto; sys.exit(tuple(int(x) for x in moto.__version__.split(".")[:3]) < (5, 2, 5))' 2>/dev/null ||
  { step "installing moto[server]>=5.2.5"; python3 -m pip install --quiet 'moto[server]>=5.2.5'; }
need_py flask_cors 'moto[server]'
command -v cfn-lint >/dev/null 2>&1 || { step "installing cfn-lint"; python3 -m pip install --quiet cfn-lint; }

port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
log=$(mktemp)
step "starting moto server (single-threaded, tests/moto_server.py) on 127.0.0.1:$port"
python3 tests/moto_server.py "$port" >"$log" 2>&1 &
moto_pid=$!
deploy_pid=
cleanup() {
  [ -n "$deploy_pid" ] && { kill -- -"$deploy_pid" 2>/dev/null || true; wait "$deploy_pid" 2>/dev/null || true; }
  kill "$moto_pid" 2>/dev/null || true; wait "$moto_pid" 2>/dev/null || true; rm -f "$log"
}
trap cleanup EXIT
for _ in $(seq 1 100); do
  curl -fsS "http://127.0.0.1:$port/moto-api/" >/dev/null 2>&1 && break
  kill -0 "$moto_pid" 2>/dev/null || { cat "$log" >&2; echo "moto server did not start" >&2; exit 1; }
  sleep 0.2
done
export CALLTRACK_TEST_AWS_ENDPOINT="http://127.0.0.1:$port"

step "cargo fmt --check"
cargo fmt --all -- --check
step "cargo clippy -D warnings"
cargo clippy --workspace --all-targets --locked -- -D warnings
step "cargo build --workspace --bins (the Lambda binaries the runtime-emulator test runs)"
cargo build --workspace --bins --locked
# The arm64 `sam build` is the longest step (half the run) and the tests spend much of theirs
# waiting on moto and Chromium, so the build runs from here in the background at the lowest CPU
# priority: it takes the cycles the tests leave idle and never slows them. Its own directories
# (target/release for build scripts, target/aarch64-*) are not the tests' target/debug.
step "deploy check (SAM CLI, cargo-lambda, aarch64 target) prepared; the build starts in the background"
bash scripts/deploy-check.sh --prepare
deploy_log="${CARGO_TARGET_DIR:-target}/deploy-check.log"
setsid -w nice -n 19 bash scripts/deploy-check.sh >"$deploy_log" 2>&1 &
deploy_pid=$!
step "cargo test"
cargo test --workspace --locked
step "fuzz, brief (fixed seed, committed corpus, bounded runs: scripts/fuzz.sh)"
bash scripts/fuzz.sh
step "cargo build -p calltrack-cli (the binary the browser test and contracts run)"
cargo build -p calltrack-cli --locked
step "cfn-lint infra/template.yaml"
cfn-lint infra/template.yaml
step "browser test of web/dni.js against calltrack serve"
bin="${CARGO_TARGET_DIR:-target}/debug/calltrack"
CALLTRACK="$bin" bash scripts/web-test.sh
if [ -x ../shared/contracts/check ]; then
  step "CLI contracts (../shared/contracts/check)"
  CALLTRACK="$bin" ../shared/contracts/check
fi
step "deploy check: sam validate --lint, sam build --beta-features, every bootstrap checked (waiting for the background build)"
deploy_rc=0
wait "$deploy_pid" || deploy_rc=$?
deploy_pid=
cat "$deploy_log" >&2
[ "$deploy_rc" -eq 0 ] || { echo "deploy check failed (exit $deploy_rc); its log is above and in $deploy_log" >&2; exit "$deploy_rc"; }
