"""What a candidate sees: the exams open to them, their attempts, and the attempt page's content.

An exam open to its unit's subtree may be taken by every staff member of that subtree with an
account, in its window; otherwise only by the candidates of its sessions (run by SESSIONS).
"""
from __future__ import annotations

from dataclasses import dataclass, field

from flask_babel import gettext as _
from markupsafe import Markup
from sqlalchemy import select
from sqlalchemy.orm import load_only, selectinload

from tinhoc import clock
from tinhoc.access import Actor
from tinhoc.accounts.models import User
from tinhoc.extensions import db
from tinhoc.orgs.models import Organisation, Person

from ..models import QuestionVersion
from ..questions import get_type
from . import services
from .errors import NotFound
from .models import AttemptFile, AttemptItem, Exam, ExamAttempt, ExamCandidate, ExamPart, ExamSession


def _unit_prefixes(user_id: int) -> list[str]:
    """Paths of the user's unit and every unit above it (a path's prefixes), or [] without a unit."""
    path = db.session.scalar(select(Organisation.path).join(Person, Person.organisation_id == Organisation.id)
                             .join(User, User.person_id == Person.id)
                             .where(User.id == user_id, Person.left_at.is_(None)))
    if not path:
        return []
    segments = path.strip("/").split("/")
    return ["/" + "/".join(segments[:i]) + "/" for i in range(1, len(segments) + 1)]


def _open_session(user_id: int, exam_id: int) -> ExamSession | None:
    return db.session.scalar(select(ExamSession).join(ExamCandidate, ExamCandidate.session_id == ExamSession.id)
                             .where(ExamCandidate.user_id == user_id, ExamSession.exam_id == exam_id,
                                    ExamSession.opened_at.is_not(None), ExamSession.closed_at.is_(None)))


def may_take_in_window(user_id: int, exam: Exam) -> bool:
    if exam.kind != "exam" or not exam.open_to_subtree:
        return False
    org_path = db.session.scalar(select(Organisation.path).where(Organisation.id == exam.organisation_id))
    return org_path in _unit_prefixes(user_id)


def start_for(actor: Actor, part_id: int) -> ExamAttempt:
    """Start or resume the actor's attempt at a part: through their opened session, or in the exam's
    window when it is open to their unit's subtree. Anyone else: NotFound."""
    part = db.session.get(ExamPart, part_id) if isinstance(part_id, int) else None
    if part is None or actor.user_id is None or part.exam.kind != "exam":
        raise NotFound(_("Không tìm thấy phần thi."))
    session = _open_session(actor.user_id, part.exam_id)
    if session is not None:
        return services.start_attempt(actor.user_id, part.id, session=session)
    if may_take_in_window(actor.user_id, part.exam):
        return services.start_attempt(actor.user_id, part.id)
    raise NotFound(_("Không tìm thấy phần thi."))


# --- my exams ---------------------------------------------------------------------------------

@dataclass
class PartLine:
    part: ExamPart
    attempt: ExamAttempt | None
    may_start: bool


@dataclass
class ExamLine:
    exam: Exam
    parts: list[PartLine] = field(default_factory=list)
    session: ExamSession | None = None
    open_now: bool = False


def my_exams(actor: Actor) -> list[ExamLine]:
    """Exams open to the actor now (window or session), and every exam they have an attempt at; a
    handful of queries whatever the number of exams."""
    now, user_id = clock.now(), actor.user_id
    prefixes = _unit_prefixes(user_id)
    open_ids = set(db.session.scalars(select(Exam.id).join(Organisation, Organisation.id == Exam.organisation_id)
                                      .where(Exam.kind == "exam", Exam.open_to_subtree.is_(True),
                                             Exam.opens_at <= now, Exam.closes_at > now,
                                             Organisation.path.in_(prefixes)))) if prefixes else set()
    sessions = {s.exam_id: s for s in db.session.scalars(
        select(ExamSession).join(ExamCandidate, ExamCandidate.session_id == ExamSession.id)
        .where(ExamCandidate.user_id == user_id, ExamSession.closed_at.is_(None)))}
    attempts = db.session.scalars(select(ExamAttempt).join(Exam, Exam.id == ExamAttempt.exam_id)
                                  .where(ExamAttempt.user_id == user_id, Exam.kind == "exam")
                                  .order_by(ExamAttempt.number)).all()
    latest = {a.part_id: a for a in attempts}
    ids = open_ids | set(sessions) | {a.exam_id for a in attempts}
    if not ids:
        return []
    exams = db.session.scalars(select(Exam).where(Exam.id.in_(ids)).options(selectinload(Exam.parts))
                               .order_by(Exam.opens_at.desc(), Exam.id)).all()
    lines = []
    for exam in exams:
        session = sessions.get(exam.id)
        startable = exam.id in open_ids or (session is not None and session.opened_at is not None)
        line = ExamLine(exam, session=session, open_now=startable)
        for part in exam.parts:
            attempt = latest.get(part.id)
            if attempt is not None and attempt.state == "open" and services.expired(attempt, now):
                services.finish_attempt(attempt, "closed")
            may = startable and (attempt is None or attempt.state == "open"
                                 or attempt.number < exam.attempts_allowed)
            line.parts.append(PartLine(part, attempt, may))
        lines.append(line)
    return lines


def home_panel(actor: Actor) -> dict | None:
    """The learner home page's panel: only when there is something to show."""
    if actor.user_id is None:
        return None
    lines = my_exams(actor)
    return {"lines": lines, "result_links": result_links()} if lines else None


def result_links() -> dict:
    """Which candidate pages exist (GRADING's result view, SESSIONS's waiting room) for the templates."""
    from flask import current_app
    endpoints = {e for e in ("exams.my_result", "exams.waiting_room") if e in current_app.view_functions}
    return {"endpoints": endpoints, "result": "exams.my_result" if "exams.my_result" in endpoints else None}


# --- the attempt page -------------------------------------------------------------------------

@dataclass
class ItemView:
    item: AttemptItem
    type: str
    html: Markup
    response: object          # in the shown order of options
    file: AttemptFile | None = None


def shown_params(version: QuestionVersion, order: list[int] | None) -> dict:
    params = dict(version.params)
    if order and isinstance(params.get("answers"), list):
        params["answers"] = [params["answers"][i] for i in order]
    return params


def shown_response(response, order: list[int] | None):
    """A stored answer in the shown order of options (the inverse of services.normalise)."""
    if order is None or response is None:
        return response
    position = {original: shown for shown, original in enumerate(order)}
    if isinstance(response, int) and not isinstance(response, bool):
        return position.get(response)
    if isinstance(response, list):
        return sorted(position[v] for v in response if v in position)
    return response


def attempt_view(actor: Actor, attempt_id: int) -> tuple[ExamAttempt, list[ItemView]]:
    """The attempt (closed on the way if its time is over) and its questions as the candidate sees them."""
    attempt = services.own_attempt(actor.user_id, attempt_id)
    services.close_if_expired(attempt)
    items = db.session.scalars(select(AttemptItem).where(AttemptItem.attempt_id == attempt.id)
                               .options(selectinload(AttemptItem.version)).order_by(AttemptItem.position)).all()
    files = {f.item_id: f for f in db.session.scalars(
        select(AttemptFile).options(load_only(AttemptFile.id, AttemptFile.item_id, AttemptFile.filename,
                                              AttemptFile.size, AttemptFile.uploaded_at))
        .where(AttemptFile.item_id.in_([i.id for i in items if i.needs_manual])))} if items else {}
    views = []
    for item in items:
        version = item.version
        html = get_type(version.type).render(shown_params(version, item.option_order), version.text, f"q{item.id}")
        views.append(ItemView(item, version.type, html, shown_response(item.response, item.option_order),
                              files.get(item.id)))
    if attempt.state == "open":   # the page's saves then find the option orders read already
        from .saving import option_orders   # saving imports services, which re-exports saving's names
        option_orders.put(attempt.id, attempt.seed, {item.id: item.option_order for item in items})
    return attempt, views
