"""The Kattis problem package format, legacy and 2023-07.

Follows https://www.kattis.com/problem-package-format/ : problem.yaml, data/sample and data/secret
with .in/.ans (anything else is not a test; tests and groups in lexicographic order; symlinked
tests count), test groups configured by testdata.yaml (legacy: the closest ancestor's file applies
whole; 2023-07: test_group.yaml or testdata.yaml, `scoring` per group, other keys inherited),
the default output validator and its flags, or one custom output validator
(legacy `output_validators/`, 2023-07 `output_validator/`).

Time limit: legacy packages carry none; it is ceil(slowest accepted CPU time × time_multiplier)
(default 5) in whole seconds. 2023-07 packages may give `limits.time_limit`; otherwise it is the
smallest multiple of `time_resolution` (default 1 s) at least slowest accepted × ac_to_time_limit
(default 2). That needs the accepted submissions judged first: see timelimit.compute_time_limit.
"""
from __future__ import annotations

import math
from pathlib import Path

from ..checkers import CheckerConfigError, make_checker
from ..scoring import GroupRule, TestCase, TestGroup
from .base import (DEFAULT_MEMORY, DEFAULT_OUTPUT, MEMORY_RANGE, OUTPUT_RANGE, TIME_RANGE, Package,
                   PackageError, find_submissions, number, read_yaml)

LEGACY_VERSIONS = ("legacy", "legacy-icpc")
NEW_VERSIONS = ("2023-07-draft", "2023-07", "draft", "2025-09", "2025-09-draft")
LEGACY_TESTDATA_KEYS = {"on_reject", "grading", "grader_flags", "input_validator_flags",
                        "output_validator_flags", "accept_score", "reject_score", "range"}
NEW_GROUP_KEYS = {"scoring", "input_validator_args", "output_validator_args", "args", "static_validation",
                  "full_feedback", "hint", "description",
                  # accepted for packages written against earlier 2023-07 drafts
                  "on_reject", "output_validator_flags", "input_validator_flags"}
GRADER_FLAGS = {"first_error", "worst_error", "always_accept", "sum", "avg", "min", "max", "ignore_sample",
                "accept_if_any_accepted"}
SOURCE_SUFFIXES = {".c", ".cc", ".cpp", ".cxx", ".c++", ".py", ".h", ".hpp"}


def detect(root: Path) -> bool:
    return (root / "data").is_dir() and ((root / "problem.yaml").is_file() or (root / "data" / "secret").is_dir())


def load(root: Path) -> Package:
    if not (root / "problem.yaml").is_file():
        raise PackageError("problem.yaml is missing")
    py = read_yaml(root / "problem.yaml", "problem.yaml")
    version = str(py.get("problem_format_version", "legacy")).strip()
    if version in LEGACY_VERSIONS:
        legacy = True
    elif version in NEW_VERSIONS:
        legacy = False
    else:
        raise PackageError(f"unknown problem_format_version {version!r}")
    warnings: list[str] = []

    # -- problem type
    types = py.get("type", "pass-fail")
    types = [types] if isinstance(types, str) else list(types or [])
    for t in types:
        if t not in ("pass-fail", "scoring", "interactive", "multi-pass", "submit-answer"):
            raise PackageError(f"unknown problem type {t!r}")
        if t in ("interactive", "multi-pass", "submit-answer"):
            raise PackageError(f"{t} problems are not supported by this judge")
    scoring = "scoring" in types
    if scoring and "pass-fail" in types:
        raise PackageError("a problem cannot be both pass-fail and scoring")

    # -- validation
    validation = str(py.get("validation", "default")).split()
    if not validation or validation[0] not in ("default", "custom"):
        raise PackageError(f"validation must start with default or custom, not {' '.join(validation)!r}")
    if "interactive" in validation:
        raise PackageError("interactive problems are not supported by this judge")
    unknown = set(validation[1:]) - {"score", "interactive"}
    if unknown:
        raise PackageError(f"unknown validation option(s): {', '.join(sorted(unknown))}")
    flags = py.get("validator_flags", "")
    if not isinstance(flags, (str, list)) and flags is not None:
        raise PackageError("validator_flags must be a string")
    validator_dir = _validator_source(root, legacy)
    custom = validation[0] == "custom" or (not legacy and validator_dir is not None)
    if custom and validator_dir is None:
        raise PackageError("validation is custom but there is no output validator "
                           f"({'output_validators/' if legacy else 'output_validator/'})")
    if not custom and validator_dir is not None:
        warnings.append("output validator present but validation is default: it is not used")
    try:
        if custom:
            checker = make_checker("kattis-custom", {"source": validator_dir, "flags": flags})
        else:
            checker = make_checker("kattis-default", {"flags": flags})
    except CheckerConfigError as exc:
        raise PackageError(str(exc)) from None
    validator_scores = custom and (not legacy or "score" in validation)

    # -- limits
    limits = py.get("limits") or {}
    if not isinstance(limits, dict):
        raise PackageError("limits must be a mapping")
    memory = number(limits.get("memory", DEFAULT_MEMORY), "limits.memory (MiB)", *MEMORY_RANGE, integer=True)
    output = number(limits.get("output", DEFAULT_OUTPUT), "limits.output (MiB)", *OUTPUT_RANGE, integer=True)
    if legacy:
        mult = number(limits.get("time_multiplier", 5), "limits.time_multiplier", 1, 100)
        margin = number(limits.get("time_safety_margin", 2), "limits.time_safety_margin", 1, 100)
        resolution = 1.0
    else:
        tm = limits.get("time_multipliers") or {}
        if not isinstance(tm, dict):
            raise PackageError("limits.time_multipliers must be a mapping")
        mult = number(tm.get("ac_to_time_limit", limits.get("time_multiplier", 2.0)),
                      "limits.time_multipliers.ac_to_time_limit", 1, 100)
        margin = number(tm.get("time_limit_to_tle", limits.get("time_safety_margin", 1.5)),
                        "limits.time_multipliers.time_limit_to_tle", 1, 100)
        resolution = number(limits.get("time_resolution", 1.0), "limits.time_resolution", 0.001, 60)
    time_limit = None
    if "time_limit" in limits:
        time_limit = number(limits["time_limit"], "limits.time_limit (s)", *TIME_RANGE)
    elif (root / ".timelimit").is_file():        # DOMjudge's companion file for legacy packages
        time_limit = number((root / ".timelimit").read_text().strip(), ".timelimit (s)", *TIME_RANGE)

    if (root / "include").is_dir():
        warnings.append("include/ is not supported: submissions are compiled on their own")
    # -- test data
    data = root / "data"
    if not (data / "secret").is_dir():
        raise PackageError("data/secret is missing")
    builder = _TreeBuilder(root, legacy, scoring, warnings)
    tree = builder.build()
    if not [t for t in tree.tests() if t.name.startswith("secret/")]:
        raise PackageError("data/secret holds no test cases (.in files)")

    input_validators = []
    for n in ("input_validators", "input_format_validators"):
        d = root / n
        if d.is_dir():
            for p in sorted(d.iterdir()):
                if p.name.startswith(".") or p.name.lower().startswith("readme"):
                    continue
                if p.suffix.lower() in (".ctd", ".viva"):
                    warnings.append(f"{n}/{p.name}: {p.suffix} validators are not supported; not run")
                    continue
                if p.is_file() and p.suffix.lower() in (".h", ".hpp"):
                    continue
                input_validators.append(p)
            break

    name = py.get("name")
    if isinstance(name, dict):
        name = name.get("en") or next(iter(name.values()), None)
    pkg = Package(root=root, format="kattis-legacy" if legacy else "kattis-2023-07",
                  name=str(name or root.name), tree=tree, checker=checker, time_limit=time_limit,
                  memory=memory, output=output, scoring=scoring, time_multiplier=mult,
                  time_safety_margin=margin, time_resolution=resolution,
                  submissions=find_submissions(root), warnings=warnings,
                  validator_scores=validator_scores, input_validators=input_validators,
                  input_validator_args=builder.input_args)
    return pkg


def time_limit_from(package: Package, slowest_accepted: float) -> float:
    """The time limit the format derives from the slowest accepted submission's CPU time."""
    exact = slowest_accepted * package.time_multiplier
    res = package.time_resolution
    steps = max(1, math.ceil(round(exact / res, 9)))
    return round(steps * res, 6)


def _validator_source(root: Path, legacy: bool) -> Path | None:
    names = ["output_validators", "output_validator"] if legacy else ["output_validator", "output_validators"]
    for n in names:
        d = root / n
        if not d.is_dir():
            continue
        entries = [p for p in sorted(d.iterdir()) if not p.name.startswith(".") and p.name.lower() != "readme"
                   and not p.name.lower().startswith("readme.")]
        if not entries:
            continue
        subdirs = [p for p in entries if p.is_dir()]
        files = [p for p in entries if p.is_file()]
        if n == "output_validator" and files:
            return d                      # 2023-07: the folder is the program
        if subdirs and not files and len(subdirs) == 1:
            return subdirs[0]
        if files and not subdirs:
            programs = [f for f in files if f.suffix.lower() not in (".h", ".hpp")]
            if len(programs) == 1 or (d / "build").exists() or (d / "run").exists():
                return d if len(files) > 1 else files[0]
            # several sources and headers: one program compiled from the whole folder
            return d
        raise PackageError(f"{n}/ holds several validators; this judge supports exactly one")
    return None


class _TreeBuilder:
    def __init__(self, root: Path, legacy: bool, scoring: bool, warnings: list[str]):
        self.root, self.data = root, root / "data"
        self.legacy, self.scoring, self.warnings = legacy, scoring, warnings
        self.input_args: dict[str, object] = {}

    # ---- configuration files
    def _config_file(self, d: Path) -> dict | None:
        names = ["testdata.yaml"] if self.legacy else ["test_group.yaml", "testdata.yaml"]
        for n in names:
            if (d / n).is_file():
                rel = (d / n).relative_to(self.root)
                cfg = read_yaml(d / n, str(rel))
                allowed = LEGACY_TESTDATA_KEYS if self.legacy else NEW_GROUP_KEYS
                for k in cfg:
                    if k not in allowed:
                        self.warnings.append(f"{rel}: unknown key {k!r} ignored")
                return cfg
        return None

    def build(self) -> TestGroup:
        if self.legacy:
            root_cfg = self._config_file(self.data) or {}
            root = self._legacy_group(self.data, "data", root_cfg)
        else:
            root = self._new_group(self.data, "data", {}, None)
        root.show = False
        return root

    def _entries(self, d: Path):
        """(base name, kind, path) for tests and subgroups in d, in lexicographic order."""
        items = {}
        ins, anss = set(), set()
        for p in d.iterdir():
            if p.is_dir():
                if "." in p.name:          # test.files/, *.download/ ... not groups
                    continue
                if d == self.data and p.name not in ("sample", "secret"):
                    continue               # invalid_input/, valid_output/ ...: not tests
                items[p.name] = ("group", p)
            elif p.is_file() and d != self.data:     # tests live in sample/ and secret/ only
                if p.suffix == ".in":
                    ins.add(p.stem)
                elif p.suffix == ".ans":
                    anss.add(p.stem)
        rel = d.relative_to(self.data)
        for stem in ins:
            if stem not in anss:
                raise PackageError(f"data/{rel / (stem + '.in')} has no answer file (.ans)")
            if stem in items:
                raise PackageError(f"data/{rel / stem} is both a test case and a group")
            items[stem] = ("test", d / stem)
        for stem in anss - ins:
            raise PackageError(f"data/{rel / (stem + '.ans')} has no input file (.in)")
        return [(k, *items[k]) for k in sorted(items)]

    def _test(self, base: Path, group: str, *, max_points=0.0, reject=0.0, args=()) -> TestCase:
        name = str(base.relative_to(self.data))
        return TestCase(name=name, input_path=base.with_name(base.name + ".in").resolve(),
                        answer_path=base.with_name(base.name + ".ans").resolve(),
                        max_points=max_points, reject_points=reject, args=list(args), group=group,
                        sample=name.startswith("sample/"))

    # ---- legacy: the closest ancestor's testdata.yaml applies as a whole
    def _legacy_group(self, d: Path, name: str, cfg: dict) -> TestGroup:
        if str(cfg.get("grading", "default")) != "default":
            raise PackageError(f"data/{name}: custom graders are not supported")
        flags = str(cfg.get("grader_flags", "") or "").split()
        bad = set(flags) - GRADER_FLAGS
        if bad:
            raise PackageError(f"testdata.yaml in {name}: unknown grader flag(s) {', '.join(sorted(bad))}")
        verdict_mode = next((f for f in flags if f in ("first_error", "worst_error", "always_accept")),
                            "first_error")
        aggregation = next((f for f in flags if f in ("sum", "avg", "min", "max")), "sum")
        on_reject = str(cfg.get("on_reject", "break"))
        if on_reject not in ("break", "continue"):
            raise PackageError(f"testdata.yaml in {name}: on_reject must be break or continue")
        accept = number(cfg.get("accept_score", 1), f"{name}: accept_score", -1e9, 1e9)
        reject = number(cfg.get("reject_score", 0), f"{name}: reject_score", -1e9, 1e9)
        if "range" in cfg:
            parts = str(cfg["range"]).split()
            try:
                lo, hi = (float(parts[0]), float(parts[1]))
                if len(parts) != 2 or lo > hi:
                    raise ValueError
            except (ValueError, IndexError):
                raise PackageError(f"testdata.yaml in {name}: range must be two numbers A B") from None
        ov = cfg.get("output_validator_flags", "") or ""
        if isinstance(ov, dict):
            ov = ov.get("flags", "")
        args = str(ov).split()
        if self.scoring:
            rule = GroupRule(aggregation=aggregation, on_reject=on_reject, verdict_mode=verdict_mode,
                             accept_if_any_accepted="accept_if_any_accepted" in flags,
                             ignore_sample="ignore_sample" in flags)
        else:
            rule = GroupRule(aggregation="pass-fail", max_score=1.0, on_reject=on_reject,
                             verdict_mode=verdict_mode, accept_if_any_accepted="accept_if_any_accepted" in flags)
        group = TestGroup(name=name, rule=rule)
        rel_name = "" if name == "data" else name
        for base, kind, path in self._entries(d):
            if kind == "group":
                sub_name = f"{rel_name}/{base}".strip("/")
                sub_cfg = self._config_file(path)
                group.items.append(self._legacy_group(path, sub_name, cfg if sub_cfg is None else sub_cfg))
            else:
                t = self._test(path, rel_name, max_points=accept if self.scoring else 0.0,
                               reject=reject if self.scoring else 0.0, args=args)
                self.input_args[t.name] = _input_args(cfg.get("input_validator_flags"))
                group.items.append(t)
        return group

    # ---- 2023-07: `scoring` per group, other keys inherited key by key
    def _new_group(self, d: Path, name: str, inherited: dict, max_score: float | None) -> TestGroup:
        own = self._config_file(d) or {}
        cfg = {k: v for k, v in inherited.items()}
        for k, v in own.items():
            if k != "scoring":
                cfg[k] = v
        if own.get("static_validation"):
            raise PackageError(f"data/{name}: static validation is not supported by this judge")
        top = name == "data"
        is_sample = name == "sample"
        sc = own.get("scoring") or {}
        if not isinstance(sc, dict):
            raise PackageError(f"data/{name}: scoring must be a mapping")
        if sc.get("require_pass"):
            raise PackageError(f"data/{name}: require_pass is not supported by this judge")
        if not self.scoring:
            if sc:
                self.warnings.append(f"data/{name}: scoring ignored in a pass-fail problem")
            rule = GroupRule(aggregation="pass-fail", max_score=1.0,
                             on_reject=str(cfg.get("on_reject", "break")))
        elif top:
            rule = GroupRule(aggregation="sum", on_reject="continue")
        elif is_sample:
            rule = GroupRule(aggregation="pass-fail", max_score=0.0, on_reject="continue", scored=False)
        else:
            default_agg = "sum" if name == "secret" else "pass-fail"
            agg = str(sc.get("aggregation", default_agg))
            if agg not in ("pass-fail", "sum", "min"):
                raise PackageError(f"data/{name}: aggregation must be pass-fail, sum or min, not {agg!r}")
            if "score" in sc:
                if str(sc["score"]) == "unbounded":
                    raise PackageError(f"data/{name}: unbounded scores are not supported by this judge")
                max_score = number(sc["score"], f"data/{name}: scoring.score", 0, 1e9)
            elif name == "secret":
                max_score = 100.0
            rule = GroupRule(aggregation=agg, max_score=max_score,
                             on_reject=str(cfg.get("on_reject", "continue" if agg == "sum" else "break")),
                             accept_if_any_accepted=(name == "secret"))
        if rule.on_reject not in ("break", "continue"):
            raise PackageError(f"data/{name}: on_reject must be break or continue")
        if cfg.get("args"):
            self.warnings.append(f"data/{name}: submission args are not supported and are ignored")
        args = cfg.get("output_validator_args", cfg.get("output_validator_flags", []))
        if isinstance(args, str):
            args = args.split()
        args = [str(a) for a in (args or [])]
        entries = self._entries(d)
        group = TestGroup(name=name, rule=rule)
        rel_name = "" if top else name
        # maximum score inference: (M - S) / (A + T) for sum groups, M for min groups
        child_max = {}
        if self.scoring and not top and not is_sample and rule.aggregation in ("sum", "min"):
            explicit = {}
            for base, kind, path in entries:
                if kind == "group":
                    sub = read_yaml_scoring(path, self.root)
                    if "score" in sub:
                        explicit[base] = number(sub["score"], f"data/{name}/{base}: scoring.score", 0, 1e9)
            if rule.aggregation == "sum":
                S = sum(explicit.values())
                if S > max_score + 1e-9:
                    raise PackageError(f"data/{name}: subgroup scores sum to {S}, more than the group's {max_score}")
                n_default = len(entries) - len(explicit)
                share = (max_score - S) / n_default if n_default else 0.0
            else:
                share = max_score
            for base, kind, path in entries:
                child_max[base] = explicit.get(base, share)
        for base, kind, path in entries:
            if kind == "group":
                sub_name = f"{rel_name}/{base}".strip("/")
                if is_sample:
                    raise PackageError("data/sample must not contain test groups")
                group.items.append(self._new_group(path, sub_name, cfg, child_max.get(base, max_score)))
            else:
                t = self._test(path, rel_name, max_points=child_max.get(base, 0.0), args=args)
                self.input_args[t.name] = _input_args(cfg.get("input_validator_args",
                                                              cfg.get("input_validator_flags")))
                group.items.append(t)
        return group


def read_yaml_scoring(d: Path, root: Path) -> dict:
    for n in ("test_group.yaml", "testdata.yaml"):
        if (d / n).is_file():
            sc = read_yaml(d / n, str((d / n).relative_to(root))).get("scoring") or {}
            return sc if isinstance(sc, dict) else {}
    return {}


def _input_args(value):
    """Input validator arguments: a list for every validator, or {validator name: list}."""
    if not value:
        return []
    if isinstance(value, str):
        return value.split()
    if isinstance(value, list):
        return [str(v) for v in value]
    if isinstance(value, dict):
        if set(value) == {"name", "flags"} or set(value) <= {"name", "flags"}:   # legacy map form
            return {str(value.get("name")): str(value.get("flags") or "").split()}
        return {str(k): (v.split() if isinstance(v, str) else [str(x) for x in (v or [])])
                for k, v in value.items()}
    raise PackageError(f"bad input validator arguments: {value!r}")
