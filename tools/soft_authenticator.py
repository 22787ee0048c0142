#!/usr/bin/env python3
"""A minimal software WebAuthn authenticator + client, for tests.

Requires: Python 3.11 stdlib and `cryptography==50.0.2` (pinned; any recent
release works, this is the one the recordings in docs/contract/ were made
with). No other dependency: the few CBOR shapes a WebAuthn authenticator
emits are encoded by hand below.

It plays both roles a browser and a passkey play: it turns the JSON creation /
request options that the server sends (PublicKeyCredentialCreationOptionsJSON /
PublicKeyCredentialRequestOptionsJSON) into the JSON a browser posts back
(PublicKeyCredential.toJSON()), base64url without padding everywhere.

Supported: ES256 (COSE -7, P-256) and EdDSA (COSE -8, Ed25519) keys;
attestation fmt "none", "packed" self attestation and "packed" with an x5c
chain from a test CA (`make-ca DIR`, then `--fmt packed --attestation DIR`). Flags UP|UV (+AT on
registration); BE/BS can be switched on. Every field can be overridden to
build negative cases (wrong challenge, origin, rp id hash, sign count ...).

Library use:

    from soft_authenticator import SoftAuthenticator
    auth = SoftAuthenticator(origin="http://localhost:8104")
    reg = auth.create(creation_options)          # dict, post json.dumps(reg)
    cred = auth.credentials[-1]
    assertion = auth.get(request_options)         # dict

Command line (state kept in a JSON file so steps can run in separate
processes; options read from a file or "-" for stdin, the server's response
may be passed whole: a top-level "options"/"setup_data" wrapper is unwrapped):

    soft_authenticator.py --state s.json --origin http://localhost:8104 create opts.json
    soft_authenticator.py --state s.json --origin http://localhost:8104 get --embed-session-id opts.json
    soft_authenticator.py --state s.json make-ca DIR      # DIR/root.pem: the trust anchor
    soft_authenticator.py --state s.json --fmt packed --attestation DIR create opts.json

drf-auth-kit 1.8.1 expects: mfa/confirm/ `code` = json.dumps(registration);
login/verify/ `code` = json.dumps(assertion + {"session_id": …});
passwordless/webauthn/verify/ {"credential": assertion (an object), "session_id": …};
webauthn/credentials/ {"credential": registration (object or string), "name": …}.
See docs/contract/webauthn.md.
"""

from __future__ import annotations

import argparse
import base64
import datetime
import hashlib
import json
import os
import struct
import sys

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519
from cryptography.x509.oid import NameOID

COSE_ES256 = -7
COSE_EDDSA = -8

FLAG_UP = 0x01
FLAG_UV = 0x04
FLAG_BE = 0x08
FLAG_BS = 0x10
FLAG_AT = 0x40
FLAG_ED = 0x80


# ----------------------------------------------------------------- encodings
def b64u(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def b64u_decode(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _cbor_head(major: int, n: int) -> bytes:
    if n < 24:
        return bytes([major << 5 | n])
    for info, fmt in ((24, ">B"), (25, ">H"), (26, ">I"), (27, ">Q")):
        if n < 1 << (8 * struct.calcsize(fmt)):
            return bytes([major << 5 | info]) + struct.pack(fmt, n)
    raise ValueError("integer too large")


def cbor(value) -> bytes:
    """Encode int, bytes, str, bool, None, list and dict (keys kept in order)."""
    if value is True:
        return b"\xf5"
    if value is False:
        return b"\xf4"
    if value is None:
        return b"\xf6"
    if isinstance(value, int):
        return _cbor_head(0, value) if value >= 0 else _cbor_head(1, -1 - value)
    if isinstance(value, bytes):
        return _cbor_head(2, len(value)) + value
    if isinstance(value, str):
        raw = value.encode("utf-8")
        return _cbor_head(3, len(raw)) + raw
    if isinstance(value, (list, tuple)):
        return _cbor_head(4, len(value)) + b"".join(cbor(v) for v in value)
    if isinstance(value, dict):
        return _cbor_head(5, len(value)) + b"".join(cbor(k) + cbor(v) for k, v in value.items())
    raise TypeError(f"cannot CBOR-encode {type(value)!r}")


def client_data(kind: str, challenge_b64u: str, origin: str, cross_origin: bool = False) -> bytes:
    """clientDataJSON as Chrome serialises it (key order type, challenge, origin, crossOrigin)."""
    return json.dumps(
        {"type": kind, "challenge": challenge_b64u, "origin": origin, "crossOrigin": cross_origin},
        separators=(",", ":"),
    ).encode("utf-8")


# ----------------------------------------------------------------- credential
class Credential:
    """One key pair held by the authenticator."""

    def __init__(self, rp_id: str, user_handle: bytes, alg: int = COSE_ES256,
                 cred_id: bytes | None = None, private_pem: bytes | None = None, sign_count: int = 0):
        self.rp_id = rp_id
        self.user_handle = user_handle
        self.alg = alg
        self.cred_id = cred_id if cred_id is not None else os.urandom(32)
        self.sign_count = sign_count
        if private_pem is not None:
            self.key = serialization.load_pem_private_key(private_pem, password=None)
        elif alg == COSE_ES256:
            self.key = ec.generate_private_key(ec.SECP256R1())
        elif alg == COSE_EDDSA:
            self.key = ed25519.Ed25519PrivateKey.generate()
        else:
            raise ValueError(f"unsupported COSE alg {alg}")

    def cose_public_key(self) -> bytes:
        pub = self.key.public_key()
        if self.alg == COSE_ES256:
            nums = pub.public_numbers()
            return cbor({1: 2, 3: COSE_ES256, -1: 1,
                         -2: nums.x.to_bytes(32, "big"), -3: nums.y.to_bytes(32, "big")})
        raw = pub.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
        return cbor({1: 1, 3: COSE_EDDSA, -1: 6, -2: raw})

    def sign(self, data: bytes) -> bytes:
        if self.alg == COSE_ES256:
            return self.key.sign(data, ec.ECDSA(hashes.SHA256()))  # DER, as authenticators send it
        return self.key.sign(data)

    def to_json(self) -> dict:
        pem = self.key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                     serialization.NoEncryption())
        return {"rp_id": self.rp_id, "user_handle": b64u(self.user_handle), "alg": self.alg,
                "cred_id": b64u(self.cred_id), "private_pem": pem.decode(), "sign_count": self.sign_count}

    @classmethod
    def from_json(cls, d: dict) -> "Credential":
        return cls(d["rp_id"], b64u_decode(d["user_handle"]), d["alg"], b64u_decode(d["cred_id"]),
                   d["private_pem"].encode(), d["sign_count"])


# ----------------------------------------------------------------- authenticator
class SoftAuthenticator:
    def __init__(self, origin: str, aaguid: bytes = bytes(16), credentials: list | None = None):
        self.origin = origin
        self.aaguid = aaguid
        self.credentials: list[Credential] = credentials or []

    # -- registration: navigator.credentials.create()
    def create(self, options: dict, *, alg: int | None = None, fmt: str = "none",
               transports=("internal",), rk: bool | None = None, backup: bool = False,
               origin: str | None = None, challenge: str | None = None, rp_id: str | None = None,
               rp_id_hash: bytes | None = None, flags: int | None = None, sign_count: int = 0,
               ctype: str = "webauthn.create", keep: bool = True,
               credential: Credential | None = None, bad_attestation_signature: bool = False,
               raw_id: bytes | None = None, attestation: str | None = None) -> dict:
        """Return the registration credential JSON for `options` (creation options JSON).

        A new key pair is made unless `credential` (an existing one) is given.
        """
        rp_id = rp_id or options["rp"]["id"]
        if alg is None:  # first algorithm we support, in the server's order
            algs = [p["alg"] for p in options.get("pubKeyCredParams", [])]
            alg = next((a for a in algs if a in (COSE_ES256, COSE_EDDSA)), COSE_ES256)
        cred = credential or Credential(rp_id, b64u_decode(options["user"]["id"]), alg, sign_count=sign_count)
        cdj = client_data(ctype, challenge or options["challenge"], origin or self.origin)
        if flags is None:
            flags = FLAG_UP | FLAG_UV | FLAG_AT | ((FLAG_BE | FLAG_BS) if backup else 0)
        auth_data = ((rp_id_hash or hashlib.sha256(rp_id.encode()).digest()) + bytes([flags])
                     + struct.pack(">I", sign_count) + self.aaguid
                     + struct.pack(">H", len(cred.cred_id)) + cred.cred_id + cred.cose_public_key())
        if fmt == "none":
            att_stmt = {}
        elif fmt == "packed" and attestation:  # x5c: signed by the attestation key of a make-ca directory
            signed = auth_data + hashlib.sha256(cdj).digest()
            key, chain = load_attestation(attestation)
            sig = key.sign(b"not the signed data" if bad_attestation_signature else signed, ec.ECDSA(hashes.SHA256()))
            att_stmt = {"alg": COSE_ES256, "sig": sig, "x5c": chain}
        elif fmt == "packed":  # self attestation: signed by the credential key itself
            signed = auth_data + hashlib.sha256(cdj).digest()
            att_stmt = {"alg": alg, "sig": cred.sign(b"not the signed data" if bad_attestation_signature else signed)}
        else:
            raise ValueError(f"unsupported fmt {fmt}")
        att_obj = cbor({"fmt": fmt, "attStmt": att_stmt, "authData": auth_data})
        if keep:
            self.credentials.append(cred)
        ext = {} if rk is None else {"credProps": {"rk": rk}}
        rid = raw_id if raw_id is not None else cred.cred_id  # id/rawId may be forged to differ from authData
        return {
            "id": b64u(rid),
            "rawId": b64u(rid),
            "type": "public-key",
            "response": {
                "clientDataJSON": b64u(cdj),
                "attestationObject": b64u(att_obj),
                "transports": list(transports),
            },
            "clientExtensionResults": ext,
            "authenticatorAttachment": "platform",
        }

    # -- authentication: navigator.credentials.get()
    def get(self, options: dict, credential: Credential | None = None, *,
            origin: str | None = None, challenge: str | None = None, rp_id_hash: bytes | None = None,
            flags: int = FLAG_UP | FLAG_UV, sign_count: int | None = None, user_handle: bytes | None = None,
            tamper_signature: bool = False, cred_id: bytes | None = None,
            ctype: str = "webauthn.get") -> dict:
        """Return the assertion JSON for `options` (request options JSON).

        Without `credential`, the first stored credential that matches
        allowCredentials (or, when that list is empty, the rp id) is used.
        The sign counter is incremented by one unless `sign_count` is given.
        """
        rp_id = options.get("rpId") or options.get("rp_id")
        if credential is None:
            allowed = {c["id"] for c in options.get("allowCredentials") or []}
            credential = next(c for c in self.credentials
                              if ((b64u(c.cred_id) in allowed) if allowed else c.rp_id == rp_id))
        credential.sign_count = credential.sign_count + 1 if sign_count is None else sign_count
        cdj = client_data(ctype, challenge or options["challenge"], origin or self.origin)
        auth_data = ((rp_id_hash or hashlib.sha256((rp_id or credential.rp_id).encode()).digest())
                     + bytes([flags]) + struct.pack(">I", credential.sign_count))
        sig = credential.sign(auth_data + hashlib.sha256(cdj).digest())
        if tamper_signature:
            sig = credential.sign(b"something else entirely")
        cid = cred_id if cred_id is not None else credential.cred_id
        return {
            "id": b64u(cid),
            "rawId": b64u(cid),
            "type": "public-key",
            "response": {
                "clientDataJSON": b64u(cdj),
                "authenticatorData": b64u(auth_data),
                "signature": b64u(sig),
                "userHandle": b64u(user_handle if user_handle is not None else credential.user_handle),
            },
            "clientExtensionResults": {},
            "authenticatorAttachment": "platform",
        }

    # -- persistence for the command line
    def save(self, path: str) -> None:
        with open(path, "w") as f:
            json.dump({"origin": self.origin, "aaguid": b64u(self.aaguid),
                       "credentials": [c.to_json() for c in self.credentials]}, f, indent=1)

    @classmethod
    def load(cls, path: str, origin: str) -> "SoftAuthenticator":
        if not os.path.exists(path):
            return cls(origin)
        with open(path) as f:
            d = json.load(f)
        return cls(origin or d["origin"], b64u_decode(d["aaguid"]),
                   [Credential.from_json(c) for c in d["credentials"]])


def _unwrap(options: dict) -> dict:
    """Accept a whole server response: {"setup_data": {"options": …}} or {"options": …}."""
    while True:
        if "setup_data" in options:
            options = options["setup_data"]
        elif "options" in options and isinstance(options["options"], dict):
            options = options["options"]
        else:
            return options


# ----------------------------------------------------------------- attestation certificates
# Fixed validity, wide enough that the fixtures do not expire under the tests.
NOT_BEFORE = datetime.datetime(2020, 1, 1, tzinfo=datetime.timezone.utc)
NOT_AFTER = datetime.datetime(2099, 12, 31, tzinfo=datetime.timezone.utc)


def name(common, unit=None):
    parts = [x509.NameAttribute(NameOID.COUNTRY_NAME, "SE"),
             x509.NameAttribute(NameOID.ORGANIZATION_NAME, "AuthKit Test Vendor")]
    if unit:
        parts.append(x509.NameAttribute(NameOID.ORGANIZATIONAL_UNIT_NAME, unit))
    return x509.Name(parts + [x509.NameAttribute(NameOID.COMMON_NAME, common)])


def certificate(subject, key, issuer=None, issuer_key=None, ca=False, extensions=()):
    """A v3 certificate for `key`, self-signed unless `issuer`/`issuer_key` are given."""
    issuer_name = issuer.subject if issuer is not None else subject
    builder = (x509.CertificateBuilder().subject_name(subject).issuer_name(issuer_name)
               .public_key(key.public_key()).serial_number(x509.random_serial_number())
               .not_valid_before(NOT_BEFORE).not_valid_after(NOT_AFTER)
               .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True)
               .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False))
    if ca:
        builder = builder.add_extension(x509.KeyUsage(
            digital_signature=False, content_commitment=False, key_encipherment=False, data_encipherment=False,
            key_agreement=False, key_cert_sign=True, crl_sign=True, encipher_only=False, decipher_only=False),
            critical=True)
    if issuer is not None:
        builder = builder.add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(issuer_key.public_key()), critical=False)
    for extension in extensions:
        builder = builder.add_extension(extension, critical=False)
    return builder.sign(issuer_key or key, hashes.SHA256())


def make_ca(directory: str) -> None:
    """A test attestation CA in `directory`: root.pem (the trust anchor), and the authenticator's
    attestation key (key.pem) and certificate chain (chain.pem: leaf, intermediate), shaped as
    WebAuthn §8.2.1 asks (v3, OU "Authenticator Attestation", not a CA)."""
    root_key = ec.generate_private_key(ec.SECP256R1())
    root = certificate(name(f"AuthKit Test Root {os.urandom(4).hex()}"), root_key, ca=True)
    middle_key = ec.generate_private_key(ec.SECP256R1())
    middle = certificate(name("AuthKit Test Intermediate"), middle_key, issuer=root, issuer_key=root_key, ca=True)
    leaf_key = ec.generate_private_key(ec.SECP256R1())
    leaf = certificate(name("AuthKit Test Authenticator", "Authenticator Attestation"), leaf_key,
                       issuer=middle, issuer_key=middle_key)
    os.makedirs(directory, exist_ok=True)
    pem = serialization.Encoding.PEM
    with open(os.path.join(directory, "root.pem"), "wb") as fh:
        fh.write(root.public_bytes(pem))
    with open(os.path.join(directory, "chain.pem"), "wb") as fh:
        fh.write(leaf.public_bytes(pem) + middle.public_bytes(pem))
    with open(os.path.join(directory, "key.pem"), "wb") as fh:
        fh.write(leaf_key.private_bytes(pem, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()))


def load_attestation(directory: str):
    """The attestation key and the x5c array (DER: leaf first) of a make-ca directory."""
    with open(os.path.join(directory, "key.pem"), "rb") as fh:
        key = serialization.load_pem_private_key(fh.read(), password=None)
    with open(os.path.join(directory, "chain.pem"), "rb") as fh:
        chain = x509.load_pem_x509_certificates(fh.read())
    return key, [cert.public_bytes(serialization.Encoding.DER) for cert in chain]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--state", required=True, help="JSON file holding the authenticator's keys")
    ap.add_argument("--origin", default="http://localhost:8104")
    ap.add_argument("--alg", choices=["ES256", "EdDSA"], default=None)
    ap.add_argument("--fmt", choices=["none", "packed"], default="none")
    ap.add_argument("--rk", action="store_true", help="report credProps.rk = true")
    ap.add_argument("--backup", action="store_true",
                    help="set the BE and BS flags (drf-auth-kit derives `discoverable` from BE)")
    ap.add_argument("--embed-session-id", action="store_true",
                    help="get: copy the options' session_id into the assertion JSON (the form login/verify/ "
                         "and mfa/deactivate/ expect inside `code`)")
    ap.add_argument("--set", action="append", default=[], metavar="NAME=JSON",
                    help="a keyword argument of create()/get() for negative cases, the value as JSON; bytes "
                         "arguments (rp_id_hash, cred_id, raw_id, user_handle) as hex strings, e.g. "
                         "--set origin='\"http://evil.example\"' --set sign_count=0 --set tamper_signature=true")
    ap.add_argument("--key", type=int, default=None, help="get: sign with the N-th stored key (0 = first); create: register that key again")
    ap.add_argument("--attestation", default=None, metavar="DIR",
                    help="create with --fmt packed: attest with the key and chain of a make-ca directory (x5c)")
    ap.add_argument("command", choices=["create", "get", "make-ca"])
    ap.add_argument("options", help="options JSON file, or - for stdin; make-ca: the directory to write")
    a = ap.parse_args()
    if a.command == "make-ca":
        make_ca(a.options)
        return
    raw = sys.stdin.read() if a.options == "-" else open(a.options).read()
    options = _unwrap(json.loads(raw))
    auth = SoftAuthenticator.load(a.state, a.origin)
    extra = {}
    for item in a.set:
        name, _, value = item.partition("=")
        extra[name] = json.loads(value)
        if name in ("rp_id_hash", "cred_id", "raw_id", "user_handle"):
            extra[name] = bytes.fromhex(extra[name])
    if a.command == "create":
        alg = {"ES256": COSE_ES256, "EdDSA": COSE_EDDSA, None: None}[a.alg]
        if a.key is not None:
            extra.update(credential=auth.credentials[a.key], keep=False)
        out = auth.create(options, alg=alg, fmt=a.fmt, rk=True if a.rk else None, backup=a.backup,
                          attestation=a.attestation, **extra)
    else:
        key = auth.credentials[a.key] if a.key is not None else None
        out = auth.get(options, key, **extra)
        if a.embed_session_id and "session_id" in options:
            out["session_id"] = options["session_id"]
    auth.save(a.state)
    print(json.dumps(out))


if __name__ == "__main__":
    main()
