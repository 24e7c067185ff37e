"""Signs of life of running jobs: the worker writes them, the sweep reads them.

A running job's worker writes `heartbeat_at` every `EVERY` seconds from a thread of its own, so
a handler busy in one long step (an import's single transaction) still looks alive. A job
whose last sign of life is older than `STALE` lost its worker (killed, restarted, out of
memory) unless that worker is a process of this machine that still runs: on SQLite the job's
own write transaction blocks the heartbeat's write, so the process itself is asked.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
from datetime import timedelta

from django.db import DatabaseError, connection
from django.utils import timezone

logger = logging.getLogger(__name__)

EVERY = 10  # seconds between two signs of life
STALE = timedelta(seconds=60)  # no sign of life for this long: the worker is gone


def this_host() -> str:
    return socket.gethostname()[:255]


class Heartbeat:
    """`with Heartbeat(job_id):` writes the job's sign of life until the block ends."""

    def __init__(self, job_id: int, *, every: float = EVERY):
        self.job_id = job_id
        self.every = every
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name=f"job-{job_id}-heartbeat")
        self._thread.daemon = True  # never keeps a dying worker alive

    def __enter__(self) -> Heartbeat:
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()

    def _run(self) -> None:
        from .models import Job

        try:
            while not self._stop.wait(self.every):
                try:
                    Job.objects.filter(pk=self.job_id, status=Job.Status.RUNNING).update(
                        heartbeat_at=timezone.now()
                    )
                except DatabaseError:  # SQLite: the job's transaction holds the write lock
                    logger.debug("Job %s: heartbeat not written", self.job_id, exc_info=True)
        finally:
            connection.close()  # this thread's own connection


def process_alive(host: str, pid: int | None) -> bool:
    """Whether the process `pid` of this machine still runs; False for another machine's.

    POSIX only: on Windows os.kill would end the process instead of asking about it."""
    if not pid or host != this_host() or os.name != "posix":
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # another user's process (the web server asks the worker's)
        pass
    except OSError:
        return False
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii", errors="replace") as handle:
            state = handle.read().rsplit(")", 1)[-1].split()[0]
    except (OSError, IndexError):
        return True  # no /proc to ask: the process exists
    return state not in ("Z", "X")  # a killed child not yet reaped by its parent
