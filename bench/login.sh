#!/usr/bin/env bash
# Password-bound login throughput through nginx, at the default PBKDF2 cost (1,000,000
# iterations, Django 5.2's), and the time of one password check. Prints the ratio to the
# physical limit of the machine: cores / (CPU time of one hash).
#   bench/login.sh              # 20 s, 4 connections (= hash concurrency + queue on 2 cores)
set -euo pipefail
source "$(dirname "$0")/lib.sh"
DURATION="${DURATION:-20s}"
CONNECTIONS="${CONNECTIONS:-4}"
export AUTHKIT_PASSWORD_HASH_ITERATIONS="${AUTHKIT_PASSWORD_HASH_ITERATIONS:-1000000}"
bench_start
echo 'S3cret-pass!' | "$BIN" user create --username bench --email bench@example.com --password-stdin >/dev/null
export LOGIN_BODY='{"username":"bench","password":"S3cret-pass!"}'

# One password check, idle machine: median of 5 sequential logins (server time of the request).
for i in 1 2 3 4 5; do
  curl -s -o /dev/null -w '%{time_total}\n' -X POST "$BASE/login/" -H 'Content-Type: application/json' -d "$LOGIN_BODY"
done | sort -n | sed -n 3p >"$DIR/one.txt"
ONE=$(cat "$DIR/one.txt")
CORES=$(nproc)

wrk -t2 -c"$CONNECTIONS" -d"$DURATION" --latency -s "$(dirname "$0")/login.lua" "$BASE/login/" | tee "$DIR/wrk.txt"
OK=$(grep -o 'status_200=[0-9]*' "$DIR/wrk.txt" | cut -d= -f2)
SECS=$(awk '/requests in/ {gsub("s,","",$4); print $4}' "$DIR/wrk.txt")
python3 - "$ONE" "$OK" "$SECS" "$CORES" <<'PY'
import sys
one, ok, secs, cores = float(sys.argv[1]), int(sys.argv[2]), float(sys.argv[3]), int(sys.argv[4])
rate = ok / secs
limit = cores / one
print(f"password_check_s={one:.3f} login_ok_rps={rate:.2f} physical_limit_rps={limit:.2f} ratio={rate/limit:.2f}")
PY
