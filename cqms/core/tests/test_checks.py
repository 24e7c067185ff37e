import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import SystemCheckError

ROOT = Path(__file__).resolve().parents[3]


def child_environment(tmp_path, require_browser: str) -> dict:
    """A separate pytest run on its own SQLite files, whatever database this run uses."""
    environment = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "REDIS_URL")}
    return {
        **environment,
        "CQMS_CHROMIUM": str(tmp_path / "no-chromium"),
        "CQMS_REQUIRE_BROWSER": require_browser,
        "CQMS_DATA_DIR": str(tmp_path / "data"),
    }


@pytest.mark.django_db  # the checks include the audit key's, which reads the trail
def test_missing_front_end_files_fail_the_system_check_with_the_cure(settings, tmp_path):
    settings.PACKAGE_DIR = tmp_path  # a package without static/vendor/
    with pytest.raises(SystemCheckError) as error:
        call_command("check")
    assert "cqms.E001" in str(error.value)
    assert "vendor_assets" in str(error.value)


@pytest.mark.django_db
def test_the_front_end_files_are_in_place():
    call_command("check")  # no error: `make setup` copied them


@pytest.mark.slow
def test_make_test_says_loudly_when_browser_tests_are_skipped(tmp_path):
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "tests/journeys", "-q", "-p", "no:warnings"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        env=child_environment(tmp_path, "0"),
    )
    assert "BROWSER TESTS SKIPPED" in result.stdout
    assert result.returncode == 0


@pytest.mark.slow
def test_ci_never_skips_browser_tests(tmp_path):
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "tests/journeys", "-q", "-p", "no:warnings", "-x"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        env=child_environment(tmp_path, "1"),
    )
    assert result.returncode != 0
    assert "Chromium is required" in result.stdout
