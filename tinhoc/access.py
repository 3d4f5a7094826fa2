"""Who is acting, and over which part of the organisation tree: the `Actor` every service receives.

A role is granted over the whole province (no organisation) or over one unit's subtree. The route
builds the actor once per request (`security.current_actor()`) and passes it to the service; the
service never reads `current_user`. Each object kind has ONE function that decides whether the
actor may see it and returns it or raises that package's not-found error (a 404: what you may not
see does not exist for you), and lists, counts and exports filter with `actor.scope_clause(...)` in
SQL. The feature packages copy this shape:

```python
# exams/services.py
def attempt_for(actor: Actor, attempt_id: int) -> ExamAttempt:
    attempt = db.session.scalar(select(ExamAttempt).join(Person).join(Organisation)
                                .where(ExamAttempt.id == attempt_id,
                                       or_(ExamAttempt.user_id == actor.user_id,
                                           actor.scope_clause("organiser", "grader"))))
    if attempt is None:
        raise AttemptNotFound(attempt_id)
    return attempt
```
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Mapping

from sqlalchemy import false, or_, select, true

# Roles whose holders act on the staff of their subtree (admin is always province-wide).
STAFF_ROLES = ("admin", "organiser")


def _minimal(paths) -> tuple[str, ...]:
    """Drop paths inside another path of the set: /1/2/ is covered by /1/."""
    kept: list[str] = []
    for path in sorted(set(paths)):
        if not any(path.startswith(k) for k in kept):
            kept.append(path)
    return tuple(kept)


@dataclass(frozen=True)
class Actor:
    """The user acting (None: the system, e.g. the CLI or the demo seed), the roles held and, for each
    role, the subtree paths it covers (None: the whole province). `address` goes into the audit log."""

    user_id: int | None
    scopes: Mapping[str, tuple[str, ...] | None] = field(default_factory=dict)
    address: str | None = None

    @property
    def roles(self) -> frozenset[str]:
        return frozenset(self.scopes)

    def has_role(self, *names: str) -> bool:
        return any(n in self.scopes for n in names)

    def may(self, *roles: str) -> bool:
        """What `role_required(*roles)` asks: one of the roles, or admin."""
        return self.has_role("admin", *roles)

    def paths(self, *roles: str) -> tuple[str, ...] | None:
        """Subtree paths the given roles (and admin) cover together: None for the whole province,
        () for nothing."""
        found: list[str] = []
        for role in ("admin", *roles):
            if role not in self.scopes:
                continue
            paths = self.scopes[role]
            if paths is None:
                return None
            found.extend(paths)
        return _minimal(found)

    def province_wide(self, *roles: str) -> bool:
        return self.paths(*roles) is None

    def covers(self, path: str | None, *roles: str) -> bool:
        """Whether a unit with this materialised path lies in the roles' scope."""
        paths = self.paths(*roles)
        if paths is None:
            return True
        return path is not None and any(path.startswith(p) for p in paths)

    def scope_clause(self, *roles: str):
        """SQL condition on `Organisation.path` (the query joins Organisation) keeping the rows in scope."""
        from .orgs.models import Organisation
        paths = self.paths(*roles)
        if paths is None:
            return true()
        if not paths:
            return false()
        return or_(*(Organisation.subtree_clause(p) for p in paths))


SYSTEM = Actor(None, {"admin": None})


def load_actor(user_id: int, address: str | None = None) -> Actor:
    """The user's grants in one small query: role name and the granted unit's current path."""
    from .accounts.models import Role, RoleGrant
    from .extensions import db
    from .orgs.models import Organisation

    rows = db.session.execute(
        select(Role.name, RoleGrant.organisation_id, Organisation.path)
        .join(Role, Role.id == RoleGrant.role_id)
        .outerjoin(Organisation, Organisation.id == RoleGrant.organisation_id)
        .where(RoleGrant.user_id == user_id)).all()
    scopes: dict[str, tuple[str, ...] | None] = {}
    for name, org_id, path in rows:
        if org_id is None:
            scopes[name] = None
        elif scopes.get(name, ()) is not None:
            scopes[name] = _minimal((*scopes.get(name, ()), path))
    if "admin" in scopes:
        scopes["admin"] = None  # an administrator acts on the whole province
    return Actor(user_id, scopes, address)
