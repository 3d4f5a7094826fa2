"""Locust load profile of an exam session: candidates log in to the waiting room, poll its status
until the session is opened, start, then save an answer every few seconds (as the attempt page's
debounced saves do), sometimes reading the clock.

    EXAM_SESSION_ID=1 EXAM_USERS=ts00000,ts00001,... EXAM_PASSWORD=... \\
        locust -f tests/load/locustfile_exam.py --host http://127.0.0.1:8000 -u 1000 -r 50

The accounts and the session come from bench/_exam_stack.seed (or a real rehearsal). Each simulated
user takes the next account of EXAM_USERS.
"""
from __future__ import annotations

import itertools
import os
import re
import threading

from locust import HttpUser, between, task

_CSRF = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"|data-csrf="([^"]+)"')
_ITEM = re.compile(r'class="card mb-3 attempt-item" id="item-(\d+)"')
_accounts = itertools.cycle([u for u in os.environ.get("EXAM_USERS", "").split(",") if u] or ["learner"])
_lock = threading.Lock()
SESSION = int(os.environ.get("EXAM_SESSION_ID", "1"))
PASSWORD = os.environ.get("EXAM_PASSWORD", "mat-khau-123")


def _token(html: str) -> str:
    match = _CSRF.search(html)
    return (match.group(1) or match.group(2)) if match else ""


class Candidate(HttpUser):
    wait_time = between(1, 3)

    def on_start(self):
        with _lock:
            self.username = next(_accounts)
        self.attempt = 0
        self.items: list[int] = []
        self.seq = 0
        token = _token(self.client.get("/login", name="login page").text)
        response = self.client.post("/login", data={"username": self.username, "password": PASSWORD,
                                                    "csrf_token": token}, allow_redirects=False, name="login")
        if response.status_code != 302:
            response.failure(f"login refused: {response.status_code}")
        self.csrf = _token(self.client.get(f"/exams/sessions/{SESSION}/wait", name="waiting room").text)
        self.client.post(f"/exams/sessions/{SESSION}/check-in", data={"csrf_token": self.csrf},
                         allow_redirects=False, name="check-in")

    def _start(self):
        response = self.client.post(f"/exams/sessions/{SESSION}/start", data={"csrf_token": self.csrf},
                                    allow_redirects=False, name="start")
        location = response.headers.get("Location", "")
        if "/exams/attempts/" not in location:
            return
        self.attempt = int(location.rstrip("/").rsplit("/", 1)[1])
        html = self.client.get(f"/exams/attempts/{self.attempt}", name="attempt page").text
        self.items = [int(i) for i in _ITEM.findall(html)]
        self.csrf = _token(html) or self.csrf

    @task
    def exam(self):
        if not self.attempt:
            status = self.client.get(f"/exams/sessions/{SESSION}/status.json", name="waiting status").json()
            if status.get("opened"):
                self._start()
            return
        if not self.items:
            return
        self.seq += 1
        item = self.items[self.seq % len(self.items)]
        with self.client.post(f"/exams/attempts/{self.attempt}/answers", name="save",
                              json={"seq": self.seq, "answers": [{"item": item, "response": self.seq % 2}]},
                              headers={"X-CSRFToken": self.csrf}, catch_response=True) as response:
            if response.status_code != 200:
                response.failure(f"save {self.seq}: {response.status_code} {response.text[:200]}")
        if self.seq % 10 == 0:
            self.client.get(f"/exams/attempts/{self.attempt}/clock", name="clock")
