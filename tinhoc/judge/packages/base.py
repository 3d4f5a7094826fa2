"""What every package format shares: the loaded `Package`, `PackageError`, safe zip extraction."""
from __future__ import annotations

import os
import re
import stat
import tempfile
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from ..checkers import Checker, CheckerConfigError, make_checker
from ..ziplimits import ZipLimitExceeded, check_zip
from ..scoring import TestCase, TestGroup

# Sanity bounds for limits given by a package (the web side may still override them).
TIME_RANGE = (0.01, 60.0)          # seconds
MEMORY_RANGE = (4, 16384)          # MiB
OUTPUT_RANGE = (1, 4096)           # MiB
DEFAULT_MEMORY = 256
DEFAULT_OUTPUT = 64
ZIP_MAX_BYTES = int(os.environ.get("TINHOC_JUDGE_ZIP_MAX_BYTES", 1 << 30))   # 1 GiB uncompressed
ZIP_MAX_FILES = 100_000


class PackageError(Exception):
    """The package cannot be used; `reason` says why in words an organiser understands."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


# Expected verdicts by submissions/ folder name (Kattis names, plus a few common extras).
SUBMISSION_FOLDERS = {
    "accepted": "AC",
    "partially_accepted": "PAC",
    "wrong_answer": "WA",
    "time_limit_exceeded": "TLE",
    "run_time_error": "RE",
    "memory_limit_exceeded": "MLE",
    "output_limit_exceeded": "OLE",
    "compile_error": "CE",
    "rejected": "REJECTED",
    "brute_force": "BRUTE",
}


@dataclass
class Package:
    """A loaded problem package, independent of its format."""
    root: Path                       # host folder (a temp copy when loaded from a zip)
    format: str                      # "kattis-legacy" | "kattis-2023-07" | "plain" | "themis"
    name: str
    tree: TestGroup                  # tests in run order, with the scoring rules
    checker: Checker
    time_limit: float | None         # seconds; None: to be computed from accepted submissions
    memory: int = DEFAULT_MEMORY     # MiB
    output: int = DEFAULT_OUTPUT     # MiB
    scoring: bool = False            # a scoring problem (partial points) or pass-fail
    time_multiplier: float = 5.0     # Kattis: slowest accepted × this = time limit
    time_safety_margin: float = 2.0  # Kattis: time_limit_exceeded must still fail at limit × this
    time_resolution: float = 1.0     # time limit computed as a multiple of this
    io_filename: str | None = None   # Themis: input also given as NAME.INP, output read from NAME.OUT
    submissions: dict[str, list[Path]] = field(default_factory=dict)  # folder -> files, sorted
    warnings: list[str] = field(default_factory=list)
    validator_scores: bool = True    # may the checker's score/fraction change a test's points
    input_validators: list[Path] = field(default_factory=list)   # Kattis: programs (file or folder)
    input_validator_args: dict[str, object] = field(default_factory=dict)  # test name -> args or {name: args}
    _tmp: tempfile.TemporaryDirectory | None = None

    def tests(self) -> list[TestCase]:
        return self.tree.tests()

    def data_dirs(self) -> list[Path]:
        """Folders outside the package root that hold symlinked test files."""
        root = self.root.resolve()
        out = []
        for t in self.tests():
            for p in (t.input_path, t.answer_path):
                d = p.parent
                if root not in d.parents and d != root and d not in out:
                    out.append(d)
        return out

    def close(self):
        if self._tmp is not None:
            self._tmp.cleanup()
            self._tmp = None

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


# ---------------------------------------------------------------- helpers for the loaders

def read_yaml(path: Path, what: str | None = None) -> dict:
    """Read a YAML mapping; a missing file is {}; bad YAML or a non-mapping is a PackageError."""
    if not path.is_file():
        return {}
    what = what or path.name
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8-sig"))
    except yaml.YAMLError as exc:
        raise PackageError(f"bad YAML in {what}: {exc}") from None
    except UnicodeDecodeError:
        raise PackageError(f"{what} is not UTF-8 text") from None
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise PackageError(f"{what} must be a YAML mapping, not {type(data).__name__}")
    return data


def number(value, what: str, lo: float, hi: float, *, integer=False) -> float:
    """A limit from a package, checked against its sane range."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        try:
            value = float(str(value).strip())
        except ValueError:
            raise PackageError(f"{what} must be a number, not {value!r}") from None
    if integer and float(value) != int(value):
        raise PackageError(f"{what} must be a whole number, not {value!r}")
    if not lo <= value <= hi:
        raise PackageError(f"{what} = {value} is out of range [{lo}, {hi}]")
    return int(value) if integer else float(value)


def checker_from(type_name, params: dict | None, root: Path) -> Checker:
    """Make a checker, resolving a `source`/`file` parameter against the package root."""
    params = dict(params or {})
    for key in ("file", "source"):
        if key in params:
            given = str(params.pop(key))
            src = (root / given).resolve()
            if not src.exists():
                raise PackageError(f"checker source {given} is missing")
            if root.resolve() not in src.parents:
                raise PackageError("checker source must be inside the package")
            params["source"] = src
    try:
        return make_checker(str(type_name), params)
    except CheckerConfigError as exc:
        raise PackageError(str(exc)) from None


def natural_key(s: str):
    return [(0, int(t), "") if t.isdigit() else (1, 0, t.lower()) for t in re.split(r"(\d+)", s) if t]


def find_submissions(root: Path) -> dict[str, list[Path]]:
    sub = root / "submissions"
    out: dict[str, list[Path]] = {}
    if not sub.is_dir():
        return out
    for folder in sorted(sub.iterdir()):
        if folder.is_dir():
            # a folder is one multi-file submission: listed so that verify can say it skipped it
            files = sorted(p for p in folder.iterdir() if not p.name.startswith(".")
                           and p.name.lower() not in ("readme", "readme.md", "readme.txt"))
            if files:
                out[folder.name] = files
    return out


# ---------------------------------------------------------------- zip extraction

def extract_zip(zip_path: Path, dest: Path, *, max_bytes: int | None = None,
                max_files: int | None = None) -> Path:
    """Extract safely: no absolute names, no `..`, symlinks only to inside, size and count caps.

    Returns the package root: `dest`, or its only top-level folder when the zip wraps one.
    """
    try:
        zf = zipfile.ZipFile(zip_path)
    except (zipfile.BadZipFile, OSError) as exc:
        raise PackageError(f"not a readable zip file: {exc}") from None
    max_bytes = ZIP_MAX_BYTES if max_bytes is None else max_bytes
    max_files = ZIP_MAX_FILES if max_files is None else max_files
    dest = dest.resolve()
    total = 0
    with zf:
        try:
            check_zip(zf, max_bytes=max_bytes, max_files=max_files)  # stated sizes, before unpacking
        except ZipLimitExceeded as exc:
            if exc.kind == "files":
                raise PackageError(f"zip holds {exc.found} entries, more than the {max_files} allowed") from None
            raise PackageError(f"zip expands past {max_bytes >> 20} MiB") from None
        infos = zf.infolist()
        links = []
        for info in infos:
            name = info.filename.replace("\\", "/")
            parts = [p for p in name.split("/") if p not in ("", ".")]
            if name.startswith("/") or ".." in parts or (parts and ":" in parts[0]):
                raise PackageError(f"zip entry {info.filename!r} points outside the package")
            if not parts:
                continue
            target = dest.joinpath(*parts)
            mode = info.external_attr >> 16
            if info.is_dir():
                target.mkdir(parents=True, exist_ok=True)
                os.chmod(target, 0o755)
                continue
            target.parent.mkdir(parents=True, exist_ok=True)
            if stat.S_ISLNK(mode):
                link = zf.read(info, pwd=None)[:4096].decode("utf-8", "replace")
                links.append((target, link, info.filename))
                continue
            with zf.open(info) as src, open(target, "wb") as dst:
                while True:
                    block = src.read(1 << 20)
                    if not block:
                        break
                    total += len(block)
                    if total > max_bytes:
                        raise PackageError(f"zip expands past {max_bytes >> 20} MiB")
                    dst.write(block)
            os.chmod(target, 0o755 if mode & 0o111 else 0o644)
        for target, link, original in links:
            resolved = (target.parent / link).resolve()
            if link.startswith("/") or (dest not in resolved.parents and resolved != dest):
                raise PackageError(f"zip symlink {original!r} points outside the package")
            os.symlink(link, target)
    entries = [p for p in dest.iterdir() if p.name not in ("__MACOSX",)]
    if len(entries) == 1 and entries[0].is_dir() and not entries[0].is_symlink():
        return entries[0]
    return dest


def open_root(path: str | Path) -> tuple[Path, tempfile.TemporaryDirectory | None]:
    """A folder as is, or a zip extracted into a temporary folder (removed by Package.close)."""
    p = Path(path)
    if p.is_dir():
        return p.resolve(), None
    if p.is_file():
        if not zipfile.is_zipfile(p):
            raise PackageError(f"{p.name} is neither a folder nor a zip file")
        tmp = tempfile.TemporaryDirectory(prefix="tinhoc-pkg-")
        # readable by the sandbox's unprivileged uid, which sees the package at /problem
        os.chmod(tmp.name, 0o755)
        try:
            return extract_zip(p, Path(tmp.name)), tmp
        except BaseException:
            tmp.cleanup()
            raise
    raise PackageError(f"package {path} does not exist")
