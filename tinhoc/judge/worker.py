"""Workers: the same `judge(job)` run from an in-process pool or as a Celery task.

Embedded default: `submit(job)` runs the job on a thread pool in this process and returns a
`concurrent.futures.Future[JudgeResult]`. Each job runs in its own sandboxes (subprocesses), so
threads are enough; the size comes from TINHOC_JUDGE_WORKERS (default: number of CPUs).
If this process dies, its jobs die with it: the web side keeps every submission in the database
before queueing it and queues again, at start-up, the ones still without a result.

Scale-out: with CELERY_BROKER_URL (or REDIS_URL) set, `submit(job, via="celery")` sends the job
dict to the task `tinhoc.judge.judge` and returns a Future fed by the Celery result. The task is
acks_late with reject_on_worker_lost: the broker message is acknowledged only after the result is
stored, so a worker that dies mid-job (killed, out of memory, machine lost) leaves the message to
be delivered again to another worker (at once when a pool process dies; after the Redis
visibility timeout when the whole worker goes). Run workers with

    celery -A tinhoc.judge.worker:celery_app worker -Q judge --concurrency 2   (-Q: TINHOC_JUDGE_QUEUE)

Judging is idempotent (a job in, a result out), so running a job twice is harmless, but it costs a
judge's time: a caller that records the task id (`send_celery(job, task_id=...)`) can, after a
restart, read the task's state (`task_state`) and wait on it again (`follow`) instead of resending.

Progress: `submit(job, progress=callback)` hears "compiling" and "test k of n" (progress.py). The
pool calls it from the judging thread; the Celery task publishes each report as the task's PROGRESS
state (throttled to one per TINHOC_JUDGE_PROGRESS_INTERVAL seconds, default 0.25) and the thread
that waits for the result hands them to the callback as they arrive (Redis and RPC result backends
push state changes; with another backend only the result arrives).
"""
from __future__ import annotations

import os
import threading
from concurrent.futures import Future, ThreadPoolExecutor

from .job import JudgeJob, JudgeResult
from .progress import JudgeProgress, ProgressCallback, report, throttled

TASK_NAME = "tinhoc.judge.judge"
QUEUE = "judge"   # default queue; TINHOC_JUDGE_QUEUE overrides it (one queue per site or test)


def queue_name() -> str:
    return os.environ.get("TINHOC_JUDGE_QUEUE") or QUEUE

_pool: ThreadPoolExecutor | None = None
_pool_lock = threading.Lock()


def progress_interval() -> float:
    return float(os.environ.get("TINHOC_JUDGE_PROGRESS_INTERVAL") or 0.25)


def _judge(job: JudgeJob, progress: ProgressCallback | None = None) -> JudgeResult:
    from .grader import judge
    return judge(job, progress)


def pool() -> ThreadPoolExecutor:
    global _pool
    with _pool_lock:
        if _pool is None:
            n = int(os.environ.get("TINHOC_JUDGE_WORKERS") or os.cpu_count() or 1)
            _pool = ThreadPoolExecutor(max_workers=max(1, n), thread_name_prefix="judge")
        return _pool


def shutdown(wait: bool = True) -> None:
    global _pool
    with _pool_lock:
        if _pool is not None:
            _pool.shutdown(wait=wait)
            _pool = None


def submit(job: JudgeJob, *, via: str | None = None,
           progress: ProgressCallback | None = None) -> "Future[JudgeResult]":
    """Queue a job; `via` is "pool" (default) or "celery" (TINHOC_JUDGE_VIA picks the default).
    `progress` hears of the judging as it goes (see the module's docstring)."""
    via = via or os.environ.get("TINHOC_JUDGE_VIA", "pool")
    if via == "pool":
        return pool().submit(_judge, job, progress)
    if via == "celery":
        return _celery_future(send_celery(job), progress=progress)
    raise ValueError(f"unknown worker kind {via!r}")


# ---------------------------------------------------------------- Celery

def broker_url() -> str:
    return (os.environ.get("CELERY_BROKER_URL") or os.environ.get("REDIS_URL")
            or "redis://localhost:6379/0")


def make_celery(broker: str | None = None, backend: str | None = None):
    """A Celery app whose judge task never loses a job (acks_late + reject_on_worker_lost)."""
    from celery import Celery
    broker = broker or broker_url()
    backend = backend or os.environ.get("CELERY_RESULT_BACKEND") or broker
    app = Celery("tinhoc.judge", broker=broker, backend=backend)
    app.conf.update(
        task_serializer="json", result_serializer="json", accept_content=["json"],
        task_acks_late=True,                 # acknowledge after the result is stored
        task_track_started=True,             # STARTED tells a re-attaching web process it is running
        task_reject_on_worker_lost=True,     # a killed pool process puts the job back
        worker_prefetch_multiplier=1,        # a worker holds only the job it is running
        task_default_queue=queue_name(),
        task_routes={TASK_NAME: {"queue": queue_name()}},
        result_expires=7 * 24 * 3600,
        broker_connection_retry_on_startup=True,
        broker_transport_options={
            # a message not acknowledged within this many seconds goes to another worker
            "visibility_timeout": int(os.environ.get("TINHOC_JUDGE_VISIBILITY_TIMEOUT", 3600)),
        },
    )
    app.task(name=TASK_NAME, acks_late=True, reject_on_worker_lost=True, bind=True)(_judge_task_bound)
    return app


def judge_task(job: dict, progress: ProgressCallback | None = None) -> dict:
    """The Celery task body: a JudgeJob dict in, a JudgeResult dict out (JSON both ways)."""
    return _judge(JudgeJob.from_dict(job), progress).to_dict()


PROGRESS_STATE = "PROGRESS"


def _judge_task_bound(task, job: dict) -> dict:
    """The registered task: judge_task, publishing progress as the task's PROGRESS state."""
    def publish(event: JudgeProgress) -> None:
        task.update_state(state=PROGRESS_STATE, meta=event.to_dict())
    return judge_task(job, throttled(publish, progress_interval()))


_celery_app = None
_celery_lock = threading.Lock()


def get_celery():
    """This process's Celery app, built once. Under a lock: the first submissions of a threaded web
    process arrive together, and threads that import celery at the same moment see its lazy module
    half-made ("cannot import name 'Celery'"); unlocked, each would also build its own app."""
    global _celery_app
    if _celery_app is None:
        with _celery_lock:
            if _celery_app is None:
                _celery_app = make_celery()
    return _celery_app


def send_celery(job: JudgeJob, task_id: str | None = None):
    """Send a job to the Celery queue (as `task_id` when given, so the caller can record the id
    before the job exists anywhere else); returns the AsyncResult."""
    return get_celery().send_task(TASK_NAME, args=[job.to_dict()], queue=queue_name(), task_id=task_id)


def follow(task_id: str, progress: ProgressCallback | None = None) -> "Future[JudgeResult]":
    """A Future for a task sent earlier, perhaps by another process: a web process that starts while
    its submissions are queued or judged waits on their tasks instead of sending them again."""
    return _celery_future(get_celery().AsyncResult(task_id), progress=progress)


def task_state(task_id: str) -> tuple[str, dict | None]:
    """(state, result dict when SUCCESS) of a task as the result backend knows it. PENDING is also what
    an unknown id reads as (Celery cannot tell "still queued" from "lost"): the caller decides how
    long to wait before sending the job again."""
    res = get_celery().AsyncResult(task_id)
    state = res.state
    return state, (res.result if state == "SUCCESS" and isinstance(res.result, dict) else None)


# Celery's Redis result consumer is one per process, and it holds ONE `on_message` callback, which
# every `get(on_message=...)` swaps in and back out: with a waiting thread per submission, a report
# would reach whichever thread's callback was set at that moment. So every waiting thread passes the
# same dispatcher, which finds the task's own callback by the task id in the message.
_progress_callbacks: dict[str, ProgressCallback] = {}
_progress_lock = threading.Lock()


def _dispatch_progress(meta: dict) -> None:
    if meta.get("status") != PROGRESS_STATE or not isinstance(meta.get("result"), dict):
        return
    with _progress_lock:
        callback = _progress_callbacks.get(str(meta.get("task_id")))
    if callback is None:
        return
    try:
        event = JudgeProgress.from_dict(meta["result"])
    except (TypeError, ValueError):
        return
    report(callback, event)


def _celery_future(async_result, timeout: float | None = None,
                   progress: ProgressCallback | None = None) -> "Future[JudgeResult]":
    fut: Future = Future()
    pushes = _pushes_states(async_result)
    if pushes:
        # set for good, so that every get()'s swap-and-restore keeps the dispatcher in place
        async_result.backend.result_consumer.on_message = _dispatch_progress
    if progress is not None and pushes:
        with _progress_lock:
            _progress_callbacks[async_result.id] = progress

    def wait():
        try:
            data = async_result.get(timeout=timeout, propagate=True,
                                    on_message=_dispatch_progress if pushes else None)
            fut.set_result(JudgeResult.from_dict(data))
        except BaseException as exc:  # noqa: BLE001 - handed to the caller through the future
            fut.set_exception(exc)
        finally:
            with _progress_lock:
                _progress_callbacks.pop(async_result.id, None)
    threading.Thread(target=wait, daemon=True, name="judge-celery-wait").start()
    return fut


def _pushes_states(async_result) -> bool:
    """Whether the result backend pushes state changes (Redis, RPC): others refuse `on_message`."""
    from celery.backends.asynchronous import AsyncBackendMixin
    return isinstance(async_result.backend, AsyncBackendMixin) and \
        hasattr(async_result.backend, "result_consumer")


def __getattr__(name):
    # `celery -A tinhoc.judge.worker:celery_app` finds the app; nothing is built on plain import.
    if name == "celery_app":
        return get_celery()
    raise AttributeError(name)


__all__ = ["PROGRESS_STATE", "QUEUE", "TASK_NAME", "broker_url", "follow", "get_celery", "judge_task", "make_celery",
           "pool", "progress_interval", "queue_name", "send_celery", "shutdown", "submit", "task_state"]
