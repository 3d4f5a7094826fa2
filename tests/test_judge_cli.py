"""The command line: `run` prints the per-test table and total, `verify` checks submissions/ folders."""
from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.helpers import needs_sandbox
from tinhoc.judge.cli import main

PKGS = Path(__file__).parent / "judge_packages"
ROOT = Path(__file__).parent.parent


pytestmark = needs_sandbox()


def test_run_prints_the_table_and_total(capsys):
    pkg = PKGS / "plain_average"
    rc = main(["run", str(pkg), str(pkg / "submissions/partially_accepted/float32.c")])
    out = capsys.readouterr().out
    assert rc == 1
    lines = out.splitlines()
    assert lines[0].split()[:4] == ["test", "verdict", "time(s)", "mem(MiB)"]
    assert any(line.startswith("small1") and " AC " in line for line in lines)
    assert any(line.startswith("large1") and " WA " in line for line in lines)
    assert any(line.startswith("large2") and "SKIPPED" in line for line in lines)   # min subtask stops
    assert "group small: AC 40/40" in out and "WA  score 40/100" in out


def test_run_json_and_lang_option(capsys, tmp_path):
    pkg = PKGS / "themis_tong"
    src = tmp_path / "solution.txt"
    src.write_text("a, b = map(int, input().split())\nprint(a + b)\n")
    assert main(["run", str(pkg), str(src)]) == 2               # cannot tell the language
    capsys.readouterr()
    assert main(["run", str(pkg), str(src), "--lang", "python3", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["verdict"] == "AC" and data["score"] == 100 and len(data["tests"]) == 5
    assert data["tests"][0]["memory"] > 0 and data["sandbox_mode"].startswith("bwrap")


@pytest.mark.parametrize("name", ["kattis_aplusb", "kattis_groups", "kattis_validator", "plain_divisor",
                                  "plain_average", "themis_tong"])
def test_verify_passes_on_every_sample_package(name, capsys):
    rc = main(["verify", str(PKGS / name)])
    out = capsys.readouterr().out
    assert rc == 0, out
    assert "-> OK" in out and "FAIL" not in out
    if name == "kattis_aplusb":
        assert "skipped accepted/Sum.java (unsupported language)" in out
        assert "time limit 1 s (derived from accepted submissions)" in out


def test_verify_fails_on_a_misfiled_submission_and_reports_json(tmp_path, capsys):
    pkg = tmp_path / "pkg"
    shutil.copytree(PKGS / "plain_divisor", pkg)
    shutil.copy(pkg / "submissions/wrong_answer/one.py", pkg / "submissions/accepted/one.py")
    rc = main(["verify", str(pkg), "--json"])
    data = json.loads(capsys.readouterr().out)
    assert rc == 1 and data["ok"] is False
    bad = [c for c in data["checks"] if not c["ok"]]
    assert [(c["folder"], c["file"]) for c in bad] == [("accepted", "one.py")]
    assert "expected AC, got WA" in bad[0]["reason"]


def test_verify_refuses_a_broken_package(tmp_path, capsys):
    pkg = tmp_path / "pkg"
    shutil.copytree(PKGS / "kattis_groups", pkg)
    (pkg / "problem.yaml").write_text("limits: [oops\n")
    assert main(["verify", str(pkg)]) == 1
    assert "bad YAML in problem.yaml" in capsys.readouterr().out


def test_module_entry_point_runs():
    pkg = PKGS / "kattis_groups"
    r = subprocess.run([sys.executable, "-m", "tinhoc.judge", "run", str(pkg),
                        str(pkg / "submissions/accepted/formula.py"), "--json"],
                       cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stderr
    assert json.loads(r.stdout)["score"] == 100


def test_verify_runs_input_validators(tmp_path, capsys):
    pkg = tmp_path / "pkg"
    shutil.copytree(PKGS / "kattis_groups", pkg)
    (pkg / "data/secret/group1/2.in").write_text("0\n")          # n >= 1 is required
    assert main(["verify", str(pkg)]) == 1
    out = capsys.readouterr().out
    assert "FAIL input: validate rejects secret/group1/2.in (exit code 1" in out
    assert "input validation: 5 runs, 1 rejected" in out


def test_verify_judges_folders_as_problemtools_does(tmp_path, capsys):
    """Kattis folders follow problemtools' verdicts: past the memory limit is a run-time error,
    and on a scoring problem a partially_accepted/ submission that earns points is accepted with
    its partial score. `run` keeps reporting our own verdicts (MLE; WA with a score)."""
    pkg = tmp_path / "pkg"
    shutil.copytree(PKGS / "kattis_aplusb", pkg)
    (pkg / "problem.yaml").write_text("name: A plus B\ntype: scoring\nlimits:\n  memory: 128\n")
    (pkg / "data/secret/testdata.yaml").write_text("on_reject: continue\ngrader_flags: first_error sum\n"
                                                   "accept_score: 25\n")
    shutil.rmtree(pkg / "submissions/wrong_answer")
    (pkg / "submissions/run_time_error/memory.py").write_text("a = bytearray(400 << 20)\nprint(len(a))\n")
    (pkg / "submissions/partially_accepted").mkdir()
    small = pkg / "submissions/partially_accepted/small.py"
    small.write_text("a, b = map(int, input().split())\nprint(a + b if abs(a) < 100 else 0)\n")
    rc = main(["verify", str(pkg), "--json"])
    data = json.loads(capsys.readouterr().out)
    by_file = {c["file"]: c for c in data["checks"]}
    assert rc == 0 and data["ok"], [c for c in data["checks"] if not c["ok"]]
    assert by_file["memory.py"]["result"]["verdict"] == "MLE"
    assert by_file["small.py"]["result"]["verdict"] == "WA"
    assert 0 < by_file["small.py"]["result"]["score"] < by_file["small.py"]["result"]["max_score"]
    for src, verdict in ((pkg / "submissions/run_time_error/memory.py", "MLE"), (small, "WA")):
        main(["run", str(pkg), str(src), "--json"])
        assert json.loads(capsys.readouterr().out)["verdict"] == verdict
