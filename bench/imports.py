"""Time a large Excel import: a customer file and a legacy complaint register, checked (dry run)
and committed as the import job does, while another process saves a customer every second.

    .venv/bin/python bench/imports.py --rows 50000                 # SQLite in bench/data/
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/cqms_bench .venv/bin/python bench/imports.py

The files are generated (customers: four new codes for every changed one; the register: rows of
seeded customers, most of them closed). Every run imports new codes and references, so it can run
again on the same database. The database is seeded first if it holds fewer than `--customers`.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import common


def customer_file(path: Path, rows: int, prefix: str, rng: random.Random) -> None:
    import xlsxwriter

    from cqms.customers.models import Customer

    seeded = Customer.objects.filter(code__startswith="C")
    # The last 1,000 seeded customers are left to the writer (another person's work).
    changed = min(rows // 5, max(seeded.count() - 1000, 0))
    existing = list(
        seeded.exclude(status=Customer.Status.VOIDED)
        .order_by("code")
        .values_list("code", "name")[:changed]
    )
    book = xlsxwriter.Workbook(str(path), {"constant_memory": True})
    sheet = book.add_worksheet()
    headers = ["客户编码", "客户名称", "英文名称", "等级", "电话", "客户经理", "负责部门", "备注"]
    for col, header in enumerate(headers):
        sheet.write_string(0, col, header)
    for row in range(1, rows + 1):
        if row <= len(existing):  # a change of an existing customer
            code, name = existing[row - 1]
            values = [code, name, "", "", f"+86 21 {rng.randrange(10**7):07d}", "", ""]
        else:
            values = [
                f"{prefix}{row:06d}",
                f"导入测试客户{prefix}{row}有限公司",
                f"Import Test {prefix}{row} Co., Ltd.",
                rng.choice("ABC"),
                f"+86 512 {rng.randrange(10**7):07d}",
                common.SALES if row % 3 == 0 else f"{common.SALES}_{rng.randrange(2, 51):02d}",
                "",
            ]
        values.append(f"bench import {prefix}")
        for col, value in enumerate(values):
            sheet.write_string(row, col, value)
    book.close()


def register_file(path: Path, rows: int, prefix: str, rng: random.Random) -> None:
    import xlsxwriter

    from cqms.customers.models import Customer

    codes = list(
        Customer.objects.exclude(status=Customer.Status.VOIDED).values_list("code", flat=True)[
            :2000
        ]
    )
    book = xlsxwriter.Workbook(str(path), {"constant_memory": True})
    sheet = book.add_worksheet()
    headers = ["客户编码", "客户投诉编号", "收到时间", "零件号", "数量", "缺陷描述", "结案日期"]
    for col, header in enumerate(headers):
        sheet.write_string(0, col, header)
    now = dt.datetime.now().astimezone().replace(microsecond=0)
    for row in range(1, rows + 1):
        received = now - dt.timedelta(days=rng.uniform(30, 1000), minutes=rng.randrange(600))
        closed = received + dt.timedelta(days=rng.uniform(3, 25))
        values = [
            rng.choice(codes),
            f"{prefix}-{row:06d}",
            received.strftime("%Y-%m-%d %H:%M"),
            f"P-{rng.randrange(1, 400):04d}",
            str(rng.randrange(1, 200)),
            "外壳表面划伤 surface scratch",
            closed.strftime("%Y-%m-%d") if rng.random() < 0.85 else "",
        ]
        for col, value in enumerate(values):
            sheet.write_string(row, col, value)
    book.close()


def writer(seconds: float, out: Path) -> None:
    """Save one customer about every second (the service a page calls) and record how long
    each save took, until `seconds` passed."""
    from cqms.core.context import change_context
    from cqms.core.errors import ConcurrentEditError
    from cqms.customers import services
    from cqms.customers.models import Customer
    from cqms.organisation.models import User

    admin = User.objects.get(username=common.ADMIN)
    # Customers the import does not touch: another person's work, not the same records.
    codes = Customer.objects.filter(code__startswith="C").exclude(status=Customer.Status.VOIDED)
    codes = codes.order_by("-code")
    pks = list(codes.values_list("pk", flat=True)[:500])
    rng = random.Random()
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        customer = Customer.objects.get(pk=rng.choice(pks))
        started = time.monotonic()
        try:
            with change_context(source="web"):
                services.update_customer(
                    customer,
                    {"website": f"https://example.com/{rng.randrange(10**9)}"},
                    actor=admin,
                    expected_version=customer.version,
                )
            error = ""
        except ConcurrentEditError:
            error = ""
        except Exception as exc:  # reported: that is the measurement
            error = f"{type(exc).__name__}: {exc}"
        with out.open("a") as log:  # line by line: the runner stops this process
            log.write(json.dumps({"seconds": time.monotonic() - started, "error": error}) + "\n")
        time.sleep(max(0.0, 1.0 - (time.monotonic() - started)))


def timed_import(kind: str, spec, path: Path, actor, data_dir: Path) -> dict:
    from cqms.spreadsheets import importer

    started, cpu = time.monotonic(), time.process_time()
    with path.open("rb") as handle:
        report = importer.dry_run(spec, handle, filename=path.name, actor=actor)
    check, check_cpu = time.monotonic() - started, time.process_time() - cpu
    check_phases = {k: round(v, 1) for k, v in report.timings.items()}
    if report.errors:
        raise common.BenchError(f"{kind}: the check found problems: {report.errors[:3]}")
    out = Path(tempfile.mkstemp(suffix=".json")[1])
    saver = subprocess.Popen(
        [sys.executable, __file__, "--writer", str(out), "--data-dir", str(data_dir)],
        env=common.bench_env(data_dir),
    )
    time.sleep(3)  # the writer has started and saved once
    started, cpu = time.monotonic(), time.process_time()
    with path.open("rb") as handle:
        report = importer.commit(spec, handle, actor=actor, filename=path.name)
    commit, commit_cpu = time.monotonic() - started, time.process_time() - cpu
    time.sleep(2)
    saver.terminate()
    saver.wait()
    saves = [json.loads(line) for line in out.read_text().splitlines() if line.strip()]
    out.unlink()
    if not report.committed:
        raise common.BenchError(f"{kind}: the commit failed: {report.errors[:3]}")
    return {
        "import": kind,
        "rows": report.rows,
        "check s": round(check, 1),
        "commit s": round(commit, 1),
        "check cpu s": round(check_cpu, 1),
        "commit cpu s": round(commit_cpu, 1),
        "saves attempted": len(saves),
        "saves succeeded": sum(1 for s in saves if not s["error"]),
        "slowest save s": round(max((s["seconds"] for s in saves), default=0), 2),
        "errors": sorted({s["error"] for s in saves if s["error"]})[:3],
        "check phases s": check_phases,
        "commit phases s": {k: round(v, 1) for k, v in report.timings.items()},
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=50_000)
    parser.add_argument("--customers", type=int, default=20_000)
    parser.add_argument("--only", choices=["customers", "complaints"])
    parser.add_argument("--data-dir", type=Path, default=common.DEFAULT_DATA_DIR)
    parser.add_argument("--writer", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    try:
        common.setup_django(args.data_dir.resolve())
        if args.writer:
            writer(3600, args.writer)  # until the runner stops it
            return 0
        from django.core.management import call_command
        from django.db import connection

        from bench.seed import seed
        from cqms.complaints import spreadsheets as complaint_sheets
        from cqms.customers import spreadsheets as customer_sheets
        from cqms.customers.models import Customer
        from cqms.organisation.models import User

        call_command("migrate", interactive=False, verbosity=0)
        if Customer.objects.count() < args.customers:
            seed(args.customers, reset=False)
        actor = User.objects.get(username=common.ADMIN)
        rng = random.Random()
        prefix = "I" + dt.datetime.now().astimezone().strftime("%m%d%H%M")
        print(f"Database: {common.database_description()}, {Customer.objects.count():,} customers")
        results = []
        with tempfile.TemporaryDirectory() as folder:
            if args.only in (None, "customers"):
                path = Path(folder) / "customers.xlsx"
                customer_file(path, args.rows, prefix, rng)
                spec = customer_sheets.import_spec()
                results.append(timed_import("customers", spec, path, actor, args.data_dir))
                print(results[-1], flush=True)
            if args.only in (None, "complaints"):
                path = Path(folder) / "register.xlsx"
                register_file(path, args.rows, prefix, rng)
                spec = complaint_sheets.import_spec()
                results.append(timed_import("complaints", spec, path, actor, args.data_dir))
                print(results[-1], flush=True)
        print(f"\n{connection.vendor}")
        print(
            "| import | rows | check s (CPU) | commit s (CPU) | write transaction s "
            "| other saves: tried / saved / slowest s |"
        )
        print("| --- | ---: | ---: | ---: | ---: | --- |")
        for r in results:
            print(
                f"| {r['import']} | {r['rows']:,} | {r['check s']} ({r['check cpu s']}) | "
                f"{r['commit s']} ({r['commit cpu s']}) | {r['commit phases s'].get('write')} | "
                f"{r['saves attempted']} / {r['saves succeeded']} / {r['slowest save s']} |"
            )
        return 0
    except common.BenchError as error:
        print(f"bench/imports.py: {error}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
