#!/usr/bin/env bash
# Throughput through PgBouncer (transaction mode, Debian's pgbouncer) vs straight to PostgreSQL
# (issue 17), through nginx over loopback, bounded runs. Three setups, same app and rows:
#   direct (unix socket, prepared statements on: the default), direct with prepared statements
#   off (what PgBouncer needs, to separate its two costs), and through PgBouncer (loopback TCP,
#   pool_mode=transaction, prepared statements off).
#
#   bench/pgbouncer.sh [--quick]
# Rows: GET mfa/ with a JWT (one read) and login/verify/ with a wrong 6-digit code (one write).
# On a 2-core machine wrk, nginx, the app, PgBouncer and PostgreSQL share the cores: the extra
# hop costs CPU here that a real deployment spends on other hosts.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
D=6s; C=16
[[ ${1:-} == --quick ]] && D=3s
ensure_packages pgbouncer
export AUTHKIT_MFA_HANDLERS=app AUTHKIT_THROTTLE_RATES=none AUTHKIT_MFA_FAILURES_BEFORE_DELAY=1000000 \
  AUTHKIT_MFA_MAX_FAILURES=1000000 AUTHKIT_PASSWORD_HASH_ITERATIONS=1000 AUTHKIT_WORKERS=16
bench_start
bench_fixtures
DIRECT_URL=$AUTHKIT_DATABASE_URL

# PgBouncer as the postgres user (it refuses root), on a free loopback port.
BPORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
mkdir -p "$DIR/pgbouncer"
cat >"$DIR/pgbouncer/pgbouncer.ini" <<EOF
[databases]
* = host=$DIR/pgsock port=5432
[pgbouncer]
listen_addr = 127.0.0.1
listen_port = $BPORT
unix_socket_dir =
auth_type = trust
admin_users = postgres
auth_file = $DIR/pgbouncer/userlist.txt
pool_mode = transaction
default_pool_size = 8
max_client_conn = 200
server_reset_query =
logfile = $DIR/pgbouncer/pgbouncer.log
pidfile = $DIR/pgbouncer/pgbouncer.pid
EOF
echo '"postgres" ""' >"$DIR/pgbouncer/userlist.txt"
[[ $EUID -eq 0 ]] && chown -R postgres: "$DIR/pgbouncer"
as_postgres pgbouncer -d "$DIR/pgbouncer/pgbouncer.ini"
trap 'kill "$(cat "$DIR/pgbouncer/pgbouncer.pid" 2>/dev/null)" 2>/dev/null || true; bench_stop' EXIT

# No `options` start-up parameter through PgBouncer 1.18 (AUTHKIT_DATABASE_SESSION_OPTIONS: the
# timeouts then belong to the role); harmless elsewhere.
restart_app() { # DATABASE-URL PREPARED-STATEMENTS
  kill -TERM "$APP_PID"; wait "$APP_PID" 2>/dev/null || true
  AUTHKIT_DATABASE_URL=$1 AUTHKIT_DATABASE_PREPARED_STATEMENTS=$2 AUTHKIT_DATABASE_SESSION_OPTIONS=$2 "$BIN" serve >>"$DIR/app.log" 2>&1 &
  APP_PID=$!
  wait_http "$BASE/healthz" 20 || die "app did not come back; see $DIR/app.log"
}

ROWS=()
WRONG="{\"ephemeral_token\":\"$EPH\",\"code\":\"000000\"}"
measure() { # SETUP
  local r
  for r in "GET mfa/|$BASE/mfa/|GET||$ACCESS" "verify, wrong code|$BASE/login/verify/|POST|$WRONG|"; do
    IFS='|' read -r label url method body token <<<"$r"
    result=$(bench_wrk "$url" "$method" "$body" "$token" "$C" "$D")
    ROWS+=("| $label | $1 | $(field rps "$result") | $(field p50_ms "$result") | $(field p99_ms "$result") | $(field non2xx "$result") |")
    echo "$label, $1: $result" >&2
  done
}
bench_wrk "$BASE/mfa/" GET "" "$ACCESS" "$C" 3s >/dev/null   # warm-up
# Two passes, so a neighbour's load on a shared machine shows as a difference between them.
for pass in 1 2; do
  restart_app "$DIRECT_URL" true
  measure "direct, prepared statements on (pass $pass)"
  restart_app "$DIRECT_URL" false
  measure "direct, prepared statements off (pass $pass)"
  restart_app "postgresql://postgres@127.0.0.1:$BPORT/authkit" false
  measure "PgBouncer, transaction mode (pass $pass)"
done
as_postgres "$PGBIN/psql" -h 127.0.0.1 -p "$BPORT" -U postgres -d pgbouncer -c 'SHOW POOLS' >&2

echo "wrk -c$C, $D per row, $AUTHKIT_WORKERS workers, $(nproc) cores, $(date -u '+%Y-%m-%d %H:%M UTC'), pgbouncer $(pgbouncer --version | head -1)"
echo "| request | setup | req/s | p50 ms | p99 ms | non-2xx |"
echo "|---|---|---|---|---|---|"
printf '%s\n' "${ROWS[@]}"
