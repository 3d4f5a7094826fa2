"""Workers: the in-process pool and the Celery task give the same result; a lost worker's job is redone."""
from __future__ import annotations

import json
import os
import signal
import time
from pathlib import Path

import pytest

from tinhoc.judge import worker
from tests.celery_helpers import redis_env, start_worker, stop_worker  # noqa: F401 (fixture)
from tests.helpers import needs_sandbox as _needs_sandbox
from tests.helpers import sandbox_missing
from tinhoc.judge.job import JudgeJob, JudgeResult, Limits, Verdict

PKGS = Path(__file__).parent / "judge_packages"


needs_sandbox = _needs_sandbox()


def job(**kw) -> JudgeJob:
    src = (PKGS / "plain_divisor/submissions/partially_accepted/itself.py").read_text()
    return JudgeJob(**{"language": "python3", "source": src, "package_path": str(PKGS / "plain_divisor"),
                       "submission_id": "s-42", **kw})


def stable(res: JudgeResult) -> dict:
    """The result without measurements that vary from run to run."""
    d = res.to_dict()
    for t in d["tests"]:
        t.pop("time"), t.pop("wall"), t.pop("memory")
    return d


def test_job_and_result_travel_as_json():
    j = job(limits=Limits(time=2, memory=64), source=b"\x00\x01binary")
    back = JudgeJob.from_dict(json.loads(json.dumps(j.to_dict())))
    assert back == j
    r = JudgeResult(Verdict.WA, score=5, max_score=10, submission_id="x", time_limit=1.0)
    assert JudgeResult.from_dict(json.loads(json.dumps(r.to_dict()))) == r


def test_celery_task_is_configured_never_to_lose_a_job():
    app = worker.make_celery(broker="memory://", backend="cache+memory://")
    task = app.tasks[worker.TASK_NAME]
    assert task.acks_late is True and task.reject_on_worker_lost is True
    assert app.conf.task_acks_late and app.conf.task_reject_on_worker_lost
    assert app.conf.worker_prefetch_multiplier == 1
    assert app.conf.task_serializer == "json" and app.conf.accept_content == ["json"]


def test_progress_reports_reach_the_callback_of_their_own_task(monkeypatch):
    """The dispatcher every waiting thread hands Celery routes a report by its task id."""
    from tinhoc.judge.progress import JudgeProgress
    heard = {"t-1": [], "t-2": []}
    monkeypatch.setattr(worker, "_progress_callbacks", {k: v.append for k, v in heard.items()})
    worker._dispatch_progress({"task_id": "t-2", "status": "PROGRESS", "result": {"stage": "testing", "test": 2, "tests": 7}})
    worker._dispatch_progress({"task_id": "t-1", "status": "PROGRESS", "result": {"stage": "compiling", "tests": 3}})
    worker._dispatch_progress({"task_id": "t-9", "status": "PROGRESS", "result": {"stage": "compiling"}})   # nobody's
    worker._dispatch_progress({"task_id": "t-1", "status": "SUCCESS", "result": {"verdict": "AC"}})
    worker._dispatch_progress({"task_id": "t-1", "status": "PROGRESS", "result": {"stage": "bogus"}})
    assert heard == {"t-1": [JudgeProgress("compiling", 0, 3)], "t-2": [JudgeProgress("testing", 2, 7)]}


RACE = """
import threading
from tinhoc.judge import worker
start = threading.Barrier(8)
apps, errors = [], []
def first_submission():
    start.wait()
    try:
        apps.append(id(worker.get_celery()))
    except Exception as exc:
        errors.append(repr(exc))
threads = [threading.Thread(target=first_submission) for _ in range(8)]
for t in threads: t.start()
for t in threads: t.join()
print(len(set(apps)), len(apps), errors)
"""


def test_the_first_submissions_of_a_threaded_web_process_share_one_celery_app():
    """A gunicorn gthread worker's first submissions arrive together. Unlocked, threads importing
    celery at once saw its lazy module half-made ("cannot import name 'Celery'", a submission marked
    error in CI) and each built its own app. A fresh interpreter: celery not yet imported."""
    import subprocess
    import sys
    root = Path(__file__).parent.parent
    for _ in range(4):
        out = subprocess.run([sys.executable, "-c", RACE], cwd=root, capture_output=True, text=True,
                             timeout=120, env={**os.environ, "CELERY_BROKER_URL": "memory://"})
        assert out.returncode == 0, out.stderr
        assert out.stdout.split("\n")[0] == "1 8 []", out.stdout


def test_broker_from_the_environment(monkeypatch):
    monkeypatch.delenv("CELERY_BROKER_URL", raising=False)
    monkeypatch.setenv("REDIS_URL", "redis://example.invalid:6390/3")
    assert worker.broker_url() == "redis://example.invalid:6390/3"
    monkeypatch.setenv("CELERY_BROKER_URL", "redis://other:6379/1")
    assert worker.broker_url() == "redis://other:6379/1"


class TestSameResultEitherWay:
    pytestmark = needs_sandbox

    def test_pool_and_eager_celery_and_direct_agree(self):
        from tinhoc.judge.grader import judge
        direct = judge(job())
        assert direct.verdict == Verdict.AC and 0 < direct.score < 100
        futures = [worker.submit(job()) for _ in range(3)]
        pooled = [f.result(timeout=120) for f in futures]
        app = worker.make_celery(broker="memory://", backend="cache+memory://")
        app.conf.task_always_eager = True
        eager = JudgeResult.from_dict(app.tasks[worker.TASK_NAME].apply(args=[job().to_dict()]).get())
        for r in [*pooled, eager]:
            assert stable(r) == stable(direct)
        assert eager.submission_id == "s-42"

    def test_pool_reports_ie_not_exceptions(self):
        bad = worker.submit(job(package_path="/nonexistent/package"))
        res = bad.result(timeout=30)
        assert res.verdict == Verdict.IE and "does not exist" in res.message


# ---------------------------------------------------------------- against a real Redis (TEST_REDIS_URL)

def _children(pid: int) -> list[int]:
    out = []
    for task in Path(f"/proc/{pid}/task").iterdir():
        kids = (task / "children").read_text().split()
        out.extend(int(k) for k in kids)
    return out


# Not marked `sandbox`: it may skip for want of Redis, which TINHOC_REQUIRE_SANDBOX must not forbid.
@pytest.mark.skipif(sandbox_missing() is not None, reason=sandbox_missing() or "")
def test_real_worker_same_result_and_redelivery_after_a_kill(redis_env):
    from tinhoc.judge.grader import judge
    proc = start_worker(redis_env)
    try:
        events, other_events = [], []
        other = JudgeJob(language="python3", source=(PKGS / "kattis_aplusb/submissions/accepted/sum.py").read_text(),
                         package_path=str(PKGS / "kattis_aplusb"), submission_id="s-43")
        # two waiting threads at once: Celery's result consumer has one on_message slot that each
        # get() swaps; each submission must still hear only its own reports
        fut = worker.submit(job(), via="celery", progress=events.append)
        other_fut = worker.submit(other, via="celery", progress=other_events.append)
        res, other_res = fut.result(timeout=120), other_fut.result(timeout=120)
        assert stable(res) == stable(judge(job()))
        assert other_res.verdict == Verdict.AC and len(other_res.tests) != len(res.tests)
        # the worker published "compiling" and "test k of n" as the task's PROGRESS state, and the
        # waiting side heard them before the result (stage changes are never throttled away)
        for heard, result in ((events, res), (other_events, other_res)):
            assert heard and heard[0].stage == "compiling", heard
            assert {e.tests for e in heard} == {len(result.tests)}, heard     # none of the other's
            assert any(e.stage == "testing" and 0 < e.test <= e.tests for e in heard), heard
        # a job that runs ~2 s: kill the pool process that runs it; the job must come back
        slow = JudgeJob(language="python3", source="import time\nwhile True: pass\n",
                        package_path=str(PKGS / "plain_divisor"), limits=Limits(time=1.0, memory=64),
                        submission_id="slow")
        sent = worker.send_celery(slow)
        fut = worker._celery_future(sent)
        time.sleep(3.0)                       # the worker has taken it and is judging
        kids = _children(proc.pid)
        assert kids, "no pool process"
        for k in kids:
            os.kill(k, signal.SIGKILL)
        res = fut.result(timeout=180)
        assert res.verdict == Verdict.TLE and res.submission_id == "slow"
    finally:
        log = stop_worker(proc)
    # the killed job was received twice: once by the lost process, once more after redelivery
    assert log.count(f"Task tinhoc.judge.judge[{sent.id}] received") >= 2, log[-3000:]
    assert "WorkerLostError" in log, log[-3000:]
