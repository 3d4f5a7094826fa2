"""The question bank: a category tree, tags, questions and their versions, images."""
from __future__ import annotations

from sqlalchemy import JSON, Boolean, Column, ForeignKey, Integer, LargeBinary, String, Table, Text, UniqueConstraint, and_
from sqlalchemy.orm import Mapped, mapped_column, relationship, validates

from tinhoc import clock, text
from tinhoc.db_types import UTCDateTime, ascii_path
from tinhoc.extensions import db

PATH_WIDTH = 8
DIFFICULTIES = (1, 2, 3)   # dễ, trung bình, khó

question_tag = Table(
    "question_tag", db.metadata,
    Column("question_id", ForeignKey("question.id", ondelete="CASCADE"), primary_key=True),
    Column("tag_id", ForeignKey("question_tag_name.id", ondelete="CASCADE"), primary_key=True),
)


class QuestionCategory(db.Model):
    """A node of the bank's tree (IU01 → IU01.1 …); `path` is the materialised path of ids, as for
    organisations, so a subtree is one range scan."""

    __tablename__ = "question_category"
    __table_args__ = (UniqueConstraint("parent_key", "name_key", name="uq_question_category_sibling"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("question_category.id"), nullable=True, index=True)
    # 0 for a root: a unique constraint with NULL would let two roots of one name through.
    parent_key: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    path: Mapped[str] = mapped_column(ascii_path(255), nullable=False, default="", index=True)
    name: Mapped[str] = mapped_column(String(200), nullable=False)
    name_key: Mapped[str] = mapped_column(String(800), nullable=False)
    created_at = mapped_column(UTCDateTime, nullable=False, default=clock.now)

    parent = relationship("QuestionCategory", remote_side=[id])

    @validates("name")
    def _set_name(self, _key, value):
        value = text.clean(value)
        self.name_key = text.code_key(value)
        return value

    def own_segment(self) -> str:
        return f"{self.id:0{PATH_WIDTH}d}/"

    @staticmethod
    def subtree_clause(path: str):
        upper = path[:-1] + chr(ord("/") + 1)
        return and_(QuestionCategory.path >= path, QuestionCategory.path < upper)


class QuestionTagName(db.Model):
    __tablename__ = "question_tag_name"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(64), nullable=False)
    name_key: Mapped[str] = mapped_column(String(256), nullable=False, unique=True)

    @validates("name")
    def _set_name(self, _key, value):
        value = text.clean(value)
        self.name_key = text.code_key(value)
        return value


class Question(db.Model):
    """A question of the bank; what it says lives in its versions (the current one is edited in
    place until an attempt has seen it, then an edit makes a new version)."""

    __tablename__ = "question"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    category_id: Mapped[int] = mapped_column(ForeignKey("question_category.id"), nullable=False, index=True)
    difficulty: Mapped[int] = mapped_column(Integer, nullable=False, default=2)
    current_version: Mapped[int] = mapped_column(Integer, nullable=False, default=1)
    search_text: Mapped[str] = mapped_column(String(300), nullable=False, default="", index=True)
    archived_at = mapped_column(UTCDateTime, nullable=True)
    created_by: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"), nullable=True)
    created_at = mapped_column(UTCDateTime, nullable=False, default=clock.now)
    updated_at = mapped_column(UTCDateTime, nullable=False, default=clock.now)

    category = relationship(QuestionCategory)
    tags = relationship(QuestionTagName, secondary=question_tag, order_by=QuestionTagName.name)
    versions = relationship("QuestionVersion", back_populates="question", order_by="QuestionVersion.number",
                            cascade="all, delete-orphan")

    @property
    def current(self) -> "QuestionVersion":
        return next(v for v in self.versions if v.number == self.current_version)


class QuestionVersion(db.Model):
    """One version of a question as a candidate sees it: type, text, params. `used` is set when an
    attempt first shows it (`services.mark_used`); a used version is never changed again."""

    __tablename__ = "question_version"
    __table_args__ = (UniqueConstraint("question_id", "number", name="uq_question_version_number"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    question_id: Mapped[int] = mapped_column(ForeignKey("question.id", ondelete="CASCADE"), nullable=False, index=True)
    number: Mapped[int] = mapped_column(Integer, nullable=False)
    type: Mapped[str] = mapped_column(String(32), nullable=False)
    name: Mapped[str] = mapped_column(String(255), nullable=False, default="")
    text: Mapped[str] = mapped_column(Text, nullable=False, default="")               # sanitised HTML
    general_feedback: Mapped[str] = mapped_column(Text, nullable=False, default="")   # sanitised HTML
    params = mapped_column(JSON, nullable=False, default=dict)
    used: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    created_by: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"), nullable=True)
    created_at = mapped_column(UTCDateTime, nullable=False, default=clock.now)

    question = relationship(Question, back_populates="versions")


class QuestionImage(db.Model):
    """An image inside question text, served at /exams/images/<id> (type and size checked on save)."""

    __tablename__ = "question_image"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    sha256: Mapped[str] = mapped_column(String(64), nullable=False, unique=True)
    content_type: Mapped[str] = mapped_column(String(32), nullable=False)
    data: Mapped[bytes] = mapped_column(LargeBinary, nullable=False)
    created_at = mapped_column(UTCDateTime, nullable=False, default=clock.now)
