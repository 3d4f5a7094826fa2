"""Login slips (PDF): each pupil's username and, for an account never used yet, a fresh password.

Fresh passwords are hashed at full cost (pbkdf2, ~0.1 s each on every core): a school's few dozen
slips take a second and are printed in the request, but a province's thousand take about a minute,
longer than gunicorn or a proxy lets a request live. Above CONTEST_SLIPS_INLINE fresh passwords the
request records a `SlipBatch` and returns a page that follows it; a background job (background.py)
hashes the passwords (counting them on the batch row), then in one transaction sets them, writes
the PDF and marks the batch ready, so nothing printed is ever invalidated by a half-done batch.
The PDF holds passwords: only its requester may download it, and it is deleted
CONTEST_SLIPS_KEEP_SECONDS (one hour) after it is made.
"""
from __future__ import annotations

import io
import logging
import secrets
from datetime import timedelta
from pathlib import Path

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import select, update

from tinhoc import clock
from tinhoc.access import Actor, load_actor
from tinhoc.accounts.services import hash_passwords
from tinhoc.audit import record as audit
from tinhoc.extensions import db

from . import background
from .models import Contest, SlipBatch
from .registration import list_entries
from .services import NotFound

log = logging.getLogger(__name__)

MAKING, READY, FAILED = "making", "ready", "failed"
CHANGED, NO_REQUESTER = "changed", "no_requester"     # why a batch failed (SlipBatch.message)
HASH_CHUNK = 16          # passwords hashed between two progress writes


def slip_rows(actor: Actor, contest: Contest, school_id: int | None) -> list[tuple]:
    """(entry, member, username, fresh password or None) for every slip the actor may print, in the
    entries page's order. Free candidates chose their own password: no slip resets it."""
    rows = []
    for entry in list_entries(actor, contest):
        if (school_id is not None and entry.school_id != school_id) or entry.free_candidate:
            continue
        for m in entry.members:
            password = secrets.token_hex(4) if m.user.last_login_at is None else None
            rows.append((entry, m, m.user.username, password))
    return rows


def _set_passwords(rows, hashes) -> None:
    for (_entry, member, _username, _password), hashed in zip([r for r in rows if r[3]], hashes):
        member.user.password_hash = hashed


def print_now(actor: Actor, contest: Contest, rows, school_id: int | None) -> bytes:
    """The PDF at once (a school's slips): set the fresh passwords, audit, commit, render."""
    _set_passwords(rows, hash_passwords([r[3] for r in rows if r[3]]))
    audit(actor, "contest.slips.print", "contest", contest.id, after={"school": school_id, "count": len(rows)})
    db.session.commit()
    return render(contest, rows)


def fresh_count(rows) -> int:
    return sum(1 for r in rows if r[3])


def inline_limit(app) -> int:
    return int(app.config.get("CONTEST_SLIPS_INLINE", 60))


def request_slips(actor: Actor, contest: Contest, school_id: int | None) -> bytes | SlipBatch:
    """The slips the actor may print (one school's when given): the PDF at once when they need at
    most CONTEST_SLIPS_INLINE fresh passwords, else a batch made off the request."""
    rows = slip_rows(actor, contest, school_id)
    if fresh_count(rows) > inline_limit(current_app):
        return start(actor, contest, rows, school_id)
    return print_now(actor, contest, rows, school_id)


def start(actor: Actor, contest: Contest, rows, school_id: int | None) -> SlipBatch:
    """Record a batch for the background job and send it."""
    sweep()
    batch = SlipBatch(contest_id=contest.id, user_id=actor.user_id, school_id=school_id, state=MAKING,
                      total=len(rows), done=0, started_at=clock.now())
    db.session.add(batch)
    db.session.commit()
    background.run(current_app._get_current_object(), KIND, batch.id)
    return batch


def make(batch_id: int) -> str:
    """The background job: hash, then set the passwords, write the PDF and settle, in one transaction.
    Safe to run twice: only the run that moves the batch out of "making" commits anything."""
    batch = db.session.get(SlipBatch, batch_id)
    if batch is None or batch.state != MAKING:
        return batch.state if batch else ""
    actor = load_actor(batch.user_id) if batch.user_id else None
    if actor is None:
        return _fail(batch_id, NO_REQUESTER)
    contest, school_id = batch.contest, batch.school_id
    rows = slip_rows(actor, contest, school_id)
    passwords = [r[3] for r in rows if r[3]]
    db.session.execute(update(SlipBatch).where(SlipBatch.id == batch_id).values(total=len(rows)))
    db.session.commit()
    hashes: list[str] = []
    for i in range(0, len(passwords), HASH_CHUNK):
        hashes += hash_passwords(passwords[i:i + HASH_CHUNK])
        db.session.execute(update(SlipBatch).where(SlipBatch.id == batch_id, SlipBatch.state == MAKING)
                           .values(done=len(hashes)))
        db.session.commit()       # only the batch's count: the passwords are set below, all at once
    rows = _same_rows(actor, contest, school_id, rows)
    if rows is None:
        return _fail(batch_id, CHANGED)
    pdf = render(contest, rows)
    name = f"{secrets.token_hex(16)}.pdf"
    path = slips_dir() / name
    path.write_bytes(pdf)
    path.chmod(0o600)
    _set_passwords(rows, hashes)
    settled = db.session.execute(update(SlipBatch).where(SlipBatch.id == batch_id, SlipBatch.state == MAKING)
                                 .values(state=READY, stored_file=name, done=len(hashes),
                                         finished_at=clock.now()))
    if settled.rowcount != 1:            # another run settled it first: keep its passwords and file
        db.session.rollback()
        path.unlink(missing_ok=True)
        return db.session.get(SlipBatch, batch_id).state
    audit(actor, "contest.slips.print", "contest", contest.id,
          after={"school": school_id, "count": len(rows), "batch": batch_id})
    try:
        db.session.commit()
    except Exception:        # nothing records the PDF, and its passwords were never set: delete it
        db.session.rollback()
        path.unlink(missing_ok=True)
        raise
    return READY


def _same_rows(actor, contest, school_id, rows):
    """The rows again, in this transaction, with the passwords drawn before hashing; None when the
    slips to print changed meanwhile (a pupil registered, or logged in for the first time)."""
    now = slip_rows(actor, contest, school_id)
    if [(r[2], r[3] is None) for r in now] != [(r[2], r[3] is None) for r in rows]:
        return None
    return [(e, m, u, old[3]) for (e, m, u, _p), old in zip(now, rows)]


def _fail(batch_id: int, reason: str) -> str:
    db.session.rollback()
    db.session.execute(update(SlipBatch).where(SlipBatch.id == batch_id, SlipBatch.state == MAKING)
                       .values(state=FAILED, message=reason, finished_at=clock.now()))
    db.session.commit()
    return FAILED


def slips_dir() -> Path:
    folder = Path(current_app.config.get("CONTEST_SLIPS_DIR") or Path(current_app.instance_path) / "contest_slips")
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def keep_seconds() -> float:
    return float(current_app.config.get("CONTEST_SLIPS_KEEP_SECONDS", 3600))


def expired(batch: SlipBatch) -> bool:
    return batch.state == READY and (batch.stored_file is None or (
        clock.as_utc(batch.finished_at) + timedelta(seconds=keep_seconds()) <= clock.now()))


def sweep() -> int:
    """Delete the PDFs kept longer than CONTEST_SLIPS_KEEP_SECONDS (they hold passwords)."""
    before = clock.now() - timedelta(seconds=keep_seconds())
    old = list(db.session.scalars(select(SlipBatch).where(SlipBatch.stored_file.is_not(None),
                                                          SlipBatch.finished_at <= before)))
    for batch in old:
        (slips_dir() / batch.stored_file).unlink(missing_ok=True)
        batch.stored_file = None
    if old:
        db.session.commit()
    return len(old)


def batch_for(actor: Actor, batch_id: int) -> SlipBatch:
    """The batch, for its requester only (404 otherwise: the PDF holds passwords). One left "making"
    by a process that died is taken up again as its page looks at it."""
    batch = db.session.get(SlipBatch, batch_id)
    if batch is None or actor.user_id is None or batch.user_id != actor.user_id:
        raise NotFound(batch_id)
    if batch.state == MAKING and background.revive(current_app._get_current_object(), KIND, batch.id):
        db.session.refresh(batch)
    elif batch.stored_file and expired(batch):
        sweep()
    return batch


def pdf_of(batch: SlipBatch) -> bytes | None:
    """The kept PDF, or None once it expired (deleted)."""
    if batch.state != READY or expired(batch):
        sweep()
        return None
    try:
        return (slips_dir() / batch.stored_file).read_bytes()
    except OSError:
        return None


def failure_text(batch: SlipBatch) -> str:
    """Why a batch failed, in the reader's language."""
    if batch.message == CHANGED:
        return _("danh sách thí sinh hoặc tài khoản đã thay đổi trong lúc tạo phiếu (có em vừa đăng nhập "
                 "lần đầu): hãy in lại.")
    if batch.message == NO_REQUESTER:
        return _("tài khoản yêu cầu in phiếu không còn.")
    return batch.message


def status_json(batch: SlipBatch) -> dict:
    return {"id": batch.id, "state": batch.state, "done": batch.done, "total": batch.total}


def render(contest: Contest, rows) -> bytes:
    from reportlab.lib.pagesizes import A4
    from reportlab.pdfgen.canvas import Canvas

    from tinhoc.certification.pdf import BOLD, REGULAR, _fonts
    _fonts()
    out = io.BytesIO()
    c = Canvas(out, pagesize=A4)
    width, height = A4
    slip_h = height / 5
    for i, (entry, member, username, password) in enumerate(rows):
        if i and i % 5 == 0:
            c.showPage()
        top = height - (i % 5) * slip_h
        c.setDash(3, 3)
        c.line(20, top - slip_h + 2, width - 20, top - slip_h + 2)
        c.setDash()
        c.setFont(BOLD, 11)
        c.drawString(40, top - 28, contest.title[:90])
        c.setFont(REGULAR, 10)
        c.drawString(40, top - 46, f"Thí sinh: {member.full_name} · lớp {member.grade} · bảng {entry.division.code}")
        c.drawString(40, top - 62, f"Trường: {entry.school.name if entry.school else ''}")
        c.setFont(BOLD, 12)
        c.drawString(40, top - 86, f"Tên đăng nhập: {username}")
        c.drawString(40, top - 104, f"Mật khẩu: {password}" if password else "Mật khẩu: (tài khoản đã được dùng)")
        c.setFont(REGULAR, 8)
        c.drawString(40, top - 124, "Giữ phiếu này cẩn thận; không đưa mật khẩu cho người khác.")
    if not rows:
        c.setFont(REGULAR, 11)
        c.drawString(40, height - 60, "Chưa có thí sinh.")
    c.showPage()
    c.save()
    return out.getvalue()


KIND = background.register(background.Kind("login_slips", SlipBatch, MAKING, make))

__all__ = ["FAILED", "KIND", "MAKING", "READY", "batch_for", "failure_text", "make", "pdf_of", "render", "request_slips",
           "slip_rows", "status_json", "sweep"]
