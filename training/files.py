"""Lesson files under the instance folder: type checked by their first bytes, size capped, stored
under a random name (the user's name is kept only for the download)."""
from __future__ import annotations

import os
import secrets
from pathlib import Path

from flask import current_app
from flask_babel import gettext as _

from .lessons import LessonError, Upload

DEFAULT_MAX_BYTES = 50 * 1024 * 1024


def folder() -> Path:
    path = Path(current_app.instance_path) / "training_files"
    path.mkdir(parents=True, exist_ok=True)
    return path


def store(upload: Upload, kinds: dict) -> dict:
    """Save an upload whose extension is one of `kinds` and whose bytes match it; return the params."""
    name = os.path.basename((upload.filename or "").replace("\\", "/")).strip()
    ext = os.path.splitext(name)[1].lower()
    if ext not in kinds:
        raise LessonError(_("Loại tệp không được nhận; chỉ nhận: %(list)s.", list=", ".join(sorted(kinds))))
    limit = current_app.config.get("TRAINING_MAX_FILE_BYTES", DEFAULT_MAX_BYTES)
    if not upload.data:
        raise LessonError(_("Tệp rỗng."))
    if len(upload.data) > limit:
        raise LessonError(_("Tệp lớn quá %(n)d MB.", n=limit // (1024 * 1024)))
    signatures = kinds[ext]
    if not any(_matches(upload.data, sig, ext) for sig in signatures):
        raise LessonError(_("Nội dung tệp không đúng với loại %(ext)s.", ext=ext))
    stored = secrets.token_hex(16) + ext
    (folder() / stored).write_bytes(upload.data)
    return {"stored": stored, "filename": name[:200], "size": len(upload.data)}


def _matches(data: bytes, signature: bytes | None, ext: str) -> bool:
    if signature is None:  # MP4: an ISO media box "ftyp" at offset 4
        return data[4:8] == b"ftyp"
    return data.startswith(signature)


def path_of(stored: str) -> Path:
    if not stored or "/" in stored or "\\" in stored or stored.startswith("."):
        raise FileNotFoundError(stored)
    return folder() / stored
