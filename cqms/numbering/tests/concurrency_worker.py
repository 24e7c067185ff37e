"""One process of the concurrency test: allocates numbers, one transaction each.

    python -m cqms.numbering.tests.concurrency_worker RECORD_TYPE COUNT YYYY-MM-DD

Prints "ready" once connected, waits for "go" on standard input so that all processes start
together, then prints each number after its transaction has committed. The database comes from
the environment (DATABASE_URL), like every CQMS process.
"""

from __future__ import annotations

import datetime as dt
import random
import sys
import time


def main(argv: list[str]) -> int:
    record_type, count, day = argv[1], int(argv[2]), dt.date.fromisoformat(argv[3])

    import django

    django.setup()

    from django.db import connection, transaction

    from cqms.numbering import services

    connection.ensure_connection()
    print("ready", flush=True)
    if sys.stdin.readline().strip() != "go":
        return 2
    for _ in range(count):
        with transaction.atomic():
            number = services.next_number(record_type, at=day)
        print(number, flush=True)
        # Requests do not arrive back to back: a short pause lets the processes waiting for
        # SQLite's write lock in, so their allocations interleave as on PostgreSQL.
        time.sleep(random.uniform(0, 0.004))
    connection.close()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
