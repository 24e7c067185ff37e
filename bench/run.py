"""Load CQMS pages from concurrent clients and set each page's latency beside the time of the raw
SQL the page issues, measured in the same run.

    make bench                                   # SQLite in bench/data/, 100,000 customers
    make bench BENCH_ARGS="--scenario customer-list --requests 1000"
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/cqms_bench make bench

1. Seeds the benchmark database if it is empty (bench/seed.py; never the developer's data).
2. Starts the application in a separate process: gunicorn `cqms.wsgi` on 127.0.0.1 (a free
   port), threaded workers, DEBUG off, not production mode.
3. Logs the benchmark users in through the login page.
4. For each scenario: a warm-up, then R requests from C client threads, each on its own
   keep-alive connection; per-request latency and status.
5. Renders the same page once in this process through Django's test client, records the exact
   SQL and parameters it sends, and replays them on the backend's DB-API cursor many times.
6. Prints the Markdown table and the machine, writes bench/data/results-<time>.json, stops the
   server (also on Ctrl+C), and exits with 1 if any request did not answer 200.
"""

from __future__ import annotations

import argparse
import datetime as dt
import http.client
import json
import os
import platform
import random
import signal
import socket
import statistics
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from http.cookies import SimpleCookie
from pathlib import Path
from urllib.parse import urlencode

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import common

HOST = "127.0.0.1"
REQUEST_TIMEOUT = 60.0
SERVER_START_TIMEOUT = 60.0
RAW_SQL_TIME_LIMIT = 120.0  # seconds per scenario, whatever --raw-repeats says
COMPLAINTS_PER_CUSTOMER = 5  # seeded when a complaint scenario runs and none were asked for
HEADERS = {"Accept-Language": "zh-CN,zh;q=0.9", "User-Agent": "cqms-bench"}


# --- Numbers -----------------------------------------------------------------------------------


def percentile(values: list[float], fraction: float) -> float:
    """Linear interpolation between the closest ranks (the same as numpy's default)."""
    if not values:
        return float("nan")
    ordered = sorted(values)
    position = (len(ordered) - 1) * fraction
    low = int(position)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


def ms(seconds: float) -> float:
    return round(seconds * 1000, 2)


# --- The server --------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return sock.getsockname()[1]


class Server:
    """gunicorn in its own process group, stopped with SIGTERM (then SIGKILL) at the end."""

    def __init__(self, port: int, workers: int, threads: int, log_path: Path):
        self.port, self.workers, self.threads, self.log_path = port, workers, threads, log_path
        self.process: subprocess.Popen | None = None

    @property
    def worker_class(self) -> str:
        # sync workers answer one request per connection, as behind the README's nginx proxy;
        # threaded workers keep connections alive, each pinned to the worker that accepted it.
        return "gthread" if self.threads > 1 else "sync"

    @property
    def description(self) -> str:
        from importlib.metadata import version

        threads = f" x {self.threads} threads" if self.threads > 1 else ""
        return (
            f"gunicorn {version('gunicorn')} cqms.wsgi, {self.workers} {self.worker_class} "
            f"workers{threads}, {HOST}:{self.port}"
        )

    def start(self) -> None:
        command = [
            sys.executable,
            "-m",
            "gunicorn",
            "cqms.wsgi",
            "--bind",
            f"{HOST}:{self.port}",
            "--workers",
            str(self.workers),
            "--threads",
            str(self.threads),
            "--worker-class",
            self.worker_class,
            "--keep-alive",
            "30",
            "--timeout",
            "120",
            "--graceful-timeout",
            "5",
            "--log-level",
            "warning",
        ]
        self.log = self.log_path.open("a", encoding="utf-8")
        self.log.write(f"\n--- {dt.datetime.now().astimezone():%Y-%m-%d %H:%M:%S} start\n")
        self.log.flush()
        self.process = subprocess.Popen(
            command,
            cwd=common.ROOT,
            env=os.environ.copy(),
            stdout=self.log,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # Ctrl+C reaches the runner, which stops the server
        )
        deadline = time.monotonic() + SERVER_START_TIMEOUT
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise common.BenchError(f"the server stopped while starting:\n{self.log_tail()}")
            try:
                status, body = fetch(self.port, "/healthz/")
                if status == 200 and b'"ok"' in body:
                    return
            except OSError:
                pass
            time.sleep(0.2)
        raise common.BenchError(f"the server did not answer /healthz/:\n{self.log_tail()}")

    def stop(self) -> None:
        if self.process is None:
            return
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(timeout=15)
        self.log.close()

    def log_tail(self, lines: int = 30) -> str:
        self.log.flush()
        text = self.log_path.read_text(encoding="utf-8", errors="replace")
        return "\n".join(text.splitlines()[-lines:])


def fetch(port: int, path: str) -> tuple[int, bytes]:
    connection = http.client.HTTPConnection(HOST, port, timeout=5)
    try:
        connection.request("GET", path, headers=HEADERS)
        response = connection.getresponse()
        return response.status, response.read()
    finally:
        connection.close()


def log_in(port: int, username: str) -> str:
    """Log in through the login page (CSRF cookie and token) and return the Cookie header."""
    jar: dict[str, str] = {}

    def keep(response) -> None:
        for header in response.headers.get_all("Set-Cookie") or []:
            cookie = SimpleCookie()
            cookie.load(header)
            jar.update({name: morsel.value for name, morsel in cookie.items()})

    def cookie_header() -> str:
        return "; ".join(f"{name}={value}" for name, value in jar.items())

    connection = http.client.HTTPConnection(HOST, port, timeout=REQUEST_TIMEOUT)
    try:
        connection.request("GET", "/login/", headers=HEADERS)
        response = connection.getresponse()
        response.read()
        keep(response)
        token = jar.get("csrftoken", "")
        body = urlencode(
            {"username": username, "password": common.PASSWORD, "csrfmiddlewaretoken": token}
        )
        connection.request(
            "POST",
            "/login/",
            body=body,
            headers={
                **HEADERS,
                "Content-Type": "application/x-www-form-urlencoded",
                "Cookie": cookie_header(),
            },
        )
        response = connection.getresponse()
        response.read()
        keep(response)
    finally:
        connection.close()
    if response.status != 302 or "sessionid" not in jar:
        raise common.BenchError(
            f"could not log in as {username} (answer {response.status}); "
            "is the database seeded (bench/seed.py)?"
        )
    return cookie_header()


# --- Load --------------------------------------------------------------------------------------


class Browser:
    """One client: a keep-alive connection, reopened when the server closes it."""

    def __init__(self, port: int, cookie: str):
        self.port, self.headers = port, {**HEADERS, "Cookie": cookie}
        self.connection: http.client.HTTPConnection | None = None

    def get(self, path: str) -> tuple[int, int]:
        for attempt in range(2):
            if self.connection is None:
                self.connection = http.client.HTTPConnection(
                    HOST, self.port, timeout=REQUEST_TIMEOUT
                )
            try:
                self.connection.request("GET", path, headers=self.headers)
                response = self.connection.getresponse()
                body = response.read()
            except (http.client.HTTPException, ConnectionError) as error:
                self.close()
                # A keep-alive connection the server closed: try once on a new one.
                if attempt or not isinstance(
                    error, http.client.RemoteDisconnected | ConnectionResetError | BrokenPipeError
                ):
                    return 0, 0
                continue
            except OSError:  # timeout, refused
                self.close()
                return 0, 0
            if response.will_close:
                self.close()
            return response.status, len(body)
        return 0, 0

    def close(self) -> None:
        if self.connection is not None:
            self.connection.close()
            self.connection = None


@dataclass
class Load:
    latencies: list[float] = field(default_factory=list)  # seconds, successful or not
    statuses: dict[int, int] = field(default_factory=dict)
    bytes: int = 0
    wall: float = 0.0
    stopped_early: bool = False

    @property
    def failed(self) -> int:
        return sum(n for status, n in self.statuses.items() if status != 200)


def drive(port: int, cookie: str, urls: list[str], concurrency: int, time_limit: float) -> Load:
    """Send the URLs from `concurrency` threads as fast as the server answers."""
    load = Load()
    lock = threading.Lock()
    position = iter(range(len(urls)))
    deadline = time.monotonic() + time_limit
    stop = threading.Event()

    def client() -> None:
        browser = Browser(port, cookie)
        try:
            while not stop.is_set():
                with lock:
                    index = next(position, None)
                if index is None:
                    return
                if time.monotonic() > deadline:
                    load.stopped_early = True
                    return
                began = time.perf_counter()
                status, size = browser.get(urls[index])
                elapsed = time.perf_counter() - began
                with lock:
                    load.latencies.append(elapsed)
                    load.statuses[status] = load.statuses.get(status, 0) + 1
                    load.bytes += size
        finally:
            browser.close()

    threads = [threading.Thread(target=client, daemon=True) for _ in range(concurrency)]
    began = time.perf_counter()
    try:
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    finally:
        stop.set()
    load.wall = time.perf_counter() - began
    return load


# --- Raw SQL -----------------------------------------------------------------------------------


@dataclass
class SqlMeasure:
    statements: int  # per page, everything the page sent
    replayed: int  # SELECTs (and a page's BEGIN, SET LOCAL, COMMIT), replayed on the raw cursor
    writes: list[str]  # statements not replayed (session updates, ...)
    raw: list[float]  # seconds per page
    inprocess: list[float]  # whole page through Django's test client (no HTTP), seconds
    pages: list[list[tuple[str, object]]]
    per_statement: list[float]  # median seconds of each statement of the first page


CONTROL = ("BEGIN", "COMMIT", "ROLLBACK")


def capture(scenario, data, rng: random.Random, repeats: int, time_limit: float) -> SqlMeasure:
    """Render the scenario's page in this process, record its SQL, and replay the SELECTs."""
    from django.contrib.auth import get_user_model
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    user = get_user_model().objects.get(username=scenario.user)
    client = Client(HTTP_HOST=HOST, HTTP_ACCEPT_LANGUAGE=HEADERS["Accept-Language"])
    client.force_login(user, backend="cqms.organisation.backends.CqmsBackend")
    urls = [scenario.url(rng, data) for _ in range(scenario.sql_samples)]
    warm = client.get(urls[0])  # caches, and the session's first "last seen" write
    if warm.status_code != 200:
        raise common.BenchError(f"{scenario.name}: {urls[0]} answered {warm.status_code}")

    pages: list[list[tuple[str, object]]] = []
    writes: list[str] = []
    counts = []
    inprocess = []
    for url in urls:
        sent: list[tuple[str, object, bool]] = []

        def record(execute, sql, params, many, context, sent=sent):
            sent.append((sql, params, many))
            return execute(sql, params, many, context)

        with CaptureQueriesContext(connection) as captured, connection.execute_wrapper(record):
            response = client.get(url)
        if response.status_code != 200:
            raise common.BenchError(f"{scenario.name}: {url} answered {response.status_code}")
        # Django logs the transaction's BEGIN and COMMIT, which no cursor executes; they are
        # replayed in their place (a page may plan its statements in a transaction of its own,
        # core.database.custom_plans).
        logged = [query["sql"] for query in captured.captured_queries]
        if len(logged) - sum(sql in CONTROL for sql in logged) != len(sent):
            raise common.BenchError(f"{scenario.name}: the SQL capture missed statements")
        counts.append(len(logged))
        page = []
        executed = iter(sent)
        for logged_sql in logged:
            if logged_sql in CONTROL:
                page.append((logged_sql, None))
                continue
            sql, params, many = next(executed)
            # A UNION starts with its first SELECT in parentheses (the permissions' on SQLite).
            first_word = sql.lstrip(" \n(").split(None, 1)[0].upper() if sql.strip() else ""
            if not many and first_word in ("SELECT", "WITH", "SET"):
                page.append((sql, params))
            else:
                writes.append(sql[:200])
        pages.append(page)
    for index in range(max(10, len(urls))):  # timed apart: capturing slows the page down
        began = time.perf_counter()
        client.get(urls[index % len(urls)])
        inprocess.append(time.perf_counter() - began)

    raw, per_statement = replay(pages, repeats, time_limit)
    return SqlMeasure(
        statements=round(statistics.mean(counts)),
        replayed=round(statistics.mean(len(page) for page in pages)),
        writes=writes,
        raw=raw,
        inprocess=inprocess,
        pages=pages,
        per_statement=per_statement,
    )


def replay(
    pages: list[list[tuple[str, object]]], repeats: int, time_limit: float
) -> tuple[list[float], list[float]]:
    """Each page's statements on the backend's DB-API cursor (the one Django wraps), with every
    row fetched, as the page does. One unmeasured round first. Returns the seconds per page and
    the median seconds of each statement of the first page."""
    from django.db import connection

    connection.ensure_connection()
    cursor = connection.create_cursor()
    totals = []
    first_page: list[list[float]] = [[] for _ in pages[0]]
    deadline = time.monotonic() + time_limit
    try:
        for round_number in range(-len(pages), repeats):
            page_number = round_number % len(pages)
            timings = []
            for sql, params in pages[page_number]:
                began = time.perf_counter()
                if params is None:
                    cursor.execute(sql)
                else:
                    cursor.execute(sql, params)
                if cursor.description is not None:
                    cursor.fetchall()
                timings.append(time.perf_counter() - began)
            if round_number >= 0:
                totals.append(sum(timings))
                if page_number == 0:
                    for index, seconds in enumerate(timings):
                        first_page[index].append(seconds)
            if time.monotonic() > deadline:
                break
    finally:
        cursor.close()
    return totals, [statistics.median(times) if times else 0.0 for times in first_page]


def connect_time(samples: int = 20) -> float:
    """Median time to open a database connection (SQLite opens one per request)."""
    from django.db import connection

    times = []
    for _ in range(samples):
        connection.close()
        began = time.perf_counter()
        connection.ensure_connection()
        times.append(time.perf_counter() - began)
    return statistics.median(times)


# --- Machine and data --------------------------------------------------------------------------


def machine(server: Server, concurrency: int) -> dict:
    import django

    cpu = platform.processor() or platform.machine()
    memory = ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal"):
                memory = f"{int(line.split()[1]) / 1024 / 1024:.1f} GiB"
                break
    except OSError:
        pass
    return {
        "cpus": os.cpu_count(),
        "cpu": cpu,
        "memory": memory,
        "os": platform.platform(),
        "python": platform.python_version(),
        "django": django.get_version(),
        "database": common.database_description(),
        "cache": "Redis" if os.environ.get("REDIS_URL") else "local memory",
        "server": server.description,
        "clients": f"{concurrency} threads (http.client), "
        + (
            "one keep-alive connection each"
            if server.threads > 1
            else "a new connection per request (sync workers close it after each answer)"
        ),
        "connect_ms": ms(connect_time()),
        "data": data_counts(),
    }


def data_counts() -> dict:
    from bench.seed_worked import seeded_complaints, worked_complaints
    from cqms.audit.models import AuditEntry
    from cqms.clocks.models import Clock
    from cqms.customers.models import Address, Contact, Customer

    return {
        "customers": Customer.objects.count(),
        "contacts": Contact.objects.count(),
        "addresses": Address.objects.count(),
        "complaints": seeded_complaints().filter(revision=0).count(),
        "reopenings": seeded_complaints().filter(revision__gt=0).count(),
        "worked": worked_complaints().count(),
        "clocks": Clock.objects.count(),
        "audit_entries": AuditEntry.objects.count(),
    }


def complaint_count() -> int:
    from django.db import DatabaseError, connection

    from bench.seed_worked import seeded_complaints

    try:
        return seeded_complaints().filter(revision=0).count()
    except DatabaseError:
        connection.close()
        return 0


def worked_count() -> int:
    from bench.seed_worked import worked_complaints

    return worked_complaints().count()


def customer_count() -> int:
    """0 when the database is new (no tables yet)."""
    from django.db import DatabaseError, connection

    from cqms.customers.models import Customer

    try:
        return Customer.objects.count()
    except DatabaseError:
        connection.close()
        return 0


# --- Report ------------------------------------------------------------------------------------

COLUMNS = [
    "scenario",
    "requests",
    "concurrency",
    "p50 ms",
    "p95 ms",
    "req/s",
    "SQL statements per page",
    "raw SQL p50 ms",
    "raw SQL p95 ms",
    "p50 / raw SQL p50",
]


def table(rows: list[dict]) -> str:
    lines = ["| " + " | ".join(COLUMNS) + " |", "|" + "|".join(" --- " for _ in COLUMNS) + "|"]
    for row in rows:
        ratio = row["p50_ms"] / row["raw_sql_p50_ms"] if row["raw_sql_p50_ms"] else float("nan")
        cells = [
            row["scenario"],
            f"{row['requests']:,}",
            str(row["concurrency"]),
            f"{row['p50_ms']:.1f}",
            f"{row['p95_ms']:.1f}",
            f"{row['rps']:.1f}",
            str(row["sql_statements"]),
            f"{row['raw_sql_p50_ms']:.2f}",
            f"{row['raw_sql_p95_ms']:.2f}",
            f"{ratio:.1f}x",
        ]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def breakdown(rows: list[dict]) -> str:
    lines = [
        "| scenario | page in-process p50 ms (1 client, no HTTP) | raw SQL p50 ms | "
        "Python and templates ms | KiB per answer |",
        "| --- | --- | --- | --- | --- |",
    ]
    for row in rows:
        python_ms = row["inprocess_p50_ms"] - row["raw_sql_p50_ms"]
        lines.append(
            f"| {row['scenario']} | {row['inprocess_p50_ms']:.1f} | {row['raw_sql_p50_ms']:.2f} | "
            f"{python_ms:.1f} | {row['kib_per_answer']:.1f} |"
        )
    return "\n".join(lines)


def shorten(sql: str, width: int = 160) -> str:
    """The statement without its long column list."""
    head, found, tail = sql.partition(" FROM ")
    if found and len(head) > 60:
        sql = f"{head[:40]} ... FROM {tail}"
    return sql if len(sql) <= width else sql[: width - 3] + "..."


def machine_lines(info: dict) -> list[str]:
    data = info["data"]
    return [
        f"Machine: {info['cpus']} CPUs ({info['cpu']}), {info['memory']} memory, {info['os']}",
        f"Software: Python {info['python']}, Django {info['django']}, {info['database']}, "
        f"cache {info['cache']}",
        f"Server: {info['server']}; clients: {info['clients']}",
        f"Data: {data['customers']:,} customers, {data['contacts']:,} contacts, "
        f"{data['addresses']:,} addresses, {data['complaints']:,} complaints and "
        f"{data['reopenings']:,} reopenings, {data['worked']:,} worked complaints (with their "
        f"reopenings), {data['clocks']:,} clocks, "
        f"{data['audit_entries']:,} audit entries; "
        f"opening a database connection takes {info['connect_ms']:.2f} ms",
    ]


# --- Main --------------------------------------------------------------------------------------


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description="Load CQMS pages from concurrent clients beside their raw SQL."
    )
    parser.add_argument("--concurrency", "-c", type=int, default=4, help="client threads (4)")
    parser.add_argument(
        "--requests", "-n", type=int, default=500, help="measured requests per scenario (500)"
    )
    parser.add_argument("--warmup", type=int, default=20, help="unmeasured requests first (20)")
    parser.add_argument(
        "--scenario",
        action="append",
        metavar="NAME",
        help="run only this scenario (repeatable; --list shows them)",
    )
    parser.add_argument("--list", action="store_true", help="list the scenarios and stop")
    parser.add_argument("--port", type=int, default=0, help="server port (default: a free one)")
    parser.add_argument(
        "--workers",
        type=int,
        default=2 * (os.cpu_count() or 1),
        help="gunicorn worker processes (default: 2 per CPU)",
    )
    parser.add_argument(
        "--threads",
        type=int,
        default=1,
        help="threads per worker (1: sync workers; more: gthread workers with keep-alive)",
    )
    parser.add_argument(
        "--raw-repeats", type=int, default=50, help="replays of each page's SQL (50)"
    )
    parser.add_argument(
        "--customers",
        type=int,
        default=None,
        help=f"seed this many customers first (default: {common.DEFAULT_CUSTOMERS:,} "
        "if the database is empty)",
    )
    parser.add_argument(
        "--complaints",
        type=int,
        default=None,
        help="seed this many complaints first (default: none; the complaint scenarios need "
        "them, e.g. --customers 10000 --complaints 1000000)",
    )
    parser.add_argument(
        "--max-seconds",
        type=float,
        default=600,
        help="stop a scenario's requests after this long (600)",
    )
    parser.add_argument(
        "--data-dir", type=Path, default=common.DEFAULT_DATA_DIR, help="default bench/data"
    )
    args = parser.parse_args(argv)
    for name in ("concurrency", "requests", "workers", "threads", "raw_repeats"):
        if not 1 <= getattr(args, name) <= 100_000:
            parser.error(f"--{name.replace('_', '-')} must be between 1 and 100,000")
    if args.warmup < 0:
        parser.error("--warmup must not be negative")
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    # Ctrl+C and SIGTERM both end the run through `finally`, which stops the server. SIGINT is
    # set explicitly: a shell starting the runner in the background would ignore it.
    signal.signal(signal.SIGINT, signal.default_int_handler)
    signal.signal(signal.SIGTERM, signal.default_int_handler)
    try:
        return run(args)
    except common.BenchError as error:
        print(f"bench/run.py: {error}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("\nbench/run.py: interrupted; the server was stopped.", file=sys.stderr)
        return 130


def run(args: argparse.Namespace) -> int:
    data_dir = args.data_dir.resolve()
    common.setup_django(data_dir)
    from bench import scenarios as registry

    if args.list:
        for scenario in registry.SCENARIOS:
            print(f"{scenario.name:<24} {scenario.description}")
        return 0
    chosen = registry.by_name(args.scenario)

    existing = customer_count()
    target = args.customers or existing or common.DEFAULT_CUSTOMERS
    complaints = args.complaints
    if complaints is None and any(s.needs_complaints for s in chosen) and not complaint_count():
        complaints = COMPLAINTS_PER_CUSTOMER * target  # a small default for the complaint pages
    if (
        existing == 0
        or (args.customers is not None and existing != args.customers)
        or (complaints is not None and complaint_count() != complaints)
    ):
        from django.db import connection

        connection.close()
        seeded = subprocess.run(
            [
                sys.executable,
                str(common.ROOT / "bench" / "seed.py"),
                "--customers",
                str(target),
                "--complaints",
                str(complaints or 0),
                "--data-dir",
                str(data_dir),
            ],
            check=False,
        )
        if seeded.returncode:
            raise common.BenchError("seeding failed (see above)")
    if any(s.needs_worked for s in chosen) and not worked_count():
        from django.db import connection

        connection.close()
        worked = subprocess.run(
            [
                sys.executable,
                str(common.ROOT / "bench" / "seed.py"),
                *("--customers", str(target), "--complaints", str(complaint_count())),
                *("--worked", "1", "--data-dir", str(data_dir)),
            ],
            check=False,
        )
        if worked.returncode:
            raise common.BenchError("working the demo's complaints failed (see above)")

    rng = random.Random(2026)
    prepared = {scenario.name: scenario.prepare() for scenario in chosen}
    server = Server(args.port or free_port(), args.workers, args.threads, data_dir / "server.log")
    info = machine(server, args.concurrency)
    started_at = dt.datetime.now().astimezone()
    results = []
    try:
        print(f"Starting {server.description} ...", flush=True)
        server.start()
        cookies = {}
        for scenario in chosen:
            if scenario.user not in cookies:
                cookies[scenario.user] = log_in(server.port, scenario.user)
        for scenario in chosen:
            data = prepared[scenario.name]
            cookie = cookies[scenario.user]
            print(
                f"{scenario.name}: {args.warmup} warm-up + {args.requests} requests from "
                f"{args.concurrency} clients ...",
                end="",
                flush=True,
            )
            if args.warmup:
                warm_urls = [scenario.url(rng, data) for _ in range(args.warmup)]
                drive(server.port, cookie, warm_urls, args.concurrency, args.max_seconds)
            urls = [scenario.url(rng, data) for _ in range(args.requests)]
            load = drive(server.port, cookie, urls, args.concurrency, args.max_seconds)
            print(f" {load.wall:.1f} s; raw SQL ...", end="", flush=True)
            sql = capture(scenario, data, rng, args.raw_repeats, RAW_SQL_TIME_LIMIT)
            print(" done", flush=True)
            results.append(result_row(scenario, load, sql, args))
    finally:
        server.stop()

    report = table(results)
    print()
    print("\n".join(machine_lines(info)))
    print()
    print(report)
    print()
    print(breakdown(results))
    print()
    for row in results:
        print(f"- {row['scenario']}: {row['description']}")
    print()
    print("Slowest statement of each page (raw SQL p50):")
    for row in results:
        if row["sql"]:
            slowest = max(row["sql"], key=lambda statement: statement["p50_ms"])
            text = " ".join(slowest["sql"].split())
            print(f"- {row['scenario']}: {slowest['p50_ms']:.2f} ms  {shorten(text)}")
    failed = sum(row["failed"] for row in results)
    total = sum(row["requests"] for row in results)
    print()
    if failed:
        statuses = {}
        for row in results:
            for status, count in row["statuses"].items():
                if status != "200":
                    statuses[status] = statuses.get(status, 0) + count
        print(
            f"FAILED: {failed} of {total} requests did not answer 200 "
            f"(status: count {statuses}; 0 = no answer; 429 = the API's per-user rate limit). "
            f"Server log: {server.log_path}"
        )
    else:
        print(f"All {total:,} requests answered 200.")
    for row in results:
        if row["stopped_early"]:
            print(f"{row['scenario']}: stopped after --max-seconds {args.max_seconds:g}.")
    path = data_dir / f"results-{started_at:%Y%m%d-%H%M%S}.json"
    path.write_text(
        json.dumps(
            {
                "started_at": started_at.isoformat(),
                "machine": info,
                "options": {k: str(v) for k, v in vars(args).items()},
                "table": report,
                "scenarios": results,
            },
            ensure_ascii=False,
            indent=1,
            default=str,
        ),
        encoding="utf-8",
    )
    print(f"Raw numbers: {path}")
    return 1 if failed else 0


def result_row(scenario, load: Load, sql: SqlMeasure, args) -> dict:
    answered = max(1, sum(load.statuses.values()))
    return {
        "scenario": scenario.name,
        "description": scenario.description,
        "user": scenario.user,
        "requests": len(load.latencies),
        "concurrency": args.concurrency,
        "p50_ms": ms(percentile(load.latencies, 0.50)),
        "p95_ms": ms(percentile(load.latencies, 0.95)),
        "p99_ms": ms(percentile(load.latencies, 0.99)),
        "mean_ms": ms(statistics.mean(load.latencies)) if load.latencies else None,
        "rps": round(len(load.latencies) / load.wall, 2) if load.wall else 0.0,
        "wall_s": round(load.wall, 3),
        "statuses": {str(k): v for k, v in sorted(load.statuses.items())},
        "failed": load.failed,
        "stopped_early": load.stopped_early,
        "kib_per_answer": load.bytes / answered / 1024,
        "sql_statements": sql.statements,
        "sql_replayed": sql.replayed,
        "sql_not_replayed": sql.writes,
        "raw_sql_p50_ms": ms(percentile(sql.raw, 0.50)),
        "raw_sql_p95_ms": ms(percentile(sql.raw, 0.95)),
        "inprocess_p50_ms": ms(percentile(sql.inprocess, 0.50)),
        "latencies_ms": [ms(value) for value in load.latencies],
        "raw_sql_ms": [ms(value) for value in sql.raw],
        "inprocess_ms": [ms(value) for value in sql.inprocess],
        "sql": [
            {"p50_ms": ms(seconds), "sql": text, "params": params}
            for (text, params), seconds in zip(sql.pages[0], sql.per_statement, strict=True)
        ],
    }


if __name__ == "__main__":
    sys.exit(main())
