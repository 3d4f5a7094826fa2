"""The site's Ed25519 key: signs the QR payload of each certificate and its Open Badges VC-JWT.

The key comes from the `CERTIFICATE_SIGNING_KEY` setting (a PEM private key, or the path of a PEM
file) or is generated once into `instance/certificate_signing_key.pem`, like the secret key. Every
web process and machine must use the same key (set the variable, or share the file); the public half
is published as a JWK at `/.well-known/jwks.json`.

The QR payload is two base64url parts, `DATA.SIGNATURE`: DATA is compact JSON
`{"n": number, "h": holder name, "k": kind, "d": issue date, "x": SHA-256 of the details}` and the
signature covers the DATA text exactly as sent (as in JWS), so nothing is re-serialised to check it.
"""
from __future__ import annotations

import base64
import hashlib
import json
from pathlib import Path

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from flask import current_app

KEY_FILE = "certificate_signing_key.pem"
MAX_PAYLOAD = 2000  # characters of signed data: a QR payload is a few hundred; refuse anything far larger


class BadSignature(ValueError):
    """A payload or token that is malformed or was not signed by this site's key."""


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def unb64url(text: str) -> bytes:
    try:
        return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    except (ValueError, TypeError) as exc:
        raise BadSignature("not base64url") from exc


def _load_or_create(app) -> Ed25519PrivateKey:
    setting = (app.config.get("CERTIFICATE_SIGNING_KEY") or "").strip()
    if setting.startswith("-----BEGIN"):
        pem = setting.encode()
    else:
        path = Path(setting) if setting else Path(app.instance_path) / KEY_FILE
        if not path.exists():
            if setting:
                raise RuntimeError(f"CERTIFICATE_SIGNING_KEY names {path}, which does not exist")
            path.parent.mkdir(parents=True, exist_ok=True)
            key = Ed25519PrivateKey.generate()
            path.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                               serialization.NoEncryption()))
            path.chmod(0o600)
        pem = path.read_bytes()
    key = serialization.load_pem_private_key(pem, password=None)
    if not isinstance(key, Ed25519PrivateKey):
        raise RuntimeError("CERTIFICATE_SIGNING_KEY is not an Ed25519 private key")
    return key


def private_key() -> Ed25519PrivateKey:
    """The app's key, loaded (or generated) once per process."""
    cache = current_app.extensions.setdefault("tinhoc_certificate_key", {})
    if "key" not in cache:
        cache["key"] = _load_or_create(current_app)
    return cache["key"]


def public_key() -> Ed25519PublicKey:
    return private_key().public_key()


def _raw_public() -> bytes:
    return public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)


def key_id() -> str:
    """RFC 7638 JWK thumbprint of the public key: stable for a key, changes when the key does."""
    canonical = json.dumps({"crv": "Ed25519", "kty": "OKP", "x": b64url(_raw_public())},
                           separators=(",", ":"), sort_keys=True)
    return b64url(hashlib.sha256(canonical.encode()).digest())


def public_jwk() -> dict:
    return {"kty": "OKP", "crv": "Ed25519", "x": b64url(_raw_public()), "kid": key_id(), "use": "sig",
            "alg": "EdDSA"}


def details_digest(details: dict) -> str:
    """SHA-256 of the details in canonical JSON (sorted keys, no spaces, UTF-8)."""
    canonical = json.dumps(details or {}, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return b64url(hashlib.sha256(canonical.encode("utf-8")).digest())


def _compact(data: dict) -> bytes:
    return json.dumps(data, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


def sign_payload(data: dict) -> str:
    body = b64url(_compact(data))
    return body + "." + b64url(private_key().sign(body.encode("ascii")))


def open_payload(payload: str) -> dict:
    """The signed data of a QR payload, or BadSignature if it was altered or not signed by us."""
    body, dot, signature = (payload or "").strip().partition(".")
    if not dot or not body or not signature or len(body) > MAX_PAYLOAD:
        raise BadSignature("not a signed payload")
    try:
        public_key().verify(unb64url(signature), body.encode("ascii"))
    except (InvalidSignature, UnicodeEncodeError) as exc:
        raise BadSignature("signature does not match") from exc
    try:
        data = json.loads(unb64url(body))
    except ValueError as exc:
        raise BadSignature("payload is not JSON") from exc
    if not isinstance(data, dict):
        raise BadSignature("payload is not an object")
    return data


def sign_jwt(claims: dict) -> str:
    """A JWS compact token (EdDSA) whose header names this key (`kid`)."""
    header = {"alg": "EdDSA", "typ": "JWT", "kid": key_id()}
    signing_input = b64url(_compact(header)) + "." + b64url(_compact(claims))
    return signing_input + "." + b64url(private_key().sign(signing_input.encode("ascii")))

