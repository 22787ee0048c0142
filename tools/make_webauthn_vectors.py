#!/usr/bin/env python3
"""Writes Tests/Fixtures/webauthn/generated_vectors.json: registrations and assertions made by
tools/soft_authenticator.py (EdDSA and ES256, packed self attestation, UV on and off) plus an RS256
(RSA-2048, PKCS#1 v1.5) credential built here, which the soft authenticator does not offer. These
were NOT sent to the reference (the recorded ones in the same folder were); they cover algorithms
and flag combinations the recordings lack. Needs `cryptography`; output is random each run.

Also writes attestation_vectors.json (registrations whose statements carry certificates: packed
with x5c [attestation cert, intermediate] and fido-u2f, plus malformed statements), the root CA
they chain to (attestation_root.pem) and an unrelated root (unrelated_root.pem). Every private key
lives only in this process: the tests verify, they never sign.

    python3 tools/make_webauthn_vectors.py [Tests/Fixtures/webauthn]
"""
import hashlib
import json
import os
import struct
import sys
import uuid

sys.path.insert(0, os.path.dirname(__file__))

from cryptography import x509  # noqa: E402
from cryptography.hazmat.primitives import hashes, serialization  # noqa: E402
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa  # noqa: E402
from soft_authenticator import (COSE_EDDSA, COSE_ES256, FLAG_AT, FLAG_UP, FLAG_UV, Credential,  # noqa: E402
                                SoftAuthenticator, b64u, cbor, certificate, client_data, name)

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


# ----------------------------------------------------------------- attestation certificates
ID_FIDO_GEN_CE_AAGUID = x509.ObjectIdentifier("1.3.6.1.4.1.45724.1.1.4")

def der(cert):
    return cert.public_bytes(serialization.Encoding.DER)


def pem(cert):
    return cert.public_bytes(serialization.Encoding.PEM).decode()


def aaguid_extension(aaguid):
    """id-fido-gen-ce-aaguid: an OCTET STRING holding the 16-byte AAGUID (WebAuthn L2 §8.2.1)."""
    return x509.UnrecognizedExtension(ID_FIDO_GEN_CE_AAGUID, b"\x04\x10" + aaguid)


def attested_registration(fmt, statement_for, *, alg=COSE_ES256, aaguid=bytes(16), flags=FLAG_UP | FLAG_AT):
    """A registration of a new credential whose attestation statement `statement_for(parts)` builds."""
    create, _ = options()
    cred = Credential(RP_ID, b"3", alg)
    rp_hash = hashlib.sha256(RP_ID.encode()).digest()
    cdj = client_data("webauthn.create", create["challenge"], ORIGIN)
    auth_data = (rp_hash + bytes([flags]) + struct.pack(">I", 0) + aaguid
                 + struct.pack(">H", len(cred.cred_id)) + cred.cred_id + cred.cose_public_key())
    parts = {"cred": cred, "rp_hash": rp_hash, "client_data_hash": hashlib.sha256(cdj).digest(),
             "auth_data": auth_data}
    statement = statement_for(parts)
    att = cbor({"fmt": fmt, "attStmt": statement, "authData": auth_data})
    registration = {"id": b64u(cred.cred_id), "rawId": b64u(cred.cred_id), "type": "public-key",
                    "response": {"clientDataJSON": b64u(cdj), "attestationObject": b64u(att),
                                 "transports": ["usb"]},
                    "clientExtensionResults": {}}
    return {"registration_challenge": create["challenge"], "registration": registration,
            "attestation_signature": b64u(statement.get("sig", b""))}


def u2f_signed(parts):
    """0x00 || rpIdHash || clientDataHash || credentialId || 0x04 || x || y (FIDO U2F raw message)."""
    cred = parts["cred"]
    point = cred.key.public_key().public_bytes(serialization.Encoding.X962,
                                               serialization.PublicFormat.UncompressedPoint)
    return b"\x00" + parts["rp_hash"] + parts["client_data_hash"] + cred.cred_id + point


def attestation_cases():
    root_key = ec.generate_private_key(ec.SECP256R1())
    root = certificate(name("AuthKit Test Attestation Root CA"), root_key, ca=True)
    intermediate_key = ec.generate_private_key(ec.SECP256R1())
    intermediate = certificate(name("AuthKit Test Attestation Intermediate CA"), intermediate_key,
                               issuer=root, issuer_key=root_key, ca=True)
    other_key = ec.generate_private_key(ec.SECP256R1())
    other_root = certificate(name("Unrelated Test Root CA"), other_key, ca=True)

    aaguid = os.urandom(16)
    packed_key = ec.generate_private_key(ec.SECP256R1())
    packed_cert = certificate(name("AuthKit Test Packed Attestation", "Authenticator Attestation"), packed_key,
                              issuer=intermediate, issuer_key=intermediate_key,
                              extensions=[aaguid_extension(aaguid)])
    u2f_key = ec.generate_private_key(ec.SECP256R1())
    u2f_cert = certificate(name("AuthKit Test U2F Attestation", "Authenticator Attestation"), u2f_key,
                           issuer=root, issuer_key=root_key)
    p384_key = ec.generate_private_key(ec.SECP384R1())
    p384_cert = certificate(name("AuthKit Test P-384 Attestation", "Authenticator Attestation"), p384_key,
                            issuer=root, issuer_key=root_key)
    ecdsa = ec.ECDSA(hashes.SHA256())

    def packed_x5c(p):
        return {"alg": COSE_ES256, "sig": packed_key.sign(p["auth_data"] + p["client_data_hash"], ecdsa),
                "x5c": [der(packed_cert), der(intermediate)]}

    def u2f(p):
        return {"sig": u2f_key.sign(u2f_signed(p), ecdsa), "x5c": [der(u2f_cert)]}

    def u2f_no_x5c(p):
        return {"sig": u2f_key.sign(u2f_signed(p), ecdsa)}

    def u2f_p384_cert(p):
        return {"sig": p384_key.sign(u2f_signed(p), ecdsa), "x5c": [der(p384_cert)]}

    def u2f_eddsa_credential(p):
        # An Ed25519 credential has no x, y: sign the U2F layout with its raw key in their place.
        raw = p["cred"].key.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
        signed = b"\x00" + p["rp_hash"] + p["client_data_hash"] + p["cred"].cred_id + raw
        return {"sig": u2f_key.sign(signed, ecdsa), "x5c": [der(u2f_cert)]}

    cases = [
        dict(name="packed x5c [attestation cert, intermediate] with id-fido-gen-ce-aaguid", accepted=True,
             fmt="packed", aaguid=str(uuid_of(aaguid)),
             **attested_registration("packed", packed_x5c, aaguid=aaguid, flags=FLAG_UP | FLAG_UV | FLAG_AT)),
        dict(name="fido-u2f", accepted=True, fmt="fido-u2f", aaguid=str(uuid_of(bytes(16))),
             **attested_registration("fido-u2f", u2f)),
        dict(name="fido-u2f without x5c", accepted=False, fmt="fido-u2f",
             **attested_registration("fido-u2f", u2f_no_x5c)),
        dict(name="fido-u2f attestation certificate on P-384", accepted=False, fmt="fido-u2f",
             **attested_registration("fido-u2f", u2f_p384_cert)),
        dict(name="fido-u2f with an Ed25519 credential key", accepted=False, fmt="fido-u2f",
             **attested_registration("fido-u2f", u2f_eddsa_credential, alg=COSE_EDDSA)),
        dict(name="none with a non-empty statement", accepted=False, fmt="none",
             **attested_registration("none", lambda p: {"sig": b"\x01\x02"})),
        dict(name="packed x5c whose certificate names another AAGUID", accepted=False, fmt="packed",
             **attested_registration("packed", packed_x5c, aaguid=os.urandom(16))),
    ]
    vectors = {"description": "Attestation statements with certificates, made by tools/make_webauthn_vectors.py",
               "rp_id": RP_ID, "origin": ORIGIN, "cases": cases}
    return vectors, pem(root), pem(other_root)


def uuid_of(raw):
    return uuid.UUID(bytes=raw)


def write_json(path, value):
    with open(path, "w") as f:
        json.dump(value, f, indent=1)
        f.write("\n")


if __name__ == "__main__":
    out = sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(__file__), "..", "Tests", "Fixtures",
                                                             "webauthn")
    cases = [soft_case("eddsa packed + BE/BS, assertion UP|UV", COSE_EDDSA, FLAG_UP | FLAG_UV, 5),
             soft_case("es256 packed, assertion UP only", COSE_ES256, FLAG_UP, 1),
             rs256_case()]
    write_json(os.path.join(out, "generated_vectors.json"),
               {"description": __doc__.strip().splitlines()[0], "rp_id": RP_ID, "origin": ORIGIN, "cases": cases})
    attestation, root_pem, other_pem = attestation_cases()
    write_json(os.path.join(out, "attestation_vectors.json"), attestation)
    with open(os.path.join(out, "attestation_root.pem"), "w") as f:
        f.write(root_pem)
    with open(os.path.join(out, "unrelated_root.pem"), "w") as f:
        f.write(other_pem)
