"""Assignment by job position: rules (position × subtree → track, due date) and manual enrolment.

Rules are applied set-wise (one INSERT … SELECT per rule) when a rule is created and whenever the
orgs package announces that staff were imported or edited (`tinhoc.orgs.signals.staff_changed`), so
orgs never imports training. Removing a rule keeps every assignment and all progress.
"""
from __future__ import annotations

from datetime import date

from flask_babel import gettext as _
from sqlalchemy import Date, and_, exists, insert, literal, select, update

from tinhoc import clock
from tinhoc.access import Actor
from tinhoc.audit import record as audit
from tinhoc.db_types import UTCDateTime
from tinhoc.extensions import db
from tinhoc.orgs.models import JobPosition, Organisation, Person
from tinhoc.orgs.services import NotFound as OrgNotFound, organisation_for
from tinhoc.orgs.staff import person_for

from .models import AssignmentRule, Track, TrackAssignment, TrackCompletion
from .services import NotFound, TrainingError

RULE_ROLES = ("organiser",)
CHUNK = 500


def list_tracks() -> list[Track]:
    return list(db.session.scalars(select(Track).order_by(Track.id)))


def track_by_id(track_id: int | None) -> Track:
    track = db.session.get(Track, track_id) if track_id else None
    if track is None:
        raise NotFound(_("Không tìm thấy lộ trình."))
    return track


def rules_query(actor: Actor):
    """The rules whose subtree lies in the actor's scope (province-wide rules: province-wide actors)."""
    query = select(AssignmentRule).outerjoin(Organisation, Organisation.id == AssignmentRule.organisation_id)
    if not actor.province_wide(*RULE_ROLES):
        query = query.where(AssignmentRule.organisation_id.is_not(None), actor.scope_clause(*RULE_ROLES))
    return query.order_by(AssignmentRule.track_id, AssignmentRule.position_id, AssignmentRule.id)


def list_rules(actor: Actor) -> list[AssignmentRule]:
    return list(db.session.scalars(rules_query(actor)))


def rule_for(actor: Actor, rule_id: int) -> AssignmentRule:
    rule = db.session.scalar(rules_query(actor).where(AssignmentRule.id == rule_id))
    if rule is None:
        raise NotFound(_("Không tìm thấy quy tắc giao."))
    return rule


def _rule_unit(actor: Actor, organisation_id: int | None) -> Organisation | None:
    if organisation_id is None:
        if not actor.province_wide(*RULE_ROLES):
            raise TrainingError(_("Hãy chọn một đơn vị trong phạm vi bạn quản lý."))
        return None
    try:
        return organisation_for(actor, organisation_id, RULE_ROLES)
    except OrgNotFound:
        raise NotFound(_("Không tìm thấy đơn vị.")) from None


def create_rule(actor: Actor, *, position_id: int, organisation_id: int | None, track_id: int,
                due_date: date | None) -> AssignmentRule:
    unit = _rule_unit(actor, organisation_id)
    track = track_by_id(track_id)
    if db.session.get(JobPosition, position_id) is None:
        raise NotFound(_("Không tìm thấy vị trí việc làm."))
    rule = AssignmentRule(position_id=position_id, organisation_id=unit.id if unit else None, track_id=track.id,
                          due_date=due_date, created_at=clock.now())
    db.session.add(rule)
    db.session.flush()
    audit(actor, "training.rule.create", "assignment_rule", rule.id,
          after={"position_id": position_id, "organisation_id": rule.organisation_id, "track": track.code,
                 "due_date": due_date.isoformat() if due_date else None})
    _apply(rule)
    db.session.commit()
    return rule


def update_rule(actor: Actor, rule_id: int, *, due_date: date | None) -> AssignmentRule:
    """A new due date: moved on the assignments the rule made that are not completed yet, and the
    rule is applied again (anyone it matches now and lacks the track gets it)."""
    rule = rule_for(actor, rule_id)
    before = rule.due_date.isoformat() if rule.due_date else None
    rule.due_date = due_date
    db.session.execute(update(TrackAssignment).where(TrackAssignment.rule_id == rule.id,
                                                     TrackAssignment.completed_at.is_(None))
                       .values(due_date=due_date).execution_options(synchronize_session=False))
    audit(actor, "training.rule.update", "assignment_rule", rule.id, before={"due_date": before},
          after={"due_date": due_date.isoformat() if due_date else None})
    _apply(rule)
    db.session.commit()
    return rule


def delete_rule(actor: Actor, rule_id: int) -> None:
    """The rule goes; the assignments it made stay (with their progress), no longer tied to it."""
    rule = rule_for(actor, rule_id)
    db.session.execute(update(TrackAssignment).where(TrackAssignment.rule_id == rule.id).values(rule_id=None)
                       .execution_options(synchronize_session=False))
    audit(actor, "training.rule.delete", "assignment_rule", rule.id,
          before={"position_id": rule.position_id, "organisation_id": rule.organisation_id,
                  "track_id": rule.track_id})
    db.session.delete(rule)
    db.session.commit()


def _apply(rule: AssignmentRule, person_ids: list[int] | None = None) -> int:
    """Assign the rule's track to every current person it matches who does not have it yet."""
    now = clock.now()
    chosen = (select(literal(rule.track_id), Person.id, literal(rule.id), literal(rule.due_date, type_=Date()),
                     literal(now, type_=UTCDateTime()))
              .where(Person.position_id == rule.position_id, Person.left_at.is_(None),
                     ~exists().where(TrackAssignment.track_id == rule.track_id,
                                     TrackAssignment.person_id == Person.id)))
    if rule.organisation_id is not None:
        path = db.session.scalar(select(Organisation.path).where(Organisation.id == rule.organisation_id))
        chosen = chosen.join(Organisation, Organisation.id == Person.organisation_id).where(
            Organisation.subtree_clause(path))
    if person_ids is not None:
        chosen = chosen.where(Person.id.in_(person_ids))
    result = db.session.execute(insert(TrackAssignment).from_select(
        ["track_id", "person_id", "rule_id", "due_date", "assigned_at"], chosen))
    _close_already_completed(rule.track_id, person_ids)
    return result.rowcount or 0


def _close_already_completed(track_id: int, person_ids: list[int] | None) -> None:
    """Someone who completed the track before it was assigned to them is done already."""
    done = (select(TrackCompletion.completed_at).where(TrackCompletion.track_id == TrackAssignment.track_id,
                                                       TrackCompletion.person_id == TrackAssignment.person_id)
            .scalar_subquery())
    query = update(TrackAssignment).where(
        TrackAssignment.track_id == track_id, TrackAssignment.completed_at.is_(None),
        exists().where(and_(TrackCompletion.track_id == TrackAssignment.track_id,
                            TrackCompletion.person_id == TrackAssignment.person_id)))
    if person_ids is not None:
        query = query.where(TrackAssignment.person_id.in_(person_ids))
    db.session.execute(query.values(completed_at=done, started_at=done).execution_options(synchronize_session=False))


def apply_rules(person_ids: list[int] | None = None) -> int:
    """Apply every rule (to these people only, when given); the caller commits."""
    rules = list(db.session.scalars(select(AssignmentRule).order_by(AssignmentRule.id)))
    added = 0
    if person_ids is None:
        for rule in rules:
            added += _apply(rule)
        return added
    for start in range(0, len(person_ids), CHUNK):
        chunk = person_ids[start:start + CHUNK]
        for rule in rules:
            added += _apply(rule, chunk)
    return added


def on_staff_changed(sender=None, *, person_ids=None, employee_codes=None, **_extra) -> None:
    """Receiver of orgs' `staff_changed`: people were imported, or changed position or unit."""
    ids = list(person_ids or [])
    codes = list(employee_codes or [])
    for start in range(0, len(codes), CHUNK):
        ids.extend(db.session.scalars(select(Person.id).where(Person.employee_code.in_(codes[start:start + CHUNK]))))
    if ids:
        apply_rules(sorted(set(ids)))
        db.session.commit()


def assign_track(actor: Actor, *, person_id: int, track_id: int, due_date: date | None) -> TrackAssignment:
    """An organiser assigns a track to one person of their scope by hand."""
    try:
        person = person_for(actor, person_id)
    except OrgNotFound:
        raise NotFound(_("Không tìm thấy cán bộ.")) from None
    track = track_by_id(track_id)
    assignment = db.session.scalar(select(TrackAssignment).where(TrackAssignment.track_id == track.id,
                                                                 TrackAssignment.person_id == person.id))
    if assignment is None:
        assignment = TrackAssignment(track_id=track.id, person_id=person.id, due_date=due_date,
                                     assigned_at=clock.now())
        db.session.add(assignment)
    elif due_date is not None:
        assignment.due_date = due_date
    db.session.flush()
    _close_already_completed(track.id, [person.id])
    audit(actor, "training.assign", "track_assignment", assignment.id,
          after={"person_id": person.id, "track": track.code, "due_date": due_date.isoformat() if due_date else None})
    db.session.commit()
    return assignment


def assign_by_code(actor: Actor, *, employee_code: str, track_id: int, due_date: date | None) -> TrackAssignment:
    person_id = db.session.scalar(select(Person.id).where(Person.employee_code == (employee_code or "").strip()))
    if person_id is None:
        raise NotFound(_("Không tìm thấy cán bộ."))
    return assign_track(actor, person_id=person_id, track_id=track_id, due_date=due_date)
