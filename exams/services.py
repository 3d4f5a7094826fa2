"""The question bank: categories, questions and their versions, images, search.

The bank is province-wide: instructors and organisers (and admins) manage it; for anyone else it
does not exist (NotFound, a 404). Services take an Actor, clean what they store, commit, and raise
BankError subclasses that routes turn into messages.
"""
from __future__ import annotations

import hashlib
from dataclasses import dataclass

from flask_babel import gettext as _
from sqlalchemy import func, select
from sqlalchemy.orm import contains_eager, selectinload

from tinhoc import clock, text
from tinhoc.access import Actor
from tinhoc.audit import record as audit
from tinhoc.extensions import db
from tinhoc.pagination import paginate

from .html import html_to_plain, sanitize_question_html
from .importers.common import check_image
from .models import DIFFICULTIES, Question, QuestionCategory, QuestionImage, QuestionTagName, QuestionVersion
from .questions import ParamsInvalid, get_type

BANK_ROLES = ("instructor", "organiser")
DEFAULT_CATEGORY = "Chưa phân loại"


class BankError(Exception):
    """A refused change to the bank; `str(exc)` is the message for the user."""


class NotFound(BankError):
    pass


def _check(actor: Actor) -> None:
    if not actor.may(*BANK_ROLES):
        raise NotFound(_("Không tìm thấy."))


# --- categories ------------------------------------------------------------------------------

def _new_category(name: str, parent: QuestionCategory | None) -> QuestionCategory:
    category = QuestionCategory(name=name, parent_id=parent.id if parent else None,
                                parent_key=parent.id if parent else 0, created_at=clock.now())
    db.session.add(category)
    db.session.flush()
    category.path = (parent.path if parent else "/") + category.own_segment()
    return category


def ensure_category_path(path: str | None, cache: dict | None = None) -> QuestionCategory:
    """The category named by "IU01/Phần cứng" (created as needed, names compared without case);
    the caller commits."""
    names = [text.clean(p)[:200] for p in (path or "").split("/") if text.clean(p)] or [DEFAULT_CATEGORY]
    parent = None
    for depth, name in enumerate(names):
        key = ("/".join(text.code_key(n) for n in names[:depth + 1]))
        found = cache.get(key) if cache is not None else None
        if found is None:
            found = db.session.scalar(select(QuestionCategory).where(
                QuestionCategory.parent_key == (parent.id if parent else 0),
                QuestionCategory.name_key == text.code_key(name)))
            if found is None:
                found = _new_category(name, parent)
            if cache is not None:
                cache[key] = found
        parent = found
    return parent


def create_category(actor: Actor, name: str, parent_id: int | None) -> QuestionCategory:
    _check(actor)
    name = text.clean(name)
    if not name or len(name) > 200 or "/" in name:
        raise BankError(_("Tên danh mục cần từ 1 đến 200 ký tự và không chứa “/”."))
    parent = category_for(actor, parent_id) if parent_id else None
    if db.session.scalar(select(QuestionCategory.id).where(
            QuestionCategory.parent_key == (parent.id if parent else 0),
            QuestionCategory.name_key == text.code_key(name))):
        raise BankError(_("Danh mục “%(n)s” đã có ở đây.", n=name))
    category = _new_category(name, parent)
    audit(actor, "questions.category_create", "question_category", category.id, after={"name": name})
    db.session.commit()
    return category


def category_for(actor: Actor, category_id: int | None) -> QuestionCategory:
    _check(actor)
    category = db.session.get(QuestionCategory, category_id) if category_id else None
    if category is None:
        raise NotFound(_("Không tìm thấy danh mục."))
    return category


def category_tree(actor: Actor) -> list[tuple[QuestionCategory, int]]:
    """Every category depth-first with its number of questions (current, not archived)."""
    _check(actor)
    counts = dict(db.session.execute(select(Question.category_id, func.count()).where(
        Question.archived_at.is_(None)).group_by(Question.category_id)).all())
    categories = list(db.session.scalars(select(QuestionCategory)))
    labels = {c.id: c for c in categories}

    def key(c):
        chain, node = [], c
        while node is not None:
            chain.append(text.sort_key(node.name))
            node = labels.get(node.parent_id)
        return tuple(reversed(chain))
    return [(c, counts.get(c.id, 0)) for c in sorted(categories, key=key)]


def category_label(category: QuestionCategory) -> str:
    names, node = [], category
    while node is not None:
        names.append(node.name)
        node = node.parent
    return " / ".join(reversed(names))


# --- questions -------------------------------------------------------------------------------

@dataclass
class QuestionFilter:
    q: str = ""
    category_id: int | None = None
    type: str = ""
    difficulty: int | None = None
    tag: str = ""


def list_questions(actor: Actor, flt: QuestionFilter, page: int = 1):
    _check(actor)
    query = (select(Question).join(QuestionCategory, QuestionCategory.id == Question.category_id)
             .where(Question.archived_at.is_(None)))
    if (condition := text.matches(Question.search_text, flt.q)) is not None:
        query = query.where(condition)
    if flt.category_id:
        category = db.session.get(QuestionCategory, flt.category_id)
        if category is not None:
            query = query.where(QuestionCategory.subtree_clause(category.path))
    if flt.type:
        query = query.join(QuestionVersion, (QuestionVersion.question_id == Question.id)
                           & (QuestionVersion.number == Question.current_version)).where(QuestionVersion.type == flt.type)
    if flt.difficulty:
        query = query.where(Question.difficulty == flt.difficulty)
    if flt.tag:
        query = query.where(Question.tags.any(QuestionTagName.name_key == text.code_key(flt.tag)))
    query = query.options(contains_eager(Question.category), selectinload(Question.versions),
                          selectinload(Question.tags))   # a page is three queries, not three per row
    return paginate(query.order_by(Question.id.desc()), page, per_page=50)


def question_for(actor: Actor, question_id: int) -> Question:
    _check(actor)
    question = db.session.get(Question, question_id)
    if question is None:
        raise NotFound(_("Không tìm thấy câu hỏi."))
    return question


def _tags(names) -> list[QuestionTagName]:
    out = []
    for name in {text.code_key(n): text.clean(n)[:64] for n in names if text.clean(n)}.values():
        tag = db.session.scalar(select(QuestionTagName).where(QuestionTagName.name_key == text.code_key(name)))
        if tag is None:
            tag = QuestionTagName(name=name)
            db.session.add(tag)
        out.append(tag)
    return out


def clean_version(type_: str, name: str, body: str, general_feedback: str, params: dict, *, item=False) -> dict:
    """What a version stores, checked by its type (ParamsInvalid names the problem)."""
    kind = get_type(type_)
    params = kind.from_item(params) if item else kind.validate(params)
    body = sanitize_question_html(body)
    name = text.clean(name)[:255] or text.clean(html_to_plain(body))[:80]
    if not body.strip() and type_ != "description":
        raise ParamsInvalid(_("Câu hỏi chưa có nội dung."))
    return {"type": type_, "name": name, "text": body,
            "general_feedback": sanitize_question_html(general_feedback), "params": params}


def _search(version: dict) -> str:
    return text.search_text(version["name"], html_to_plain(version["text"]))


def add_question(actor: Actor | None, category: QuestionCategory, version: dict, *, difficulty: int = 2,
                 tags=()) -> Question:
    """Add a question with its first version to the session (the caller commits)."""
    now = clock.now()
    question = Question(category_id=category.id, difficulty=difficulty if difficulty in DIFFICULTIES else 2,
                        current_version=1, search_text=_search(version), created_at=now, updated_at=now,
                        created_by=getattr(actor, "user_id", None))
    question.tags = _tags(tags)
    question.versions.append(QuestionVersion(number=1, created_at=now, created_by=question.created_by, **version))
    db.session.add(question)
    return question


def save_question(actor: Actor, question_id: int | None, *, category_id: int, type_: str, name: str, body: str,
                  general_feedback: str, params: dict, difficulty: int, tags=()) -> Question:
    """Create a question, or edit one: the current version is changed in place while no attempt
    has seen it, else the edit becomes a new version (attempts keep theirs)."""
    category = category_for(actor, category_id)
    try:
        version = clean_version(type_, name, body, general_feedback, params)
    except ParamsInvalid as exc:
        raise BankError(str(exc)) from None
    if question_id is None:
        question = add_question(actor, category, version, difficulty=difficulty, tags=tags)
        db.session.flush()
        audit(actor, "questions.create", "question", question.id, after={"name": version["name"]})
        db.session.commit()
        return question
    question = question_for(actor, question_id)
    current = question.current
    before = {"version": current.number, "name": current.name}
    if current.used:
        number = max(v.number for v in question.versions) + 1
        question.versions.append(QuestionVersion(number=number, created_at=clock.now(), created_by=actor.user_id,
                                                 **version))
        question.current_version = number
    else:
        for key, value in version.items():
            setattr(current, key, value)
    question.category_id, question.difficulty = category.id, difficulty if difficulty in DIFFICULTIES else 2
    question.tags = _tags(tags)
    question.search_text, question.updated_at = _search(version), clock.now()
    audit(actor, "questions.edit", "question", question.id, before=before,
          after={"version": question.current_version, "name": version["name"]})
    db.session.commit()
    return question


def render_for_candidate(version: QuestionVersion, field: str = "q"):
    """The version as a candidate sees it (text and inputs), from its type."""
    return get_type(version.type).render(version.params, version.text, field)


def mark_used(version: QuestionVersion) -> None:
    """Hook for the attempt code: an attempt has shown this version, so it is frozen from now on
    (the next edit makes a new version). Runs in the caller's transaction; the caller commits."""
    if not version.used:
        version.used = True


def archive_question(actor: Actor, question_id: int) -> None:
    question = question_for(actor, question_id)
    question.archived_at = clock.now()
    audit(actor, "questions.archive", "question", question.id)
    db.session.commit()


# --- images ----------------------------------------------------------------------------------

def store_image(data: bytes, name: str = "") -> QuestionImage:
    """Keep an image (PNG, JPEG or GIF, size-capped; the same bytes are kept once); the caller commits."""
    try:
        kind = check_image(data, name)
    except ValueError as exc:
        raise BankError(str(exc)) from None
    digest = hashlib.sha256(data).hexdigest()
    image = db.session.scalar(select(QuestionImage).where(QuestionImage.sha256 == digest))
    if image is None:
        image = QuestionImage(sha256=digest, content_type=kind, data=data, created_at=clock.now())
        db.session.add(image)
        db.session.flush()
    return image


def upload_image(actor: Actor, data: bytes, name: str = "") -> QuestionImage:
    _check(actor)
    image = store_image(data, name)
    db.session.commit()
    return image


def image_for(image_id: int) -> QuestionImage:
    """Images are shown inside questions to whoever sees the question (a candidate too): any
    logged-in user may load one by its id; the route requires a login."""
    image = db.session.get(QuestionImage, image_id)
    if image is None:
        raise NotFound(_("Không tìm thấy ảnh."))
    return image


def type_counts() -> dict[str, int]:
    return dict(db.session.execute(select(QuestionVersion.type, func.count()).join(
        Question, (Question.id == QuestionVersion.question_id) & (Question.current_version == QuestionVersion.number))
        .where(Question.archived_at.is_(None)).group_by(QuestionVersion.type)).all())


# The public exam functions for training quizzes and contest quiz rounds live in quiz.py; callers use
# them through this module.
from .quiz import (QuizResult, create_quiz, quiz_attempt_count, quiz_result, quiz_results,  # noqa: E402,F401
                   set_quiz_window, start_quiz)
