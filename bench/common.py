"""What the benchmark's seed and runner share: where the benchmark database lives, the benchmark
logins, and setting up Django against that database only (never the developer's `data/`)."""

from __future__ import annotations

import os
import sys
import warnings
from pathlib import Path
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_DATA_DIR = ROOT / "bench" / "data"

# The benchmark logins. Fixed and printed: the benchmark database holds fictional data only.
PASSWORD = "Bench-Pass-2026"  # noqa: S105
ADMIN = "bench_admin"  # administrator role: data scope "all"
SALES = "bench_sales"  # salesperson role: data scope "own", about 2 % of the customers
MANAGER = "bench_manager"  # sales manager role: data scope "department and below"

# A brand word in about 1 % of the customers' Chinese names (seed.py prints the real share).
SEARCH_TERM = "恒达"
DEFAULT_CUSTOMERS = 100_000


class BenchError(Exception):
    """A problem the user must fix (printed without a traceback)."""


def database_name() -> str:
    """The PostgreSQL database named by DATABASE_URL, or "" for the embedded SQLite file."""
    url = os.environ.get("DATABASE_URL", "")
    return urlsplit(url).path.lstrip("/") if url else ""


def check_database() -> None:
    """Refuse any database that is not clearly a benchmark database: seeding writes 100,000
    customers and `--reset` drops every table."""
    url = os.environ.get("DATABASE_URL", "")
    if url and "bench" not in database_name():
        raise BenchError(
            f"DATABASE_URL names the database {database_name()!r}. The benchmark only uses a "
            "database whose name contains 'bench' (for example cqms_bench), so it never "
            "touches real data."
        )


def bench_env(data_dir: Path) -> dict[str, str]:
    """The environment of every benchmark process: the seed, the runner and the server."""
    env = dict(os.environ)
    env.update(
        {
            "CQMS_DATA_DIR": str(data_dir),
            "DJANGO_SETTINGS_MODULE": "cqms.settings",
            "DEBUG": "0",
            "CQMS_PRODUCTION": "0",
            "CQMS_LOG_LEVEL": env.get("CQMS_LOG_LEVEL", "WARNING"),
            "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH", "")])),
        }
    )
    return env


def setup_django(data_dir: Path) -> None:
    """Point this process at the benchmark database and set Django up. The environment must be
    in place before the settings module is imported, so nothing of Django is imported earlier."""
    check_database()
    data_dir.mkdir(parents=True, exist_ok=True)
    os.environ.update(bench_env(data_dir))
    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))
    # WhiteNoise warns that `collectstatic` never ran; the benchmark loads pages, not files.
    warnings.filterwarnings("ignore", message="No directory at", category=UserWarning)
    import django

    django.setup()


def database_description() -> str:
    from django.db import connection

    connection.ensure_connection()
    if connection.vendor == "sqlite":
        import sqlite3

        return f"SQLite {sqlite3.sqlite_version}"
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SHOW server_version")
            version = cursor.fetchone()[0]
        return f"PostgreSQL {version} (database {connection.settings_dict['NAME']})"
    return f"{connection.vendor} {connection.Database.__name__}"
