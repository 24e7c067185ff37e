"""The benchmark harness still works end to end: seed, serve, load every scenario, replay the
SQL. Nothing here is timed: speed is measured by bench/ itself (bench/README.md)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from bench.scenarios import SCENARIOS

ROOT = Path(__file__).resolve().parent.parent


def bench(script: str, *args: str, data_dir: Path) -> subprocess.CompletedProcess:
    # SQLite in a temporary folder, whatever database the test run itself uses.
    env = {
        name: value
        for name, value in os.environ.items()
        if name not in ("DATABASE_URL", "REDIS_URL", "CQMS_DATA_DIR", "DJANGO_SETTINGS_MODULE")
    }
    return subprocess.run(
        [sys.executable, f"bench/{script}", *args, "--data-dir", str(data_dir)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )


@pytest.mark.slow
def test_benchmark_seeds_serves_and_measures_every_scenario(tmp_path):
    seeded = bench("seed.py", "--customers", "200", data_dir=tmp_path)
    assert seeded.returncode == 0, seeded.stdout + seeded.stderr
    assert "200 customers" in seeded.stdout

    again = bench("seed.py", "--customers", "200", data_dir=tmp_path)
    assert "nothing to seed" in again.stdout

    run = bench(
        "run.py",
        *("--customers", "200", "--requests", "10", "--concurrency", "2", "--warmup", "2"),
        *("--raw-repeats", "3", "--workers", "2"),
        data_dir=tmp_path,
    )
    output = run.stdout + run.stderr
    assert run.returncode == 0, output
    assert "| scenario | requests | concurrency | p50 ms | p95 ms | req/s |" in run.stdout
    for scenario in SCENARIOS:
        assert f"| {scenario.name} | 10 | 2 |" in run.stdout, output
    assert f"All {10 * len(SCENARIOS)} requests answered 200." in run.stdout

    (results_file,) = tmp_path.glob("results-*.json")
    results = json.loads(results_file.read_text(encoding="utf-8"))
    assert results["machine"]["data"]["customers"] == 200
    for row in results["scenarios"]:
        assert row["statuses"] == {"200": 10}, row["scenario"]
        assert row["failed"] == 0
        assert row["sql_statements"] > 0
        assert len(row["raw_sql_ms"]) == 3
        assert row["sql"], row["scenario"]
