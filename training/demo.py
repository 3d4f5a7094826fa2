"""The demo's training: the catalogue and the province's assignment rules (idempotent)."""
from __future__ import annotations

from datetime import date

from sqlalchemy import select

from tinhoc.access import SYSTEM
from tinhoc.extensions import db
from tinhoc.orgs.models import JobPosition

from .assignment import create_rule
from .catalogue import seed_catalogue
from .models import AssignmentRule, Track

DEMO_DUE = date(2026, 12, 31)
DEMO_RULES = (("it_leader", "CIO"), ("it_staff", "IT-STAFF"), ("civil_servant", "BASIC"), ("public_employee", "BASIC"))


def seed_training() -> None:
    seed_catalogue()
    positions = {p.code: p.id for p in db.session.scalars(select(JobPosition))}
    tracks = {t.code: t.id for t in db.session.scalars(select(Track))}
    for position, track in DEMO_RULES:
        exists = db.session.scalar(select(AssignmentRule.id).where(
            AssignmentRule.position_id == positions[position], AssignmentRule.track_id == tracks[track],
            AssignmentRule.organisation_id.is_(None)))
        if exists is None:
            create_rule(SYSTEM, position_id=positions[position], organisation_id=None, track_id=tracks[track],
                        due_date=DEMO_DUE)
