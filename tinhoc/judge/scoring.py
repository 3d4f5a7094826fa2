"""Scoring: turn per-test outcomes into group (subtask) results and a total.

Every package format is loaded into the same tree: a `TestGroup` holds test cases and subgroups in
the order they run, and a `GroupRule` says how its children combine:

- aggregation `pass-fail` (the group earns `max_score` only if every test in it is AC; ICPC
  all-or-nothing, Kattis 2023-07 default for subgroups), `sum` (IOI partial: the sum of the
  children), `min` (a subtask worth its weakest test), and the legacy Kattis `max` / `avg`;
- `on_reject`: `break` stops the group at the first rejected child (the rest are SKIPPED),
  `continue` runs everything;
- the verdict mode (`first_error`, `worst_error`, `always_accept`, `accept_if_any_accepted`)
  of the legacy Kattis default grader.

`evaluate()` walks the tree lazily, calling `run_test` only for tests it actually needs, so a group
that stops early costs nothing more.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Union

from .job import SubtaskResult, TestResult, Verdict

AGGREGATIONS = ("pass-fail", "sum", "min", "max", "avg")
VERDICT_MODES = ("first_error", "worst_error", "always_accept")
# Severity for worst_error: a later entry is worse.
SEVERITY = [Verdict.AC, Verdict.SKIPPED, Verdict.WA, Verdict.OLE, Verdict.MLE, Verdict.RE, Verdict.TLE,
            Verdict.CE, Verdict.IE]


@dataclass
class GroupRule:
    aggregation: str = "sum"
    max_score: float | None = None     # pass-fail groups: the score earned when all pass
    on_reject: str = "continue"         # "break" | "continue"
    verdict_mode: str = "first_error"
    accept_if_any_accepted: bool = False
    ignore_sample: bool = False         # legacy Kattis: the root grader leaves out data/sample
    scored: bool = True                 # False: run, show, but count for nothing (2023-07 samples)

    def __post_init__(self):
        if self.aggregation not in AGGREGATIONS:
            raise ValueError(f"unknown aggregation {self.aggregation!r}")
        if self.on_reject not in ("break", "continue"):
            raise ValueError(f"on_reject must be break or continue, not {self.on_reject!r}")
        if self.verdict_mode not in VERDICT_MODES:
            raise ValueError(f"unknown verdict mode {self.verdict_mode!r}")


@dataclass
class TestCase:
    name: str                     # unique, e.g. "secret/group1/03" or "Test05"
    input_path: Path              # host path, symlinks resolved
    answer_path: Path
    max_points: float = 0.0       # points when accepted with no checker score
    reject_points: float = 0.0    # points when rejected (legacy Kattis reject_score)
    args: list[str] = field(default_factory=list)   # output validator arguments for this test
    group: str = ""
    sample: bool = False          # shown in the statement: the contestant may see the checker's words

    __test__ = False  # not a pytest class


@dataclass
class TestGroup:
    name: str
    rule: GroupRule = field(default_factory=GroupRule)
    items: list[Union["TestGroup", TestCase]] = field(default_factory=list)
    show: bool = True              # listed among the subtasks of the result

    __test__ = False

    def tests(self) -> list[TestCase]:
        out = []
        for it in self.items:
            out.extend(it.tests() if isinstance(it, TestGroup) else [it])
        return out

    def groups(self) -> list["TestGroup"]:
        out = [self]
        for it in self.items:
            if isinstance(it, TestGroup):
                out.extend(it.groups())
        return out

    def max_score(self) -> float:
        """The most this group can earn, from the same rules as `evaluate`."""
        r = self.rule
        if not r.scored:
            return 0.0
        if r.aggregation == "pass-fail":
            return float(r.max_score or 0.0)
        vals = [c.max_score() if isinstance(c, TestGroup) else c.max_points
                for c in self._scored_children()]
        return _aggregate(r.aggregation, vals)

    def _scored_children(self):
        out = []
        for c in self.items:
            if isinstance(c, TestGroup):
                if not c.rule.scored or (self.rule.ignore_sample and c.name.split("/")[-1] == "sample"):
                    continue
            out.append(c)
        return out


def _aggregate(kind: str, vals: list[float]) -> float:
    if not vals:
        return 0.0
    if kind == "sum":
        return float(sum(vals))
    if kind == "min":
        return float(min(vals))
    if kind == "max":
        return float(max(vals))
    if kind == "avg":
        return float(sum(vals)) / len(vals)
    raise ValueError(kind)


@dataclass
class TestOutcome:
    """What running and checking one test produced, before scoring."""
    verdict: Verdict
    time: float = 0.0
    wall: float = 0.0
    memory: int = 0
    message: str = ""               # for the jury (may quote the expected answer)
    feedback: str = ""              # for the contestant (never a hidden answer's token)
    fraction: float | None = None   # of the test's max points
    score: float | None = None      # absolute (Kattis score.txt)

    __test__ = False


@dataclass
class Evaluation:
    verdict: Verdict
    score: float
    max_score: float
    tests: list[TestResult]
    subtasks: list[SubtaskResult]


def test_points(test: TestCase, out: TestOutcome) -> float:
    if out.verdict != Verdict.AC:
        return test.reject_points
    if out.score is not None:
        return out.score
    if out.fraction is not None:
        return out.fraction * test.max_points
    return test.max_points


test_points.__test__ = False


def evaluate(root: TestGroup, run_test: Callable[[TestCase], TestOutcome]) -> Evaluation:
    """Run (lazily) and score the whole tree; the overall verdict is the root group's verdict."""
    tests: list[TestResult] = []
    subtasks: list[SubtaskResult] = []

    def skip(node):
        for t in (node.tests() if isinstance(node, TestGroup) else [node]):
            tests.append(TestResult(name=t.name, verdict=Verdict.SKIPPED, max_points=t.max_points,
                                    group=t.group))
        if isinstance(node, TestGroup):
            for g in node.groups():
                if g.show:
                    subtasks.append(SubtaskResult(g.name, 0.0, g.max_score(), Verdict.SKIPPED))

    def walk(group: TestGroup) -> tuple[Verdict, float]:
        slot = len(subtasks)
        if group.show:
            subtasks.append(None)  # placeholder: keep groups in pre-order
        rule = group.rule
        verdicts: list[Verdict] = []
        scores: list[float] = []
        stopped = False
        for item in group.items:
            if stopped:
                skip(item)
                continue
            if isinstance(item, TestGroup):
                v, s = walk(item)
                counts = item.rule.scored and not (rule.ignore_sample and item.name.split("/")[-1] == "sample")
            else:
                out = run_test(item)
                v = out.verdict
                s = test_points(item, out)
                tests.append(TestResult(name=item.name, verdict=v, time=out.time, wall=out.wall,
                                        memory=out.memory, points=s if rule.scored else 0.0,
                                        max_points=item.max_points if rule.scored else 0.0,
                                        message=out.message, feedback=out.feedback, group=item.group))
                counts = True
            if counts:
                verdicts.append(v)
                scores.append(s)
            elif v != Verdict.AC and not rule.ignore_sample:
                # an unscored child (2023-07 samples) still decides the verdict
                verdicts.append(v)
            if v != Verdict.AC and rule.on_reject == "break":
                stopped = True
        verdict = _group_verdict(rule, verdicts)
        if not rule.scored:
            score = 0.0
        elif rule.aggregation == "pass-fail":
            score = float(rule.max_score or 0.0) if all(v == Verdict.AC for v in verdicts) and not stopped \
                else 0.0
        else:
            score = _aggregate(rule.aggregation, scores)
        if group.show:
            subtasks[slot] = SubtaskResult(group.name, round(score, 6), round(group.max_score(), 6), verdict)
        return verdict, score

    verdict, score = walk(root)
    return Evaluation(verdict=verdict, score=round(score, 6), max_score=round(root.max_score(), 6),
                      tests=tests, subtasks=[s for s in subtasks if s is not None])


def _group_verdict(rule: GroupRule, verdicts: list[Verdict]) -> Verdict:
    if rule.verdict_mode == "always_accept":
        return Verdict.AC
    if rule.accept_if_any_accepted and any(v == Verdict.AC for v in verdicts):
        return Verdict.AC
    bad = [v for v in verdicts if v != Verdict.AC]
    if not bad:
        return Verdict.AC
    if rule.verdict_mode == "worst_error":
        return max(bad, key=SEVERITY.index)
    return bad[0]


__all__ = ["AGGREGATIONS", "Evaluation", "GroupRule", "TestCase", "TestGroup", "TestOutcome", "evaluate",
           "test_points"]
