"""Creative products: a team uploads its zip (checked, size-capped, one current product), only its
members, only while the round is open; a refused upload keeps the previous product."""
from __future__ import annotations

import io
import zipfile
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from tests.jury_helpers import jury_world, small_zip


@pytest.fixture
def jw(db, frozen_clock):
    return jury_world(db)


def _upload(client, rnd, data, *, filename="san-pham.zip", description="Ứng dụng học tiếng Việt có dấu",
            video=""):
    body = {"description": description, "video_url": video}
    if data is not None:
        body["file"] = (io.BytesIO(data), filename)
    return client.post(f"/contests/creative/{rnd.id}/product", data=body, content_type="multipart/form-data",
                       follow_redirects=True)


def _products(db):
    from contests.jury.models import CreativeProduct
    db.session.expire_all()
    return list(db.session.scalars(select(CreativeProduct).order_by(CreativeProduct.id)))


def test_member_uploads_then_replaces_one_current_product(client, login, db, jw):
    from contests.jury import products
    login("danasc")
    page = client.get(f"/contests/creative/{jw['creative'].id}/product").get_data(as_text=True)
    assert "Chưa nộp sản phẩm." in page and "Đội Sơn Ca" in page
    first = small_zip("bản đầu")
    body = _upload(client, jw["creative"], first, filename="Sơn Ca – sản phẩm.zip",
                   video="https://www.youtube.com/watch?v=abc").get_data(as_text=True)
    assert "Đã nhận sản phẩm." in body and "Ứng dụng học tiếng Việt có dấu" in body
    [product] = _products(db)
    assert product.entry_id == jw["team_a"].id and product.original_filename == "Sơn Ca – sản phẩm.zip"
    assert product.code.startswith("D1-") and product.video_url == "https://www.youtube.com/watch?v=abc"
    old_file = products.path_of(product)
    assert old_file.read_bytes() == first
    # the team mate replaces it: still one product, same code, the new bytes, the old file gone
    client.post("/logout")
    login("ducsc")
    second = small_zip("bản sửa")
    assert "Đã nhận sản phẩm." in _upload(client, jw["creative"], second).get_data(as_text=True)
    [again] = _products(db)
    assert again.id == product.id and again.code == product.code and products.path_of(again).read_bytes() == second
    assert not old_file.exists()
    # only the description changes when no file is chosen
    assert "Đã nhận sản phẩm." in _upload(client, jw["creative"], None, description="Mô tả mới").get_data(as_text=True)
    [third] = _products(db)
    assert third.description == "Mô tả mới" and products.path_of(third).read_bytes() == second
    # the member downloads it under its own name
    response = client.get(f"/contests/products/{third.id}/download")
    assert response.status_code == 200 and response.data == second


def test_a_commit_that_fails_keeps_the_previous_file_and_leaves_no_new_one(client, login, db, jw, monkeypatch):
    """The new file is written before the transaction that names it: if the commit fails, the old
    product stays whole and the new file is deleted (nothing would ever find it again)."""
    from sqlalchemy.exc import OperationalError

    from contests.jury import products
    from tinhoc.access import load_actor
    login("danasc")
    first = small_zip("bản đầu")
    assert "Đã nhận sản phẩm." in _upload(client, jw["creative"], first).get_data(as_text=True)
    folder = products.path_of(_products(db)[0]).parent
    files = sorted(folder.iterdir())

    def refused(*args, **kw):
        raise OperationalError("COMMIT", {}, Exception("the database went away"))
    with client.application.test_request_context(), monkeypatch.context() as patched:
        actor = load_actor(jw["dana"].id)
        patched.setattr(db.session, "commit", refused)
        with pytest.raises(OperationalError):
            products.save_product(actor, jw["creative"].id, filename="moi.zip", data=small_zip("bản mới"),
                                  description="", video_url="")
    assert sorted(folder.iterdir()) == files
    [product] = _products(db)
    assert products.path_of(product).read_bytes() == first


def _broken_zip() -> bytes:
    data = bytearray(small_zip("hỏng"))
    data[40:60] = b"\x00" * 20      # inside the first member's compressed bytes: the CRC check fails
    return bytes(data)


def _empty_zip() -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w"):
        pass
    return out.getvalue()


@pytest.mark.parametrize("data,reason", [
    (b"", "Tệp rỗng"),
    (b"Day khong phai tep zip", "không phải là tệp nén .zip"),
    (b"%PDF-1.7 a pdf renamed", "không phải là tệp nén .zip"),
    (b"PK\x03\x04 truncated", "bị hỏng hoặc không đọc được"),
    ("broken", "bị hỏng"),
    ("empty", "không chứa tệp nào"),
])
def test_bad_zip_refused_with_reason_previous_kept(client, login, db, jw, data, reason):
    login("danasc")
    good = small_zip()
    _upload(client, jw["creative"], good)
    data = {"broken": _broken_zip, "empty": _empty_zip}[data]() if isinstance(data, str) else data
    text = _upload(client, jw["creative"], data, filename="x.zip").get_data(as_text=True)
    assert "Sản phẩm không được nhận" in text and reason in text
    [product] = _products(db)
    from contests.jury import products
    assert products.path_of(product).read_bytes() == good


def test_first_upload_needs_a_file_and_size_is_capped(app, client, login, db, jw):
    login("danasc")
    assert "Hãy chọn tệp sản phẩm (.zip)." in _upload(client, jw["creative"], None).get_data(as_text=True)
    before = app.config["CONTEST_PRODUCT_MAX_BYTES"]
    app.config["CONTEST_PRODUCT_MAX_BYTES"] = 200
    try:
        text = _upload(client, jw["creative"], small_zip("x" * 5000)).get_data(as_text=True)
    finally:
        app.config["CONTEST_PRODUCT_MAX_BYTES"] = before
    assert "Tệp lớn quá" in text
    assert _products(db) == []


@pytest.mark.parametrize("video", ["javascript:alert(1)", "ftp://example.com/v.mp4", "www.youtube.com/x",
                                   "https://", "https://exa mple.com"])
def test_video_link_must_be_http(client, login, db, jw, video):
    login("danasc")
    text = _upload(client, jw["creative"], small_zip(), video=video).get_data(as_text=True)
    assert "Đường dẫn video phải là một địa chỉ http:// hoặc https:// hợp lệ." in text
    assert _products(db) == []


def test_after_window_refused_with_message_previous_kept(client, login, db, jw, frozen_clock):
    from contests.jury import products
    login("danasc")
    first = small_zip("đúng hạn")
    _upload(client, jw["creative"], first)
    frozen_clock.advance(timedelta(hours=2, minutes=1))    # 10:01: the round ended at 10:00
    text = _upload(client, jw["creative"], small_zip("trễ hạn"), description="sửa trễ").get_data(as_text=True)
    assert "Vòng thi không mở (ngoài thời gian nộp sản phẩm)" in text and "vẫn được giữ" in text
    [product] = _products(db)
    assert products.path_of(product).read_bytes() == first and product.description != "sửa trễ"
    assert 'id="product-form"' not in client.get(f"/contests/creative/{jw['creative'].id}/product").get_data(as_text=True)


def test_before_window_refused(client, login, db, jw, frozen_clock):
    frozen_clock.advance(timedelta(hours=-2))
    login("danasc")
    assert "Vòng thi không mở" in _upload(client, jw["creative"], small_zip()).get_data(as_text=True)
    assert _products(db) == []


def test_contestant_uploads_only_for_own_team(client, login, db, jw):
    login("danasc")
    _upload(client, jw["creative"], small_zip("Sơn Ca"))
    [dana_product] = _products(db)
    client.post("/logout")
    login("evehm")     # another team of the division: her upload is her own team's, Sơn Ca's is untouched
    _upload(client, jw["creative"], small_zip("Họa Mi"))
    rows = _products(db)
    assert {p.entry_id for p in rows} == {jw["team_a"].id, jw["team_b"].id}
    assert next(p for p in rows if p.entry_id == jw["team_a"].id).sha256 == dana_product.sha256
    assert client.get(f"/contests/products/{dana_product.id}/download").status_code == 404
    assert client.get("/contests/products/999999/download").status_code == 404


@pytest.mark.parametrize("who", ["bob", "finn", "organiser", "grader"])
def test_non_members_get_404_on_the_product_page(client, login, db, jw, who):
    """bob is in division B only, finn's entry is pending, the organiser and juror are no team."""
    login(who)
    assert client.get(f"/contests/creative/{jw['creative'].id}/product").status_code == 404
    assert _upload(client, jw["creative"], small_zip()).status_code == 404
    assert _products(db) == []


def test_programming_round_has_no_product_page(client, login, jw):
    login("alice")
    assert client.get(f"/contests/creative/{jw['round'].id}/product").status_code == 404


def test_organiser_downloads_any_product_of_their_contest(client, login, db, jw):
    login("danasc")
    _upload(client, jw["creative"], small_zip())
    [product] = _products(db)
    client.post("/logout")
    login("organiser")
    assert client.get(f"/contests/products/{product.id}/download").status_code == 200
    client.post("/logout")
    login("district")     # a district organiser: the province contest is not theirs
    assert client.get(f"/contests/products/{product.id}/download").status_code == 404


def test_round_page_links_the_product_page_for_members(client, login, jw):
    login("danasc")
    page = client.get(f"/contests/rounds/{jw['creative'].id}").get_data(as_text=True)
    assert f"/contests/creative/{jw['creative'].id}/product" in page
    assert db_count_products() == 0


def db_count_products() -> int:
    from tinhoc.extensions import db
    from contests.jury.models import CreativeProduct
    return db.session.scalar(select(func.count(CreativeProduct.id)))
