"""Fixtures shared by the certificate tests: a small tree, a holder with an account, officers of
each scope, and a basic ICT certificate with modules."""
from __future__ import annotations

import pytest

BASIC_DETAILS = {"hours": 120, "modules": [
    {"code": f"IU0{i}", "completed_on": f"2026-02-{10 + i:02d}", "score": 7 + i / 2} for i in range(1, 7)]}


@pytest.fixture
def cert_world(db, make_user, make_org, make_person, grant, frozen_clock):
    """Province T01 → district H-AB → commune X-01 (the holder's unit), district H-TS, department SO-TT."""
    from tinhoc.access import SYSTEM
    from tinhoc.certification import services
    province = make_org("T01", "UBND tỉnh Thử", kind="province")
    district = make_org("H-AB", "UBND huyện An Bình", kind="district", parent=province)
    commune = make_org("X-01", "UBND xã Tân Lập", kind="commune", parent=district)
    other_district = make_org("H-TS", "UBND huyện Tân Sơn", kind="district", parent=province)
    department = make_org("SO-TT", "Sở Thông tin và Truyền thông", parent=province)
    holder_person = make_person("CB-ANH", commune, full_name="Đặng Thị Ánh")
    other_person = make_person("CB-KHAC", department, full_name="Lê Văn Khác")
    make_person("CB-TS", other_district, full_name="Phạm Thị Sơn")
    holder = make_user("anh", roles=["learner"], person_id=holder_person.id, full_name="Đặng Thị Ánh")
    make_user("other", roles=["learner"], person_id=other_person.id)
    make_user("organiser", roles=["organiser"])
    grant(make_user("district", roles=[]), "organiser", "H-AB")
    grant(make_user("tsorg", roles=[]), "organiser", "H-TS")
    cert = services.issue("basic_ict", holder_person, BASIC_DETAILS, actor=SYSTEM, source="test:basic:anh")
    return {"cert": cert, "holder": holder, "holder_person": holder_person, "other_person": other_person,
            "commune": commune, "district": district, "other_district": other_district, "clock": frozen_clock}
