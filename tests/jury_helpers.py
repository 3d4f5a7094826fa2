"""A creative-product round (division D1) for the jury tests and the access table."""
from __future__ import annotations

import hashlib
import zipfile
from datetime import datetime, timedelta, timezone

from tests.contest_helpers import START, _user, contest_world, make_entry
from tests.helpers import stable_zip

JURY_OPENS = START + timedelta(hours=3)          # the round ends at 10:00 UTC: jurors grade from then
JURY_CLOSES = datetime(2026, 3, 5, 10, 0, tzinfo=timezone.utc)


def small_zip(note: str = "Sản phẩm dự thi") -> bytes:
    return stable_zip((("README.txt", note + "\n"), ("src/main.py", "print('xin chao')\n")), zipfile.ZIP_DEFLATED)


def put_product(db, rnd, entry, *, filename="san-pham.zip", data=None, description="Mô tả sản phẩm"):
    """A product stored as the upload service would (file under the product dir), at any clock."""
    from contests.jury import products
    from contests.jury.models import CreativeProduct
    data = data or small_zip()
    stored = f"test-{rnd.id}-{entry.id}.zip"
    (products.products_dir() / stored).write_bytes(data)
    product = CreativeProduct(round_id=rnd.id, entry_id=entry.id, code=products._new_code(rnd), stored_file=stored,
                              original_filename=filename, size=len(data), sha256=hashlib.sha256(data).hexdigest(),
                              description=description, video_url="", uploaded_at=START)
    db.session.add(product)
    db.session.commit()
    return product


def jury_world(db, cw: dict | None = None, *, in_district: bool = False) -> dict:
    """On top of the contest world: division D1 (teams of two) with a creative round open 07:00–10:00
    UTC on 2026-03-01, two approved teams (`danasc` + `ducsc` from the school, `evehm` alone) and one pending
    (`finn`), a rubric of two criteria (weights 2 and 1, 0–10), jurors `grader` (also the chair) and
    `juror2`, margin 5, jury closing 2026-03-05."""
    from tinhoc.access import SYSTEM
    from contests import services
    from contests.jury import services as jury
    cw = cw or contest_world(db, in_district=in_district)
    division = services.add_division(SYSTEM, cw["contest"], code="D1", name="Bảng D1", school_levels=["primary"],
                                     min_grade=1, max_grade=5, team_entry=True, max_team_size=2)
    rnd = services.add_round(SYSTEM, division, title="Vòng sản phẩm sáng tạo", kind="creative", starts_at=START,
                             ends_at=START + timedelta(hours=3), languages=[])
    dana = _user("danasc", ["student"], "Phạm Thị Dạ")
    duc = _user("ducsc", ["student"], "Võ Minh Đức")
    eve = _user("evehm", ["student"], "Hồ Ngọc Én")
    finn = _user("finn", ["student"], "Đặng Văn Phong")
    team_a = make_entry(db, division, [dana, duc], name="Đội Sơn Ca", school=cw["school"], grade=5)
    team_b = make_entry(db, division, [eve], name="Đội Họa Mi", school=cw["school"], grade=5)
    team_c = make_entry(db, division, [finn], name="Đội Chờ Duyệt", school=cw["school"], status="pending", grade=5)
    grader = _user("grader", ["grader"], "Giám khảo Một")
    juror2 = _user("juror2", ["grader"], "Giám khảo Hai")
    c1 = jury.add_criterion(SYSTEM, rnd, name="Ý tưởng sáng tạo", weight="2", min_score="0", max_score="10")
    c2 = jury.add_criterion(SYSTEM, rnd, name="Kỹ thuật", weight="1", min_score="0", max_score="10")
    jury.update_settings(SYSTEM, rnd, margin="5", chair_id=grader.id, closes_at=JURY_CLOSES)
    return {**cw, "d1": division, "creative": rnd, "dana": dana, "duc": duc, "eve": eve, "finn": finn,
            "team_a": team_a, "team_b": team_b, "team_c": team_c, "grader": grader, "juror2": juror2,
            "c1": c1, "c2": c2}


def access_ids(db) -> dict:
    """For the access table (after contest_helpers.access_world made the district contest): a creative
    round of that contest with a product, assigned to the user `grader` (also its chair)."""
    from sqlalchemy import select

    from tinhoc.access import SYSTEM
    from contests.jury import services as jury
    from contests.jury.models import JuryAssignment
    from contests.models import Contest
    contest = db.session.scalar(select(Contest).order_by(Contest.id))
    cw = {"contest": contest, "school": _school(db)}
    w = jury_world(db, cw)
    product = put_product(db, w["creative"], w["team_a"])
    jury.assign(SYSTEM, w["creative"], code=product.code, juror_id=w["grader"].id)
    assignment = db.session.scalar(select(JuryAssignment).where(JuryAssignment.juror_id == w["grader"].id))
    return {"creative_id": w["creative"].id, "product_id": product.id, "jury_assignment_id": assignment.id,
            "criterion_id": w["c1"].id}


def _school(db):
    from sqlalchemy import select

    from tinhoc.orgs.models import Organisation
    return db.session.scalar(select(Organisation).where(Organisation.code == "H-AB-THCS"))
