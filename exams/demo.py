"""The demo bank: 60 questions for the basic modules IU01–IU06, loaded through the GIFT importer
from a file kept in the repository (so the demo also proves the importer)."""
from __future__ import annotations

from pathlib import Path

from sqlalchemy import select

from tinhoc import text
from tinhoc.access import SYSTEM
from tinhoc.extensions import db

from . import importing
from .models import QuestionCategory

DEMO_BANK = Path(__file__).resolve().parent / "demo_data" / "ngan-hang-iu01-iu06.gift"
FIRST_CATEGORY = "IU01 Hiểu biết về CNTT cơ bản"


def seed_bank() -> int:
    """Import the demo bank unless it is there already; returns the number of questions added."""
    if db.session.scalar(select(QuestionCategory.id).where(QuestionCategory.parent_key == 0,
                                                           QuestionCategory.name_key == text.code_key(FIRST_CATEGORY))):
        return 0
    plan = importing.plan(DEMO_BANK.read_bytes(), "gift")
    if not plan.ok:
        raise RuntimeError(f"demo bank does not import: {plan.parsed.errors}")
    return sum(importing.apply(SYSTEM, plan, source=DEMO_BANK.name).values())
