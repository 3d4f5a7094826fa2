"""Open Badges 3.0: a certificate as an OpenBadgeCredential (W3C Verifiable Credentials data model 2.0),
signed as a VC-JWT (JWS compact, EdDSA, the key named by `kid` and published at /.well-known/jwks.json).

As OB 3.0 asks of a VC-JWT, the JWT payload is the credential itself plus the registered claims
`iss` (issuer id), `jti` (credential id), `nbf` (validFrom), `sub` (the subject's id) and, for a
revoked certificate, `exp` (revocation time).
"""
from __future__ import annotations

from flask import current_app

from . import kinds, services, signing
from .models import Certificate

CONTEXTS = ["https://www.w3.org/ns/credentials/v2",
            "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"]


def _iso(at) -> str:
    return at.strftime("%Y-%m-%dT%H:%M:%SZ")


def _narrative(cert: Certificate) -> str:
    details, lines = cert.details or {}, []
    for module in details.get("modules", ()):
        line = f"{module['code']} {module.get('name', '')}".strip()
        if module.get("score") is not None:
            line += f": {module['score']:g}"
        if module.get("completed_on"):
            line += f" ({module['completed_on']})"
        lines.append(line)
    for key, label in (("title", ""), ("award", ""), ("division", ""), ("hours", "giờ: ")):
        if details.get(key):
            lines.append(f"{label}{details[key]}")
    return "; ".join(lines) or str(kinds.describe(cert.kind).label)


def credential(cert: Certificate) -> dict:
    """The OpenBadgeCredential JSON of one certificate (Vietnamese names, as on the paper)."""
    kind = kinds.describe(cert.kind)
    issuer_id = services.public_url("main.index")
    cred_id = services.public_url("certification.verify", number=cert.number)
    achievement = {
        "id": services.public_url("certification.verify_search") + f"#{cert.kind}",
        "type": ["Achievement"],
        "achievementType": kind.achievement_type,
        "name": str(kind.label),
        "description": str(kind.label) + (f" ({kind.level})" if kind.level else ""),
        "criteria": {"narrative": _narrative(cert)},
    }
    cred = {
        "@context": CONTEXTS,
        "id": cred_id,
        "type": ["VerifiableCredential", "OpenBadgeCredential"],
        "name": f"{kind.label} {cert.number}",
        "issuer": {"id": issuer_id, "type": ["Profile"], "name": current_app.config["CERTIFICATE_ISSUER_NAME"]},
        "validFrom": _iso(cert.issued_at),
        "credentialSubject": {
            "id": cred_id + "#holder",
            "type": ["AchievementSubject"],
            "identifier": [{"type": "IdentityObject", "identityType": "name", "hashed": False,
                            "identityHash": cert.holder_name}],
            "achievement": achievement,
        },
    }
    if cert.details.get("hours"):
        cred["credentialSubject"]["creditsEarned"] = cert.details["hours"]
    if cert.is_revoked:
        cred["validUntil"] = _iso(cert.revoked_at)
    return cred


def vc_jwt(cert: Certificate) -> str:
    cred = credential(cert)
    claims = dict(cred, iss=cred["issuer"]["id"], jti=cred["id"], sub=cred["credentialSubject"]["id"],
                  nbf=int(cert.issued_at.timestamp()))
    if cert.is_revoked:
        claims["exp"] = int(cert.revoked_at.timestamp())
    return signing.sign_jwt(claims)


def jwks() -> dict:
    return {"keys": [signing.public_jwk()]}
