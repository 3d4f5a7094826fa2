"""Grading set-up: who may manage which exam part, the part's settings and rubric, and handing the
items marked by hand to graders (round-robin; a second, different grader when the part asks).

Access: an organiser whose scope covers the exam's unit manages its grading (`part_for`,
`managed_exam`); a grader reaches only the assignments made to them (`marking.assignment_for`).
"""
from __future__ import annotations

import base64
import hashlib
import hmac
import math

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import func, select
from sqlalchemy.orm import contains_eager, selectinload

from tinhoc import clock, text
from tinhoc.access import Actor
from tinhoc.accounts.models import Role, RoleGrant, User
from tinhoc.audit import record as audit
from tinhoc.extensions import db
from tinhoc.orgs.models import Organisation

from ..delivery.models import FINAL_STATES, AttemptItem, Exam, ExamAttempt, ExamPart
from .models import DEFAULT_MARGIN, GradingAssignment, GradingReconciliation, GradingSettings

MANAGER_ROLES = ("organiser",)
GRADER_ROLE = "grader"
MAX_CRITERIA = 20


class GradingError(Exception):
    """A refusal the user can act on; `str(exc)` is the message."""


class NotFound(Exception):
    """What the actor may not see does not exist for them (a 404; not a GradingError, so a route
    that turns refusals into messages never turns a hidden object into one)."""


def attempt_code(attempt_id: int) -> str:
    """The attempt's code for blind marking: derived with the app's secret key, so it cannot be
    turned back into the attempt (or the candidate) by counting."""
    key = current_app.config["SECRET_KEY"].encode()
    digest = hmac.new(key, f"exam-attempt:{attempt_id}".encode(), hashlib.sha256).digest()
    return "BT-" + base64.b32encode(digest)[:7].decode()


def _managed(actor: Actor):
    return (select(ExamPart).join(Exam, Exam.id == ExamPart.exam_id)
            .join(Organisation, Organisation.id == Exam.organisation_id)
            .where(actor.scope_clause(*MANAGER_ROLES)))


def part_for(actor: Actor, part_id: int) -> ExamPart:
    """The exam part if the actor's organiser scope covers the exam's unit; else NotFound."""
    part = db.session.scalar(_managed(actor).where(ExamPart.id == part_id)) if actor.may(*MANAGER_ROLES) else None
    if part is None:
        raise NotFound(part_id)
    return part


def managed_exam(actor: Actor, exam_id: int) -> Exam:
    """The exam if the actor's organiser scope covers its unit; else NotFound."""
    exam = None
    if actor.may(*MANAGER_ROLES):
        exam = db.session.scalar(select(Exam).join(Organisation, Organisation.id == Exam.organisation_id)
                                 .where(Exam.id == exam_id, actor.scope_clause(*MANAGER_ROLES)))
    if exam is None:
        raise NotFound(exam_id)
    return exam


def settings_for(part_id: int) -> GradingSettings:
    """The part's settings, or the defaults (not stored) when the organiser has not set any."""
    found = db.session.get(GradingSettings, part_id)
    return found or GradingSettings(part_id=part_id, blind=True, second_marker=False,
                                    reconcile_margin=DEFAULT_MARGIN, rubric=[])


def parse_rubric(source: str) -> list[dict]:
    """Rubric lines "Tên tiêu chí | điểm tối đa" → [{"name", "max"}]; GradingError names the bad line."""
    criteria = []
    for number, line in enumerate((source or "").splitlines(), start=1):
        line = text.clean(line)
        if not line:
            continue
        name, sep, points = line.rpartition("|")
        name = text.clean(name)
        try:
            maximum = float(points.replace(",", "."))
        except ValueError:
            maximum = math.nan
        if not sep or not name or not math.isfinite(maximum) or not 0 < maximum <= 100:
            raise GradingError(_("Dòng %(n)d của thang chấm phải có dạng “Tên tiêu chí | điểm tối đa” "
                                 "với điểm lớn hơn 0 và không quá 100.", n=number))
        if len(name) > 200:
            raise GradingError(_("Dòng %(n)d: tên tiêu chí quá dài (tối đa 200 ký tự).", n=number))
        criteria.append({"name": name, "max": maximum})
    if len(criteria) > MAX_CRITERIA:
        raise GradingError(_("Thang chấm có tối đa %(n)d tiêu chí.", n=MAX_CRITERIA))
    return criteria


def rubric_text(rubric) -> str:
    return "\n".join(f"{c['name']} | {c['max']:g}" for c in rubric or ())


def _snapshot(settings: GradingSettings) -> dict:
    return {"blind": settings.blind, "second_marker": settings.second_marker,
            "reconcile_margin": settings.reconcile_margin, "rubric": settings.rubric}


def save_settings(actor: Actor, part_id: int, *, blind: bool, second_marker: bool, margin: float,
                  rubric: str) -> GradingSettings:
    """Store the part's grading settings (audited). Changing the rubric once marks exist is refused:
    the marks already given would no longer add up."""
    part = part_for(actor, part_id)
    if margin is None or not math.isfinite(margin) or not 0 <= margin <= 1:
        raise GradingError(_("Độ lệch cho phép phải nằm trong khoảng 0 đến 1 (phần của điểm câu hỏi)."))
    criteria = parse_rubric(rubric)
    settings = db.session.get(GradingSettings, part.id)
    before = _snapshot(settings) if settings else None
    if settings is not None and settings.rubric != criteria and _marked_count(part.id):
        raise GradingError(_("Đã có bài được chấm theo thang chấm này: không thể đổi thang chấm."))
    if settings is None:
        settings = GradingSettings(part_id=part.id)
        db.session.add(settings)
    settings.blind, settings.second_marker = bool(blind), bool(second_marker)
    settings.reconcile_margin, settings.rubric = float(margin), criteria
    settings.updated_by, settings.updated_at = actor.user_id, clock.now()
    audit(actor, "exam.grading.settings", "exam_part", part.id, before=before, after=_snapshot(settings))
    db.session.commit()
    return settings


def _marked_count(part_id: int) -> int:
    return db.session.scalar(select(func.count(GradingAssignment.id))
                             .join(AttemptItem, AttemptItem.id == GradingAssignment.item_id)
                             .join(ExamAttempt, ExamAttempt.id == AttemptItem.attempt_id)
                             .where(ExamAttempt.part_id == part_id, GradingAssignment.marked_at.is_not(None)))


def eligible_graders(part: ExamPart) -> list[User]:
    """Active users holding the grader role over the whole province, over a unit above the exam's
    unit or over a unit inside its subtree, in Vietnamese name order."""
    exam_path = part.exam.organisation.path
    rows = db.session.execute(
        select(User, Organisation.path).join(RoleGrant, RoleGrant.user_id == User.id)
        .join(Role, Role.id == RoleGrant.role_id)
        .outerjoin(Organisation, Organisation.id == RoleGrant.organisation_id)
        .where(Role.name == GRADER_ROLE, User.active.is_(True))
        .order_by(text.vi_order(User.full_name), User.id)).all()
    found: dict[int, User] = {}
    for user, path in rows:
        if path is None or exam_path.startswith(path) or path.startswith(exam_path):
            found.setdefault(user.id, user)
    return list(found.values())


def _manual_items(part_id: int) -> list[AttemptItem]:
    return list(db.session.scalars(
        select(AttemptItem).join(ExamAttempt, ExamAttempt.id == AttemptItem.attempt_id)
        .where(ExamAttempt.part_id == part_id, ExamAttempt.state.in_(FINAL_STATES),
               AttemptItem.needs_manual.is_(True))
        .order_by(ExamAttempt.id, AttemptItem.position)))


def assign_graders(actor: Actor, part_id: int, grader_ids: list[int]) -> dict:
    """Hand the part's unassigned hand-marked items of finished attempts to the chosen graders in
    turn; with second marking on, each item also gets a second grader different from its first.
    Items already assigned keep their graders. Returns {"first": n, "second": m}."""
    part = part_for(actor, part_id)
    eligible = {u.id: u for u in eligible_graders(part)}
    chosen = list(dict.fromkeys(int(g) for g in grader_ids or ()))
    if not chosen:
        raise GradingError(_("Hãy chọn ít nhất một người chấm."))
    if any(g not in eligible for g in chosen):
        raise GradingError(_("Người được chọn không phải là người chấm của kỳ thi này."))
    settings = settings_for(part.id)
    if settings.second_marker and len(chosen) < 2:
        raise GradingError(_("Chấm hai vòng cần ít nhất hai người chấm khác nhau."))
    items = _manual_items(part.id)
    load = dict(db.session.execute(
        select(GradingAssignment.grader_user_id, func.count(GradingAssignment.id))
        .join(AttemptItem, AttemptItem.id == GradingAssignment.item_id)
        .join(ExamAttempt, ExamAttempt.id == AttemptItem.attempt_id)
        .where(ExamAttempt.part_id == part.id).group_by(GradingAssignment.grader_user_id)).all())
    chosen.sort(key=lambda g: load.get(g, 0))   # the turn starts with whoever has least of this part
    existing: dict[tuple[int, int], GradingAssignment] = {
        (a.item_id, a.round): a for a in db.session.scalars(
            select(GradingAssignment).where(GradingAssignment.item_id.in_([i.id for i in items] or [0])))}
    now, counts, turn = clock.now(), {"first": 0, "second": 0}, 0
    for item in items:
        first = existing.get((item.id, 1))
        if first is None:
            first = GradingAssignment(item_id=item.id, round=1, grader_user_id=chosen[turn % len(chosen)],
                                      assigned_by=actor.user_id, assigned_at=now, comment="")
            db.session.add(first)
            counts["first"] += 1
            turn += 1
        if settings.second_marker and (item.id, 2) not in existing:
            others = [g for g in chosen if g != first.grader_user_id]
            db.session.add(GradingAssignment(item_id=item.id, round=2, grader_user_id=others[turn % len(others)],
                                             assigned_by=actor.user_id, assigned_at=now, comment=""))
            counts["second"] += 1
    audit(actor, "exam.grading.assign", "exam_part", part.id, after={**counts, "graders": chosen})
    db.session.commit()
    return counts


def part_overview(part: ExamPart) -> dict:
    """Counts for the organiser's part page: items to mark by hand, assigned, marked, flagged."""
    base = (select(func.count(AttemptItem.id)).join(ExamAttempt, ExamAttempt.id == AttemptItem.attempt_id)
            .where(ExamAttempt.part_id == part.id, ExamAttempt.state.in_(FINAL_STATES),
                   AttemptItem.needs_manual.is_(True)))
    total = db.session.scalar(base)
    unmarked = db.session.scalar(base.where(AttemptItem.manual_fraction.is_(None)))
    per_grader = db.session.execute(
        select(User.full_name, func.count(GradingAssignment.id), func.count(GradingAssignment.marked_at))
        .join(GradingAssignment, GradingAssignment.grader_user_id == User.id)
        .join(AttemptItem, AttemptItem.id == GradingAssignment.item_id)
        .join(ExamAttempt, ExamAttempt.id == AttemptItem.attempt_id)
        .where(ExamAttempt.part_id == part.id)
        .group_by(User.id, User.full_name).order_by(text.vi_order(User.full_name))).all()
    flagged = list(db.session.scalars(
        select(GradingReconciliation).options(contains_eager(GradingReconciliation.item))
        .join(AttemptItem, AttemptItem.id == GradingReconciliation.item_id)
        .join(ExamAttempt, ExamAttempt.id == AttemptItem.attempt_id)
        .where(ExamAttempt.part_id == part.id).order_by(GradingReconciliation.decided_at.is_not(None),
                                                        GradingReconciliation.id)))
    return {"total": total, "unmarked": unmarked, "per_grader": per_grader, "flagged": flagged}


def managed_exams(actor: Actor) -> list[tuple[Exam, int]]:
    """Exams in the actor's organiser scope with the count of hand-marked items still unmarked."""
    unmarked = (select(ExamAttempt.exam_id, func.count(AttemptItem.id).label("n"))
                .join(AttemptItem, AttemptItem.attempt_id == ExamAttempt.id)
                .where(ExamAttempt.state.in_(FINAL_STATES), AttemptItem.needs_manual.is_(True),
                       AttemptItem.manual_fraction.is_(None))
                .group_by(ExamAttempt.exam_id).subquery())
    rows = db.session.execute(
        select(Exam, func.coalesce(unmarked.c.n, 0)).options(selectinload(Exam.parts))
        .join(Organisation, Organisation.id == Exam.organisation_id)
        .outerjoin(unmarked, unmarked.c.exam_id == Exam.id)
        .where(actor.scope_clause(*MANAGER_ROLES), Exam.kind == "exam")
        .order_by(Exam.opens_at.desc(), Exam.id.desc()).limit(200)).all()
    return [(exam, n) for exam, n in rows]
