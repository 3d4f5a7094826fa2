"""The organiser's side of a creative round's jury: settings (margin, chair, closing time), the
rubric (editable until the first score), juror assignments (automatic and balanced, or by hand).

Jurors are users holding the `grader` role ("Giám khảo") over the whole province or over a unit
above or inside the contest's unit. Every function takes the round the caller reached through
`contests.services.managed_round_for` (scope checked there) or checks it itself.
"""
from __future__ import annotations

import math
from datetime import datetime

from flask_babel import gettext as _
from sqlalchemy import delete, exists, func, select
from sqlalchemy.exc import IntegrityError

from tinhoc import clock, text
from tinhoc.access import Actor
from tinhoc.accounts.models import Role, RoleGrant, User
from tinhoc.audit import record as audit
from tinhoc.extensions import db
from tinhoc.orgs.models import Organisation

from .. import services as contest_services
from ..models import Round
from .models import CreativeProduct, JuryAssignment, JuryCriterion, JuryDecision, JuryPanel

JUROR_ROLE = "grader"
MIN_JURORS = 2
DEFAULT_MARGIN = 10.0
ContestError = contest_services.ContestError
NotFound = contest_services.NotFound


def parse_number(raw, what: str) -> float:
    """A number typed the Vietnamese way ("7,5") or not; refused with the field's name otherwise."""
    value = str(raw if raw is not None else "").strip().replace(",", ".")
    try:
        number = float(value)
    except ValueError:
        raise ContestError(_("%(what)s: hãy nhập một số.", what=what)) from None
    if not math.isfinite(number):
        raise ContestError(_("%(what)s: hãy nhập một số.", what=what))
    return number


def managed_creative_round(actor: Actor, round_id: int) -> Round:
    rnd = contest_services.managed_round_for(actor, round_id)
    if rnd.kind != "creative":
        raise NotFound(round_id)
    return rnd


def panel_of(rnd: Round) -> JuryPanel:
    """The round's jury settings; before the organiser saves any, the defaults (not stored)."""
    panel = db.session.get(JuryPanel, rnd.id)
    if panel is None:
        panel = JuryPanel(round_id=rnd.id, margin=DEFAULT_MARGIN, chair_id=None, closes_at=None,
                          updated_at=clock.now())
    return panel


def criteria_of(round_id: int) -> list[JuryCriterion]:
    return list(db.session.scalars(select(JuryCriterion).where(JuryCriterion.round_id == round_id)
                                   .order_by(JuryCriterion.position, JuryCriterion.id)))


def scoring_started(round_id: int) -> bool:
    return bool(db.session.scalar(select(exists().where(JuryAssignment.round_id == round_id,
                                                        JuryAssignment.scored_at.is_not(None)))))


def max_total(criteria: list[JuryCriterion]) -> float:
    return round(sum(c.weight * c.max_score for c in criteria), 4)


def _criterion_values(name: str, weight, min_score, max_score) -> dict:
    name = text.clean(name or "")
    if not name:
        raise ContestError(_("Hãy đặt tên tiêu chí."))
    if len(name) > 255:
        raise ContestError(_("Tên tiêu chí dài quá: tối đa %(n)d ký tự.", n=255))
    w = parse_number(weight, _("Trọng số"))
    lo = parse_number(min_score, _("Điểm thấp nhất"))
    hi = parse_number(max_score, _("Điểm cao nhất"))
    if w <= 0:
        raise ContestError(_("Trọng số phải lớn hơn 0."))
    if lo < 0 or hi <= lo:
        raise ContestError(_("Thang điểm không hợp lệ: điểm cao nhất phải lớn hơn điểm thấp nhất (từ 0 trở lên)."))
    return {"name": name, "weight": w, "min_score": lo, "max_score": hi}


def _rubric_editable(rnd: Round) -> None:
    if scoring_started(rnd.id):
        raise ContestError(_("Đã có giám khảo cho điểm: không sửa được tiêu chí chấm nữa."))


def add_criterion(actor: Actor, rnd: Round, *, name: str, weight, min_score, max_score) -> JuryCriterion:
    values = _criterion_values(name, weight, min_score, max_score)
    _rubric_editable(rnd)
    position = (db.session.scalar(select(func.max(JuryCriterion.position))
                                  .where(JuryCriterion.round_id == rnd.id)) or 0) + 1
    criterion = JuryCriterion(round_id=rnd.id, position=position, **values)
    db.session.add(criterion)
    db.session.flush()
    audit(actor, "contest.jury.criterion.add", "contest_jury_criterion", criterion.id, after=values)
    db.session.commit()
    return criterion


def _criterion_in(rnd: Round, criterion_id: int) -> JuryCriterion:
    criterion = db.session.get(JuryCriterion, criterion_id)
    if criterion is None or criterion.round_id != rnd.id:
        raise NotFound(criterion_id)
    return criterion


def update_criterion(actor: Actor, rnd: Round, criterion_id: int, *, name: str, weight, min_score,
                     max_score) -> JuryCriterion:
    criterion = _criterion_in(rnd, criterion_id)
    values = _criterion_values(name, weight, min_score, max_score)
    _rubric_editable(rnd)
    before = {k: getattr(criterion, k) for k in values}
    for key, value in values.items():
        setattr(criterion, key, value)
    audit(actor, "contest.jury.criterion.update", "contest_jury_criterion", criterion.id, before=before,
          after=values)
    db.session.commit()
    return criterion


def delete_criterion(actor: Actor, rnd: Round, criterion_id: int) -> None:
    criterion = _criterion_in(rnd, criterion_id)
    _rubric_editable(rnd)
    audit(actor, "contest.jury.criterion.delete", "contest_jury_criterion", criterion.id,
          before={"name": criterion.name})
    db.session.delete(criterion)
    db.session.commit()


def eligible_jurors(rnd: Round) -> list[User]:
    """Active users with the juror (grader) role over the province, or over a unit above or inside
    the contest's unit; in Vietnamese name order."""
    org = rnd.division.contest.organisation
    contest_path = org.path if org is not None else None
    rows = db.session.execute(
        select(User, Organisation.path).join(RoleGrant, RoleGrant.user_id == User.id)
        .join(Role, Role.id == RoleGrant.role_id)
        .outerjoin(Organisation, Organisation.id == RoleGrant.organisation_id)
        .where(Role.name == JUROR_ROLE, User.active.is_(True))
        .order_by(text.vi_order(User.full_name), User.id)).all()
    found: dict[int, User] = {}
    for user, path in rows:
        if path is None or contest_path is None or contest_path.startswith(path) or path.startswith(contest_path):
            found.setdefault(user.id, user)
    return list(found.values())


def _eligible(rnd: Round, user_id: int | None) -> User:
    user = next((u for u in eligible_jurors(rnd) if u.id == user_id), None)
    if user is None:
        raise ContestError(_("Người này không phải là giám khảo của hội thi."))
    return user


def update_settings(actor: Actor, rnd: Round, *, margin, chair_id: int | None, closes_at: datetime | None) -> JuryPanel:
    value = parse_number(margin, _("Độ lệch cho phép"))
    if value < 0:
        raise ContestError(_("Độ lệch cho phép không được âm."))
    if chair_id:
        _eligible(rnd, chair_id)
    if closes_at is not None and closes_at <= clock.as_utc(rnd.ends_at):
        raise ContestError(_("Hạn chấm phải sau khi vòng thi kết thúc."))
    panel = panel_of(rnd)
    if panel not in db.session:
        db.session.add(panel)
    before = {"margin": panel.margin, "chair_id": panel.chair_id,
              "closes_at": panel.closes_at.isoformat() if panel.closes_at else None}
    panel.margin, panel.chair_id, panel.closes_at = value, chair_id or None, closes_at
    panel.updated_at = clock.now()
    audit(actor, "contest.jury.settings", "contest_round", rnd.id, before=before,
          after={"margin": value, "chair_id": chair_id or None,
                 "closes_at": closes_at.isoformat() if closes_at else None})
    db.session.commit()
    return panel


def products_of(round_id: int) -> list[CreativeProduct]:
    return list(db.session.scalars(select(CreativeProduct).where(CreativeProduct.round_id == round_id)
                                   .order_by(CreativeProduct.code)))


def assignments_of(round_id: int) -> list[JuryAssignment]:
    return list(db.session.scalars(select(JuryAssignment).where(JuryAssignment.round_id == round_id)
                                   .order_by(JuryAssignment.entry_id, JuryAssignment.id)))


def assign_automatically(actor: Actor, rnd: Round, juror_ids: list[int], per_entry: int = MIN_JURORS) -> int:
    """Give every uploaded product `per_entry` jurors (at least two) among the chosen ones, each time
    the least loaded juror not yet on it, so loads differ by at most one. Existing assignments stay.
    Returns how many were added."""
    per_entry = max(int(per_entry or MIN_JURORS), MIN_JURORS)
    eligible = {u.id for u in eligible_jurors(rnd)}
    chosen = sorted({j for j in juror_ids if j in eligible})
    if len(chosen) < per_entry:
        raise ContestError(_("Cần chọn ít nhất %(n)d giám khảo.", n=per_entry))
    existing = assignments_of(rnd.id)
    load = {j: 0 for j in chosen}
    on_entry: dict[int, set[int]] = {}
    for a in existing:
        on_entry.setdefault(a.entry_id, set()).add(a.juror_id)
        if a.juror_id in load:
            load[a.juror_id] += 1
    added = []
    for product in products_of(rnd.id):
        have = on_entry.setdefault(product.entry_id, set())
        while len(have) < per_entry:
            free = [j for j in chosen if j not in have]
            if not free:
                break
            juror = min(free, key=lambda j: (load[j], j))
            have.add(juror)
            load[juror] += 1
            added.append(JuryAssignment(round_id=rnd.id, entry_id=product.entry_id, juror_id=juror,
                                        created_at=clock.now()))
    db.session.add_all(added)
    audit(actor, "contest.jury.assign_auto", "contest_round", rnd.id,
          after={"added": len(added), "jurors": chosen, "per_entry": per_entry})
    db.session.commit()
    return len(added)


def assign(actor: Actor, rnd: Round, *, code: str, juror_id: int | None) -> JuryAssignment:
    """Put one juror on the entry with this anonymous code."""
    product = db.session.scalar(select(CreativeProduct).where(CreativeProduct.round_id == rnd.id,
                                                              CreativeProduct.code == text.clean(code or "").upper()))
    if product is None:
        raise ContestError(_("Không có sản phẩm nào mang mã %(code)s.", code=code or ""))
    juror = _eligible(rnd, juror_id)
    if db.session.scalar(select(JuryAssignment.id).where(JuryAssignment.round_id == rnd.id,
                                                         JuryAssignment.entry_id == product.entry_id,
                                                         JuryAssignment.juror_id == juror.id)):
        raise ContestError(_("Giám khảo này đã được phân công chấm %(code)s.", code=product.code))
    assignment = JuryAssignment(round_id=rnd.id, entry_id=product.entry_id, juror_id=juror.id, created_at=clock.now())
    db.session.add(assignment)
    try:
        db.session.flush()
    except IntegrityError:   # the same assignment posted twice at once
        db.session.rollback()
        raise ContestError(_("Giám khảo này đã được phân công chấm %(code)s.", code=product.code)) from None
    audit(actor, "contest.jury.assign", "contest_jury_assignment", assignment.id,
          after={"entry_id": product.entry_id, "juror_id": juror.id})
    db.session.commit()
    return assignment


def managed_assignment(actor: Actor, assignment_id: int) -> JuryAssignment:
    assignment = db.session.get(JuryAssignment, assignment_id)
    if assignment is None:
        raise NotFound(assignment_id)
    managed_creative_round(actor, assignment.round_id)
    return assignment


def unassign(actor: Actor, assignment: JuryAssignment) -> None:
    """Take a juror off an entry; refused once that juror has scored it (their scores stay on record)."""
    if assignment.scored_at is not None:
        raise ContestError(_("Giám khảo đã chấm sản phẩm này: không bỏ phân công được."))
    audit(actor, "contest.jury.unassign", "contest_jury_assignment", assignment.id,
          before={"entry_id": assignment.entry_id, "juror_id": assignment.juror_id})
    db.session.execute(delete(JuryAssignment).where(JuryAssignment.id == assignment.id))
    db.session.commit()


def decisions_of(round_id: int) -> dict[int, JuryDecision]:
    return {d.entry_id: d for d in db.session.scalars(select(JuryDecision).where(JuryDecision.round_id == round_id))}
