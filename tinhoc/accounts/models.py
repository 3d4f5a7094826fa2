"""Users and their site roles."""
from __future__ import annotations

from flask_login import UserMixin
from sqlalchemy import Boolean, Column, ForeignKey, Integer, String, Table
from sqlalchemy.orm import Mapped, mapped_column, relationship, validates

from .. import clock
from .. import text
from ..db_types import UTCDateTime
from ..extensions import db

# Site roles (what a user may do on the site), distinct from job positions (what they do at work).
ROLES = ("admin", "organiser", "instructor", "grader", "learner", "student")

user_role = Table(
    "user_role", db.metadata,
    Column("user_id", ForeignKey("user.id", ondelete="CASCADE"), primary_key=True),
    Column("role_id", ForeignKey("role.id", ondelete="CASCADE"), primary_key=True),
)


class Role(db.Model):
    __tablename__ = "role"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(32), unique=True, nullable=False)


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

    roles = relationship(Role, secondary=user_role, lazy="selectin", order_by=Role.name)
    person = relationship("Person", lazy="joined")

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
        return {r.name for r in self.roles}

    def has_role(self, *names: str) -> bool:
        return bool(self.role_names & set(names))
