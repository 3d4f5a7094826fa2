"""The Kattis problem package format, legacy and 2023-07.

Follows https://www.kattis.com/problem-package-format/ : problem.yaml, data/sample and data/secret
with .in/.ans (anything else is not a test; tests and groups in lexicographic order; symlinked
tests count), test groups configured by testdata.yaml (legacy: the closest ancestor's file applies
whole; 2023-07: test_group.yaml or testdata.yaml, `scoring` per group, other keys inherited; the
tree is built in kattis_data.py),
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
from .base import (DEFAULT_MEMORY, DEFAULT_OUTPUT, MEMORY_RANGE, OUTPUT_RANGE, TIME_RANGE, Package,
                   PackageError, find_submissions, number, read_yaml)
from .kattis_data import TreeBuilder

LEGACY_VERSIONS = ("legacy", "legacy-icpc")
NEW_VERSIONS = ("2023-07-draft", "2023-07", "draft", "2025-09", "2025-09-draft")
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
    builder = TreeBuilder(root, legacy, scoring, warnings)
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
