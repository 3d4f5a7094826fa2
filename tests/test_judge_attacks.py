"""Hostile submissions and hostile package code against the whole grader (issue #7).

Each attack ends in a verdict about the program (never IE), leaves the host's files untouched,
and the judge returns within its limits. The sandbox-level attacks (fork bombs, memory bombs,
reads and writes outside the box, sockets, ptrace...) are in test_judge_adversarial.py.
"""
from __future__ import annotations

import os
import time
from pathlib import Path

import pytest

from tests.helpers import needs_sandbox
from tinhoc.judge.job import JudgeJob, JudgeResult, Limits, Verdict

pytestmark = needs_sandbox()

LIMITS = Limits(time=1.0, memory=64, output=16)
AB_PY = "a, b = map(int, input().split())\nprint(a + b)\n"


def make_package(root: Path, *, hidden_answer: str = "42", validator: dict[str, str] | None = None) -> Path:
    """A small Kattis package: one sample (1 2 -> 3) and two hidden tests (20 22 -> 42)."""
    (root / "data" / "sample").mkdir(parents=True)
    (root / "data" / "secret").mkdir(parents=True)
    (root / "data" / "sample" / "1.in").write_text("1 2\n")
    (root / "data" / "sample" / "1.ans").write_text("3\n")
    for name in ("1", "2"):
        (root / "data" / "secret" / f"{name}.in").write_text("20 22\n")
        (root / "data" / "secret" / f"{name}.ans").write_text(hidden_answer + "\n")
    yaml = "name: attack\nlimits:\n  memory: 64\n"
    if validator:
        yaml += "validation: custom\n"
        vdir = root / "output_validators" / "v"
        vdir.mkdir(parents=True)
        for name, text in validator.items():
            (vdir / name).write_text(text)
    (root / "problem.yaml").write_text(yaml)
    return root


def judge(pkg: Path, source: str | bytes, lang: str = "python3", limits: Limits = LIMITS) -> tuple[JudgeResult, float]:
    from tinhoc.judge.grader import judge as _judge
    started = time.monotonic()
    res = _judge(JudgeJob(language=lang, source=source, package_path=str(pkg), limits=limits))
    return res, time.monotonic() - started


@pytest.fixture
def pkg(tmp_path):
    return make_package(tmp_path / "pkg")


@pytest.fixture
def host_file(tmp_path):
    """A root-owned 0600 host file of 25 bytes that no submission may touch."""
    path = tmp_path / "host" / "precious.txt"
    path.parent.mkdir()
    path.write_bytes(b"twenty-five bytes of data")
    os.chmod(path, 0o600)
    return path


def unchanged(path: Path, content: bytes = b"twenty-five bytes of data", mode: int = 0o600) -> bool:
    return path.read_bytes() == content and (path.stat().st_mode & 0o777) == mode


def assert_healthy(pkg):
    """The next honest submission is judged normally."""
    res, _ = judge(pkg, AB_PY)
    assert res.verdict == Verdict.AC, res


PLANT = "import os\nos.unlink('/box/output.txt')\n{plant}\n"


@pytest.mark.parametrize("target", ["host", "missing", "answers"])
def test_empty_output_symlink_never_touches_the_host(pkg, host_file, tmp_path, target):
    """The old fallback wrote b"" through a planted /box/.empty-output symlink: it is gone, and no
    path the program chose is ever opened for writing."""
    aim = {"host": host_file, "missing": tmp_path / "host" / "new-root-file",
           "answers": pkg / "data" / "secret" / "1.ans"}[target]
    plant = f"os.symlink({str(aim)!r}, '/box/.empty-output')\nos.symlink({str(aim)!r}, '/box/output.txt')"
    res, took = judge(pkg, PLANT.format(plant=plant))
    assert res.verdict == Verdict.WA, res
    assert unchanged(host_file)
    assert not (tmp_path / "host" / "new-root-file").exists()
    assert (pkg / "data" / "secret" / "1.ans").read_text() == "42\n"
    assert took < 30
    assert_healthy(pkg)


@pytest.mark.parametrize("plant", [
    "os.mkfifo('/box/output.txt')",                       # would block an open() for good
    "os.symlink('/dev/zero', '/box/output.txt')",         # would be read without end
    "os.mkdir('/box/output.txt')",
])
def test_fifo_device_or_folder_as_output_is_no_output(pkg, plant):
    res, took = judge(pkg, PLANT.format(plant=plant))
    assert res.verdict == Verdict.WA, res
    assert res.tests[0].verdict == Verdict.WA, res          # the rest: skipped after a failure
    assert took < 30
    assert_healthy(pkg)


def test_validator_cannot_chmod_or_move_host_files_through_the_output(tmp_path, host_file):
    """With an output validator the output was moved and chmodded by path: a planted link made
    the judge chmod a 0600 host file to 0644."""
    validator = {"validate.py": "import sys\nsys.stdin.read()\nsys.exit(43)\n"}
    pkg = make_package(tmp_path / "pkg", validator=validator)
    plant = (f"os.symlink({str(host_file)!r}, '/box/output.txt')\n"
             f"os.symlink({str(host_file)!r}, '/box/.empty-output')")
    res, _ = judge(pkg, PLANT.format(plant=plant))
    assert res.verdict == Verdict.WA, res
    assert unchanged(host_file)


def test_validator_feedback_symlink_does_not_leak_a_host_file(tmp_path, host_file):
    validator = {"validate.py": (
        "import os, sys\n"
        "sys.stdin.read()\n"
        f"os.symlink({str(host_file)!r}, sys.argv[3] + 'judgemessage.txt')\n"
        f"os.symlink({str(host_file)!r}, sys.argv[3] + 'score.txt')\n"
        "sys.exit(43)\n")}
    pkg = make_package(tmp_path / "pkg", validator=validator)
    res, _ = judge(pkg, AB_PY)
    assert res.verdict == Verdict.WA, res
    for t in res.tests:
        assert "twenty-five" not in t.message + t.feedback, t
    assert unchanged(host_file)


def test_checker_build_symlink_is_not_copied_with_its_target(tmp_path, host_file, monkeypatch):
    cache = tmp_path / "cache"
    monkeypatch.setenv("TINHOC_JUDGE_CACHE", str(cache))
    validator = {
        "build": f"ln -s {host_file} leak\nln -s /etc/hostname leak2\nmkdir sub\necho ok > sub/f\n",
        # shell built-ins only: a checker runs as one process
        "run": "#!/bin/sh\nfor f in /checker/leak /checker/leak2 /checker/sub/f; do\n"
               "  [ -e $f ] && while read -r l; do echo \"$l\" >&2; done < $f\ndone\nexit 43\n",
    }
    pkg = make_package(tmp_path / "pkg", validator=validator)
    res, _ = judge(pkg, AB_PY)
    assert res.verdict == Verdict.WA, res
    assert "twenty-five" not in res.tests[0].message
    assert "ok" in res.tests[0].message          # regular files and folders of the build are kept
    built = [p for p in (cache / "checkers").rglob("*") if p.is_file() or p.is_symlink()]
    assert built and not any(p.name.startswith("leak") for p in built), built
    assert all(b"twenty-five" not in p.read_bytes() for p in built if p.is_file())
    assert unchanged(host_file)


def test_hidden_answers_never_reach_the_contestant(tmp_path):
    pkg = make_package(tmp_path / "pkg", hidden_answer="424242")
    res, _ = judge(pkg, "print(3)\n")              # right on the sample, wrong on the hidden tests
    assert res.verdict == Verdict.WA, res
    sample, first, rest = res.tests
    assert sample.verdict == Verdict.AC and first.verdict == Verdict.WA
    assert "424242" in first.message               # the jury sees why
    assert first.feedback == rest.feedback == ""   # the contestant: verdict, time, memory only
    res, _ = judge(pkg, "")                        # no output at all: "output ended early"
    assert "3" in res.tests[0].feedback            # on the sample the checker's words are shown
    assert all("424242" not in t.feedback for t in res.tests)
    res, _ = judge(pkg, "import sys\nsys.exit(3)\n")
    assert res.tests[0].feedback == "exit code 3", res.tests


def test_program_messages_are_plain_text(tmp_path):
    validator = {"validate.py": "import sys\nsys.stdin.read()\n"
                                "print('<script>alert(1)</script>\\x1b[31m\\x00', file=sys.stderr)\nsys.exit(43)\n"}
    pkg = make_package(tmp_path / "pkg", validator=validator)
    res, _ = judge(pkg, AB_PY)
    msg = res.tests[0].message
    assert "\x1b" not in msg and "\x00" not in msg
    assert "<script>" in msg                        # kept as text: the web side escapes it


FILL_PY = ("i = 0\nwhile True:\n    with open(f'/box/f{i}', 'wb') as f:\n"
           "        f.write(b'x' * (4 << 20))\n    i += 1\n")
# A small process that fills the box, ignores every failed write and exits normally: beside it,
# bubblewrap and the helper are as large as anything the OOM killer could pick.
FILL_C = r"""#include <stdio.h>
#include <fcntl.h>
#include <unistd.h>
int main(){ static char buf[1 << 16]; char name[32];
  for (int i = 0; i < 4000; i++) { snprintf(name, sizeof name, "/box/f%d", i);
    int fd = open(name, O_WRONLY | O_CREAT, 0644); if (fd < 0) break;
    for (int k = 0; k < 32; k++) if (write(fd, buf, sizeof buf) < 0) break;
    close(fd); }
  long long a, b; if (scanf("%lld %lld", &a, &b) == 2) printf("%lld\n", a + b); return 0; }
"""


@pytest.mark.parametrize("lang,source", [("python3", FILL_PY), ("c", FILL_C)], ids=["python", "c"])
def test_filling_the_box_with_files_is_a_verdict_about_the_program(pkg, lang, source):
    """Files on the box's tmpfs are memory: in cgroup mode, filling it is MLE (the OOM killer
    acts in the run's own cgroup and cannot reach bubblewrap or the helper)."""
    from tinhoc.judge.sandbox import sandbox_mode
    res, took = judge(pkg, source, lang=lang)
    assert res.verdict != Verdict.IE, res
    if "cgroup" in sandbox_mode() and os.environ.get("TINHOC_JUDGE_TMPFS", "1") != "0":
        assert res.verdict == Verdict.MLE, res
    assert took < 60
    assert_healthy(pkg)


DEEP = ("import os\nfor i in range(3000):\n    os.mkdir('d')\n    os.chdir('d')\n"
        "a, b = map(int, input().split())\nprint(a + b)\n")
MANY = ("import os\nn = 0\ntry:\n    for i in range(200000):\n        open(f'/box/f{i}', 'w').close()\n"
        "        n += 1\nexcept OSError:\n    pass\na, b = map(int, input().split())\nprint(a + b)\n")


@pytest.mark.parametrize("tmpfs", ["1", "0"])
@pytest.mark.parametrize("source", [DEEP, MANY], ids=["deep-folders", "many-files"])
def test_deep_folders_and_many_files_are_wiped_without_harm(pkg, monkeypatch, tmpfs, source):
    monkeypatch.setenv("TINHOC_JUDGE_TMPFS", tmpfs)
    limits = Limits(time=2.0, memory=64, output=16)
    res, took = judge(pkg, source, limits=limits)
    assert res.verdict in (Verdict.AC, Verdict.TLE), res    # TLE: creating files takes its time
    # three tests, each bounded by its wall limit, plus compiling and wiping
    assert took < 3 * limits.wall + 15, took
    assert_healthy(pkg)


def test_wiping_what_the_box_can_hold_stays_cheap(tmp_path):
    """On a tmpfs box the number of files is capped, so a wipe costs a few milliseconds."""
    from tinhoc.judge.sandbox import RunLimits, open_sandbox
    with open_sandbox() as box:
        if not box.workdir_tmpfs:
            pytest.skip("no tmpfs here (not root)")
        out = box.run(["/usr/bin/python3", "-c", MANY], stdin=None, limits=RunLimits(
            cpu_time=5, wall_time=10, memory_mib=128, output_mib=16))
        assert out.status in ("OK", "RE"), out
        count = len(os.listdir(box.workdir))
        started = time.monotonic()
        box.wipe()
        took = time.monotonic() - started
    assert count <= 4096
    assert took < 0.5, took


def test_the_sandbox_starts_with_a_clean_environment(monkeypatch):
    from tinhoc.judge.sandbox import open_sandbox
    monkeypatch.setenv("SECRET_KEY", "judge-secret-key")
    monkeypatch.setenv("DATABASE_URL", "postgresql://judge:pw@db/tinhoc")
    with open_sandbox() as box:
        pids = {box._proc.pid, *(box.cgroup.procs() if box.cgroup else [])}
        environs = []
        for pid in pids:
            try:
                environs.append(Path(f"/proc/{pid}/environ").read_bytes())
            except OSError:
                pass
        out = box.run(["/usr/bin/env"], stdout="/box/env")
        assert box.run(["/bin/cat", "/proc/self/status"], stdout="/box/out").status == "OK"
        seen = box.read_text("/box/env", 1 << 16) + box.read_text("/box/out", 1 << 16)
    assert environs
    for env in environs:
        assert b"judge-secret" not in env and b"DATABASE_URL" not in env and b"pw@db" not in env
    assert out.status == "OK", out
    assert "judge-secret" not in seen and "DATABASE_URL" not in seen
    caps = {k: v.strip() for k, _, v in (line.partition(":") for line in seen.splitlines())
            if k.startswith("Cap")}
    assert caps["CapBnd"] == caps["CapEff"] == caps["CapPrm"] == caps["CapAmb"] == "0" * 16, caps


def test_a_childs_cpu_counts_against_the_limit(tmp_path):
    """A program that leaves the work to a child process (when a run allows more than one) is
    stopped at the CPU limit, not at the wall limit, wherever the run's CPU can be read."""
    from tinhoc.judge.sandbox import RunLimits, open_sandbox
    src = tmp_path / "spawn.c"
    src.write_text("#include <unistd.h>\n#include <sys/wait.h>\n"
                   "int main(){ if(fork()==0){ volatile unsigned long x=0; for(;;) x++; }\n"
                   " wait(0); return 0; }\n")
    os.chmod(tmp_path, 0o755)
    import subprocess
    subprocess.run(["gcc", "-O1", "-static", "-o", str(tmp_path / "spawn"), str(src)], check=True)
    with open_sandbox([(str(tmp_path), "/progs")]) as box:
        out = box.run(["/progs/spawn"], limits=RunLimits(cpu_time=0.5, wall_time=3.0, processes=2))
        cgroup = box.cgroup is not None
    assert out.status == "TLE", out
    assert out.cpu_time >= 0.5, out                 # the child's CPU is counted
    if cgroup:
        assert "CPU time" in out.message, out     # not the wall limit


def test_clearing_follows_no_link_and_survives_odd_entries(tmp_path, host_file):
    """What a dead judge left (swept later) or a program left (wiped): links to host files and
    folders, FIFOs, unreadable folders, a chain 5,000 deep. All go; nothing outside is touched."""
    from tinhoc.judge.sandbox import boxfiles
    top = tmp_path / "stale-box"
    top.mkdir()
    os.symlink(host_file, top / "link")
    os.symlink(host_file.parent, top / "dirlink")
    os.mkfifo(top / "fifo")
    locked = top / "locked"
    (locked / "inner").mkdir(parents=True)
    (locked / "inner" / "f").write_text("x")
    os.chmod(locked / "inner", 0)
    os.chmod(locked, 0)
    fd = os.open(top, os.O_RDONLY)
    try:
        for _ in range(5000):                 # deeper than any path: built through descriptors
            os.mkdir("d", dir_fd=fd)
            new = os.open("d", os.O_RDONLY, dir_fd=fd)
            os.close(fd)
            fd = new
    finally:
        os.close(fd)
    boxfiles.remove_tree(top)
    assert not top.exists()
    assert unchanged(host_file) and host_file.parent.is_dir()
