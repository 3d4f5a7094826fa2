"""Editing a round after it was created: a power cut postpones the start, a technical problem
extends the end, a language is added, the freeze is shortened.

What may change, and when:
- the title, the languages, whether contestants see hidden tests' rows: any time;
- the start: until the round starts (then the submissions' minutes, ICPC's penalty, count from it);
- the end: any time, to a moment not yet past (set it to now to stop a round); an ended round can be
  reopened by setting a later end;
- the scoring (IOI/ICPC, best subtask scores): while nobody has taken part;
- the freeze: any time.
The board is computed again from the stored results after any change; a quiz round's quiz follows
its round's window (running attempts keep their own duration, within the new end). Audited with the
values before and after.
"""
from __future__ import annotations

from datetime import timedelta

from flask_babel import gettext as _
from sqlalchemy import exists, select

from tinhoc import clock
from tinhoc.access import Actor
from tinhoc.audit import record as audit
from tinhoc.extensions import db

from . import board
from .models import Problem, Round, Submission
from .services import ContestError, checked_round_settings, managed_round_for

# datetime-local inputs stop at the minute: "now" as typed is up to a minute in the past
TYPED_NOW_SLACK = timedelta(minutes=1)


def taken_part(rnd: Round) -> bool:
    """Whether anyone has taken part in the round: a submission, a quiz attempt, a product."""
    if rnd.kind == "programming":
        return bool(db.session.scalar(select(exists().where(Submission.problem_id == Problem.id,
                                                            Problem.round_id == rnd.id))))
    if rnd.kind == "quiz":
        from .quiz import started
        return rnd.quiz_exam_id is not None and started(rnd)
    from .jury.models import CreativeProduct
    return bool(db.session.scalar(select(exists().where(CreativeProduct.round_id == rnd.id))))


def _snapshot(rnd: Round) -> dict:
    return {"title": rnd.title, "starts_at": clock.as_utc(rnd.starts_at).isoformat(),
            "ends_at": clock.as_utc(rnd.ends_at).isoformat(), "scoring": rnd.scoring,
            "languages": list(rnd.languages or []), "show_hidden_tests": rnd.show_hidden_tests,
            "subtask_max": rnd.subtask_max, "freeze_minutes": rnd.freeze_minutes}


def edit_round(actor: Actor, rnd: Round, *, title: str, starts_at, ends_at, scoring: str, languages,
               show_hidden_tests: bool, subtask_max: bool, freeze_minutes: int) -> Round:
    """Change the round as the module's docstring allows; ContestError with the reason otherwise
    (nothing is changed)."""
    rnd = managed_round_for(actor, rnd.id)
    title, languages, starts_at, ends_at = checked_round_settings(
        rnd.kind, title=title, scoring=scoring, languages=languages, freeze_minutes=freeze_minutes,
        starts_at=starts_at, ends_at=ends_at)
    now = clock.now()
    old_start, old_end = clock.as_utc(rnd.starts_at), clock.as_utc(rnd.ends_at)
    if starts_at != old_start and old_start <= now:
        raise ContestError(_("Vòng thi đã bắt đầu: không đổi được giờ bắt đầu (thời gian của các bài nộp tính từ "
                             "đó). Có thể đổi giờ kết thúc."))
    if ends_at != old_end and ends_at < now - TYPED_NOW_SLACK:
        raise ContestError(_("Giờ kết thúc mới đã qua. Muốn dừng vòng thi ngay, hãy đặt giờ kết thúc là bây giờ."))
    if (scoring != rnd.scoring or bool(subtask_max) != bool(rnd.subtask_max)) and taken_part(rnd):
        raise ContestError(_("Đã có thí sinh tham gia vòng thi: không đổi được cách tính điểm."))
    before = _snapshot(rnd)
    window_moved = (starts_at, ends_at) != (old_start, old_end)
    rnd.title, rnd.starts_at, rnd.ends_at, rnd.scoring = title, starts_at, ends_at, scoring
    rnd.languages = languages if rnd.kind == "programming" else list(rnd.languages or [])
    rnd.show_hidden_tests, rnd.subtask_max, rnd.freeze_minutes = bool(show_hidden_tests), bool(subtask_max), freeze_minutes
    after = _snapshot(rnd)
    if after == before:
        return rnd
    moved = 0
    if rnd.kind == "quiz" and rnd.quiz_exam_id is not None and window_moved:
        from exams import services as exams
        moved = exams.set_quiz_window(rnd.quiz_exam_id, starts_at, ends_at)
    db.session.flush()
    board.recompute_round(rnd)          # the freeze and the ICPC minutes read the window and the rules
    board.touch(rnd.id)
    audit(actor, "contest.round.edit", "contest_round", rnd.id, before=before,
          after={**after, "quiz_deadlines_moved": moved} if moved else after)
    db.session.commit()
    return rnd


__all__ = ["edit_round", "taken_part"]
