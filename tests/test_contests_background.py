"""The organisers' long jobs (contests/background.py): a running job's heartbeat keeps others off it,
one whose heartbeat stopped is claimed by exactly one process, and the heartbeat stops with the job."""
from __future__ import annotations

import threading
from datetime import timedelta

from tests.contest_helpers import cw, fresh_board_cache  # noqa: F401 (fixtures)


def _upload(db, cw, **kw):
    from contests.models import ProblemUpload
    row = ProblemUpload(round_id=cw["round"].id, letter="Q", title="Q", package_file="q.zip", package_sha256="0" * 64,
                        state="verifying", **kw)
    db.session.add(row)
    db.session.commit()
    return row


def test_a_stale_job_is_claimed_once_and_a_beating_one_never(cw, db, app, frozen_clock):
    from contests import background, problem_uploads
    kind = problem_uploads.KIND
    old = _upload(db, cw, started_at=frozen_clock.now() - timedelta(minutes=2))
    never = _upload(db, cw, started_at=None)                 # recorded, never started
    beating = _upload(db, cw, started_at=frozen_clock.now() - timedelta(minutes=2))
    background.touch(kind, beating.id)                        # its job is alive
    assert sorted(background.claim(app, kind)) == sorted([old.id, never.id])
    assert background.claim(app, kind) == []                  # a sibling process claims nothing more
    frozen_clock.advance(timedelta(seconds=61))
    assert sorted(background.claim(app, kind, [beating.id, old.id])) == sorted([beating.id, old.id])


def test_a_settled_job_is_not_touched_nor_claimed(cw, db, app, frozen_clock):
    from contests import background, problem_uploads
    row = _upload(db, cw, started_at=frozen_clock.now() - timedelta(hours=1))
    row.state = "refused"
    db.session.commit()
    background.touch(problem_uploads.KIND, row.id)
    db.session.expire_all()
    assert background.claim(app, problem_uploads.KIND) == []


def test_the_heartbeat_runs_while_the_job_runs_and_stops_with_it(cw, db, app, monkeypatch):
    """In a thread, as gunicorn runs it: the beat thread lives exactly as long as the job."""
    from contests import background
    seen = []
    release = threading.Event()

    def job(row_id):
        seen.append([t.name for t in threading.enumerate() if t.name.startswith("contest-bg-beat-")])
        release.wait(5)
    kind = background.Kind("test", object, "pending", job)
    monkeypatch.setattr(background, "touch", lambda kind, row_id: None)
    worker = threading.Thread(target=background._in_context, args=(app, kind, 7))
    worker.start()
    release.set()
    worker.join(10)
    assert seen == [["contest-bg-beat-test-7"]]
    assert not [t for t in threading.enumerate() if t.name.startswith("contest-bg-beat-test-")]
