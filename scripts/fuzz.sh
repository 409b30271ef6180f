#!/usr/bin/env bash
# Coverage-guided fuzzing of every parser that reads outside input (fuzz/fuzz_targets): the
# provider webhooks and their signature checks (then the merge into a call), the CRM body, the
# Transcribe parser and analyser, the cost import, the lease request body.
#
#   scripts/fuzz.sh            brief: each target from the committed corpus, a fixed seed and a
#                              bounded number of runs (what make test runs; a finding fails it)
#   scripts/fuzz.sh long SECS  each target for SECS seconds from a random seed; prints figures
#
# Uses the nightly toolchain when one is installed (as cargo-fuzz documents), else the default
# one: without a sanitizer (`-s none`) cargo-fuzz needs no nightly flag, and the coverage
# instrumentation works on stable too (checked here: the webhook target covers 7,000 edges in
# 2,000 runs on stable). Never downloads a toolchain (CI machines reach only the package
# registries); installs cargo-fuzz from crates.io when missing. Debug assertions are on, so an
# integer overflow is a finding. Builds into target/fuzz (target/fuzz-default without nightly):
# its own directory, so the instrumented build never evicts the main one. New inputs libFuzzer
# finds go to a temporary directory, never into the committed corpus; a crash is written to
# fuzz/artifacts/<target>/ and becomes a regression test.
set -euo pipefail
cd "$(dirname "$0")/.."
mode=${1:-brief}
secs=${2:-60}
targets=(webhook crm transcript costs lease_body)
# Brief runs per target (the transcript analyser is ~10x slower per input than the parsers).
declare -A runs=([webhook]=40000 [crm]=40000 [transcript]=4000 [costs]=40000 [lease_body]=40000)

cargo=(cargo)
target=../target/fuzz-default
if [[ -z ${FUZZ_STABLE:-} ]] && rustup toolchain list 2>/dev/null | grep -q '^nightly'; then
  cargo=(cargo +nightly)
  target=../target/fuzz
fi
command -v cargo-fuzz >/dev/null 2>&1 || cargo install cargo-fuzz --locked --version 0.13.2

cd fuzz
echo "fuzz: building with ${cargo[*]}" >&2
"${cargo[@]}" fuzz build -s none -a --target-dir "$target" >&2
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
  "${cargo[@]}" fuzz run "$t" -s none -a --target-dir "$target" "$scratch/$t" "corpus/$t" -- \
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
