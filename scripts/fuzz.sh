#!/usr/bin/env bash
# Coverage-guided fuzzing of every parser that reads outside input (fuzz/fuzz_targets): the
# provider webhooks and their signature checks (then the merge into a call), the CRM body, the
# Transcribe parser and analyser, the cost import, the lease request body.
#
#   scripts/fuzz.sh            brief: each target from the committed corpus, a fixed seed and a
#                              bounded number of runs (what make test runs; a finding fails it)
#   scripts/fuzz.sh long SECS  each target for SECS seconds from a random seed; prints figures
#
# Needs a nightly toolchain and cargo-fuzz; installs them when missing. Builds into
# target/fuzz (its own directory: the instrumented build must not evict the main one). New
# inputs libFuzzer finds go to a temporary directory, never into the committed corpus; a crash
# is written to fuzz/artifacts/<target>/ and becomes a regression test.
set -euo pipefail
cd "$(dirname "$0")/.."
mode=${1:-brief}
secs=${2:-60}
targets=(webhook crm transcript costs lease_body)
# Brief runs per target (the transcript analyser is ~10x slower per input than the parsers).
declare -A runs=([webhook]=40000 [crm]=40000 [transcript]=4000 [costs]=40000 [lease_body]=40000)

rustup toolchain list | grep -q '^nightly' || rustup toolchain install nightly --profile minimal
command -v cargo-fuzz >/dev/null 2>&1 || cargo install cargo-fuzz --locked --version 0.13.2

cd fuzz
cargo +nightly fuzz build -s none -a --target-dir ../target/fuzz >&2
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
for t in "${targets[@]}"; do
  mkdir -p "$scratch/$t" "artifacts/$t"
  if [[ $mode == long ]]; then
    args=(-max_total_time="$secs" -print_final_stats=1)
  else
    args=(-runs="${FUZZ_RUNS:-${runs[$t]}}" -seed=1 -max_len=65536)
  fi
  echo "fuzz: $t ($mode)" >&2
  cargo +nightly fuzz run "$t" -s none -a --target-dir ../target/fuzz "$scratch/$t" "corpus/$t" -- \
    "${args[@]}" -artifact_prefix="artifacts/$t/" 2>"$scratch/$t.log" || {
      tail -40 "$scratch/$t.log" >&2
      echo "fuzz: $t found a crash; the input is in fuzz/artifacts/$t/" >&2
      exit 1
    }
  # The last progress line (executions, coverage: cov = edges, ft = features, corp = corpus),
  # then libFuzzer's final stats.
  grep -E '^#[0-9]+' "$scratch/$t.log" | tail -1 >&2 || true
  grep -E '^stat::(number_of_executed_units|average_exec_per_sec|peak_rss_mb)|Done [0-9]+ runs' "$scratch/$t.log" >&2 || true
done
