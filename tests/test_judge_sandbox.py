"""The sandbox API: runs, limits and their precision, wipe, modes, clean-up."""
from __future__ import annotations

import os
import shutil
import subprocess
import threading
from dataclasses import replace

import pytest

from tests.helpers import assert_prompt_in_wall_time
from tinhoc.judge.sandbox import (RunLimits, RunOutcome, SandboxError, bwrap_available,
                                  open_sandbox, sandbox_mode)

pytestmark = [
    pytest.mark.sandbox,
    pytest.mark.skipif(not bwrap_available(), reason="bubblewrap (bwrap) is not installed"),
    pytest.mark.skipif(shutil.which("gcc") is None, reason="gcc is not installed"),
]

LIMITS = RunLimits(cpu_time=1.0, wall_time=2.0, memory_mib=256, output_mib=16)

AB = r'''#include <stdio.h>
int main(){ long long a,b; if(scanf("%lld %lld",&a,&b)!=2) return 1; printf("%lld\n",a+b);
 fprintf(stderr, "note\n"); return 0; }'''
EXIT3 = r'''int main(){ return 3; }'''
SEGV = r'''int main(){ volatile int* p = 0; return *p; }'''
SPIN = r'''int main(){ volatile unsigned long x=0; for(;;) x++; }'''
ENV = r'''#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>
int main(){ char cwd[256]; getcwd(cwd, sizeof cwd); printf("%s %s %s %d\n", getenv("FOO") ? getenv("FOO") : "-", cwd, getenv("HOME"), (int)getuid()); }'''
SIGPIPE_STATE = r'''#include <signal.h>
#include <stdio.h>
int main(){ struct sigaction sa; sigaction(SIGPIPE, 0, &sa); puts(sa.sa_handler == SIG_IGN ? "ignored" : "default"); }'''
PLANT = r'''#include <unistd.h>
#include <stdio.h>
int main(){ unlink("/box/out.txt"); symlink("/etc/hostname", "/box/out.txt"); return 0; }'''


@pytest.fixture(scope="module")
def progs(tmp_path_factory):
    """Host-compiled static programs, bound read-only at /progs in every box."""
    d = tmp_path_factory.mktemp("progs")
    os.chmod(d, 0o755)   # pytest's dirs are private; the box's uid must be able to execute these
    for name, src in {"ab": AB, "exit3": EXIT3, "segv": SEGV, "spin": SPIN, "env": ENV,
                      "plant": PLANT, "sigpipe": SIGPIPE_STATE}.items():
        (d / f"{name}.c").write_text(src)
        subprocess.run(["gcc", "-O2", "-static", "-o", str(d / name), str(d / f"{name}.c")], check=True)
    (d / "1.in").write_text("3 4\n")
    os.chmod(d / "1.in", 0o600)   # not world-readable: stdin is opened with the helper's rights
    return d


@pytest.fixture
def box(progs):
    with open_sandbox([(str(progs), "/progs")]) as b:
        yield b


def test_ab_runs_with_stdio_paths_inside_the_box(box):
    out = box.run(["/progs/ab"], stdin="/progs/1.in", stdout="/box/out.txt", stderr="/box/err.txt",
                  limits=LIMITS)
    assert isinstance(out, RunOutcome)
    assert (out.status, out.exit_code, out.signal) == ("OK", 0, None)
    assert (box.workdir / "out.txt").read_text() == "7\n"
    assert (box.workdir / "err.txt").read_text() == "note\n"
    assert 0 <= out.cpu_time < 0.5 and 0 < out.wall_time < 0.5 and out.memory_kib > 0


def test_stdout_and_stderr_may_share_a_file_and_default_to_dev_null(box):
    box.run(["/progs/ab"], stdin="/progs/1.in", stdout="/box/both", stderr="/box/both")
    assert sorted((box.workdir / "both").read_text().split()) == ["7", "note"]
    out = box.run(["/progs/ab"])          # stdin /dev/null: scanf fails, exit 1
    assert (out.status, out.exit_code) == ("RE", 1)


def test_exit_code_and_signal_are_runtime_errors(box):
    out = box.run(["/progs/exit3"], limits=LIMITS)
    assert (out.status, out.exit_code, out.signal) == ("RE", 3, None)
    assert "3" in out.message
    out = box.run(["/progs/segv"], limits=LIMITS)
    assert (out.status, out.exit_code, out.signal) == ("RE", None, 11)
    assert "SIGSEGV" in out.message


@pytest.mark.parametrize("cpu", [0.3, 1.0])
def test_cpu_limit_is_detected_within_a_tenth_of_a_second(box, cpu):
    out = box.run(["/progs/spin"], limits=replace(LIMITS, cpu_time=cpu, wall_time=cpu * 3))
    assert out.status == "TLE" and "CPU time" in out.message, out
    assert cpu <= out.cpu_time < cpu + 0.1
    assert_prompt_in_wall_time(out, cpu)


def test_wall_limit_catches_a_sleeper(box):
    out = box.run(["/bin/sleep", "100"], limits=replace(LIMITS, wall_time=0.5))
    assert out.status == "TLE" and "wall" in out.message
    assert 0.5 <= out.wall_time < 0.6


def test_output_limit_counts_the_output_file(box):
    out = box.run(["/bin/sh", "-c", "head -c 3000000 /dev/zero"], stdout="/box/out.txt",
                  limits=replace(LIMITS, output_mib=1, processes=4))
    assert out.status == "OLE"
    assert (box.workdir / "out.txt").stat().st_size <= 1 << 20


def test_env_cwd_and_unprivileged_uid(box):
    box.run(["/progs/env"], stdout="/box/o", limits=LIMITS)
    foo, cwd, home, uid = (box.workdir / "o").read_text().split()
    assert (foo, cwd, home) == ("-", "/box", "/box")
    assert int(uid) == box.uid and box.uid != 0
    box.run(["/progs/env"], stdout="/box/o", env={"FOO": "bar", "HOME": "/box"}, limits=LIMITS)
    assert (box.workdir / "o").read_text().split()[0] == "bar"


def test_programs_get_the_default_sigpipe_back(box):
    """The helper ignores SIGPIPE for itself; a program must not inherit that (a writer to a closed
    pipe dies of SIGPIPE, as on any judge), including a shell pipeline inside the box."""
    box.run(["/progs/sigpipe"], stdout="/box/o", limits=LIMITS)
    assert (box.workdir / "o").read_text() == "default\n"
    out = box.run(["/bin/sh", "-c", "yes | head -c 2 >/dev/null; echo done"], stdout="/box/o", stderr="/box/e",
                  limits=replace(LIMITS, processes=4))
    assert out.status == "OK" and (box.workdir / "e").read_text() == ""


def test_wipe_keeps_only_the_named_entries_read_only(box):
    shutil.copy("/bin/true", box.workdir / "prog")
    (box.workdir / "d").mkdir()
    (box.workdir / "d" / "f").write_text("x")
    (box.workdir / "f").write_text("x")
    box.wipe(keep=("prog",))
    assert [p.name for p in box.workdir.iterdir()] == ["prog"]
    st = (box.workdir / "prog").stat()
    assert st.st_uid == 0 and not st.st_mode & 0o022
    # the program cannot replace its own binary to carry state to the next test
    out = box.run(["/bin/sh", "-c", "rm -f /box/prog || true; echo x > /box/prog"],
                  limits=replace(LIMITS, processes=4))
    assert out.status == "RE"
    assert (box.workdir / "prog").read_bytes() == open("/bin/true", "rb").read()


def test_a_planted_symlink_output_is_removed(box):
    (box.workdir / "out.txt").write_text("")
    out = box.run(["/progs/plant"], stdout="/box/out.txt", limits=LIMITS)
    assert out.status == "OK"
    assert not (box.workdir / "out.txt").is_symlink()


def test_missing_stdin_or_program_is_a_sandbox_error_not_a_verdict(box):
    with pytest.raises(SandboxError):
        box.run(["/progs/ab"], stdin="/progs/missing.in")
    with pytest.raises(SandboxError):
        box.run(["/box/no-such-program"])
    out = box.run(["/progs/ab"], stdin="/progs/1.in", stdout="/box/out.txt")
    assert out.status == "OK"


def test_two_boxes_run_in_parallel_with_distinct_uids(progs):
    results = []

    def work():
        with open_sandbox([(str(progs), "/progs")]) as b:
            for _ in range(20):
                out = b.run(["/progs/ab"], stdin="/progs/1.in", stdout="/box/out.txt", limits=LIMITS)
                results.append((b.uid, out.status, (b.workdir / "out.txt").read_text()))
                b.wipe()

    threads = [threading.Thread(target=work) for _ in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(results) == 60
    assert {(s, o) for _, s, o in results} == {("OK", "7\n")}
    assert len({u for u, _, _ in results}) == 3


def test_closing_removes_workdir_and_cgroup(progs):
    with open_sandbox([(str(progs), "/progs")]) as b:
        workdir, cg = b.workdir, b.cgroup
        assert b.run(["/progs/ab"], stdin="/progs/1.in").status == "OK"
    assert not workdir.exists()
    if cg is not None:
        assert all(not p.parent.exists() for p in cg.attach_paths())
    with pytest.raises(SandboxError):
        b.run(["/progs/ab"])


def test_mode_is_reported():
    mode = sandbox_mode()
    assert mode in ("bwrap+cgroup-v2", "bwrap+cgroup-v1", "bwrap+rlimits")


def test_rlimits_fallback_without_cgroups(progs, monkeypatch):
    monkeypatch.setenv("TINHOC_JUDGE_CGROUPS", "0")
    assert sandbox_mode() == "bwrap+rlimits"
    src = progs / "eat.c"
    src.write_text(r'''#include <stdlib.h>
#include <string.h>
int main(){ for(;;){ char* p = malloc(1<<20); if(!p) return 3; memset(p, 1, 1<<20); } }''')
    subprocess.run(["gcc", "-O2", "-static", "-o", str(progs / "eat"), str(src)], check=True)
    with open_sandbox([(str(progs), "/progs")]) as b:
        assert b.cgroup is None and b.mode == "bwrap+rlimits"
        out = b.run(["/progs/ab"], stdin="/progs/1.in", stdout="/box/out.txt", limits=LIMITS)
        assert out.status == "OK" and (b.workdir / "out.txt").read_text() == "7\n"
        out = b.run(["/progs/eat"], limits=replace(LIMITS, memory_mib=128))
        assert out.status == "MLE", out
        out = b.run(["/progs/spin"], limits=replace(LIMITS, cpu_time=0.3))
        assert out.status == "TLE" and out.cpu_time < 0.4


def test_hidden_binds_feed_stdin_but_cannot_be_read(progs, tmp_path):
    data = tmp_path / "data"
    data.mkdir()
    (data / "1.in").write_text("3 4\n")
    (data / "1.ans").write_text("7\n")
    for p in (tmp_path, data, data / "1.in", data / "1.ans"):
        os.chmod(p, 0o755 if p.is_dir() else 0o644)
    with open_sandbox([(str(progs), "/progs")], hidden_binds=[(str(data), "/tests")]) as b:
        out = b.run(["/progs/ab"], stdin="/tests/1.in", stdout="/box/out.txt", limits=LIMITS)
        assert out.status == "OK" and (b.workdir / "out.txt").read_text() == "7\n"
        out = b.run(["/bin/cat", "/tests/1.ans"], stdout="/box/out.txt", stderr="/box/err.txt",
                    limits=LIMITS)
        assert out.status == "RE" and (b.workdir / "out.txt").read_text() == ""
        assert "Permission denied" in (b.workdir / "err.txt").read_text()


def test_reading_program_files_refuses_symlinks_fifos_and_escapes(box, tmp_path):
    (box.workdir / "real").write_text("x")
    (box.workdir / "d").mkdir()
    (box.workdir / "d" / "f").write_text("y")
    os.symlink("/etc/hostname", box.workdir / "link")
    os.symlink("/etc", box.workdir / "dirlink")
    os.mkfifo(box.workdir / "fifo")
    dest = tmp_path / "copy"
    assert box.read_text("/box/real") == "x"
    taken = box.take("/box/real", dest, 10)
    assert taken.ok and dest.read_text() == "x"
    assert box.take("/box/real", dest, 0).status == "too-large"
    for bad in ("/box/link", "/box/dirlink/hostname", "/box/../etc/passwd", "/box/d", "/box/",
                "/box/missing", "/etc/passwd", "d/f", "/box/fifo"):
        assert box.read_text(bad) == "", bad
        assert not box.take(bad, dest, 100).ok, bad
        assert dest.read_bytes() == b"", bad
    box.wipe()
    assert os.listdir(box.workdir) == []


def test_boxes_of_a_killed_judge_are_swept(tmp_path, monkeypatch):
    import sys
    import time as _time
    from tinhoc.judge.sandbox import host as host_module   # where the sweep and its state live
    parent = tmp_path / "boxes"
    parent.mkdir()
    code = ("import os, sys\nfrom tinhoc.judge.sandbox import Sandbox\n"
            "b = Sandbox(workdir_parent=sys.argv[1])\n"
            "b.run(['/bin/sh', '-c', 'echo x > /box/f'], limits=__import__('tinhoc.judge.sandbox', "
            "fromlist=['RunLimits']).RunLimits(processes=4))\n"
            "print(b.workdir, b.cgroup.attach_paths()[0].parent if b.cgroup else '', flush=True)\n"
            "os._exit(0)\n")
    r = subprocess.run([sys.executable, "-c", code, str(parent)], capture_output=True, text=True,
                       cwd=os.path.dirname(os.path.dirname(__file__)), timeout=60)
    assert r.returncode == 0, r.stderr
    workdir, cgdir = (r.stdout.split() + [""])[:2]
    assert os.path.exists(os.path.join(workdir, "f"))   # left behind by the killed judge
    monkeypatch.setattr(host_module, "STALE_AGE", 0.0)
    monkeypatch.setattr(host_module, "_last_sweep", {})
    deadline = _time.monotonic() + 5
    while _time.monotonic() < deadline and (list(parent.iterdir()) or cgdir and os.path.exists(cgdir)):
        host_module._last_sweep.clear()
        host_module._sweep_stale(str(parent))
        _time.sleep(0.05)
    assert list(parent.iterdir()) == []
    assert workdir not in open("/proc/mounts").read()
    if cgdir:
        assert not os.path.exists(cgdir)


def test_a_fresh_box_cgroup_is_not_swept_by_another_judge():
    """Two judge processes (Celery's prefork, two web workers' pools): one's sweep must not remove
    the cgroup the other has just made and not yet joined (it is empty for that moment), which
    failed that box with "cgroup.procs: Directory nonexistent" (IE on a correct a+b)."""
    from tinhoc.judge.sandbox import cgroups
    box = cgroups.create_box_cgroup()
    if box is None:
        pytest.skip("no writable cgroup hierarchy here")
    try:
        cgroups.sweep_stale(30.0)
        assert all(path.parent.exists() for path in box.attach_paths())
    finally:
        box.remove()
