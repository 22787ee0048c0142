#!/usr/bin/env bash
# Requests/s of GET {base}healthz through nginx, with wrk -t2 -c32 -d10s on loopback.
# Starts its own PostgreSQL, release binary and nginx in a temporary directory, then stops them.
#   bench/healthz.sh            # defaults: 10 s, 32 connections, 8 workers
#   DURATION=5s CONNECTIONS=64 WORKERS=4 bench/healthz.sh
set -euo pipefail
source "$(dirname "$0")/../deploy/lib.sh"
DURATION="${DURATION:-10s}"
CONNECTIONS="${CONNECTIONS:-32}"
WORKERS="${WORKERS:-8}"
ensure_packages wrk

(cd "$ROOT" && swift build -c release --static-swift-stdlib --product authkit >/dev/null)
BIN="$ROOT/.build/release/authkit"
DIR="$(mktemp -d /tmp/authkit-bench-XXXXXX)"
chmod 755 "$DIR"
PGBIN="$(pg_bin)"
cleanup() {
  [[ -n ${NGINX_PID:-} ]] && kill -QUIT "$NGINX_PID" 2>/dev/null || true
  [[ -n ${APP_PID:-} ]] && kill -TERM "$APP_PID" 2>/dev/null || true
  sleep 0.5
  as_postgres "$PGBIN/pg_ctl" -D "$DIR/pg" -m immediate stop >/dev/null 2>&1 || true
  rm -rf "$DIR"
}
trap cleanup EXIT

mkdir -p "$DIR/pg" "$DIR/pgsock" "$DIR/nginx"
[[ $EUID -eq 0 ]] && chown postgres: "$DIR/pg" "$DIR/pgsock"
as_postgres "$PGBIN/initdb" -D "$DIR/pg" -U postgres -A trust --no-sync >/dev/null
printf "listen_addresses = ''\nunix_socket_directories = '%s'\n" "$DIR/pgsock" | as_postgres tee -a "$DIR/pg/postgresql.conf" >/dev/null
as_postgres "$PGBIN/pg_ctl" -D "$DIR/pg" -l "$DIR/pg/log" -w start >/dev/null
as_postgres "$PGBIN/createdb" -h "$DIR/pgsock" -U postgres authkit
export AUTHKIT_DATABASE_URL="postgresql:///authkit?host=$DIR/pgsock&user=postgres"
export AUTHKIT_SOCKET="$DIR/authkit.sock" AUTHKIT_SOCKET_MODE=0666 AUTHKIT_WORKERS="$WORKERS" AUTHKIT_LOG_LEVEL=warning
"$BIN" migrate >/dev/null
"$BIN" serve >"$DIR/app.log" 2>&1 &
APP_PID=$!
for _ in $(seq 1 100); do [[ -S $AUTHKIT_SOCKET ]] && break; sleep 0.1; done
PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
render_nginx_conf "$DIR/nginx" "127.0.0.1:$PORT" "server unix:$AUTHKIT_SOCKET;" "$DIR/nginx/nginx.conf"
sed -i 's|access_log .*;|access_log off;|' "$DIR/nginx/nginx.conf"
nginx -p "$DIR/nginx" -c "$DIR/nginx/nginx.conf" -e "$DIR/nginx/error.log" -g 'daemon off;' &
NGINX_PID=$!
wait_http "http://127.0.0.1:$PORT/api/auth/healthz" 20

RSS_IDLE=$(awk '/VmRSS/ {print $2}' /proc/$APP_PID/status)
wrk -t2 -c"$CONNECTIONS" -d"$DURATION" --latency "http://127.0.0.1:$PORT/api/auth/healthz" | tee "$DIR/wrk.txt"
RSS_LOAD=$(awk '/VmRSS/ {print $2}' /proc/$APP_PID/status)
RPS=$(awk '/Requests\/sec/ {print $2}' "$DIR/wrk.txt")
echo "healthz_rps=$RPS rss_idle_kb=$RSS_IDLE rss_after_load_kb=$RSS_LOAD workers=$WORKERS connections=$CONNECTIONS duration=$DURATION"
