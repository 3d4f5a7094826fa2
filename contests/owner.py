"""Which web process holds a submission's job in its in-process judge pool, and whether it lives.

The pool's queue lives in the process: when the process dies its jobs are gone and must be sent
again (by the next start-up, or by a page polling the submission); while it lives, sending them
again only judges them twice. gunicorn restarts one worker (killed, out of memory) while its
siblings go on: the new worker must take up the dead one's jobs, not the siblings'.

A token names a process: host, pid and the process's start time (Linux /proc), so that a pid a later
process reuses is not taken for the dead one. A token of this host is "alive" or "dead"; one of
another host is "unknown" (nothing here can tell), and the caller falls back on its time window.
"""
from __future__ import annotations

import os
import socket

ALIVE, DEAD, UNKNOWN = "alive", "dead", "unknown"

_token: tuple[int, str] | None = None


def _stat(pid: int) -> tuple[str, str] | None:
    """(state, start time in clock ticks since boot) of a process, from /proc/<pid>/stat, or None."""
    try:
        with open(f"/proc/{pid}/stat", "rb") as f:
            stat = f.read().decode("ascii", "replace")
    except OSError:
        return None
    fields = stat[stat.rfind(")") + 2:].split()     # the name (field 2) may hold spaces and parentheses
    return (fields[0], fields[19]) if len(fields) > 19 else None


def _start_time(pid: int) -> str | None:
    found = _stat(pid)
    return found[1] if found else None


def token() -> str:
    """This process's token (computed again after a fork: gunicorn forks its workers)."""
    global _token
    pid = os.getpid()
    if _token is None or _token[0] != pid:
        _token = (pid, f"{socket.gethostname()}:{pid}:{_start_time(pid) or 0}")
    return _token[1]


def state(owner: str | None) -> str:
    """ALIVE, DEAD or UNKNOWN (another host, or a token this version did not write)."""
    parts = (owner or "").rsplit(":", 2)
    if len(parts) != 3 or not parts[1].isdigit():
        return UNKNOWN
    host, pid, started = parts[0], int(parts[1]), parts[2]
    if host != socket.gethostname():
        return UNKNOWN
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return DEAD
    except PermissionError:    # alive, another user's
        pass
    found = _stat(pid)
    if found is not None:
        if found[0] in ("Z", "X"):
            return DEAD        # killed, not yet reaped by its parent (gunicorn's master)
        if started != "0" and found[1] != started:
            return DEAD        # the pid was reused by a later process
    return ALIVE


__all__ = ["ALIVE", "DEAD", "UNKNOWN", "state", "token"]
