"""Problem packages verified off the request.

The judge's `verify` runs every reference solution of a package on every test; a package whose
time-limit-exceeded solutions run to the limit on thirty tests takes minutes, longer than a proxy
or gunicorn waits for a request. So the upload request checks what it can at once (who, size, a free
letter), keeps the zip under its content hash and records a `ProblemUpload` ("verifying"); a
background job (background.py) verifies it and either creates the Problem ("accepted") or keeps the
reason ("refused") with what the organiser typed, for the form to come back filled. The organiser's
page polls the upload's state.

The verdict is taken once: the state moves from "verifying" by a guarded UPDATE in the transaction
that creates the problem, so two verifications of one upload (a start-up re-dispatch while the first
still runs) create one problem. A process that dies mid-verify leaves the upload "verifying"; its
heartbeat stops, and the next start-up or a look at its page takes it up again (background.py).
"""
from __future__ import annotations

import logging
import os
from datetime import timedelta

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import or_, select, update
from sqlalchemy.exc import IntegrityError

from tinhoc import clock
from tinhoc.access import Actor
from tinhoc.audit import record as audit
from tinhoc.extensions import db

from . import background, problems
from .models import ProblemUpload, Round
from .services import NotFound, may_manage

log = logging.getLogger(__name__)

VERIFYING, ACCEPTED, REFUSED = "verifying", "accepted", "refused"


def start(actor: Actor, rnd: Round, *, letter: str, title: str, statement_md: str, data: bytes) -> ProblemUpload:
    """Check, keep the zip, record the upload and send it to be verified. ContestError (a clear
    message) for what can be told at once."""
    letter = problems.check_upload(actor, rnd, letter=letter, data=data)
    name, sha = problems.store_package(data)
    upload = ProblemUpload(round_id=rnd.id, user_id=actor.user_id, letter=letter, title=title,
                           statement_md=statement_md, package_file=name, package_sha256=sha, state=VERIFYING,
                           started_at=clock.now())
    db.session.add(upload)
    db.session.flush()
    audit(actor, "contest.problem.upload", "contest_problem_upload", upload.id,
          after={"round": rnd.id, "letter": letter, "sha256": sha})
    db.session.commit()
    background.run(current_app._get_current_object(), KIND, upload.id)
    return upload


def verify(upload_id: int) -> str:
    """Verify one upload and settle it; returns its state. Does nothing to one already settled."""
    upload = db.session.get(ProblemUpload, upload_id)
    if upload is None or upload.state != VERIFYING:
        return upload.state if upload else ""
    path = os.path.join(problems.packages_dir(), upload.package_file)
    db.session.rollback()          # no transaction held open through minutes of judging
    try:
        inspected = problems.inspect_package(path)
    except problems.PackageRefused as exc:
        return _refuse(upload_id, str(exc))
    except OSError as exc:         # the kept file is gone (disk cleaned up under us)
        return _refuse(upload_id, f"cannot read the package: {exc}")
    except Exception:  # noqa: BLE001 - whatever broke on our side, the organiser gets an answer
        log.exception("verifying problem upload %s failed", upload_id)
        db.session.rollback()
        return _refuse(upload_id, "internal error while verifying the package (see the server log)")
    return _accept(upload_id, inspected)


def _settle(upload_id: int, state: str, **values) -> bool:
    """Move the upload out of "verifying" (in the caller's transaction); False when another
    verification settled it first."""
    done = db.session.execute(update(ProblemUpload)
                              .where(ProblemUpload.id == upload_id, ProblemUpload.state == VERIFYING)
                              .values(state=state, finished_at=clock.now(), **values))
    return done.rowcount == 1


def _refuse(upload_id: int, reason: str) -> str:
    if not _settle(upload_id, REFUSED, message=reason):
        db.session.rollback()
        return db.session.get(ProblemUpload, upload_id).state
    upload = db.session.get(ProblemUpload, upload_id, populate_existing=True)
    audit(upload.user_id, "contest.problem.refused", "contest_problem_upload", upload_id, after={"reason": reason[:500]})
    db.session.commit()
    if not problems.package_in_use(upload.package_file):
        (problems.packages_dir() / upload.package_file).unlink(missing_ok=True)
    return REFUSED


def _accept(upload_id: int, inspected) -> str:
    if not _settle(upload_id, ACCEPTED):
        db.session.rollback()
        return db.session.get(ProblemUpload, upload_id).state
    upload = db.session.get(ProblemUpload, upload_id, populate_existing=True)
    rnd = db.session.get(Round, upload.round_id)
    try:
        with db.session.begin_nested():
            problem = problems.create_problem(rnd, letter=upload.letter, title=upload.title,
                                              statement_md=upload.statement_md, package_file=upload.package_file,
                                              sha=upload.package_sha256, inspected=inspected)
    except IntegrityError:         # the letter was given to another problem meanwhile
        db.session.rollback()
        return _refuse_taken(upload_id)
    upload.problem_id = problem.id
    report = inspected[0]
    audit(upload.user_id, "contest.problem.create", "contest_problem", problem.id,
          after={"letter": problem.letter, "sha256": problem.package_sha256, "time_limit": report.time_limit,
                 "format": problem.package_format, "upload": upload_id})
    db.session.commit()
    return ACCEPTED


def _refuse_taken(upload_id: int) -> str:
    upload = db.session.get(ProblemUpload, upload_id)
    return _refuse(upload_id, f"the letter {upload.letter} was taken by another problem while the package was verified")


def upload_for(actor: Actor, upload_id: int) -> ProblemUpload:
    """The upload, for the organisers of its contest only (404 otherwise). One still being verified
    by a process that died is taken up again as its page looks at it."""
    upload = db.session.get(ProblemUpload, upload_id)
    if upload is None or not may_manage(actor, upload.round.division.contest):
        raise NotFound(upload_id)
    if upload.state == VERIFYING and background.revive(current_app._get_current_object(), KIND, upload.id):
        db.session.refresh(upload)
    return upload


def unsettled(rnd: Round, limit: int = 10) -> list[ProblemUpload]:
    """The round's uploads still being verified and the refused ones of the last day, newest first."""
    since = clock.now() - timedelta(days=1)
    return list(db.session.scalars(
        select(ProblemUpload).where(ProblemUpload.round_id == rnd.id,
                                    or_(ProblemUpload.state == VERIFYING,
                                        (ProblemUpload.state == REFUSED) & (ProblemUpload.finished_at >= since)))
        .order_by(ProblemUpload.id.desc()).limit(limit)))


def status_json(upload: ProblemUpload) -> dict:
    from flask import url_for
    out = {"id": upload.id, "state": upload.state, "letter": upload.letter, "title": upload.title}
    if upload.state == REFUSED:
        out["reason"] = upload.message
    if upload.problem_id:
        out["problem_url"] = url_for("contests.show_problem", problem_id=upload.problem_id)
    return out


def describe(upload: ProblemUpload) -> str:
    """One line for the organiser, in their language."""
    if upload.state == VERIFYING:
        return _("Đang kiểm tra gói đề bài %(l)s (%(t)s)…", l=upload.letter, t=upload.title)
    if upload.state == REFUSED:
        return _("Gói đề không dùng được: %(why)s", why=upload.message)
    return _("Đã thêm bài %(l)s.", l=upload.letter)


KIND = background.register(background.Kind("problem_upload", ProblemUpload, VERIFYING, verify))

__all__ = ["ACCEPTED", "KIND", "REFUSED", "VERIFYING", "describe", "start", "status_json", "unsettled",
           "upload_for", "verify"]
