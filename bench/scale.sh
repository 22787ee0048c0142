#!/usr/bin/env bash
# Scaling figures (issues 7 and 8), through nginx over loopback, bounded runs:
#   1. fastcgi_keep_conn off (the shipped snippet) vs on (upstream keepalive, threads >= connections)
#   2. one instance vs two instances behind one upstream (same total worker threads)
#   3. 1,000 vs 1,000,000 users (each with an active method) in users and mfa_methods
#   4. PostgreSQL CPU per request: how many requests one database core carries
#
#   bench/scale.sh [--quick]
# Rows: GET mfa/ with a JWT and login/verify/ with a wrong 6-digit code (limits raised).
set -euo pipefail
source "$(dirname "$0")/lib.sh"
D=8s; C=16
[[ ${1:-} == --quick ]] && D=3s
export AUTHKIT_MFA_HANDLERS=app AUTHKIT_THROTTLE_RATES=none AUTHKIT_MFA_FAILURES_BEFORE_DELAY=1000000 \
  AUTHKIT_MFA_MAX_FAILURES=1000000 AUTHKIT_PASSWORD_HASH_ITERATIONS=1000 AUTHKIT_WORKERS=32
bench_start
bench_fixtures
PSQL=("$PGBIN/psql" -h "$DIR/pgsock" -U postgres -d authkit -Atq -v ON_ERROR_STOP=1)
psql_run() { as_postgres "${PSQL[@]}" -c "$1"; }

# CPU ticks (user + system) of a process and its children (PostgreSQL: postmaster + backends).
ticks() {
  local total=0 pid
  for pid in "$@" $(pgrep -P "$1" 2>/dev/null || true); do
    [[ -r /proc/$pid/stat ]] || continue
    total=$((total + $(awk '{print $14 + $15}' "/proc/$pid/stat")))
  done
  echo "$total"
}
PG_PID=$(head -1 "$DIR/pg/postmaster.pid")
HZ=$(getconf CLK_TCK)

ROWS=()
measure() { # LABEL URL METHOD BODY TOKEN
  local before after result rps dbcpu per
  before=$(ticks "$PG_PID")
  result=$(bench_wrk "$2" "$3" "$4" "$5" "$C" "$D")
  after=$(ticks "$PG_PID")
  rps=$(field rps "$result")
  dbcpu=$(python3 -c "print(f'{($after - $before) / $HZ:.2f}')")
  per=$(python3 -c "r=$(field requests "$result"); c=($after - $before) / $HZ; print(f'{r / c:,.0f}' if c > 0 else '-')")
  ROWS+=("| $1 | $rps | $(field p50_ms "$result") | $(field p99_ms "$result") | $(field non2xx "$result") | $dbcpu | $per |")
  echo "$1: $result db_cpu_s=$dbcpu" >&2
}
WRONG="{\"ephemeral_token\":\"$EPH\",\"code\":\"000000\"}"
both() { # SUFFIX
  measure "GET mfa/ $1" "$BASE/mfa/" GET "" "$ACCESS"
  measure "verify, wrong code $1" "$BASE/login/verify/" POST "$WRONG" ""
}

restart_nginx() { # UPSTREAM-LINES SNIPPET
  kill -QUIT "$NGINX_PID" 2>/dev/null || true
  wait "$NGINX_PID" 2>/dev/null || true
  sed -e "s|@PREFIX@|$DIR/nginx|g" -e "s|@LISTEN@|127.0.0.1:$PORT|g" -e "s|@UPSTREAM@|$1|g" -e "s|@SNIPPET@|$2|g" \
    "$ROOT/nginx/nginx.conf" >"$DIR/nginx/nginx.conf"
  sed -i 's|access_log .*;|access_log off;|' "$DIR/nginx/nginx.conf"
  nginx -p "$DIR/nginx" -c "$DIR/nginx/nginx.conf" -e "$DIR/nginx/error.log" -g 'daemon off;' &
  NGINX_PID=$!
  wait_http "$BASE/healthz" 20 || die "nginx did not come back"
}

fill_users() { # FROM TO
  psql_run "INSERT INTO users (username, email, password)
              SELECT 'filler' || g, 'filler' || g || '@example.com', 'pbkdf2_sha256\$1000\$x\$y' FROM generate_series($1, $2) g;
            INSERT INTO mfa_methods (user_id, name, secret, is_active, is_primary, backup_salt, backup_scheme)
              SELECT id, 'app', 'x', true, true, 's', 'hmac_sha256' FROM users WHERE username LIKE 'filler%' AND id > (SELECT coalesce(max(user_id), 0) FROM mfa_methods WHERE secret = 'x');"
  psql_run "VACUUM ANALYZE users"
  psql_run "VACUUM ANALYZE mfa_methods"
  psql_run "CHECKPOINT"
}

bench_wrk "$BASE/mfa/" GET "" "$ACCESS" "$C" 3s >/dev/null   # warm-up

# 3 (first half) and 1: 1,000 users; keep_conn off (shipped) then on.
fill_users 1 998
USERS_SMALL=$(psql_run "SELECT count(*) FROM users")
both "(${USERS_SMALL} users, keep_conn off)"
sed 's|fastcgi_keep_conn off;|fastcgi_keep_conn on;|' "$ROOT/nginx/authkit.conf" >"$DIR/authkit-keepconn.conf"
restart_nginx "server unix:$AUTHKIT_SOCKET; keepalive 16;" "$DIR/authkit-keepconn.conf"
both "(keep_conn on, keepalive 16, 32 threads)"
restart_nginx "server unix:$AUTHKIT_SOCKET;" "$ROOT/nginx/authkit.conf"

# 2: two instances with 16 threads each behind one upstream, vs the one with 32 above.
AUTHKIT_SOCKET="$DIR/b.sock" AUTHKIT_WORKERS=16 "$BIN" serve >"$DIR/app-b.log" 2>&1 &
B_PID=$!
for _ in $(seq 1 100); do [[ -S $DIR/b.sock ]] && break; sleep 0.1; done
kill -TERM "$APP_PID"; wait "$APP_PID" 2>/dev/null || true
AUTHKIT_WORKERS=16 "$BIN" serve >"$DIR/app.log" 2>&1 &
APP_PID=$!
for _ in $(seq 1 100); do [[ -S $AUTHKIT_SOCKET ]] && break; sleep 0.1; done
restart_nginx "server unix:$AUTHKIT_SOCKET; server unix:$DIR/b.sock;" "$ROOT/nginx/authkit.conf"
both "(two instances × 16 threads)"
kill -TERM "$B_PID"; wait "$B_PID" 2>/dev/null || true
restart_nginx "server unix:$AUTHKIT_SOCKET;" "$ROOT/nginx/authkit.conf"

# 3 (second half): 1,000,000 users.
fill_users 999 999998
USERS_LARGE=$(psql_run "SELECT count(*) FROM users")
both "(${USERS_LARGE} users)"
SIZES=$(psql_run "SELECT pg_size_pretty(pg_total_relation_size('users')) || ' users, ' || pg_size_pretty(pg_total_relation_size('mfa_methods')) || ' mfa_methods'")

echo
echo "Machine: $(nproc) cores; wrk -t2 -c$C -d$D; app: release, 32 worker threads (16 + 16 for two instances); PostgreSQL fsync off like the reference harness."
echo "Database at the end: $SIZES. 'DB CPU' is the user+system time of the PostgreSQL processes during the run."
echo
echo "| case | req/s | p50 ms | p99 ms | non-2xx | DB CPU s | requests per DB CPU-second |"
echo "|---|---|---|---|---|---|---|"
printf '%s\n' "${ROWS[@]}"
