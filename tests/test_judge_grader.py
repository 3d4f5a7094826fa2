"""Verdict tests: every sample package judged for real in the sandbox, plus the IE/CE/OLE paths."""
from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

import pytest

from tests.helpers import needs_sandbox
from tinhoc.judge.job import JudgeJob, JudgeResult, Limits, Verdict

PKGS = Path(__file__).parent / "judge_packages"
AC, WA, TLE, RE, OLE, CE, IE, SKIPPED = (Verdict.AC, Verdict.WA, Verdict.TLE, Verdict.RE, Verdict.OLE,
                                         Verdict.CE, Verdict.IE, Verdict.SKIPPED)


pytestmark = needs_sandbox()


def need(lang: str):
    from tinhoc.judge.languages import get_language
    try:
        found = get_language(lang)
    except KeyError:
        pytest.skip(f"{lang} is not in the language registry")
    if not found.available():
        pytest.skip(f"{lang} is not available here")


def judge(pkg, src: str | bytes, lang: str, limits: Limits | None = None) -> JudgeResult:
    from tinhoc.judge.grader import judge as _judge
    need(lang)
    if isinstance(src, Path):
        src = src.read_bytes()
    return _judge(JudgeJob(language=lang, source=src, package_path=str(pkg), limits=limits))


SUB = {".py": "python3", ".cpp": "cpp17", ".c": "c", ".pas": "pascal"}
# (package, submission, verdict, score): every sample submission, judged with the package's own limits
CASES = [
    ("kattis_groups", "accepted/formula.py", AC, 100),
    ("kattis_groups", "accepted/formula.cpp", AC, 100),
    ("kattis_groups", "partially_accepted/int64_overflow.c", AC, 65),
    ("kattis_groups", "wrong_answer/off_by_one.py", WA, 0),
    ("kattis_validator", "accepted/all_left.py", AC, 1),
    ("kattis_validator", "wrong_answer/unbalanced.py", WA, 0),
    ("plain_divisor", "accepted/trial.c", AC, 100),
    ("plain_divisor", "partially_accepted/itself.py", AC, 83.333333),
    ("plain_divisor", "wrong_answer/one.py", WA, 0),
    ("plain_average", "accepted/avg.cpp", AC, 100),
    ("plain_average", "partially_accepted/float32.c", WA, 40),
    ("plain_average", "wrong_answer/intdiv.py", WA, 0),
    ("plain_average", "run_time_error/exit1.py", RE, 0),
    ("themis_tong", "accepted/tong_file.cpp", AC, 100),
    ("themis_tong", "accepted/tong_stdio.py", AC, 100),
    ("themis_tong", "accepted/tong.pas", AC, 100),
    ("themis_tong", "wrong_answer/minus.py", WA, 20),
]


@pytest.mark.parametrize("package,sub,verdict,score", CASES, ids=[f"{c[0]}:{c[1]}" for c in CASES])
def test_sample_submissions(package, sub, verdict, score):
    path = PKGS / package / "submissions" / sub
    res = judge(PKGS / package, path, SUB[path.suffix])
    assert res.verdict == verdict, (res.message, [(t.name, t.verdict, t.message) for t in res.tests])
    assert res.score == pytest.approx(score, abs=1e-4)
    assert res.sandbox_mode.startswith("bwrap")


def test_kattis_legacy_derives_the_time_limit_and_orders_verdicts():
    pkg = PKGS / "kattis_aplusb"
    ok = judge(pkg, pkg / "submissions/accepted/sum.py", "python3")
    assert ok.verdict == AC and ok.time_limit == 1.0 and ok.memory_limit == 128   # ceil(t × 5) s
    wa = judge(pkg, pkg / "submissions/wrong_answer/int32.cpp", "cpp17")
    assert wa.verdict == WA
    assert [t.verdict for t in wa.tests] == [AC, AC, WA, SKIPPED, SKIPPED]    # on_reject: break
    re_ = judge(pkg, pkg / "submissions/run_time_error/exit3.py", "python3")
    assert re_.verdict == RE and "exit code 3" in re_.tests[0].message        # right output, exit 3
    quick = Limits(time=0.3, memory=128)
    tle = judge(pkg, pkg / "submissions/time_limit_exceeded/spin.cpp", "cpp17", quick)
    assert tle.verdict == TLE and tle.tests[0].time >= 0.3


def test_tle_wins_over_a_right_answer_and_re_over_the_checker():
    pkg = PKGS / "kattis_aplusb"
    src = "import sys\na, b = map(int, sys.stdin.read().split())\nprint(a + b, flush=True)\nwhile True: pass\n"
    res = judge(pkg, src, "python3", Limits(time=0.3, memory=128))
    assert res.tests[0].verdict == TLE
    src = "import os, sys\nprint(sum(map(int, sys.stdin.read().split())), flush=True)\nos.abort()\n"
    res = judge(pkg, src, "python3", Limits(time=1, memory=128))
    assert res.tests[0].verdict == RE and "signal" in res.tests[0].message


def test_output_limit_and_compile_error():
    pkg = PKGS / "kattis_aplusb"
    res = judge(pkg, "import sys\nsys.stdout.write('x' * (3 << 20))\n", "python3", Limits(time=1, memory=128, output=1))
    assert res.verdict == OLE
    ce = judge(pkg, "int main() { return syntax error; }\n" + "// padding\n" * 2000, "cpp17")
    assert ce.verdict == CE and "error" in ce.compile_output and len(ce.compile_output) <= 5000
    assert ce.tests == []


def test_unknown_or_unavailable_language_is_ie():
    from tinhoc.judge.grader import judge as _judge
    res = _judge(JudgeJob(language="cobol", source="x", package_path=str(PKGS / "plain_divisor")))
    assert res.verdict == IE and "cobol" in res.message


def _copy(tmp_path, name) -> Path:
    dst = tmp_path / name
    shutil.copytree(PKGS / name, dst, symlinks=True)
    return dst


def test_broken_package_is_ie_with_the_reason(tmp_path):
    pkg = _copy(tmp_path, "plain_divisor")
    (pkg / "tests/3.out").unlink()
    res = judge(pkg, "print(2)\n", "python3")
    assert res.verdict == IE and "3.in has no answer file" in res.message


@pytest.mark.parametrize("body,expect", [
    ("int main() { return 3; }", "checker failed"),                     # testlib fail
    ("int main() { int *p = 0; return *p; }", "checker failed"),        # crash
    ("int main() { for (;;); }", "checker failed"),                    # runs forever
    ("int main() { this is not C++ }", "checker does not compile"),
])
def test_broken_checker_is_ie(tmp_path, body, expect, monkeypatch):
    from tinhoc.judge import grader
    monkeypatch.setitem(grader.CHECKER_LIMITS, "cpu_time", 0.5)
    monkeypatch.setitem(grader.CHECKER_LIMITS, "wall_time", 1.0)
    pkg = _copy(tmp_path, "plain_divisor")
    (pkg / "checker.cpp").write_text(body + "\n")
    res = judge(pkg, (pkg / "submissions/accepted/trial.py").read_bytes(), "python3")
    assert res.verdict == IE and expect in res.message, res.message


def test_kattis_validator_bad_exit_is_ie_and_symlinked_tests_outside_the_package(tmp_path):
    pkg = _copy(tmp_path, "kattis_validator")
    outside = tmp_path / "shared"
    outside.mkdir()
    (outside / "big.in").write_text("7\n")
    (outside / "big.ans").write_text("3 4\n")
    os.symlink(outside / "big.in", pkg / "data/secret/9.in")
    os.symlink(outside / "big.ans", pkg / "data/secret/9.ans")
    res = judge(pkg, "n = int(input())\nprint(n, 0)\n", "python3", Limits(time=1, memory=128))
    assert res.verdict == AC and [t.name for t in res.tests][-1] == "secret/9"
    v = pkg / "output_validators/split/validate.cpp"
    v.write_text(v.read_text().replace("return 1;", "return 1;", 1).replace(
        "std::string dir = argv[3];", "std::string dir = argv[3]; if (argc > 1) return 0;"))
    res = judge(pkg, "n = int(input())\nprint(n, 0)\n", "python3", Limits(time=1, memory=128))
    assert res.verdict == IE and "exited with code 0" in res.message


def test_kattis_validator_flags_and_score(tmp_path):
    """`custom score` validation: score.txt gives the points; validator_flags reach the validator."""
    pkg = tmp_path / "score"
    (pkg / "data/secret").mkdir(parents=True)
    (pkg / "output_validator").mkdir()
    (pkg / "problem.yaml").write_text("problem_format_version: 2023-07-draft\ntype: scoring\n"
                                      "limits: {time_limit: 1, memory: 128}\n")
    (pkg / "data/secret/test_group.yaml").write_text("output_validator_args: [bonus]\n")
    for i in (1, 2):
        (pkg / f"data/secret/{i}.in").write_text(f"{i}\n")
        (pkg / f"data/secret/{i}.ans").write_text("\n")
    (pkg / "output_validator/validate.py").write_text(
        "import sys\n"
        "inp, ans, fb = sys.argv[1:4]\n"
        "assert sys.argv[4:] == ['bonus'], sys.argv\n"
        "got = int(sys.stdin.read())\n"
        "open(fb + 'score.txt', 'w').write(str(got * 10))\n"
        "sys.exit(42)\n")
    res = judge(pkg, "print(int(input()) + 1)\n", "python3")
    assert res.verdict == AC and res.score == 50 and res.max_score == 100


def test_themis_file_output_wins_over_stdout(tmp_path):
    pkg = PKGS / "themis_tong"
    src = ("a, b = map(int, open('TONG.INP').read().split())\n"
           "open('TONG.OUT', 'w').write(str(a + b))\nprint('debug noise')\n")
    assert judge(pkg, src, "python3").verdict == AC


def test_a_zipped_package_is_judged_like_its_folder(tmp_path):
    import zipfile
    z = tmp_path / "divisor.zip"
    with zipfile.ZipFile(z, "w") as zf:
        for p in sorted((PKGS / "plain_divisor").rglob("*")):
            if p.is_file():
                zf.write(p, str(p.relative_to(PKGS / "plain_divisor")))
    src = PKGS / "plain_divisor/submissions/partially_accepted/itself.py"
    zipped, folder = judge(z, src, "python3"), judge(PKGS / "plain_divisor", src, "python3")
    assert zipped.verdict == folder.verdict == AC
    assert zipped.score == folder.score and [t.points for t in zipped.tests] == [t.points for t in folder.tests]
    before = set(Path(tempfile.gettempdir()).glob("tinhoc-pkg-*"))
    judge(z, src, "python3")
    assert set(Path(tempfile.gettempdir()).glob("tinhoc-pkg-*")) <= before     # extraction removed


def test_output_replaced_by_a_symlink_is_not_followed():
    pkg = PKGS / "kattis_aplusb"
    src = ("import os, sys\nsys.stdout.close()\nos.unlink('output.txt')\n"
           "os.symlink('/etc/hostname', 'output.txt')\n")
    res = judge(pkg, src, "python3", Limits(time=1, memory=128))
    assert res.verdict == WA and "hostname" not in res.tests[0].message
    assert "output ended early" in res.tests[0].message


def test_memory_past_the_limit_is_mle_with_its_peak():
    pkg = PKGS / "kattis_aplusb"
    src = "#include <vector>\n#include <cstdio>\nint main() { std::vector<char> v(400u << 20, 1); " \
          "printf(\"%d\\n\", v[12345]); }\n"
    res = judge(pkg, src, "cpp17", Limits(time=2, memory=64))
    assert res.verdict == Verdict.MLE, [(t.verdict, t.message) for t in res.tests]
    assert res.tests[0].memory >= 32 * 1024


def test_derived_time_limit_is_cached_by_content(tmp_path, monkeypatch):
    import zipfile
    from tinhoc.judge import timelimit
    from tinhoc.judge.packages import load_package
    monkeypatch.setattr(timelimit, "_time_limits", {})
    z = tmp_path / "aplusb.zip"
    with zipfile.ZipFile(z, "w") as zf:
        for p in sorted((PKGS / "kattis_aplusb").rglob("*")):
            if p.is_file():
                zf.write(p, str(p.relative_to(PKGS / "kattis_aplusb")))
    with load_package(z) as a, load_package(PKGS / "kattis_aplusb") as b:
        assert timelimit._cache_key(a) == timelimit._cache_key(b)    # zip and folder: same content
        first = timelimit.compute_time_limit(a)
        calls = []
        monkeypatch.setattr(timelimit, "judge_package", lambda *x, **k: calls.append(x))
        monkeypatch.setattr(timelimit, "_time_limits", {})          # a fresh process: the disk cache
        assert timelimit.compute_time_limit(b) == first == 1.0 and calls == []
