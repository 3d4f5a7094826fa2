"""Locust load profile of a programming round: contestants log in, open the problem, submit a C++
a+b solution through the JSON API, poll their submission until it is judged, and poll the
scoreboard API as the projector and the contestants' pages do.

    CONTEST_ID=1 CONTEST_PROBLEM_ID=1 CONTEST_USERS=ct00000,ct00001,... CONTEST_PASSWORD=... \\
        locust -f tests/load/locustfile_contest.py --host http://127.0.0.1:8000 -u 300 -r 10 -t 5m

The accounts and the round come from bench/_contest_stack.seed (or a real rehearsal). Each simulated
user takes the next account of CONTEST_USERS and submits about every CONTEST_SUBMIT_EVERY seconds
(never while its previous submission is still waiting). The ids of the submissions the server
acknowledged (201), with how many were attempted and refused, are written to CONTEST_ACK_FILE when locust quits, so a driver can count them
against the database.
"""
from __future__ import annotations

import itertools
import json
import os
import random
import re
import threading
import time

from locust import HttpUser, between, events, task

_CSRF = re.compile(r'csrf_token"[^>]*?value="([^"]+)"|data-csrf="([^"]+)"')
_accounts = itertools.cycle([u for u in os.environ.get("CONTEST_USERS", "").split(",") if u] or ["alice"])
_lock = threading.Lock()
CONTEST = int(os.environ.get("CONTEST_ID", "1"))
PROBLEM = int(os.environ.get("CONTEST_PROBLEM_ID", "1"))
PASSWORD = os.environ.get("CONTEST_PASSWORD", "mat-khau-123")
SUBMIT_EVERY = float(os.environ.get("CONTEST_SUBMIT_EVERY", "30"))
ACKNOWLEDGED: list[int] = []
TALLY = {"attempted": 0, "refused": 0}   # refused: any answer but 201, or none (timeout, reset)
SOURCE = ("// {user} #{n}\n#include <iostream>\n"
          "int main(){{long long a,b;std::cin>>a>>b;std::cout<<a+b<<'\\n';return 0;}}\n")


def _why(response) -> str:
    """The status, or for no answer at all (status 0) what went wrong on the way."""
    return str(response.status_code) if response.status_code else f"no answer: {type(response.error).__name__}"


def _token(html: str) -> str:
    match = _CSRF.search(html)
    return (match.group(1) or match.group(2)) if match else ""


@events.quitting.add_listener
def _write_acknowledged(environment, **_kw):
    path = os.environ.get("CONTEST_ACK_FILE")
    if path:
        with _lock, open(path, "w") as out:
            json.dump({"acknowledged": sorted(ACKNOWLEDGED), **TALLY}, out)


class Contestant(HttpUser):
    wait_time = between(1, 2)

    def on_start(self):
        with _lock:
            self.username = next(_accounts)
        self.pending = 0          # the submission being waited for
        self.sent = 0
        # the first submission comes at a random moment of the first period: not all at once
        self.next_submit = time.monotonic() + random.uniform(0, SUBMIT_EVERY)
        token = _token(self.client.get("/login", name="login page").text)
        with self.client.post("/login", data={"username": self.username, "password": PASSWORD, "csrf_token": token},
                              allow_redirects=False, name="login", catch_response=True) as response:
            if response.status_code != 302 or "/login" in response.headers.get("Location", ""):
                response.failure(f"login refused: {response.status_code}")
        self.csrf = _token(self.client.get(f"/contests/problems/{PROBLEM}", name="problem page").text)

    def _submit(self):
        self.sent += 1
        with _lock:
            TALLY["attempted"] += 1
        body = {"problem_id": PROBLEM, "language": "cpp17", "source": SOURCE.format(user=self.username, n=self.sent)}
        with self.client.post(f"/api/contests/{CONTEST}/submissions", json=body, name="submit",
                              headers={"X-CSRFToken": self.csrf}, catch_response=True) as response:
            if response.status_code != 201:
                response.failure(f"submit: {_why(response)} {(response.text or '')[:200]}")
                with _lock:
                    TALLY["refused"] += 1
                return
            self.pending = int(response.json()["id"])
            with _lock:
                ACKNOWLEDGED.append(self.pending)
        self.next_submit = time.monotonic() + random.uniform(0.5, 1.5) * SUBMIT_EVERY

    def _poll(self):
        with self.client.get(f"/api/submissions/{self.pending}", name="submission status",
                             catch_response=True) as response:
            if response.status_code != 200:
                response.failure(f"status: {_why(response)}")
                return
            data = response.json()
            if data.get("done"):
                if data.get("verdict") != "AC":
                    response.failure(f"a+b judged {data.get('verdict')}, not AC")
                self.pending = 0

    @task(3)
    def contest(self):
        if self.pending:
            self._poll()
        elif time.monotonic() >= self.next_submit:
            self._submit()

    @task(1)
    def scoreboard(self):
        with self.client.get(f"/api/contests/{CONTEST}/scoreboard", name="scoreboard",
                             catch_response=True) as response:
            if response.status_code != 200:
                response.failure(f"scoreboard: {_why(response)}")
