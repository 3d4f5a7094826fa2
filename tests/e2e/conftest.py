"""Browser tests: a real server (flask db upgrade + seed-demo + flask run on SQLite) and Debian's
chromium driven headless by Playwright (never `playwright install`)."""
from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
DEMO_PASSWORD = "tinhoc-demo"


def pytest_collection_modifyitems(config, items):
    for item in items:
        if "/e2e/" in str(item.fspath):
            item.add_marker(pytest.mark.e2e)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="session")
def live_env(tmp_path_factory) -> dict:
    """The live server's environment (its SQLite file, instance dir and secret): a test that needs data
    the demo seed lacks runs a script with it (`run_in_live_app`) against the same database."""
    tmp = tmp_path_factory.mktemp("live")
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "TEST_DATABASE_URL", "REDIS_URL")}
    env.update(DATABASE_URL=f"sqlite:///{tmp}/demo.sqlite3", SECRET_KEY="e2e-secret", TINHOC_INSTANCE_PATH=str(tmp),
               FLASK_APP="tinhoc", PYTHONUNBUFFERED="1")
    return env


@pytest.fixture
def run_in_live_app(live_server, live_env):
    """run_in_live_app("python code") runs the code inside the live app's context (services, db) in a
    separate process on the live server's database and returns what it printed."""
    def run(code: str) -> str:
        script = "from tinhoc import create_app\napp = create_app()\nwith app.app_context():\n" + "".join(
            "    " + line + "\n" for line in code.strip().splitlines())
        done = subprocess.run([sys.executable, "-c", script], cwd=ROOT, env=live_env, capture_output=True,
                              text=True, timeout=120)
        assert done.returncode == 0, done.stdout + done.stderr
        return done.stdout
    return run


@pytest.fixture(scope="session")
def live_server(live_env):
    """The app as `make demo` serves it, on a free port, with its own SQLite file and instance dir."""
    env = live_env
    tmp = Path(env["TINHOC_INSTANCE_PATH"])
    flask = [sys.executable, "-m", "flask", "--app", "tinhoc"]
    for args in (["db", "upgrade"], ["tinhoc", "seed-demo"]):
        done = subprocess.run(flask + args, cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)
        assert done.returncode == 0, done.stdout + done.stderr
    port = _free_port()
    log = open(tmp / "server.log", "w")
    server = subprocess.Popen(flask + ["run", "--host", "127.0.0.1", "--port", str(port), "--no-reload"],
                              cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while True:
        try:
            urllib.request.urlopen(url + "/login", timeout=2)
            break
        except OSError:
            if time.monotonic() > deadline or server.poll() is not None:
                server.kill()
                pytest.fail("the live server did not start:\n" + (tmp / "server.log").read_text())
            time.sleep(0.2)
    yield url
    server.terminate()
    try:
        server.wait(timeout=10)
    except subprocess.TimeoutExpired:
        server.kill()
    log.close()


@pytest.fixture(scope="session")
def browser():
    if not (os.path.exists(CHROMIUM) or shutil.which(CHROMIUM)):
        pytest.skip(f"no chromium at {CHROMIUM} (.ci/run installs Debian's chromium)")
    from playwright.sync_api import sync_playwright
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, headless=True,
                                    args=["--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu"])
        yield browser
        browser.close()


@pytest.fixture
def allowed_failures() -> list[tuple[int, str]]:
    """(status, part of the URL) of sub-resource answers a test provokes on purpose (e.g. a save sent
    with a stale CSRF token); any other 4xx/5xx still fails the test."""
    return []


@pytest.fixture
def page(browser, allowed_failures):
    """A fresh browser context per test; any console error or page error fails the test."""
    context = browser.new_context(locale="vi-VN", accept_downloads=True)
    page = context.new_page()
    problems: list[str] = []

    def on_console(msg):
        # A page answered with 401/422 on purpose (wrong password, refused file) is logged by chromium as
        # "Failed to load resource"; broken sub-resources are caught by on_response below instead.
        if msg.type == "error" and not msg.text.startswith("Failed to load resource"):
            problems.append(f"console error: {msg.text}")

    def on_response(response):
        if response.request.resource_type != "document" and response.status >= 400 and not any(
                status == response.status and part in response.url for status, part in allowed_failures):
            problems.append(f"{response.status} for {response.url}")

    page.on("console", on_console)
    page.on("response", on_response)
    page.on("pageerror", lambda exc: problems.append(f"page error: {exc}"))
    page.set_default_timeout(15_000)
    yield page
    context.close()
    assert not problems, problems


@pytest.fixture
def login_as(page, live_server):
    def do(username: str, password: str = DEMO_PASSWORD):
        page.goto(live_server + "/login")
        page.fill("input[name=username]", username)
        page.fill("input[name=password]", password)
        page.click("button[type=submit]")
        page.wait_for_url(lambda url: "/login" not in url)
    return do
