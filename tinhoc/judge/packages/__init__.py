"""Problem packages: three formats in a registry, each loaded into the same `Package`.

`load_package(path)` takes a folder or a .zip (extracted safely to a temporary folder, removed by
`Package.close()`), detects the format (or takes `format=`), and refuses a broken package with a
`PackageError` whose `reason` says why.
"""
from __future__ import annotations

from pathlib import Path

from . import kattis, plain, themis
from .base import SUBMISSION_FOLDERS, Package, PackageError, extract_zip, open_root

# Detection order matters: a Kattis package has data/, a plain one tests/, Themis Test*/ folders.
FORMATS = {
    "kattis": kattis,
    "plain": plain,
    "themis": themis,
}


def detect_format(root: Path) -> str:
    for name, module in FORMATS.items():
        if module.detect(root):
            return name
    raise PackageError("unknown package format: expected data/ (Kattis), tests/ (plain zip) "
                       "or Test01/NAME.INP folders (Themis)")


def load_package(path: str | Path, format: str | None = None) -> Package:
    root, tmp = open_root(path)
    try:
        fmt = format or detect_format(root)
        if fmt not in FORMATS:
            raise PackageError(f"unknown package format {fmt!r}")
        pkg = FORMATS[fmt].load(root)
    except BaseException:
        if tmp is not None:
            tmp.cleanup()
        raise
    pkg._tmp = tmp
    return pkg


__all__ = ["FORMATS", "SUBMISSION_FOLDERS", "Package", "PackageError", "detect_format", "extract_zip",
           "load_package"]
