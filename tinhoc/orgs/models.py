"""The organisation tree, job positions and the people (staff) who work in them."""
from __future__ import annotations

from sqlalchemy import Date, ForeignKey, Integer, LargeBinary, String, and_
from sqlalchemy.orm import Mapped, mapped_column, relationship, validates

from .. import clock
from .. import text
from ..db_types import UTCDateTime, ascii_path
from ..extensions import db

ORG_KINDS = ("province", "department", "district", "commune", "school", "other")
PATH_WIDTH = 8  # digits per id in the materialised path: "/00000001/00000007/"


class Organisation(db.Model):
    """A node of the tree; `path` is the materialised path of ids so a subtree is one range scan."""

    __tablename__ = "organisation"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("organisation.id"), nullable=True, index=True)
    path: Mapped[str] = mapped_column(ascii_path(255), nullable=False, default="", index=True)
    depth: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    kind: Mapped[str] = mapped_column(String(32), nullable=False)
    code: Mapped[str] = mapped_column(String(32), nullable=False)
    # text.code_key(code): the database refuses two codes that differ only by case or Unicode form.
    code_key: Mapped[str] = mapped_column(String(128), unique=True, nullable=False)
    name: Mapped[str] = mapped_column(String(255), nullable=False)
    archived_at = mapped_column(UTCDateTime, nullable=True)
    created_at = mapped_column(UTCDateTime, nullable=False, default=clock.now)

    parent = relationship("Organisation", remote_side=[id], lazy="joined", join_depth=1)

    @validates("code")
    def _set_code(self, _key, value):
        value = text.clean(value)
        self.code_key = text.code_key(value)
        return value

    @validates("name")
    def _set_name(self, _key, value):
        return text.clean(value)

    def own_segment(self) -> str:
        return f"{self.id:0{PATH_WIDTH}d}/"

    @staticmethod
    def subtree_clause(path: str):
        """SQL condition selecting the node with this path and all its descendants (index range)."""
        # Every path ends with '/' and '0' is the byte right after '/', so the strings that start
        # with `path` are exactly those in [path, path[:-1] + '0'): a plain B-tree range.
        upper = path[:-1] + chr(ord("/") + 1)
        return and_(Organisation.path >= path, Organisation.path < upper)

    @property
    def is_archived(self) -> bool:
        return self.archived_at is not None


class JobPosition(db.Model):
    """Vị trí việc làm: training is assigned by position."""

    __tablename__ = "job_position"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code: Mapped[str] = mapped_column(String(32), nullable=False)
    code_key: Mapped[str] = mapped_column(String(128), unique=True, nullable=False)
    name: Mapped[str] = mapped_column(String(120), nullable=False)
    sort_order: Mapped[int] = mapped_column(Integer, nullable=False, default=0)

    @validates("code")
    def _set_code(self, _key, value):
        value = text.clean(value)
        self.code_key = text.code_key(value)
        return value

    @validates("name")
    def _set_name(self, _key, value):
        return text.clean(value)


class Person(db.Model):
    """A member of staff (or a pupil) as HR knows them; may or may not have a site account."""

    __tablename__ = "person"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    employee_code: Mapped[str] = mapped_column(String(32), nullable=False)
    code_key: Mapped[str] = mapped_column(String(128), unique=True, nullable=False)
    full_name: Mapped[str] = mapped_column(String(200), nullable=False)
    # text.fold of the name and the code: what the staff search matches (accents and case ignored).
    search_text: Mapped[str] = mapped_column(String(300), nullable=False, default="", index=True)
    date_of_birth = mapped_column(Date, nullable=True)
    email: Mapped[str | None] = mapped_column(String(255), nullable=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"), nullable=False, index=True)
    position_id: Mapped[int] = mapped_column(ForeignKey("job_position.id"), nullable=False, index=True)
    title: Mapped[str | None] = mapped_column(String(120), nullable=True)
    # Retired or transferred out: kept for history (certificates, results), left out of lists and counts.
    left_at = mapped_column(UTCDateTime, nullable=True, index=True)
    created_at = mapped_column(UTCDateTime, nullable=False, default=clock.now)
    updated_at = mapped_column(UTCDateTime, nullable=False, default=clock.now, onupdate=clock.now)
    # Bumped by every write (ORM: version_id_col; import: +1): an edit made from an older version
    # is refused instead of silently undoing someone else's change.
    version: Mapped[int] = mapped_column(Integer, nullable=False, default=1, server_default="1")

    organisation = relationship(Organisation, lazy="joined")
    position = relationship(JobPosition, lazy="joined")

    __mapper_args__ = {"version_id_col": version}

    @staticmethod
    def derived(employee_code: str, full_name: str) -> dict:
        """The stored keys of a person (for bulk writes, which bypass the validators below)."""
        return {"code_key": text.code_key(employee_code),
                "search_text": text.search_text(full_name, employee_code)}

    @validates("employee_code", "full_name")
    def _set_keys(self, key, value):
        value = text.clean(value)
        code = value if key == "employee_code" else (self.employee_code or "")
        name = value if key == "full_name" else (self.full_name or "")
        for attr, derived in Person.derived(code, name).items():
            setattr(self, attr, derived)
        return value

    @property
    def has_left(self) -> bool:
        return self.left_at is not None


class PendingImport(db.Model):
    """An uploaded file (staff, questions) between its preview and the "apply": kept in the database,
    not on one web machine's disk, so the apply may reach any machine behind the proxy."""

    __tablename__ = "pending_import"

    token: Mapped[str] = mapped_column(String(64), primary_key=True)
    # What the file is for ("staff", "questions:gift", …): a token is only good for its own import.
    kind: Mapped[str] = mapped_column(String(32), nullable=False, default="staff", server_default="staff")
    uploaded_by: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"), nullable=True)
    filename: Mapped[str] = mapped_column(String(255), nullable=False, default="")
    data: Mapped[bytes] = mapped_column(LargeBinary, nullable=False)
    created_at = mapped_column(UTCDateTime, nullable=False, default=clock.now, index=True)
