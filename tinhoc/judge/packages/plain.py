"""A plain package: `tests/NAME.in` + `tests/NAME.out` (or `.ans`) and a small `problem.yaml`.

```yaml
name: Tong hai so
time: 1            # seconds (default 1)
memory: 256        # MiB (default 256)
output: 64         # MiB (default 64)
checker: token     # token (default) | line | float | case-insensitive | testlib ...
# checker: {type: float, abs: 1.0e-6, rel: 1.0e-6}
# checker: {type: testlib, file: checker.cpp}
scoring: ioi       # ioi (partial points, default) | icpc (all or nothing)
points: 100        # total points (default 100), shared equally by the tests without subtasks
samples: ["1"]     # tests shown in the statement (names or globs): only on these does the
                   # contestant see the checker's message; on the others verdict, time, memory
subtasks:          # optional; each test in exactly one subtask
  - {name: nho, score: 40, tests: ["1", "2"]}                 # names or glob patterns
  - {name: lon, score: 60, tests: ["big*"], aggregation: sum}   # min (default) or sum
```
Tests run in natural order of their names (2 before 10). The Themis loader reuses the settings.
"""
from __future__ import annotations

import fnmatch
from pathlib import Path

from ..scoring import GroupRule, TestCase, TestGroup
from .base import (DEFAULT_MEMORY, DEFAULT_OUTPUT, MEMORY_RANGE, OUTPUT_RANGE, TIME_RANGE, Package,
                   PackageError, checker_from, find_submissions, natural_key, number, read_yaml)

SETTINGS_KEYS = {"name", "time", "memory", "output", "checker", "scoring", "points", "subtasks", "io",
                 "problem_format_version", "samples"}


def detect(root: Path) -> bool:
    return (root / "tests").is_dir() and not (root / "data").is_dir()


def load(root: Path) -> Package:
    settings = read_settings(root)
    tdir = root / "tests"
    files = {p.name: p for p in tdir.iterdir() if p.is_file()}
    tests = []
    for fname, p in files.items():
        if p.suffix.lower() != ".in":
            continue
        stem = p.name[:-3]
        ans = next((files[stem + ext] for ext in (".out", ".ans", ".OUT", ".ANS") if stem + ext in files), None)
        if ans is None:
            raise PackageError(f"tests/{fname} has no answer file (tests/{stem}.out)")
        tests.append((stem, p.resolve(), ans.resolve()))
    stems = {t[0] for t in tests}
    for fname, p in files.items():
        if p.suffix.lower() in (".out", ".ans") and p.name[:-4] not in stems:
            raise PackageError(f"tests/{fname} has no input file (tests/{p.name[:-4]}.in)")
    if not tests:
        raise PackageError("tests/ holds no test cases (NAME.in + NAME.out)")
    tests.sort(key=lambda t: natural_key(t[0]))
    return build_package(root, "plain", settings, tests)


def read_settings(root: Path, *, required=False) -> dict:
    path = root / "problem.yaml"
    if not path.is_file():
        if required:
            raise PackageError("problem.yaml is missing")
        return {}
    cfg = read_yaml(path, "problem.yaml")
    return cfg


def build_package(root: Path, fmt: str, cfg: dict, tests: list[tuple[str, Path, Path]],
                  io_filename: str | None = None) -> Package:
    """Shared by the plain and Themis formats: settings + (name, input, answer) → Package."""
    warnings = [f"problem.yaml: unknown key {k!r} ignored" for k in cfg if k not in SETTINGS_KEYS]
    time_limit = number(cfg.get("time", 1.0), "time (s)", *TIME_RANGE)
    memory = number(cfg.get("memory", DEFAULT_MEMORY), "memory (MiB)", *MEMORY_RANGE, integer=True)
    output = number(cfg.get("output", DEFAULT_OUTPUT), "output (MiB)", *OUTPUT_RANGE, integer=True)
    chk = cfg.get("checker", "token")
    if isinstance(chk, dict):
        chk = dict(chk)
        if "type" not in chk:
            raise PackageError("checker needs a type")
        checker = checker_from(chk.pop("type"), chk, root)
    elif isinstance(chk, str):
        checker = checker_from(chk, {}, root)
    else:
        raise PackageError("checker must be a name or a mapping with a type")
    style = str(cfg.get("scoring", "ioi")).lower()
    if style not in ("ioi", "icpc"):
        raise PackageError(f"scoring must be ioi or icpc, not {style!r}")
    total = number(cfg.get("points", 100), "points", 0, 1e9)
    io = cfg.get("io")
    if io is not None and io not in ("stdio", "file"):
        raise PackageError("io must be stdio or file")
    if io == "stdio":
        io_filename = None

    subtasks = cfg.get("subtasks")
    if style == "icpc":
        if subtasks:
            raise PackageError("subtasks need scoring: ioi")
        root_group = TestGroup("tests", GroupRule(aggregation="pass-fail", max_score=total, on_reject="break"),
                               show=False)
        for name, inp, ans in tests:
            root_group.items.append(TestCase(name, inp, ans, group=""))
    elif not subtasks:
        share = total / len(tests)
        root_group = TestGroup("tests", GroupRule(aggregation="sum", on_reject="continue"), show=False)
        for name, inp, ans in tests:
            root_group.items.append(TestCase(name, inp, ans, max_points=share, group=""))
    else:
        root_group = _subtask_tree(subtasks, tests)
    samples = cfg.get("samples") or []
    if not isinstance(samples, list) or not all(isinstance(x, (str, int)) for x in samples):
        raise PackageError("samples must be a list of test names or patterns")
    for t in root_group.tests():
        t.sample = any(fnmatch.fnmatchcase(t.name, str(pat)) for pat in samples)
    return Package(root=root, format=fmt, name=str(cfg.get("name") or root.name), tree=root_group,
                   checker=checker, time_limit=time_limit, memory=memory, output=output,
                   scoring=style == "ioi", io_filename=io_filename, submissions=find_submissions(root),
                   warnings=warnings)


def _subtask_tree(subtasks, tests) -> TestGroup:
    if not isinstance(subtasks, list) or not all(isinstance(s, dict) for s in subtasks):
        raise PackageError("subtasks must be a list of mappings (name, score, tests)")
    by_name = {name: (name, inp, ans) for name, inp, ans in tests}
    owner: dict[str, str] = {}
    root = TestGroup("tests", GroupRule(aggregation="sum", on_reject="continue"), show=False)
    for i, st in enumerate(subtasks, 1):
        sname = str(st.get("name", f"subtask{i}"))
        if "score" not in st:
            raise PackageError(f"subtask {sname} needs a score")
        score = number(st["score"], f"subtask {sname}: score", 0, 1e9)
        agg = str(st.get("aggregation", "min"))
        if agg not in ("min", "sum"):
            raise PackageError(f"subtask {sname}: aggregation must be min or sum")
        pats = st.get("tests")
        if isinstance(pats, str):
            pats = [pats]
        if not pats:
            raise PackageError(f"subtask {sname} lists no tests")
        chosen = []
        for pat in pats:
            hits = [n for n in by_name if fnmatch.fnmatchcase(n, str(pat))]
            if not hits:
                raise PackageError(f"subtask {sname}: no test matches {pat!r}")
            for n in hits:
                if n in owner and owner[n] != sname:
                    raise PackageError(f"test {n} is in two subtasks ({owner[n]} and {sname})")
                if n not in chosen:
                    owner[n] = sname
                    chosen.append(n)
        chosen.sort(key=natural_key)
        # a min subtask is worth its weakest test: stop at the first failure (the rest are SKIPPED)
        rule = GroupRule(aggregation=agg, on_reject="break" if agg == "min" else "continue", max_score=score)
        group = TestGroup(sname, rule)
        share = score if agg == "min" else score / len(chosen)
        for n in chosen:
            _, inp, ans = by_name[n]
            group.items.append(TestCase(n, inp, ans, max_points=share, group=sname))
        root.items.append(group)
    missing = [n for n in by_name if n not in owner]
    if missing:
        raise PackageError(f"test(s) in no subtask: {', '.join(sorted(missing, key=natural_key)[:10])}")
    return root
