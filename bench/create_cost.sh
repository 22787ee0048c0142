#!/usr/bin/env bash
# CPU time of creating a second factor (POST mfa/ for the app method: a TOTP secret, 5 backup
# codes hashed, one transaction), read from the app's own CPU counters around N sequential
# create + delete pairs (deleting an unconfirmed method is one cheap transaction). Bounded:
# N requests of each, loopback only.
#   bench/create_cost.sh                      N=40 bench/create_cost.sh
#   AUTHKIT_MFA_BACKUP_CODE_ITERATIONS=1000000 bench/create_cost.sh   # the cost before issue 12
set -euo pipefail
source "$(dirname "$0")/lib.sh"
N="${N:-40}"
export AUTHKIT_MFA_HANDLERS=app AUTHKIT_THROTTLE_RATES=none
bench_start
echo 'Bench-pass-1!' | "$BIN" user create --username creator --email creator@example.com --password-stdin >/dev/null
ACCESS=$(curl -s -X POST "$BASE/login/" -H 'Content-Type: application/json' -d '{"username":"creator","password":"Bench-pass-1!"}' \
  | python3 -c 'import sys,json; print(json.load(sys.stdin)["access"])')
cpu_ticks() { awk '{print $14 + $15}' "/proc/$APP_PID/stat"; }
call() { curl -s -o /dev/null -w '%{http_code}' -X POST "$BASE/$1" -H "Authorization: Bearer $ACCESS" \
  -H 'Content-Type: application/json' -d '{"method":"app"}'; }
[[ $(call mfa/) == 201 && $(call mfa/delete/) == 204 ]] || die "create/delete did not answer 201/204"  # warm-up
before=$(cpu_ticks)
for _ in $(seq 1 "$N"); do
  [[ $(call mfa/) == 201 ]] || die "create failed"
  [[ $(call mfa/delete/) == 204 ]] || die "delete failed"
done
after=$(cpu_ticks)
ticks=$(getconf CLK_TCK)
python3 -c "print(f'mfa/ create + delete: {($after - $before) * 1000 / $ticks / $N:.1f} ms of app CPU per pair over $N pairs (backup-code iterations: ${AUTHKIT_MFA_BACKUP_CODE_ITERATIONS:-10000})')"
