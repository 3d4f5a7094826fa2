"""Demo certificates anyone can verify: the demo `learner` holds a basic ICT certificate. Idempotent
(each demo certificate has a source key, so seeding again finds it instead of issuing another)."""
from __future__ import annotations

from sqlalchemy import select

from .. import clock
from ..access import SYSTEM
from ..accounts.models import User
from ..extensions import db
from ..orgs.models import JobPosition, Organisation, Person
from . import services
from .kinds import BASIC_MODULES


def _first(position: str, org_code: str | None = None) -> Person | None:
    query = select(Person).join(JobPosition).where(JobPosition.code == position, Person.left_at.is_(None))
    if org_code:
        query = query.join(Organisation, Organisation.id == Person.organisation_id).where(Organisation.code == org_code)
    return db.session.scalar(query.order_by(Person.id))


def seed_certificates() -> list[str]:
    """Issue the demo certificates that are missing; return all their numbers."""
    year = services.local_date(clock.now()).year
    scores = (8.5, 9.0, 7.5, 8.0, 9.5, 8.0)
    basic = {"hours": 120, "modules": [
        {"code": code, "completed_on": f"{year}-0{1 + i // 3}-{10 + i * 3:02d}", "score": scores[i]}
        for i, code in enumerate(BASIC_MODULES)]}
    learner = db.session.scalar(select(User).where(User.username == "learner"))
    plan = [
        ("basic_ict", learner.person if learner else None, basic, "demo:basic_ict:learner"),
        ("cio_track", _first("it_leader", "SO-NV") or _first("it_leader"), {"hours": 80, "title": f"Bồi dưỡng Giám đốc CNTT (CIO) năm {year}"},
         "demo:cio_track"),
        ("it_staff_track", _first("it_staff", "H-AB"), {"hours": 60, "title": "An toàn thông tin và chữ ký số"},
         "demo:it_staff_track"),
        ("contest_award", _first("student"), {"title": f"Hội thi Tin học trẻ tỉnh An Khê năm {year}",
                                              "division": "Bảng B", "award": "Giải Nhất", "score": 92.5},
         "demo:contest_award"),
        ("basic_ict", _first("civil_servant", "SO-TC"), basic, "demo:basic_ict:revoked"),
    ]
    numbers = []
    for kind, holder, details, source in plan:
        if holder is None:
            continue
        cert = services.issue(kind, holder, details, actor=SYSTEM, source=source)
        if source.endswith(":revoked") and not cert.is_revoked:
            services.revoke(SYSTEM, cert.id, "Cấp nhầm: học viên chưa hoàn thành học phần IU04.")
        numbers.append(cert.number)
    return numbers
