# Shared by the bench scripts: a throwaway PostgreSQL, the release binary and nginx (the
# repository's nginx/ files) in a temporary directory, stopped on exit. Sourced, not run.
# shellcheck shell=bash
source "$(dirname "${BASH_SOURCE[0]}")/../deploy/lib.sh"

bench_start() { # extra AUTHKIT_* settings come from the caller's environment
  ensure_packages wrk
  # swift build reports compile errors on stdout: show them if the build fails. BENCH_SKIP_BUILD=1
  # keeps the binary already built (bench/run's second instance: one binary for the whole run).
  local build
  [[ -n ${BENCH_SKIP_BUILD:-} && -x $ROOT/.build/release/authkit ]] ||
    build=$(cd "$ROOT" && swift build -c release --static-swift-stdlib --product authkit 2>&1) || {
      tail -40 <<<"$build" >&2; die "release build failed"; }
  BIN="$ROOT/.build/release/authkit"
  DIR="$(mktemp -d /tmp/authkit-bench-XXXXXX)"
  chmod 755 "$DIR"
  PGBIN="$(pg_bin)"
  trap bench_stop EXIT
  mkdir -p "$DIR/pg" "$DIR/pgsock" "$DIR/nginx"
  [[ $EUID -eq 0 ]] && chown postgres: "$DIR/pg" "$DIR/pgsock"
  as_postgres "$PGBIN/initdb" -D "$DIR/pg" -U postgres -A trust --no-sync >/dev/null
  # The same durability settings as the reference harness's cluster, so both systems are
  # measured against an equally configured PostgreSQL.
  printf "listen_addresses = ''\nunix_socket_directories = '%s'\nfsync = off\nsynchronous_commit = off\nfull_page_writes = off\n" \
    "$DIR/pgsock" | as_postgres tee -a "$DIR/pg/postgresql.conf" >/dev/null
  as_postgres "$PGBIN/pg_ctl" -D "$DIR/pg" -l "$DIR/pg/log" -w start >/dev/null
  as_postgres "$PGBIN/createdb" -h "$DIR/pgsock" -U postgres authkit
  export AUTHKIT_DATABASE_URL="postgresql:///authkit?host=$DIR/pgsock&user=postgres"
  export AUTHKIT_SOCKET="$DIR/authkit.sock" AUTHKIT_SOCKET_MODE=0666
  export AUTHKIT_WORKERS="${AUTHKIT_WORKERS:-8}" AUTHKIT_LOG_LEVEL="${AUTHKIT_LOG_LEVEL:-warning}"
  export AUTHKIT_SECRET_KEY="${AUTHKIT_SECRET_KEY:-bench-secret-key-0123456789abcdefghijklmnop}"
  "$BIN" migrate >/dev/null
  "$BIN" serve >"$DIR/app.log" 2>&1 &
  APP_PID=$!
  for _ in $(seq 1 100); do [[ -S $AUTHKIT_SOCKET ]] && break; sleep 0.1; done
  PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
  render_nginx_conf "$DIR/nginx" "127.0.0.1:$PORT" "server unix:$AUTHKIT_SOCKET;" "$DIR/nginx/nginx.conf"
  sed -i 's|access_log .*;|access_log off;|' "$DIR/nginx/nginx.conf"
  nginx -p "$DIR/nginx" -c "$DIR/nginx/nginx.conf" -e "$DIR/nginx/error.log" -g 'daemon off;' &
  NGINX_PID=$!
  BASE="http://127.0.0.1:$PORT/api/auth"
  wait_http "$BASE/healthz" 20 || die "stack did not start; see $DIR/app.log"
}

bench_stop() {
  [[ -n ${NGINX_PID:-} ]] && kill -QUIT "$NGINX_PID" 2>/dev/null || true
  # A C floor (start_floor), if a failure ended the run early (libfcgi ignores SIGTERM in accept).
  [[ -n ${FLOOR_PID:-} ]] && kill -KILL "$FLOOR_PID" 2>/dev/null || true
  [[ -n ${FLOOR_NGINX:-} ]] && kill -QUIT "$FLOOR_NGINX" 2>/dev/null || true
  [[ -n ${APP_PID:-} ]] && kill -TERM "$APP_PID" 2>/dev/null || true
  sleep 0.5
  as_postgres "$PGBIN/pg_ctl" -D "$DIR/pg" -m immediate stop >/dev/null 2>&1 || true
  rm -rf "$DIR"
}

# A C floor (bench/NAME.c): a bare threaded libfcgi responder with as many threads as the app has
# workers, behind its own nginx rendered from the same configuration as the app's, pointed at
# the app's database and secret key (bench_start's environment). FLOOR_WRAP (an array, e.g.
# valgrind) runs it under a tool. Sets FLOOR_PID, FLOOR_NGINX and FLOOR_URL; bench_stop ends
# them if the run fails before stop_floor.
start_floor() { # NAME PROBE-PATH [CURL-ARGS...]
  local name=$1 probe=$2 port; shift 2
  # shellcheck disable=SC2046  # pkg-config's flags are meant to split
  cc -O2 -g $(pkg-config --cflags libpq) -o "$DIR/$name" "$(dirname "${BASH_SOURCE[0]}")/$name.c" -lfcgi -lpq -lcrypto -lpthread
  "${FLOOR_WRAP[@]}" "$DIR/$name" "$DIR/$name.sock" "$AUTHKIT_WORKERS" >"$DIR/$name.log" 2>&1 & FLOOR_PID=$!
  mkdir -p "$DIR/nginx-$name"
  port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
  render_nginx_conf "$DIR/nginx-$name" "127.0.0.1:$port" "server unix:$DIR/$name.sock;" "$DIR/nginx-$name/nginx.conf"
  sed -i 's|access_log .*;|access_log off;|' "$DIR/nginx-$name/nginx.conf"
  nginx -p "$DIR/nginx-$name" -c "$DIR/nginx-$name/nginx.conf" -e "$DIR/nginx-$name/error.log" -g "daemon off;" >/dev/null 2>&1 & FLOOR_NGINX=$!
  FLOOR_URL="http://127.0.0.1:$port/api/auth"
  for _ in $(seq 1 300); do curl -fsS -o /dev/null "$@" "$FLOOR_URL$probe" 2>/dev/null && return 0; sleep 0.1; done
  cat "$DIR/$name.log" >&2; die "floor $name did not answer"
}
# libfcgi turns SIGTERM into a "shutdown pending" flag that threads blocked in accept never
# see (../shared/notes gotcha 2): a floor is stopped with SIGKILL. Keeps its RSS (MB) in FLOOR_RSS.
stop_floor() {
  FLOOR_RSS=$(awk '/VmRSS/ {printf "%d", $2 / 1024}' "/proc/$FLOOR_PID/status")
  kill -QUIT "$FLOOR_NGINX"; kill -KILL "$FLOOR_PID"
  wait "$FLOOR_PID" "$FLOOR_NGINX" 2>/dev/null || true   # reaped quietly (no "Killed" line)
  unset FLOOR_NGINX FLOOR_PID
}

rss_kb() { awk '/VmRSS/ {print $2}' "/proc/$APP_PID/status"; }

# Fixtures as the reference bench makes them: ACCESS (JWT of bench_nomfa, no methods), EPH (an
# ephemeral token of bench_app, who has an active app method).
bench_fixtures() {
  local u
  for u in bench_nomfa bench_app; do
    echo 'Bench-pass-1!' | "$BIN" user create --username $u --email $u@example.com --password-stdin >/dev/null
  done
  bench_login() { curl -s -X POST "$BASE/login/" -H 'Content-Type: application/json' -d "{\"username\":\"$1\",\"password\":\"Bench-pass-1!\"}"; }
  ACCESS=$(bench_login bench_nomfa | python3 -c 'import sys,json; print(json.load(sys.stdin)["access"])')
  local app_access secret
  app_access=$(bench_login bench_app | python3 -c 'import sys,json; print(json.load(sys.stdin)["access"])')
  secret=$(curl -s -X POST "$BASE/mfa/" -H "Authorization: Bearer $app_access" -H 'Content-Type: application/json' -d '{"method":"app"}' \
    | python3 -c 'import sys,json,urllib.parse as u; d=json.load(sys.stdin); print(u.parse_qs(u.urlparse(d["setup_data"]["qr_link"]).query)["secret"][0])')
  local code
  code=$(python3 - "$secret" <<'PY'
import base64, hmac, hashlib, struct, sys, time
key = base64.b32decode(sys.argv[1]); t = int(time.time()) // 30
h = hmac.new(key, struct.pack(">Q", t), hashlib.sha1).digest(); o = h[-1] & 15
print("%06d" % ((struct.unpack(">I", h[o:o + 4])[0] & 0x7fffffff) % 1000000))
PY
)
  curl -s -o /dev/null -X POST "$BASE/mfa/confirm/" -H "Authorization: Bearer $app_access" -H 'Content-Type: application/json' \
    -d "{\"method\":\"app\",\"code\":\"$code\"}"
  EPH=$(bench_login bench_app | python3 -c 'import sys,json; print(json.load(sys.stdin)["ephemeral_token"])')
}

# Waits (up to 60 s) until the machine is nearly idle: less than 10 % of all CPU busy over one
# second. A slow-hash row of either system can leave hashes running after wrk stops (gunicorn
# keeps working on requests it already accepted), which would otherwise be charged to the next
# row. The reference's bench.sh waits the same way.
wait_quiet() {
  local i a b
  for i in $(seq 1 60); do
    a=($(head -1 /proc/stat)); sleep 1; b=($(head -1 /proc/stat))
    local total=0 idle=$(( b[4] + b[5] - a[4] - a[5] )) k
    for k in 1 2 3 4 5 6 7 8; do total=$(( total + b[k] - a[k] )); done
    (( total > 0 && (total - idle) * 100 < 10 * total )) && return 0
  done
  echo "machine not quiet after 60 s; measuring anyway" >&2
}

# wrk with bench/request.lua; prints the RESULT line (after waiting for a quiet machine).
bench_wrk() { # URL METHOD BODY TOKEN CONNECTIONS DURATION   (BENCH_NO_WAIT=1: measure at once)
  [[ -n ${BENCH_NO_WAIT:-} ]] || wait_quiet
  WRK_METHOD=$2 WRK_BODY=$3 WRK_TOKEN=$4 wrk -t2 -c"$5" -d"$6" --timeout 10s --latency -s "$(dirname "${BASH_SOURCE[0]}")/request.lua" "$1" | grep '^RESULT'
}
field() { sed -n "s/.*$1=\([^ ]*\).*/\1/p" <<<"$2"; }
