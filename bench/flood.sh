#!/usr/bin/env bash
# GET mfa/ undisturbed, then while 4 connections send wrong 12-character codes to login/verify/
# (each one a slow-hash backup-code guess at the default cost), through nginx. Prints the share of
# the undisturbed rate that GET mfa/ keeps, with the default limits and with limits raised
# (then only the hashing budget protects the other endpoints).
#   bench/flood.sh              DURATION=10s
set -euo pipefail
source "$(dirname "$0")/lib.sh"
DURATION="${DURATION:-10s}"
FLOOD="$(( ${DURATION%s} + 6 ))s"
export AUTHKIT_MFA_HANDLERS=app AUTHKIT_PASSWORD_HASH_ITERATIONS=1000000

measure() { # LABEL -> row
  bench_fixtures
  local base; base=$(bench_wrk "$BASE/mfa/" GET "" "$ACCESS" 16 "$DURATION")
  WRK_METHOD=POST WRK_BODY="{\"ephemeral_token\":\"$EPH\",\"code\":\"ABCDEFGHJKMN\"}" \
    wrk -t1 -c4 -d"$FLOOD" --timeout 60s -s "$(dirname "$0")/request.lua" "$BASE/login/verify/" >"$DIR/flood.txt" 2>&1 &
  local bg=$!
  sleep 3
  local under; under=$(BENCH_NO_WAIT=1 bench_wrk "$BASE/mfa/" GET "" "$ACCESS" 16 "$DURATION")
  wait $bg
  local flood; flood=$(grep '^RESULT' "$DIR/flood.txt")
  local share; share=$(python3 -c "print(f'{$(field rps "$under")/$(field rps "$base")*100:.0f}')")
  ROWS+=("| $1 | $(field rps "$base") | $(field rps "$under") | ${share}% | $(field p99_ms "$under") | $(field requests "$flood") | $(field non2xx "$flood") |")
  echo "$1: undisturbed $base / under flood $under / flood $flood"
}

ROWS=()
bench_start
measure "default limits (rate 60/min per IP, 3 failures then delays)"
bench_stop; trap - EXIT
export AUTHKIT_THROTTLE_RATES=none AUTHKIT_MFA_FAILURES_BEFORE_DELAY=1000000 AUTHKIT_MFA_MAX_FAILURES=1000000
bench_start
measure "limits raised: only the hashing budget (2 running + 2 waiting)"
echo
echo "| config | GET mfa/ req/s alone | under flood | share kept | p99 ms under flood | flood requests | flood non-2xx |"
echo "|---|---|---|---|---|---|---|"
printf '%s\n' "${ROWS[@]}"
echo "flood_read_share=$(sed -n 's/.*| \([0-9]*\)% |.*/\1/p' <<<"${ROWS[0]}")"
