"""Contest load test: N contestants submit and poll the board on gunicorn + PostgreSQL + a Celery
judge worker (Redis broker), and every submission is counted: acknowledged by the server (201, as
locust saw them), stored in the database, judged.

Full run (the issue's figure): 300 contestants for 5 minutes, each submitting a C++ a+b solution
about every 60 s (never while the previous one waits), polling its submission and the scoreboard.

    python bench/contest_load.py [--quick] [--users N] [--seconds S] [--submit-every S]
                                 [--gunicorn-workers N] [--judge-concurrency N] [--drain-timeout S]

Database: LOAD_DATABASE_URL (else postgresql://postgres@127.0.0.1:5432/test), in a scratch schema
dropped at the end. Redis: LOAD_REDIS_URL (else redis://127.0.0.1:6379/6), on a queue of its own.
Fails (exit 1) when a submission is lost, stays unjudged after the drain timeout, or is not AC; or
when fewer than --floor submissions per second were judged (0: no floor).
"""
from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import _contest_stack as stack  # noqa: E402
from bench._exam_stack import database, free_port, start_gunicorn, stop, wait_ready  # noqa: E402


def run(*, users: int, seconds: int, submit_every: float, gunicorn_workers: int = 2, judge_concurrency: int = 2,
        drain_timeout: float = 600.0, spawn_rate: float = 10.0, url: str | None = None,
        redis: str | None = "", workdir: str | None = None) -> dict:
    """Seed, start the stack, run locust, wait for the queue to drain, count. The report dict.
    `redis` "" means LOAD_REDIS_URL (or the default); None judges in gunicorn's in-process pool."""
    tmp = tempfile.TemporaryDirectory(prefix="contest-load-") if workdir is None else None
    out = Path(workdir or tmp.name)
    cleanup = lambda: None  # noqa: E731
    if url is None:
        url, _label, cleanup = database("LOAD_DATABASE_URL", "load_contest", str(out), allow_sqlite=False)
    packages = out / "packages"
    packages.mkdir(exist_ok=True)
    if redis == "":
        redis = os.environ.get("LOAD_REDIS_URL", stack.DEFAULT_REDIS)
    server = worker = None
    logs = [open(out / "gunicorn.log", "w"), open(out / "worker.log", "w")]
    try:
        seeded = stack.seed(url, users, str(packages))
        env = stack.stack_env(url, str(out), str(packages), redis, stack.new_queue())
        if redis:
            worker = stack.start_worker(env, judge_concurrency, logs[1])
        port = free_port()
        server = start_gunicorn("tinhoc:create_app()", port, env, workers=gunicorn_workers, log=logs[0])
        wait_ready(port, "/login")
        started = time.monotonic()
        done, rows, tally = stack.run_locust(port, seeded, users, seconds, out, spawn_rate=spawn_rate,
                                                    submit_every=submit_every)
        load_seconds = time.monotonic() - started
        final, drain_seconds = stack.wait_drained(url, seeded.problem_id, drain_timeout)
        acknowledged = tally["acknowledged"]
        report = {
            "users": users, "seconds": seconds, "judge": "celery" if redis else "pool", "locust_rc": done.returncode, "locust_tail": done.stdout[-3000:],
            "requests": int(rows["Aggregated"]["Request Count"]), "failures": int(rows["Aggregated"]["Failure Count"]),
            "sent": tally["attempted"], "refused": tally["refused"],
            # cut off by locust's stop while waiting for the answer: stored or not, never acknowledged
            "interrupted": tally["attempted"] - tally["refused"] - len(acknowledged),
            "acknowledged": len(acknowledged), "lost": sorted(set(acknowledged) - final["ids"]),
            "stored": final["stored"], "judged": final["judged"], "accepted": final["accepted"],
            "errors": final["errors"], "not_accepted": final["not_accepted"], "wait_p50": final["wait_p50"], "wait_p95": final["wait_p95"],
            "wait_max": final["wait_max"], "drain_seconds": drain_seconds, "load_seconds": load_seconds,
            "judged_per_second": final["judged"] / (load_seconds + drain_seconds),
            "rps": float(rows["Aggregated"]["Requests/s"]),
            "p95_ms": {name: float(r["95%"]) for name, r in rows.items() if r.get("95%") not in (None, "", "N/A")},
            "server_log": (out / "gunicorn.log").read_text()[-3000:] if (out / "gunicorn.log").exists() else "",
            "worker_log": (out / "worker.log").read_text()[-3000:] if (out / "worker.log").exists() else "",
        }
        return report
    finally:
        if server is not None:
            stop(server)
        if worker is not None:
            stop(worker)
        for log in logs:
            log.close()
        cleanup()
        if tmp is not None:
            tmp.cleanup()


def bare_judge_seconds(runs: int = 5) -> float:
    """The floor: the median wall time of judging the same a+b job directly in this process (the
    judge's sandbox, no web, queue or database), measured in the same run as the load."""
    from tinhoc.judge import judge
    from tinhoc.judge.job import JudgeJob, Limits
    # the locustfile's solution (not imported from it: importing locust patches this process with gevent)
    source = "// floor #{n}\n#include <iostream>\nint main(){{long long a,b;std::cin>>a>>b;std::cout<<a+b<<'\\n';return 0;}}\n"
    with tempfile.TemporaryDirectory(prefix="contest-floor-") as folder:
        package = str(Path(folder) / stack._zip_package(Path(folder)))
        times = []
        for n in range(runs):
            started = time.perf_counter()
            result = judge(JudgeJob(language="cpp17", source=source.format(n=n), package_path=package,
                                    limits=Limits(time=1.0, memory=256)))
            times.append(time.perf_counter() - started)
            if result.verdict.value != "AC":
                raise RuntimeError(f"the floor's own a+b was judged {result.verdict.value}: {result.message}")
    return statistics.median(times)


def problems(report: dict, floor: float = 0.0) -> list[str]:
    """What is wrong with a run (empty: nothing)."""
    wrong = []
    if report["acknowledged"] == 0:
        wrong.append("no submission was acknowledged")
    if report["lost"]:
        wrong.append(f"{len(report['lost'])} acknowledged submissions not in the database: {report['lost'][:10]}")
    if report["acknowledged"] + report["refused"] > report["sent"]:
        wrong.append(f"{report['sent']} submits sent but {report['acknowledged']} acknowledged "
                     f"+ {report['refused']} refused")
    if report["stored"] < report["acknowledged"]:
        wrong.append(f"{report['stored']} rows for {report['acknowledged']} acknowledged submissions")
    if report["judged"] != report["stored"]:
        wrong.append(f"{report['stored'] - report['judged']} of {report['stored']} stored submissions not judged "
                     f"({report['errors']} in error)")
    if report["accepted"] != report["judged"]:
        wrong.append(f"{report['judged'] - report['accepted']} a+b solutions judged other than AC: "
                     f"{report['not_accepted']}")
    if report["failures"]:
        wrong.append(f"{report['failures']} failed requests")
    if floor and report["judged_per_second"] < floor:
        wrong.append(f"judged {report['judged_per_second']:.2f}/s, floor {floor}/s")
    return wrong


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="10 contestants, 20 s, a submission every 6 s")
    parser.add_argument("--users", type=int, default=300)
    parser.add_argument("--seconds", type=int, default=300)
    parser.add_argument("--submit-every", type=float, default=60.0)
    parser.add_argument("--gunicorn-workers", type=int, default=2)
    parser.add_argument("--judge-concurrency", type=int, default=2)
    parser.add_argument("--drain-timeout", type=float, default=900.0)
    parser.add_argument("--floor", type=float, default=0.0, help="judged submissions per second at least")
    args = parser.parse_args()
    if args.quick:
        args.users, args.seconds, args.submit_every = 10, 20, 6.0
    report = run(users=args.users, seconds=args.seconds, submit_every=args.submit_every,
                 gunicorn_workers=args.gunicorn_workers, judge_concurrency=args.judge_concurrency,
                 drain_timeout=args.drain_timeout)
    load = os.getloadavg()
    print(f"{report['users']} contestants, {report['seconds']} s, gunicorn {args.gunicorn_workers} workers, "
          f"Celery judge concurrency {args.judge_concurrency}, load average {load[0]:.1f}/{load[1]:.1f} "
          f"on {os.cpu_count()} CPUs")
    print(f"requests {report['requests']} ({report['rps']:.1f}/s), failed {report['failures']}; "
          f"p95 ms: " + ", ".join(f"{k} {v:.0f}" for k, v in sorted(report["p95_ms"].items())))
    print(f"submissions sent {report['sent']}, acknowledged {report['acknowledged']} (refused {report['refused']}, cut off by the end of the run {report['interrupted']}), stored {report['stored']}, "
          f"judged {report['judged']} (AC {report['accepted']}, error {report['errors']}), lost {len(report['lost'])}")
    bare = bare_judge_seconds()
    print(f"submitted to judged: median {report['wait_p50']:.1f} s = {report['wait_p50'] / bare:.1f}x the bare "
          f"judge ({bare:.2f} s: the same job judged directly in this process, no web, queue or database), "
          f"p95 {report['wait_p95']:.1f} s, max {report['wait_max']:.1f} s")
    print(f"queue drained {report['drain_seconds']:.0f} s after the load; judged "
          f"{report['judged_per_second']:.2f} submissions/s over {report['load_seconds'] + report['drain_seconds']:.0f} s")
    wrong = problems(report, args.floor)
    for line in wrong:
        print("FAIL:", line)
    if wrong:
        print(report["locust_tail"][-1500:], report["server_log"][-1500:], report["worker_log"][-1500:], sep="\n")
    return 1 if wrong else 0


if __name__ == "__main__":
    sys.exit(main())
