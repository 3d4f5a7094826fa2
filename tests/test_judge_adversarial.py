"""Hostile submissions against the sandbox: each gets its verdict, and the box stays healthy.

After every hostile run an a+b run in the same box must still pass, no process of the box's
uid may survive, and nothing may be left on disk once the box is closed.
"""
from __future__ import annotations

import os

import pytest

from tinhoc.judge.languages import get_language
from tests.helpers import assert_prompt_in_wall_time
from tinhoc.judge.sandbox import RunLimits, bwrap_available, open_sandbox, sandbox_mode

pytestmark = [
    pytest.mark.sandbox,
    pytest.mark.skipif(not bwrap_available(), reason="bubblewrap (bwrap) is not installed"),
    pytest.mark.skipif(not get_language("cpp17").available(), reason="g++ is not installed"),
]

LIMITS = RunLimits(cpu_time=1.0, wall_time=2.0, memory_mib=256, output_mib=16)
COMPILE = RunLimits(cpu_time=3.0, wall_time=6.0, memory_mib=512, output_mib=16, processes=16,
                    open_files=128, stack_mib=64)

PROGRAMS = {
    "ab": r'''#include <cstdio>
int main(){ long long a,b; if(scanf("%lld %lld",&a,&b)!=2) return 1; printf("%lld\n",a+b); }''',
    "fork_bomb": r'''#include <unistd.h>
int main(){ for(;;) fork(); }''',
    "fork_bomb_sleepers": r'''#include <unistd.h>
int main(){ for(int i=0;i<64;i++) if(fork()==0){ for(;;) pause(); } for(;;) pause(); }''',
    "thread_bomb": r'''#include <pthread.h>
#include <unistd.h>
void* f(void*){ for(;;) pause(); return 0; }
int main(){ for(;;){ pthread_t t; pthread_create(&t,0,f,0);} }''',
    "malloc_loop": r'''#include <stdlib.h>
#include <string.h>
int main(){ for(;;){ char* p=(char*)malloc(1<<20); if(!p) return 3; memset(p,1,1<<20);} }''',
    "vector_2g": r'''#include <vector>
#include <cstdio>
int main(){ std::vector<char> v(2000000000LL, 1); printf("%d\n", v[12345]); }''',
    "static_1g": r'''#include <cstdio>
static char a[1<<30];
int main(){ for(long i=0;i<(1L<<30);i+=4096) a[i]=1; printf("%d\n", a[4096]); }''',
    "deep_recursion": r'''#include <cstdio>
int f(int n){ volatile char buf[256]; buf[0]=n; return n==0?0:f(n-1)+buf[0]; }
int main(){ printf("%d\n", f(1<<30)); }''',
    "vector_16g": r'''#include <vector>
#include <cstdio>
int main(){ std::vector<char> v(16000000000LL, 1); printf("%d\n", v[12345]); }''',
    "infinite_loop": r'''int main(){ volatile unsigned long x=0; for(;;) x++; }''',
    "sleep_forever": r'''#include <unistd.h>
int main(){ for(;;) sleep(100); }''',
    "output_1g": r'''#include <cstdio>
#include <cstring>
int main(){ static char buf[1<<20]; memset(buf,'x',sizeof buf);
 for(int i=0;i<1024;i++) fwrite(buf,1,sizeof buf,stdout); }''',
    "read_file": r'''#include <cstdio>
int main(int argc, char** argv){ FILE* f=fopen(argv[1],"r"); if(!f){ printf("denied\n"); return 0;}
 int c; long n=0; while((c=fgetc(f))!=EOF) n++; printf("read %ld\n", n); }''',
    "write_file": r'''#include <cstdio>
int main(int argc, char** argv){ FILE* f=fopen(argv[1],"w"); if(!f){ printf("denied\n"); return 0;}
 fputs("pwned",f); fclose(f); printf("wrote\n"); }''',
    "connect": r'''#include <cstdio>
#include <cerrno>
#include <cstring>
#include <sys/socket.h>
#include <netinet/in.h>
#include <arpa/inet.h>
int main(int argc, char** argv){
 int fam = argv[1][0]=='6' ? AF_INET6 : AF_INET;
 int s = socket(fam, SOCK_STREAM, 0);
 if (s < 0) { printf("socket failed\n"); return 0; }
 sockaddr_in a{}; a.sin_family=AF_INET; a.sin_port=htons(5432);
 inet_pton(AF_INET, "127.0.0.1", &a.sin_addr);
 if (connect(s,(sockaddr*)&a,sizeof a) < 0) { printf("connect failed\n"); return 0; }
 printf("connected\n"); }''',
    "kill_parent": r'''#include <signal.h>
#include <unistd.h>
#include <cstdio>
int main(){ int r1=kill(getppid(),9); int r2=kill(-1,9); int r3=kill(1,9);
 printf("%d %d %d\n", r1, r2, r3); }''',
    "setsid_daemon": r'''#include <unistd.h>
#include <cstdio>
int main(){ if(fork()==0){ setsid(); if(fork()==0){ for(;;) pause(); } _exit(0);}
 usleep(20000); printf("parent done\n"); }''',
    "syscall32": r'''#include <cstdio>
int main(){ long r; __asm__ volatile("int $0x80" : "=a"(r) : "a"(20L)); printf("%ld\n", r); }''',
    "ptrace": r'''#include <sys/ptrace.h>
#include <cstdio>
#include <sched.h>
int main(){ long r = ptrace(PTRACE_TRACEME, 0, 0, 0); int u = unshare(CLONE_NEWUSER);
 printf("%ld %d\n", r, u); }''',
}


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory):
    d = tmp_path_factory.mktemp("problem")
    (d / "1.in").write_text("3 4\n")
    return d


@pytest.fixture(scope="module")
def box(data_dir):
    """One box for the module, with every program compiled once under its own name."""
    cpp = get_language("cpp17")
    with open_sandbox([(str(data_dir), "/problem")]) as b:
        for name, src in PROGRAMS.items():
            co = cpp.compile(b, src.encode(), limits=COMPILE)
            assert co.ok, (name, co.output)
            os.replace(b.workdir / "prog", b.workdir / name)
        b.wipe(keep=PROGRAMS)
        yield b


def _uid_processes(uid: int) -> list[int]:
    pids = []
    for d in os.listdir("/proc"):
        if d.isdigit():
            try:
                if os.stat(f"/proc/{d}").st_uid == uid:
                    pids.append(int(d))
            except OSError:
                pass
    return pids


def run(box, name, *args, limits=LIMITS):
    out = box.run([f"/box/{name}", *args], stdin="/problem/1.in", stdout="/box/out.txt",
                  limits=limits)
    path = box.workdir / "out.txt"
    text = path.read_bytes()[:200].decode(errors="replace") if path.exists() else ""
    return out, text


def assert_healthy(box):
    """Nothing of the run survives, the work dir is wiped, and a+b still passes."""
    assert _uid_processes(box.uid) == []
    box.wipe(keep=PROGRAMS)
    assert sorted(p.name for p in box.workdir.iterdir()) == sorted(PROGRAMS)
    out, text = run(box, "ab")
    assert (out.status, text) == ("OK", "7\n"), out
    box.wipe(keep=PROGRAMS)


@pytest.mark.parametrize("name,status", [
    ("fork_bomb", "TLE"),
    ("fork_bomb_sleepers", "TLE"),
    ("thread_bomb", "TLE"),
    ("malloc_loop", "MLE"),
    ("vector_2g", "MLE"),
    ("static_1g", "MLE"),
    ("vector_16g", "MLE"),       # larger than the machine: would fail at once, not be OOM-killed
    ("deep_recursion", "MLE"),   # the stack may grow to the memory limit: overflowing it is MLE
    ("infinite_loop", "TLE"),
    ("sleep_forever", "TLE"),
    ("output_1g", "OLE"),
])
def test_hostile_program_gets_its_verdict_and_box_stays_healthy(box, name, status):
    out, _ = run(box, name)
    if box.cgroup is None and name == "static_1g" and out.status == "RE":
        assert_healthy(box)
        pytest.xfail("rlimits mode: a static array past RLIMIT_AS kills the program at exec with "
                     "a small peak RSS, which cannot be told from a crash (cgroup mode gets MLE)")
    assert out.status == status, out
    if status == "MLE":
        # either the peak reached the limit, or one mapping was larger than the limit (seccomp)
        assert (out.memory_kib >= 0.9 * LIMITS.memory_mib * 1024
                or "one allocation" in out.message), out
    if name == "sleep_forever":
        assert LIMITS.wall_time <= out.wall_time < LIMITS.wall_time + 0.1, out
    if name == "infinite_loop":
        assert LIMITS.cpu_time <= out.cpu_time < LIMITS.cpu_time + 0.1, out
        assert "CPU time" in out.message, out
        assert_prompt_in_wall_time(out, LIMITS.cpu_time)
    assert_healthy(box)


def test_stack_overflow_under_a_smaller_stack_limit_is_runtime_error(box):
    from dataclasses import replace
    out, _ = run(box, "deep_recursion", limits=replace(LIMITS, stack_mib=16))
    assert out.status == "RE" and out.signal == 11, out
    assert_healthy(box)


@pytest.mark.parametrize("path", [
    "/etc/shadow",
    "/etc/passwd",
    "/work/main/tinhoc/judge/job.py",
    "/root/.bashrc",
    "/proc/1/environ",
])
def test_reading_files_outside_the_box_is_denied(box, path):
    out, text = run(box, "read_file", path)
    assert (out.status, text) == ("OK", "denied\n"), (out, text)
    assert_healthy(box)


def test_another_jobs_directory_is_invisible(box, data_dir):
    with open_sandbox([(str(data_dir), "/problem")]) as other:
        secret = other.workdir / "secret.txt"
        secret.write_text("other job's answer")
        os.chmod(secret, 0o644)
        for path in (str(secret), "/box/../" + secret.name, f"/proc/{os.getpid()}/root{secret}"):
            out, text = run(box, "read_file", path)
            assert (out.status, text) == ("OK", "denied\n"), (path, out, text)
    assert_healthy(box)


@pytest.mark.parametrize("path", ["/usr/x", "/etc/x", "/problem/1.in", "/problem/new", "/box/ab",
                                  "/tmp/x", "/dev/x", "/x", "/proc/sys/kernel/hostname"])
def test_writing_outside_the_work_dir_is_denied(box, data_dir, path):
    before = sorted(os.listdir(data_dir))
    out, text = run(box, "write_file", path)
    assert (out.status, text) == ("OK", "denied\n"), (out, text)
    assert sorted(os.listdir(data_dir)) == before
    assert (data_dir / "1.in").read_text() == "3 4\n"
    assert_healthy(box)


@pytest.mark.parametrize("family", ["4", "6"])
def test_no_internet_socket_at_all(box, family):
    # Only loopback (127.0.0.1:5432) is ever tried; the socket itself must already fail.
    out, text = run(box, "connect", family)
    assert (out.status, text) == ("OK", "socket failed\n"), (out, text)
    assert_healthy(box)


def test_killing_its_parent_or_everyone_fails(box):
    out, text = run(box, "kill_parent")
    assert out.status == "OK", out
    assert text.split() == ["-1", "-1", "-1"]
    assert_healthy(box)


def test_a_daemon_that_setsids_does_not_survive_the_run(box):
    out, text = run(box, "setsid_daemon", limits=RunLimits(cpu_time=1, wall_time=2, memory_mib=256,
                                                            output_mib=16, processes=8))
    assert (out.status, text) == ("OK", "parent done\n"), out
    assert_healthy(box)


def test_32bit_system_calls_cannot_bypass_the_filter(box):
    out, text = run(box, "syscall32")
    assert (out.status, text) == ("OK", "-38\n"), (out, text)   # -ENOSYS
    assert_healthy(box)


def test_ptrace_and_namespaces_are_refused(box):
    out, text = run(box, "ptrace")
    assert (out.status, text) == ("OK", "-1 -1\n"), (out, text)
    assert_healthy(box)


@pytest.mark.parametrize("source", [
    b"#include </dev/random>\nint main(){}\n",
    b"#include </dev/zero>\nint main(){}\n",
    # deep template recursion: stopped by the compiler's depth limit
    b"template<int N> struct A { static const int v = A<N+1>::v; };\nint main(){ return A<0>::v; }\n",
    # exponential instantiation: stopped by the compile limits
    b"template<int N,int M> struct F { enum { v = F<N-1,M+1>::v + F<N-1,M*2+1>::v }; };\n"
    b"template<int M> struct F<0,M> { enum { v = 1 }; };\nint main(){ return F<28,0>::v; }\n",
])
def test_compile_bombs_are_compilation_errors_within_the_limit(source):
    import time
    with open_sandbox() as b:
        t = time.monotonic()
        co = get_language("cpp17").compile(b, source, limits=COMPILE)
        elapsed = time.monotonic() - t
    assert not co.ok
    assert co.output
    assert elapsed < COMPILE.wall_time + 1


def test_nothing_is_left_behind(data_dir, tmp_path, monkeypatch):
    # A private parent for the work dir: other judges may open boxes in /tmp meanwhile.
    parent = tmp_path / "boxes"
    parent.mkdir()
    monkeypatch.setenv("TINHOC_JUDGE_BOXES", str(parent))
    with open_sandbox([(str(data_dir), "/problem")]) as b:
        workdir, uid, cg = b.workdir, b.uid, b.cgroup
        assert parent in workdir.parents
        co = get_language("cpp17").compile(b, PROGRAMS["fork_bomb_sleepers"].encode(), limits=COMPILE)
        b.wipe(keep=co.keep)
        out = b.run(co.run_argv, limits=RunLimits(cpu_time=0.5, wall_time=0.5, processes=100))
        assert out.status == "TLE"
        (b.workdir / "junk").mkdir()
        (b.workdir / "junk" / "f").write_text("x")
        os.chmod(b.workdir / "junk", 0)
    assert not workdir.exists()
    assert list(parent.iterdir()) == []
    assert _uid_processes(uid) == []
    if cg is not None:
        assert not any(p.parent.exists() for p in cg.attach_paths())
    assert sandbox_mode().startswith("bwrap+")


@pytest.mark.parametrize("source", [
    b"a = [0] * (10 ** 9)\nprint(len(a))\n",                       # one huge allocation
    b"a = []\nwhile True:\n    a.append(' ' * 10 ** 6)\n",          # growing
])
def test_python_memory_bombs_are_memory_limit(source):
    py = get_language("python3")
    if not py.available():
        pytest.skip("python3 is not installed")
    with open_sandbox() as b:
        co = py.compile(b, source)
        b.wipe(keep=co.keep)
        out = b.run(co.run_argv, stderr="/box/err", limits=LIMITS)
        assert out.status == "MLE", out
        assert _uid_processes(b.uid) == []
