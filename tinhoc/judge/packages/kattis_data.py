"""The test data tree of a Kattis package: data/sample and data/secret, their groups and rules.

Legacy packages configure groups by testdata.yaml (the closest ancestor's file applies whole,
grader_flags name the default grader's verdict mode and aggregation); 2023-07 packages by
test_group.yaml or testdata.yaml (`scoring` per group, other keys inherited). Either way the
result is the shared scoring tree (scoring.TestGroup of TestCase), with each test's validator
arguments, and each sample test marked as such.
"""
from __future__ import annotations


from pathlib import Path

from ..scoring import GroupRule, TestCase, TestGroup
from .base import PackageError, number, read_yaml

LEGACY_TESTDATA_KEYS = {"on_reject", "grading", "grader_flags", "input_validator_flags",
                        "output_validator_flags", "accept_score", "reject_score", "range"}
NEW_GROUP_KEYS = {"scoring", "input_validator_args", "output_validator_args", "args", "static_validation",
                  "full_feedback", "hint", "description",
                  # accepted for packages written against earlier 2023-07 drafts
                  "on_reject", "output_validator_flags", "input_validator_flags"}
GRADER_FLAGS = {"first_error", "worst_error", "always_accept", "sum", "avg", "min", "max", "ignore_sample",
                "accept_if_any_accepted"}


class TreeBuilder:
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
