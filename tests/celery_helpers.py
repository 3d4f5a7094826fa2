"""A real Celery judge worker on its own Redis queue (TEST_REDIS_URL), for the worker's and the
contests' tests. Imports only the standard library and the judge (no Flask) at module level: the
judge's suites import it in the judge-only venv too."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import uuid
from pathlib import Path

import pytest

from tinhoc.judge import worker

REDIS = os.environ.get("TEST_REDIS_URL")
ROOT = Path(__file__).parent.parent


def start_worker(env) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "tinhoc.judge.worker:celery_app", "worker", "-Q", env["TINHOC_JUDGE_QUEUE"],
         "--concurrency", "1", "--pool", "prefork", "--loglevel", "INFO", "--without-gossip", "--without-mingle"],
        cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, start_new_session=True)


def stop_worker(proc: subprocess.Popen) -> str:
    """Stop the worker (warm shutdown, then kill) and return its log."""
    os.killpg(proc.pid, signal.SIGTERM)
    try:
        log, _ = proc.communicate(timeout=20)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        log, _ = proc.communicate()
    return log


@pytest.fixture
def redis_env(monkeypatch):
    """The environment of a worker on a queue of its own (never touching others' data), also set for
    this process's Celery app."""
    if not REDIS:
        pytest.skip("set TEST_REDIS_URL to run the Celery worker against Redis")
    queue = f"judge-test-{uuid.uuid4().hex[:8]}"
    env = dict(os.environ, CELERY_BROKER_URL=REDIS, CELERY_RESULT_BACKEND=REDIS, TINHOC_JUDGE_QUEUE=queue,
               TINHOC_JUDGE_VISIBILITY_TIMEOUT="20",
               PYTHONPATH=os.pathsep.join(p for p in (str(ROOT), os.environ.get("PYTHONPATH")) if p))
    monkeypatch.setenv("CELERY_BROKER_URL", REDIS)
    monkeypatch.setenv("CELERY_RESULT_BACKEND", REDIS)
    monkeypatch.setenv("TINHOC_JUDGE_QUEUE", queue)
    monkeypatch.setattr(worker, "_celery_app", None)
    return env
