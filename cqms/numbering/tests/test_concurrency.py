"""Acceptance: many concurrent requests for new numbers never receive the same number.

Real OS processes allocate numbers for one rule at the same time against the test database
(SQLite file or PostgreSQL), each number in its own transaction. The result must be exactly
1..N: no duplicates and no gaps.
"""

import os
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import quote

import pytest
from django.conf import settings
from django.db import connection

from cqms.numbering.models import NumberingRule

PROCESSES = 8
PER_PROCESS = 50
RECORD_TYPE = "test-concurrent"


def database_url() -> str:
    """The URL of the database this test runs on, for the worker processes."""
    db = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{Path(db['NAME']).resolve()}"
    if connection.vendor == "postgresql":
        credentials = quote(db["USER"] or "", safe="")
        if db["PASSWORD"]:
            credentials += ":" + quote(db["PASSWORD"], safe="")
        host = db["HOST"] or "localhost"
        port = f":{db['PORT']}" if db["PORT"] else ""
        return f"postgres://{credentials}@{host}{port}/{quote(db['NAME'], safe='')}"
    pytest.skip(f"no worker set-up for {connection.vendor}")


def start_workers(day: str) -> list[subprocess.Popen]:
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "cqms.settings",
        "DATABASE_URL": database_url(),
    }
    return [
        subprocess.Popen(
            [
                sys.executable,
                "-m",
                "cqms.numbering.tests.concurrency_worker",
                RECORD_TYPE,
                str(PER_PROCESS),
                day,
            ],
            cwd=settings.BASE_DIR,
            env=env,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(PROCESSES)
    ]


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_concurrent_processes_never_get_the_same_number():
    NumberingRule.objects.create(
        record_type=RECORD_TYPE,
        prefix="KS",
        date_format="yyyy",
        separator="-",
        width=4,
        reset="yearly",
    )
    workers = start_workers("2026-03-05")
    try:
        for worker in workers:
            line = worker.stdout.readline().strip()
            assert line == "ready", worker.stderr.read()
        started = time.monotonic()
        for worker in workers:  # all are waiting: release them together
            worker.stdin.write("go\n")
            worker.stdin.flush()
        outputs = []
        for worker in workers:
            out, err = worker.communicate(timeout=120)
            assert worker.returncode == 0, err
            outputs.append(out.split())
        elapsed = time.monotonic() - started
    finally:
        for worker in workers:
            if worker.poll() is None:
                worker.kill()
                worker.wait()

    numbers = [number for output in outputs for number in output]
    total = PROCESSES * PER_PROCESS
    assert len(numbers) == total
    assert len(set(numbers)) == total, "the same number was issued twice"
    assert set(numbers) == {f"KS2026-{value:04d}" for value in range(1, total + 1)}, "gap"
    # The processes really overlapped: their numbers are not one contiguous block each.
    interleaved = sum(
        1
        for output in outputs
        if (values := sorted(int(n.rsplit("-", 1)[1]) for n in output))
        and values[-1] - values[0] + 1 != len(values)
    )
    print(
        f"\n{connection.vendor}: {PROCESSES} processes x {PER_PROCESS} numbers in "
        f"{elapsed:.1f} s, {interleaved} processes interleaved"
    )
    assert interleaved >= 2, "the processes ran one after another, not concurrently"
