"""Building program checkers (testlib checkers, Kattis output and input validators) once per content.

The build runs package code (a compiler on its sources, or its own `build` script) in a sandbox;
what it leaves in the work dir is copied into the judge's cache without following a single link
(sandbox/boxfiles.py), so a build script cannot smuggle a host file into the cache.
"""
from __future__ import annotations

import hashlib
import tempfile
import threading
from dataclasses import dataclass, field
from pathlib import Path

from . import sandbox as sb
from .checkers import ProgramChecker
from .errors import JudgeError
from .packages import Package
from .sandbox import boxfiles

CHECKER_LIMITS = dict(cpu_time=10.0, wall_time=30.0, memory_mib=1024, output_mib=16, processes=1,
                      open_files=64)
BUILD_LIMITS = dict(cpu_time=60.0, wall_time=120.0, memory_mib=2048, output_mib=256, processes=64,
                    open_files=256)
CPP_SUFFIXES = {".cpp", ".cc", ".cxx", ".c++"}
BUILD_LOG = ".build.txt"


@dataclass
class CheckerBuild:
    dir: Path                  # host folder bound at /checker
    argv: list[str] = field(default_factory=list)


_build_lock = threading.Lock()


def prepare_checker(pkg: Package) -> CheckerBuild | None:
    """The package's program checker, built (or taken from the cache); None for built-in ones."""
    if not isinstance(pkg.checker, ProgramChecker):
        return None
    cached = getattr(pkg, "_checker_build", None)
    if cached is not None:
        return cached
    with _build_lock:
        build = build_checker(pkg.checker.source)
    pkg._checker_build = build
    return build


def build_checker(source: Path) -> CheckerBuild:
    """Compile a checker (a file, or a folder compiled as a whole) once per content, cached on disk."""
    files = sorted(p for p in source.rglob("*") if p.is_file()) if source.is_dir() else [source]
    base = source if source.is_dir() else source.parent
    h = hashlib.sha256(b"checker-v2")
    for f in files:
        h.update(str(f.relative_to(base)).encode() + b"\0" + f.read_bytes() + b"\0")
    out_dir = sb.cache_dir() / "checkers" / h.hexdigest()[:24]
    names = {str(f.relative_to(base)) for f in files}
    recipe = _recipe(files, base)
    if recipe is None:
        raise JudgeError("checker: no build/run script, C, C++ or Python source found in "
                         f"{source.name}")
    kind, build_argv, run_argv = recipe
    if (out_dir / ".ok").exists():
        return CheckerBuild(out_dir, run_argv)
    out_dir.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix="build-", dir=out_dir.parent))
    tmp.chmod(0o755)           # bound at /checker: the checker's uid must read and run it
    try:
        if build_argv is None:
            for f in files:
                dst = tmp / f.relative_to(base)
                dst.parent.mkdir(parents=True, exist_ok=True)
                boxfiles.put_file(dst.parent, dst.name, source=f, mode=0o755)
        else:
            _build_in_sandbox(files, base, build_argv, tmp,
                              skip=set() if kind == "script" else names)
        (tmp / ".ok").write_text(kind)
        try:
            tmp.rename(out_dir)
        except OSError:            # built meanwhile by another worker
            boxfiles.remove_tree(tmp)
    except BaseException:
        boxfiles.remove_tree(tmp)
        raise
    return CheckerBuild(out_dir, run_argv)


def _build_in_sandbox(files: list[Path], base: Path, build_argv: list[str], dest: Path, skip: set[str]):
    with sb.open_sandbox() as box:
        for f in files:
            rel = f.relative_to(base)
            parent = box.workdir
            for part in rel.parts[:-1]:
                if not (parent / part).is_dir():
                    boxfiles.make_dir(parent, part, 0o755)
                parent = parent / part
            boxfiles.put_file(parent, rel.name, source=f, mode=0o755 if f.name in ("build", "run") else 0o644)
        res = box.run(build_argv, stdout="/box/" + BUILD_LOG, stderr="/box/" + BUILD_LOG,
                      limits=sb.RunLimits(**BUILD_LIMITS))
        if res.status != "OK":
            msg = box.read_text("/box/" + BUILD_LOG, 3000)
            raise JudgeError(f"checker does not compile ({res.status} {res.message}): {msg}".strip())
        # What the build left (package code ran there): regular files and folders only, copied
        # through file descriptors; a symlink is dropped, so no host file can be pulled in.
        boxfiles.copy_tree_out(box.workdir, dest, skip=skip | {BUILD_LOG}, skip_hidden=True)


def _recipe(files: list[Path], base: Path):
    rel = {str(f.relative_to(base)): f for f in files}
    if "build" in rel or "run" in rel:
        if "run" not in rel:
            raise JudgeError("checker has a build script but no run script")
        return "script", (["/bin/sh", "build"] if "build" in rel else None), ["/bin/sh", "/checker/run"]
    cpp = [n for n in rel if Path(n).suffix.lower() in CPP_SUFFIXES]
    c = [n for n in rel if Path(n).suffix == ".c"]
    py = [n for n in rel if Path(n).suffix == ".py"]
    if cpp:
        return "c++", ["/usr/bin/g++", "-O2", "-std=gnu++17", "-o", "checker", *(cpp + c)], ["/checker/checker"]
    if c:
        return "c", ["/usr/bin/gcc", "-O2", "-std=gnu11", "-o", "checker", *c, "-lm"], ["/checker/checker"]
    if "__main__.py" in rel:
        return "python", None, ["/usr/bin/python3", "/checker"]
    if len(py) == 1:
        return "python", None, ["/usr/bin/python3", f"/checker/{py[0]}"]
    return None


__all__ = ["BUILD_LIMITS", "CHECKER_LIMITS", "CheckerBuild", "build_checker", "prepare_checker"]
