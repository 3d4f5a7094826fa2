"""Configuration read from the environment when the app is created, never at import time."""
from __future__ import annotations

import os
import secrets
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def _secret_key(instance_path: Path) -> str:
    """SECRET_KEY from the environment, else one generated once and kept in instance/."""
    if os.environ.get("SECRET_KEY"):
        return os.environ["SECRET_KEY"]
    instance_path.mkdir(parents=True, exist_ok=True)
    key_file = instance_path / "secret_key"
    if not key_file.exists():
        key_file.write_text(secrets.token_hex(32))
        key_file.chmod(0o600)
    return key_file.read_text().strip()


class Config:
    """Production-like defaults; every value can come from an environment variable."""

    TESTING = False

    def __init__(self, instance_path: str | Path):
        instance = Path(instance_path)
        self.SECRET_KEY = _secret_key(instance)
        self.SQLALCHEMY_DATABASE_URI = os.environ.get(
            "DATABASE_URL", f"sqlite:///{instance / 'tinhoc.sqlite3'}")
        # No ping before each request (it is one more round trip on every request, a fifth of an
        # exam save's time): connections are renewed every half hour (idle firewalls), and after a
        # database restart SQLAlchemy discards the whole pool at the first failed query, so one request
        # per web process fails (a save is sent again by the attempt page). DB_POOL_PRE_PING=1 restores it.
        self.SQLALCHEMY_ENGINE_OPTIONS = {"pool_pre_ping": _bool("DB_POOL_PRE_PING", False),
                                          "pool_recycle": int(os.environ.get("DB_POOL_RECYCLE", 1800))}
        self.REDIS_URL = os.environ.get("REDIS_URL", "")
        self.CELERY_BROKER_URL = os.environ.get("CELERY_BROKER_URL", self.REDIS_URL)
        # Flask-Limiter keeps its counters in Redis when there is one, so all web processes share them.
        self.RATELIMIT_STORAGE_URI = os.environ.get(
            "RATELIMIT_STORAGE_URI", self.REDIS_URL or "memory://")
        self.RATELIMIT_HEADERS_ENABLED = True
        # Login limits: an exam room of 45 machines behind one NAT address logging in within a
        # minute must never be refused, so the per-address limit is far above that.
        # Failed logins: strict per (account, address) so a classmate on another machine cannot lock a
        # candidate out, with a looser ceiling per account against guessing spread over many addresses.
        self.LOGIN_LIMIT_PER_ACCOUNT_ADDRESS = os.environ.get("LOGIN_LIMIT_PER_ACCOUNT_ADDRESS",
                                                              "10 per minute;50 per hour")
        self.LOGIN_LIMIT_PER_ACCOUNT = os.environ.get("LOGIN_LIMIT_PER_ACCOUNT", "30 per minute;200 per hour")
        self.LOGIN_LIMIT_PER_ADDRESS = os.environ.get("LOGIN_LIMIT_PER_ADDRESS", "300 per minute;3000 per hour")
        # Served over HTTPS: secure cookies and an HSTS header (SESSION_COOKIE_SECURE is the older name).
        self.HTTPS = _bool("HTTPS_ONLY", _bool("SESSION_COOKIE_SECURE", False))
        self.SESSION_COOKIE_SECURE = self.HTTPS
        self.SESSION_COOKIE_HTTPONLY = True
        self.SESSION_COOKIE_SAMESITE = os.environ.get("SESSION_COOKIE_SAMESITE", "Lax")
        self.REMEMBER_COOKIE_SECURE = self.SESSION_COOKIE_SECURE
        self.PREFERRED_URL_SCHEME = "https" if self.SESSION_COOKIE_SECURE else "http"
        self.BABEL_DEFAULT_LOCALE = os.environ.get("BABEL_DEFAULT_LOCALE", "vi")
        self.BABEL_DEFAULT_TIMEZONE = os.environ.get("BABEL_DEFAULT_TIMEZONE", "Asia/Ho_Chi_Minh")
        self.BABEL_TRANSLATION_DIRECTORIES = str(ROOT / "translations")
        self.LANGUAGES = ["vi", "en"]
        # Number of reverse proxies in front of the app whose X-Forwarded-* headers are trusted (0: none).
        self.PROXY_FIX_HOPS = int(os.environ.get("PROXY_FIX_HOPS", "0") or 0)
        self.MAX_CONTENT_LENGTH = int(os.environ.get("MAX_CONTENT_LENGTH", 64 * 1024 * 1024))
        # pbkdf2 iterations: chosen with bench/login_throughput.py so that a wave of logins stays fast
        # on 2 cores while keeping offline guessing expensive (see README).
        self.PASSWORD_HASH_METHOD = os.environ.get("PASSWORD_HASH_METHOD", "pbkdf2:sha256:200000")
        self.WTF_CSRF_TIME_LIMIT = None  # an exam can last longer than the default hour
        # Certificates: the Ed25519 signing key (PEM text or a PEM file's path; generated once into
        # instance/ when unset), the issuer printed on them, the site's public address for QR codes
        # (else the request's host) and the limit on the public verification pages per client address.
        self.CERTIFICATE_SIGNING_KEY = os.environ.get("CERTIFICATE_SIGNING_KEY", "")
        self.CERTIFICATE_ISSUER_NAME = os.environ.get("CERTIFICATE_ISSUER_NAME", "Sở Thông tin và Truyền thông")
        self.PUBLIC_URL = os.environ.get("PUBLIC_URL", "")
        self.CERTIFICATE_VERIFY_LIMIT = os.environ.get("CERTIFICATE_VERIFY_LIMIT", "30 per minute;300 per hour")
        # Contests: submissions per contestant per minute; how judge jobs run ("pool", "celery", or
        # "none" to leave them queued; empty: Celery when CELERY_BROKER_URL is set, else the in-process
        # pool); whether the site queues again, at start-up, every submission still without a result.
        self.CONTEST_SUBMIT_LIMIT = os.environ.get("CONTEST_SUBMIT_LIMIT", "6 per minute")
        self.CONTEST_JUDGE_VIA = os.environ.get("CONTEST_JUDGE_VIA", "")
        # Free candidates' self-registration, per client address: registrations made (a school room
        # behind one address is a class of candidates; a script making accounts is stopped), and
        # attempts of any outcome (a form refused for a typo counts only here).
        self.CONTEST_FREE_REGISTER_LIMIT = os.environ.get("CONTEST_FREE_REGISTER_LIMIT", "30 per hour;100 per day")
        self.CONTEST_FREE_ATTEMPT_LIMIT = os.environ.get("CONTEST_FREE_ATTEMPT_LIMIT", "120 per hour")
        self.CONTEST_REQUEUE_ON_START = _bool("CONTEST_REQUEUE_ON_START", True)
        # a pending submission claimed by one starting process is left alone by the others for this long
        self.CONTEST_REQUEUE_CLAIM_SECONDS = float(os.environ.get("CONTEST_REQUEUE_CLAIM_SECONDS", "60"))
        # Through Celery a start-up follows a pending submission's task rather than send it again;
        # one still PENDING (queued, or lost by the broker: Celery cannot tell) this long after it
        # was sent is sent again.
        self.CONTEST_JUDGE_RESEND_SECONDS = float(os.environ.get("CONTEST_JUDGE_RESEND_SECONDS", "900"))
        # a submission whose job did not reach the judge (status "error") is sent again by the next
        # poll of its page this long after (recovery.revive_if_lost), not only at the next start-up
        self.CONTEST_JUDGE_RETRY_SECONDS = float(os.environ.get("CONTEST_JUDGE_RETRY_SECONDS", "30"))
        # Organisers' long jobs (verifying a problem package, a rejudge preview) run off the request:
        # "thread" (default), "inline" (in the request, as the tests do) or "none"; how many at once
        # per web process (contests/background.py).
        self.CONTEST_BACKGROUND_VIA = os.environ.get("CONTEST_BACKGROUND_VIA", "thread")
        # Login slips: above this many fresh passwords they are made off the request (a background
        # job, as above); the PDF (it holds passwords) is kept this long for its requester, here.
        self.CONTEST_SLIPS_INLINE = int(os.environ.get("CONTEST_SLIPS_INLINE", "60"))
        self.CONTEST_SLIPS_KEEP_SECONDS = float(os.environ.get("CONTEST_SLIPS_KEEP_SECONDS", "3600"))
        self.CONTEST_SLIPS_DIR = os.environ.get("CONTEST_SLIPS_DIR", "")
        self.CONTEST_BACKGROUND_WORKERS = int(os.environ.get("CONTEST_BACKGROUND_WORKERS", "2"))
        # a rejudge preview keeps at most this many jobs in the judge's queue (contestants go on)
        self.CONTEST_REJUDGE_WINDOW = int(os.environ.get("CONTEST_REJUDGE_WINDOW", "2"))
        # such a job whose heartbeat stopped this long ago (its process died) is taken up again
        self.CONTEST_BACKGROUND_STALE_SECONDS = float(os.environ.get("CONTEST_BACKGROUND_STALE_SECONDS", "60"))
        # the judge's "test k of n" reaches the submission's row at most this often (seconds)
        self.CONTEST_PROGRESS_INTERVAL = float(os.environ.get("CONTEST_PROGRESS_INTERVAL", "0.25"))
        self.CONTEST_PACKAGE_DIR = os.environ.get("CONTEST_PACKAGE_DIR", "")
        # Creative products (division D): the largest .zip a team may upload, and where they are kept.
        self.CONTEST_PRODUCT_MAX_BYTES = int(os.environ.get("CONTEST_PRODUCT_MAX_BYTES", 50 * 1024 * 1024))
        self.CONTEST_PRODUCT_DIR = os.environ.get("CONTEST_PRODUCT_DIR", "")
        # The board re-reads its rounds' state at most this often per web process (seconds).
        self.CONTEST_BOARD_STATE_TTL = float(os.environ.get("CONTEST_BOARD_STATE_TTL", "0.5"))
        # The targets dashboard keeps every unit's figures per web process at most this long (seconds;
        # 0: count on every view). This process's own changes drop them at once; the page shows their age.
        self.TARGETS_FIGURES_TTL = float(os.environ.get("TARGETS_FIGURES_TTL", "300"))
        # Freeze what start-up built out of the garbage collector's reach (create_app's last step).
        self.GC_FREEZE_AT_START = _bool("GC_FREEZE_AT_START", True)


class TestConfig(Config):
    """Isolated settings for the test suite: database from TEST_DATABASE_URL or an in-memory SQLite."""

    TESTING = True

    def __init__(self, instance_path: str | Path):
        os.environ.setdefault("SECRET_KEY", "test-secret")
        super().__init__(instance_path)
        self.SQLALCHEMY_DATABASE_URI = os.environ.get("TEST_DATABASE_URL") or "sqlite://"
        self.REDIS_URL = os.environ.get("TEST_REDIS_URL", "")
        self.RATELIMIT_STORAGE_URI = "memory://"
        self.WTF_CSRF_ENABLED = False
        self.PASSWORD_HASH_METHOD = "pbkdf2:sha256:1000"  # fast tests; production keeps the strong default
        self.SERVER_NAME = None
        self.CONTEST_JUDGE_VIA = "none"          # tests that judge for real set "pool"
        self.CONTEST_BACKGROUND_VIA = "inline"   # uploads and rejudge previews settle in their request
        self.CONTEST_REQUEUE_ON_START = False    # tests call contests.recovery.requeue_pending themselves
        self.CONTEST_BOARD_STATE_TTL = 0.0       # a result shows at once
        self.TARGETS_FIGURES_TTL = 0.0           # live figures; the cache's own tests turn it on
        self.GC_FREEZE_AT_START = False          # thousands of apps in one process: let them be collected
