"""Jurors' scores, the chair's decisions and the final score of each entry.

A juror reaches only their own assignments (anything else is not found) and sees the entry only by
its anonymous code. The weighted total is the sum of weight x points; an entry whose jurors' totals
differ by more than the panel's margin is flagged for the chair, whose decision (with a reason, in
the audit log) is then its final score. Otherwise the final score is the mean of the totals once
every assigned juror (at least two) has scored.

For the rest of contests (awards, boards): `final_scores(round_id) -> {entry_id: score}`.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from flask_babel import gettext as _
from sqlalchemy import select

from tinhoc import clock, text
from tinhoc.access import Actor
from tinhoc.audit import record as audit
from tinhoc.extensions import db

from ..awards import sources as award_sources
from ..models import Entry, Round
from . import services
from .models import CreativeProduct, JuryAssignment, JuryCriterion, JuryDecision, JuryPanel
from .services import ContestError, NotFound


class JuryClosed(ContestError):
    """Scoring is not open (before the round ends or after the jury closed)."""


def jury_open(rnd: Round, panel: JuryPanel | None, at=None) -> bool:
    at = at or clock.now()
    if at < clock.as_utc(rnd.ends_at):
        return False
    return panel is None or panel.closes_at is None or at < clock.as_utc(panel.closes_at)


def assignment_for_juror(actor: Actor, assignment_id: int) -> JuryAssignment:
    """The juror's own assignment; any other (another juror's, a wrong id): not found."""
    if actor.user_id is None or not actor.has_role(services.JUROR_ROLE):   # a juror whose role was revoked
        raise NotFound(assignment_id)
    assignment = db.session.scalar(select(JuryAssignment).where(JuryAssignment.id == assignment_id,
                                                                JuryAssignment.juror_id == actor.user_id))
    if assignment is None:
        raise NotFound(assignment_id)
    return assignment


def product_of(assignment: JuryAssignment) -> CreativeProduct:
    product = db.session.scalar(select(CreativeProduct).where(CreativeProduct.round_id == assignment.round_id,
                                                              CreativeProduct.entry_id == assignment.entry_id))
    if product is None:
        raise NotFound(assignment.id)
    return product


@dataclass
class QueueRow:
    assignment_id: int
    code: str
    round_title: str
    division_code: str
    total: float | None
    open: bool


def my_queue(actor: Actor) -> tuple[list[QueueRow], list[Round]]:
    """The juror's assignments (codes only) and the rounds they chair."""
    rows = db.session.execute(
        select(JuryAssignment, CreativeProduct.code, Round)
        .join(CreativeProduct, (CreativeProduct.round_id == JuryAssignment.round_id)
              & (CreativeProduct.entry_id == JuryAssignment.entry_id))
        .join(Round, Round.id == JuryAssignment.round_id)
        .where(JuryAssignment.juror_id == actor.user_id).order_by(Round.id, CreativeProduct.code)).all()
    panels = {p.round_id: p for p in db.session.scalars(select(JuryPanel).where(
        JuryPanel.round_id.in_({r.id for _a, _c, r in rows})))} if rows else {}
    queue = [QueueRow(a.id, code, r.title, r.division.code, a.total, jury_open(r, panels.get(r.id)))
             for a, code, r in rows]
    chaired = list(db.session.scalars(select(Round).join(JuryPanel, JuryPanel.round_id == Round.id)
                                      .where(JuryPanel.chair_id == actor.user_id).order_by(Round.id)))
    return queue, chaired


def save_scores(actor: Actor, assignment_id: int, values: dict[int, str], comment: str) -> JuryAssignment:
    """Record (or revise) the juror's points per criterion, each within its range; all or nothing."""
    assignment = assignment_for_juror(actor, assignment_id)
    rnd = db.session.get(Round, assignment.round_id)
    if not jury_open(rnd, db.session.get(JuryPanel, rnd.id)):
        raise JuryClosed(_("Ngoài thời gian chấm: điểm không được ghi nhận. Điểm đã chấm trước đó vẫn được giữ."))
    criteria = services.criteria_of(rnd.id)
    if not criteria:
        raise ContestError(_("Vòng thi chưa có tiêu chí chấm."))
    scores: dict[str, float] = {}
    for c in criteria:
        raw = values.get(c.id)
        if raw is None or not str(raw).strip():
            raise ContestError(_("Hãy cho điểm tiêu chí “%(name)s”.", name=c.name))
        points = services.parse_number(raw, c.name)
        if not c.min_score <= points <= c.max_score:
            raise ContestError(_("Điểm tiêu chí “%(name)s” phải từ %(lo)s đến %(hi)s.", name=c.name,
                                 lo=_fmt(c.min_score), hi=_fmt(c.max_score)))
        scores[str(c.id)] = points
    comment = text.clean(comment or "", multiline=True)
    if len(comment) > 5000:
        raise ContestError(_("Nhận xét dài quá: tối đa %(n)d ký tự.", n=5000))
    before = {"scores": assignment.scores, "total": assignment.total}
    assignment.scores = scores
    assignment.total = round(sum(c.weight * scores[str(c.id)] for c in criteria), 4)
    assignment.comment = comment
    assignment.scored_at = clock.now()
    audit(actor, "contest.jury.score", "contest_jury_assignment", assignment.id, before=before,
          after={"scores": scores, "total": assignment.total})
    db.session.commit()
    return assignment


def round_of(assignment: JuryAssignment) -> Round:
    return db.session.get(Round, assignment.round_id)


def score_inputs(assignment: JuryAssignment, criteria: list[JuryCriterion]) -> dict[int, str]:
    """The juror's saved points as the form shows them ("7,5"), empty where not scored yet."""
    saved = assignment.scores or {}
    return {c.id: _fmt(saved[str(c.id)]) if saved.get(str(c.id)) is not None else "" for c in criteria}


def _fmt(value: float) -> str:
    return f"{value:g}".replace(".", ",")


@dataclass
class EntryScore:
    """One entry's scores in a round: the jurors' totals, the spread, the flag and the final score."""
    entry: Entry
    code: str
    assignments: list[JuryAssignment] = field(default_factory=list)
    decision: JuryDecision | None = None
    margin: float = 0.0

    @property
    def totals(self) -> list[float]:
        return [a.total for a in self.assignments if a.total is not None]

    @property
    def complete(self) -> bool:
        return len(self.assignments) >= services.MIN_JURORS and all(a.total is not None for a in self.assignments)

    @property
    def mean(self) -> float | None:
        return round(sum(self.totals) / len(self.totals), 4) if self.totals else None

    @property
    def spread(self) -> float | None:
        return round(max(self.totals) - min(self.totals), 4) if len(self.totals) >= 2 else None

    @property
    def flagged(self) -> bool:
        return self.spread is not None and self.spread > self.margin + 1e-9

    @property
    def final(self) -> float | None:
        if self.decision is not None:
            return self.decision.score
        if self.complete and not self.flagged:
            return self.mean
        return None


def entry_scores(rnd: Round) -> list[EntryScore]:
    """Every uploaded product of the round with its scores, by code (a handful of queries)."""
    panel = db.session.get(JuryPanel, rnd.id)
    margin = panel.margin if panel is not None else services.DEFAULT_MARGIN
    rows = {p.entry_id: EntryScore(p.entry, p.code, margin=margin) for p in services.products_of(rnd.id)}
    for a in services.assignments_of(rnd.id):
        if a.entry_id in rows:
            rows[a.entry_id].assignments.append(a)
    for entry_id, decision in services.decisions_of(rnd.id).items():
        if entry_id in rows:
            rows[entry_id].decision = decision
    return sorted(rows.values(), key=lambda r: r.code)


def final_scores(round_id: int) -> dict[int, float]:
    """{entry_id: final score} for the round's entries whose score is settled: the chair's decision,
    or the mean of the jurors' weighted totals once every assigned juror (at least two) has scored and
    they differ by no more than the margin. Entries still being graded, or flagged and not yet
    decided, are absent. Public: the awards and the boards read the creative rounds through this."""
    rnd = db.session.get(Round, round_id)
    if rnd is None or rnd.kind != "creative":
        return {}
    return {r.entry.id: r.final for r in entry_scores(rnd) if r.final is not None}


def ranked(rnd: Round) -> list[EntryScore]:
    """The organiser's results table: settled scores first, highest first; then the rest by code."""
    rows = entry_scores(rnd)
    return sorted(rows, key=lambda r: (r.final is None, -(r.final or 0.0), r.code))


def chaired_round_for(actor: Actor, round_id: int) -> tuple[Round, JuryPanel]:
    """The round for its jury chair only (while they hold the juror role); anyone else: not found."""
    panel = db.session.get(JuryPanel, round_id)
    if panel is None or actor.user_id is None or panel.chair_id != actor.user_id \
            or not actor.has_role(services.JUROR_ROLE):
        raise NotFound(round_id)
    return db.session.get(Round, round_id), panel


def decide(actor: Actor, round_id: int, *, code: str, score, reason: str) -> JuryDecision:
    """The chair's final score for a flagged entry (or a revision of an earlier decision), with its
    reason, written to the audit log in the same commit."""
    rnd, _panel = chaired_round_for(actor, round_id)
    if clock.now() < clock.as_utc(rnd.ends_at):
        raise JuryClosed(_("Vòng thi chưa kết thúc: chưa quyết định điểm được."))
    row = next((r for r in entry_scores(rnd) if r.code == text.clean(code or "").upper()), None)
    if row is None:
        raise ContestError(_("Không có sản phẩm nào mang mã %(code)s.", code=code or ""))
    if not row.flagged and row.decision is None:
        raise ContestError(_("Sản phẩm %(code)s không bị đánh dấu lệch điểm: điểm cuối là điểm trung bình.",
                             code=row.code))
    reason = text.clean(reason or "", multiline=True)
    if not reason:
        raise ContestError(_("Hãy ghi lý do quyết định."))
    if len(reason) > 2000:
        raise ContestError(_("Lý do dài quá: tối đa %(n)d ký tự.", n=2000))
    value = services.parse_number(score, _("Điểm quyết định"))
    top = services.max_total(services.criteria_of(rnd.id))
    if not 0 <= value <= top:
        raise ContestError(_("Điểm quyết định phải từ 0 đến %(hi)s.", hi=_fmt(top)))
    decision = row.decision
    before = None if decision is None else {"score": decision.score, "reason": decision.reason}
    if decision is None:
        decision = JuryDecision(round_id=rnd.id, entry_id=row.entry.id, score=value, reason=reason)
        db.session.add(decision)
    decision.score, decision.reason = value, reason
    decision.decided_by, decision.decided_at = actor.user_id, clock.now()
    db.session.flush()
    audit(actor, "contest.jury.decision", "contest_jury_decision", decision.id, before=before,
          after={"entry_id": row.entry.id, "code": row.code, "score": value, "reason": reason,
                 "juror_totals": row.totals})
    db.session.commit()
    return decision


def criteria_by_id(round_id: int) -> dict[int, JuryCriterion]:
    return {c.id: c for c in services.criteria_of(round_id)}


@award_sources.register("creative")
def award_scores(rnd: Round) -> dict[int, tuple[float, int]]:
    """A creative round's part of a division's total for the awards: the settled final scores."""
    return {entry_id: (score, 0) for entry_id, score in final_scores(rnd.id).items()}


@award_sources.register_pending("creative")
def award_pending(rnd: Round) -> int:
    """Uploaded products without a final score: still being graded, short of jurors, or flagged and
    waiting for the chair."""
    return sum(1 for r in entry_scores(rnd) if r.final is None)
