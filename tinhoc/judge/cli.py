"""Command line: `python -m tinhoc.judge run PACKAGE SOURCE` and `python -m tinhoc.judge verify PACKAGE`.

run     judges one source file and prints the per-test table (verdict, time, memory) and the total;
        exit status 0 when it is AC, 1 otherwise, 2 on usage errors.
verify  judges every file under the package's submissions/<verdict>/ (accepted first) and exits
        non-zero when any gets another verdict than its folder says; files in languages this
        judge does not run are skipped and listed.
"""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from .job import JudgeJob, JudgeResult, Limits, Verdict


def _table(res: JudgeResult) -> str:
    lines = []
    w = max([len(t.name) for t in res.tests] + [4])
    lines.append(f"{'test':<{w}}  verdict   time(s)  mem(MiB)   points  message")
    for t in res.tests:
        pts = f"{t.points:g}/{t.max_points:g}" if t.max_points else ""
        mem = f"{t.memory / 1024:.1f}" if t.memory else ""
        tm = f"{t.time:.3f}" if t.verdict != Verdict.SKIPPED else ""
        lines.append(f"{t.name:<{w}}  {t.verdict.value:<8}  {tm:>7}  {mem:>8}  {pts:>7}  {t.message[:60]}")
    for s in res.subtasks:
        lines.append(f"group {s.name}: {s.verdict.value} {s.score:g}/{s.max_score:g}")
    total = f"{res.verdict.value}  score {res.score:g}/{res.max_score:g}"
    if res.time_limit:
        total += f"  (time limit {res.time_limit:g} s, memory {res.memory_limit} MiB, sandbox {res.sandbox_mode})"
    lines.append(total)
    if res.message:
        lines.append(res.message)
    if res.verdict == Verdict.CE and res.compile_output:
        lines.append(res.compile_output)
    return "\n".join(lines)


def cmd_run(args) -> int:
    from . import grader
    from .languages import language_for_filename
    src = Path(args.source)
    if not src.is_file():
        print(f"no such file: {src}", file=sys.stderr)
        return 2
    lang = args.lang
    if lang is None:
        found = language_for_filename(src.name)
        if found is None:
            print(f"cannot tell the language of {src.name}; give --lang", file=sys.stderr)
            return 2
        lang = found.name
    limits = None
    if args.time is not None or args.memory is not None:
        from .packages import PackageError, load_package
        from .timelimit import package_limits
        try:
            with load_package(args.package) as pkg:
                limits = package_limits(pkg) if args.time is None else \
                    Limits(time=args.time, memory=pkg.memory, output=pkg.output)
        except (PackageError, grader.JudgeError) as exc:
            print(f"error: {getattr(exc, 'reason', exc)}", file=sys.stderr)
            return 1
        if args.memory is not None:
            limits.memory = args.memory
    res = grader.judge(JudgeJob(language=lang, source=src.read_bytes(), package_path=str(args.package),
                                limits=limits))
    if args.json:
        print(json.dumps(res.to_dict(), indent=2, default=str))
    else:
        print(_table(res))
    return 0 if res.verdict == Verdict.AC else 1


def cmd_verify(args) -> int:
    from .verify import verify

    def progress(check):
        if not args.json:
            r = check.result
            got = f"{r.verdict.value} {r.score:g}/{r.max_score:g}" if r else "-"
            mark = "ok  " if check.ok else "FAIL"
            print(f"{mark} {check.folder}/{check.file} [{check.language}]: {got} {check.reason}", flush=True)

    report = verify(args.package, progress=progress)
    if args.json:
        print(json.dumps(report.to_dict(), indent=2, default=str))
    else:
        for c in report.checks:
            if c.result is None:
                print(f"FAIL {c.folder}/{c.file}: {c.reason}")
        if report.inputs_validated:
            print(f"input validation: {report.inputs_validated} runs, {len(report.input_errors)} rejected")
        for e in report.input_errors:
            print(f"FAIL input: {e}")
        for s in report.skipped:
            print(f"skipped {s}")
        for w in report.warnings:
            print(f"warning: {w}")
        if report.error:
            print(f"error: {report.error}")
        how = "derived from accepted submissions" if report.time_limit_derived else "from the package"
        print(f"{report.format} package, time limit {report.time_limit:g} s ({how}): "
              f"{sum(c.ok for c in report.checks)}/{len(report.checks)} as expected, "
              f"{len(report.skipped)} skipped -> {'OK' if report.ok else 'FAILED'}")
    return 0 if report.ok else 1


def main(argv=None) -> int:
    p = argparse.ArgumentParser(prog="python -m tinhoc.judge", description="tinhoc judge")
    sub = p.add_subparsers(dest="cmd", required=True)
    r = sub.add_parser("run", help="judge one source file against a package")
    r.add_argument("package")
    r.add_argument("source")
    r.add_argument("--lang", help="language key (cpp17, c, python3, pascal, scratch3); default from the file name")
    r.add_argument("--json", action="store_true", help="print the JudgeResult as JSON")
    r.add_argument("--time", type=float, help="override the time limit (seconds)")
    r.add_argument("--memory", type=int, help="override the memory limit (MiB)")
    r.set_defaults(func=cmd_run)
    v = sub.add_parser("verify", help="judge every submissions/<verdict>/ file and compare")
    v.add_argument("package")
    v.add_argument("--json", action="store_true")
    v.set_defaults(func=cmd_verify)
    args = p.parse_args(argv)
    return args.func(args)
