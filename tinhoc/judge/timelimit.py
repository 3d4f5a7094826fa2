"""The time limit of a package that gives none (Kattis): derived from its accepted submissions.

Every submissions/accepted/ file in a supported language is judged once with a generous probe
limit; the slowest one's CPU time, times the package's multiplier, rounded up as the format says,
is the limit. It is cached by package content, in memory and in the judge's cache folder.
"""
from __future__ import annotations

import hashlib
import logging
import os
import threading

from . import languages as _langs
from . import sandbox as _sb
from .errors import JudgeError
from .runner import judge_package
from .job import Limits, Verdict
from .packages import Package

log = logging.getLogger(__name__)

PROBE_TIME = 10.0                   # seconds: limit for accepted submissions while deriving a time limit

_time_limits: dict[str, float] = {}
_time_lock = threading.Lock()


def package_limits(pkg: Package) -> Limits:
    """The package's limits; a Kattis package without a time limit gets the derived one."""
    t = pkg.time_limit
    if t is None:
        t = compute_time_limit(pkg)
    return Limits(time=t, memory=pkg.memory, output=pkg.output)


def _cache_key(pkg: Package) -> str:
    """Content key of what the derived time limit depends on (stable across zip extractions)."""
    h = hashlib.sha256(b"time-limit-v1")
    for name in ("problem.yaml", ".timelimit"):
        if (pkg.root / name).is_file():
            h.update(name.encode() + (pkg.root / name).read_bytes())
    for folder in sorted(pkg.submissions):
        for f in pkg.submissions[folder]:
            h.update(f"{folder}/{f.name}".encode())
            if f.is_file():
                h.update(f.read_bytes())
    for t in pkg.tests():
        h.update(f"{t.name}:{t.input_path.stat().st_size}:{t.answer_path.stat().st_size}".encode())
    return h.hexdigest()


def compute_time_limit(pkg: Package, *, runs: list | None = None) -> float:
    """Slowest accepted submission's CPU time × the multiplier, rounded up as the format says.

    Judges every submissions/accepted/ file in a supported language once; the result is cached per
    package content in memory and in the judge's cache folder, so every worker process of the
    machine reuses it. `runs`, when given, forces a fresh derivation and receives
    (path, JudgeResult) pairs (verify uses it).
    """
    from .packages.kattis import time_limit_from
    key = _cache_key(pkg)
    disk = _sb.cache_dir() / "time-limits" / key
    with _time_lock:
        if runs is None:
            if key in _time_limits:
                return _time_limits[key]
            try:       # derived once per machine, shared by every worker process
                _time_limits[key] = float(disk.read_text())
                return _time_limits[key]
            except (OSError, ValueError):
                pass
    langs = _langs
    slowest = None
    probe = Limits(time=PROBE_TIME, memory=pkg.memory, output=pkg.output, wall_factor=1.5)
    for path in pkg.submissions.get("accepted", []):
        if path.is_dir():
            continue
        lang = langs.language_for_filename(path.name)
        if lang is None or not lang.available():
            continue
        res = judge_package(pkg, lang.name, path.read_bytes(), probe)
        if runs is not None:
            runs.append((path, res))
        if res.verdict != Verdict.AC:
            continue
        worst = max((t.time for t in res.tests if t.verdict == Verdict.AC), default=0.0)
        slowest = worst if slowest is None else max(slowest, worst)
    if slowest is None:
        raise JudgeError("the package gives no time limit and no accepted submission could derive one")
    limit = time_limit_from(pkg, slowest)
    with _time_lock:
        _time_limits[key] = limit
    try:
        disk.parent.mkdir(parents=True, exist_ok=True)
        tmp = disk.with_suffix(f".{os.getpid()}.tmp")
        tmp.write_text(repr(limit))
        os.replace(tmp, disk)
    except OSError:
        log.warning("cannot cache the derived time limit in %s", disk)
    return limit


__all__ = ["PROBE_TIME", "compute_time_limit", "package_limits"]
