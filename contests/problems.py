"""Problems: an uploaded package is verified by the judge (off the request: problem_uploads.py),
refused with the reason when broken, and kept with the time limit verify settled, which every job
then carries (a rejudge never changes it)."""
from __future__ import annotations

import hashlib
import os
import re
import tempfile
from html import escape
from pathlib import Path

import markdown
from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import select

from tinhoc.access import Actor
from tinhoc.audit import record as audit
from tinhoc.extensions import db
from tinhoc.security import sanitize_html

from . import board
from .models import Problem, ProblemUpload, Round
from .services import ContestError, NotFound, may_manage

MAX_PACKAGE_BYTES = 64 * 1024 * 1024
SAMPLE_SHOWN_BYTES = 4096


class PackageRefused(ContestError):
    """verify found the package broken; str() says why."""


def packages_dir() -> Path:
    folder = Path(current_app.config.get("CONTEST_PACKAGE_DIR") or Path(current_app.instance_path) / "contest_packages")
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def package_path(problem: Problem) -> str:
    return str(packages_dir() / problem.package_file)


_FORMULA = re.compile(r"\$\$.+?\$\$|\$[^$\n]+?\$", re.S)
_KEPT = re.compile(r"tinhocformula(\d+)z")


def render_statement(md_text: str) -> str:
    """Markdown to sanitised HTML. Formulas ($…$, $$…$$) are kept out of Markdown's way (it would
    read `a_i … b_i` as emphasis) and come back as escaped text, which the statement page typesets
    with the vendored KaTeX (static/js/math.js)."""
    formulas: list[str] = []

    def keep(match):
        formulas.append(match.group(0))
        return f"tinhocformula{len(formulas) - 1}z"
    html = markdown.markdown(_FORMULA.sub(keep, md_text or ""), extensions=["fenced_code", "tables"])
    html = _KEPT.sub(lambda m: escape(formulas[int(m.group(1))], quote=False), html)
    return sanitize_html(html)


def _refusal(report) -> str:
    """Why verify refused the package: its error, then the first inputs and submissions that failed."""
    parts = [report.error] if report.error else []
    parts += report.input_errors[:3]
    parts += [f"{c.folder}/{c.file}: {c.reason}" for c in report.checks
              if not c.ok and not c.reason.startswith("not judged")][:3]
    return "; ".join(parts) or "the package has no submission in a language this judge runs to verify it"


def _samples(pkg) -> list[dict]:
    out = []
    for test in pkg.tests():
        if test.sample and len(out) < 5:
            out.append({"name": test.name, "input": test.input_path.read_bytes()[:SAMPLE_SHOWN_BYTES].decode("utf-8", "replace"),
                        "output": test.answer_path.read_bytes()[:SAMPLE_SHOWN_BYTES].decode("utf-8", "replace")})
    return out


def inspect_package(path: str):
    """(verify report, format, memory MiB, max score, samples) of a package; PackageRefused when broken."""
    from tinhoc.judge.packages import PackageError, load_package
    from tinhoc.judge.verify import verify

    report = verify(path)
    if not report.ok:
        raise PackageRefused(_refusal(report))
    try:
        pkg = load_package(path)
    except PackageError as exc:   # verified a moment ago; kept for a package changed under us
        raise PackageRefused(exc.reason) from exc
    try:
        return report, pkg.format, pkg.memory, round(pkg.tree.max_score(), 6), _samples(pkg)
    finally:
        pkg.close()


def check_upload(actor: Actor, rnd: Round, *, letter: str, data: bytes) -> str:
    """The checks made before a package is stored: who, the file's presence and size, a free letter
    (neither a problem's nor a package still being verified for it). Returns the letter as kept."""
    if not may_manage(actor, rnd.division.contest):
        raise NotFound(rnd.id)
    if not data:
        raise ContestError(_("Chưa chọn tệp gói đề."))
    if len(data) > MAX_PACKAGE_BYTES:
        raise ContestError(_("Gói đề lớn quá %(n)s MB.", n=MAX_PACKAGE_BYTES // 2**20))
    letter = letter.strip().upper()
    if db.session.scalar(select(Problem.id).where(Problem.round_id == rnd.id, Problem.letter == letter)):
        raise ContestError(_("Ký hiệu %(l)s đã có trong vòng thi.", l=letter))
    if db.session.scalar(select(ProblemUpload.id).where(ProblemUpload.round_id == rnd.id,
                                                        ProblemUpload.letter == letter,
                                                        ProblemUpload.state == "verifying")):
        raise ContestError(_("Gói đề cho bài %(l)s đang được kiểm tra; hãy chờ kết quả.", l=letter))
    return letter


def store_package(data: bytes) -> tuple[str, str]:
    """Keep the zip under its content hash (written whole, then renamed): (file name, sha256)."""
    sha = hashlib.sha256(data).hexdigest()
    final = packages_dir() / f"{sha}.zip"
    fd, tmp = tempfile.mkstemp(suffix=".zip", dir=packages_dir())
    try:
        with os.fdopen(fd, "wb") as out:
            out.write(data)
        os.replace(tmp, final)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)
    return final.name, sha


def package_in_use(name: str) -> bool:
    """Whether a problem or a package still being verified keeps this stored file."""
    return bool(db.session.scalar(select(Problem.id).where(Problem.package_file == name).limit(1))
                or db.session.scalar(select(ProblemUpload.id).where(ProblemUpload.package_file == name,
                                                                     ProblemUpload.state == "verifying").limit(1)))


def create_problem(rnd: Round, *, letter: str, title: str, statement_md: str, package_file: str, sha: str,
                   inspected) -> Problem:
    """The problem row from a verified package (`inspect_package`'s answer), flushed; the caller
    audits and commits. The unique (round, letter) index refuses a letter taken meanwhile."""
    report, fmt, memory, max_score, samples = inspected
    problem = Problem(round=rnd, letter=letter, position=len(rnd.problems), title=title,
                      statement_md=statement_md, statement_html=render_statement(statement_md),
                      package_file=package_file, package_sha256=sha, package_format=fmt,
                      time_limit=report.time_limit, memory_limit=memory, max_score=max_score, samples=samples)
    db.session.add(problem)
    db.session.flush()
    board.touch(rnd.id)
    return problem


MAX_STATEMENT_PDF_BYTES = 10 * 1024 * 1024


def statement_pdf_path(problem: Problem) -> str | None:
    return str(packages_dir() / problem.statement_pdf) if problem.statement_pdf else None


def set_statement_pdf(actor: Actor, problem: Problem, data: bytes | None, *, remove: bool = False) -> Problem:
    """Attach a PDF statement (replacing the previous one) or remove it. A file that is not a PDF, or
    is larger than 10 MiB, is refused with the reason and the previous PDF stays."""
    if not may_manage(actor, problem.round.division.contest):
        raise NotFound(problem.id)
    old = problem.statement_pdf
    if remove:
        problem.statement_pdf = ""
    elif data:
        if len(data) > MAX_STATEMENT_PDF_BYTES:
            raise ContestError(_("Tệp PDF lớn quá %(n)d MiB.", n=MAX_STATEMENT_PDF_BYTES // (1024 * 1024)))
        if not data.startswith(b"%PDF-") or b"%%EOF" not in data[-2048:]:
            raise ContestError(_("Tệp đề bài không phải PDF (hoặc bị cắt dở)."))
        sha = hashlib.sha256(data).hexdigest()
        name = f"statement-{problem.id}-{sha[:16]}.pdf"
        (packages_dir() / name).write_bytes(data)
        problem.statement_pdf = name
    else:
        return problem
    audit(actor, "contest.problem.statement_pdf", "contest_problem", problem.id,
          before={"pdf": old}, after={"pdf": problem.statement_pdf})
    db.session.commit()
    if old and old != problem.statement_pdf:
        (packages_dir() / old).unlink(missing_ok=True)
    return problem


def update_statement(actor: Actor, problem: Problem, *, title: str, statement_md: str) -> Problem:
    if not may_manage(actor, problem.round.division.contest):
        raise NotFound(problem.id)
    problem.title = title
    problem.statement_md = statement_md
    problem.statement_html = render_statement(statement_md)
    board.touch(problem.round_id)
    audit(actor, "contest.problem.statement", "contest_problem", problem.id)
    db.session.commit()
    return problem
