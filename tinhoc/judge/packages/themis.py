"""The Themis folder layout Vietnamese teachers already have.

```
NAME/                      (the package root, or its only folder)
  Test01/NAME.INP  Test01/NAME.OUT
  Test02/name.inp  Test02/name.out       names are case-insensitive
  problem.yaml               optional: the plain format's settings (time, memory, checker, subtasks)
```
Each test folder holds exactly one input (.inp) and one answer (.out). The program may read
standard input or the file NAME.INP in its working directory, and write standard output or
NAME.OUT (the file wins when it exists), as Themis allows both. Without problem.yaml: 1 s,
256 MiB, token-exact checker, 100 points shared equally.
"""
from __future__ import annotations

import re
from pathlib import Path

from .base import Package, PackageError, find_submissions, natural_key
from .plain import build_package, read_settings

_TEST_DIR = re.compile(r"^test", re.I)


def _test_dirs(root: Path) -> list[Path]:
    out = []
    for p in root.iterdir():
        if p.is_dir() and _TEST_DIR.match(p.name) and any(f.suffix.lower() == ".inp" for f in p.iterdir()
                                                          if f.is_file()):
            out.append(p)
    return out


def _find_root(root: Path) -> Path | None:
    if _test_dirs(root):
        return root
    subs = [p for p in root.iterdir() if p.is_dir() and not p.name.startswith(".") and _test_dirs(p)]
    if len(subs) == 1:
        return subs[0]
    return None


def detect(root: Path) -> bool:
    return _find_root(root) is not None


def load(root: Path) -> Package:
    real = _find_root(root)
    if real is None:
        raise PackageError("no Test folders with .INP files found")
    settings = read_settings(real) or read_settings(root)
    tests = []
    task_names = set()
    for d in _test_dirs(real):
        files = [f for f in d.iterdir() if f.is_file()]
        inps = [f for f in files if f.suffix.lower() == ".inp"]
        outs = [f for f in files if f.suffix.lower() == ".out"]
        if len(inps) != 1:
            raise PackageError(f"{d.name} holds {len(inps)} .INP files; exactly one is needed")
        if len(outs) != 1:
            raise PackageError(f"{d.name} has no answer file (.OUT)" if not outs
                               else f"{d.name} holds {len(outs)} .OUT files; exactly one is needed")
        if inps[0].stem.lower() != outs[0].stem.lower():
            raise PackageError(f"{d.name}: {inps[0].name} and {outs[0].name} name different problems")
        task_names.add(inps[0].stem.upper())
        tests.append((d.name, inps[0].resolve(), outs[0].resolve()))
    tests.sort(key=lambda t: natural_key(t[0]))
    io_name = task_names.pop() if len(task_names) == 1 else None
    pkg = build_package(real, "themis", settings, tests, io_filename=io_name)
    if real != root:
        pkg.submissions = pkg.submissions or find_submissions(root)
    return pkg
