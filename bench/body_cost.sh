#!/usr/bin/env bash
# CPU time of parsing hostile bodies: N POST login/ requests of ~55 KB each, one a single long
# value, one 7,000 distinct keys (form; 5,000 for JSON, which then has the same size), read from the app's own CPU counters. The
# bodies fail validation (no username or password), so no password is hashed. Bounded: N
# requests per shape, loopback only.
#   bench/body_cost.sh          N=200 bench/body_cost.sh
set -euo pipefail
source "$(dirname "$0")/lib.sh"
N="${N:-200}"
export AUTHKIT_THROTTLE_RATES=none
bench_start
DIRB="$(mktemp -d)"
python3 - "$DIRB" <<'PY'
import json, sys
d = sys.argv[1]
keys = {f"k{i:04d}": "v" for i in range(7000)}
jkeys = {f"k{i:04d}": "v" for i in range(5000)}
open(f"{d}/form_keys", "w").write("&".join(f"{k}={v}" for k, v in keys.items()))
open(f"{d}/json_keys", "w").write(json.dumps(jkeys, separators=(",", ":")))
size = len(open(f"{d}/form_keys").read())
open(f"{d}/form_value", "w").write("x=" + "v" * (size - 2))
jsize = len(open(f"{d}/json_keys").read())
open(f"{d}/json_value", "w").write(json.dumps({"x": "v" * (jsize - 8)}, separators=(",", ":")))
PY
cpu_ticks() { awk '{print $14 + $15}' "/proc/$APP_PID/stat"; }
measure() { # FILE CONTENT-TYPE
  local before after
  before=$(cpu_ticks)
  for _ in $(seq 1 "$N"); do
    curl -s -o /dev/null -X POST "$BASE/login/" -H "Content-Type: $2" --data-binary "@$DIRB/$1"
  done
  after=$(cpu_ticks)
  python3 -c "print(f'{\"$1\":12} {$(stat -c %s "$DIRB/$1")} bytes: {($after - $before) * 1000 / $(getconf CLK_TCK) / $N:.2f} ms of app CPU per request')"
}
measure form_value application/x-www-form-urlencoded
measure form_keys application/x-www-form-urlencoded
measure json_value application/json
measure json_keys application/json
rm -rf "$DIRB"
