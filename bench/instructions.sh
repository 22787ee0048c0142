#!/usr/bin/env bash
# Instructions per request in the app process (valgrind --tool=callgrind), for healthz,
# GET mfa/ with a JWT and login/verify/ with a wrong 6-digit code; last, for comparison, the C
# floor of GET mfa/ (bench/floor_mfa.c: the same JWT check and query, 2 threads). Unlike req/s
# on this shared 2-core machine, these counts repeat to within a few percent, so they show what a
# code change costs or saves. The release binary runs under callgrind with 2 workers; counters are
# zeroed after a warm-up, then wrk -c2 runs for a bounded time through nginx over loopback.
#
#   bench/instructions.sh            # prints one line per case
#   bench/instructions.sh --keep     # also keeps the callgrind files (callgrind_annotate them)
set -euo pipefail
source "$(dirname "$0")/lib.sh"
KEEP=0
[[ ${1:-} == --keep ]] && KEEP=1
ensure_packages valgrind
export AUTHKIT_WORKERS=2 AUTHKIT_MFA_HANDLERS=app AUTHKIT_PASSWORD_HASH_ITERATIONS=1000 AUTHKIT_THROTTLE_RATES=none \
  AUTHKIT_MFA_FAILURES_BEFORE_DELAY=1000000 AUTHKIT_MFA_MAX_FAILURES=1000000
bench_start
bench_fixtures
kill -TERM "$APP_PID"; wait "$APP_PID" 2>/dev/null || true
OUT="$(mktemp -d /tmp/authkit-callgrind-XXXXXX)"
valgrind --tool=callgrind --callgrind-out-file="$OUT/callgrind.%p" "$BIN" serve >"$DIR/app.log" 2>&1 &
APP_PID=$!
for _ in $(seq 1 300); do [[ -S $AUTHKIT_SOCKET ]] && break; sleep 0.2; done
wait_http "$BASE/healthz" 60

measure() { # NAME URL METHOD BODY TOKEN [PID, default the app's]
  local pid=${6:-$APP_PID}
  BENCH_NO_WAIT=1 bench_wrk "$2" "$3" "$4" "$5" 2 3s >/dev/null   # warm-up
  callgrind_control -z "$pid" >/dev/null 2>&1
  local result; result=$(BENCH_NO_WAIT=1 bench_wrk "$2" "$3" "$4" "$5" 2 5s)
  callgrind_control -d "$pid" >/dev/null 2>&1
  sleep 1
  local file; file=$(ls -t "$OUT"/callgrind.* | head -1)
  local total; total=$(callgrind_annotate "$file" 2>/dev/null | awk '/PROGRAM TOTALS/ {gsub(",", "", $1); print $1; exit}')
  local n; n=$(field requests "$result")
  printf '%-40s %8d requests  %8d instructions/request\n' "$1" "$n" $(( total / n ))
}
measure "healthz" "$BASE/healthz" GET "" ""
measure "GET mfa/ (JWT)" "$BASE/mfa/" GET "" "$ACCESS"
measure "login/verify/, wrong 6-digit code" "$BASE/login/verify/" POST "{\"ephemeral_token\":\"$EPH\",\"code\":\"999999\"}" ""
FLOOR_WRAP=(valgrind --tool=callgrind --callgrind-out-file="$OUT/callgrind.floor_mfa.%p")
start_floor floor_mfa /mfa/ -H "Authorization: Bearer $ACCESS"
measure "GET mfa/, C floor (bench/floor_mfa.c)" "$FLOOR_URL/mfa/" GET "" "$ACCESS" "$FLOOR_PID"
stop_floor
if [[ $KEEP == 1 ]]; then echo "callgrind files: $OUT"; else rm -rf "$OUT"; fi
