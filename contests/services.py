"""Contests, divisions and rounds, and who may see them: one access function per object kind.

Organisers (and admins) manage a contest when its unit lies in their scope (a province-level
contest, organisation None, only by province-wide organisers). A contestant reaches the rounds of
their approved entries; what a contestant may not see does not exist for them (404).
"""
from __future__ import annotations

from flask_babel import gettext as _
from sqlalchemy import exists, or_, select, true

from tinhoc import clock, text
from tinhoc.access import Actor
from tinhoc.audit import record as audit
from tinhoc.extensions import db
from tinhoc.orgs.models import Organisation

from .models import (LEVELS, ROUND_KINDS, SCORINGS, SCHOOL_LEVELS, Contest, Division, Entry, EntryMember,
                     Problem, Round, Submission)

MANAGE_ROLES = ("organiser",)


class ContestError(Exception):
    """A refusal the user can act on; str() is the message shown."""


class NotFound(LookupError):
    """What the actor may not see (or what does not exist): a 404."""


def manage_clause(actor: Actor):
    """SQL: the contest (joined with its optional Organisation) lies in the actor's organiser scope."""
    if not actor.may(*MANAGE_ROLES):
        return Contest.id.is_(None) & Contest.id.is_not(None)
    if actor.province_wide(*MANAGE_ROLES):
        return true()
    return actor.scope_clause(*MANAGE_ROLES)


def _managed(stmt, actor: Actor):
    return stmt.outerjoin(Organisation, Organisation.id == Contest.organisation_id).where(manage_clause(actor))


def may_manage(actor: Actor, contest: Contest) -> bool:
    if not actor.may(*MANAGE_ROLES):
        return False
    if contest.organisation is None:
        return actor.province_wide(*MANAGE_ROLES)
    return actor.covers(contest.organisation.path, *MANAGE_ROLES)


def member_clause(actor: Actor):
    """SQL: the Entry (in the query) has the actor among its members."""
    return exists().where(EntryMember.entry_id == Entry.id, EntryMember.user_id == actor.user_id)


def contest_for(actor: Actor, contest_id: int) -> Contest:
    """Any logged-in user sees a contest's name, divisions and (public) board."""
    contest = db.session.get(Contest, contest_id)
    if contest is None:
        raise NotFound(contest_id)
    return contest


def managed_contest_for(actor: Actor, contest_id: int) -> Contest:
    contest = db.session.scalar(_managed(select(Contest), actor).where(Contest.id == contest_id))
    if contest is None:
        raise NotFound(contest_id)
    return contest


def managed_round_for(actor: Actor, round_id: int) -> Round:
    rnd = db.session.scalar(_managed(select(Round).join(Division).join(Contest), actor).where(Round.id == round_id))
    if rnd is None:
        raise NotFound(round_id)
    return rnd


def managed_problem_for(actor: Actor, problem_id: int) -> Problem:
    problem = db.session.scalar(_managed(select(Problem).join(Round).join(Division).join(Contest), actor)
                                .where(Problem.id == problem_id))
    if problem is None:
        raise NotFound(problem_id)
    return problem


def entry_in_round(actor: Actor, rnd: Round) -> Entry | None:
    """The actor's approved entry in the round's division, if any."""
    return db.session.scalar(select(Entry).where(Entry.division_id == rnd.division_id, Entry.status == "approved",
                                                 member_clause(actor)))


def round_for(actor: Actor, round_id: int) -> tuple[Round, Entry | None, bool]:
    """The round for its managers (any time) or for a member of an approved entry; returns
    (round, the actor's entry or None, whether the actor manages it)."""
    rnd = db.session.get(Round, round_id)
    if rnd is None:
        raise NotFound(round_id)
    manager = may_manage(actor, rnd.division.contest)
    entry = entry_in_round(actor, rnd) if actor.user_id is not None else None
    if not manager and entry is None:
        raise NotFound(round_id)
    return rnd, entry, manager


def problem_for(actor: Actor, problem_id: int) -> tuple[Problem, Entry | None, bool]:
    """A problem's statement: its managers always, an entrant once the round has started."""
    problem = db.session.get(Problem, problem_id)
    if problem is None:
        raise NotFound(problem_id)
    rnd, entry, manager = round_for(actor, problem.round_id)
    if not manager and clock.now() < clock.as_utc(rnd.starts_at):
        raise NotFound(problem_id)
    return problem, entry, manager


def submission_for(actor: Actor, submission_id: int) -> tuple[Submission, bool]:
    """The submission for a member of its entry or a manager of its contest; (submission, manager)."""
    if actor.user_id is None:
        raise NotFound(submission_id)
    sub = db.session.scalar(
        select(Submission).join(Entry, Entry.id == Submission.entry_id)
        .join(Division, Division.id == Entry.division_id).join(Contest, Contest.id == Division.contest_id)
        .outerjoin(Organisation, Organisation.id == Contest.organisation_id)
        .where(Submission.id == submission_id, or_(member_clause(actor), manage_clause(actor))))
    if sub is None:
        raise NotFound(submission_id)
    return sub, may_manage(actor, sub.entry.division.contest)


def list_contests(actor: Actor) -> list[Contest]:
    """Contests the actor manages or has an entry in (a school's teacher sees every contest to register for)."""
    if actor.has_role("teacher"):
        return list(db.session.scalars(select(Contest).order_by(Contest.year.desc(), Contest.id.desc())))
    managed = _managed(select(Contest.id), actor)
    entered = (select(Division.contest_id).join(Entry, Entry.division_id == Division.id)
               .where(member_clause(actor)))
    return list(db.session.scalars(select(Contest).where(or_(Contest.id.in_(managed), Contest.id.in_(entered)))
                                   .order_by(Contest.year.desc(), Contest.id.desc())))


def create_contest(actor: Actor, *, year: int, level: str, title: str, organisation_id: int | None) -> Contest:
    if level not in LEVELS:
        raise ContestError(_("Cấp hội thi không hợp lệ."))
    contest = Contest(year=year, level=level, title=title, organisation_id=organisation_id)
    if not may_manage(actor, _with_org(contest)):
        raise ContestError(_("Đơn vị này ngoài phạm vi của bạn."))
    db.session.add(contest)
    db.session.flush()
    audit(actor, "contest.create", "contest", contest.id, after={"title": title, "year": year, "level": level})
    db.session.commit()
    return contest


def _with_org(contest: Contest) -> Contest:
    if contest.organisation_id is not None and contest.organisation is None:
        contest.organisation = db.session.get(Organisation, contest.organisation_id)
    return contest


def add_division(actor: Actor, contest: Contest, *, code: str, name: str, school_levels: list[str],
                 min_grade: int, max_grade: int, team_entry: bool = False, max_team_size: int = 1) -> Division:
    if not may_manage(actor, contest):
        raise NotFound(contest.id)
    if any(level not in SCHOOL_LEVELS for level in school_levels):
        raise ContestError(_("Cấp học không hợp lệ."))
    division = Division(contest=contest, code=code, name=name, school_levels=list(school_levels),
                        min_grade=min_grade, max_grade=max_grade, team_entry=team_entry,
                        max_team_size=max_team_size if team_entry else 1)
    db.session.add(division)
    db.session.flush()
    audit(actor, "contest.division.create", "contest_division", division.id, after={"code": code})
    db.session.commit()
    return division


def checked_round_settings(kind: str, *, title: str, scoring: str, languages, freeze_minutes, starts_at, ends_at):
    """(title, languages, starts_at, ends_at) cleaned, for a round made or edited (rounds.py); raises
    ContestError with the reason for a value no round may have."""
    from .judging import LANGUAGE_LABELS
    title = text.clean(title or "")
    if not title or len(title) > 255:
        raise ContestError(_("Tên vòng thi không được để trống (tối đa 255 ký tự)."))
    if kind not in ROUND_KINDS or scoring not in SCORINGS:
        raise ContestError(_("Loại vòng thi hoặc cách tính điểm không hợp lệ."))
    languages = list(dict.fromkeys(languages or []))
    if kind == "programming" and (not languages or any(lang not in LANGUAGE_LABELS for lang in languages)):
        raise ContestError(_("Hãy chọn ít nhất một ngôn ngữ lập trình."))
    if not isinstance(freeze_minutes, int) or not 0 <= freeze_minutes <= 600:
        raise ContestError(_("Thời gian đóng băng bảng điểm phải từ 0 đến 600 phút."))
    starts_at, ends_at = clock.as_utc(starts_at), clock.as_utc(ends_at)
    if ends_at <= starts_at:
        raise ContestError(_("Vòng thi phải kết thúc sau khi bắt đầu."))
    return title, languages, starts_at, ends_at


def add_round(actor: Actor, division: Division, *, title: str, starts_at, ends_at, kind: str = "programming",
              scoring: str = "ioi", languages=("cpp17", "python3", "pascal"), show_hidden_tests: bool = False,
              subtask_max: bool = False, freeze_minutes: int = 0) -> Round:
    if not may_manage(actor, division.contest):
        raise NotFound(division.id)
    title, languages, starts_at, ends_at = checked_round_settings(
        kind, title=title, scoring=scoring, languages=languages, freeze_minutes=freeze_minutes,
        starts_at=starts_at, ends_at=ends_at)
    rnd = Round(division=division, title=title, starts_at=starts_at, ends_at=ends_at, kind=kind, scoring=scoring,
                languages=languages, show_hidden_tests=show_hidden_tests, subtask_max=subtask_max,
                freeze_minutes=freeze_minutes)
    db.session.add(rnd)
    db.session.flush()
    audit(actor, "contest.round.create", "contest_round", rnd.id, after={"title": title, "scoring": scoring})
    db.session.commit()
    return rnd


def my_entries(actor: Actor, contest: Contest) -> list[Entry]:
    """The actor's entries in the contest (as a member)."""
    if actor.user_id is None:
        return []
    return list(db.session.scalars(select(Entry).join(Division, Division.id == Entry.division_id)
                                   .where(Division.contest_id == contest.id, member_clause(actor))))


def round_submissions(rnd: Round, entry: Entry | None, limit: int = 200) -> list[Submission]:
    """Newest first: the entry's own (a contestant) or all of the round's (its managers: entry None)."""
    stmt = (select(Submission).join(Problem, Problem.id == Submission.problem_id).where(Problem.round_id == rnd.id)
            .order_by(Submission.id.desc()).limit(limit))
    if entry is not None:
        stmt = stmt.where(Submission.entry_id == entry.id)
    return list(db.session.scalars(stmt))


def organiser_units(actor: Actor) -> list[Organisation]:
    """Units a contest may belong to for this actor: provinces and districts in their organiser scope."""
    return list(db.session.scalars(select(Organisation).where(Organisation.kind.in_(("province", "district", "school")),
                                                              actor.scope_clause(*MANAGE_ROLES),
                                                              Organisation.archived_at.is_(None))
                                   .order_by(Organisation.path)))


def create_contest_with_divisions(actor: Actor, *, year: int, level: str, title: str, organisation_id: int | None,
                                  national: bool) -> Contest:
    """A contest, with the national divisions when asked (the structure of DOMAIN: A … D3)."""
    from .demo import DIVISIONS
    if organisation_id is None and not actor.province_wide(*MANAGE_ROLES):
        raise ContestError(_("Đơn vị này ngoài phạm vi của bạn."))
    contest = create_contest(actor, year=year, level=level, title=title, organisation_id=organisation_id)
    if national:
        for code, name, levels, (lo, hi), team, _kind in DIVISIONS:
            add_division(actor, contest, code=code, name=name, school_levels=levels, min_grade=lo, max_grade=hi,
                         team_entry=team > 1, max_team_size=team)
    return contest
