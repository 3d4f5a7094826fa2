"""A team's product upload: a real zip (opened and its checksums read, not trusted by its name),
size capped (CONTEST_PRODUCT_MAX_BYTES), kept under the instance folder by a random name; a new
upload replaces the old file, so each entry has one current product. Only members of the entry,
only while the round is open; a refused upload leaves the previous product as it was."""
from __future__ import annotations

import hashlib
import io
import os
import secrets
import zipfile
import zlib
from pathlib import Path
from urllib.parse import urlsplit

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from tinhoc import clock, text
from tinhoc.access import Actor
from tinhoc.audit import record as audit
from tinhoc.extensions import db

from .. import services as contest_services
from ..models import Entry, Round
from .models import CreativeProduct

DEFAULT_MAX_BYTES = 50 * 1024 * 1024
MAX_DESCRIPTION = 5000


class ProductRefused(contest_services.ContestError):
    """The upload is not taken; str() says why. The previous product stays."""


def max_bytes() -> int:
    return int(current_app.config.get("CONTEST_PRODUCT_MAX_BYTES") or DEFAULT_MAX_BYTES)


def products_dir() -> Path:
    folder = Path(current_app.config.get("CONTEST_PRODUCT_DIR") or Path(current_app.instance_path) / "contest_products")
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def path_of(product: CreativeProduct) -> Path:
    name = product.stored_file
    if not name or "/" in name or "\\" in name or name.startswith("."):
        raise FileNotFoundError(name)
    return products_dir() / name


def check_zip(data: bytes) -> None:
    """Refuse, with the reason, what is not a readable, non-empty, unencrypted zip archive."""
    if not data:
        raise ProductRefused(_("Tệp rỗng: hãy chọn lại tệp."))
    limit = max_bytes()
    if len(data) > limit:
        raise ProductRefused(_("Tệp lớn quá %(n)s MB.", n=round(limit / (1024 * 1024), 1)))
    if not data.startswith(b"PK"):
        raise ProductRefused(_("Tệp không phải là tệp nén .zip (nội dung không đúng định dạng zip)."))
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            infos = archive.infolist()
            if not any(not i.is_dir() for i in infos):
                raise ProductRefused(_("Tệp .zip không chứa tệp nào."))
            if any(i.flag_bits & 0x1 for i in infos):
                raise ProductRefused(_("Tệp .zip có mật khẩu: ban giám khảo không mở được."))
            broken = archive.testzip()
    except ProductRefused:
        raise
    except (zipfile.BadZipFile, zipfile.LargeZipFile, zlib.error, NotImplementedError, OSError, ValueError, EOFError):
        raise ProductRefused(_("Tệp .zip bị hỏng hoặc không đọc được.")) from None
    if broken is not None:
        raise ProductRefused(_("Tệp .zip bị hỏng (lỗi kiểm tra ở tệp %(name)s).", name=broken))


def clean_video_url(raw: str | None) -> str:
    """An http(s) address or empty; anything else (javascript:, ftp:, a bare word) is refused."""
    url = (raw or "").strip()
    if not url:
        return ""
    parts = urlsplit(url)
    if parts.scheme.lower() not in ("http", "https") or not parts.netloc or any(c.isspace() for c in url) \
            or len(url) > 500:
        raise ProductRefused(_("Đường dẫn video phải là một địa chỉ http:// hoặc https:// hợp lệ."))
    return url


def creative_round_for(actor: Actor, round_id: int) -> tuple[Round, Entry]:
    """The creative round and the actor's approved entry in it; anyone else: not found."""
    rnd, entry, _manager = contest_services.round_for(actor, round_id)
    if rnd.kind != "creative" or entry is None:
        raise contest_services.NotFound(round_id)
    return rnd, entry


def current_product(round_id: int, entry_id: int) -> CreativeProduct | None:
    return db.session.scalar(select(CreativeProduct).where(CreativeProduct.round_id == round_id,
                                                           CreativeProduct.entry_id == entry_id))


def _new_code(rnd: Round) -> str:
    """An anonymous code not yet used in the round: the division's code and a random number (random,
    so the code says nothing about who uploaded first)."""
    used = set(db.session.scalars(select(CreativeProduct.code).where(CreativeProduct.round_id == rnd.id)))
    width = 3 if len(used) < 500 else 4
    while True:
        code = f"{rnd.division.code}-{secrets.randbelow(10 ** width - 1) + 1:0{width}d}"
        if code not in used:
            return code


def save_product(actor: Actor, round_id: int, *, filename: str | None, data: bytes | None, description: str,
                 video_url: str) -> CreativeProduct:
    """Store (or replace) the actor's entry's product. `data` None keeps the current file and updates
    the description and video link (refused when there is no file yet)."""
    rnd, entry = creative_round_for(actor, round_id)
    if not rnd.is_open():
        raise ProductRefused(_("Vòng thi không mở (ngoài thời gian nộp sản phẩm): sản phẩm không được nhận. "
                               "Sản phẩm đã nộp trước đó vẫn được giữ."))
    description = text.clean(description or "", multiline=True)
    if len(description) > MAX_DESCRIPTION:
        raise ProductRefused(_("Mô tả dài quá: tối đa %(n)d ký tự.", n=MAX_DESCRIPTION))
    video = clean_video_url(video_url)
    product = current_product(rnd.id, entry.id)
    if data is None and product is None:
        raise ProductRefused(_("Hãy chọn tệp sản phẩm (.zip)."))
    before = None if product is None else {"sha256": product.sha256, "size": product.size}
    if data is not None:
        check_zip(data)
        stored = secrets.token_hex(16) + ".zip"
        (products_dir() / stored).write_bytes(data)
        old = product.stored_file if product is not None else None
        if product is None:
            product = CreativeProduct(round_id=rnd.id, entry_id=entry.id, code=_new_code(rnd))
            db.session.add(product)
        name = os.path.basename((filename or "").replace("\\", "/"))
        product.stored_file = stored
        product.original_filename = text.clean(name)[:255] or "san-pham.zip"
        product.size = len(data)
        product.sha256 = hashlib.sha256(data).hexdigest()
        product.uploaded_at = clock.now()
        product.uploaded_by = actor.user_id
    else:
        old = None
    product.description = description
    product.video_url = video
    try:
        db.session.flush()
    except IntegrityError:   # a team mate's first upload (or the same code) landed at the same moment
        db.session.rollback()
        if data is not None:
            (products_dir() / stored).unlink(missing_ok=True)
        raise ProductRefused(_("Một thành viên khác của đội vừa nộp sản phẩm cùng lúc; hãy nộp lại.")) from None
    audit(actor, "contest.product.upload", "contest_creative_product", product.id, before=before,
          after={"sha256": product.sha256, "size": product.size, "entry_id": entry.id})
    try:
        db.session.commit()
    except Exception:        # the database refused: no row names the new file, so it goes too
        db.session.rollback()
        if data is not None:
            (products_dir() / stored).unlink(missing_ok=True)
        raise
    if old and old != product.stored_file:   # the new file is in place and recorded: drop the old one
        try:
            (products_dir() / old).unlink(missing_ok=True)
        except OSError:
            current_app.logger.warning("old product file %s not removed", old)
    return product


def product_for_owner(actor: Actor, product_id: int) -> CreativeProduct:
    """The product for a member of its entry or a manager of its contest (with its real file name)."""
    product = db.session.get(CreativeProduct, product_id)
    if product is None or actor.user_id is None:
        raise contest_services.NotFound(product_id)
    rnd = db.session.get(Round, product.round_id)
    member = any(m.user_id == actor.user_id for m in product.entry.members)
    if not member and not contest_services.may_manage(actor, rnd.division.contest):
        raise contest_services.NotFound(product_id)
    return product
