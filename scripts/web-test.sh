#!/usr/bin/env bash
# Browser test of web/dni.js: headless Chromium (Debian's) driven by playwright-core, against a real
# `calltrack serve` on a temporary SQLite data dir. Builds nothing: expects the CLI binary at
# target/debug/calltrack (or $CALLTRACK). Installs Chromium (apt) and web/test's node modules
# (npm ci) when missing. Stops the server and removes its data dir on exit, pass or fail.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
CALLTRACK=${CALLTRACK:-$ROOT/target/debug/calltrack}
[[ $CALLTRACK == /* ]] || CALLTRACK=$PWD/$CALLTRACK # the script changes directory below
CHROMIUM=${CHROMIUM:-/usr/bin/chromium}
export CHROMIUM

say() { echo "web-test: $*" >&2; }

if [[ ! -x $CALLTRACK ]]; then
  say "no calltrack binary at $CALLTRACK; build it first: cargo build -p calltrack-cli"
  exit 1
fi

if [[ ! -x $CHROMIUM ]]; then
  say "installing Debian's chromium"
  SUDO=; [[ $(id -u) -eq 0 ]] || SUDO=sudo
  export DEBIAN_FRONTEND=noninteractive
  $SUDO apt-get install -y --no-install-recommends chromium \
    || { $SUDO apt-get update && $SUDO apt-get install -y --no-install-recommends chromium; }
fi

cd "$ROOT/web/test"
if ! node -e "require.resolve('playwright-core')" 2>/dev/null; then
  say "npm ci in web/test"
  npm ci --no-audit --no-fund
fi

free_port() {
  node -e "const s=require('net').createServer().listen(0,'127.0.0.1',()=>{console.log(s.address().port);s.close()})"
}
API_PORT=$(free_port)
PAGE_PORT=$(free_port)
DEAD_PORT=$(free_port) # nothing listens here: the "API down" case
while [[ $PAGE_PORT == "$API_PORT" ]]; do PAGE_PORT=$(free_port); done
while [[ $DEAD_PORT == "$API_PORT" || $DEAD_PORT == "$PAGE_PORT" ]]; do DEAD_PORT=$(free_port); done

D=$(mktemp -d "${TMPDIR:-/tmp}/calltrack-web-test.XXXXXX")
SERVER_PID=
cleanup() {
  if [[ -n $SERVER_PID ]] && kill -0 "$SERVER_PID" 2>/dev/null; then
    kill "$SERVER_PID" 2>/dev/null || true
    wait "$SERVER_PID" 2>/dev/null || true
  fi
  rm -rf "$D"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

ct() { "$CALLTRACK" --data "$D" "$@"; }
NUMBERS=(+14155552671 +14155552672)
ct tenant add acme --name "Acme" --site-key site-acme --origin "http://127.0.0.1:$PAGE_PORT" >/dev/null # prints the API key
ct pool add acme web --lease-minutes 15 --default-number +14155550100 >&2
for n in "${NUMBERS[@]}"; do ct number add acme "$n" --pool web >&2; done

"$CALLTRACK" --data "$D" serve --addr "127.0.0.1:$API_PORT" >"$D/serve.log" 2>&1 &
SERVER_PID=$!
ready=
for _ in $(seq 1 100); do
  if node -e "fetch('http://127.0.0.1:$API_PORT/healthz').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"; then
    ready=1; break
  fi
  if ! kill -0 "$SERVER_PID" 2>/dev/null; then
    say "calltrack serve exited:"; cat "$D/serve.log" >&2; exit 1
  fi
  sleep 0.1
done
if [[ -z $ready ]]; then
  say "calltrack serve did not answer /healthz on port $API_PORT:"; cat "$D/serve.log" >&2; exit 1
fi

export API_URL="http://127.0.0.1:$API_PORT" PAGE_PORT DEAD_API_URL="http://127.0.0.1:$DEAD_PORT"
export POOL_NUMBERS=$(IFS=,; echo "${NUMBERS[*]}")
status=0
node --test dni.test.mjs || status=$?
if [[ $status -ne 0 ]]; then
  say "failed; the server's log:"; tail -n 50 "$D/serve.log" >&2
fi

# The report a manager reads: the demo's HTML report and its report email, in the browser.
R="$D/demo"
"$CALLTRACK" demo --days 7 --seed 5 --until 2026-11-26 --data "$R" >/dev/null 2>&1
"$CALLTRACK" --data "$R" report demo --from 2026-11-20 --to 2026-11-26 --format html >"$D/report.html"
export REPORT_HTML="$D/report.html"
# The email as a mail client shows it: its HTML with the inline charts (cid:) as data: URIs.
python3 "$ROOT/scripts/eml-to-html.py" "$(ls "$R"/outbox/*calls-and-roi-report*.eml | head -n 1)" >"$D/report-email.html"
export REPORT_EMAIL="$D/report-email.html"
node --test report.test.mjs || status=$?
exit $status
