#!/usr/bin/env bash
# Starts the built service with an EMPTY environment in a fresh folder, as a newcomer would after
# `npm ci && npm start`, and checks: /health/ready answers 200 within 30 s, the embedded modes are logged,
# it listens on loopback (and says so), nothing is written outside ./data, and SIGTERM stops it cleanly.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
work=$(mktemp -d)
port=${SMOKE_PORT:-39123}
cd "$work"
start=$(date +%s)
env -i PATH="$PATH" HOME="$work" PORT="$port" node "$root/dist/main.js" >"$work/service.log" 2>&1 &
pid=$!
ready=""
for _ in $(seq 1 60); do
  if curl -fsS "http://127.0.0.1:$port/health/ready" >/dev/null 2>&1; then ready=yes; break; fi
  kill -0 "$pid" 2>/dev/null || break
  sleep 0.5
done
elapsed=$(( $(date +%s) - start ))
fail() { echo "smoke: $*"; echo "--- service log"; tail -n 40 "$work/service.log"; kill "$pid" 2>/dev/null || true; exit 1; }
[ -n "$ready" ] || fail "service not ready after ${elapsed}s"
[ "$elapsed" -le 30 ] || fail "ready only after ${elapsed}s (limit 30 s)"
grep -q 'embedded PGlite' "$work/service.log" || fail "start-up log does not name the embedded database"
grep -q 'embedded S3' "$work/service.log" || fail "start-up log does not name the embedded storage"
# Development listens on loopback only, and the log names the address actually bound.
grep -q "listening on http://127.0.0.1:$port " "$work/service.log" || fail "start-up log does not say it listens on 127.0.0.1:$port"
kill -TERM "$pid"
wait "$pid" && code=0 || code=$?
[ "$code" -eq 0 ] || fail "exit code $code after SIGTERM"
stray=$(find "$work" -mindepth 1 -maxdepth 1 ! -name data ! -name service.log)
[ -z "$stray" ] || fail "wrote outside ./data: $stray"
echo "smoke: ready in ${elapsed}s with an empty environment, only ./data written, clean SIGTERM exit"
rm -rf "$work"
