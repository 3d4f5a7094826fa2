"""Quiz rounds (division A's multiple-choice theory part, or any division's): the round runs a quiz
of the exam engine, used only through exams.services (create_quiz, start_quiz, quiz_results). The
quiz is open exactly during the round's window and an attempt never runs past the round's end; each
contestant has one attempt; an entry's score is its best member's points."""
from __future__ import annotations

from dataclasses import dataclass

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from exams import services as exams
from tinhoc import clock
from tinhoc.access import Actor
from tinhoc.audit import record as audit
from tinhoc.extensions import db

from .awards import sources as award_sources
from .models import Entry, EntryMember, Round
from .services import ContestError, NotFound, may_manage

MAX_QUESTIONS = 200


@dataclass(frozen=True)
class QuizLine:
    entry: Entry
    points: float | None
    max_points: float | None
    finished_at: object | None


def bank_categories(actor: Actor) -> list[tuple[int, str]]:
    """The question bank's categories for the set-up form (indented by depth, with their counts)."""
    return [(c.id, "— " * (c.path.count("/") - 2) + f"{c.name} ({n})")
            for c, n in exams.category_tree(actor)]


def set_up(actor: Actor, rnd: Round, *, category_id: int, count: int, duration_minutes: int,
           difficulty: int | None = None, max_points: float = 10.0) -> Round:
    """Give a quiz round its quiz (questions drawn per contestant from a bank category). Refused once a
    contestant has started it, or when the bank cannot supply the questions (the reason is given)."""
    if not may_manage(actor, rnd.division.contest):
        raise NotFound(rnd.id)
    if rnd.kind != "quiz":
        raise ContestError(_("Chỉ vòng thi trắc nghiệm mới có bài trắc nghiệm."))
    if rnd.quiz_exam_id is not None and started(rnd):
        raise ContestError(_("Đã có thí sinh làm bài: không thể đổi bài trắc nghiệm của vòng này."))
    if not (isinstance(count, int) and 1 <= count <= MAX_QUESTIONS) or not (
            isinstance(duration_minutes, int) and 1 <= duration_minutes <= 600):
        raise ContestError(_("Số câu phải từ 1 đến %(n)d và thời gian từ 1 đến 600 phút.", n=MAX_QUESTIONS))
    contest = rnd.division.contest
    try:
        exam = exams.create_quiz(actor, title=f"{contest.title} · {rnd.division.code} · {rnd.title}",
                                 owner_ref=f"contest_round:{rnd.id}", category_id=category_id, count=count,
                                 difficulty=difficulty, duration_minutes=duration_minutes, attempts_allowed=1,
                                 max_points=max_points, organisation_id=contest.organisation_id,
                                 opens_at=clock.as_utc(rnd.starts_at), closes_at=clock.as_utc(rnd.ends_at))
    except exams.NotFound:
        raise ContestError(_("Không tìm thấy danh mục câu hỏi này.")) from None
    except exams.BankError as exc:
        raise ContestError(str(exc)) from None
    before = rnd.quiz_exam_id
    rnd.quiz_exam_id = exam.id
    audit(actor, "contest.round.quiz", "contest_round", rnd.id, before={"exam": before},
          after={"exam": exam.id, "category": category_id, "count": count, "minutes": duration_minutes})
    db.session.commit()
    return rnd


def started(rnd: Round) -> bool:
    members = db.session.scalars(select(EntryMember.user_id).join(Entry, Entry.id == EntryMember.entry_id)
                                 .where(Entry.division_id == rnd.division_id)).all()
    return bool(members) and exams.quiz_attempt_count(rnd.quiz_exam_id, members) > 0


def start(actor: Actor, rnd: Round, entry: Entry | None):
    """The contestant's attempt (started, or resumed); ContestError with the reason otherwise."""
    if entry is None:     # a manager of the contest (round_for has hidden the round from anyone else)
        raise ContestError(_("Chỉ thí sinh của bảng thi mới làm bài trắc nghiệm."))
    if rnd.quiz_exam_id is None:
        raise ContestError(_("Vòng thi chưa có bài trắc nghiệm."))
    if not rnd.is_open():
        raise ContestError(_("Vòng thi không mở: không làm bài được."))
    try:
        return exams.start_quiz(actor.user_id, rnd.quiz_exam_id)
    except exams.BankError as exc:
        raise ContestError(str(exc)) from None


def my_result(actor: Actor, rnd: Round):
    if rnd.quiz_exam_id is None or actor.user_id is None:
        return None
    return exams.quiz_result(actor.user_id, rnd.quiz_exam_id)


def results(rnd: Round) -> list[QuizLine]:
    """Every approved entry of the division with its best member's finished attempt, best first."""
    entries = list(db.session.scalars(select(Entry).options(selectinload(Entry.members))
                                      .where(Entry.division_id == rnd.division_id, Entry.status == "approved")
                                      .order_by(Entry.id)))
    found = exams.quiz_results(rnd.quiz_exam_id, [m.user_id for e in entries for m in e.members]) \
        if rnd.quiz_exam_id is not None else {}
    lines = []
    for entry in entries:
        mine = [found[m.user_id] for m in entry.members if m.user_id in found]
        best = max(mine, key=lambda r: r.points or 0.0, default=None)
        lines.append(QuizLine(entry, best.points if best else None, best.max_points if best else None,
                              best.finished_at if best else None))
    return sorted(lines, key=lambda line: (line.points is None, -(line.points or 0.0), line.entry.id))


def scores(rnd: Round) -> dict[int, float]:
    """{entry id: points} of the entries with a finished attempt (for totals and awards)."""
    return {line.entry.id: line.points for line in results(rnd) if line.points is not None}


def boards(contest_id: int, live: bool) -> list[dict]:
    """The contest's quiz rounds for the scoreboard page: each entry that finished the quiz, ranked by
    its best member's points (equal points share a rank). The jury sees them at any time; everyone
    else once the round is over (until then the table would only rank those who finished early)."""
    from .models import Division
    now = clock.now()
    rounds = db.session.scalars(select(Round).join(Division, Division.id == Round.division_id)
                                .where(Division.contest_id == contest_id, Round.kind == "quiz",
                                       Round.quiz_exam_id.is_not(None))
                                .order_by(Division.code, Round.starts_at, Round.id))
    out = []
    for rnd in rounds:
        if not live and now < clock.as_utc(rnd.ends_at):
            continue
        rows, rank, previous = [], 0, None
        for i, line in enumerate(line for line in results(rnd) if line.points is not None):
            if line.points != previous:
                rank, previous = i + 1, line.points
            rows.append({"rank": rank, "name": line.entry.name,
                         "school": line.entry.school.name if line.entry.school else "",
                         "points": round(line.points, 2), "max_points": round(line.max_points or 0, 2)})
        out.append({"division": rnd.division.code, "division_name": rnd.division.name, "round": rnd.title,
                    "running": now < clock.as_utc(rnd.ends_at), "rows": rows})
    return out


@award_sources.register("quiz")
def award_scores(rnd: Round) -> dict[int, tuple[float, int]]:
    """A quiz round's part of a division's total for the awards: the entry's points, no penalty."""
    return {entry_id: (points, 0) for entry_id, points in scores(rnd).items()}
