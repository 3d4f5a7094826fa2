"""Marking: a grader's queue and marks, settling an item's mark from its rounds, the chief's
reconciliation. Every change of a mark is in the audit log, in the same commit as the change."""
from __future__ import annotations

import math
from dataclasses import dataclass

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from tinhoc import clock, text
from tinhoc.access import Actor
from tinhoc.audit import record as audit
from tinhoc.extensions import db
from tinhoc.orgs.models import Organisation
from tinhoc.security import sanitize_html

from ..delivery.models import AttemptFile, AttemptItem, Exam, ExamAttempt, ExamPart
from .models import GradingAssignment, GradingReconciliation
from .services import MANAGER_ROLES, GradingError, NotFound, attempt_code, settings_for

EPSILON = 1e-9
MAX_COMMENT = 5000


def assignment_for(actor: Actor, assignment_id: int) -> GradingAssignment:
    """The assignment if it was made to this actor; else NotFound. The one place that decides
    which answers a grader may see (an organiser or an admin is no exception: they reconcile)."""
    found = None
    if actor.user_id is not None:
        found = db.session.scalar(
            select(GradingAssignment).options(joinedload(GradingAssignment.item).joinedload(AttemptItem.attempt))
            .where(GradingAssignment.id == assignment_id, GradingAssignment.grader_user_id == actor.user_id))
    if found is None:
        raise NotFound(assignment_id)
    return found


@dataclass
class QueueRow:
    assignment: GradingAssignment
    code: str
    exam_title: str
    part_title: str
    position: int


def my_queue(actor: Actor) -> list[QueueRow]:
    """The actor's assignments, the unmarked ones first, in one query."""
    rows = db.session.execute(
        select(GradingAssignment, AttemptItem.attempt_id, AttemptItem.position, Exam.title, ExamPart.title)
        .join(AttemptItem, AttemptItem.id == GradingAssignment.item_id)
        .join(ExamAttempt, ExamAttempt.id == AttemptItem.attempt_id)
        .join(ExamPart, ExamPart.id == ExamAttempt.part_id).join(Exam, Exam.id == ExamAttempt.exam_id)
        .where(GradingAssignment.grader_user_id == actor.user_id)
        .order_by(GradingAssignment.marked_at.is_not(None), Exam.id, ExamPart.position, GradingAssignment.id)
        .limit(1000)).all()
    return [QueueRow(a, attempt_code(attempt_id), exam, part, position)
            for a, attempt_id, position, exam, part in rows]


def files_of(item_id: int) -> list[AttemptFile]:
    return list(db.session.scalars(select(AttemptFile).where(AttemptFile.item_id == item_id)
                                   .order_by(AttemptFile.id)))


def assignment_file(actor: Actor, assignment_id: int, file_id: int) -> tuple[AttemptFile, str]:
    """A file of an item assigned to the actor, and the name to send it under: the attempt code
    when marking is blind (the uploaded name may carry the candidate's name)."""
    assignment = assignment_for(actor, assignment_id)
    found = db.session.scalar(select(AttemptFile).where(AttemptFile.id == file_id,
                                                        AttemptFile.item_id == assignment.item_id))
    if found is None:
        raise NotFound(file_id)
    item = assignment.item
    if settings_for(item.attempt.part_id).blind:
        extension = found.filename.rpartition(".")[2].lower() if "." in found.filename else "bin"
        return found, f"{attempt_code(item.attempt_id)}-cau-{item.position}.{extension[:8]}"
    return found, found.filename


def _fraction_from(settings, fraction, scores) -> tuple[float, list[float] | None]:
    rubric = settings.rubric or []
    if rubric:
        if scores is None or len(scores) != len(rubric):
            raise GradingError(_("Hãy cho điểm từng tiêu chí của thang chấm."))
        clean = []
        for criterion, value in zip(rubric, scores):
            if value is None or not math.isfinite(value) or value < 0 or value > criterion["max"] + EPSILON:
                raise GradingError(_("Điểm tiêu chí “%(c)s” phải từ 0 đến %(m)s.", c=criterion["name"],
                                     m=f"{criterion['max']:g}"))
            clean.append(float(value))
        return min(1.0, sum(clean) / settings.rubric_total), clean
    if fraction is None or not math.isfinite(fraction) or not 0 <= fraction <= 1:
        raise GradingError(_("Điểm phải là một số từ 0 đến 1 (phần của điểm tối đa của câu)."))
    return float(fraction), None


def _refuse_after_release(item: AttemptItem) -> None:
    """Released results change only through a regrade (previewed, audited), never by a quiet re-mark."""
    if item.attempt.exam.results_released_at is not None:
        raise GradingError(_("Kết quả kỳ thi đã được công bố: không thể sửa điểm (dùng chức năng chấm lại)."))


def _assignment_state(a: GradingAssignment) -> dict:
    return {"round": a.round, "grader": a.grader_user_id, "fraction": a.fraction, "scores": a.scores,
            "comment": a.comment}


def mark(actor: Actor, assignment_id: int, *, fraction: float | None = None, scores: list | None = None,
         comment: str = "") -> GradingAssignment:
    """Record (or change) the actor's mark for an assigned item, then settle the item's mark."""
    assignment = assignment_for(actor, assignment_id)
    item = assignment.item
    if not item.attempt.is_final:
        raise GradingError(_("Bài thi chưa kết thúc: chưa thể chấm."))
    _refuse_after_release(item)
    reconciliation = db.session.scalar(select(GradingReconciliation)
                                       .where(GradingReconciliation.item_id == item.id))
    if reconciliation is not None and reconciliation.decided_at is not None:
        raise GradingError(_("Trưởng ban chấm đã quyết định điểm câu này: không thể sửa điểm."))
    settings = settings_for(item.attempt.part_id)
    value, clean_scores = _fraction_from(settings, fraction, scores)
    comment = text.clean(comment, multiline=True)
    if len(comment) > MAX_COMMENT:
        raise GradingError(_("Nhận xét quá dài (tối đa %(n)d ký tự).", n=MAX_COMMENT))
    before = _assignment_state(assignment) if assignment.marked_at else None
    assignment.fraction, assignment.scores, assignment.comment = value, clean_scores, comment
    assignment.marked_at = clock.now()
    audit(actor, "exam.mark", "attempt_item", item.id, before=before, after=_assignment_state(assignment))
    _settle(actor, item, settings, reconciliation)
    db.session.commit()
    return assignment


def _set_item_fraction(actor: Actor, item: AttemptItem, value: float | None, why: str) -> None:
    from ..delivery import services as delivery
    if item.manual_fraction == value:
        return
    audit(actor, "exam.item_mark", "attempt_item", item.id, before={"manual_fraction": item.manual_fraction},
          after={"manual_fraction": value, "by": why})
    item.manual_fraction = value
    db.session.flush()
    delivery.recompute_attempt(item.attempt)


def _settle(actor: Actor, item: AttemptItem, settings, reconciliation: GradingReconciliation | None) -> None:
    """The item's mark from its rounds: the one mark; the mean of two marks within the margin;
    two marks further apart are flagged for the chief and the item stays unmarked meanwhile."""
    rounds = list(db.session.scalars(select(GradingAssignment).where(GradingAssignment.item_id == item.id)
                                     .order_by(GradingAssignment.round)))
    if any(a.marked_at is None for a in rounds) or not rounds:
        _set_item_fraction(actor, item, None, "pending")
        return
    marks = [a.fraction for a in rounds]
    if len(marks) == 1 or abs(marks[0] - marks[1]) <= settings.reconcile_margin + EPSILON:
        if reconciliation is not None:
            db.session.delete(reconciliation)
        _set_item_fraction(actor, item, sum(marks) / len(marks), "markers")
        return
    if reconciliation is None:
        db.session.add(GradingReconciliation(item_id=item.id, flagged_at=clock.now(), reason=""))
        audit(actor, "exam.mark_flagged", "attempt_item", item.id, after={"marks": marks})
    _set_item_fraction(actor, item, None, "flagged")


def managed_item(actor: Actor, item_id: int) -> AttemptItem:
    """A hand-marked item of an exam in the actor's organiser scope (the chief's view); else NotFound."""
    found = None
    if actor.may(*MANAGER_ROLES):
        found = db.session.scalar(
            select(AttemptItem).join(ExamAttempt, ExamAttempt.id == AttemptItem.attempt_id)
            .join(Exam, Exam.id == ExamAttempt.exam_id).join(Organisation, Organisation.id == Exam.organisation_id)
            .where(AttemptItem.id == item_id, AttemptItem.needs_manual.is_(True),
                   actor.scope_clause(*MANAGER_ROLES)))
    if found is None:
        raise NotFound(item_id)
    return found


def reconciliation_view(actor: Actor, reconciliation_id: int) -> tuple[AttemptItem, GradingReconciliation, list]:
    """A flagged item of an exam in the actor's organiser scope, its flag and its rounds; else NotFound."""
    reconciliation = db.session.get(GradingReconciliation, reconciliation_id)
    if reconciliation is None:
        raise NotFound(reconciliation_id)
    item = managed_item(actor, reconciliation.item_id)
    rounds = list(db.session.scalars(select(GradingAssignment).options(joinedload(GradingAssignment.grader))
                                     .where(GradingAssignment.item_id == item.id)
                                     .order_by(GradingAssignment.round)))
    return item, reconciliation, rounds


def reconcile(actor: Actor, reconciliation_id: int, fraction: float | None, reason: str) -> GradingReconciliation:
    """The chief decides a flagged item's mark, with a reason (audited)."""
    item, reconciliation, _rounds = reconciliation_view(actor, reconciliation_id)
    _refuse_after_release(item)
    if fraction is None or not math.isfinite(fraction) or not 0 <= fraction <= 1:
        raise GradingError(_("Điểm phải là một số từ 0 đến 1 (phần của điểm tối đa của câu)."))
    reason = text.clean(reason, multiline=True)
    if not reason:
        raise GradingError(_("Quyết định điểm phải nêu lý do."))
    if len(reason) > MAX_COMMENT:
        raise GradingError(_("Lý do quá dài (tối đa %(n)d ký tự).", n=MAX_COMMENT))
    before = {"fraction": reconciliation.fraction, "reason": reconciliation.reason}
    reconciliation.fraction, reconciliation.reason = float(fraction), reason
    reconciliation.decided_by, reconciliation.decided_at = actor.user_id, clock.now()
    audit(actor, "exam.mark_reconcile", "attempt_item", item.id, before=before,
          after={"fraction": reconciliation.fraction, "reason": reason})
    _set_item_fraction(actor, item, reconciliation.fraction, "chief")
    db.session.commit()
    return reconciliation


def response_html(item: AttemptItem):
    """The candidate's typed answer as safe HTML (an essay's rich text is sanitised again here)."""
    from markupsafe import Markup
    response = item.response
    if isinstance(response, dict):
        response = response.get("html") or response.get("text") or ""
    if not isinstance(response, str):
        return Markup("")
    return Markup(sanitize_html(response))


def mark_page(assignment: GradingAssignment, settings) -> dict:
    """What the marking page shows. Blind: the attempt code only, never the candidate's name, unit
    or username (nor the uploaded file's name, which may carry them)."""
    from markupsafe import Markup
    item = assignment.item
    attempt = item.attempt
    candidate = None
    if not settings.blind:
        from tinhoc.accounts.models import User
        candidate = db.session.get(User, attempt.user_id)
    return {"assignment": assignment, "item": item, "attempt": attempt, "settings": settings,
            "code": attempt_code(attempt.id), "exam": attempt.exam, "part": attempt.part,
            "question_html": Markup(item.version.text or ""), "answer_html": response_html(item),
            "files": files_of(item.id), "candidate": candidate}
