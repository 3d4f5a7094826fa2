"""The contests' metrics in the targets registry: entrants of the Young Informatics contest per
division (bảng A, B, C1, C2, D1, D2, D3), one count metric per division code.

Registered from here at app start (contests/__init__ imports this module): certification may not
import contests. One metric per division keeps the registry's shape (a figure and a target each, on
the dashboard, in the snapshot and the yearly report) while divisions stay rows of each contest.
"""
from __future__ import annotations

from typing import ClassVar

from flask_babel import lazy_gettext as _l
from sqlalchemy import func

from tinhoc.certification.targets import metrics
from tinhoc.orgs.models import Organisation

from .models import Contest, Division, Entry, EntryMember

# The national division structure (DOMAIN.md); a contest's division with another code is not counted.
DIVISION_CODES = ("A", "B", "C1", "C2", "D1", "D2", "D3")


class DivisionEntrants(metrics.Metric):
    """Pupils in approved entries (a team counts each member) of a division with this code, in the
    contests of the year of `day`, approved by `day`, by the school they entered for."""

    code: ClassVar[str]
    share = False
    sources = (Organisation, (Contest, "year"), (Division, "code", "contest_id"),
               (Entry, "status", "approved_at", "school_id", "division_id"), EntryMember)

    def counts(self, key, where, day):
        as_of = metrics.end_of_day(day)
        return (metrics.grouped(key, func.count(EntryMember.id), func.count(EntryMember.id))
                .select_from(EntryMember).join(Entry, Entry.id == EntryMember.entry_id)
                .join(Division, Division.id == Entry.division_id).join(Contest, Contest.id == Division.contest_id)
                .join(Organisation, Organisation.id == Entry.school_id)
                .where(Division.code == self.code, Contest.year == day.year, Entry.status == "approved",
                       Entry.approved_at <= as_of, Organisation.archived_at.is_(None), *where))


def _register(code: str) -> None:
    metrics.register(type(f"DivisionEntrants{code}", (DivisionEntrants,), {
        "name": f"contest_entrants_{code}", "code": code,
        "label": _l("Thí sinh dự Hội thi Tin học trẻ, bảng %(code)s", code=code)}))


for _code in DIVISION_CODES:
    _register(_code)
