"""Login slips for a whole province: an organiser prints slips for N pupils who never logged in, each
of whom gets a fresh password hashed at the production cost (pbkdf2:sha256:200000).

Floor: hashing the same number of passwords with `accounts.hash_passwords` alone (on every core),
measured in the same run, so the ratio shows what the batch adds (reading the entries, the progress
writes, the PDF, the commit). Also printed: how long the organiser's request takes (the batch is made
off the request, so it must stay short whatever N is). Runs the demo on SQLite in a temporary file.

    python bench/login_slips.py [--quick] [--pupils N]
"""
from __future__ import annotations

import argparse
import secrets
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import bench_app, logged_in  # noqa: E402

PRODUCTION_HASH = "pbkdf2:sha256:200000"
QUICK_HASH = "pbkdf2:sha256:20000"       # --quick: the same path at a tenth of the cost (CI's time)


def register_pupils(n: int) -> int:
    """n pupils registered (and approved) in the demo contest's division B; returns the contest id."""
    from sqlalchemy import select

    from contests import registration
    from contests.models import Contest, Division
    from tinhoc.access import SYSTEM
    from tinhoc.extensions import db
    from tinhoc.orgs.models import Organisation
    contest = db.session.scalar(select(Contest).order_by(Contest.id))
    division = next(d for d in contest.divisions if d.code == "B")
    school = db.session.scalar(select(Organisation).where(Organisation.kind == "school").order_by(Organisation.code))
    for i in range(n):
        entry = registration.register(SYSTEM, contest, division_id=division.id, school_id=school.id,
                                      pupils=[registration.Pupil(f"Học Sinh Thử {i:04d}", 7, "lower")], commit=False)
        entry.status = "approved"
        if i % 200 == 199:
            db.session.commit()
    db.session.commit()
    return contest.id


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true",
                        help="80 pupils (just past the in-request limit) at a tenth of the hash cost, for CI")
    parser.add_argument("--pupils", type=int, default=None, help="default 1,000")
    args = parser.parse_args()
    pupils = args.pupils or (80 if args.quick else 1000)
    method = QUICK_HASH if args.quick else PRODUCTION_HASH

    from sqlalchemy import select

    from contests.models import SlipBatch
    from tinhoc.accounts.services import hash_passwords
    from tinhoc.demo import seed_demo
    from tinhoc.extensions import db

    with tempfile.TemporaryDirectory() as tmp:
        app = bench_app(f"sqlite:///{tmp}/bench.sqlite3", tmp)
        app.config.update(CONTEST_BACKGROUND_VIA="thread", CONTEST_SLIPS_INLINE=60)
        with app.app_context():
            db.create_all()
            seed_demo()
            contest_id = register_pupils(pupils)
            db.session.remove()
        client = logged_in(app, "organiser")
        app.config["PASSWORD_HASH_METHOD"] = method     # the slips' fresh passwords at that cost
        started = time.perf_counter()
        reply = client.post(f"/contests/{contest_id}/slips.pdf", data={})
        request_s = time.perf_counter() - started
        assert reply.status_code == 302 and "/contests/slips/" in reply.headers["Location"], reply.status_code
        batch_id = int(reply.headers["Location"].rsplit("/", 1)[1])
        with app.app_context():
            while True:
                batch = db.session.scalar(select(SlipBatch).where(SlipBatch.id == batch_id))
                state, total, done = batch.state, batch.total, batch.done
                db.session.remove()
                if state != "making":
                    break
                time.sleep(0.05)
        made_s = time.perf_counter() - started
        assert state == "ready", state
        with app.app_context():         # the floor: as many passwords hashed, nothing else
            started = time.perf_counter()
            hash_passwords([secrets.token_hex(4) for _ in range(done)])
            floor_s = time.perf_counter() - started
        pdf = client.get(f"/contests/slips/{batch_id}/file")
        assert pdf.status_code == 200 and pdf.data.startswith(b"%PDF"), pdf.status_code
        print(f"{total:,} slips ({done:,} fresh passwords at {method}), PDF {len(pdf.data) / 1024:.0f} KiB")
        print(f"floor (hash_passwords alone, every core): {floor_s:7.2f} s")
        print(f"slips batch, request to PDF ready:         {made_s:7.2f} s, ratio {made_s / floor_s:.2f}x floor")
        print(f"the organiser's request itself:            {request_s * 1000:7.1f} ms")
    return 0


if __name__ == "__main__":
    sys.exit(main())
