"""Submitting and judging: the row is committed before anyone is told it was received, the job goes
to the judge worker (in-process pool by default, Celery when configured), the result is stored from
the completion callback (idempotent) and every submission still without a result is queued again
at start-up (the in-process pool loses its queue with the web process).

While it is judged, the row's `progress` says where it is ("compiling", "testing 3/12"), written
from the judge's progress reports (at most one write per CONTEST_PROGRESS_INTERVAL seconds, and
never over a stored result); the submission page and `GET /api/submissions/<id>` poll it."""
from __future__ import annotations

import base64
import logging
import uuid
from functools import partial

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError

from tinhoc import clock
from tinhoc.access import Actor
from tinhoc.extensions import db
from tinhoc.judge.job import JudgeJob, JudgeResult, Limits
from tinhoc.judge.progress import COMPILING, TESTING, JudgeProgress, throttled

from . import board, extensions, owner
from .models import Problem, ScoreCell, Submission
from .problems import package_path
from .services import ContestError, problem_for

log = logging.getLogger(__name__)

LANGUAGE_LABELS = {"cpp17": "C++17", "c": "C", "pascal": "Free Pascal", "python3": "Python 3",
                   "scratch3": "Scratch 3 (.sb3)"}
BINARY_LANGUAGES = {"scratch3"}
MAX_SOURCE_BYTES = 64 * 1024
MAX_BINARY_BYTES = 5 * 1024 * 1024
PENDING = ("queued", "judging")


class SubmissionRejected(ContestError):
    pass


class RoundClosed(SubmissionRejected):
    pass


def submit(actor: Actor, problem_id: int, language: str, source: str | bytes) -> Submission:
    """Check entry, window, language and size; commit the row; then hand the job to the judge."""
    problem, entry, _manager = problem_for(actor, problem_id)
    rnd = problem.round
    if entry is None:
        raise SubmissionRejected(_("Bạn không có bài dự thi được duyệt trong bảng này."))
    now = clock.now()
    if now < clock.as_utc(rnd.starts_at):
        raise RoundClosed(_("Vòng thi chưa bắt đầu."))
    ends = extensions.ends_for(rnd, entry)       # the entry's own extra time included
    if now >= ends:
        raise RoundClosed(_("Vòng thi đã kết thúc lúc %(t)s: bài nộp muộn không được nhận.",
                            t=ends.strftime("%H:%M:%S UTC")))
    if language not in (rnd.languages or []):
        raise SubmissionRejected(_("Ngôn ngữ này không được dùng trong vòng thi."))
    binary = language in BINARY_LANGUAGES
    if binary:
        data = source if isinstance(source, bytes) else source.encode()
        if not data or len(data) > MAX_BINARY_BYTES:
            raise SubmissionRejected(_("Tệp bài làm trống hoặc lớn quá %(n)s KB.", n=MAX_BINARY_BYTES // 1024))
        stored = base64.b64encode(data).decode()
    else:
        if isinstance(source, bytes):
            try:
                source = source.decode("utf-8")
            except UnicodeDecodeError:
                raise SubmissionRejected(_("Mã nguồn phải là văn bản UTF-8."))
        if not source.strip() or len(source.encode()) > MAX_SOURCE_BYTES:
            raise SubmissionRejected(_("Mã nguồn trống hoặc dài quá %(n)s KB.", n=MAX_SOURCE_BYTES // 1024))
        stored = source
    sub = Submission(entry_id=entry.id, problem_id=problem.id, user_id=actor.user_id, language=language,
                     source=stored, source_binary=binary, created_at=now, status="queued")
    db.session.add(sub)
    _ensure_cell(rnd.id, entry.id, problem.id)
    db.session.commit()
    dispatch([sub])
    return sub


def _ensure_cell(round_id: int, entry_id: int, problem_id: int) -> None:
    """The board cell exists from the first submission so a result can lock it."""
    exists = db.session.scalar(select(ScoreCell.id).where(ScoreCell.entry_id == entry_id,
                                                          ScoreCell.problem_id == problem_id))
    if exists is None:
        try:
            with db.session.begin_nested():
                db.session.add(ScoreCell(round_id=round_id, entry_id=entry_id, problem_id=problem_id))
        except IntegrityError:   # another request created it a moment ago
            pass


def job_for(sub: Submission) -> JudgeJob:
    """The job carries the problem's stored limits, so a rejudge runs under the same ones."""
    problem = sub.problem
    source = base64.b64decode(sub.source) if sub.source_binary else sub.source
    return JudgeJob(language=sub.language, source=source, package_path=package_path(problem),
                    limits=Limits(time=problem.time_limit, memory=problem.memory_limit),
                    submission_id=str(sub.id))


def judge_via(app) -> str:
    via = app.config.get("CONTEST_JUDGE_VIA")
    if via:
        return via
    return "celery" if app.config.get("CELERY_BROKER_URL") else "pool"


def dispatch(subs) -> int:
    """Send the submissions' jobs; the callback stores each result. Returns how many were sent.

    Through Celery each job is sent under a task id recorded (and committed) first, so that a web
    process starting later follows the task instead of sending the job again (`requeue_pending`)."""
    app = current_app._get_current_object()
    via = judge_via(app)
    if via == "none":   # left queued (tests; a site whose judging runs elsewhere)
        return 0
    from tinhoc.judge import worker
    subs = list(subs)
    task_ids = _record_tasks(subs) if via == "celery" else {}
    if via == "pool":
        _record_owner(subs)
    for sub in subs:
        job = job_for(sub)
        if via == "pool":
            progress = progress_writer(app, sub.id, sample_names(sub.problem))
            future = worker.pool().submit(_run_in_pool, app, job, progress)
            future.add_done_callback(partial(_on_done, app, sub.id))
            continue
        try:
            worker.send_celery(job, task_id=task_ids[sub.id])
        except Exception as exc:  # noqa: BLE001 - the broker is down: the row says so, a start-up sends it
            log.exception("could not send the judge job of submission %s", sub.id)
            db.session.rollback()
            db.session.execute(update(Submission).where(Submission.id == sub.id)
                               .values(status="error", progress=str(exc)[:64], judge_task_id=None))
            db.session.commit()
            continue
        follow_task(app, sub, task_ids[sub.id])
    return len(subs)


def _record_tasks(subs) -> dict[int, str]:
    """A fresh task id per submission, committed before any job is sent."""
    now = clock.now()
    ids = {sub.id: uuid.uuid4().hex for sub in subs}
    for sub in subs:
        db.session.execute(update(Submission).where(Submission.id == sub.id)
                           .values(judge_task_id=ids[sub.id], judge_sent_at=now, judge_owner=None))
    db.session.commit()
    return ids


def _record_owner(subs) -> None:
    """This process holds the jobs in its pool: committed before they are queued there, so that a
    sibling starting meanwhile leaves them alone (and takes them up if this process dies)."""
    if subs:
        db.session.execute(update(Submission).where(Submission.id.in_([sub.id for sub in subs]))
                           .values(judge_owner=owner.token(), judge_task_id=None, judge_sent_at=clock.now()))
        db.session.commit()


def follow_task(app, sub: Submission, task_id: str) -> None:
    """Wait (on a thread of the worker module) for the submission's Celery task; store its result."""
    from tinhoc.judge import worker
    future = worker.follow(task_id, progress_writer(app, sub.id, sample_names(sub.problem)))
    future.add_done_callback(partial(_on_done, app, sub.id))


def _run_in_pool(app, job: JudgeJob, progress) -> JudgeResult:
    """The pool thread grades the job; its first progress report marks the submission as judging."""
    from tinhoc.judge import judge
    return judge(job, progress)


HIDDEN_MARK = "hidden"


def sample_names(problem: Problem) -> frozenset:
    return frozenset(str(s.get("name")) for s in (problem.samples or []))


def progress_text(event: JudgeProgress, samples: frozenset = frozenset()) -> str:
    """What `Submission.progress` holds for a report: "compiling" or "testing 3/12", marked "hidden"
    when the running test is not a sample (or unnamed): the contestant's view then hides the count."""
    if event.stage == TESTING:
        text = f"{TESTING} {event.test}/{event.tests}"
        return text if event.name and event.name in samples else f"{text} {HIDDEN_MARK}"
    return COMPILING


def progress_writer(app, submission_id: int, samples: frozenset = frozenset()):
    """The judge's progress callback for one submission: marks it judging and records the stage.

    The UPDATE only matches a submission still pending, so a report that arrives after the result
    (Celery sends them on another channel) changes nothing."""
    def write(event: JudgeProgress) -> None:
        with app.app_context():
            try:
                db.session.execute(update(Submission)
                                   .where(Submission.id == submission_id, Submission.status.in_(PENDING))
                                   .values(status="judging", progress=progress_text(event, samples),
                                           live_tests=list(event.finished) if event.finished else None))
                db.session.commit()
            finally:
                db.session.remove()
    return throttled(write, float(app.config.get("CONTEST_PROGRESS_INTERVAL", 0.25)))


def _on_done(app, submission_id: int, future) -> None:
    with app.app_context():
        try:
            result = future.result()
        except Exception as exc:  # noqa: BLE001 - a lost job stays queued for the next start-up
            log.exception("judge job for submission %s failed", submission_id)
            db.session.execute(update(Submission).where(Submission.id == submission_id)
                               .values(status="error", progress=str(exc)[:64]))
            db.session.commit()
            return
        try:
            store_result(submission_id, result)
        finally:
            db.session.remove()


def store_result(submission_id: int, result: JudgeResult) -> bool:
    """Store a judge result and update its board cell; storing the same result twice changes nothing."""
    data = result.to_dict()
    # read the row afresh: the judge's progress reports were written by other sessions
    sub = db.session.get(Submission, submission_id, populate_existing=True)
    if sub is None:
        return False
    if sub.status == "done" and sub.result == data:
        return False
    cell = board.lock_cell(sub)
    sub.status = "done"
    sub.progress = ""
    sub.live_tests = None
    sub.verdict = result.verdict.value
    sub.score = result.score
    sub.max_score = result.max_score
    sub.time = max((t.time for t in result.tests), default=0.0)
    sub.memory = max((t.memory for t in result.tests), default=0)
    sub.result = data
    sub.judged_at = clock.now()
    db.session.flush()
    board.recompute_cell(cell, sub.problem.round)
    db.session.commit()
    return True


def status_json(sub: Submission, manager: bool) -> dict:
    """What the polling page gets: status, where the judging is and, once judged, the result as the
    viewer may see it."""
    out = {"id": sub.id, "status": sub.status, "progress": progress_view(sub, manager),
           "done": sub.status == "done",
           "language": LANGUAGE_LABELS.get(sub.language, sub.language), "problem": sub.problem.letter,
           "created_at": clock.as_utc(sub.created_at).isoformat()}
    if sub.status == "done":
        out.update(visible_result(sub, manager))
    return out


def progress_view(sub: Submission, manager: bool) -> dict:
    """{"stage", "test", "tests", "text", "label", "rows"}: queued, compiling, testing (test k of n, with
    the finished tests the viewer may see), done or error. An error's reason (an exception of ours)
    is for the jury only.

    A contestant who may not see the hidden tests' rows is not told their number either: where a
    failed test stops the judging (Kattis' `on_reject: break`), "test 3/5" followed by WA would say
    which hidden test failed. Once the judge is past the tests they may see, they read "judging the
    hidden tests" (test and tests 0) until the verdict."""
    stage, test, tests, hidden = sub.status, 0, 0, False
    if sub.status == "judging":
        word, _sep, rest = (sub.progress or "").partition(" ")
        counts, _sep, mark = rest.partition(" ")
        if word == COMPILING:
            stage = COMPILING
        elif word == TESTING:
            k, _slash, n = counts.partition("/")
            if k.isdigit() and n.isdigit():
                stage, test, tests, hidden = TESTING, int(k), int(n), mark == HIDDEN_MARK
    rows = []
    if stage == TESTING:
        visible = _visible_test(sub.problem, manager)
        finished = [r for r in (sub.live_tests or []) if isinstance(r, dict) and "name" in r]
        rows = [{"name": r["name"], "verdict": r["verdict"], "time": r["time"], "memory": r["memory"]}
                for r in finished if visible(r["name"])]
        if not (manager or sub.problem.round.show_hidden_tests) and (hidden or len(rows) < len(finished)):
            test, tests = 0, 0
    if stage == "queued":
        text = _("Đang chờ chấm…")
    elif stage == COMPILING:
        text = _("Đang biên dịch…")
    elif stage == TESTING and tests:
        text = _("Đang chấm test %(k)s/%(n)s…", k=test, n=tests)
    elif stage == TESTING:
        text = _("Đang chấm các test ẩn…")
    elif stage == "judging":
        text = _("Đang chấm…")
    elif stage == "error":
        text = _("Lỗi khi gửi bài đi chấm: bài sẽ được chấm lại.")
        if manager and sub.progress:
            text = f"{text} ({sub.progress})"
    else:
        text = ""
    label = {"queued": _("Chờ chấm"), "error": _("Lỗi"), "done": sub.verdict or ""}.get(stage, _("Đang chấm"))
    return {"stage": stage, "test": test, "tests": tests, "text": text, "label": label, "rows": rows}


def _visible_test(problem: Problem, manager: bool):
    """Whether the viewer may see a test's row: the jury all, contestants the samples and, where the
    round shows them, the hidden tests (never a checker's words: those are filtered apart)."""
    samples = sample_names(problem)
    show_hidden = manager or problem.round.show_hidden_tests
    return lambda name: show_hidden or name in samples


def visible_result(sub: Submission, manager: bool) -> dict:
    """The result filtered for its viewer: the checker's `message` (which may quote the expected
    answer) never reaches a contestant; hidden tests' rows only where the round shows them."""
    res = sub.result or {}
    problem: Problem = sub.problem
    samples = sample_names(problem)
    visible = _visible_test(problem, manager)
    tests = []
    for t in res.get("tests", []):
        sample = t["name"] in samples
        if not visible(t["name"]):
            continue
        row = {"name": t["name"], "verdict": t["verdict"], "time": t["time"], "memory": t["memory"],
               "points": t["points"], "max_points": t["max_points"], "sample": sample,
               "feedback": t.get("feedback", "")}
        if manager:
            row["message"] = t.get("message", "")
        tests.append(row)
    out = {"verdict": sub.verdict, "score": sub.score, "max_score": sub.max_score, "time": sub.time,
           "memory": sub.memory, "compile_output": res.get("compile_output", ""), "tests": tests,
           "subtasks": res.get("subtasks", [])}
    if manager:
        out["message"] = res.get("message", "")
        out["time_limit"] = res.get("time_limit")
    return out
