#!/usr/bin/env bash
# The first-run smoke test, as a stranger's first minutes: from wiped stack data, `npm start` in
# the background, wait for /health/ready, publish an event over HTTP, read it back with ?after=,
# send SIGINT to Tributary and expect `npm start` to exit 0. Then the same again, warm.
# Leaves the stack running, as `npm start` does; `bin/tributary stack down` stops it.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."

api="http://127.0.0.1:${API_PORT:-18080}"
logs=.stack/smoke
say() { echo "smoke: $*"; }
fail() {
  echo "smoke: FAILED: $*" >&2
  [ -n "${log:-}" ] && tail -n 40 "$log" >&2
  exit 1
}

run_once() {
  local label=$1
  mkdir -p "$logs"
  log="$logs/start-$label.log"
  local started=$SECONDS
  # A session of its own, so the whole tree (npm, its shell, Tributary) can be found and cleaned up.
  setsid npm start >"$log" 2>&1 &
  local npm_pid=$!
  trap 'kill -TERM -- -'"$npm_pid"' 2>/dev/null || true' EXIT

  local ready=''
  for _ in $(seq 1 600); do
    if curl -sf "$api/health/ready" >/dev/null 2>&1; then ready=yes; break; fi
    kill -0 "$npm_pid" 2>/dev/null || fail "$label: npm start exited before it was ready"
    sleep 1
  done
  [ -n "$ready" ] || fail "$label: not ready within 600 s"
  say "$label: ready in $((SECONDS - started)) s"

  local token response position counts thread
  token=$(bin/tributary token --org org-smoke --sub smoke)
  thread=$(python3 -c 'import uuid; print(uuid.uuid4())')
  response=$(curl -sf -X POST "$api/v1/events/ThreadCreated" -H "authorization: Bearer $token" \
    -H 'content-type: application/json' \
    -d "{\"payload\":{\"threadId\":\"$thread\",\"subject\":\"smoke $label\",\"createdBy\":\"smoke\",\"participants\":[\"smoke\"],\"scopes\":[]}}") ||
    fail "$label: publishing over HTTP failed"
  position=$(python3 -c 'import json,sys; print(json.load(sys.stdin)["position"])' <<<"$response")
  counts=$(curl -sf "$api/v1/organizations/org-smoke/event-counts?after=$position&wait=5000" -H "authorization: Bearer $token") ||
    fail "$label: reading back with ?after= failed"
  python3 -c 'import json,sys; c=json.load(sys.stdin)["counts"]; sys.exit(0 if any(x["eventType"]=="ThreadCreated" and x["events"]>=1 for x in c) else 1)' <<<"$counts" ||
    fail "$label: the read did not include the event: $counts"
  say "$label: published and read back: $counts"

  local tributary_pid
  tributary_pid=$(pgrep -s "$npm_pid" -f 'cli/main.ts start' | head -n 1) || fail "$label: Tributary's process not found"
  kill -INT "$tributary_pid"
  local code=0
  wait "$npm_pid" || code=$?
  trap - EXIT
  [ "$code" -eq 0 ] || fail "$label: npm start exited $code after SIGINT"
  say "$label: stopped on SIGINT, exit 0, $((SECONDS - started)) s in all"
}

say "wiping the stack's data"
bin/tributary stack reset
run_once cold
run_once warm
