"""Test set-up shared by every app: fast hashing, private file storage, named actors."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest
from django.utils import translation

CHROMIUM = os.environ.get("CQMS_CHROMIUM", "/usr/bin/chromium")
_browser_skips: list[str] = []


def pytest_configure(config):
    from cqms.audit import guard

    # Django's flush between transactional tests deletes audit rows; the append-only trigger
    # is exercised by its own test, which closes the guard again.
    guard.WRITABLE = True


@pytest.fixture(autouse=True)
def _test_settings(settings, tmp_path):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": tmp_path / "files", "base_url": None},
        },
    }
    settings.FILES_DIR = tmp_path / "files"
    settings.AUDIT_ANCHOR_FILE = tmp_path / "audit-anchors.jsonl"
    # Every widget drawn in Python is compared with the template it replaces.
    settings.FORM_RENDERER = "cqms.core.tests.support.CheckedFormRenderer"
    # ... and every field drawn in Python with the crispy-forms template it replaces.
    settings.CQMS_CHECK_DRAWN_FIELDS = True
    # Requests through the test client leave their language active in this thread.
    translation.activate(settings.LANGUAGE_CODE)
    yield
    translation.deactivate()


@pytest.fixture
def chromium_path() -> str:
    """The browser for journeys; CI sets CQMS_REQUIRE_BROWSER=1 so a missing one fails."""
    if Path(CHROMIUM).exists() or shutil.which(CHROMIUM):
        return CHROMIUM
    if os.environ.get("CQMS_REQUIRE_BROWSER") == "1":
        pytest.fail(f"Chromium is required but missing at {CHROMIUM}")
    _browser_skips.append(CHROMIUM)
    pytest.skip(f"Chromium not found at {CHROMIUM}")


def pytest_terminal_summary(terminalreporter, exitstatus, config):
    if _browser_skips:
        bar = "!" * 78
        terminalreporter.write_line(bar, red=True, bold=True)
        terminalreporter.write_line(
            f"  BROWSER TESTS SKIPPED: Chromium was not found at {CHROMIUM}.", red=True, bold=True
        )
        terminalreporter.write_line(
            "  Install it (apt install chromium fonts-noto-cjk) or set CQMS_CHROMIUM; "
            "CI never skips them.",
            red=True,
        )
        terminalreporter.write_line(bar, red=True, bold=True)


@pytest.fixture
def make_user(db):
    from cqms.organisation.tests.factories import make_user

    return make_user
