"""Users and their site roles, each granted over the whole province or over one unit's subtree."""
from __future__ import annotations

from flask_login import UserMixin
from sqlalchemy import Boolean, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship, validates

from .. import clock
from .. import text
from ..db_types import UTCDateTime
from ..extensions import db

# Site roles (what a user may do on the site), distinct from job positions (what they do at work).
ROLES = ("admin", "organiser", "instructor", "grader", "learner", "student", "teacher")


class Role(db.Model):
    __tablename__ = "role"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(32), unique=True, nullable=False)


class RoleGrant(db.Model):
    """A role held by a user over the whole province (organisation None) or over one unit's subtree."""

    __tablename__ = "role_grant"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"), nullable=False, index=True)
    role_id: Mapped[int] = mapped_column(ForeignKey("role.id", ondelete="CASCADE"), nullable=False)
    organisation_id: Mapped[int | None] = mapped_column(ForeignKey("organisation.id", ondelete="CASCADE"),
                                                        nullable=True, index=True)

    role = relationship(Role, lazy="joined")
    organisation = relationship("Organisation", lazy="joined")

    __table_args__ = (UniqueConstraint("user_id", "role_id", "organisation_id", name="uq_role_grant_scope"),)


class User(UserMixin, db.Model):
    __tablename__ = "user"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    username: Mapped[str] = mapped_column(String(64), nullable=False)
    # text.code_key(username): one login per name whatever its case or Unicode form.
    username_key: Mapped[str] = mapped_column(String(256), unique=True, nullable=False)
    full_name: Mapped[str] = mapped_column(String(200), nullable=False)
    search_text: Mapped[str] = mapped_column(String(300), nullable=False, default="", index=True)
    email: Mapped[str | None] = mapped_column(String(255), nullable=True)
    password_hash: Mapped[str] = mapped_column(String(255), nullable=False)
    must_change_password: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    active: Mapped[bool] = mapped_column(Boolean, nullable=False, default=True)
    created_at = mapped_column(UTCDateTime, nullable=False, default=clock.now)
    last_login_at = mapped_column(UTCDateTime, nullable=True)
    person_id: Mapped[int | None] = mapped_column(ForeignKey("person.id", ondelete="SET NULL"),
                                                  nullable=True, unique=True)
    # Part of the id Flask-Login keeps in the cookie: raising it ends every session issued before.
    session_version: Mapped[int] = mapped_column(Integer, nullable=False, default=0, server_default="0")

    # Loaded where a page uses them, never joined into the per-request user query.
    grants = relationship(RoleGrant, lazy="select", cascade="all, delete-orphan", order_by=RoleGrant.id)
    person = relationship("Person", lazy="select")

    def get_id(self) -> str:
        return f"{self.id}:{self.session_version}"

    @validates("username", "full_name")
    def _set_keys(self, key, value):
        value = text.clean(value)
        username = value if key == "username" else (self.username or "")
        name = value if key == "full_name" else (self.full_name or "")
        self.username_key = text.code_key(username)
        self.search_text = text.search_text(name, username)
        return value

    @property
    def is_active(self) -> bool:  # Flask-Login refuses inactive users
        return self.active

    @property
    def role_names(self) -> set[str]:
        """Every role held, in any scope (for display; access decisions use the Actor)."""
        return {g.role.name for g in self.grants}

    @property
    def province_roles(self) -> list[str]:
        return sorted(g.role.name for g in self.grants if g.organisation_id is None)

    @property
    def scoped_grants(self) -> list[RoleGrant]:
        return [g for g in self.grants if g.organisation_id is not None]
