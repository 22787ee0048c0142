#!/usr/bin/env python3
"""Writes Tests/Fixtures/webauthn/generated_vectors.json: registrations and assertions made by
tools/soft_authenticator.py (EdDSA and ES256, packed self attestation, UV on and off) plus an RS256
(RSA-2048, PKCS#1 v1.5) credential built here, which the soft authenticator does not offer. These
were NOT sent to the reference (the recorded ones in the same folder were); they cover algorithms
and flag combinations the recordings lack. Needs `cryptography`; output is random each run.

    python3 tools/make_webauthn_vectors.py > Tests/Fixtures/webauthn/generated_vectors.json
"""
import hashlib
import json
import os
import struct
import sys

sys.path.insert(0, os.path.dirname(__file__))
from cryptography.hazmat.primitives import hashes  # noqa: E402
from cryptography.hazmat.primitives.asymmetric import padding, rsa  # noqa: E402
from soft_authenticator import (COSE_EDDSA, COSE_ES256, FLAG_AT, FLAG_UP, FLAG_UV, SoftAuthenticator,  # noqa: E402
                                b64u, cbor, client_data)

ORIGIN, RP_ID = "http://localhost:8104", "localhost"


def options():
    challenge = b64u(os.urandom(64))
    return ({"rp": {"name": "t", "id": RP_ID}, "user": {"id": "Mw", "name": "a", "displayName": "a"},
             "challenge": challenge, "pubKeyCredParams": [{"type": "public-key", "alg": -7}]},
            {"challenge": b64u(os.urandom(64)), "rpId": RP_ID, "allowCredentials": []})


def soft_case(name, alg, assertion_flags, sign_count):
    auth = SoftAuthenticator(origin=ORIGIN)
    create, get = options()
    registration = auth.create(create, alg=alg, fmt="packed", backup=alg == COSE_EDDSA)
    cred = auth.credentials[-1]
    cred.sign_count = sign_count - 1
    assertion = auth.get(get, flags=assertion_flags)
    return {"name": name, "registration_challenge": create["challenge"], "registration": registration,
            "assertion_challenge": get["challenge"], "assertion": assertion,
            "stored_sign_count": 0, "assertion_sign_count": sign_count}


def rs256_case():
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    numbers = key.public_key().public_numbers()
    cose = cbor({1: 3, 3: -257, -1: numbers.n.to_bytes(256, "big"), -2: numbers.e.to_bytes(3, "big")})
    cred_id = os.urandom(32)
    create, get = options()
    sign = lambda data: key.sign(data, padding.PKCS1v15(), hashes.SHA256())  # noqa: E731
    rp_hash = hashlib.sha256(RP_ID.encode()).digest()
    cdj = client_data("webauthn.create", create["challenge"], ORIGIN)
    auth_data = (rp_hash + bytes([FLAG_UP | FLAG_UV | FLAG_AT]) + struct.pack(">I", 0) + bytes(16)
                 + struct.pack(">H", len(cred_id)) + cred_id + cose)
    att = cbor({"fmt": "packed", "attStmt": {"alg": -257, "sig": sign(auth_data + hashlib.sha256(cdj).digest())},
                "authData": auth_data})
    registration = {"id": b64u(cred_id), "rawId": b64u(cred_id), "type": "public-key",
                    "response": {"clientDataJSON": b64u(cdj), "attestationObject": b64u(att)},
                    "clientExtensionResults": {}}
    cdj = client_data("webauthn.get", get["challenge"], ORIGIN)
    auth_data = rp_hash + bytes([FLAG_UP]) + struct.pack(">I", 3)
    assertion = {"id": b64u(cred_id), "rawId": b64u(cred_id), "type": "public-key",
                 "response": {"clientDataJSON": b64u(cdj), "authenticatorData": b64u(auth_data),
                              "signature": b64u(sign(auth_data + hashlib.sha256(cdj).digest())), "userHandle": None},
                 "clientExtensionResults": {}}
    return {"name": "rs256 packed, assertion UP only, userHandle null", "registration_challenge": create["challenge"],
            "registration": registration, "assertion_challenge": get["challenge"], "assertion": assertion,
            "stored_sign_count": 0, "assertion_sign_count": 3}


cases = [soft_case("eddsa packed + BE/BS, assertion UP|UV", COSE_EDDSA, FLAG_UP | FLAG_UV, 5),
         soft_case("es256 packed, assertion UP only", COSE_ES256, FLAG_UP, 1),
         rs256_case()]
json.dump({"description": __doc__.strip().splitlines()[0], "rp_id": RP_ID, "origin": ORIGIN, "cases": cases},
          sys.stdout, indent=1)
print()
