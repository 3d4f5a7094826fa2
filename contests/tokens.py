"""Personal API tokens: shown once, stored as SHA-256, one per user (a new one replaces the old)."""
from __future__ import annotations

import hashlib
import secrets

from sqlalchemy import delete, select

from tinhoc.access import Actor, load_actor
from tinhoc.accounts.models import User
from tinhoc.audit import record as audit
from tinhoc.extensions import db

from .models import ApiToken


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def issue(actor: Actor) -> str:
    token = "th_" + secrets.token_urlsafe(32)
    db.session.execute(delete(ApiToken).where(ApiToken.user_id == actor.user_id))
    db.session.add(ApiToken(user_id=actor.user_id, token_hash=_hash(token)))
    audit(actor, "api_token.issue", "user", actor.user_id)
    db.session.commit()
    return token


def actor_for_token(token: str, address: str | None) -> Actor | None:
    """The token's active user as an Actor, or None for an unknown token or an inactive account."""
    if not token or len(token) > 200:
        return None
    row = db.session.execute(select(ApiToken.id, User.id, User.active).join(User, User.id == ApiToken.user_id)
                             .where(ApiToken.token_hash == _hash(token))).first()
    if row is None or not row[2]:
        return None
    return load_actor(row[1], address)
