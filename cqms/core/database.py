"""Database upkeep that SQLite needs and PostgreSQL does by itself, and the binding of integers
on PostgreSQL."""

from __future__ import annotations

import datetime as dt
import functools
import logging
import time
from contextlib import contextmanager

from django.db import DEFAULT_DB_ALIAS, connections, transaction
from django.utils import timezone
from psycopg.errors import NumericValueOutOfRange
from psycopg.types import numeric

logger = logging.getLogger(__name__)

SCHEDULE_NAME = "cqms.refresh_statistics"


# --- A busy database ---------------------------------------------------------------------------

# SQLite after its busy timeout; PostgreSQL lock timeout, deadlock, serialisation failure.
BUSY_TEXTS = ("database is locked", "database table is locked", "database is busy")
BUSY_SQLSTATES = {"55P03", "40P01", "40001"}
RETRY_AFTER_SECONDS = 5


def is_busy(error: BaseException) -> bool:
    """Whether `error` means "another writer holds the lock, try again" rather than a bug."""
    from django.db.utils import OperationalError

    if not isinstance(error, OperationalError):
        return False
    cause = error.__cause__ or error
    if getattr(cause, "sqlstate", None) in BUSY_SQLSTATES:
        return True
    text = str(error).lower()
    return any(busy in text for busy in BUSY_TEXTS)


def retry_when_busy(attempts: int = 3, wait: float = 2.0):
    """Run idempotent work (a scheduled task) again when the database was busy, outside any
    transaction only: a transaction that failed must be rolled back by its caller first."""

    def decorator(func):
        @functools.wraps(func)
        def wrapper(*args, **kwargs):
            for attempt in range(1, attempts + 1):
                try:
                    return func(*args, **kwargs)
                except Exception as error:
                    if attempt == attempts or not is_busy(error):
                        raise
                    if transaction.get_connection().in_atomic_block:
                        raise
                    logger.warning("%s: database busy, trying again", func.__qualname__)
                    time.sleep(wait * attempt)
            return None  # pragma: no cover

        return wrapper

    return decorator


@retry_when_busy()
def refresh_statistics(using: str = DEFAULT_DB_ALIAS) -> str:
    """Give SQLite's query planner fresh statistics. Without them it may pick the wrong index
    and sort a whole table for one page (measured in bench/: 243 ms -> under 1 ms). PostgreSQL's
    autovacuum analyses on its own."""
    connection = connections[using]
    if connection.vendor != "sqlite":
        return "not needed"
    with connection.cursor() as cursor:
        # A full analysis: sampled statistics (analysis_limit) misjudged the department index
        # badly enough to sort 100,000 rows again. It takes 0.3 s at 100,000 customers.
        cursor.execute("ANALYZE")
    return "analysed"


@contextmanager
def custom_plans(using: str = DEFAULT_DB_ALIAS):
    """PostgreSQL plans the statements of this block for their parameters.

    A prepared statement (ADR 0013) may run on a generic plan, made for any parameters. For a
    list filtered by customer that plan expects an average customer: for the customer with
    38,000 complaints it joined and sorted every open complaint to show 25 (17 ms instead of
    0.3 ms). Used as a decorator on such lists; other databases plan every statement anyway.
    """
    connection = connections[using]
    if connection.vendor != "postgresql":
        yield
        return
    with transaction.atomic(using=using):
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL plan_cache_mode = force_custom_plan")
        yield


def checked_integer_dumpers(sender, connection, **kwargs) -> None:
    """Integers bound on the server reach PostgreSQL whole, or not at all.

    Django wraps the value of every integer field in psycopg's Int2/Int4/Int8 (its column's
    type). With parameters bound on the server (ADR 0013) psycopg sends them in binary, and its
    C dumpers cast the Python int to a 16/32-bit C integer, keeping the low bits: 4294967301
    (2**32 + 5) was stored as 5, 3000000000 arrived negative, and beyond 64 bits the dumper
    raised OverflowError. Bound on the client, the same value goes out as text and PostgreSQL
    refuses it. These dumpers refuse it the way PostgreSQL does (a DataError). Connected to
    `connection_created`, so every connection gets them.
    """
    if connection.vendor != "postgresql":
        return
    for wrapper, dumper in _CHECKED_DUMPERS.items():
        connection.connection.adapters.register_dumper(wrapper, dumper)


def _checked_dumper(base: type, type_name: str, bits: int) -> type:
    low, high = -(2 ** (bits - 1)), 2 ** (bits - 1) - 1

    class Checked(base):
        def dump(self, obj):
            if not low <= obj <= high:
                raise NumericValueOutOfRange(
                    f'value "{int(obj)}" is out of range for type {type_name}'
                )
            return super().dump(obj)

    Checked.__name__ = f"Checked{base.__name__}"
    return Checked


_CHECKED_DUMPERS = {
    numeric.Int2: _checked_dumper(numeric.Int2BinaryDumper, "smallint", 16),
    numeric.Int4: _checked_dumper(numeric.Int4BinaryDumper, "integer", 32),
    numeric.Int8: _checked_dumper(numeric.Int8BinaryDumper, "bigint", 64),
}


def after_migrate(sender, using=DEFAULT_DB_ALIAS, **kwargs) -> None:
    """Statistics after every migration, and a nightly refresh by the job worker."""
    from django_q.models import Schedule

    refresh_statistics(using)
    tomorrow = timezone.localdate() + dt.timedelta(days=1)
    Schedule.objects.using(using).get_or_create(
        name=SCHEDULE_NAME,
        defaults={
            "func": "cqms.core.database.refresh_statistics",
            "schedule_type": Schedule.DAILY,
            "next_run": timezone.make_aware(dt.datetime.combine(tomorrow, dt.time(2, 30))),
            "repeats": -1,
        },
    )
