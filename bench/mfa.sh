#!/usr/bin/env bash
# GET mfa/ with a valid JWT and login/verify/ with a wrong 6-digit code, through nginx, for
# authkit-fcgi and — when ../shared/reference is running (its start.sh) — drf-auth-kit, in the
# same run, alternating the two systems per case. wrk -t2 -c16 -d10s (the reference bench's
# parameters); loopback only.
#   bench/mfa.sh                 DURATION=5s CONNECTIONS=32 bench/mfa.sh
#   BENCH_THROTTLE_RATES=auth_kit=100000000/min bench/mfa.sh   (with the shared rate-limit upsert)
set -euo pipefail
source "$(dirname "$0")/lib.sh"
DURATION="${DURATION:-10s}"
CONNECTIONS="${CONNECTIONS:-16}"
REF="${REF_DIR:-$ROOT/../shared/reference}"
REF_URL="http://127.0.0.1:8100"
export AUTHKIT_PASSWORD_HASH_ITERATIONS=1000 AUTHKIT_MFA_HANDLERS=app
# Attempt and rate limits raised for this run: it measures the request path, not the limits.
export AUTHKIT_THROTTLE_RATES="${BENCH_THROTTLE_RATES:-none}" AUTHKIT_MFA_FAILURES_BEFORE_DELAY=1000000 AUTHKIT_MFA_MAX_FAILURES=1000000
bench_start

bench_fixtures
WRONG6=999999
OURS=("$ACCESS" "$EPH" "$WRONG6")

REF_UP=0
if curl -fsS -o /dev/null "$REF_URL/api/bench/empty/" 2>/dev/null; then
  REF_UP=1
  export REF_STATE="${REF_STATE:-/tmp/authkit-reference}"
  eval "$("$REF_STATE/venv/bin/python" "$REF/bench/prepare.py")"
  THEIRS=("$ACCESS" "$EPH" "$WRONG6")
else
  echo "(reference not running on $REF_URL: start ../shared/reference/start.sh for the comparison)"
fi

run() { bench_wrk "$1$3" "$2" "$4" "$5" "$CONNECTIONS" "$DURATION"; }
ROWS=()
case_row() { # NAME METHOD PATH BODY-TEMPLATE USES-TOKEN
  local name=$1 method=$2 path=$3 template=$4 auth=$5
  local body=${template//@EPH@/${OURS[1]}}; body=${body//@WRONG6@/${OURS[2]}}
  local ours; ours=$(run "$BASE" "$method" "$path" "$body" "$([[ $auth == 1 ]] && echo "${OURS[0]}")")
  local theirs="" ratio="-"
  if [[ $REF_UP == 1 ]]; then
    body=${template//@EPH@/${THEIRS[1]}}; body=${body//@WRONG6@/${THEIRS[2]}}
    theirs=$(run "$REF_URL/api/auth" "$method" "$path" "$body" "$([[ $auth == 1 ]] && echo "${THEIRS[0]}")")
    ratio=$(python3 -c "print(f'{$(field rps "$ours")/$(field rps "$theirs"):.1f}')")
  fi
  ROWS+=("| $name | $(field rps "$ours") | $(field p50_ms "$ours") | $(field p99_ms "$ours") | $(field non2xx "$ours") | $(field rps "$theirs") | $(field p50_ms "$theirs") | $(field p99_ms "$theirs") | ${ratio}× |")
  echo "$name: ours $ours"
  [[ -n $theirs ]] && echo "$name: drf-auth-kit $theirs"
}
case_row "GET mfa/ (JWT)" GET /mfa/ "" 1
case_row "login/verify/, wrong 6-digit code" POST /login/verify/ '{"ephemeral_token":"@EPH@","code":"@WRONG6@"}' 0

echo
echo "wrk -t2 -c$CONNECTIONS -d$DURATION, $(nproc) cores, app RSS after the run $(( $(rss_kb) / 1024 )) MB"
echo "| case | authkit req/s | p50 ms | p99 ms | non-2xx | drf-auth-kit req/s | p50 ms | p99 ms | ratio |"
echo "|---|---|---|---|---|---|---|---|---|"
printf '%s\n' "${ROWS[@]}"
