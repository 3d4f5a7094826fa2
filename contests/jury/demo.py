"""The demo jury: division D1's creative round of the demo contest, already closed for uploads and
open for the jury, with a rubric, four teams' products (small zips), two jurors (`juror`, `juror2`),
the demo `grader` as chair, and scores: one entry settled, one flagged for the chair (its jurors
differ by more than the margin), one half graded, one left for `juror` to grade. Idempotent."""
from __future__ import annotations

import hashlib
import io
import zipfile
from datetime import timedelta

from sqlalchemy import select

from tinhoc import clock
from tinhoc.access import SYSTEM, Actor
from tinhoc.accounts import services as accounts
from tinhoc.extensions import db

from .. import registration
from ..models import Contest, Division, Round
from . import products, scoring, services
from .models import CreativeProduct, JuryAssignment, JuryPanel

# Names without "Giám khảo": the exam-grading journey picks the demo `grader` by that label.
JURORS = (("juror", "Trần Thị Mai"), ("juror2", "Lê Văn Sơn"))
RUBRIC = [("Ý tưởng, tính sáng tạo", 3, 0, 10), ("Tính ứng dụng thực tế", 3, 0, 10),
          ("Kỹ thuật thực hiện", 2, 0, 10), ("Trình bày, thuyết minh", 2, 0, 10)]
TEAMS = [("Đội Mầm Xanh", ["Nguyễn Minh Khoa", "Phạm Ngọc Vy"], "Ứng dụng nhắc tưới cây cho vườn trường.",
          "https://www.youtube.com/watch?v=demo-mam-xanh"),
         ("Đội Cầu Vồng", ["Trần Bảo An", "Lê Thị Hà"], "Trò chơi Scratch học bảng cửu chương.", ""),
         ("Đội Ong Vàng", ["Hoàng Gia Linh"], "Mô hình đèn giao thông bằng bìa và mạch đèn LED.", ""),
         ("Đội Sao Mai", ["Đỗ Quang Phúc", "Vũ Thu Giang"], "Truyện tranh tương tác về an toàn trên mạng.",
          "https://vimeo.com/000000")]
# per team: (juror, juror2) points per criterion; None = not graded yet
SCORES = [([8, 8, 7, 9], [8, 7, 8, 8]), ([9, 9, 8, 8], [5, 5, 6, 5]), (None, [7, 6, 7, 7]), (None, None)]


def _zip(team: str, note: str) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("README.txt", f"{note}\n")
        zf.writestr("san-pham/main.py", "print('Xin chào!')\n")
    return out.getvalue()


def _round() -> Round | None:
    year = clock.now().year
    return db.session.scalar(select(Round).join(Division).join(Contest).where(
        Contest.title == f"Hội thi Tin học trẻ tỉnh An Khê năm {year}", Division.code == "D1",
        Round.kind == "creative"))


def seed_jury(password: str) -> dict:
    rnd = _round()
    if rnd is None or db.session.get(JuryPanel, rnd.id) is not None:
        return {"round_id": rnd.id if rnd else None}
    users = {}
    for username, name in JURORS:
        users[username] = accounts.find_by_username(username) or accounts.create_user(
            SYSTEM, username=username, full_name=name, password=password, roles=["grader"],
            must_change_password=False)
    chair = accounts.find_by_username("grader")
    now = clock.now()
    # Uploads closed an hour ago; the jury grades for two weeks.
    rnd.starts_at, rnd.ends_at = now - timedelta(days=14), now - timedelta(hours=1)
    db.session.commit()
    for name, weight, lo, hi in RUBRIC:
        services.add_criterion(SYSTEM, rnd, name=name, weight=weight, min_score=lo, max_score=hi)
    services.update_settings(SYSTEM, rnd, margin=15, chair_id=chair.id if chair else None,
                             closes_at=now + timedelta(days=14))
    contest = rnd.division.contest
    from tinhoc.orgs.models import Organisation
    schools = list(db.session.scalars(select(Organisation).where(Organisation.kind == "school")
                                      .order_by(Organisation.code)))
    for i, (team, pupils, description, video) in enumerate(TEAMS):
        entry = registration.register(SYSTEM, contest, division_id=rnd.division_id, school_id=schools[i % len(schools)].id,
                                      pupils=[registration.Pupil(p, 5, "primary") for p in pupils], team_name=team)
        registration.approve(SYSTEM, entry.id)
        data = _zip(team, description)
        stored = f"demo-{rnd.id}-{entry.id}.zip"
        (products.products_dir() / stored).write_bytes(data)
        db.session.add(CreativeProduct(round_id=rnd.id, entry_id=entry.id, code=products._new_code(rnd),
                                       stored_file=stored, original_filename=f"{team}.zip", size=len(data),
                                       sha256=hashlib.sha256(data).hexdigest(), description=description,
                                       video_url=video, uploaded_at=now - timedelta(days=2),
                                       uploaded_by=entry.members[0].user_id))
        db.session.commit()
    services.assign_automatically(SYSTEM, rnd, [u.id for u in users.values()])
    criteria = services.criteria_of(rnd.id)
    for product, points in zip(sorted(services.products_of(rnd.id), key=lambda p: p.entry_id), SCORES):
        for user, values in zip(users.values(), points):
            if values is None:
                continue
            assignment = db.session.scalar(select(JuryAssignment).where(
                JuryAssignment.round_id == rnd.id, JuryAssignment.entry_id == product.entry_id,
                JuryAssignment.juror_id == user.id))
            juror = Actor(user.id, {"grader": None})
            scoring.save_scores(juror, assignment.id, {c.id: str(v) for c, v in zip(criteria, values)},
                                "Sản phẩm có ý tưởng tốt." if values[0] >= 8 else "Cần hoàn thiện thêm phần kỹ thuật.")
    return {"round_id": rnd.id}
