"""The judge's live progress: "compiling", then "test k of n" before each test it runs (a skipped
group's tests are never announced), a callback's failure never changes the result, reports are
throttled, and they travel through a real Celery worker to the waiting side."""
from __future__ import annotations

from pathlib import Path

import pytest

from tests.helpers import needs_sandbox
from tinhoc.judge.job import JudgeJob, Limits, Verdict
from tinhoc.judge.progress import COMPILING, TESTING, JudgeProgress, report, throttled

PKGS = Path(__file__).parent / "judge_packages"


def test_reports_travel_as_json_and_unknown_stages_are_refused():
    import json
    ev = JudgeProgress(TESTING, test=3, tests=12, name="secret/02", finished=({"name": "sample/1", "verdict": "AC", "time": 0.01,
                                                             "memory": 900},
                                                            {"name": "secret/01", "verdict": "WA", "time": 0.02,
                                                             "memory": 1000}))
    assert JudgeProgress.from_dict(json.loads(json.dumps(ev.to_dict()))) == ev
    assert JudgeProgress.from_dict({"stage": "compiling"}) == JudgeProgress(COMPILING, 0, 0)
    with pytest.raises(ValueError):
        JudgeProgress.from_dict({"stage": "rm -rf", "test": 1})


def test_a_failing_callback_is_swallowed():
    def boom(_event):
        raise RuntimeError("database gone")
    report(boom, JudgeProgress(COMPILING))     # no exception
    report(None, JudgeProgress(COMPILING))


def test_throttle_forwards_stage_changes_at_once_and_tests_once_per_interval():
    now = [100.0]
    got = []
    fwd = throttled(got.append, 1.0, clock=lambda: now[0])
    fwd(JudgeProgress(COMPILING, tests=9))
    fwd(JudgeProgress(TESTING, 1, 9))          # a new stage: at once
    now[0] += 0.2
    fwd(JudgeProgress(TESTING, 2, 9))          # inside the interval: dropped
    now[0] += 0.9
    fwd(JudgeProgress(TESTING, 3, 9))          # 1.1 s after the last forwarded one
    now[0] += 0.1
    fwd(JudgeProgress(TESTING, 4, 9))
    assert [(e.stage, e.test) for e in got] == [("compiling", 0), ("testing", 1), ("testing", 3)]


def _job(pkg, source, language="python3", **kw):
    return JudgeJob(language=language, source=source, package_path=str(PKGS / pkg), submission_id="p-1", **kw)


class TestJudging:
    pytestmark = needs_sandbox()

    def test_compiling_then_every_test_run_in_order(self):
        from tinhoc.judge import judge, load_package
        src = (PKGS / "kattis_aplusb/submissions/accepted/sum.py").read_text()
        events = []
        res = judge(_job("kattis_aplusb", src), events.append)
        assert res.verdict == Verdict.AC
        with load_package(PKGS / "kattis_aplusb") as pkg:
            total = len(pkg.tree.tests())
        assert events[0] == JudgeProgress(COMPILING, tests=total)
        assert [(e.stage, e.test, e.tests) for e in events[1:]] == [(TESTING, k, total) for k in range(1, total + 1)]
        assert len(res.tests) == total
        # each report names the test it starts and carries those finished before it, as the result lists them
        assert [e.name for e in events[1:]] == [t.name for t in res.tests]
        for e in events[1:]:
            done = res.tests[:e.test - 1]
            assert [(r["name"], r["verdict"]) for r in e.finished] == [(t.name, t.verdict.value) for t in done]
            assert [r["time"] for r in e.finished] == [t.time for t in done]

    def test_a_skipped_group_is_never_announced(self):
        from tinhoc.judge import judge
        src = (PKGS / "kattis_aplusb/submissions/wrong_answer/int32.cpp").read_text()
        events = []
        res = judge(_job("kattis_aplusb", src, language="cpp17"), events.append)
        assert res.verdict == Verdict.WA
        ran = [t for t in res.tests if t.verdict != Verdict.SKIPPED]
        assert 0 < len(ran) < len(res.tests), "on_reject: break skips the tests after the WA"
        assert [e.test for e in events if e.stage == TESTING] == list(range(1, len(ran) + 1))
        assert {e.tests for e in events} == {len(res.tests)}

    def test_a_compile_error_stops_after_compiling(self):
        from tinhoc.judge import judge
        events = []
        res = judge(_job("kattis_aplusb", "int main( {", language="cpp17"), events.append)
        assert res.verdict == Verdict.CE
        assert [e.stage for e in events] == [COMPILING]

    def test_a_broken_callback_changes_nothing_in_the_result(self):
        from tinhoc.judge import judge
        src = (PKGS / "plain_divisor/submissions/partially_accepted/itself.py").read_text()
        calls = []

        def broken(event):
            calls.append(event)
            raise OSError("disk full")
        quiet = judge(_job("plain_divisor", src, limits=Limits(time=2, memory=256)))
        noisy = judge(_job("plain_divisor", src, limits=Limits(time=2, memory=256)), broken)
        assert calls
        assert (noisy.verdict, noisy.score, [t.verdict for t in noisy.tests]) == \
               (quiet.verdict, quiet.score, [t.verdict for t in quiet.tests])

    def test_the_pool_passes_reports_from_its_thread(self):
        from tinhoc.judge import worker
        src = (PKGS / "kattis_aplusb/submissions/accepted/sum.py").read_text()
        events = []
        res = worker.submit(_job("kattis_aplusb", src), via="pool", progress=events.append).result(timeout=120)
        assert res.verdict == Verdict.AC
        assert events[0].stage == COMPILING and events[-1].test == events[-1].tests > 0
