#!/usr/bin/env python3
"""Records one WebAuthn registration and one assertion made by a real Chromium with its WebDriver
virtual authenticator (CTAP2, internal transport, resident keys, user verification), and writes them
to Tests/Fixtures/webauthn/chromium_es256.json for WebAuthnChromiumVectorTests. A second registration
asks for attestation "direct"; it is kept when the virtual authenticator answers with "packed".

Not run by the test suite. Needs Debian's `chromium` and `chromium-driver` and Python's `selenium`:

    apt-get install -y chromium chromium-driver
    python3 -m venv /tmp/selenium-venv && /tmp/selenium-venv/bin/pip install selenium==4.51.0
    /tmp/selenium-venv/bin/python tools/record_chromium_webauthn.py \
        > Tests/Fixtures/webauthn/chromium_es256.json

The page is served by http.server on 127.0.0.1 and opened as http://localhost:PORT/ (localhost is a
secure context); the origin written is the one Chromium put in clientDataJSON. The credential keys
live only inside that browser run, so each run gives new (equally valid) vectors.
"""
import argparse
import base64
import http.server
import json
import socket
import subprocess
import sys
import threading

from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.virtual_authenticator import (Protocol, Transport,
                                                             VirtualAuthenticatorOptions)

RP_ID = "localhost"
# Fixed, so that a rerun asks the same questions (the answers differ: new keys, new signatures).
REGISTRATION_CHALLENGE = bytes(range(0x10, 0x30))
ASSERTION_CHALLENGE = bytes(range(0xA0, 0xC0))
DIRECT_CHALLENGE = bytes(range(0x40, 0x60))
DIRECT_ASSERTION_CHALLENGE = bytes(range(0x70, 0x90))

PAGE = b"""<!doctype html><meta charset="utf-8"><title>authkit webauthn recorder</title>
<script>
function b64u(buffer) {
  const bytes = new Uint8Array(buffer);
  let text = "";
  for (const byte of bytes) text += String.fromCharCode(byte);
  return btoa(text).replace(/\\+/g, "-").replace(/\\//g, "_").replace(/=+$/, "");
}
function unb64u(text) {
  const plain = atob(text.replace(/-/g, "+").replace(/_/g, "/"));
  return Uint8Array.from(plain, c => c.charCodeAt(0));
}
// PublicKeyCredential.toJSON() when the browser has it, else the same shape by hand.
function credentialJSON(credential) {
  if (typeof credential.toJSON === "function") return {usedToJSON: true, json: credential.toJSON()};
  const r = credential.response;
  const response = {clientDataJSON: b64u(r.clientDataJSON)};
  if (r.attestationObject) {
    response.attestationObject = b64u(r.attestationObject);
    response.transports = r.getTransports ? r.getTransports() : [];
  } else {
    response.authenticatorData = b64u(r.authenticatorData);
    response.signature = b64u(r.signature);
    response.userHandle = r.userHandle ? b64u(r.userHandle) : null;
  }
  return {usedToJSON: false, json: {
    id: credential.id, rawId: b64u(credential.rawId), type: credential.type, response,
    clientExtensionResults: credential.getClientExtensionResults(),
    authenticatorAttachment: credential.authenticatorAttachment}};
}
async function register(challenge, attestation) {
  const credential = await navigator.credentials.create({publicKey: {
    rp: {id: "localhost", name: "authkit tests"},
    user: {id: unb64u("Nw"), name: "chromium_user", displayName: "chromium_user"},
    challenge: unb64u(challenge),
    pubKeyCredParams: [{type: "public-key", alg: -7}, {type: "public-key", alg: -257}],
    attestation,
    authenticatorSelection: {residentKey: "preferred", userVerification: "preferred"},
  }});
  return credentialJSON(credential);
}
async function authenticate(challenge, id) {
  const credential = await navigator.credentials.get({publicKey: {
    rpId: "localhost", challenge: unb64u(challenge), userVerification: "preferred",
    allowCredentials: [{type: "public-key", id: unb64u(id)}],
  }});
  return credentialJSON(credential);
}
</script>
"""

CALL = """
const [fn, args, done] = [arguments[0], arguments[1], arguments[arguments.length - 1]];
window[fn](...args).then(value => done({ok: value}), error => done({error: String(error)}));
"""


def b64u(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def unb64u(text):
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


class Page(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        self.send_response(200)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(PAGE)))
        self.end_headers()
        self.wfile.write(PAGE)

    def log_message(self, *args):
        pass


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def call(driver, fn, *args):
    result = driver.execute_async_script(CALL, fn, list(args))
    if "error" in result:
        raise SystemExit(f"{fn}{args}: {result['error']}")
    return result["ok"]


def sign_counts(driver):
    return {c.id.rstrip("="): c.sign_count for c in driver.get_credentials()}  # Selenium pads its ids


def client_origin(credential):
    return json.loads(unb64u(credential["response"]["clientDataJSON"]))["origin"]


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--port", type=int, default=0, help="port of the page (default: a free one)")
    parser.add_argument("--chromedriver", default="/usr/bin/chromedriver")
    parser.add_argument("--chromium", default="/usr/bin/chromium")
    args = parser.parse_args()
    port = args.port or free_port()
    server = http.server.ThreadingHTTPServer(("127.0.0.1", port), Page)
    threading.Thread(target=server.serve_forever, daemon=True).start()

    options = webdriver.ChromeOptions()
    options.binary_location = args.chromium
    options.add_argument("--headless=new")
    options.add_argument("--no-sandbox")
    driver = webdriver.Chrome(options=options, service=Service(args.chromedriver))
    try:
        driver.set_script_timeout(30)
        version = driver.capabilities.get("browserVersion", "")
        user_agent = driver.execute_script("return navigator.userAgent")
        driver.get(f"http://localhost:{port}/")
        authenticator = VirtualAuthenticatorOptions()
        authenticator.protocol = Protocol.CTAP2
        authenticator.transport = Transport.INTERNAL
        authenticator.has_resident_key = True
        authenticator.has_user_verification = True
        authenticator.is_user_verified = True
        driver.add_virtual_authenticator(authenticator)

        made = call(driver, "register", b64u(REGISTRATION_CHALLENGE), "none")
        registration = made["json"]
        counts_after_registration = sign_counts(driver)
        got = call(driver, "authenticate", b64u(ASSERTION_CHALLENGE), registration["rawId"])
        assertion = got["json"]
        counts_after_assertion = sign_counts(driver)

        direct = call(driver, "register", b64u(DIRECT_CHALLENGE), "direct")["json"]
        direct_format = _format(direct)
        direct_assertion = None
        if direct_format == "packed":
            direct_assertion = call(driver, "authenticate", b64u(DIRECT_ASSERTION_CHALLENGE),
                                    direct["rawId"])["json"]
        is_secure = driver.execute_script("return window.isSecureContext")
    finally:
        driver.quit()
        server.shutdown()

    chromium = subprocess.run([args.chromium, "--version"], capture_output=True, text=True).stdout.strip()
    document = {
        "description": "Recorded with a real Chromium and its WebDriver virtual authenticator "
                       "(CTAP2, internal, resident key, UV) by tools/record_chromium_webauthn.py.",
        "chromium_version": chromium or version,
        "browser_version": version,
        "user_agent": user_agent,
        "secure_context": is_secure,
        "used_toJSON": made["usedToJSON"],
        "origin": client_origin(registration),
        "rp_id": RP_ID,
        "user_id": b64u(b"7"),
        "registration_challenge": b64u(REGISTRATION_CHALLENGE),
        "registration": registration,
        "assertion_challenge": b64u(ASSERTION_CHALLENGE),
        "assertion": assertion,
        "sign_count_after_registration": counts_after_registration.get(registration["rawId"]),
        "sign_count_after_assertion": counts_after_assertion.get(registration["rawId"]),
    }
    if direct_format == "packed":
        document["direct"] = {
            "registration_challenge": b64u(DIRECT_CHALLENGE), "registration": direct,
            "assertion_challenge": b64u(DIRECT_ASSERTION_CHALLENGE), "assertion": direct_assertion,
        }
    else:
        print(f"attestation \"direct\" gave fmt {direct_format!r}: not kept", file=sys.stderr)
    json.dump(document, sys.stdout, indent=1)
    sys.stdout.write("\n")


def _format(credential):
    """The fmt of an attestationObject: its first map entry, text "fmt" then a text string."""
    data = unb64u(credential["response"]["attestationObject"])
    at = data.find(b"cfmt")
    if at < 0:
        return None
    head = data[at + 4]
    if 0x60 <= head < 0x78:
        return data[at + 5: at + 5 + head - 0x60].decode()
    return None


if __name__ == "__main__":
    main()
