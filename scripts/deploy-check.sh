#!/usr/bin/env bash
# The build ops run, checked: installs SAM CLI and cargo-lambda (PyPI; cargo-lambda brings zig)
# when missing, lints the template (`sam validate --lint`, offline), runs `sam build
# --beta-features` for the template's architecture (arm64 unless ARCH says otherwise; x86_64,
# said loudly, where the aarch64 target cannot be had), and checks every function's bootstrap is
# an ELF executable of that architecture. Prints the build time and each bootstrap's size.
set -euo pipefail
export SAM_CLI_TELEMETRY=0
cd "$(dirname "$0")/.."

step() { printf '\n== %s\n' "$*" >&2; }

command -v sam >/dev/null 2>&1 || { step "installing aws-sam-cli"; python3 -m pip install --quiet aws-sam-cli; }
command -v cargo-lambda >/dev/null 2>&1 || { step "installing cargo-lambda"; python3 -m pip install --quiet cargo-lambda; }

arch=${ARCH:-arm64}
if [ "$arch" = arm64 ] && ! rustup target list --installed | grep -qx aarch64-unknown-linux-gnu; then
  step "adding the aarch64-unknown-linux-gnu target"
  if ! rustup target add aarch64-unknown-linux-gnu; then
    arch=x86_64
    echo "deploy-check: WARNING: the aarch64 target cannot be had on this machine; building x86_64 instead (deploy with --parameter-overrides Architecture=x86_64, or build arm64 elsewhere)" >&2
  fi
fi

# `--prepare` installs what the build needs and stops, so `make test` can do the installs in the
# foreground and run the build itself in the background beside the tests.
[ "${1:-}" = --prepare ] && exit 0

step "sam validate --lint"
(cd infra && sam validate --lint --template template.yaml)

# SAM's rust-cargolambda builder honours CARGO_TARGET_DIR, so the build shares the workspace's
# target directory (and its dependency tree) with everything else.
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$PWD/target}"
step "sam build --beta-features (Architecture=$arch, target dir $CARGO_TARGET_DIR)"
start=$(date +%s)
(cd infra && sam build --beta-features --parameter-overrides "Architecture=$arch")
secs=$(( $(date +%s) - start ))

step "checking each function's bootstrap"
python3 - "$arch" <<'PY'
import os, struct, sys
arch = sys.argv[1]
want = {"arm64": 0xB7, "x86_64": 0x3E}[arch]  # ELF e_machine: EM_AARCH64, EM_X86_64
build = "infra/.aws-sam/build"
funcs = sorted(d for d in os.listdir(build) if os.path.isdir(os.path.join(build, d)))
bad = []
for f in funcs:
    p = os.path.join(build, f, "bootstrap")
    if not os.path.isfile(p):
        bad.append(f"{f}: no bootstrap"); continue
    with open(p, "rb") as fh:
        head = fh.read(20)
    machine = struct.unpack_from("<H", head, 18)[0] if len(head) >= 20 else None
    if head[:4] != b"\x7fELF" or machine != want:
        bad.append(f"{f}: not an ELF for {arch} (e_machine {machine})"); continue
    if not os.access(p, os.X_OK):
        bad.append(f"{f}: bootstrap is not executable"); continue
    print(f"ok  {f:<28} {arch:<7} {os.path.getsize(p) / 1e6:6.1f} MB")
if len(funcs) < 5:
    bad.append(f"expected 5 functions, found {funcs}")
for b in bad:
    print("FAILED " + b)
sys.exit(1 if bad else 0)
PY
echo "deploy-check: sam build took ${secs}s for $arch" >&2
