"""Training report speed: the organiser's subtree progress page (counts by status and the first page
of people) on the demo province scaled up, as the organiser sees it through the whole Flask stack.

Floor: a bare `SELECT COUNT(*) FROM track_assignment` on the same data, measured in the same run, so
the ratio shows what scoping, grouping, the list and the page add. Goal: p95 at most 300 ms with
100,000 staff (`seed-demo --scale large`). Runs on SQLite in a temporary file, or on --database-url.

    python bench/training_report.py [--quick] [--staff N] [--runs N] [--database-url URL]
"""
from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import GOAL_P95_MS, analyze, bench_app, logged_in, p95, page, timed  # noqa: E402


def add_progress() -> None:
    """Make the figures realistic: a third of the assignments started, a sixth completed."""
    from sqlalchemy import update

    from tinhoc import clock
    from tinhoc.extensions import db
    from training.models import TrackAssignment
    now = clock.now()
    db.session.execute(update(TrackAssignment).where(TrackAssignment.id % 3 == 0).values(started_at=now))
    db.session.execute(update(TrackAssignment).where(TrackAssignment.id % 6 == 0).values(completed_at=now))
    db.session.commit()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="5,000 staff and 15 runs, for CI")
    parser.add_argument("--staff", type=int, default=None, help="default 100,000 (the demo's --scale large)")
    parser.add_argument("--runs", type=int, default=None)
    parser.add_argument("--database-url", default=None, help="default: a temporary SQLite file")
    args = parser.parse_args()
    staff = args.staff or (5_000 if args.quick else 100_000)
    runs = args.runs or (15 if args.quick else 60)

    from sqlalchemy import func, select, text

    from tinhoc.demo import seed_demo
    from tinhoc.extensions import db
    from tinhoc.orgs.models import Person
    from training.models import Track, TrackAssignment

    with tempfile.TemporaryDirectory() as tmp:
        url = args.database_url or f"sqlite:///{tmp}/bench.sqlite3"
        app = bench_app(url, tmp)
        with app.app_context():
            db.drop_all()  # a database URL given here is a scratch database
            db.create_all()
            started = time.perf_counter()
            seed_demo(staff)
            add_progress()
            analyze()
            seeded = time.perf_counter() - started
            people = db.session.scalar(select(func.count(Person.id)))
            assignments = db.session.scalar(select(func.count(TrackAssignment.id)))
            basic = db.session.scalar(select(Track.id).where(Track.code == "BASIC"))
            db.session.remove()

            def floor():
                with db.engine.connect() as conn:
                    conn.execute(text("SELECT COUNT(*) FROM track_assignment")).scalar()

            client = logged_in(app)
            floor_ms = timed(floor, runs)
            page_ms = timed(page(client, f"/training/report?track={basic}"), runs)
            print(f"{people:,} staff, {assignments:,} track assignments, database {url.split(':')[0]}, "
                  f"seeded in {seeded:.1f} s, {runs} runs")
            print(f"floor (bare COUNT(*) on track_assignment): p95 {p95(floor_ms):7.2f} ms")
            print(f"report page (counts + first 50 people):    p95 {p95(page_ms):7.2f} ms, "
                  f"median {statistics.median(page_ms):.2f} ms, ratio {p95(page_ms) / p95(floor_ms):.1f}x floor")
            if staff >= 100_000:
                verdict = "meets" if p95(page_ms) <= GOAL_P95_MS else "MISSES"
                print(f"  -> {verdict} the {GOAL_P95_MS:.0f} ms p95 goal at {people:,} staff")
            db.session.remove()
            if args.database_url:
                db.drop_all()
    return 0


if __name__ == "__main__":
    sys.exit(main())
