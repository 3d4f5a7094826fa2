"""Cost of the judge's sandbox per test, against the same program run bare, in the same run.

For a+b in C++ and in Python: N tests run in one sandbox (wiping the work dir between tests)
and the same binary / interpreter run bare with subprocess, interleaved test by test, after
compilation. Goals: C++ at most 3x bare, Python at most 1.5x bare. Also printed: how late a
CPU time limit is caught (1 s infinite loop: measured wall minus limit), the verdict and peak
memory of a memory bomb, and the sandbox mode in force.

    python bench/judge_overhead.py [--quick] [--tests N]
"""
from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

GOALS = {"cpp17": 3.0, "python3": 1.5}
SOURCES = {
    "cpp17": b'#include <cstdio>\nint main(){long long a,b;if(scanf("%lld %lld",&a,&b)!=2)return 1;'
             b'printf("%lld\\n",a+b);}\n',
    "python3": b"a, b = map(int, input().split())\nprint(a + b)\n",
}
SPIN = b"int main(){ volatile unsigned long x = 0; for (;;) x++; }\n"
BOMB = (b"#include <cstdlib>\n#include <cstring>\nint main(){ for(;;){ char* p = (char*)malloc(1<<20);"
        b" if(!p) return 3; memset(p, 1, 1<<20); } }\n")


def bench_language(name: str, tests: int, data: Path) -> tuple[float, float, float]:
    """(ratio of means, sandboxed ms/test, bare ms/test) for `tests` a+b tests."""
    from tinhoc.judge.languages import get_language
    from tinhoc.judge.sandbox import RunLimits, open_sandbox

    lang = get_language(name)
    limits = RunLimits(cpu_time=2.0, wall_time=5.0, memory_mib=256, output_mib=16)
    boxed, bare = [], []
    with open_sandbox([(str(data), "/problem")]) as box, tempfile.TemporaryDirectory() as tmp:
        co = lang.compile(box, SOURCES[name])
        if not co.ok:
            raise RuntimeError(f"{name} did not compile: {co.output}")
        # The bare run uses the very same binary or interpreter and source, outside the box.
        for keep in co.keep:
            shutil.copy(box.workdir / keep, Path(tmp) / keep)
        bare_argv = [a.replace("/box/", tmp + "/") for a in co.run_argv]
        box.wipe(keep=co.keep)
        for i in range(tests):
            expected = f"{i + 1}\n"
            t = time.perf_counter()
            out = box.run(co.run_argv, stdin=f"/problem/{i}.in", stdout="/box/out.txt", limits=limits)
            got = box.read_text("/box/out.txt")
            box.wipe(keep=co.keep)
            boxed.append(time.perf_counter() - t)
            if out.status != "OK" or got != expected:
                raise RuntimeError(f"{name} test {i}: sandboxed run gave {out} {got!r}")
            t = time.perf_counter()
            with open(data / f"{i}.in", "rb") as fin, open(Path(tmp) / "out.txt", "wb") as fout:
                r = subprocess.run(bare_argv, stdin=fin, stdout=fout, cwd=tmp)
            got = (Path(tmp) / "out.txt").read_text()
            os.unlink(Path(tmp) / "out.txt")
            bare.append(time.perf_counter() - t)
            if r.returncode != 0 or got != expected:
                raise RuntimeError(f"{name} test {i}: bare run gave {r.returncode} {got!r}")
    b, s = statistics.mean(bare), statistics.mean(boxed)
    print(f"{name:8s} {tests} tests: sandboxed {s * 1000:6.2f} ms/test (median "
          f"{statistics.median(boxed) * 1000:.2f}), bare {b * 1000:6.2f} ms/test (median "
          f"{statistics.median(bare) * 1000:.2f})  ratio {s / b:.2f}x bare "
          f"(median ratio {statistics.median(boxed) / statistics.median(bare):.2f}x; "
          f"goal <= {GOALS[name]}x)")
    return s / b, s, b


def tle_and_mle() -> tuple[float, str, int]:
    from tinhoc.judge.languages import get_language
    from tinhoc.judge.sandbox import RunLimits, open_sandbox

    cpp = get_language("cpp17")
    with open_sandbox() as box:
        co = cpp.compile(box, SPIN)
        assert co.ok, co.output
        box.wipe(keep=co.keep)
        out = box.run(co.run_argv, limits=RunLimits(cpu_time=1.0, wall_time=3.0, memory_mib=256))
        delay = out.wall_time - 1.0
        print(f"TLE: infinite loop, CPU limit 1 s -> {out.status}, cpu {out.cpu_time:.3f} s, "
              f"wall {out.wall_time:.3f} s: caught {delay * 1000:.0f} ms after the limit")
        co = cpp.compile(box, BOMB)
        assert co.ok, co.output
        box.wipe(keep=co.keep)
        out = box.run(co.run_argv, limits=RunLimits(cpu_time=2.0, wall_time=4.0, memory_mib=256))
        print(f"MLE: malloc loop, memory limit 256 MiB -> {out.status}, peak "
              f"{out.memory_kib / 1024:.0f} MiB ({out.message})")
    return delay, out.status, out.memory_kib


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="20 tests per language, for CI")
    parser.add_argument("--tests", type=int, default=None)
    args = parser.parse_args()
    tests = args.tests or (20 if args.quick else 200)

    from tinhoc.judge.languages import get_language
    from tinhoc.judge.sandbox import bwrap_available, sandbox_mode

    mode = sandbox_mode()
    print(f"sandbox mode: {mode}")
    if not bwrap_available():
        print("bubblewrap is not installed: nothing to measure (0.0x)")
        return 0
    ok = True
    with tempfile.TemporaryDirectory() as d:
        data = Path(d)
        os.chmod(data, 0o755)
        for i in range(tests):
            (data / f"{i}.in").write_text(f"{i} 1\n")
        for name in GOALS:
            if not get_language(name).available():
                print(f"{name}: not installed, skipped")
                continue
            ratio, _, _ = bench_language(name, tests, data)
            if ratio > GOALS[name]:
                ok = False
                print(f"  MISSED the goal for {name}: {ratio:.2f}x > {GOALS[name]}x")
    delay, status, peak = tle_and_mle()
    if delay > 0.1:
        ok = False
        print(f"  MISSED: TLE caught {delay * 1000:.0f} ms late (goal <= 100 ms)")
    if status != "MLE":
        ok = False
        print(f"  MISSED: the memory bomb got {status}, not MLE")
    print("all goals met" if ok else "some goals missed")
    return 0 if ok or args.quick else 1


if __name__ == "__main__":
    sys.exit(main())
