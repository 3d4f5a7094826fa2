"""The practical part's files: the candidate uploads the document they produced.

The type is decided by the content, not the name: an Office Open XML file is a zip holding
`[Content_Types].xml` and its main part (word/document.xml, xl/workbook.xml, ppt/presentation.xml);
an OpenDocument file is a zip whose `mimetype` member names it; a PDF starts with `%PDF-`. A second
upload replaces the first. Refused once the attempt is over (the file already kept stays).
"""
from __future__ import annotations

import hashlib
import io
import os
import zipfile

from flask_babel import gettext as _
from sqlalchemy import delete, select

from tinhoc import clock, text
from tinhoc.extensions import db

from ..models import QuestionVersion
from . import services
from .errors import AttemptClosed, DeliveryError, NotFound
from .models import AttemptFile, AttemptItem

MAX_BYTES = 20 * 1024 * 1024
OOXML = {".docx": ("word/document.xml", "application/vnd.openxmlformats-officedocument.wordprocessingml.document"),
         ".xlsx": ("xl/workbook.xml", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
         ".pptx": ("ppt/presentation.xml",
                   "application/vnd.openxmlformats-officedocument.presentationml.presentation")}
ODF = {".odt": "application/vnd.oasis.opendocument.text", ".ods": "application/vnd.oasis.opendocument.spreadsheet",
       ".odp": "application/vnd.oasis.opendocument.presentation"}


def detect(data: bytes) -> tuple[str, str] | None:
    """(extension, content type) read from the bytes, or None when the content is none we accept."""
    if data.startswith(b"%PDF-"):
        return ".pdf", "application/pdf"
    if not data.startswith(b"PK"):
        return None
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            names = set(archive.namelist())
            if "mimetype" in names:
                info = archive.getinfo("mimetype")
                mimetype = archive.read("mimetype").decode("ascii", "replace").strip() if info.file_size < 200 else ""
                for ext, kind in ODF.items():
                    if mimetype == kind:
                        return ext, kind
            if "[Content_Types].xml" in names:
                for ext, (main, kind) in OOXML.items():
                    if main in names:
                        return ext, kind
    except (zipfile.BadZipFile, OSError, KeyError, ValueError):
        return None
    return ".zip", "application/zip"


def save_file(user_id: int, attempt_id: int, item_id: int, filename: str, data: bytes) -> AttemptFile:
    attempt = services.own_attempt(user_id, attempt_id)
    if attempt.state == "open" and services.expired(attempt):
        services.finish_attempt(attempt, "closed")
    if attempt.state != "open":
        raise AttemptClosed(_("Đã hết giờ làm bài (hoặc bài đã nộp): tệp này không được nhận. "
                              "Tệp đã nộp trước đó vẫn được giữ."), attempt.last_seq)
    row = db.session.execute(select(AttemptItem, QuestionVersion.type, QuestionVersion.params)
                             .join(QuestionVersion, QuestionVersion.id == AttemptItem.question_version_id)
                             .where(AttemptItem.id == item_id, AttemptItem.attempt_id == attempt.id)).first() \
        if isinstance(item_id, int) else None
    if row is None or row[1] != "file":
        raise NotFound(_("Không tìm thấy câu hỏi."))
    item, _type, params = row
    if not data:
        raise DeliveryError(_("Tệp rỗng: hãy chọn lại tệp."))
    if len(data) > MAX_BYTES:
        raise DeliveryError(_("Tệp lớn quá %(n)d MB.", n=MAX_BYTES // (1024 * 1024)))
    found = detect(data)
    allowed = params.get("extensions") or list(OOXML)
    if found is None or found[0] not in allowed:
        raise DeliveryError(_("Nội dung tệp không phải là một tệp được nhận (%(x)s).", x=", ".join(allowed)))
    ext, kind = found
    stem = os.path.splitext(text.clean(os.path.basename((filename or "").replace("\\", "/"))))[0][:200] or "bai-lam"
    now = clock.now()
    db.session.execute(delete(AttemptFile).where(AttemptFile.item_id == item.id))
    upload = AttemptFile(item_id=item.id, filename=stem + ext, content_type=kind, size=len(data),
                         sha256=hashlib.sha256(data).hexdigest(), data=data, uploaded_at=now)
    db.session.add(upload)
    item.response = {"file": upload.filename, "size": len(data), "sha256": upload.sha256}
    item.answered_at = now
    attempt.last_saved_at = now
    db.session.commit()
    return upload


def file_for_candidate(user_id: int, attempt_id: int, item_id: int) -> AttemptFile:
    """The candidate's own uploaded file (to check what they sent)."""
    attempt = services.own_attempt(user_id, attempt_id)
    upload = db.session.scalar(select(AttemptFile).join(AttemptItem, AttemptItem.id == AttemptFile.item_id)
                               .where(AttemptItem.id == item_id, AttemptItem.attempt_id == attempt.id)) \
        if isinstance(item_id, int) else None
    if upload is None:
        raise NotFound(_("Không tìm thấy tệp."))
    return upload
