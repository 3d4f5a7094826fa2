"""Live progress of one judging: compiling, then test k of n, then (through the result) the verdict.

`judge(job, progress=callback)` calls the callback with a `JudgeProgress` before compiling and before
each test it runs (tests a failed group skips are never announced). A progress report is advice: a
callback that raises is logged and judging goes on with the same result, and a report may arrive
after the result (Celery delivers them on another channel), so whoever stores them must never let
one overwrite a stored verdict.

`throttled(callback, interval)` forwards a stage change at once and test reports at most once per
`interval` seconds (a report inside the interval is dropped): a problem with 100 fast tests costs a
handful of writes, not 100.
"""
from __future__ import annotations

import logging
import threading
import time
from dataclasses import asdict, dataclass
from typing import Callable

log = logging.getLogger(__name__)

COMPILING = "compiling"
TESTING = "testing"
STAGES = (COMPILING, TESTING)


@dataclass(frozen=True)
class JudgeProgress:
    stage: str            # COMPILING or TESTING
    test: int = 0         # 1-based number of the test now running (TESTING only)
    tests: int = 0        # how many tests the package has
    name: str = ""        # the name of the test now running (TESTING only), e.g. "sample/1"
    # the tests finished so far, in the order run: {"name", "verdict", "time", "memory"} each (no
    # checker words: they are the jury's until the result says which the contestant may see). Each
    # report carries them all, so a report dropped by the throttle loses nothing.
    finished: tuple = ()

    __test__ = False

    def to_dict(self) -> dict:
        d = asdict(self)
        d["finished"] = [dict(row) for row in self.finished]
        return d

    @classmethod
    def from_dict(cls, d: dict) -> "JudgeProgress":
        stage = d.get("stage")
        if stage not in STAGES:
            raise ValueError(f"unknown judging stage {stage!r}")
        finished = tuple({"name": str(r["name"]), "verdict": str(r["verdict"]), "time": float(r["time"]),
                          "memory": int(r["memory"])} for r in d.get("finished") or ())
        return cls(stage=stage, test=int(d.get("test") or 0), tests=int(d.get("tests") or 0),
                   name=str(d.get("name") or ""), finished=finished)


ProgressCallback = Callable[[JudgeProgress], None]


def report(callback: ProgressCallback | None, event: JudgeProgress) -> None:
    """Call the callback; its failure never reaches the judging."""
    if callback is None:
        return
    try:
        callback(event)
    except Exception:  # noqa: BLE001 - progress is advice: the result must not depend on it
        log.warning("progress callback failed for %s", event, exc_info=True)


def throttled(callback: ProgressCallback, interval: float, *,
              clock: Callable[[], float] = time.monotonic) -> ProgressCallback:
    """Forward stage changes at once and test reports at most every `interval` seconds."""
    lock = threading.Lock()
    state = {"stage": None, "at": float("-inf")}

    def forward(event: JudgeProgress) -> None:
        now = clock()
        with lock:
            if event.stage == state["stage"] and now - state["at"] < interval:
                return
            state["stage"], state["at"] = event.stage, now
        callback(event)
    return forward


__all__ = ["COMPILING", "TESTING", "JudgeProgress", "ProgressCallback", "report", "throttled"]
