"""A restore without the audit key: CQMS refuses to start instead of making a new key (which
would show every entry as altered). Real processes on a real data folder."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[3]
pytestmark = pytest.mark.slow


def run(data_dir: Path, *args: str, timeout: int = 120) -> subprocess.CompletedProcess:
    skip = ("SECRET_KEY", "DEBUG", "DATABASE_URL", "REDIS_URL", "CQMS_PRODUCTION")
    environment = {
        k: v for k, v in os.environ.items() if k not in skip and not k.startswith("CQMS_AUDIT")
    }
    environment["CQMS_DATA_DIR"] = str(data_dir)
    return subprocess.run(
        args, cwd=ROOT, env=environment, capture_output=True, text=True, timeout=timeout
    )


def manage(data_dir: Path, *args: str) -> subprocess.CompletedProcess:
    return run(data_dir, sys.executable, "manage.py", *args)


@pytest.fixture(scope="module")
def restored_without_key(tmp_path_factory):
    """A data folder whose database holds audit entries, restored without its key file."""
    data_dir = tmp_path_factory.mktemp("restored")
    migrated = manage(data_dir, "migrate", "--no-input", "-v0")
    # An empty database needs no key: migrate passes and the first entry creates it.
    assert migrated.returncode == 0, migrated.stderr
    key = (data_dir / "audit_key").read_text()
    (data_dir / "audit_key").unlink()
    return data_dir, key


def assert_refused(result: subprocess.CompletedProcess, data_dir: Path) -> None:
    assert result.returncode != 0
    assert "the audit key they were written with is missing" in result.stderr
    assert str(data_dir / "audit_key") in result.stderr
    assert not (data_dir / "audit_key").exists(), "a new key was generated over the trail"


def test_commands_refuse_to_start_without_the_key_of_existing_entries(restored_without_key):
    data_dir, _key = restored_without_key
    for command in (["check"], ["migrate", "--no-input"], ["audit_verify"], ["qcluster"]):
        assert_refused(manage(data_dir, *command), data_dir)


def test_the_web_server_refuses_to_start_without_the_key(restored_without_key):
    data_dir, _key = restored_without_key
    gunicorn = Path(sys.executable).with_name("gunicorn")
    result = run(data_dir, str(gunicorn), "cqms.wsgi", "--bind", "127.0.0.1:0", "--workers", "1")
    assert_refused(result, data_dir)


def test_a_wrong_key_is_refused_and_the_restored_key_starts(restored_without_key):
    data_dir, key = restored_without_key
    (data_dir / "audit_key").write_text("a-new-key-that-wrote-nothing-" + "x" * 30)
    try:
        wrong = manage(data_dir, "check")
        assert wrong.returncode != 0 and "is not the key the trail was written with" in wrong.stderr
        (data_dir / "audit_key").write_text(key)
        restored = manage(data_dir, "audit_verify")
        assert restored.returncode == 0, restored.stderr
    finally:
        (data_dir / "audit_key").unlink(missing_ok=True)
