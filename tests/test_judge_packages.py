"""Problem packages: the three formats, zips, and clear refusals of broken packages (no sandbox)."""
from __future__ import annotations

import os
import shutil
import stat
import zipfile
from pathlib import Path

import pytest

from tinhoc.judge.packages import PackageError, detect_format, load_package
from tinhoc.judge.packages.kattis import time_limit_from

PKGS = Path(__file__).parent / "judge_packages"


def zip_dir(src: Path, dest: Path, *, wrap: str | None = None) -> Path:
    with zipfile.ZipFile(dest, "w") as zf:
        for p in sorted(src.rglob("*")):
            arc = str(p.relative_to(src))
            if wrap:
                arc = f"{wrap}/{arc}"
            if p.is_file():
                zf.write(p, arc)
    return dest


@pytest.fixture
def copy_pkg(tmp_path):
    def make(name):
        dst = tmp_path / name
        shutil.copytree(PKGS / name, dst, symlinks=True)
        return dst
    return make


def names(pkg):
    return [t.name for t in pkg.tests()]


def test_kattis_legacy_tests_in_lexicographic_order_and_symlinks_count():
    with load_package(PKGS / "kattis_aplusb") as pkg:
        assert pkg.format == "kattis-legacy"
        assert names(pkg) == ["sample/1", "secret/01", "secret/02", "secret/03", "secret/04-sample"]
        assert pkg.time_limit is None and pkg.time_multiplier == 5 and pkg.time_safety_margin == 2
        assert pkg.memory == 128
        sym = pkg.tests()[-1]
        assert sym.input_path == (PKGS / "kattis_aplusb/data/sample/1.in").resolve()
        assert pkg.checker.describe() == "kattis-default"
        assert set(pkg.submissions) == {"accepted", "wrong_answer", "time_limit_exceeded", "run_time_error"}
        assert pkg.tree.max_score() == 1.0


def test_kattis_2023_groups_and_score_inference():
    with load_package(PKGS / "kattis_groups") as pkg:
        assert pkg.format == "kattis-2023-07" and pkg.scoring and pkg.time_limit == 1.0
        assert pkg.tree.max_score() == 100
        by = {t.name: t.max_points for t in pkg.tests()}
        assert by["secret/group2/1"] == 35 and by["secret/group1/1"] == 0   # pass-fail group
        groups = {g.name: g for g in pkg.tree.groups()}
        assert groups["secret/group1"].rule.aggregation == "pass-fail"
        assert groups["secret/group1"].max_score() == 30
        assert groups["secret/group2"].rule.aggregation == "sum"
        assert not groups["sample"].rule.scored


def test_kattis_custom_validator_and_plain_and_themis():
    with load_package(PKGS / "kattis_validator") as pkg:
        assert pkg.checker.type_name == "kattis-custom"
        assert pkg.checker.source.name == "split"          # the whole folder is the program
    with load_package(PKGS / "plain_divisor") as pkg:
        assert pkg.format == "plain" and pkg.checker.type_name == "testlib"
        assert names(pkg) == ["1", "2", "3", "4", "5", "6"]
    with load_package(PKGS / "plain_average") as pkg:
        assert [s.name for s in pkg.tree.items] == ["small", "large"]
        assert pkg.checker.describe() == "float(abs=1e-06, rel=1e-12)"
    with load_package(PKGS / "themis_tong") as pkg:
        assert pkg.format == "themis" and pkg.io_filename == "TONG"
        assert names(pkg) == ["Test01", "Test02", "test03", "Test4", "TEST10"]     # natural order
        assert pkg.checker.type_name == "token" and pkg.time_limit == 1.0
        assert abs(pkg.tree.max_score() - 100) < 1e-9
        assert "accepted" in pkg.submissions


@pytest.mark.parametrize("name", ["kattis_aplusb", "kattis_groups", "plain_divisor", "themis_tong"])
def test_zip_loads_like_the_folder(tmp_path, name):
    z = zip_dir(PKGS / name, tmp_path / f"{name}.zip", wrap=name)
    with load_package(z) as pkg, load_package(PKGS / name) as ref:
        assert names(pkg) == names(ref)
        assert [p.read_bytes() for p in (t.input_path for t in pkg.tests())] == \
            [p.read_bytes() for p in (t.input_path for t in ref.tests())]
        extracted = pkg.root
    assert not extracted.exists()                        # the temporary copy is gone


def test_zip_traversal_symlink_and_size_are_refused(tmp_path, monkeypatch):
    bad = tmp_path / "bad.zip"
    with zipfile.ZipFile(bad, "w") as zf:
        zf.writestr("tests/1.in", "1")
        zf.writestr("../evil.txt", "x")
    with pytest.raises(PackageError, match="outside"):
        load_package(bad)
    link = tmp_path / "link.zip"
    with zipfile.ZipFile(link, "w") as zf:
        info = zipfile.ZipInfo("tests/1.in")
        info.external_attr = (stat.S_IFLNK | 0o777) << 16
        zf.writestr(info, "/etc/passwd")
    with pytest.raises(PackageError, match="outside"):
        load_package(link)
    big = tmp_path / "big.zip"
    with zipfile.ZipFile(big, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("tests/1.in", "0" * (2 << 20))
        zf.writestr("tests/1.out", "0")
    from tinhoc.judge.packages import base
    monkeypatch.setattr(base, "ZIP_MAX_BYTES", 1 << 20)
    with pytest.raises(PackageError, match="expands past"):
        load_package(big)
    not_zip = tmp_path / "x.zip"
    not_zip.write_text("hello")
    with pytest.raises(PackageError):
        load_package(not_zip)


def _write(root: Path, files: dict):
    for rel, text in files.items():
        p = root / rel
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_text(text)
    return root


@pytest.mark.parametrize("files,reason", [
    ({"problem.yaml": "name: x\n", "data/secret/1.in": "1"}, "no answer file"),
    ({"problem.yaml": "name: x\n", "data/secret/1.ans": "1"}, "no input file"),
    ({"problem.yaml": "name: [x\n", "data/secret/1.in": "1", "data/secret/1.ans": "1"}, "bad YAML"),
    ({"problem.yaml": "limits:\n  memory: 0\n", "data/secret/1.in": "1", "data/secret/1.ans": "1"},
     "out of range"),
    ({"problem.yaml": "limits:\n  memory: lots\n", "data/secret/1.in": "1", "data/secret/1.ans": "1"},
     "must be a number"),
    ({"problem.yaml": "validation: custom\n", "data/secret/1.in": "1", "data/secret/1.ans": "1"},
     "no output validator"),
    ({"problem.yaml": "validator_flags: float_tolerance\n", "data/secret/1.in": "1", "data/secret/1.ans": "1"},
     "needs a value"),
    ({"problem.yaml": "validation: custom interactive\n", "data/secret/1.in": "1", "data/secret/1.ans": "1"},
     "interactive"),
    ({"problem.yaml": "name: x\n", "data/secret/x.txt": "1"}, "no test cases"),
    ({"problem.yaml": "problem_format_version: 1999\n", "data/secret/1.in": "1", "data/secret/1.ans": "1"},
     "problem_format_version"),
    ({"problem.yaml": "type: scoring\n", "data/secret/testdata.yaml": "grader_flags: median\n",
      "data/secret/1.in": "1", "data/secret/1.ans": "1"}, "unknown grader flag"),
    ({"problem.yaml": "checker: magic\n", "tests/1.in": "1", "tests/1.out": "1"}, "unknown checker"),
    ({"problem.yaml": "checker: {type: testlib, file: chk.cpp}\n", "tests/1.in": "1", "tests/1.out": "1"},
     "missing"),
    ({"problem.yaml": "time: 0\n", "tests/1.in": "1", "tests/1.out": "1"}, "out of range"),
    ({"problem.yaml": "time: 100\n", "tests/1.in": "1", "tests/1.out": "1"}, "out of range"),
    ({"tests/1.in": "1"}, "no answer file"),
    ({"problem.yaml": "subtasks:\n  - {name: a, score: 50, tests: ['1']}\n", "tests/1.in": "1",
      "tests/1.out": "1", "tests/2.in": "2", "tests/2.out": "2"}, "in no subtask"),
    ({"problem.yaml": "subtasks:\n  - {name: a, score: 50, tests: ['9*']}\n", "tests/1.in": "1",
      "tests/1.out": "1"}, "no test matches"),
    ({"Test01/A.INP": "1"}, "no answer file"),
    ({"Test01/A.INP": "1", "Test01/A.OUT": "1", "Test01/B.OUT": "1"}, "exactly one"),
    ({"readme.txt": "hi"}, "unknown package format"),
])
def test_broken_packages_are_refused_with_a_reason(tmp_path, files, reason):
    root = _write(tmp_path / "pkg", files)
    with pytest.raises(PackageError, match=reason) as exc:
        load_package(root)
    assert exc.value.reason


def test_legacy_testdata_yaml_applies_whole_to_subgroups(tmp_path):
    root = _write(tmp_path / "p", {
        "problem.yaml": "type: scoring\n",
        "data/testdata.yaml": "grader_flags: ignore_sample\non_reject: continue\n",
        "data/secret/testdata.yaml": "on_reject: continue\ngrader_flags: accept_if_any_accepted sum\n",
        "data/secret/g1/testdata.yaml": "grader_flags: min\naccept_score: 40\n",
        "data/secret/g1/1.in": "", "data/secret/g1/1.ans": "",
        "data/secret/g2/1.in": "", "data/secret/g2/1.ans": "",   # no file: inherits secret's
        "data/sample/1.in": "", "data/sample/1.ans": "",
    })
    with load_package(root) as pkg:
        g = {x.name: x for x in pkg.tree.groups()}
        assert g["secret/g1"].rule.aggregation == "min" and g["secret/g1"].rule.on_reject == "break"
        assert g["secret/g2"].rule.accept_if_any_accepted and g["secret/g2"].rule.on_reject == "continue"
        assert g["data"].rule.ignore_sample
        assert pkg.tree.max_score() == 41


def test_2023_inherits_validator_args_and_infers_scores(tmp_path):
    root = _write(tmp_path / "p", {
        "problem.yaml": "problem_format_version: 2023-07-draft\ntype: scoring\nlimits:\n  time_limit: 2\n",
        "data/secret/test_group.yaml": "output_validator_args: [float_tolerance, '0.1']\n",
        "data/secret/a/test_group.yaml": "scoring:\n  score: 20\n",
        "data/secret/a/1.in": "", "data/secret/a/1.ans": "",
        "data/secret/b/test_group.yaml": "scoring:\n  aggregation: min\n",
        "data/secret/b/1.in": "", "data/secret/b/1.ans": "",
        "data/secret/z.in": "", "data/secret/z.ans": "",
    })
    with load_package(root) as pkg:
        by = {t.name: t for t in pkg.tests()}
        assert by["secret/b/1"].args == ["float_tolerance", "0.1"]
        assert by["secret/b/1"].max_points == 40 and by["secret/z"].max_points == 40
        assert pkg.tree.max_score() == 100


def test_time_limit_rounding():
    with load_package(PKGS / "kattis_aplusb") as legacy, load_package(PKGS / "kattis_groups") as new:
        assert time_limit_from(legacy, 0.01) == 1.0        # ceil(0.05) s
        assert time_limit_from(legacy, 0.3) == 2.0         # ceil(1.5)
        assert time_limit_from(legacy, 0.2) == 1.0         # exactly 1.0 stays 1
        assert time_limit_from(new, 0.6) == 2.0            # 1.2 → next multiple of 1 s
        new.time_resolution = 0.25
        assert time_limit_from(new, 0.6) == 1.25


def test_detect_format_and_themis_case_insensitive(tmp_path):
    root = _write(tmp_path / "th", {"bai1/TEST1/Bai1.inp": "1", "bai1/TEST1/BAI1.Out": "1",
                                    "bai1/test2/bai1.INP": "2", "bai1/test2/bai1.OUT": "2"})
    assert detect_format(root) == "themis"
    with load_package(root) as pkg:
        assert names(pkg) == ["TEST1", "test2"] and pkg.io_filename == "BAI1"


def test_judge_modules_import_neither_flask_nor_the_database():
    import ast
    judge_dir = Path(__file__).parent.parent / "tinhoc" / "judge"
    banned = ("flask", "sqlalchemy", "flask_sqlalchemy", "psycopg")
    for py in judge_dir.rglob("*.py"):
        tree = ast.parse(py.read_text(), str(py))
        for node in ast.walk(tree):
            names = []
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0:
                names = [node.module or ""]
            for n in names:
                assert n.split(".")[0] not in banned, f"{py} imports {n}"
                assert not (n.startswith("tinhoc.") and not n.startswith("tinhoc.judge")), f"{py} imports {n}"


def test_loading_the_judge_does_not_load_the_web_stack():
    """A worker machine runs tinhoc.judge without Flask or the database layer being imported."""
    import subprocess
    import sys
    code = ("import sys, tinhoc.judge, tinhoc.judge.grader, tinhoc.judge.worker, tinhoc.judge.cli; "
            "loaded = [m for m in ('flask', 'sqlalchemy', 'flask_sqlalchemy', 'psycopg') if m in sys.modules]; "
            "assert not loaded, loaded")
    done = subprocess.run([sys.executable, "-c", code], cwd=Path(__file__).parent.parent,
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
