#!/usr/bin/env bash
# CPU time of one WebAuthn registration and one assertion verification per test vector (ES256,
# EdDSA, RS256; Tests/Fixtures/webauthn), measured in-process by the opt-in test WebAuthnCPUBench
# with per-thread CPU time. No server, no database. Bounded: N verifications per case (≈ 0.3 s
# per case at N=2000), in 10 rounds: median, min and max per verification.
# Per-thread CPU time leaves out time spent waiting for a core, but not cache and memory contention
# while running: on this 2-core VM a compile on the other core inflated it by up to ~1.5×. So the
# script waits for a quiet machine and reports how busy the machine was while it measured.
# If REFERENCE_PYTHON (default: the reference harness's venv) has py_webauthn, the same vectors are
# timed through its public API the same way (thread CPU time, posted JSON text, 10 rounds).
#   bench/webauthn_cpu.sh          N=500 bench/webauthn_cpu.sh          MODE=debug bench/webauthn_cpu.sh
set -euo pipefail
source "$(dirname "$0")/lib.sh"
cd "$ROOT"
MODE="${MODE:-release}"
export AUTHKIT_BENCH_WEBAUTHN=1 AUTHKIT_BENCH_WEBAUTHN_N="${N:-2000}"
REFERENCE_PYTHON="${REFERENCE_PYTHON:-/tmp/authkit-reference/venv/bin/python}"
# Release tests need -enable-testing for their @testable imports: `swift test -c release` adds it
# itself, `swift build -c release --build-tests` does not ("module 'AuthKit' was not compiled for
# testing"). Built first, so the compile is over before the machine has to be quiet.
# swift reports compile errors on stdout: show them if the build or the test fails.
out=$(swift build -c "$MODE" --build-tests -Xswiftc -enable-testing 2>&1) || {
  grep -m20 'error:' <<<"$out" >&2 || tail -40 <<<"$out" >&2; die "build failed"; }
busy() { # share (%) of all CPUs busy since the /proc/stat "cpu" line in $1 (as wait_quiet counts)
  local a b k total=0 idle
  read -ra a <<<"$1"; read -ra b < <(head -1 /proc/stat)
  idle=$(( b[4] + b[5] - a[4] - a[5] ))
  for k in 1 2 3 4 5 6 7 8; do total=$(( total + b[k] - a[k] )); done
  echo $(( total > 0 ? (total - idle) * 100 / total : 0 ))
}
wait_quiet
start=$(head -1 /proc/stat)
out=$(swift test -c "$MODE" --skip-build --filter WebAuthnCPUBench 2>&1) || { tail -60 <<<"$out" >&2; exit 1; }
grep -q '^webauthn-cpu' <<<"$out" || { tail -30 <<<"$out" >&2; die "no figures printed"; }
echo "authkit: $MODE build, $(swift --version 2>/dev/null | head -1), N=$AUTHKIT_BENCH_WEBAUTHN_N;" \
  "machine busy $(busy "$start") % of $(nproc) cores while measuring (this run alone: ~$((100 / $(nproc))) %)"
sed -n 's/^webauthn-cpu | //p' <<<"$out"

"$REFERENCE_PYTHON" -c 'import webauthn' 2>/dev/null || { echo "py_webauthn: not available, skipped"; exit 0; }
wait_quiet
start=$(head -1 /proc/stat)
"$REFERENCE_PYTHON" - Tests/Fixtures/webauthn "$AUTHKIT_BENCH_WEBAUTHN_N" <<'PY'
import base64, importlib.metadata as meta, json, statistics, sys, time
from cryptography.hazmat.backends.openssl import backend
from webauthn import verify_authentication_response, verify_registration_response

root, n = sys.argv[1], int(sys.argv[2])
origin, rp = "http://localhost:8104", "localhost"
def b64(s): return base64.urlsafe_b64decode(s + "=" * (-len(s) % 4))
def load(name): return json.load(open(f"{root}/{name}"))

# The posted JSON text, as authkit's figures start from the posted bytes; UV not required by either.
def registration(credential, challenge):
    text = json.dumps(credential)
    return lambda: verify_registration_response(
        credential=text, expected_challenge=challenge, expected_origin=origin, expected_rp_id=rp)

def assertion(credential, challenge, key, count):
    text = json.dumps(credential)
    def run():
        verified = verify_authentication_response(
            credential=text, expected_challenge=challenge, expected_rp_id=rp, expected_origin=origin,
            credential_public_key=key, credential_current_sign_count=0)
        assert verified.new_sign_count == count
    return run

none, recorded = load("registration_es256_none.json"), load("assertion_es256.json")
cases = [("registration none ES256 (recorded)", registration(none["credential"], b64(none["challenge"])))]
asserts = [("assertion ES256 (recorded)", assertion(
    recorded["credential"], b64(recorded["challenge"]),
    bytes.fromhex(recorded["stored_credential"]["cose_public_key_hex"]), 1))]
for label, case in zip(["EdDSA", "ES256", "RS256"], load("generated_vectors.json")["cases"]):
    verify = registration(case["registration"], b64(case["registration_challenge"]))
    cases.append((f"registration packed {label}", verify))
    asserts.append((f"assertion {label}", assertion(
        case["assertion"], b64(case["assertion_challenge"]), verify().credential_public_key,
        case["assertion_sign_count"])))
print(f"py_webauthn {meta.version('webauthn')} (cryptography {meta.version('cryptography')},"
      f" {backend.openssl_version_text()}), Python {sys.version.split()[0]}, N={n}")
print("case | µs CPU per verification, median of 10 rounds | min | max")
for name, run in cases + asserts:
    for _ in range(max(1, n // 10)): run()
    rounds = []
    for _ in range(10):
        start = time.thread_time()
        for _ in range(n // 10): run()
        rounds.append((time.thread_time() - start) / (n // 10) * 1e6)
    print(f"{name} | {statistics.median(rounds):.1f} | {min(rounds):.1f} | {max(rounds):.1f}")
PY
echo "machine busy $(busy "$start") % of $(nproc) cores while py_webauthn was measured"
