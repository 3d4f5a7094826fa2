"""The scoring tree: IOI partial, ICPC all-or-nothing, subtasks (min/sum), early stop, Kattis graders."""
from __future__ import annotations

from pathlib import Path

from tinhoc.judge.job import Verdict
from tinhoc.judge.scoring import GroupRule, TestCase, TestGroup, TestOutcome, evaluate

AC, WA, TLE, RE = Verdict.AC, Verdict.WA, Verdict.TLE, Verdict.RE


def T(name, pts=0.0, **kw):
    return TestCase(name, Path("/x"), Path("/y"), max_points=pts, group=kw.pop("group", ""), **kw)


def runner(verdicts: dict, fractions=None, scores=None):
    ran = []

    def run(t):
        ran.append(t.name)
        return TestOutcome(verdicts.get(t.name, AC), fraction=(fractions or {}).get(t.name),
                           score=(scores or {}).get(t.name))
    return run, ran


def ioi_subtasks():
    s1 = TestGroup("s1", GroupRule("min", max_score=40, on_reject="break"),
                   [T("1", 40, group="s1"), T("2", 40, group="s1"), T("3", 40, group="s1")])
    s2 = TestGroup("s2", GroupRule("sum", max_score=60, on_reject="continue"),
                   [T("4", 30, group="s2"), T("5", 30, group="s2")])
    return TestGroup("root", GroupRule("sum", on_reject="continue"), [s1, s2], show=False)


def test_ioi_subtasks_min_breaks_sum_continues():
    run, ran = runner({"2": WA, "4": TLE})
    ev = evaluate(ioi_subtasks(), run)
    assert ran == ["1", "2", "4", "5"]                    # test 3 skipped: its subtask already failed
    assert [t.verdict for t in ev.tests] == [AC, WA, Verdict.SKIPPED, TLE, AC]
    assert [(s.name, s.score, s.max_score) for s in ev.subtasks] == [("s1", 0, 40), ("s2", 30, 60)]
    assert ev.score == 30 and ev.max_score == 100
    assert ev.verdict == WA                               # first non-AC in test order


def test_partial_fraction_in_min_subtask():
    run, _ = runner({}, fractions={"2": 0.5})
    ev = evaluate(ioi_subtasks(), run)
    assert ev.subtasks[0].score == 20 and ev.score == 80 and ev.verdict == AC


def test_icpc_all_or_nothing_stops_at_first_failure():
    root = TestGroup("r", GroupRule("pass-fail", max_score=1, on_reject="break"), [T("a"), T("b"), T("c")],
                     show=False)
    run, ran = runner({"b": RE})
    ev = evaluate(root, run)
    assert ran == ["a", "b"] and ev.verdict == RE and ev.score == 0 and ev.max_score == 1
    run, _ = runner({})
    assert evaluate(root, run).score == 1


def test_legacy_kattis_grader_flags():
    # secret: accept_if_any_accepted + sum over subgroups that take the min of accept_score tests
    g1 = TestGroup("secret/g1", GroupRule("min", on_reject="break"), [T("g1/1", 30), T("g1/2", 30)])
    g2 = TestGroup("secret/g2", GroupRule("min", on_reject="break"), [T("g2/1", 70), T("g2/2", 70)])
    secret = TestGroup("secret", GroupRule("sum", on_reject="continue", accept_if_any_accepted=True), [g1, g2])
    sample = TestGroup("sample", GroupRule("sum", on_reject="continue"), [T("s/1", 1)])
    root = TestGroup("data", GroupRule("sum", on_reject="continue", ignore_sample=True), [sample, secret],
                     show=False)
    run, _ = runner({"g2/1": WA})
    ev = evaluate(root, run)
    assert ev.score == 30 and ev.max_score == 100 and ev.verdict == AC
    run, _ = runner({"g2/1": WA, "g1/2": TLE})
    ev = evaluate(root, run)
    assert ev.score == 0 and ev.verdict == TLE


def test_worst_error_and_reject_score():
    g = TestGroup("g", GroupRule("sum", on_reject="continue", verdict_mode="worst_error"),
                  [T("a", 1, reject_points=-1), T("b", 1), T("c", 1)], show=False)
    run, _ = runner({"a": WA, "b": TLE})
    ev = evaluate(g, run)
    assert ev.verdict == TLE and ev.score == 0  # -1 + 0 + 1


def test_absolute_checker_score_and_unscored_samples():
    sample = TestGroup("sample", GroupRule("pass-fail", max_score=0, scored=False), [T("s")])
    secret = TestGroup("secret", GroupRule("sum", max_score=100), [T("x", 50), T("y", 50)])
    root = TestGroup("data", GroupRule("sum"), [sample, secret], show=False)
    run, _ = runner({"s": WA}, scores={"x": 12.5})
    ev = evaluate(root, run)
    assert ev.score == 62.5 and ev.max_score == 100
    assert ev.verdict == WA                    # a failed sample still shows in the verdict
    assert ev.tests[0].points == 0 and ev.tests[0].max_points == 0
