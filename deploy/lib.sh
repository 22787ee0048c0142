# Shared helpers for deploy/up, deploy/down, deploy/test and deploy/authkit. Sourced, not run.
# shellcheck shell=bash

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
STATE_LINK="$ROOT/.dev"
export PATH="$PATH:/opt/swift/usr/bin:/usr/sbin:/sbin"

log() { printf '[%s] %s\n' "$(basename "$0")" "$*" >&2; }
die() { log "error: $*"; exit 1; }

as_root() {
  if [[ $EUID -eq 0 ]]; then "$@"; elif command -v sudo >/dev/null; then sudo "$@"; else die "need root for: $*"; fi
}

# Debian packages the build, the service and the tests need.
PACKAGES=(libfcgi-dev libpq-dev libssl-dev libcurl4-openssl-dev libargon2-dev libcrypt-dev pkg-config
          postgresql nginx-light curl ca-certificates python3 python3-aiosmtpd)
# The password policy's common-password check: cracklib, and the dictionary cracklib-runtime builds
# at install from /usr/share/dict (wamerican, which apt would only recommend, named so every machine
# builds the same one).
PACKAGES+=(libcrack2-dev cracklib-runtime wamerican)
# Passkeys (WebAuthn): libfido2 checks attestations and assertion signatures, libcbor splits the
# attestationObject (libfido2 1.12 cannot parse a whole one).
PACKAGES+=(libfido2-dev libcbor-dev)
# The app method's QR code (setup_data.qr_svg): libqrencode to build, libqrencode4 (its shared
# library, also pulled in by the -dev package) to run.
PACKAGES+=(libqrencode-dev libqrencode4)

ensure_packages() {
  local missing=() p
  for p in "${PACKAGES[@]}" "$@"; do
    if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
      # Any nginx flavour that ships the binary will do.
      if [[ $p == nginx-light ]] && command -v nginx >/dev/null; then continue; fi
      missing+=("$p")
    fi
  done
  if ((${#missing[@]})); then
    log "installing ${missing[*]}"
    # Only the PostgreSQL binaries are used: do not let the package create and start a system cluster.
    if [[ ! -e /etc/postgresql-common/createcluster.conf ]]; then
      as_root mkdir -p /etc/postgresql-common
      echo "create_main_cluster = false" | as_root tee /etc/postgresql-common/createcluster.conf >/dev/null
    fi
    as_root env DEBIAN_FRONTEND=noninteractive apt-get update -qq
    as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  fi
  command -v swift >/dev/null || die "Swift 6 toolchain not found (expected /opt/swift/usr/bin/swift)"
}

pg_bin() {
  local d
  for d in /usr/lib/postgresql/*/bin; do [[ -x $d/initdb ]] && { echo "$d"; return; }; done
  die "PostgreSQL server binaries not found under /usr/lib/postgresql"
}

# PostgreSQL refuses to run as root: run it as the postgres system user.
as_postgres() {
  if [[ $EUID -eq 0 ]]; then
    id postgres >/dev/null 2>&1 || useradd --system --home-dir /nonexistent --shell /usr/sbin/nologin postgres
    runuser -u postgres -- "$@"
  else
    "$@"
  fi
}

# The dev state lives in .dev inside the checkout. When the checkout is not reachable by the
# postgres and nginx worker users (e.g. under /root), .dev is a symlink to a private folder
# under /var/tmp that they can enter.
state_dir() {
  if [[ -L $STATE_LINK || -d $STATE_LINK ]]; then
    readlink -f "$STATE_LINK"
    return
  fi
  local target="$STATE_LINK"
  if [[ $EUID -eq 0 ]] && ! runuser -u nobody -- test -x "$ROOT" 2>/dev/null; then
    target="/var/tmp/authkit-dev-$(echo -n "$ROOT" | sha256sum | cut -c1-12)"
    mkdir -p "$target"
    ln -sfn "$target" "$STATE_LINK"
  fi
  mkdir -p "$target"
  chmod 755 "$target"
  echo "$target"
}

alive() { [[ -s $1 ]] && kill -0 "$(head -1 "$1")" 2>/dev/null; }

# Whether something accepts TCP connections on 127.0.0.1:PORT.
listening() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

# Stops the process in PIDFILE (SIGTERM, or SIGQUIT for nginx) and waits until it is gone:
# 15 s, then SIGKILL. What was stopped never outlives the command that stopped it.
stop_pid() { # PIDFILE NAME [SIGNAL]
  local pid i
  alive "$1" || return 0
  pid="$(head -1 "$1")"
  kill "-${3:-TERM}" "$pid" 2>/dev/null || true
  for ((i = 0; i < 150; i++)); do kill -0 "$pid" 2>/dev/null || { rm -f "$1"; return 0; }; sleep 0.1; done
  log "$2 (pid $pid) did not stop within 15 s: killing it"
  kill -KILL "$pid" 2>/dev/null || true
  for ((i = 0; i < 50; i++)); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
  rm -f "$1"
}

wait_http() { # URL SECONDS
  local i
  for ((i = 0; i < $2 * 10; i++)); do
    curl -fsS -o /dev/null "$1" 2>/dev/null && return 0
    sleep 0.1
  done
  return 1
}

# Renders nginx/nginx.conf for a prefix, a listen address and an upstream server line; the web
# app (web/) is served at /.
render_nginx_conf() { # PREFIX LISTEN UPSTREAM OUTFILE
  sed -e "s|@PREFIX@|$1|g" -e "s|@LISTEN@|$2|g" -e "s|@UPSTREAM@|$3|g" -e "s|@REALIP@||g" \
      -e "s|@SNIPPET@|$ROOT/nginx/authkit.conf|g" -e "s|@WEBROOT@|$ROOT/web|g" "$ROOT/nginx/nginx.conf" >"$4"
}
