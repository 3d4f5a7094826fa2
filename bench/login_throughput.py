"""Logins per second through the whole request, for the configured password hash and alternatives.

Floor: the same login request with a trivially cheap hash (pbkdf2, 1 iteration), measured in the
same run, so the ratio shows what the hash itself costs. A wave of exam candidates logging in is
bounded by this figure times the number of web processes (cores).

    python bench/login_throughput.py [--quick]
"""
from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

CANDIDATES = ["pbkdf2:sha256:1", "pbkdf2:sha256:100000", "pbkdf2:sha256:200000", "pbkdf2:sha256:600000", "scrypt"]


def measure(method: str, logins: int) -> float:
    """Seconds per successful login (POST /login with a correct password) using `method`."""
    from tinhoc import create_app
    from tinhoc.accounts import services
    from tinhoc.extensions import db

    with tempfile.TemporaryDirectory() as tmp:
        app = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp}/bench.sqlite3", "WTF_CSRF_ENABLED": False,
                          "PASSWORD_HASH_METHOD": method, "LOGIN_LIMIT_PER_ADDRESS": "100000 per minute",
                          "LOGIN_LIMIT_PER_ACCOUNT": "100000 per minute", "RATELIMIT_STORAGE_URI": "memory://"})
        with app.app_context():
            db.create_all()
            for i in range(logins):
                services.create_user(None, username=f"u{i}", full_name="U", password="mat-khau-123",
                                     roles=["learner"], must_change_password=False)
        started = time.perf_counter()
        for i in range(logins):
            client = app.test_client()
            response = client.post("/login", data={"username": f"u{i}", "password": "mat-khau-123"})
            assert response.status_code == 302, response.status_code
        return (time.perf_counter() - started) / logins


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="few logins, for CI")
    args = parser.parse_args()
    os.environ.setdefault("SECRET_KEY", "bench")
    logins = 10 if args.quick else 60
    from tinhoc.config import Config
    configured = Config(tempfile.mkdtemp()).PASSWORD_HASH_METHOD
    floor = measure(CANDIDATES[0], logins)
    print(f"floor (pbkdf2, 1 iteration): {floor * 1000:.1f} ms/login, {1 / floor:.0f} logins/s per process")
    for method in CANDIDATES[1:]:
        per = measure(method, logins)
        mark = "  <- configured" if method == configured else ""
        print(f"{method:24s} {per * 1000:7.1f} ms/login {1 / per:7.1f} logins/s per process"
              f"  ratio {per / floor:5.1f}x floor{mark}")
    cores = os.cpu_count() or 1
    configured_per = measure(configured, logins)
    print(f"configured {configured}: {1 / configured_per:.1f} logins/s per process, "
          f"about {cores / configured_per:.0f} logins/s on {cores} cores; "
          f"3000 candidates log in within {3000 * configured_per / cores:.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
