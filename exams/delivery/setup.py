"""Exam set-up for organisers: exams, their parts and blueprints, scoped to the exam's unit subtree.

An organiser (or admin) whose scope covers the exam's organisation manages it; for anyone else the
exam does not exist (NotFound). Services clean what they store, write the audit log and commit.
"""
from __future__ import annotations

from datetime import datetime

from flask_babel import gettext as _
from sqlalchemy import func, select
from sqlalchemy.orm import contains_eager, selectinload

from tinhoc import clock, text
from tinhoc.access import Actor
from tinhoc.audit import record as audit
from tinhoc.extensions import db
from tinhoc.orgs.models import Organisation
from tinhoc.pagination import paginate
from tinhoc.security import sanitize_html

from . import forms_drawing
from .errors import DeliveryError, NotFound
from .models import Exam, ExamAttempt, ExamPart

ORGANISER = ("organiser",)


def exam_for(actor: Actor, exam_id: int) -> Exam:
    """The exam if the actor organises its unit's subtree (or is admin), else NotFound."""
    row = db.session.execute(select(Exam, Organisation.path).join(Organisation, Organisation.id == Exam.organisation_id)
                             .where(Exam.id == exam_id)).first() if isinstance(exam_id, int) else None
    if row is None or not actor.covers(row[1], *ORGANISER):
        raise NotFound(_("Không tìm thấy kỳ thi."))
    return row[0]


def part_for(actor: Actor, exam_id: int, part_id: int) -> ExamPart:
    exam = exam_for(actor, exam_id)
    part = db.session.get(ExamPart, part_id) if isinstance(part_id, int) else None
    if part is None or part.exam_id != exam.id:
        raise NotFound(_("Không tìm thấy phần thi."))
    return part


def list_exams(actor: Actor, page: int = 1):
    """Exams (not training quizzes) of the units in the actor's scope, newest window first."""
    if not actor.may(*ORGANISER):
        raise NotFound(_("Không tìm thấy kỳ thi."))
    query = (select(Exam).join(Organisation, Organisation.id == Exam.organisation_id)
             .where(Exam.kind == "exam", actor.scope_clause(*ORGANISER)).order_by(Exam.opens_at.desc(), Exam.id.desc())
             .options(contains_eager(Exam.organisation), selectinload(Exam.parts)))   # two queries a page
    return paginate(query, page, per_page=50)


def _clean_exam(actor: Actor, *, title: str, organisation_id: int, opens_at: datetime | None,
                closes_at: datetime | None, attempts_allowed: int) -> tuple[str, Organisation]:
    title = text.clean(title or "")
    if not title or len(title) > 255:
        raise DeliveryError(_("Tên kỳ thi cần từ 1 đến 255 ký tự."))
    org = db.session.get(Organisation, organisation_id) if isinstance(organisation_id, int) else None
    if org is None or not actor.covers(org.path, *ORGANISER):
        raise DeliveryError(_("Hãy chọn một đơn vị trong phạm vi bạn quản lý."))
    if opens_at is None or closes_at is None or closes_at <= opens_at:
        raise DeliveryError(_("Thời gian đóng phải sau thời gian mở."))
    if not (isinstance(attempts_allowed, int) and 1 <= attempts_allowed <= 20):
        raise DeliveryError(_("Số lần làm bài phải từ 1 đến 20."))
    return title, org


def save_exam(actor: Actor, exam_id: int | None, *, title: str, description: str = "", organisation_id: int,
              opens_at: datetime | None, closes_at: datetime | None, attempts_allowed: int = 1,
              shuffle_questions: bool = True, shuffle_options: bool = True, open_to_subtree: bool = False,
              kind: str = "exam", owner_ref: str | None = None, commit: bool = True) -> Exam:
    """Create (exam_id None) or edit an exam; DeliveryError names what is wrong."""
    title, org = _clean_exam(actor, title=title, organisation_id=organisation_id, opens_at=opens_at,
                             closes_at=closes_at, attempts_allowed=attempts_allowed)
    fields = {"title": title, "description": sanitize_html(description), "organisation_id": org.id,
              "opens_at": opens_at, "closes_at": closes_at, "attempts_allowed": attempts_allowed,
              "shuffle_questions": bool(shuffle_questions), "shuffle_options": bool(shuffle_options),
              "open_to_subtree": bool(open_to_subtree)}
    if exam_id is None:
        exam = Exam(kind=kind, owner_ref=owner_ref, created_by=actor.user_id, created_at=clock.now(), **fields)
        db.session.add(exam)
        db.session.flush()
        audit(actor, "exams.exam_create", "exam", exam.id, after={"title": title})
    else:
        exam = exam_for(actor, exam_id)
        before = {"title": exam.title, "opens_at": str(exam.opens_at), "closes_at": str(exam.closes_at)}
        for key, value in fields.items():
            setattr(exam, key, value)
        audit(actor, "exams.exam_edit", "exam", exam.id, before=before,
              after={"title": title, "opens_at": str(opens_at), "closes_at": str(closes_at)})
    if commit:
        db.session.commit()
    return exam


def clean_rules(rows) -> list[dict]:
    """Blueprint rules from (category_id, difficulty, count, points, auto_only) rows; empty rows are dropped."""
    rules = []
    for index, (category_id, difficulty, count, points, auto_only) in enumerate(rows):
        if not category_id and not count:
            continue
        try:
            rule = {"category_id": int(category_id), "difficulty": int(difficulty) if difficulty else None,
                    "count": int(count), "points": float(str(points or 1).replace(",", "."))}
        except (TypeError, ValueError):
            raise DeliveryError(_("Quy tắc %(n)d: số câu và điểm phải là số.", n=index + 1)) from None
        if auto_only:
            rule["auto_only"] = True
        rules.append(rule)
    return rules


def has_attempts(part_id: int) -> bool:
    return db.session.scalar(select(func.count(ExamAttempt.id)).where(ExamAttempt.part_id == part_id)) > 0


def save_part(actor: Actor | None, exam: Exam, part_id: int | None, *, title: str, duration_minutes: int,
              blueprint: list[dict], max_points: float = 10.0, pass_fraction: float = 0.5,
              commit: bool = True) -> ExamPart:
    """Create or edit a part of an exam the caller has checked (exam_for); the blueprint is refused,
    naming the rule, when the bank cannot satisfy it, and frozen once a candidate has started."""
    title = text.clean(title or "")
    if not title or len(title) > 255:
        raise DeliveryError(_("Tên phần thi cần từ 1 đến 255 ký tự."))
    if not (isinstance(duration_minutes, int) and 1 <= duration_minutes <= 600):
        raise DeliveryError(_("Thời gian làm bài phải từ 1 đến 600 phút."))
    if not (0 < max_points <= 1000) or not (0 <= pass_fraction <= 1):
        raise DeliveryError(_("Thang điểm phải lớn hơn 0 và ngưỡng đạt nằm trong khoảng 0–100%."))
    part = None
    if part_id is not None:
        part = db.session.get(ExamPart, part_id)
        if part is None or part.exam_id != exam.id:
            raise NotFound(_("Không tìm thấy phần thi."))
        if blueprint != part.blueprint and has_attempts(part.id):
            raise DeliveryError(_("Phần thi đã có bài làm: không sửa được quy tắc rút câu hỏi."))
    marking = forms_drawing.check_blueprint(blueprint)
    if part is None:
        position = (db.session.scalar(select(func.max(ExamPart.position)).where(ExamPart.exam_id == exam.id)) or 0) + 1
        part = ExamPart(exam_id=exam.id, position=position)
        db.session.add(part)
    part.title, part.duration_minutes, part.blueprint = title, duration_minutes, blueprint
    part.max_points, part.pass_fraction, part.marking = float(max_points), float(pass_fraction), marking
    db.session.flush()
    audit(actor, "exams.part_save", "exam_part", part.id,
          after={"title": title, "duration": duration_minutes, "blueprint": blueprint})
    if commit:
        db.session.commit()
    return part


def organisation_choices(actor: Actor) -> list[tuple[int, str]]:
    from tinhoc.orgs.services import filter_choices
    return filter_choices(actor)
