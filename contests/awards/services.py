"""The award workflow of a division: rules, compute (draft), adjust with a reason, review, publish
(certificates issued), withdraw (certificates revoked). Organisers manage within the contest's
scope (contests.services.manage_clause); everyone else sees a published set only.

Certificates: one `contest_award` per member of an awarded entry, issued through
tinhoc.certification with a source naming the set, its generation, the entry, the member, the
prize and the row's revision, so publishing again issues nothing twice; any award certificate of
the set whose source is no longer wanted (a prize revised after publication, the set withdrawn)
is revoked.
"""
from __future__ import annotations

from flask_babel import gettext as _
from sqlalchemy import select

from tinhoc import clock, text
from tinhoc.access import SYSTEM, Actor
from tinhoc.audit import record as audit
from tinhoc.extensions import db
from tinhoc.orgs.models import Organisation

from ..models import Contest, Division, Entry, Round
from ..services import ContestError, NotFound, manage_clause, may_manage
from . import rules, sources
from .models import PRIZES, AwardRow, AwardSet

KIND = "contest_award"


def managed_division_for(actor: Actor, division_id: int) -> Division:
    division = db.session.scalar(select(Division).join(Contest, Contest.id == Division.contest_id)
                                 .outerjoin(Organisation, Organisation.id == Contest.organisation_id)
                                 .where(Division.id == division_id, manage_clause(actor)))
    if division is None:
        raise NotFound(division_id)
    return division


def division_for(division_id: int) -> Division:
    division = db.session.get(Division, division_id)
    if division is None:
        raise NotFound(division_id)
    return division


def award_set(division: Division) -> AwardSet | None:
    return db.session.scalar(select(AwardSet).where(AwardSet.division_id == division.id))


def visible_set(actor: Actor, division: Division) -> tuple[AwardSet | None, bool]:
    """(the set the actor may see or None, whether the actor manages it): unpublished sets are the organisers'."""
    manager = may_manage(actor, division.contest)
    found = award_set(division)
    if found is not None and (manager or found.status == "published"):
        return found, manager
    return None, manager


def published_sets(contest: Contest) -> list[AwardSet]:
    return list(db.session.scalars(select(AwardSet).join(Division, Division.id == AwardSet.division_id)
                                   .where(Division.contest_id == contest.id, AwardSet.status == "published")
                                   .order_by(Division.code)))


def _unpublished(found: AwardSet) -> None:
    if found.status == "published":
        raise ContestError(_("Kết quả đã công bố; hãy hủy công bố trước khi sửa."))


def _snapshot(found: AwardSet) -> dict:
    return {"method": found.method, "params": found.params, "status": found.status}


def save_rule(actor: Actor, division: Division, method: str, raw: dict) -> AwardSet:
    params = rules.clean_params(method, raw)
    found = award_set(division)
    if found is None:
        found = AwardSet(division_id=division.id, method=method, params=params, status="empty")
        db.session.add(found)
        before = None
    else:
        _unpublished(found)
        before = _snapshot(found)
        if (found.method, found.params) != (method, params):
            found.method, found.params = method, params
            found.rows.clear()       # computed under the old rule: compute (and review) again
            found.status, found.computed_at, found.reviewed_at = "empty", None, None
    found.updated_at = clock.now()
    db.session.flush()
    audit(actor, "contest.award.rule", "contest_award_set", found.id, before=before, after=_snapshot(found))
    db.session.commit()
    return found


def standings(division: Division) -> tuple[list[rules.Standing], list[str]]:
    """The division's combined standings (sum over rounds with a score source) and notes on rounds left out."""
    totals: dict[int, list] = {e: [0.0, 0] for e in db.session.scalars(
        select(Entry.id).where(Entry.division_id == division.id, Entry.status == "approved"))}
    notes, took_part = [], set()
    for rnd in db.session.scalars(select(Round).where(Round.division_id == division.id).order_by(Round.starts_at)):
        source = sources.source_for(rnd.kind)
        if source is None:
            notes.append(_("Vòng “%(r)s” chưa có nguồn điểm nên không được tính.", r=rnd.title))
            continue
        for entry_id, (score, penalty) in source(rnd).items():
            if entry_id in totals:
                totals[entry_id][0] += score
                totals[entry_id][1] += penalty
                took_part.add(entry_id)
        pending = sources.pending_for(rnd.kind)
        if pending is not None and (waiting := pending(rnd)):
            notes.append(_("Vòng “%(r)s” còn %(n)d bài chưa có điểm cuối (đang chờ chấm, hoặc chờ trưởng ban "
                           "giám khảo quyết định): các bài này chưa được tính. Hãy tính lại giải khi đã chấm xong.",
                           r=rnd.title, n=waiting))
    return [rules.Standing(e, round(s, 6), p, e in took_part) for e, (s, p) in totals.items()], notes


def compute(actor: Actor, division: Division) -> AwardSet:
    """Rank the division from its final standings and give the prizes the rule says (a draft)."""
    found = award_set(division)
    if found is None:
        raise ContestError(_("Hãy đặt cách xét giải trước."))
    _unpublished(found)
    board, notes = standings(division)
    absent = sum(1 for s in board if not s.took_part)
    if found.method == "percent":
        notes.append(_("Tỉ lệ giải tính trên %(n)d bài dự thi đã tham gia; %(a)d bài đăng ký nhưng vắng mặt "
                       "không được tính.", n=len(board) - absent, a=absent))
    found.rows.clear()
    db.session.flush()
    names = dict(db.session.execute(select(Entry.id, Entry.name).where(Entry.division_id == division.id)).all())
    assigned = sorted(rules.assign(found.method, found.params, board),
                      key=lambda a: (a[0], text.sort_key(names.get(a[1].entry_id, ""))))   # ties by name
    for position, s, prize in assigned:
        found.rows.append(AwardRow(entry_id=s.entry_id, rank=position, score=s.score, penalty=s.penalty,
                                   computed_prize=prize, prize=prize))
    found.status, found.notes = "draft", [str(n) for n in notes]
    found.computed_at = found.updated_at = clock.now()
    found.reviewed_at = None
    audit(actor, "contest.award.compute", "contest_award_set", found.id,
          after={"rows": len(found.rows), "awarded": sum(1 for r in found.rows if r.prize)})
    db.session.commit()
    return found


def row_for_manager(actor: Actor, row_id: int) -> AwardRow:
    row = db.session.get(AwardRow, row_id)
    if row is None:
        raise NotFound(row_id)
    managed_division_for(actor, row.award_set.division_id)
    return row


def adjust(actor: Actor, row_id: int, prize: str | None, reason: str) -> AwardRow:
    """Change one entry's prize (during review, or a revision of published results); the reason goes
    into the audit log. On a published set the entry's certificates follow at once: the old ones are
    revoked with this reason and new ones issued, the other entries' certificates stay as they are."""
    row = row_for_manager(actor, row_id)
    found = row.award_set
    if found.status not in ("draft", "reviewed", "published"):
        raise ContestError(_("Hãy tính giải trước."))
    prize = prize or None
    if prize is not None and prize not in PRIZES:
        raise ContestError(_("Giải không hợp lệ."))
    reason = text.clean(reason or "")[:1000]
    if not reason:
        raise ContestError(_("Sửa giải phải nêu lý do."))
    if prize == row.prize:
        raise ContestError(_("Giải không thay đổi."))
    before = {"prize": row.prize, "entry": row.entry.name}
    row.prize, row.reason = prize, reason
    if found.status == "published":
        row.revision += 1            # a new source: a prize given back later is a new certificate
    found.updated_at = clock.now()
    audit(actor, "contest.award.adjust", "contest_award_row", row.id, before=before,
          after={"prize": prize, "entry": row.entry.name, "reason": reason, "published": found.status == "published"})
    db.session.commit()
    if found.status == "published":
        sync_certificates(found, reason=_("Giải được điều chỉnh: %(r)s", r=reason))
    return row


def review(actor: Actor, division: Division) -> AwardSet:
    found = award_set(division)
    if found is None or found.status != "draft":
        raise ContestError(_("Chỉ bản nháp vừa tính mới được đánh dấu đã rà soát."))
    found.status, found.reviewed_at = "reviewed", clock.now()
    audit(actor, "contest.award.review", "contest_award_set", found.id)
    db.session.commit()
    return found


def publish(actor: Actor, division: Division) -> tuple[AwardSet, int, int]:
    """Publish a reviewed set (publishing a published set again only completes its certificates);
    returns (set, certificates issued now, certificates revoked now)."""
    found = award_set(division)
    if found is None or found.status not in ("reviewed", "published"):
        raise ContestError(_("Hãy rà soát kết quả trước khi công bố."))
    if found.status != "published":
        found.status, found.published_at = "published", clock.now()
        audit(actor, "contest.award.publish", "contest_award_set", found.id,
              after={"awarded": sum(1 for r in found.rows if r.prize)})
        db.session.commit()
    issued, revoked = sync_certificates(found)
    return found, issued, revoked


def unpublish(actor: Actor, division: Division, reason: str) -> tuple[AwardSet, int]:
    """Withdraw the results: hidden again, their certificates revoked; a later publication issues new ones."""
    found = award_set(division)
    reason = text.clean(reason or "")[:1000]
    if found is None or found.status != "published":
        raise ContestError(_("Kết quả chưa được công bố."))
    if not reason:
        raise ContestError(_("Hủy công bố phải nêu lý do."))
    found.status, found.published_at = "reviewed", None
    found.generation += 1
    audit(actor, "contest.award.unpublish", "contest_award_set", found.id, after={"reason": reason})
    db.session.commit()
    _issued, revoked = sync_certificates(found, reason=reason)
    return found, revoked


# --- certificates ------------------------------------------------------------------------------

def _source(found: AwardSet, row: AwardRow, user_id: int) -> str:
    return f"contest_award:s{found.id}:g{found.generation}:e{row.entry_id}:u{user_id}:{row.prize}:r{row.revision}"


def certificates(found: AwardSet):
    """The set's award certificates, revoked ones included."""
    from tinhoc.certification.models import Certificate
    return list(db.session.scalars(select(Certificate).where(Certificate.kind == KIND,
                                                             Certificate.source.like(f"contest_award:s{found.id}:%"))
                                   .order_by(Certificate.id)))


def sync_certificates(found: AwardSet, reason: str = "") -> tuple[int, int]:
    """Issue the missing certificates of a published set and revoke those no longer wanted; idempotent."""
    from tinhoc.certification import services as certification
    wanted: dict[str, tuple] = {}
    division = found.division
    if found.status == "published":
        for row in found.rows:
            if row.prize:
                for member in row.entry.members:
                    wanted[_source(found, row, member.user_id)] = (row, member)
    existing = certificates(found)
    have = {c.source for c in existing}
    # An ICPC total counts problems solved, not points: the certificate then shows no score.
    points = not any(r.scoring == "icpc" for r in division.rounds)
    issued = revoked = 0
    for source, (row, member) in wanted.items():
        if source in have:
            continue
        details = {"title": division.contest.title, "division": division.name,
                   "award": rules.PRIZE_VI[row.prize]}
        if points and 0 <= row.score <= 100:
            details["score"] = row.score
        certification.issue(KIND, member.user, details, actor=SYSTEM, source=source)
        issued += 1
    why = reason or _("Kết quả giải đã được điều chỉnh.")
    for cert in existing:
        if cert.source not in wanted and not cert.is_revoked:
            certification.revoke(SYSTEM, cert.id, why)
            revoked += 1
    return issued, revoked
