#!/usr/bin/env bash
# Requests/s of GET {base}healthz through nginx, with wrk -t2 -c32 -d10s on loopback.
#   bench/healthz.sh            # defaults: 10 s, 32 connections, 8 workers
#   DURATION=5s CONNECTIONS=64 AUTHKIT_WORKERS=4 bench/healthz.sh
set -euo pipefail
source "$(dirname "$0")/lib.sh"
DURATION="${DURATION:-10s}"
CONNECTIONS="${CONNECTIONS:-32}"
bench_start
RSS_IDLE=$(rss_kb)
wrk -t2 -c"$CONNECTIONS" -d"$DURATION" --latency "$BASE/healthz" | tee "$DIR/wrk.txt"
RPS=$(awk '/Requests\/sec/ {print $2}' "$DIR/wrk.txt")
echo "healthz_rps=$RPS rss_idle_kb=$RSS_IDLE rss_after_load_kb=$(rss_kb) workers=$AUTHKIT_WORKERS connections=$CONNECTIONS duration=$DURATION"
