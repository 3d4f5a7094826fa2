"""Registration: a school's teacher in charge (role `teacher` granted over the school) registers its
pupils, alone or as teams, with each pupil's grade checked against the division; an organiser
approves; every pupil gets a contestant account (login slips: slips.py)."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from flask_babel import gettext as _
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from tinhoc import clock, text
from tinhoc.access import Actor
from tinhoc.accounts.models import RoleGrant, User
from tinhoc.accounts.services import ensure_roles, unusable_password_hash
from tinhoc.audit import record as audit
from tinhoc.extensions import db
from tinhoc.orgs.models import Organisation

from . import board
from .models import Contest, Division, Entry, EntryMember, Round
from .services import ContestError, NotFound, manage_clause, may_manage

TEACHER_ROLES = ("teacher",)
LEVEL_RANK = {"primary": 1, "lower": 2, "upper": 3, "upper_specialist": 3}
LEVEL_LABELS = {"primary": "Tiểu học", "lower": "THCS", "upper": "THPT", "upper_specialist": "THPT chuyên"}


@dataclass
class Pupil:
    full_name: str
    grade: int
    school_level: str
    date_of_birth: date | None = None


def eligibility_error(division: Division, pupil: Pupil) -> str | None:
    """Why the pupil may not enter the division (None: eligible). A pupil may enter above their level
    (a grade-5 pupil in the lower-secondary division); a level the division leaves out at the same
    rank is refused (specialist-class pupils may not enter C2)."""
    levels = division.school_levels or []
    if pupil.school_level not in LEVEL_RANK:
        return _("Cấp học không hợp lệ.")
    if pupil.grade > division.max_grade:
        return _("Lớp %(g)s cao hơn quy định của bảng %(d)s (đến lớp %(m)s).", g=pupil.grade, d=division.code,
                 m=division.max_grade)
    if pupil.school_level in levels and pupil.grade >= division.min_grade:
        return None
    lowest = min((LEVEL_RANK[lv] for lv in levels), default=0)
    if LEVEL_RANK[pupil.school_level] < lowest:
        return None   # registering above one's level is allowed
    return _("%(n)s (lớp %(g)s, %(l)s) không thuộc đối tượng của bảng %(d)s.", n=pupil.full_name, g=pupil.grade,
             l=LEVEL_LABELS[pupil.school_level], d=division.code)


def teacher_schools(actor: Actor) -> list[Organisation]:
    """The schools the actor may register pupils for (teacher grants; organisers and admins their scope)."""
    clause = actor.scope_clause(*TEACHER_ROLES, "organiser")
    return list(db.session.scalars(select(Organisation).where(Organisation.kind == "school", clause,
                                                              Organisation.archived_at.is_(None))
                                   .order_by(Organisation.name)))


def _username(contest: Contest, division: Division) -> str:
    prefix = f"ts{contest.year % 100:02d}{text.fold(division.code).replace(' ', '')}"
    n = db.session.scalar(select(func.count(User.id)).where(User.username.like(f"{prefix}%"))) or 0
    while True:
        n += 1
        name = f"{prefix}{n:04d}"
        if db.session.scalar(select(User.id).where(User.username_key == text.code_key(name))) is None:
            return name


USERNAME_TRIES = 20


def add_contestant_user(contest: Contest, division: Division, student_role, **fields) -> User:
    """A new student account with the next free generated username (ts26b0007), flushed.

    Two registrations in the same division at the same moment (two teachers, an import and a free
    candidate) pick the same free name; the second one's INSERT then breaks the unique index. It runs
    in a savepoint, so that clash only rolls back the savepoint and the next free name is tried."""
    for _try in range(USERNAME_TRIES):
        user = User(username=_username(contest, division), grants=[RoleGrant(role=student_role)], **fields)
        try:
            with db.session.begin_nested():
                db.session.add(user)
        except IntegrityError:
            continue
        return user
    raise ContestError(_("Không tạo được tài khoản thí sinh lúc này; hãy thử lại."))


def register(actor: Actor, contest: Contest, *, division_id: int, school_id: int, pupils: list[Pupil],
             team_name: str = "", commit: bool = True) -> Entry:
    """One entry (pending) with a contestant account per pupil, all in one transaction (the caller's
    when commit is False: the contestant import writes a whole file in one). Outside the contest's
    registration window only its organisers may register."""
    from .registration_window import check as check_window
    check_window(actor, contest)
    division = db.session.get(Division, division_id)
    if division is None or division.contest_id != contest.id:
        raise ContestError(_("Hãy chọn bảng thi."))
    school = next((s for s in teacher_schools(actor) if s.id == school_id), None)
    if school is None:
        raise ContestError(_("Bạn không phụ trách trường này."))
    if contest.organisation is not None and not school.path.startswith(contest.organisation.path):
        raise ContestError(_("Trường này không thuộc phạm vi của hội thi."))   # another district's round
    pupils = [p for p in pupils if p.full_name]
    most = division.max_team_size if division.team_entry else 1
    if not 1 <= len(pupils) <= most:
        raise ContestError(_("Bảng %(d)s nhận từ 1 đến %(n)s thí sinh mỗi bài dự thi.", d=division.code, n=most))
    errors = [e for e in (eligibility_error(division, p) for p in pupils) if e]
    if errors:
        raise ContestError(" ".join(errors))
    student = ensure_roles()["student"]
    name = text.clean(team_name) if division.team_entry and team_name else " – ".join(p.full_name for p in pupils)
    entry = Entry(division_id=division.id, name=name[:255], school_id=school.id, teacher_id=actor.user_id,
                  status="pending")
    for p in pupils:
        user = add_contestant_user(contest, division, student, full_name=p.full_name,
                                   password_hash=unusable_password_hash(),
                                   must_change_password=False)
        entry.members.append(EntryMember(user_id=user.id, full_name=p.full_name, grade=p.grade,
                                         school_level=p.school_level, date_of_birth=p.date_of_birth))
    db.session.add(entry)
    db.session.flush()
    audit(actor, "contest.entry.register", "contest_entry", entry.id,
          after={"division": division.code, "school": school.code, "members": [p.full_name for p in pupils]})
    if commit:
        db.session.commit()
    return entry


def _entries_stmt(actor: Actor, contest: Contest):
    """Entries the actor sees: all of a contest they manage, else their schools' (teacher scope)."""
    stmt = (select(Entry).join(Division, Division.id == Entry.division_id)
            .outerjoin(Organisation, Organisation.id == Entry.school_id).where(Division.contest_id == contest.id))
    if may_manage(actor, contest):
        return stmt
    return stmt.where(actor.scope_clause(*TEACHER_ROLES))


def list_entries(actor: Actor, contest: Contest) -> list[Entry]:
    from sqlalchemy.orm import selectinload
    entries = list(db.session.scalars(_entries_stmt(actor, contest).options(selectinload(Entry.members))))
    return sorted(entries, key=lambda e: (e.division.code, text.sort_key(e.school.name if e.school else ""),
                                          text.sort_key(e.name)))


def entry_for_manager(actor: Actor, entry_id: int) -> Entry:
    entry = db.session.scalar(select(Entry).join(Division, Division.id == Entry.division_id)
                              .join(Contest, Contest.id == Division.contest_id)
                              .outerjoin(Organisation, Organisation.id == Contest.organisation_id)
                              .where(Entry.id == entry_id, manage_clause(actor)))
    if entry is None:
        raise NotFound(entry_id)
    return entry


def approve(actor: Actor, entry_id: int) -> Entry:
    entry = entry_for_manager(actor, entry_id)
    if entry.status != "approved":
        entry.status = "approved"
        entry.approved_at = clock.now()
        board.touch(*db.session.scalars(select(Round.id).where(Round.division_id == entry.division_id)))
        audit(actor, "contest.entry.approve", "contest_entry", entry.id)
        db.session.commit()
    return entry


__all__ = ["Pupil", "approve", "eligibility_error", "list_entries", "register", "teacher_schools"]
